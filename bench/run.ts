/**
 * `npm run bench`: the core benchmarks of Fleuve (see docs/benchmarks.md).
 *
 * For every benchmark: N throughput runs of the engine and N of the plain-TypeScript baseline on a
 * bounded generated stream (median events/s, ratio), then one latency run rate-limited at half
 * the engine's median peak (p50/p99 of source-to-sink latency). Every run is a fresh process and
 * only one runs at a time. `--soak <seconds>` instead runs the heap soak test.
 *
 *   npm run bench -- --runs 3 --events 10000000 --only tumbling,sliding
 *   npm run bench -- --soak 600 --only tumbling --rate 500000
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BENCHMARKS } from "./core/pipelines.js";

const here = dirname(fileURLToPath(import.meta.url));
const worker = join(here, "core", "worker.ts");

const { values: a } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    events: { type: "string", default: "10000000" },
    only: { type: "string" },
    "latency-seconds": { type: "string", default: "10" },
    "wm-interval": { type: "string", default: "10" },
    "latency-rate": { type: "string" },
    "no-latency": { type: "boolean", default: false },
    "no-baseline": { type: "boolean", default: false },
    soak: { type: "string" },
    rate: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

if (a.help) {
  process.stdout.write(
    "npm run bench -- [--runs 3] [--events 10000000] [--only a,b] [--latency-seconds 10] [--wm-interval 10]\n" +
      "                 [--latency-rate events/s (default: half of the measured peak)]\n" +
      "                 [--no-latency] [--no-baseline] [--soak seconds --rate events/s]\n" +
      `benchmarks: ${BENCHMARKS.map((b) => b.name).join(", ")}\n`,
  );
  process.exit(0);
}

const only = a.only?.split(",").map((s) => s.trim());
for (const o of only ?? []) {
  if (!BENCHMARKS.some((b) => b.name === o)) {
    process.stderr.write(
      `unknown benchmark '${o}': use one of ${BENCHMARKS.map((b) => b.name).join(", ")}\n`,
    );
    process.exit(2);
  }
}
const selected = BENCHMARKS.filter((b) => !only || only.includes(b.name));

/** Runs one measurement in a fresh node process and returns its RESULT object. */
function measure(args: string[], nodeFlags: string[] = []): any {
  // Other processes on this machine skew results: keep the 1-minute load average with every run.
  const load = loadavg()[0]!;
  const res = spawnSync(process.execPath, [...nodeFlags, "--import", "tsx", worker, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 2 ** 20,
  });
  const line = res.stdout?.split("\n").find((l) => l.startsWith("RESULT "));
  if (res.status !== 0 || !line) {
    throw new Error(`benchmark run failed (${args.join(" ")}): exit ${res.status}\n${res.stdout ?? ""}`);
  }
  return { ...JSON.parse(line.slice("RESULT ".length)), loadBefore: Number(load.toFixed(2)) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0);

function machine(): Record<string, string | number> {
  const lscpu = spawnSync("lscpu", { encoding: "utf8" }).stdout ?? "";
  const model = /Model name:\s*(.+)/.exec(lscpu)?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown";
  return { cpu: model, cores: cpus().length, node: process.version };
}

const info = machine();
process.stdout.write(`machine: ${info.cpu}, ${info.cores} cores, Node ${info.node}\n`);
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const outDir = join(here, "results");
mkdirSync(outDir, { recursive: true });

if (a.soak) {
  const seconds = Number(a.soak);
  if (!(seconds > 0)) {
    process.stderr.write(`--soak must be a number of seconds > 0, got '${a.soak}'\n`);
    process.exit(2);
  }
  // Ten-second samples suit the 10-minute soak; a short run samples more often so that its second
  // half still has enough samples for a trend.
  const sampleMs = Math.round(Math.min(10_000, Math.max(250, (seconds * 1000) / 20)));
  for (const b of selected.filter((x) => x.kind === "window")) {
    const rate = a.rate ?? "500000";
    process.stdout.write(
      `soak ${b.name}: ${rate} events/s for ${seconds} s (heap sampled every ${sampleMs / 1000} s after GC)\n`,
    );
    const r = measure(
      [
        ...["--bench", b.name, "--mode", "soak", "--rate", rate, "--seconds", String(seconds)],
        ...["--sample-ms", String(sampleMs)],
      ],
      ["--expose-gc"],
    );
    process.stdout.write(
      `  achieved ${fmt(r.achievedPerSec)}/s; heap in the second half ${r.heapMBSecondHalf.min.toFixed(1)}..${r.heapMBSecondHalf.max.toFixed(1)} MB; trend ${r.slopeMBPerMin.toFixed(3)} MB/min\n`,
    );
    const file = join(outDir, `core-soak-${b.name}-${stamp}.json`);
    writeFileSync(file, JSON.stringify({ machine: info, ...r }, null, 2));
    process.stdout.write(`  samples: ${file}\n`);
  }
  process.exit(0);
}

const runs = Number(a.runs);
const events = a.events!;
const rows: any[] = [];
for (const b of selected) {
  process.stdout.write(`\n${b.title}\n`);
  const engine: any[] = [];
  for (let i = 0; i < runs; i++) {
    const r = measure(["--bench", b.name, "--mode", "engine", "--events", events]);
    engine.push(r);
    process.stdout.write(
      `  engine   run ${i + 1}: ${fmt(r.eventsPerSec)} events/s, ${fmt(r.eventsPerCpuSec)} per CPU-s (${r.digest.n} results, load ${r.loadBefore})\n`,
    );
  }
  const base: any[] = [];
  if (!a["no-baseline"]) {
    for (let i = 0; i < runs; i++) {
      const r = measure(["--bench", b.name, "--mode", "baseline", "--events", events]);
      base.push(r);
      process.stdout.write(
        `  baseline run ${i + 1}: ${fmt(r.eventsPerSec)} events/s, ${fmt(r.eventsPerCpuSec)} per CPU-s (load ${r.loadBefore})\n`,
      );
    }
    const same = JSON.stringify(base[0].digest) === JSON.stringify(engine[0].digest);
    process.stdout.write(
      `  results ${same ? "match" : "DIFFER from"} the baseline's: ${JSON.stringify(engine[0].digest)}\n`,
    );
    if (!same) process.exitCode = 1;
  }
  const eps = median(engine.map((r) => r.eventsPerSec));
  const beps = base.length ? median(base.map((r) => r.eventsPerSec)) : Number.NaN;
  const cpu = median(engine.map((r) => r.eventsPerCpuSec));
  const bcpu = base.length ? median(base.map((r) => r.eventsPerCpuSec)) : Number.NaN;
  let lat: any;
  if (!a["no-latency"]) {
    // Half of the median peak, or --latency-rate. A run that falls behind (other processes took
    // the CPU) measures its backlog, not its latency: it is retried at half the rate, twice at most.
    let rate = Math.round(a["latency-rate"] ? Number(a["latency-rate"]) : eps / 2);
    for (let attempt = 0; attempt < 3; attempt++, rate = Math.round(rate / 2)) {
      lat = measure([
        "--bench",
        b.name,
        "--mode",
        "latency",
        "--rate",
        String(rate),
        "--seconds",
        a["latency-seconds"]!,
        "--wm-interval",
        a["wm-interval"]!,
      ]);
      // Kept up: the source was less than 100 ms behind its schedule when the input ended (the
      // achieved rate also counts the firing of every remaining window at the end of the input).
      lat.keptUp = lat.sourceLagMs.last < 100;
      process.stdout.write(
        `  latency at ${fmt(rate)}/s (source lag at end ${lat.sourceLagMs.last.toFixed(1)} ms${lat.keptUp ? "" : ", DID NOT KEEP UP"}, load ${lat.loadBefore}): p50 ${lat.p50.toFixed(3)} ms, p99 ${lat.p99.toFixed(3)} ms, max ${lat.max.toFixed(1)} ms over ${lat.measured} results\n`,
      );
      if (lat.keptUp) break;
    }
  }
  rows.push({
    bench: b.name,
    title: b.title,
    events: Number(events),
    engine,
    base,
    eps,
    beps,
    cpu,
    bcpu,
    lat,
  });
}

const na = (x: number, f: (x: number) => string) => (Number.isNaN(x) ? "-" : f(x));
process.stdout.write(
  `\n| benchmark | events | engine events/s (median of ${runs}) | per CPU-s | baseline events/s | per CPU-s | engine/baseline (CPU) | latency rate | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|---|---|---|\n`,
);
for (const r of rows) {
  const l = r.lat;
  process.stdout.write(
    `| ${r.bench} | ${fmt(r.events)} | ${fmt(r.eps)} | ${fmt(r.cpu)} | ${na(r.beps, fmt)} | ${na(r.bcpu, fmt)} | ${na(r.cpu / r.bcpu, (x) => x.toFixed(2))} | ${l ? fmt(l.rate) : "-"} | ${l ? l.p50.toFixed(3) : "-"} | ${l ? l.p99.toFixed(3) : "-"}${l && !l.keptUp ? " (fell behind)" : ""} |\n`,
  );
}
const file = join(outDir, `core-${stamp}.json`);
writeFileSync(file, JSON.stringify({ machine: info, argv: process.argv.slice(2), rows }, null, 2));
process.stdout.write(`\nraw results: ${file}\n`);
