/**
 * Drops windowed rows that cannot change, or cannot reach, their window's maximum of a column,
 * from the running maximum of the rows seen so far: a row whose value is below the largest one
 * already seen in its window adds nothing to that window's MAX, and cannot satisfy
 * `value >= MAX` (the maximum only grows from there). Nexmark q5's shape: per window the counts
 * of every auction, joined with their window's maximum on `num >= maxn`; most counts are below
 * the largest count sent before them, and both the MAX aggregate and the join would otherwise
 * take every one of them (the join across an exchange, buffering them until the window fires).
 *
 * The running maxima are the filter's own memory, kept out of checkpoints: a restored job starts
 * without them and drops less until it has seen rows again, which changes no result. They are
 * per operator instance (a subset of a window's rows): each is at most the maximum of all its
 * rows. A window is its start and end (session windows of different partitions may end alike).
 * Rows late by the filter's watermark (their window fired already) are passed on and not
 * counted: the operator after it decides on them, as without the filter.
 */

import type { Collector, ProcessFunction } from "@fleuve/core";
import type { Row } from "../planner/values.js";

/** Which rows a {@link runningMaxFilter} drops. */
export type RunningMaxUse =
  /**
   * Before `MAX(value)` grouped by the window alone: a row at or below the running maximum, or a
   * NULL once the window has a value, changes no result (the first row of a window always passes,
   * so every window still has its row).
   */
  | "aggregate"
  /**
   * Before the inner join on `value >= MAX(value)` of the same rows: a row strictly below the
   * running maximum, or with a NULL value, is in no pair (ties pass).
   */
  | "atLeastMax";

/** What a {@link runningMaxFilter} reads of a row. */
export interface RunningMaxSpec {
  readonly use: RunningMaxUse;
  /** The value whose maximum counts (a number or bigint; NULL is null or undefined). */
  readonly value: (row: Row) => unknown;
  /** The row's window start: with its end it names its window (session windows share ends). */
  readonly start: (row: Row) => number;
  /** The row's window end: when its window fires. */
  readonly end: (row: Row) => number;
  /** When the window of an end fires (watermark): a row of a fired window is late. */
  readonly fireAt: (end: number) => number;
}

interface RunningMaxFn extends ProcessFunction<Row, Row> {
  /**
   * Per subtask (set in open): the largest value seen per window not yet fired, by window end
   * then start (one start per end but for session windows).
   */
  maxima?: Map<number, Map<number, unknown>>;
}

/** A process function passing on the rows of `spec.use` (see {@link RunningMaxUse}), in order. */
export function runningMaxFilter(spec: RunningMaxSpec): ProcessFunction<Row, Row> {
  const { value, start, end, fireAt } = spec;
  const ties = spec.use === "atLeastMax";
  const fn: RunningMaxFn = {
    open() {
      this.maxima = new Map();
    },
    processElement(row: Row, ctx, out: Collector<Row>) {
      const maxima = this.maxima as Map<number, Map<number, unknown>>;
      const e = end(row);
      const v = value(row);
      const watermark = ctx.timerService().currentWatermark();
      if (fireAt(e) <= watermark) {
        out.collect(row); // late: the next operator drops it or not, as without this filter
        return;
      }
      let ofEnd = maxima.get(e);
      const s = start(row);
      const m = ofEnd?.get(s);
      if (v === null || v === undefined) {
        // NULL is in no pair; before MAX, it only matters while the window has nothing else.
        if (!ties && m === undefined) out.collect(row);
        return;
      }
      if (m === undefined) {
        if (ofEnd === undefined) {
          // A new window end: forget those that have fired (few are open at a time).
          for (const k of maxima.keys()) if (fireAt(k) <= watermark) maxima.delete(k);
          ofEnd = new Map();
          maxima.set(e, ofEnd);
        }
        ofEnd.set(s, v);
        out.collect(row);
      } else if ((v as number) > (m as number)) {
        (ofEnd as Map<number, unknown>).set(s, v);
        out.collect(row);
      } else if (ties && (v as number) >= (m as number)) out.collect(row);
    },
  };
  return fn;
}
