/**
 * Window results against a brute-force reference of Flink's rules: random out-of-order records
 * (negative timestamps too), random watermark delay and allowed lateness; late firings and the
 * late side output included. Each property runs at parallelism 1 and 3.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  CountTrigger,
  EventTimeSessionWindows,
  GlobalWindows,
  PurgingTrigger,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
} from "../../src/index.js";
import {
  applyFn,
  expected,
  type FnKind,
  formatOf,
  type Rec,
  recordsArb,
  referenceSessions,
  referenceTimeWindows,
  runWindowJob,
  slidingWindows,
  userWrittenSessions,
} from "./oracle-helpers.js";

const fnKindArb = fc.constantFrom<FnKind>("process", "aggregate", "reduce");
const delayArb = fc.integer({ min: 0, max: 60 });
const latenessArb = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 80 }));
const RUNS = 300;

for (const parallelism of [1, 3]) {
  test(`tumbling event-time windows (sliced and per-window operator) match the reference (parallelism ${parallelism})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        recordsArb,
        delayArb,
        latenessArb,
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 1000 }),
        fnKindArb,
        fc.boolean(),
        async (records, delay, lateness, size, offsetSeed, kind, general) => {
          const offset = (offsetSeed % (2 * size - 1)) - (size - 1); // |offset| < size
          const assigner = TumblingEventTimeWindows.of<Rec>(size, offset);
          const got = await runWindowJob(
            records,
            delay,
            parallelism,
            (s, tag) => applyFn(s, assigner, lateness, tag, kind, general),
            formatOf(kind),
          );
          const ref = referenceTimeWindows(records, delay, lateness, (ts) =>
            slidingWindows(ts, size, size, offset),
          );
          assert.deepEqual(got, expected(ref, kind));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test(`sliding event-time windows (sliced and per-window operator) match the reference (parallelism ${parallelism})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        recordsArb,
        delayArb,
        latenessArb,
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 1000 }),
        fnKindArb,
        fc.boolean(),
        async (records, delay, lateness, slide, factor, offsetSeed, kind, general) => {
          // size a multiple of slide or not (gcd slices), slide <= size
          const size = slide * factor + (offsetSeed % slide);
          const offset = (offsetSeed % (2 * slide - 1)) - (slide - 1); // |offset| < slide
          const assigner = SlidingEventTimeWindows.of<Rec>(size, slide, offset);
          const got = await runWindowJob(
            records,
            delay,
            parallelism,
            (s, tag) => applyFn(s, assigner, lateness, tag, kind, general),
            formatOf(kind),
          );
          const ref = referenceTimeWindows(records, delay, lateness, (ts) =>
            slidingWindows(ts, size, slide, offset),
          );
          assert.deepEqual(got, expected(ref, kind));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test(`event-time session windows (static and dynamic gap) match the reference (parallelism ${parallelism})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        recordsArb,
        delayArb,
        latenessArb,
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        fnKindArb,
        fc.boolean(),
        fc.boolean(),
        async (rawRecords, delay, lateness, rawGap, dynamic, kind, custom, coarse) => {
          // Coarse times (multiples of 5) make touching and nested sessions frequent.
          const snap = (x: number) => (coarse ? x - (((x % 5) + 5) % 5) : x);
          const records = rawRecords.map((r) => ({
            ...r,
            ts: snap(r.ts),
            gap: coarse ? 5 * Math.ceil(r.gap / 5) : r.gap,
          }));
          const gap = coarse ? 5 * Math.ceil(rawGap / 5) : rawGap;
          const sessions = dynamic
            ? EventTimeSessionWindows.withDynamicGap<Rec>((r) => r.gap)
            : EventTimeSessionWindows.withGap<Rec>(gap);
          // A user-written merging assigner goes through the general merging path.
          const assigner = custom ? userWrittenSessions(sessions) : sessions;
          const got = await runWindowJob(
            records,
            delay,
            parallelism,
            (s, tag) => applyFn(s, assigner, lateness, tag, kind),
            formatOf(kind),
          );
          const ref = referenceSessions(records, delay, lateness, (r) => (dynamic ? r.gap : gap));
          assert.deepEqual(got, expected(ref, kind));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test(`global windows with a count trigger (plain and purging) match the reference (parallelism ${parallelism})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        recordsArb,
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        async (records, n, purge) => {
          const trigger = purge ? PurgingTrigger.of(CountTrigger.of(n)) : CountTrigger.of(n);
          const got = await runWindowJob(records, 0, parallelism, (s) =>
            s
              .keyBy((r) => r.key)
              .window(GlobalWindows.create<Rec>())
              .trigger(trigger)
              .process({
                process(key, _ctx, elements, out) {
                  out.collect(
                    `${key}|${elements
                      .map((e) => e.id)
                      .sort((a, b) => a - b)
                      .join(",")}`,
                  );
                },
              }),
          );
          // Reference: per key, every n-th element fires the window's contents so far.
          const contents = new Map<string, number[]>();
          const counts = new Map<string, number>();
          const want: string[] = [];
          for (const r of records) {
            const c = contents.get(r.key) ?? [];
            c.push(r.id);
            contents.set(r.key, c);
            const k = (counts.get(r.key) ?? 0) + 1;
            counts.set(r.key, k);
            if (k === n) {
              counts.set(r.key, 0);
              want.push(
                `${r.key}|${c
                  .slice()
                  .sort((a, b) => a - b)
                  .join(",")}`,
              );
              if (purge) contents.set(r.key, []);
            }
          }
          assert.deepEqual(got, { main: want.sort(), late: [] });
        },
      ),
      { numRuns: RUNS },
    );
  });
}

test("a late record within the allowed lateness bridges two fired sessions into one late firing", async () => {
  const mk = (id: number, ts: number): Rec => ({ id, key: "k", ts, n: 1, sum: id, gap: 5 });
  // Sessions [0,5) and [10,15) fire once the watermark passes 14; record 3 (ts 5, window [5,10))
  // arrives late but within lateness and touches both: one merged session [0,15) fires at once.
  const records = [mk(0, 0), mk(1, 10), mk(2, 40), mk(3, 5)];
  const got = await runWindowJob(records, 0, 1, (s, tag) =>
    applyFn(s, EventTimeSessionWindows.withGap<Rec>(5), 100, tag, "process"),
  );
  assert.deepEqual(got.main, ["k|0|15|0,1,3", "k|0|5|0", "k|10|15|1", "k|40|45|2"]);
  assert.deepEqual(got.late, []);
  const ref = referenceSessions(records, 0, 100, () => 5);
  assert.deepEqual(got, expected(ref, "process"));
});

test("records late for all their windows go to the side output, others are kept", async () => {
  const mk = (id: number, ts: number): Rec => ({ id, key: "k", ts, n: 1, sum: id, gap: 1 });
  // Tumbling 10 ms, lateness 5: after the record at 30 (watermark 29), a record at 12 belongs
  // to [10,20) whose cleanup time 24 has passed -> late; 25 belongs to [20,30) (cleanup 34) -> late firing.
  const records = [mk(0, 1), mk(1, 11), mk(2, 30), mk(3, 12), mk(4, 25)];
  const got = await runWindowJob(records, 0, 1, (s, tag) =>
    applyFn(s, TumblingEventTimeWindows.of<Rec>(10), 5, tag, "process"),
  );
  assert.deepEqual(got.late, ["late|k|3"]);
  assert.deepEqual(got.main, ["k|0|10|0", "k|10|20|1", "k|20|30|4", "k|30|40|2"]);
});
