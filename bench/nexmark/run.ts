/**
 * `npm run bench:nexmark`: Nexmark on Fleuve and on Apache Flink, side by side, on the same input.
 *
 *   npm run bench:nexmark -- --query q5 --events 10000000 [--engine fleuve|flink|both]
 *                            [--parallelism P] [--seed S] [--runs N] [--out-dir DIR]
 *                            [--threads T] [--skip-stream-hash] [--cpu-prof DIR]
 *
 * Input: both engines generate the stream in process (Fleuve: bench/nexmark/fleuve-source.ts;
 * Flink: the bit-identical Java twin behind fromSequence), each subtask its share of positions.
 * That both streams are the same is shown by their SHA-256 (TypeScript generator vs
 * `bench/flink/run.sh generate`), printed unless --skip-stream-hash.
 *
 * Every run is a fresh process (Fleuve: node running the job module bench/nexmark/queries/job.ts
 * through runJob, on min(P, cores) worker threads; Flink: bench/flink/run.sh, one MiniCluster);
 * the runs of the two engines alternate so that machine load hits both alike. Throughput is
 * events / job time: Fleuve's JobResult.durationMs (job start to end, including worker start),
 * Flink's net runtime from the JobManager. Median over the runs. The result files of the last
 * run are compared as multisets (bench/nexmark/compare.ts; q12 only by shape).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { sortRows } from "./canonical.js";
import { multisetDiff } from "./compare.js";
import { NexmarkGenerator } from "./generator.js";
import { streamHash } from "./hash.js";
import { FLEUVE_QUERIES, isFleuveQuery } from "./queries/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const flinkRun = join(here, "..", "flink", "run.sh");
const jobModule = join(here, "queries", "job.ts");

const { values: a } = parseArgs({
  options: {
    query: { type: "string", default: "q0" },
    events: { type: "string", default: "1000000" },
    engine: { type: "string", default: "both" },
    parallelism: { type: "string", default: "1" },
    threads: { type: "string" },
    seed: { type: "string", default: "42" },
    runs: { type: "string", default: "1" },
    "out-dir": { type: "string", default: "/tmp/nexmark-results" },
    "skip-stream-hash": { type: "boolean", default: false },
    "cpu-prof": { type: "string" },
    child: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

function usage(code: number): never {
  (code === 0 ? process.stdout : process.stderr).write(
    "npm run bench:nexmark -- --query q5[,q7|all] [--events 1000000] [--engine fleuve|flink|both]\n" +
      "                          [--parallelism 1] [--threads T] [--seed 42] [--runs 1] [--out-dir /tmp/nexmark-results]\n" +
      "                          [--skip-stream-hash] [--cpu-prof DIR]\n" +
      `queries: ${Object.keys(FLEUVE_QUERIES).join(", ")}\n`,
  );
  process.exit(code);
}

function int(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer >= ${min}, got '${v}'\n`);
    process.exit(2);
  }
  return n;
}

if (a.help) usage(0);
const events = int("events", a.events, 1);
const parallelism = int("parallelism", a.parallelism, 1);
const seed = int("seed", a.seed, 0);
const runs = int("runs", a.runs, 1);
const threads =
  a.threads === undefined ? Math.min(parallelism, availableParallelism()) : int("threads", a.threads, 1);
const outDir = resolve(a["out-dir"]!);

/** Child process: runs one query once on Fleuve and prints its timing as JSON. */
async function child(): Promise<void> {
  const { runJob } = await import("@fleuve/core");
  const query = a.query!;
  const dir = join(outDir, "fleuve");
  const t0 = performance.now();
  const client = await runJob(pathToFileURL(jobModule).href, {
    parallelism,
    threads,
    args: [query, String(events), String(seed), dir],
  });
  const r = await client.result;
  const wallMs = performance.now() - t0;
  process.stdout.write(
    `${JSON.stringify({ durationMs: r.durationMs, wallMs, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) })}\n`,
  );
}

interface RunFigures {
  ms: number;
  eventsPerSecond: number;
  load1: number;
  extra: Record<string, unknown>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs Fleuve once (fresh node process); merges its part files into `<dir>/fleuve/<q>.csv` if `merge`. */
function runFleuve(query: string, profDir: string | undefined): RunFigures {
  const dir = join(outDir, "fleuve");
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.startsWith(`${query}.part-`)) rmSync(join(dir, f));
  const load1 = loadavg()[0]!;
  const nodeArgs = ["--import", "tsx"];
  if (profDir) nodeArgs.push("--cpu-prof", "--cpu-prof-dir", resolve(profDir));
  const args = [
    ...nodeArgs,
    fileURLToPath(import.meta.url),
    "--child",
    "--query",
    query,
    "--events",
    String(events),
    "--seed",
    String(seed),
    "--parallelism",
    String(parallelism),
    "--threads",
    String(threads),
    "--out-dir",
    outDir,
  ];
  const p = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  if (p.status !== 0) throw new Error(`fleuve ${query} failed (exit ${p.status}):\n${p.stderr}`);
  const r = JSON.parse(p.stdout.trim().split("\n").pop()!) as {
    durationMs: number;
    wallMs: number;
    rssMb: number;
  };
  return { ms: r.durationMs, eventsPerSecond: events / (r.durationMs / 1000), load1, extra: r };
}

/** Calls `fn` for every non-empty line of a file, reading it in chunks (files may exceed V8's string limit). */
function forEachLine(path: string, fn: (line: string) => void): void {
  const fd = openSync(path, "r");
  const buf = Buffer.allocUnsafe(1 << 24);
  let rest = "";
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const parts = (rest + buf.toString("latin1", 0, n)).split("\n");
      rest = parts.pop()!;
      for (const l of parts) if (l.length > 0) fn(l);
    }
    if (rest.length > 0) fn(rest);
  } finally {
    closeSync(fd);
  }
}

/** Sorts Fleuve's part files into the canonical `<q>.csv`; returns its row count and SHA-256. */
function mergeFleuve(query: string): { rows: number; sha256: string } {
  const dir = join(outDir, "fleuve");
  let lines: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.startsWith(`${query}.part-`)) continue;
    forEachLine(join(dir, f), (l) => lines.push(l));
    rmSync(join(dir, f));
  }
  sortRows(lines);
  const fd = openSync(join(dir, `${query}.csv`), "w");
  const h = createHash("sha256");
  for (let i = 0; i < lines.length; i += 65536) {
    const chunk = `${lines.slice(i, i + 65536).join("\n")}\n`;
    writeSync(fd, chunk, null, "latin1");
    h.update(chunk, "latin1");
  }
  closeSync(fd);
  const rows = lines.length;
  lines = [];
  return { rows, sha256: h.digest("hex") };
}

/** Row count and SHA-256 of a canonical file. */
function fileDigest(path: string): { rows: number; sha256: string } {
  const h = createHash("sha256");
  let rows = 0;
  forEachLine(path, (l) => {
    rows++;
    h.update(`${l}\n`, "latin1");
  });
  return { rows, sha256: h.digest("hex") };
}

/** Runs Flink once (bench/flink/run.sh: a fresh JVM and MiniCluster). */
function runFlink(query: string): RunFigures {
  const dir = join(outDir, "flink");
  mkdirSync(dir, { recursive: true });
  const load1 = loadavg()[0]!;
  const p = spawnSync(
    flinkRun,
    [
      "query",
      "--query",
      query,
      "--events",
      String(events),
      "--seed",
      String(seed),
      "--parallelism",
      String(parallelism),
      "--out-dir",
      dir,
    ],
    { encoding: "utf8", maxBuffer: 1 << 26 },
  );
  if (p.status !== 0) throw new Error(`flink ${query} failed (exit ${p.status}):\n${p.stderr.slice(-4000)}`);
  const line = p.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .pop();
  if (!line) throw new Error(`flink ${query}: no result line in\n${p.stdout.slice(-2000)}`);
  const r = JSON.parse(line) as { netRuntimeMs: number; wallMs: number; rows: number; resultSha256: string };
  return { ms: r.netRuntimeMs, eventsPerSecond: events / (r.netRuntimeMs / 1000), load1, extra: r };
}

function readLines(path: string): string[] {
  const text = readFileSync(path, "latin1");
  return text.length === 0 ? [] : text.slice(0, -1).split("\n");
}

/** q12's rows depend on the wall clock: check the shape only. */
function q12ShapeOk(path: string): boolean {
  let ok = true;
  forEachLine(path, (l) => {
    const m = /^(\d+),(\d+),(\d+),(\d+)$/.exec(l);
    ok &&= m !== null && Number(m[4]) - Number(m[3]) === 10_000 && Number(m[3]) % 10_000 === 0;
  });
  return ok;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

async function main(): Promise<void> {
  const engine = a.engine!;
  if (!["fleuve", "flink", "both"].includes(engine)) usage(2);
  const queries = a.query === "all" ? Object.keys(FLEUVE_QUERIES) : a.query!.split(",").map((q) => q.trim());
  for (const q of queries) {
    if (!isFleuveQuery(q)) {
      process.stderr.write(`unknown query '${q}'\n`);
      usage(2);
    }
  }
  const withFleuve = engine !== "flink";
  const withFlink = engine !== "fleuve";
  const cores = availableParallelism();
  const slots = Math.min(parallelism, cores);
  console.log(
    `Nexmark: ${queries.join(",")}, ${fmt(events)} events, seed ${seed}, parallelism ${parallelism}` +
      `${withFleuve ? ` (Fleuve on ${threads} thread${threads > 1 ? "s" : ""})` : ""}, ${runs} run(s), ${cores} cores, load ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    "Input: in-process generator on both sides (each subtask generates its share of stream positions).",
  );
  if (!a["skip-stream-hash"]) {
    const ts = streamHash(new NexmarkGenerator({ seed, events }));
    let java = "(not run)";
    if (withFlink) {
      const p = spawnSync(flinkRun, ["generate", "--events", String(events), "--seed", String(seed)], {
        encoding: "utf8",
      });
      java = (/"hash"\s*:\s*"([0-9a-f]{64})"/.exec(p.stdout) ?? [])[1] ?? `(failed: ${p.stderr.slice(-300)})`;
    }
    console.log(
      `Stream SHA-256: TypeScript ${ts}${withFlink ? `, Java ${java} -> ${ts === java ? "identical" : "DIFFERENT"}` : ""}`,
    );
  }
  for (const q of queries) {
    const fl: RunFigures[] = [];
    const fk: RunFigures[] = [];
    for (let r = 0; r < runs; r++) {
      if (withFleuve) {
        const f = runFleuve(q, a["cpu-prof"]);
        fl.push(f);
        console.log(
          `  ${q} run ${r + 1} fleuve: ${fmt(f.ms)} ms, ${fmt(f.eventsPerSecond)} events/s (load ${f.load1.toFixed(2)})`,
        );
      }
      if (withFlink) {
        const f = runFlink(q);
        fk.push(f);
        console.log(
          `  ${q} run ${r + 1} flink:  ${fmt(f.ms)} ms, ${fmt(f.eventsPerSecond)} events/s (load ${f.load1.toFixed(2)})`,
        );
      }
    }
    const summary: Record<string, unknown> = {
      query: q,
      events,
      seed,
      parallelism,
      runs,
      source: "generator",
    };
    let line = `${q}:`;
    let fleuveEps = 0;
    let flinkEps = 0;
    if (withFleuve) {
      const merged = mergeFleuve(q);
      fleuveEps = median(fl.map((f) => f.eventsPerSecond));
      Object.assign(summary, {
        fleuveEventsPerSecond: Math.round(fleuveEps),
        fleuvePerCore: Math.round(fleuveEps / threads),
        fleuveMs: fl.map((f) => Math.round(f.ms)),
        fleuveLoad: fl.map((f) => +f.load1.toFixed(2)),
        fleuveThreads: threads,
        fleuveRows: merged.rows,
        fleuveSha256: merged.sha256,
      });
      line += ` Fleuve ${fmt(fleuveEps)} events/s (${fmt(fleuveEps / threads)}/core)`;
    }
    if (withFlink) {
      flinkEps = median(fk.map((f) => f.eventsPerSecond));
      Object.assign(summary, {
        flinkEventsPerSecond: Math.round(flinkEps),
        flinkPerCore: Math.round(flinkEps / slots),
        flinkMs: fk.map((f) => Math.round(f.ms)),
        flinkLoad: fk.map((f) => +f.load1.toFixed(2)),
      });
      line += `${withFleuve ? "," : ""} Flink ${fmt(flinkEps)} events/s (${fmt(flinkEps / slots)}/core)`;
    }
    if (withFleuve && withFlink) {
      const ratio = fleuveEps / flinkEps;
      const minePath = join(outDir, "fleuve", `${q}.csv`);
      const theirsPath = join(outDir, "flink", `${q}.csv`);
      const mine = fileDigest(minePath);
      const theirs = fileDigest(theirsPath);
      let identical: boolean;
      if (q === "q12") {
        identical = q12ShapeOk(minePath) && q12ShapeOk(theirsPath);
        summary.resultsCompared = "shape only (processing time)";
      } else {
        // Both files are canonical (sorted the same way): equal multisets <=> equal bytes.
        identical = mine.sha256 === theirs.sha256;
        if (!identical && mine.rows + theirs.rows < 2_000_000) {
          const { onlyA, onlyB } = multisetDiff(readLines(theirsPath), readLines(minePath));
          summary.onlyFlink = onlyA.length;
          summary.onlyFleuve = onlyB.length;
          for (const l of onlyA.slice(0, 5)) console.log(`  - flink only:  ${l.slice(0, 200)}`);
          for (const l of onlyB.slice(0, 5)) console.log(`  + fleuve only: ${l.slice(0, 200)}`);
        }
      }
      Object.assign(summary, {
        ratio: +ratio.toFixed(3),
        identical,
        flinkRows: theirs.rows,
        flinkSha256: theirs.sha256,
      });
      line += `, Fleuve/Flink ${ratio.toFixed(2)}, results ${q === "q12" ? "shape " : ""}${identical ? "identical" : "DIFFERENT"} (${mine.rows} rows)`;
    }
    console.log(line);
    console.log(`RESULT ${JSON.stringify(summary)}`);
  }
}

if (a.child) await child();
else await main();
