/**
 * One run of a core benchmark pipeline (bench/core/pipelines.ts, imported unchanged) on a chosen
 * state backend, with or without periodic checkpoints; prints one `RESULT {json}` line.
 *
 *   node --import tsx bench/state/worker.ts --bench keyed --backend lmdb --events 2000000 \
 *        [--keys 10000] [--cache 4096] [--checkpoint-ms 1000]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type EnvironmentOptions, StreamExecutionEnvironment } from "@fleuve/core";
import { lmdbStateBackend } from "@fleuve/state-lmdb";
import { emptyDigest } from "../core/digest.js";
import { DEFAULT_SHAPE, eventGenerator } from "../core/events.js";
import { benchByName, buildJob } from "../core/pipelines.js";

const { values: a } = parseArgs({
  options: {
    bench: { type: "string", default: "keyed" },
    backend: { type: "string", default: "heap" },
    events: { type: "string", default: "2000000" },
    keys: { type: "string" },
    cache: { type: "string" },
    "checkpoint-ms": { type: "string" },
  },
});

const bench = benchByName(a.bench!);
const shape = a.keys ? { ...DEFAULT_SHAPE, keys: Number(a.keys) } : DEFAULT_SHAPE;
const count = Number(a.events);
const root = mkdtempSync(join(tmpdir(), "fleuve-bench-state-"));
const options: EnvironmentOptions = { log: () => {} };
if (a.backend === "lmdb") {
  options.stateBackend = lmdbStateBackend({
    dir: join(root, "work"),
    cacheEntries: a.cache ? Number(a.cache) : undefined,
  });
} else if (a.backend !== "heap") throw new Error(`--backend heap|lmdb, got ${a.backend}`);
const cpDir = join(root, "cp");
if (a["checkpoint-ms"]) options.checkpointing = { dir: cpDir, intervalMs: Number(a["checkpoint-ms"]) };

const digest = emptyDigest();
const env = StreamExecutionEnvironment.create(options);
buildJob(env, bench, { count, gen: eventGenerator(shape), shape }, digest);
const t0 = performance.now();
await env.execute(`bench-state-${bench.name}`);
const ms = performance.now() - t0;

// checkpoint figures: how many were taken, bytes of the newest (own files) and of its chain
let checkpoints = 0;
let lastBytes = 0;
let lastChainBytes = 0;
try {
  const folders = readdirSync(cpDir).filter((f) => f.startsWith("chk-"));
  checkpoints = Math.max(0, ...folders.map((f) => Number(f.slice(4))));
  const meta = (f: string) => JSON.parse(readFileSync(join(cpDir, f, "_metadata"), "utf8"));
  const newest = `chk-${checkpoints}`;
  const m = meta(newest);
  const sum = (files: Record<string, { bytes: number }>) =>
    Object.values(files).reduce((n, x) => n + x.bytes, 0);
  lastBytes = sum(m.files);
  lastChainBytes =
    lastBytes + (m.references ?? []).reduce((n: number, r: string) => n + sum(meta(r).files), 0);
} catch {
  // no checkpoints
}
rmSync(root, { recursive: true, force: true });
process.stdout.write(
  `RESULT ${JSON.stringify({
    bench: bench.name,
    backend: a.backend,
    keys: shape.keys,
    cache: a.cache ? Number(a.cache) : undefined,
    checkpointMs: a["checkpoint-ms"] ? Number(a["checkpoint-ms"]) : undefined,
    events: count,
    ms,
    eventsPerSec: count / (ms / 1000),
    checkpoints,
    lastCheckpointBytes: lastBytes,
    lastChainBytes,
    digest,
  })}\n`,
);
