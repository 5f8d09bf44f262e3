/**
 * Backpressure (a slow consumer bounds what is queued between tasks) and per-operator metrics
 * (records in/out match what each operator received and emitted).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { OneInputOperator, StreamExecutionEnvironment } from "../../src/index.js";
import { harnessFor, runPipeline } from "../../src/testing/index.js";

/**
 * A slow consumer: it does a little work per record and, at every record, measures how many records
 * are in flight between the producer and itself: what the producer emitted so far minus its own
 * recordsIn metric.
 */
class SlowSink extends OneInputOperator<number, never> {
  static received = 0;
  static produced = 0;
  static maxInFlight = 0;
  processElement(value: number): void {
    SlowSink.received++;
    let x = value;
    for (let i = 0; i < 200; i++) x = (x * 31 + i) % 1_000_003; // busy: slower than the producer
    if (x < 0) throw new Error("unreachable");
    // recordsIn of the head of a task counts whole batches as they are taken from the channel.
    const taken = this.runtime.metrics.recordsIn.count;
    SlowSink.maxInFlight = Math.max(SlowSink.maxInFlight, SlowSink.produced - taken);
  }
}

test("a slow sink behind a fast producer: queues stay bounded by channel capacity and all records arrive", {
  timeout: 60_000,
}, async () => {
  const batchSize = 10;
  const channelCapacity = 4;
  const fanOut = 5;
  const n = 4000;
  const env = StreamExecutionEnvironment.create({ parallelism: 1, batchSize, channelCapacity });
  env
    .fromSequence(1, n)
    .flatMap((x) => {
      SlowSink.produced += fanOut;
      return Array.from({ length: fanOut }, (_, i) => x * fanOut + i);
    })
    .name("Amplify")
    .transform("SlowSink", () => new SlowSink(), { chaining: "never" });
  SlowSink.received = 0;
  SlowSink.maxInFlight = 0;
  SlowSink.produced = 0;
  const result = await env.execute("backpressure");
  assert.equal(SlowSink.received, n * fanOut, "every record arrives");
  // One producer step (batchSize source records -> fanOut batches) may overshoot the capacity check.
  const bound = (channelCapacity + fanOut + 1) * batchSize;
  assert.ok(SlowSink.maxInFlight > 0, "the measurement saw records in flight");
  assert.ok(
    SlowSink.maxInFlight <= bound,
    `up to ${SlowSink.maxInFlight} records were queued, more than capacity allows (${bound}) out of ${n * fanOut}`,
  );
  const byName = Object.values(result.metrics);
  assert.equal(byName.find((m) => m.name === "SlowSink")!.recordsIn, n * fanOut);
});

test("recordsIn / recordsOut per operator match what each operator received and emitted", {
  timeout: 60_000,
}, async () => {
  const n = 300;
  const run = await runPipeline(
    (env) =>
      env
        .fromSequence(0, n - 1)
        .name("Numbers")
        .map((x) => x + 1)
        .name("PlusOne")
        .filter((x) => x % 3 === 0)
        .name("Thirds")
        .flatMap((x) => [x, -x])
        .name("Twice")
        .keyBy((x) => Math.abs(x) % 7)
        .process<number>({
          processElement(v, _c, out) {
            if (v > 0) out.collect(v);
          },
        })
        .name("Positives")
        .setParallelism(3),
    { parallelism: 2 },
  );
  const m = Object.fromEntries(Object.values(run.result.metrics).map((x) => [x.name, x]));
  const thirds = Math.floor(n / 3);
  assert.equal(m.Numbers!.recordsOut, n);
  assert.deepEqual([m.PlusOne!.recordsIn, m.PlusOne!.recordsOut], [n, n]);
  assert.deepEqual([m.Thirds!.recordsIn, m.Thirds!.recordsOut], [n, thirds]);
  assert.deepEqual([m.Twice!.recordsIn, m.Twice!.recordsOut], [thirds, 2 * thirds]);
  assert.deepEqual([m.Positives!.recordsIn, m.Positives!.recordsOut], [2 * thirds, thirds]);
  assert.equal(m.CollectSink!.recordsIn, thirds);
  assert.equal(run.values.length, thirds);
});

test("harness metrics count records in and out", () => {
  const h = harnessFor<number, number, number>(
    {
      processElement(v, _c, out) {
        for (let i = 0; i < v; i++) out.collect(i);
      },
    },
    (v) => v,
  );
  for (const v of [0, 1, 2, 3]) h.processElement(v);
  assert.equal(h.metrics.recordsIn.count, 4);
  assert.equal(h.metrics.recordsOut.count, 6);
});
