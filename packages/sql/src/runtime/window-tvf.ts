/**
 * The rows of a window TVF on their own (`SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts),
 * ...))` without GROUP BY): each input row once per window it falls in, with `window_start`,
 * `window_end` and `window_time` (= window_end - 1 ms) appended, as Flink's window table
 * function emits them. The output records are stamped with `window_time`, the output's
 * event-time attribute.
 */

import { getWindowStartWithOffset } from "@fleuve/core";
import { OneInputOperator } from "@fleuve/core/spi";
import type { Row } from "../planner/values.js";
import { cumulativeWindows } from "./cumulate-windows.js";

/** Which windows a row belongs to: TUMBLE (slide = size), HOP, or CUMULATE (slide is the step). */
export interface WindowTvfSpec {
  readonly cumulate?: boolean;
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  /** The row's time (its rowtime column). */
  readonly time: (row: Row) => number;
}

/** Appends the window columns to each row, once per window. */
export class WindowTvfOperator extends OneInputOperator<Row, Row> {
  constructor(private readonly spec: WindowTvfSpec) {
    super();
  }

  processElement(row: Row): void {
    const { size, slide, offset } = this.spec;
    const ts = this.spec.time(row);
    if (this.spec.cumulate === true) {
      for (const [start, end] of cumulativeWindows(ts, slide, size, offset))
        this.output.collect({ ...row, window_start: start, window_end: end, window_time: end - 1 }, end - 1);
      return;
    }
    const last = getWindowStartWithOffset(ts, offset, slide);
    // Oldest window first, as Flink's HOP assigns them.
    const starts: number[] = [];
    for (let s = last; s > ts - size; s -= slide) starts.push(s);
    for (let i = starts.length - 1; i >= 0; i--) {
      const start = starts[i] as number;
      const end = start + size;
      this.output.collect({ ...row, window_start: start, window_end: end, window_time: end - 1 }, end - 1);
    }
  }
}
