// The operator written outside core (burst-detector.ts, importing only `@fleuve/core/spi`) runs in
// a real job and matches a brute-force oracle on random out-of-order input: keyed map state,
// event-time timers and key groups (parallelism 1 and 2) through the public SPI.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import fc from "fast-check";
import { type Burst, BurstDetector } from "./burst-detector.js";

interface Event {
  key: string;
  ts: number;
  /** How late it may arrive (ms): arrival order is by ts + delay, so disorder <= the bound. */
  delay: number;
}

const BOUND = 3_000;

/** For each key and each distinct timestamp t, the events in (t - windowMs, t], if at least minEvents. */
function oracle(events: readonly Event[], minEvents: number, windowMs: number): string[] {
  const out: string[] = [];
  const keys = new Set(events.map((e) => e.key));
  for (const key of keys) {
    const mine = events.filter((e) => e.key === key);
    for (const t of new Set(mine.map((e) => e.ts))) {
      const count = mine.filter((e) => e.ts > t - windowMs && e.ts <= t).length;
      if (count >= minEvents) out.push(`${key}|${t}|${count}`);
    }
  }
  return out.sort();
}

async function run(events: readonly Event[], minEvents: number, windowMs: number, parallelism: number) {
  const arrival = events
    .map((e, i) => ({ ...e, i }))
    .sort((a, b) => a.ts + a.delay - (b.ts + b.delay) || a.i - b.i);
  const env = StreamExecutionEnvironment.create({ parallelism });
  const bursts = env
    .fromCollection(arrival, {
      strategy: WatermarkStrategy.forBoundedOutOfOrderness<Event>(BOUND).withTimestampAssigner((e) => e.ts),
    })
    .setParallelism(1)
    .keyBy((e) => e.key)
    .transform("Bursts", () => new BurstDetector<Event>(minEvents, windowMs));
  const got: Burst[] = await env.executeAndCollect(bursts);
  return got.map((b) => `${b.key}|${b.at}|${b.count}`).sort();
}

test("an operator on @fleuve/core/spi alone matches the oracle on random out-of-order input", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          key: fc.constantFrom("a", "b", "c", "d", "e"),
          ts: fc.integer({ min: 0, max: 120 }).map((n) => n * 250),
          delay: fc.integer({ min: 0, max: BOUND }),
        }),
        { maxLength: 80 },
      ),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom(1_000, 4_000, 10_000),
      fc.constantFrom(1, 2),
      async (events, minEvents, windowMs, parallelism) => {
        assert.deepEqual(
          await run(events, minEvents, windowMs, parallelism),
          oracle(events, minEvents, windowMs),
        );
      },
    ),
    { numRuns: 40 },
  );
});

test("the detector refuses a stream that is not keyed, naming keyed state", async () => {
  const env = StreamExecutionEnvironment.create();
  const s = env.fromCollection([1, 2, 3]).transform("Bursts", () => new BurstDetector<number>(3, 10_000));
  await assert.rejects(env.executeAndCollect(s), /keyed|keyBy/i);
});
