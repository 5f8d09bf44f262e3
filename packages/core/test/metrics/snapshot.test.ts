/**
 * What a reporter samples (MetricsRegistry.snapshot / JobClient.snapshot): per operator subtask
 * records, time split, watermarks, state entries, timers and user metrics; per job restarts and
 * checkpoints; worker threads' operators reported to the main thread.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type Counter,
  type Histogram,
  isFleuveError,
  type KeyedProcessFunction,
  type Meter,
  OneInputOperator,
  type OperatorMetricsSnapshot,
  runJob,
  StreamExecutionEnvironment,
  type ValueState,
  valueState,
  WatermarkStrategy,
} from "../../src/index.js";
import { OperatorMetrics } from "../../src/metrics/registry.js";
import { PER_SUBTASK } from "../fixtures/job-metrics-probe-job.js";

interface Ev {
  k: number;
  v: number;
  ts: number;
}

/** Counts per key in state, a timer per key, and user metrics of every kind. */
const counting: KeyedProcessFunction<number, Ev, string> & {
  count?: ValueState<number>;
  seen?: Counter;
  values?: Histogram;
  rate?: Meter;
} = {
  open(ctx) {
    this.count = ctx.getState(valueState<number>("count"));
    const g = ctx.getMetricGroup();
    this.seen = g.counter("eventsSeen");
    this.values = g.histogram("eventValue");
    this.rate = g.meter("eventRate");
    g.gauge("constantAnswer", () => 42);
  },
  processElement(e, ctx) {
    this.seen!.inc();
    this.values!.record(e.v);
    this.rate!.markEvent();
    this.count!.update((this.count!.value() ?? 0) + 1);
    ctx.timerService().registerEventTimeTimer(1e15);
  },
  onTimer() {},
};

function byName(ops: readonly OperatorMetricsSnapshot[], name: string): OperatorMetricsSnapshot[] {
  const found = ops.filter((o) => o.operatorName === name);
  assert.ok(found.length > 0, `no operator '${name}' in ${ops.map((o) => o.operatorName).join(", ")}`);
  return found;
}

test("a snapshot gives each operator subtask's records, watermarks, state entries, timers and user metrics", async () => {
  const n = 3000;
  const keys = 37;
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env
    .fromGenerator<Ev>((i) => ({ k: i % keys, v: i % 10, ts: i }), {
      count: n,
      strategy: WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.ts),
    })
    .keyBy((e) => e.k)
    .process(counting)
    .name("Counting");
  const client = env.executeAsync("snapshot");
  await client.result;
  const snap = client.snapshot();
  const counts = byName(snap.operators, "Counting");
  assert.equal(counts.length, 2, "one entry per subtask");
  assert.deepEqual(counts.map((c) => c.subtaskIndex).sort(), [0, 1]);
  const sum = (f: (o: OperatorMetricsSnapshot) => number) => counts.reduce((a, o) => a + f(o), 0);
  assert.equal(
    sum((o) => o.recordsIn),
    n,
  );
  assert.equal(
    sum((o) => o.user.counters.eventsSeen!),
    n,
  );
  assert.equal(
    sum((o) => o.user.meters.eventRate!),
    n,
  );
  assert.equal(
    sum((o) => o.user.histograms.eventValue!.count),
    n,
  );
  assert.equal(
    sum((o) => o.user.histograms.eventValue!.sum),
    (n / 10) * 45,
  );
  for (const o of counts) assert.equal(o.user.gauges.constantAnswer, 42);
  // state: one count per key; timers: one pending per key (at 1e15, past every watermark but MAX)
  assert.equal(
    sum((o) => o.gauges.numKeyedStateEntries!),
    keys,
  );
  // the end of input brings the watermark to +Infinity, which fires every timer
  assert.equal(
    sum((o) => o.gauges.numEventTimeTimers!),
    0,
  );
  for (const o of counts) {
    assert.equal(o.currentInputWatermark, Number.POSITIVE_INFINITY);
    assert.equal(o.taskName, "Counting");
    assert.equal(o.chainHead, true);
  }
  const src = byName(snap.operators, "Generator");
  assert.equal(
    src.reduce((a, o) => a + o.recordsOut, 0),
    n,
  );
  for (const o of src) assert.equal(o.currentOutputWatermark, Number.POSITIVE_INFINITY);
  assert.ok(snap.job.uptimeMs >= 0 && snap.job.startedAt <= Date.now());
  assert.equal(snap.job.restarts, 0);
});

test("user metrics keep one metric per name and refuse bad names and a second kind", () => {
  const m = new OperatorMetrics("Op", "op-1", 0);
  assert.equal(m.user.counter("a"), m.user.counter("a"));
  assert.throws(
    () => m.user.gauge("a"),
    (e: unknown) => isFleuveError(e, "FLEUVE_CONFIG_INVALID") && /'a' is already a counter/.test(String(e)),
  );
  assert.throws(
    () => m.user.counter("bad name"),
    (e: unknown) => isFleuveError(e, "FLEUVE_CONFIG_INVALID") && /metric name 'bad name'/.test(String(e)),
  );
  // a gauge function that throws reads as NaN rather than breaking the reporter
  m.user.gauge("broken", () => {
    throw new Error("no");
  });
  assert.ok(Number.isNaN(m.snapshot().user.gauges.broken));
});

/** A sink slower than its producer: the producer's task waits for room in its output channel. */
class SlowSink extends OneInputOperator<number, never> {
  processElement(value: number): void {
    let x = value;
    for (let i = 0; i < 300; i++) x = (x * 31 + i) % 1_000_003;
    if (x < 0) throw new Error("unreachable");
  }
}

test("task time splits into busy, idle and backpressured: a producer behind a slow sink is backpressured", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, batchSize: 10, channelCapacity: 2 });
  // Each producer step emits five records per record read, more than the sink takes per step.
  env
    .fromSequence(1, 4000)
    .flatMap((x) => [x, x, x, x, x])
    .name("Producer")
    .transform("SlowSink", () => new SlowSink(), { chaining: "never" });
  const started = performance.now();
  const client = env.executeAsync("time-split");
  await client.result;
  const elapsed = performance.now() - started;
  const snap = client.snapshot();
  const [producer] = byName(snap.operators, "Sequence");
  assert.equal(producer!.taskName, "Sequence -> Producer", "the source chained with the flatMap");
  const [sink] = byName(snap.operators, "SlowSink");
  assert.ok(producer!.backPressuredTimeMs > 0, `producer backpressured ${producer!.backPressuredTimeMs} ms`);
  assert.ok(sink!.busyTimeMs > 0);
  for (const t of [producer!, sink!]) {
    const total = t.busyTimeMs + t.idleTimeMs + t.backPressuredTimeMs;
    // the split covers the task's life (not more than the job's run, a little less at the edges)
    assert.ok(total <= elapsed + 1, `${t.operatorName}: ${total} ms accounted in ${elapsed} ms`);
    assert.ok(total > 0);
  }
  // the sink has no output channel to wait on: none of its time is backpressure. (Which task is
  // busier is not asserted: on a machine whose cores are taken by other work, a preempted step
  // counts as busy time, so the comparison depends on the machine, not on the split.)
  assert.equal(sink!.backPressuredTimeMs, 0);
});

test("job metrics count restarts and completed checkpoints with their duration and size", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-metrics-"));
  let failed = false;
  let checkpointsSeen = 0;
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    checkpointing: { dir, intervalMs: 20 },
    restartStrategy: { type: "fixed-delay", attempts: 1, delayMs: 0 },
  });
  env
    .fromGenerator<number>((i) => i, { count: 1_000_000_000 })
    .keyBy((x) => x % 5)
    .map((x) => {
      if (!failed && x === 1000) {
        failed = true;
        throw new Error("fail once");
      }
      return x;
    })
    .name("FailOnce");
  const running = env.executeAsync("job-metrics");
  // wait for conditions: the restart happened and two checkpoints completed after it
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      const j = running.snapshot().job;
      checkpointsSeen = j.checkpointsCompleted;
      if (j.restarts === 1 && j.checkpointsCompleted >= 2) {
        clearInterval(check);
        resolve();
      }
    }, 10);
    running.result.catch((e: unknown) => {
      clearInterval(check);
      reject(e);
    });
  });
  const j = running.snapshot().job;
  running.cancel();
  await running.result.catch(() => {});
  assert.equal(j.restarts, 1);
  // The failure that caused the restart is kept with its cause's message and stack.
  assert.equal(j.failures?.length, 1);
  const f = j.failures![0]!;
  assert.equal(f.restart, 1);
  assert.equal(f.restartDelayMs, 0);
  assert.match(f.message, /fail once/);
  assert.match(f.stack ?? "", /Error: fail once/);
  assert.ok(f.at >= j.startedAt && f.at <= Date.now());
  assert.deepEqual(j.restartCauses, { [f.code]: 1 });
  assert.ok(checkpointsSeen >= 2);
  assert.ok(j.lastCheckpointDurationMs >= 0);
  assert.ok(j.lastCheckpointSizeBytes > 0, "a checkpoint of keyed state writes bytes");
  assert.equal(j.checkpointsFailed, 0);
});

test("a job on worker threads reports every thread's operators to the main thread", async () => {
  const fixture = new URL("../runtime/thread-runner-job.ts", import.meta.url).href;
  const n = 20_000;
  const client = await runJob(fixture, { parallelism: 2, threads: 2, args: [String(n)] });
  await client.result;
  const src = byName(client.snapshot().operators, "Generator");
  assert.deepEqual(src.map((o) => o.subtaskIndex).sort(), [0, 1]);
  assert.equal(
    src.reduce((a, o) => a + o.recordsOut, 0),
    n,
  );
});

test("on worker threads a source's jobMetrics() is a promise of the whole job's metrics: the other thread's operators too", {
  timeout: 600_000,
}, async () => {
  const fixture = new URL("../fixtures/job-metrics-probe-job.ts", import.meta.url).href;
  const client = await runJob(fixture, { parallelism: 2, threads: 2 });
  const result = await client.result;
  // Numbers#1 and Discard#1 run only on thread 1, the probe on thread 0 (which has emitted nothing yet)
  assert.deepEqual(result.collected, [
    `promise: Collect#0=0 Collect#1=0 Discard#0=0 Discard#1=0 Numbers#0=${PER_SUBTASK} Numbers#1=${PER_SUBTASK} Probe#0=0 Probe#1=0`,
  ]);
});

test("in one thread a source's jobMetrics() is a snapshot taken at the call", async () => {
  const { default: job } = await import("../fixtures/job-metrics-probe-job.js");
  const client = await runJob(job, { parallelism: 2 });
  const result = await client.result;
  assert.deepEqual(result.collected, [
    `snapshot: Collect#0=0 Collect#1=0 Discard#0=0 Discard#1=0 Numbers#0=${PER_SUBTASK} Numbers#1=${PER_SUBTASK} Probe#0=0 Probe#1=0`,
  ]);
});
