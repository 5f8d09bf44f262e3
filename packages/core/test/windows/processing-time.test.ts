/**
 * Processing-time tumbling and sliding windows (sliced) against a reference, with a manual clock:
 * every window with elements fires once with exactly the elements that arrived during it, when
 * the clock passes its end. Times are even and window bounds too, so no element arrives at the
 * very millisecond a window ends (where Flink's result depends on timer timing).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type AggregateFunction,
  SlidingProcessingTimeWindows,
  type TimeWindow,
  TumblingProcessingTimeWindows,
  type WindowAssigner,
} from "../../src/index.js";
import { WindowDriver } from "./driver.js";
import { slidingWindows } from "./oracle-helpers.js";

interface Ev {
  key: string;
  id: number;
  t: number;
}

const eventsArb = fc
  .array(fc.record({ key: fc.constantFrom("a", "b", "c"), dt: fc.integer({ min: 0, max: 12 }) }), {
    maxLength: 60,
  })
  .map((xs) => {
    let t = 0;
    return xs.map((x, id) => {
      t += 2 * x.dt;
      return { key: x.key, id, t } as Ev;
    });
  });

const sumIds: AggregateFunction<Ev, { key: string; n: number; sum: number }, string> = {
  createAccumulator: () => ({ key: "", n: 0, sum: 0 }),
  add: (e, a) => {
    a.key = e.key;
    a.n++;
    a.sum += e.id;
    return a;
  },
  getResult: (a) => `${a.key}|${a.n}|${a.sum}`,
  merge: (a, b) => {
    a.key ||= b.key;
    a.n += b.n;
    a.sum += b.sum;
    return a;
  },
};

function check(
  events: Ev[],
  assigner: WindowAssigner<Ev, TimeWindow>,
  size: number,
  slide: number,
  offset: number,
) {
  for (const kind of ["process", "aggregate"] as const) {
    const d = new WindowDriver<Ev, string>(
      (e) => e.key,
      (s) => {
        const w = s.window(assigner);
        return kind === "aggregate"
          ? w.aggregate(sumIds)
          : w.process({
              process(key, ctx, els, out) {
                out.collect(`${key}|${ctx.window().start}|${els.map((e) => e.id).join(",")}`);
              },
            });
      },
    );
    for (const e of events) {
      d.advance(e.t);
      d.element(e);
    }
    d.advance(1e9);
    const windows = new Map<string, Ev[]>();
    for (const e of events) {
      for (const [start] of slidingWindows(e.t, size, slide, offset)) {
        const k = `${e.key}|${start}`;
        windows.set(k, [...(windows.get(k) ?? []), e]);
      }
    }
    const want = [...windows.entries()].map(([k, es]) =>
      kind === "process"
        ? `${k}|${es.map((e) => e.id).join(",")}`
        : `${es[0]!.key}|${es.length}|${es.reduce((s, e) => s + e.id, 0)}`,
    );
    assert.deepEqual(d.take().sort(), want.sort());
  }
}

test("tumbling processing-time windows match the reference", () => {
  fc.assert(
    fc.property(eventsArb, fc.integer({ min: 1, max: 15 }), fc.nat(), (events, half, seed) => {
      const size = 2 * half;
      const offset = 2 * ((seed % (2 * half - 1)) - (half - 1)); // even, |offset| < size
      check(events, TumblingProcessingTimeWindows.of<Ev>(size, offset), size, size, offset);
    }),
    { numRuns: 150 },
  );
});

test("sliding processing-time windows match the reference", () => {
  fc.assert(
    fc.property(
      eventsArb,
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 4 }),
      fc.nat(),
      (events, halfSlide, factor, seed) => {
        const slide = 2 * halfSlide;
        const size = slide * factor + 2 * (seed % halfSlide);
        const offset = 2 * ((seed % (2 * halfSlide - 1)) - (halfSlide - 1));
        check(events, SlidingProcessingTimeWindows.of<Ev>(size, slide, offset), size, slide, offset);
      },
    ),
    { numRuns: 150 },
  );
});
