/**
 * State backend and checkpoint benchmarks: every run is a fresh process (bench/state/worker.ts),
 * median of `--runs` runs, printed as Markdown tables.
 *
 *   node --import tsx bench/state/run.ts --suite backends   [--runs 3] [--events 2000000]
 *   node --import tsx bench/state/run.ts --suite checkpoint [--runs 3] [--events 5000000]
 *
 * backends: the core `keyed` pipeline (keyBy + ValueState running count) on heap vs LMDB, with
 * 10k keys (all in the LMDB cache) and 1M keys (LMDB cache of 65 536: most reads miss).
 * checkpoint: every core pipeline (bench/core/pipelines.ts) without checkpoints vs with a
 * checkpoint every second (heap backend), plus `keyed` on LMDB. Compared rows run alternately
 * (off, on, off, on, ...) so that a change of machine load hits both.
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const { values: a } = parseArgs({
  options: {
    suite: { type: "string", default: "backends" },
    runs: { type: "string", default: "3" },
    events: { type: "string" },
    only: { type: "string" },
  },
});
const runs = Number(a.runs);

interface Row {
  label: string;
  args: string[];
}

function measure(args: string[]): any {
  const load = loadavg()[0]!;
  const res = spawnSync(process.execPath, ["--import", "tsx", join(here, "worker.ts"), ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 2 ** 20,
  });
  const line = res.stdout?.split("\n").find((l) => l.startsWith("RESULT "));
  if (res.status !== 0 || !line) throw new Error(`run failed (${args.join(" ")}): exit ${res.status}`);
  return { ...JSON.parse(line.slice(7)), load: Number(load.toFixed(2)) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`);

type Series = { median: number; all: number[]; loads: number[]; last: any };

/** Runs the rows alternately (A B A B ...), so a change of machine load hits every row alike. */
function series(...rows: Row[]): Series[] {
  const results: any[][] = rows.map(() => []);
  for (let i = 0; i < runs; i++)
    rows.forEach((row, j) => {
      results[j]!.push(measure(row.args));
    });
  return results.map((rs, j) => {
    const d0 = JSON.stringify(rs[0].digest);
    for (const r of rs)
      if (JSON.stringify(r.digest) !== d0) throw new Error(`${rows[j]!.label}: results differ between runs`);
    return {
      median: median(rs.map((r) => r.eventsPerSec)),
      all: rs.map((r) => r.eventsPerSec),
      loads: rs.map((r) => r.load),
      last: rs[rs.length - 1],
    };
  });
}

const cpu = cpus()[0]?.model ?? "unknown";
process.stdout.write(`machine: ${cpu}, ${cpus().length} cores, Node ${process.version}; runs=${runs}\n\n`);

if (a.suite === "backends") {
  const events = a.events ?? "2000000";
  const base = ["--bench", "keyed", "--events", events];
  process.stdout.write(
    "| keys | heap events/s | LMDB events/s | LMDB / heap | runs (heap; LMDB) | load 1-min |\n|---|---|---|---|---|---|\n",
  );
  for (const keys of ["10000", "1000000"]) {
    const [heap, lmdb] = series(
      { label: `heap ${keys}`, args: [...base, "--keys", keys, "--backend", "heap"] },
      { label: `lmdb ${keys}`, args: [...base, "--keys", keys, "--backend", "lmdb"] },
    ) as [Series, Series];
    if (JSON.stringify(heap.last.digest) !== JSON.stringify(lmdb.last.digest))
      throw new Error("heap and LMDB results differ");
    process.stdout.write(
      `| ${keys} | ${fmt(heap.median)} | ${fmt(lmdb.median)} | ${(lmdb.median / heap.median).toFixed(3)} | ${heap.all.map(fmt).join(" ")}; ${lmdb.all.map(fmt).join(" ")} | ${[...heap.loads, ...lmdb.loads].join(" ")} |\n`,
    );
  }
} else if (a.suite === "checkpoint") {
  const events = a.events ?? "5000000";
  const benches = (a.only ?? "stateless,keyed,tumbling,sliding,session").split(",");
  process.stdout.write(
    "| pipeline | backend | no checkpoints events/s | checkpoint every 1 s events/s | overhead | checkpoints | last checkpoint bytes | load 1-min |\n|---|---|---|---|---|---|---|---|\n",
  );
  const rows: [string, string][] = benches.map((b) => [b, "heap"]);
  if (benches.includes("keyed")) rows.push(["keyed", "lmdb"]);
  for (const [b, backend] of rows) {
    const args = ["--bench", b, "--events", events, "--backend", backend];
    const [off, on] = series(
      { label: `${b} off`, args },
      { label: `${b} on`, args: [...args, "--checkpoint-ms", "1000"] },
    ) as [Series, Series];
    if (JSON.stringify(off.last.digest) !== JSON.stringify(on.last.digest))
      throw new Error(`${b}: checkpointing changed the results`);
    process.stdout.write(
      `| ${b} | ${backend} | ${fmt(off.median)} | ${fmt(on.median)} | ${((1 - on.median / off.median) * 100).toFixed(1)}% | ${on.last.checkpoints} | ${on.last.lastCheckpointBytes} | ${[...off.loads, ...on.loads].join(" ")} |\n`,
    );
  }
} else throw new Error(`--suite backends|checkpoint, got ${a.suite}`);
