/**
 * Triggers and processing-time windows, driven by hand (records, watermarks and a manual
 * processing-time clock), with the results Flink gives for the same sequence.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ContinuousEventTimeTrigger,
  ContinuousProcessingTimeTrigger,
  CountTrigger,
  EventTimeSessionWindows,
  GlobalWindows,
  ProcessingTimeSessionWindows,
  type ProcessWindowFunction,
  PurgingTrigger,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  type TimeWindow,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  type Window,
} from "../../src/index.js";
import { WindowDriver } from "./driver.js";

interface Ev {
  k: string;
  v: string;
}
const ev = (v: string, k = "k"): Ev => ({ k, v });

/** Emits "key:[start,end):values" (or "key:values" for global windows). */
function listing<W extends Window>(): ProcessWindowFunction<Ev, string, string, W> {
  return {
    process(key, ctx, elements, out) {
      const w = ctx.window() as unknown as TimeWindow;
      const vs = elements.map((e) => e.v).join(",");
      out.collect(w.start === undefined ? `${key}:${vs}` : `${key}:[${w.start},${w.end}):${vs}`);
    },
  };
}

test("CountTrigger fires every n elements of a window and keeps the contents; the window end does not fire", () => {
  const d = new WindowDriver<Ev, string>(
    (e) => e.k,
    (s) => s.window(TumblingEventTimeWindows.of<Ev>(10)).trigger(CountTrigger.of(2)).process(listing()),
  );
  d.element(ev("a"), 1).element(ev("b"), 2);
  assert.deepEqual(d.take(), ["k:[0,10):a,b"]);
  d.element(ev("c"), 3);
  assert.deepEqual(d.take(), []);
  d.element(ev("d"), 4);
  assert.deepEqual(d.take(), ["k:[0,10):a,b,c,d"]);
  d.element(ev("e"), 5).watermark(100);
  assert.deepEqual(d.take(), [], "the count trigger replaces the event-time firing");
  d.element(ev("late"), 12);
  assert.deepEqual(d.take(), [], "[10,20) is past the watermark: the record is dropped");
  d.element(ev("f"), 111).element(ev("g"), 112);
  assert.deepEqual(d.take(), ["k:[110,120):f,g"]);
});

test("PurgingTrigger(CountTrigger) emits disjoint batches per key on global windows", () => {
  const d = new WindowDriver<Ev, string>(
    (e) => e.k,
    (s) =>
      s
        .window(GlobalWindows.create<Ev>())
        .trigger(PurgingTrigger.of(CountTrigger.of(2)))
        .process(listing()),
  );
  for (const v of ["1", "2", "3"]) d.element(ev(v, "x"));
  d.element(ev("9", "y"));
  d.element(ev("4", "x"));
  d.element(ev("8", "y"));
  assert.deepEqual(d.take(), ["x:1,2", "x:3,4", "y:9,8"]);
});

test("ContinuousEventTimeTrigger fires every interval of event time and at the window end", () => {
  const d = new WindowDriver<Ev, string>(
    (e) => e.k,
    (s) =>
      s
        .window(TumblingEventTimeWindows.of<Ev>(100))
        .trigger(ContinuousEventTimeTrigger.of(30))
        .process(listing()),
  );
  d.element(ev("a"), 5).element(ev("b"), 10).watermark(29);
  assert.deepEqual(d.take(), []);
  d.watermark(30);
  assert.deepEqual(d.take(), ["k:[0,100):a,b"]);
  d.element(ev("c"), 40).watermark(65);
  assert.deepEqual(d.take(), ["k:[0,100):a,b,c"]);
  d.watermark(99);
  // at 90 (interval) and at 99 (the window end; the next interval timer is capped at 99 too)
  assert.deepEqual(d.take(), ["k:[0,100):a,b,c", "k:[0,100):a,b,c"]);
  d.watermark(1000);
  assert.deepEqual(d.take(), []);
});

test("ContinuousProcessingTimeTrigger fires every interval of processing time", () => {
  const d = new WindowDriver<Ev, string>(
    (e) => e.k,
    (s) =>
      s.window(GlobalWindows.create<Ev>()).trigger(ContinuousProcessingTimeTrigger.of(10)).process(listing()),
  );
  d.advance(5).element(ev("a"));
  d.advance(9);
  assert.deepEqual(d.take(), []);
  d.advance(10);
  assert.deepEqual(d.take(), ["k:a"]);
  d.advance(12).element(ev("b")).advance(25);
  assert.deepEqual(d.take(), ["k:a,b"]);
  d.advance(29);
  assert.deepEqual(d.take(), []);
  d.advance(30);
  assert.deepEqual(d.take(), ["k:a,b"]);
});

test("tumbling processing-time windows fire when the clock passes their end, stamped with maxTimestamp", () => {
  const d = new WindowDriver<Ev, string>(
    (e) => e.k,
    (s) => s.window(TumblingProcessingTimeWindows.of<Ev>(10)).process(listing()),
  );
  d.advance(1).element(ev("a")).advance(3).element(ev("b")).element(ev("z", "other"));
  d.advance(8);
  assert.deepEqual(d.take(), []);
  d.advance(9);
  assert.deepEqual(
    d.out.map((e) => e.ts),
    [9, 9],
  );
  assert.deepEqual(d.take().sort(), ["k:[0,10):a,b", "other:[0,10):z"]);
  d.advance(15).element(ev("c")).advance(100);
  assert.deepEqual(d.take(), ["k:[10,20):c"]);
});

test("sliding processing-time windows (sliced) fire each window with its elements", () => {
  const d = new WindowDriver<Ev, string>(
    (e) => e.k,
    (s) => s.window(SlidingProcessingTimeWindows.of<Ev>(10, 5)).process(listing()),
  );
  d.advance(1).element(ev("x")).advance(4);
  assert.deepEqual(d.take(), ["k:[-5,5):x"]);
  d.advance(6).element(ev("y")).advance(9);
  assert.deepEqual(d.take(), ["k:[0,10):x,y"]);
  d.advance(14);
  assert.deepEqual(d.take(), ["k:[5,15):y"]);
  d.advance(100);
  assert.deepEqual(d.take(), []);
});

test("processing-time session windows merge and move their timer", () => {
  const d = new WindowDriver<Ev, string>(
    (e) => e.k,
    (s) => s.window(ProcessingTimeSessionWindows.withGap<Ev>(5)).process(listing()),
  );
  d.advance(0).element(ev("a")).advance(2).element(ev("b"));
  d.advance(5);
  assert.deepEqual(d.take(), [], "the timer of [0,5) was deleted when it merged into [0,7)");
  d.advance(6);
  assert.deepEqual(d.take(), ["k:[0,7):a,b"]);
  d.advance(20).element(ev("c")).advance(24);
  assert.deepEqual(d.take(), ["k:[20,25):c"]);
});

test("a count trigger on session windows merges its counts (CountTrigger.onMerge)", () => {
  const d = new WindowDriver<Ev, string>(
    (e) => e.k,
    (s) => s.window(EventTimeSessionWindows.withGap<Ev>(10)).trigger(CountTrigger.of(3)).process(listing()),
  );
  // two separate sessions of one element each, then a bridging element: 1 + 1 + 1 = 3 -> fire
  d.element(ev("a"), 0).element(ev("b"), 15);
  assert.deepEqual(d.take(), []);
  d.element(ev("c"), 9);
  assert.deepEqual(d.take(), ["k:[0,25):a,b,c"]);
});

test("per-window state survives late firings; global state spans windows; late records go to the side output", () => {
  let cleared = 0;
  const d = new WindowDriver<Ev & { t: number }, string>(
    (e) => e.k,
    (s) =>
      s
        .window(TumblingEventTimeWindows.of<Ev & { t: number }>(10))
        .allowedLateness(100)
        .process({
          process(key, ctx, elements, out) {
            const fires = ctx.windowState().getState<number>({ kind: "value", name: "fires" });
            fires.update((fires.value() ?? 0) + 1);
            const total = ctx.globalState().getState<number>({ kind: "value", name: "total" });
            total.update((total.value() ?? 0) + 1);
            out.collect(`${key}:${ctx.window().start}:${fires.value()}/${total.value()}:${elements.length}`);
          },
          clear(ctx) {
            cleared++;
            ctx.windowState().getState<number>({ kind: "value", name: "fires" }).clear();
          },
        }),
  );
  d.element({ k: "k", v: "a", t: 1 }, 1).element({ k: "k", v: "b", t: 12 }, 12).watermark(25);
  assert.deepEqual(d.take(), ["k:0:1/1:1", "k:10:1/2:1"]);
  d.element({ k: "k", v: "c", t: 3 }, 3);
  assert.deepEqual(d.take(), ["k:0:2/3:2"], "a late but allowed record re-fires its window at once");
  d.watermark(109);
  assert.equal(cleared, 1, "the window [0,10) is cleaned up at 9 + 100");
  d.element({ k: "k", v: "d", t: 4 }, 4);
  assert.deepEqual(d.take(), []);
  assert.equal(d.metrics.numLateRecordsDropped.count, 1);
});

test("sliding windows re-fire with late records added to slices already aggregated", () => {
  const d = new WindowDriver<number, number>(
    () => "k",
    (s) =>
      s
        .window(SlidingEventTimeWindows.of<number>(10, 5))
        .allowedLateness(100)
        .reduce((a, b) => a + b),
  );
  d.element(1, 1).element(6, 6).element(20, 20).watermark(14);
  // [-5,5): 1; [0,10): 1+6; [5,15): 6
  assert.deepEqual(d.take(), [1, 7, 6]);
  d.element(2, 2);
  // late but allowed: [0,10) and [-5,5) fire again at once, latest window first
  assert.deepEqual(d.take(), [9, 3]);
  d.element(7, 7);
  assert.deepEqual(d.take(), [13, 16]);
  d.watermark(30);
  // [10,20): nothing but 20? no: 20 is in [15,25) and [20,30)
  assert.deepEqual(d.take(), [20, 20]);
});

test("a late record into the newest slice of the last fired sliding window is included in its re-firing", () => {
  const d = new WindowDriver<number, number>(
    () => "k",
    (s) =>
      s
        .window(SlidingEventTimeWindows.of<number>(10, 5))
        .allowedLateness(100)
        .reduce((a, b) => a + b),
  );
  d.element(1, 1).element(6, 6).watermark(9);
  assert.deepEqual(d.take(), [1, 7]);
  d.element(7, 7);
  assert.deepEqual(d.take(), [14]);
  d.watermark(14);
  assert.deepEqual(d.take(), [13]);
});
