/**
 * One measurement in a fresh process (bench/run.ts starts one at a time, so runs do not share a
 * JIT state or a heap): prints one `RESULT {json}` line.
 *
 *   node --import tsx bench/core/worker.ts --bench tumbling --mode engine --events 10000000
 *   modes: engine | baseline (throughput), latency (--rate, --seconds), soak (--rate, --seconds)
 */
import { parseArgs } from "node:util";
import { FleuveError, Histogram, StreamExecutionEnvironment } from "@fleuve/core";
import { type Digest, emptyDigest } from "./digest.js";
import { CreationLog, DEFAULT_SHAPE, eventGenerator } from "./events.js";
import { benchByName, buildJob } from "./pipelines.js";

const { values: a } = parseArgs({
  options: {
    bench: { type: "string" },
    mode: { type: "string", default: "engine" },
    events: { type: "string", default: "10000000" },
    rate: { type: "string" },
    seconds: { type: "string", default: "10" },
    "warmup-ms": { type: "string", default: "2000" },
    "wm-interval": { type: "string" },
    "sample-ms": { type: "string", default: "10000" },
  },
});

const bench = benchByName(a.bench ?? "");
const shape = DEFAULT_SHAPE;
const mode = a.mode!;

function result(r: Record<string, unknown>): void {
  process.stdout.write(`RESULT ${JSON.stringify({ bench: bench.name, mode, ...r })}\n`);
}

async function throughput(): Promise<void> {
  const count = Number(a.events);
  const digest: Digest = emptyDigest();
  const gen = eventGenerator(shape);
  const t0 = performance.now();
  // CPU time as well: on a shared machine, wall-clock rates depend on the other processes.
  const cpu0 = process.cpuUsage();
  if (mode === "baseline") {
    bench.baseline(count, gen, shape, (o) => bench.digest(digest, o));
  } else {
    const env = StreamExecutionEnvironment.create();
    buildJob(env, bench, { count, gen, shape }, digest);
    await env.execute(`bench-${bench.name}`);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  result({
    events: count,
    ms,
    eventsPerSec: count / (ms / 1000),
    cpuMs,
    eventsPerCpuSec: count / (cpuMs / 1000),
    digest,
  });
}

async function latency(): Promise<void> {
  const rate = Number(a.rate);
  const seconds = Number(a.seconds);
  const count = Math.round(rate * seconds);
  const log = new CreationLog(rate);
  const histogram = new Histogram();
  const digest = emptyDigest();
  const start = performance.timeOrigin + performance.now();
  const env = StreamExecutionEnvironment.create(
    a["wm-interval"] ? { autoWatermarkIntervalMs: Number(a["wm-interval"]) } : {},
  );
  buildJob(
    env,
    bench,
    {
      count,
      gen: eventGenerator(shape, log),
      shape,
      ratePerSecond: rate,
      probe: { histogram, fromWallTime: start + Number(a["warmup-ms"]), log },
    },
    digest,
  );
  const t0 = performance.now();
  await env.execute(`bench-${bench.name}-latency`);
  const ms = performance.now() - t0;
  result({
    rate,
    events: count,
    ms,
    achievedPerSec: count / (ms / 1000),
    sourceLagMs: { last: log.lastLagMs, max: log.maxLagMs },
    measured: histogram.count,
    // the histogram holds microseconds
    p50: histogram.quantile(0.5) / 1000,
    p99: histogram.quantile(0.99) / 1000,
    max: histogram.max / 1000,
    digest,
  });
}

async function soak(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const rate = Number(a.rate);
  const seconds = Number(a.seconds);
  const sampleMs = Number(a["sample-ms"]);
  const digest = emptyDigest();
  const env = StreamExecutionEnvironment.create();
  buildJob(
    env,
    bench,
    { count: Number.POSITIVE_INFINITY, gen: eventGenerator(shape), shape, ratePerSecond: rate },
    digest,
  );
  const client = env.executeAsync(`bench-${bench.name}-soak`);
  const t0 = performance.now();
  const samples: { s: number; heapMB: number; rssMB: number; results: number; recordsIn: number }[] = [];
  const sample = () => {
    gc?.();
    const m = process.memoryUsage();
    const src = Object.values(client.summary()).find((s) => s.name === "Generator");
    samples.push({
      s: Math.round((performance.now() - t0) / 1000),
      heapMB: m.heapUsed / 2 ** 20,
      rssMB: m.rss / 2 ** 20,
      results: digest.n,
      recordsIn: src?.recordsOut ?? 0,
    });
    process.stderr.write(`soak ${JSON.stringify(samples.at(-1))}\n`);
  };
  const timer = setInterval(sample, sampleMs);
  setTimeout(() => {
    clearInterval(timer);
    sample();
    client.cancel();
  }, seconds * 1000);
  try {
    await client.result;
  } catch (e) {
    if (!(e instanceof FleuveError && e.code === "FLEUVE_JOB_CANCELLED")) throw e;
  }
  // Trend over the second half of the run: by then the windows' state has filled up (the first
  // hour of event time), so growth there would be a leak. Least-squares slope of heapUsed.
  const tail = samples.filter((s) => s.s >= seconds / 2);
  const n = tail.length;
  const mx = tail.reduce((x, s) => x + s.s, 0) / n;
  const my = tail.reduce((x, s) => x + s.heapMB, 0) / n;
  const slope =
    tail.reduce((x, s) => x + (s.s - mx) * (s.heapMB - my), 0) /
    tail.reduce((x, s) => x + (s.s - mx) ** 2, 0);
  result({
    rate,
    seconds,
    gcExposed: gc !== undefined,
    samples,
    heapMBSecondHalf: {
      min: Math.min(...tail.map((s) => s.heapMB)),
      max: Math.max(...tail.map((s) => s.heapMB)),
    },
    slopeMBPerMin: slope * 60,
    achievedPerSec: (samples.at(-1)?.recordsIn ?? 0) / seconds,
  });
}

if (mode === "engine" || mode === "baseline") await throughput();
else if (mode === "latency") await latency();
else if (mode === "soak") await soak();
else throw new Error(`unknown --mode ${mode}`);
