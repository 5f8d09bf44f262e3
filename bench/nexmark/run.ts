/**
 * `npm run bench:nexmark`: Nexmark on Fleuve and on Apache Flink, side by side, on the same input.
 *
 *   npm run bench:nexmark -- --query q5 --events 10000000 [--engine fleuve|flink|both]
 *                            [--api datastream|sql|both]
 *                            [--parallelism P] [--seed S] [--runs N] [--out-dir DIR]
 *                            [--threads T] [--skip-stream-hash] [--cpu-prof DIR]
 *
 * Input: both engines generate the stream in process (Fleuve: bench/nexmark/fleuve-source.ts;
 * Flink: the bit-identical Java twin behind fromSequence), each subtask its share of positions.
 * That both streams are the same is shown by their SHA-256 (TypeScript generator vs
 * `bench/flink/run.sh generate`), printed unless --skip-stream-hash.
 *
 * --api: which Fleuve version of the queries runs: `datastream` (default, bench/nexmark/queries/
 * q*.ts), `sql` (bench/nexmark/sql/q*.sql, the very scripts Flink runs), or `both` (alternating;
 * the SQL result is also compared with the DataStream one and the SQL/DataStream ratio printed).
 *
 * Every run is a fresh process (Fleuve: node running the job module bench/nexmark/queries/job.ts
 * through runJob, on min(P, cores) worker threads; Flink: bench/flink/run.sh, one MiniCluster);
 * the runs of the two engines alternate so that machine load hits both alike. Throughput is
 * events / job time: Fleuve's JobResult.durationMs (job start to end, including worker start),
 * Flink's net runtime from the JobManager. Median over the runs. The result files of the last
 * run are compared as multisets (bench/nexmark/compare.ts; q12 only by shape); an updating
 * query's changelog is folded into its final table first. Beside the job time, both sides report
 * the CPU time their process spent in the job (all threads): events per CPU-second is the
 * per-core figure that holds up on a loaded machine.
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
import { foldChangelog, sqlQueryNames, writeSideInput } from "./sql-queries.js";

const here = dirname(fileURLToPath(import.meta.url));
const flinkRun = join(here, "..", "flink", "run.sh");
const jobModule = join(here, "queries", "job.ts");
const sqlJobModule = join(here, "queries", "sql-job.ts");

const { values: a } = parseArgs({
  options: {
    query: { type: "string", default: "q0" },
    events: { type: "string", default: "1000000" },
    engine: { type: "string", default: "both" },
    api: { type: "string", default: "datastream" },
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
      "                          [--api datastream|sql|both]\n" +
      "                          [--parallelism 1] [--threads T] [--seed 42] [--runs 1] [--out-dir /tmp/nexmark-results]\n" +
      "                          [--skip-stream-hash] [--cpu-prof DIR]\n" +
      `queries: ${Object.keys(FLEUVE_QUERIES).join(", ")} (datastream); ${sqlQueryNames().join(", ")} (sql)\n`,
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
  const sqlApi = a.api === "sql";
  const dir = join(outDir, sqlApi ? "fleuve-sql" : "fleuve");
  if (sqlApi) writeSideInput(join(dir, "side_input.csv"));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const client = await runJob(pathToFileURL(sqlApi ? sqlJobModule : jobModule).href, {
    parallelism,
    threads,
    args: [query, String(events), String(seed), dir],
  });
  const r = await client.result;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(
    `${JSON.stringify({ durationMs: r.durationMs, wallMs, cpuMs, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) })}\n`,
  );
}

interface RunFigures {
  ms: number;
  eventsPerSecond: number;
  /** Events per CPU-second of the job (all threads of the process), when the side reports CPU time. */
  eventsPerCpuSecond: number;
  load1: number;
  extra: Record<string, unknown>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The result folder of a Fleuve API. */
const fleuveDir = (api: Api) => join(outDir, api === "sql" ? "fleuve-sql" : "fleuve");

/** Runs Fleuve once (fresh node process) with the queries of `api`; its part files stay in {@link fleuveDir}. */
function runFleuve(query: string, api: Api, profDir: string | undefined): RunFigures {
  const dir = fleuveDir(api);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.startsWith(`${query}.part-`)) rmSync(join(dir, f));
  const load1 = loadavg()[0]!;
  const nodeArgs = ["--import", "tsx"];
  if (profDir) nodeArgs.push("--cpu-prof", "--cpu-prof-dir", resolve(profDir));
  const args = [
    ...nodeArgs,
    fileURLToPath(import.meta.url),
    "--child",
    "--api",
    api,
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
  if (p.status !== 0) throw new Error(`fleuve ${api} ${query} failed (exit ${p.status}):\n${p.stderr}`);
  const r = JSON.parse(p.stdout.trim().split("\n").pop()!) as {
    durationMs: number;
    wallMs: number;
    cpuMs: number;
    rssMb: number;
  };
  return {
    ms: r.durationMs,
    eventsPerSecond: events / (r.durationMs / 1000),
    eventsPerCpuSecond: events / (r.cpuMs / 1000),
    load1,
    extra: r,
  };
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

/**
 * Sorts Fleuve's part files into the canonical `<q>.csv` (SQL: the changelog folded into the final
 * table first); returns its row count and SHA-256.
 */
function mergeFleuve(query: string, api: Api): { rows: number; sha256: string } {
  const dir = fleuveDir(api);
  let lines: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.startsWith(`${query}.part-`)) continue;
    forEachLine(join(dir, f), (l) => lines.push(l));
    rmSync(join(dir, f));
  }
  if (api === "sql") lines = foldChangelog(lines);
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
  const r = JSON.parse(line) as {
    netRuntimeMs: number;
    wallMs: number;
    cpuMs: number;
    rows: number;
    resultSha256: string;
  };
  return {
    ms: r.netRuntimeMs,
    eventsPerSecond: events / (r.netRuntimeMs / 1000),
    eventsPerCpuSecond: events / (r.cpuMs / 1000),
    load1,
    extra: r,
  };
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

/** Which Fleuve version of the queries runs. */
type Api = "datastream" | "sql";

/** Whether Fleuve has query `q` in `api`. */
function hasQuery(api: Api, q: string): boolean {
  return api === "sql" ? sqlQueryNames().includes(q) : isFleuveQuery(q);
}

/** Compares two canonical files (multisets: equal bytes), printing a few differing lines. */
function sameRows(q: string, aName: string, aPath: string, bName: string, bPath: string): boolean {
  if (q === "q12") return q12ShapeOk(aPath) && q12ShapeOk(bPath);
  const x = fileDigest(aPath);
  const y = fileDigest(bPath);
  if (x.sha256 === y.sha256) return true;
  if (x.rows + y.rows < 2_000_000) {
    const { onlyA, onlyB } = multisetDiff(readLines(aPath), readLines(bPath));
    console.log(`  ${q}: ${onlyA.length} rows only in ${aName}, ${onlyB.length} only in ${bName}`);
    for (const l of onlyA.slice(0, 5)) console.log(`  - ${aName} only: ${l.slice(0, 200)}`);
    for (const l of onlyB.slice(0, 5)) console.log(`  + ${bName} only: ${l.slice(0, 200)}`);
  }
  return false;
}

async function main(): Promise<void> {
  const engine = a.engine!;
  if (!["fleuve", "flink", "both"].includes(engine)) usage(2);
  if (!["datastream", "sql", "both"].includes(a.api!)) usage(2);
  const apis: Api[] = a.api === "both" ? ["datastream", "sql"] : [a.api as Api];
  const withFleuve = engine !== "flink";
  const withFlink = engine !== "fleuve";
  const all = apis.includes("sql") || !withFleuve ? sqlQueryNames() : Object.keys(FLEUVE_QUERIES);
  const queries = a.query === "all" ? all : a.query!.split(",").map((q) => q.trim());
  for (const q of queries) {
    if (withFleuve ? !apis.some((api) => hasQuery(api, q)) : !hasQuery("sql", q)) {
      process.stderr.write(`unknown query '${q}'\n`);
      usage(2);
    }
  }
  const cores = availableParallelism();
  const slots = Math.min(parallelism, cores);
  console.log(
    `Nexmark: ${queries.join(",")}, ${fmt(events)} events, seed ${seed}, parallelism ${parallelism}` +
      `${withFleuve ? ` (Fleuve ${apis.join(" + ")} on ${threads} thread${threads > 1 ? "s" : ""})` : ""}, ${runs} run(s), ${cores} cores, load ${loadavg()[0]!.toFixed(2)}`,
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
  const cpuText = (f: RunFigures) =>
    Number.isFinite(f.eventsPerCpuSecond) ? `, ${fmt(f.eventsPerCpuSecond)} events/CPU-s` : "";
  for (const q of queries) {
    try {
      runQuery(q);
    } catch (e) {
      // One query that does not run (an SQL feature Fleuve lacks) does not stop the others.
      const first = String((e as Error).message)
        .split("\n")
        .find((l) => /Error:|FleuveError/.test(l));
      console.log(`${q}: FAILED ${first ?? (e as Error).message.slice(0, 300)}`);
      console.log(
        `RESULT ${JSON.stringify({ query: q, events, failed: (e as Error).message.slice(0, 2000) })}`,
      );
    }
  }

  /** Runs query `q` on the engines and APIs asked for, then compares and prints the figures. */
  function runQuery(q: string): void {
    const mine = withFleuve ? apis.filter((api) => hasQuery(api, q)) : [];
    const fl = new Map<Api, RunFigures[]>(mine.map((api) => [api, []]));
    const fk: RunFigures[] = [];
    for (let r = 0; r < runs; r++) {
      for (const api of mine) {
        const f = runFleuve(q, api, a["cpu-prof"]);
        fl.get(api)!.push(f);
        console.log(
          `  ${q} run ${r + 1} fleuve ${api}: ${fmt(f.ms)} ms, ${fmt(f.eventsPerSecond)} events/s${cpuText(f)} (load ${f.load1.toFixed(2)})`,
        );
      }
      if (withFlink) {
        const f = runFlink(q);
        fk.push(f);
        console.log(
          `  ${q} run ${r + 1} flink: ${fmt(f.ms)} ms, ${fmt(f.eventsPerSecond)} events/s${cpuText(f)} (load ${f.load1.toFixed(2)})`,
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
    const eps = new Map<string, { wall: number; cpu: number }>();
    for (const api of mine) {
      const figures = fl.get(api)!;
      const merged = mergeFleuve(q, api);
      const wall = median(figures.map((f) => f.eventsPerSecond));
      const cpu = median(figures.map((f) => f.eventsPerCpuSecond));
      eps.set(api, { wall, cpu });
      // Keys of the DataStream API keep their old names (earlier RESULT lines, chart.ts).
      const k = api === "datastream" ? "fleuve" : "fleuveSql";
      Object.assign(summary, {
        [`${k}EventsPerSecond`]: Math.round(wall),
        [`${k}PerCore`]: Math.round(wall / threads),
        [`${k}EventsPerCpuSecond`]: Math.round(cpu),
        [`${k}Ms`]: figures.map((f) => Math.round(f.ms)),
        [`${k}Load`]: figures.map((f) => +f.load1.toFixed(2)),
        [`${k}Rows`]: merged.rows,
        [`${k}Sha256`]: merged.sha256,
      });
      summary.fleuveThreads = threads;
      line += ` Fleuve ${api} ${fmt(wall)} events/s (${fmt(wall / threads)}/core, ${fmt(cpu)}/CPU-s),`;
    }
    if (withFlink) {
      const dir = join(outDir, "flink");
      const merged = fileDigest(join(dir, `${q}.csv`));
      const wall = median(fk.map((f) => f.eventsPerSecond));
      const cpu = median(fk.map((f) => f.eventsPerCpuSecond));
      eps.set("flink", { wall, cpu });
      Object.assign(summary, {
        flinkEventsPerSecond: Math.round(wall),
        flinkPerCore: Math.round(wall / slots),
        flinkEventsPerCpuSecond: Math.round(cpu),
        flinkMs: fk.map((f) => Math.round(f.ms)),
        flinkLoad: fk.map((f) => +f.load1.toFixed(2)),
        flinkRows: merged.rows,
        flinkSha256: merged.sha256,
      });
      line += ` Flink ${fmt(wall)} events/s (${fmt(wall / slots)}/core, ${fmt(cpu)}/CPU-s),`;
    }
    const ratio = (x: string, y: string, k: string, label: string) => {
      const p = eps.get(x);
      const r = eps.get(y);
      if (!p || !r) return;
      summary[k] = +(p.wall / r.wall).toFixed(3);
      summary[`${k}Cpu`] = +(p.cpu / r.cpu).toFixed(3);
      line += ` ${label} ${(p.wall / r.wall).toFixed(2)} (CPU ${(p.cpu / r.cpu).toFixed(2)}),`;
    };
    ratio("datastream", "flink", "ratio", "Fleuve/Flink");
    ratio("sql", "flink", "sqlRatio", "Fleuve SQL/Flink");
    ratio("sql", "datastream", "sqlOverDataStream", "SQL/DataStream");
    const path = (who: string) =>
      who === "flink" ? join(outDir, "flink", `${q}.csv`) : join(fleuveDir(who as Api), `${q}.csv`);
    const pairs: [string, string][] = [];
    for (const api of mine) if (withFlink) pairs.push([api, "flink"]);
    if (mine.length === 2) pairs.push(["sql", "datastream"]);
    for (const [x, y] of pairs) {
      const same = sameRows(q, y, path(y), x, path(x));
      const k =
        x === "datastream" ? "identical" : y === "flink" ? "sqlIdentical" : "sqlIdenticalToDataStream";
      summary[k] = same;
      line += ` ${x} vs ${y} ${q === "q12" ? "shape " : ""}${same ? "identical" : "DIFFERENT"},`;
    }
    if (q === "q12") summary.resultsCompared = "shape only (processing time)";
    console.log(line.replace(/,$/, ""));
    console.log(`RESULT ${JSON.stringify(summary)}`);
  }
}

if (a.child) await child();
else await main();
