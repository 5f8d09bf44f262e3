/**
 * Shared pieces of the window join and coGroup tests: sorted random records, the watermark
 * strategy, window shapes, and the brute-force window arithmetic the references use.
 */
import fc from "fast-check";
import { SlidingEventTimeWindows, TumblingEventTimeWindows, WatermarkStrategy } from "../../src/index.js";

/** One input record of either side; `id` makes every record distinguishable in results. */
export interface Rec {
  id: number;
  key: number;
  ts: number;
}

/**
 * A watermark with every record, 25 ms behind it (records come sorted, so none is late). The lag
 * exceeds every session gap used here, so whether the watermark goes out just before or just after
 * its record cannot close a session that the record would have extended.
 */
export function punctuated() {
  return WatermarkStrategy.forGenerator<Rec>(() => ({
    onEvent(_e, ts, out) {
      out.emitWatermark(ts - 25);
    },
    onPeriodicEmit() {},
  })).withTimestampAssigner((e) => e.ts);
}

/** Up to `maxLength` records sorted by timestamp, keys 0..3, ids from `idBase` (one side's ids). */
export const sortedRecs = (idBase: number, maxLength: number) =>
  fc
    .array(fc.record({ key: fc.nat(3), ts: fc.integer({ min: -20, max: 120 }) }), { maxLength })
    .map((xs) => xs.sort((p, q) => p.ts - q.ts).map((x, i) => ({ id: idBase + i, ...x })));

/** size/slide of a sliding window, `slide <= size` (`slide = size` is a tumbling one). */
export const slidingWindowArb = fc
  .integer({ min: 1, max: 30 })
  .chain((size) => fc.integer({ min: 1, max: size }).map((slide) => ({ size, slide })));

/** The assigner of a size/slide: tumbling when `slide = size`, sliding otherwise. */
export function assigner(w: { size: number; slide: number }) {
  return w.size === w.slide
    ? TumblingEventTimeWindows.of(w.size)
    : SlidingEventTimeWindows.of(w.size, w.slide);
}

/** Window starts containing `ts`, computed independently of the assigners (floor division). */
export function windowStarts(ts: number, size: number, slide: number): number[] {
  const out: number[] = [];
  for (let start = Math.floor(ts / slide) * slide; start > ts - size; start -= slide) out.push(start);
  return out;
}

/** The ids of `xs`, ascending, comma-separated: a group as the references and jobs print it. */
export const ids = (xs: readonly Rec[]) =>
  xs
    .map((x) => x.id)
    .sort((a, b) => a - b)
    .join(",");
