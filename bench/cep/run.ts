/**
 * The CEP benchmark driver: writes the input of each scenario once (generate.ts's format), runs
 * each engine on it `--runs` times in a fresh process per run, and prints the medians and whether
 * the engines' matches are equal as multisets (their canonical match files, sorted, are equal).
 *
 *   node --import tsx bench/cep/run.ts [--engine flink] [--only fraud,spikes,absence]
 *        [--events 1000000] [--keys 100000] [--seed 42] [--runs 3] [--dir .cache/cep-bench]
 *
 * Engines: `fleuve` (fleuve-worker.ts: @fleuve/cep, parallelism 1; run `npm run build` first) and
 * `flink` (bench/flink/run.sh cep: Flink CEP 1.20.3, local MiniCluster, parallelism 1), default
 * both. Each run's JSON line is appended to <dir>/results.jsonl.
 *
 * With `--latency`, each engine replays the input at `--rate` events per second of wall time
 * instead (latency-worker.ts, bench/flink run.sh cep-latency), in each `--time` domain (default
 * event,processing), and the medians over runs of each run's p50 / p99 latency from event to
 * match are printed.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type CepScenario, generateCepEvents, renderCepEvent } from "./scenarios.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SCENARIOS: readonly CepScenario[] = ["fraud", "spikes", "absence"];

/** One run's figures, as the engine prints them. */
interface RunResult {
  readonly engine: string;
  readonly pattern: string;
  readonly events: number;
  readonly matches: number;
  readonly netMs: number;
  readonly wallMs: number;
  readonly eventsPerSecond: number;
  readonly peakHeapMB: number;
  readonly peakRssMB?: number;
  readonly sha256: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}

function writeInput(path: string, scenario: CepScenario, events: number, keys: number, seed: number): void {
  const fd = openSync(path, "w");
  let chunk: string[] = [];
  const flush = (): void => {
    const bytes = Buffer.from(chunk.join(""), "latin1");
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    chunk = [];
  };
  for (const e of generateCepEvents({ scenario, events, keys, seed })) {
    chunk.push(`${renderCepEvent(e)}\n`);
    if (chunk.length === 65536) flush();
  }
  flush();
  closeSync(fd);
}

function runEngine(engine: string, pattern: CepScenario, input: string, out: string): RunResult {
  const args = ["--pattern", pattern, "--input", input, "--out", out];
  const res =
    engine === "flink"
      ? spawnSync(join(ROOT, "bench/flink/run.sh"), ["cep", ...args], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
        })
      : spawnSync(
          process.execPath,
          ["--expose-gc", "--import", "tsx", join(ROOT, "bench/cep/fleuve-worker.ts"), ...args],
          {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
            cwd: ROOT,
          },
        );
  if (res.status !== 0) throw new Error(`${engine} run failed (exit ${res.status}) for ${pattern}`);
  const line = res.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as RunResult;
}

/** One latency run's figures (latency-worker.ts and CepLatency.java print the same fields). */
interface LatencyResult {
  readonly engine: string;
  readonly matches: number;
  readonly measured: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
}

function runLatency(
  engine: string,
  pattern: CepScenario,
  input: string,
  time: string,
  rate: number,
  warmupS: number,
): LatencyResult {
  const args = ["--pattern", pattern, "--input", input, "--time", time, "--rate", String(rate)];
  args.push("--warmup-s", String(warmupS));
  const res =
    engine === "flink"
      ? spawnSync(join(ROOT, "bench/flink/run.sh"), ["cep-latency", ...args], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
        })
      : spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench/cep/latency-worker.ts"), ...args], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
          cwd: ROOT,
        });
  if (res.status !== 0) throw new Error(`${engine} latency run failed (exit ${res.status}) for ${pattern}`);
  return JSON.parse(res.stdout.trim().split("\n").pop() ?? "") as LatencyResult;
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function main(): void {
  const { values } = parseArgs({
    options: {
      engine: { type: "string", default: "fleuve,flink" },
      only: { type: "string" },
      events: { type: "string", default: "1000000" },
      keys: { type: "string", default: "100000" },
      seed: { type: "string", default: "42" },
      runs: { type: "string", default: "3" },
      dir: { type: "string", default: join(ROOT, ".cache/cep-bench") },
      latency: { type: "boolean", default: false },
      rate: { type: "string", default: "10000" },
      time: { type: "string", default: "event,processing" },
      "warmup-s": { type: "string", default: "5" },
    },
    strict: true,
  });
  const engines = values.engine.split(",");
  for (const e of engines)
    if (e !== "flink" && e !== "fleuve") throw new Error(`--engine: unknown engine "${e}" (fleuve, flink)`);
  const only = values.only === undefined ? SCENARIOS : (values.only.split(",") as CepScenario[]);
  for (const s of only) if (!SCENARIOS.includes(s)) throw new Error(`--only: unknown scenario "${s}"`);
  const events = Number(values.events);
  const keys = Number(values.keys);
  const seed = Number(values.seed);
  const runs = Number(values.runs);
  // Absolute: the engines run with other working directories.
  const dir = resolve(values.dir);
  mkdirSync(dir, { recursive: true });
  const log = join(dir, "results.jsonl");
  console.log(
    `# ${cpus().length} cpus (${cpus()[0]?.model ?? "?"}), load ${loadavg().map((l) => l.toFixed(1))}`,
  );
  if (values.latency) {
    const rate = Number(values.rate);
    const times = values.time.split(",");
    for (const t of times)
      if (t !== "event" && t !== "processing")
        throw new Error(`--time: unknown domain "${t}" (event, processing)`);
    for (const scenario of only) {
      const input = join(dir, `${scenario}-${events}-${keys}-${seed}.csv`);
      if (!existsSync(input)) writeInput(input, scenario, events, keys, seed);
      for (const time of times) {
        const byEngine = new Map<string, LatencyResult[]>(engines.map((e) => [e, []]));
        for (let r = 0; r < runs; r++) {
          for (const engine of engines) {
            const load = loadavg()[0]!;
            const res = runLatency(engine, scenario, input, time, rate, Number(values["warmup-s"]));
            byEngine.get(engine)!.push(res);
            appendFileSync(
              log,
              `${JSON.stringify({ ...res, mode: "latency", keys, seed, run: r + 1, load1: load, at: new Date().toISOString() })}\n`,
            );
            console.log(
              `${scenario} ${time} ${engine} run ${r + 1} (load ${load.toFixed(1)}): ${JSON.stringify(res)}`,
            );
          }
        }
        for (const [engine, results] of byEngine) {
          const med = (f: (x: LatencyResult) => number) =>
            median(results.map(f).map((x) => Math.round(x * 10))) / 10;
          console.log(
            `${scenario} ${time} ${engine} median of ${runs} at ${rate} events/s: p50 ${med((x) => x.p50Ms)} ms, ` +
              `p99 ${med((x) => x.p99Ms)} ms, p99.9 ${med((x) => x.p999Ms)} ms ` +
              `(${results[0]!.measured} of ${results[0]!.matches} matches measured)`,
          );
        }
      }
    }
    return;
  }
  for (const scenario of only) {
    const input = join(dir, `${scenario}-${events}-${keys}-${seed}.csv`);
    if (!existsSync(input)) writeInput(input, scenario, events, keys, seed);
    const byEngine = new Map<string, RunResult[]>(engines.map((e) => [e, []]));
    const matchFiles = new Map(engines.map((e) => [e, join(dir, `${scenario}-${events}-${e}.matches`)]));
    // Runs alternate between the engines, so that both see the same share of a shared machine's load.
    for (let r = 0; r < runs; r++) {
      for (const engine of engines) {
        const out = matchFiles.get(engine)!;
        const load = loadavg()[0]!;
        const res = runEngine(engine, scenario, input, out);
        byEngine.get(engine)!.push(res);
        appendFileSync(
          log,
          `${JSON.stringify({ ...res, keys, seed, run: r + 1, load1: load, at: new Date().toISOString() })}\n`,
        );
        console.log(`${scenario} ${engine} run ${r + 1} (load ${load.toFixed(1)}): ${JSON.stringify(res)}`);
        if (res.sha256 !== sha256File(out))
          throw new Error(`${out}: digest differs from the engine's report`);
      }
    }
    for (const [engine, results] of byEngine) {
      const digests = new Set(results.map((x) => x.sha256));
      if (digests.size !== 1) throw new Error(`${scenario} ${engine}: runs disagree on the matches`);
      console.log(
        `${scenario} ${engine} median of ${runs}: ${median(results.map((x) => x.eventsPerSecond))} events/s, ` +
          `net ${median(results.map((x) => x.netMs))} ms, wall ${median(results.map((x) => x.wallMs))} ms, ` +
          `peak heap ${median(results.map((x) => x.peakHeapMB))} MB, ` +
          `peak RSS ${median(results.map((x) => x.peakRssMB ?? -1))} MB, ${results[0]!.matches} matches`,
      );
    }
    // Both canonical files are sorted lines, so equal files mean equal multisets of matches.
    const digests = new Map([...byEngine].map(([e, rs]) => [e, rs[0]!.sha256]));
    if (new Set(digests.values()).size > 1) {
      const [a, b] = [...matchFiles.values()];
      console.log(`${scenario}: MATCHES DIFFER between engines (${[...digests].join(", ")}); diff ${a} ${b}`);
      process.exitCode = 1;
    } else if (digests.size > 1) {
      console.log(`${scenario}: matches equal as multisets (sha256 ${[...digests.values()][0]})`);
    }
  }
}

main();
