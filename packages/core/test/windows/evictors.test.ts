/**
 * Evictors (Flink's EvictingWindowOperator): elements removed before or after the window
 * function, with the window keeping only what remains for later firings.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CountEvictor,
  CountTrigger,
  DeltaEvictor,
  GlobalWindows,
  isFleuveError,
  TimeEvictor,
  TumblingEventTimeWindows,
} from "../../src/index.js";
import { WindowDriver } from "./driver.js";

const values = {
  process(_k: string, _ctx: unknown, elements: readonly number[], out: { collect(s: string): void }) {
    out.collect(elements.join(","));
  },
};

test("CountEvictor keeps the last n elements; what it evicts is gone for later firings", () => {
  const d = new WindowDriver<number, string>(
    () => "k",
    (s) =>
      s
        .window(GlobalWindows.create<number>())
        .trigger(CountTrigger.of(3))
        .evictor(CountEvictor.of(2))
        .process(values),
  );
  for (let i = 1; i <= 6; i++) d.element(i);
  assert.deepEqual(d.take(), ["2,3", "5,6"]);
});

test("CountEvictor after the function: the function sees everything, the window keeps n", () => {
  const d = new WindowDriver<number, string>(
    () => "k",
    (s) =>
      s
        .window(GlobalWindows.create<number>())
        .trigger(CountTrigger.of(3))
        .evictor(CountEvictor.of(1, true))
        .process(values),
  );
  for (let i = 1; i <= 6; i++) d.element(i);
  assert.deepEqual(d.take(), ["1,2,3", "3,4,5,6"]);
});

test("TimeEvictor keeps elements within the size of the newest timestamp; reduce runs over them", () => {
  const d = new WindowDriver<number, number>(
    () => "k",
    (s) =>
      s
        .window(TumblingEventTimeWindows.of<number>(100))
        .evictor(TimeEvictor.of(10))
        .reduce((a, b) => a + b),
  );
  d.element(1, 1).element(50, 50).element(55, 55).element(58, 58).watermark(99);
  assert.deepEqual(
    d.out.map((e) => e.ts),
    [99],
  );
  assert.deepEqual(d.take(), [50 + 55 + 58]);
});

test("DeltaEvictor keeps the elements close to the last one; aggregate runs over them", () => {
  const d = new WindowDriver<number, number>(
    () => "k",
    (s) =>
      s
        .window(GlobalWindows.create<number>())
        .trigger(CountTrigger.of(4))
        .evictor(DeltaEvictor.of<number>(5, (a, b) => Math.abs(a - b)))
        .aggregate({
          createAccumulator: () => ({ n: 0 }),
          add: (_v, acc) => ({ n: acc.n + 1 }),
          getResult: (acc) => acc.n,
          merge: (a, b) => ({ n: a.n + b.n }),
        }),
  );
  for (const v of [1, 10, 12, 14]) d.element(v);
  assert.deepEqual(d.take(), [3]);
});

test("evictor options are validated", () => {
  assert.throws(
    () => CountEvictor.of(0),
    (e: unknown) => isFleuveError(e, "FLEUVE_WINDOW_INVALID") && /maxCount/.test(e.message),
  );
  assert.throws(
    () => TimeEvictor.of(-1),
    (e: unknown) => isFleuveError(e, "FLEUVE_WINDOW_INVALID") && /windowSize/.test(e.message),
  );
  assert.throws(
    () => DeltaEvictor.of(1, 3 as any),
    (e: unknown) => isFleuveError(e, "FLEUVE_WINDOW_INVALID") && /delta/.test(e.message),
  );
});
