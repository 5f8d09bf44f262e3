// WindowedStream.passOn: an aligned window operator asks of each record, once it has taken it,
// whether to send it to a side output too, telling whether it dropped it as late and giving the
// current contents of any window of the key (none for a window that fired).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EventTimeSessionWindows,
  isFleuveError,
  OutputTag,
  type PassOn,
  type PassOnSelect,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
} from "../../src/index.js";
import { WindowDriver } from "./driver.js";

const sum = {
  createAccumulator: () => 0,
  add: (v: number, a: number) => a + v,
  getResult: (a: number) => a,
  merge: (a: number, b: number) => a + b,
};

test("passOn gets each record after the operator took it: late or not, and its windows' current contents", () => {
  const tag = new OutputTag<number>("passed");
  const seen: string[] = [];
  const passOn: PassOn<number, number> = {
    tag,
    // Windows of 10 sliding by 5: [0, 10), [5, 15), [10, 20) looked at for every record.
    select(value, ts, late, contentsOf) {
      seen.push(`${value}@${ts} late=${late} ${[0, 5, 10].map((s) => String(contentsOf(s))).join(",")}`);
      return value % 2 === 1;
    },
  };
  const d = new WindowDriver<number, number>(
    () => 0,
    (s) => s.window(SlidingEventTimeWindows.of<number>(10, 5)).passOn(passOn).aggregate(sum),
  );
  d.element(1, 3).element(2, 7).element(4, 12);
  // [-5, 5) and [0, 10) fire: their contents are no longer given; 8 and 32 are late for both of
  // their windows, 16 only for [0, 10) (it goes into [5, 15)).
  d.watermark(9).element(8, 4).element(16, 8).element(32, 2);
  assert.deepEqual(seen, [
    "1@3 late=false 1,undefined,undefined",
    "2@7 late=false 3,2,undefined",
    "4@12 late=false 3,6,4",
    "8@4 late=true undefined,6,4",
    "16@8 late=false undefined,22,4",
    "32@2 late=true undefined,22,4",
  ]);
  assert.deepEqual(
    d.side.map((s) => [s.tag, s.value, s.ts]),
    [["passed", 1, 3]],
  );
  // The windows' results are as without passOn ([5, 15): 2, 4 and 16).
  d.watermark(100);
  assert.deepEqual(d.take(), [1, 3, 22, 4]);
});

test("passOn is refused on windows that are not aligned tumbling or sliding ones with their default trigger", () => {
  const env = StreamExecutionEnvironment.create();
  const keyed = env.fromElements(1, 2, 3).keyBy((x) => x % 2);
  assert.throws(
    () =>
      keyed
        .window(EventTimeSessionWindows.withGap<number>(5))
        .passOn({ tag: new OutputTag<number>("x"), select: () => true })
        .aggregate(sum),
    (e: unknown) => isFleuveError(e, "FLEUVE_WINDOW_INVALID") && /only aligned/.test(e.message),
  );
});

test("passOn takes a tag and a select function, typed by the windows' contents", () => {
  const env = StreamExecutionEnvironment.create();
  const windowed = env
    .fromElements(1, 2, 3)
    .keyBy((x) => x % 2)
    .window(SlidingEventTimeWindows.of<number>(10, 5));
  const tag = new OutputTag<number>("x");
  // contentsOf gives the accumulator type stated (here sum's number).
  const select: PassOnSelect<number, number> = (_v, _t, _late, contentsOf) => (contentsOf(0) ?? 0) > 1;
  const passOn: PassOn<number, number> = { tag, select };
  windowed.passOn(passOn);
  // @ts-expect-error select is read-only: set once, when the operator is built.
  passOn.select = () => false;
  windowed.passOn<{ n: number }>({
    tag,
    select: (_v, _t, _late, contentsOf) => {
      const acc: { n: number } | undefined = contentsOf(0);
      // @ts-expect-error contentsOf gives a { n: number } or undefined, not a number.
      const n: number | undefined = contentsOf(0);
      return (acc?.n ?? n ?? 0) > 1;
    },
  });
  for (const bad of [{ tag }, { tag: "x", select }, undefined])
    assert.throws(
      // @ts-expect-error not a PassOn
      () => windowed.passOn(bad),
      (e: unknown) =>
        isFleuveError(e, "FLEUVE_WINDOW_INVALID") && /passOn\(\{ tag, select \}\)/.test(e.message),
    );
});

test("a choice given at open (the SQL window aggregate's) is asked for once, not per record; none: nothing passed on", () => {
  for (const choose of [false, true]) {
    const tag = new OutputTag<number>("chosen");
    let asked = 0;
    const select: PassOnSelect<number, number> = (v) => v > 2;
    const d = new WindowDriver<number, number>(
      () => 0,
      (s) =>
        s
          .window(SlidingEventTimeWindows.of<number>(10, 5))
          .passOnChosenAtOpen(tag, () => {
            asked++;
            return choose ? select : undefined;
          })
          .aggregate(sum),
    );
    for (let v = 1; v <= 5; v++) d.element(v, v);
    assert.equal(asked, 1);
    assert.deepEqual(
      d.side.map((x) => x.value),
      choose ? [3, 4, 5] : [],
    );
    d.watermark(100);
    assert.deepEqual(d.take(), [10, 15, 5]);
  }
});
