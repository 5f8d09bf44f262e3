/**
 * The numLateRecordsDropped metric (Flink's name): a job's summary reports exactly how many records
 * its window operator dropped as late, on random out-of-order input, for each window operator
 * (sliced tumbling and sliding windows, per-window with an evictor) against an oracle, and sessions
 * by example.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type AggregateFunction,
  CountEvictor,
  type DataStream,
  EventTimeSessionWindows,
  SlidingEventTimeWindows,
  type StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "../../src/index.js";
import { runPipeline } from "../../src/testing/index.js";

interface Ev {
  k: string;
  ts: number;
}

const count: AggregateFunction<Ev, number, number> = {
  createAccumulator: () => 0,
  add: (_v, acc) => acc + 1,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

/** The watermark follows each record: max timestamp so far - 1, so the oracle knows it exactly. */
const strategy = WatermarkStrategy.forGenerator<Ev>(() => {
  let max = Number.NEGATIVE_INFINITY;
  return {
    onEvent(_v, ts, out) {
      max = Math.max(max, ts);
      out.emitWatermark(max - 1);
    },
    onPeriodicEmit() {},
  };
}).withTimestampAssigner((e) => e.ts);

type Kind = "tumbling" | "sliding" | "tumbling with evictor";

/**
 * Oracle: record i meets watermark max(ts of records before it) - 1; it is dropped when the last
 * window it belongs to ends (max timestamp end - 1) at or before that watermark minus the allowed
 * lateness, i.e. every one of its windows is past its allowed lateness.
 */
function expectedDrops(events: readonly Ev[], size: number, slide: number, lateness: number): number {
  let wm = Number.NEGATIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let dropped = 0;
  for (const e of events) {
    const lastStart = e.ts - (((e.ts % slide) + slide) % slide);
    if (lastStart + size - 1 + lateness <= wm) dropped++;
    max = Math.max(max, e.ts);
    wm = max - 1;
  }
  return dropped;
}

function windowed(input: DataStream<Ev>, kind: Kind, size: number, slide: number, lateness: number) {
  const keyed = input.keyBy((e) => e.k);
  if (kind === "sliding")
    return keyed.window(SlidingEventTimeWindows.of(size, slide)).allowedLateness(lateness).aggregate(count);
  const w = keyed.window(TumblingEventTimeWindows.of(size)).allowedLateness(lateness);
  return (kind === "tumbling" ? w : w.evictor(CountEvictor.of(1000))).aggregate(count);
}

for (const kind of ["tumbling", "sliding", "tumbling with evictor"] as const) {
  test(`numLateRecordsDropped counts exactly the late records a ${kind} window drops`, async () => {
    let runsWithDrops = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ k: fc.constantFrom("a", "b", "c"), ts: fc.integer({ min: 0, max: 300 }) }), {
          maxLength: 60,
        }),
        fc.constantFrom(10, 25),
        fc.constantFrom(0, 7),
        async (events, size, lateness) => {
          const slide = kind === "sliding" ? size / 5 : size;
          const run = await runPipeline(
            (env: StreamExecutionEnvironment) =>
              windowed(env.fromCollection(events, { strategy }), kind, size, slide, lateness),
            { parallelism: 1 },
          );
          const window = Object.values(run.result.metrics).find((m) => m.name.includes("Window("));
          assert.ok(window, "the job summary lists the window operator");
          const expected = expectedDrops(events, size, slide, lateness);
          if (expected > 0) runsWithDrops++;
          assert.equal(window.numLateRecordsDropped, expected);
          for (const m of Object.values(run.result.metrics))
            if (m !== window) assert.equal(m.numLateRecordsDropped, 0, `${m.name} drops nothing`);
        },
      ),
      { numRuns: 25 },
    );
    assert.ok(runsWithDrops > 0, "some runs drop late records");
  });
}

test("numLateRecordsDropped counts a record whose session is past its allowed lateness", async () => {
  const events: Ev[] = [
    { k: "a", ts: 0 },
    { k: "a", ts: 100 }, // watermark 99: session [0, 5) fired and cleaned up
    { k: "a", ts: 10 }, // its session [10, 15) is late: dropped
    { k: "a", ts: 97 }, // joins the open session [100, 105): kept
  ];
  const run = await runPipeline(
    (env) =>
      env
        .fromCollection(events, { strategy })
        .keyBy((e) => e.k)
        .window(EventTimeSessionWindows.withGap(5))
        .aggregate(count),
    { parallelism: 1 },
  );
  const window = Object.values(run.result.metrics).find((m) => m.name.includes("Window("))!;
  assert.equal(window.numLateRecordsDropped, 1);
  assert.deepEqual(run.values, [1, 2]);
});
