/**
 * The rows of a window TVF on their own (`SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts),
 * ...))` without GROUP BY): each input row once per window it falls in, with `window_start`,
 * `window_end` and `window_time` (= window_end - 1 ms) appended, as Flink's window table
 * function emits them. The output records are stamped with `window_time`, the output's
 * event-time attribute. Over a TIMESTAMP_LTZ attribute in a session zone the windows are those
 * of the zone's wall clock, assigned as a window aggregation assigns them (zoned-windows.ts):
 * window_start and window_end are wall-clock times, window_time the instant of window_end - 1.
 */

import { getWindowStartWithOffset } from "@fleuve/core";
import { OneInputOperator } from "@fleuve/core/spi";
import type { Row } from "../planner/values.js";
import type { Zone } from "../planner/zone.js";
import { cumulativeWindows } from "./cumulate-windows.js";
import { ZonedAlignedWindows, type ZonedTimeWindow } from "./zoned-windows.js";

/** Which windows a row belongs to: TUMBLE (slide = size), HOP, or CUMULATE (slide is the step). */
export interface WindowTvfSpec {
  readonly cumulate?: boolean;
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  /** The row's time (its rowtime column). */
  readonly time: (row: Row) => number;
  /** The session zone whose wall clock cuts the windows (a TIMESTAMP_LTZ attribute), if not UTC. */
  readonly zone?: Zone | undefined;
}

// Zoned windows are event-time here: the assigner never asks the clock.
const NO_CLOCK = {
  getCurrentProcessingTime(): number {
    return Number.NaN;
  },
};

/** Appends the window columns to each row, once per window. */
export class WindowTvfOperator extends OneInputOperator<Row, Row> {
  private readonly zoned: ZonedAlignedWindows | undefined;

  constructor(private readonly spec: WindowTvfSpec) {
    super();
    const { size, slide, offset, zone } = spec;
    const kind = spec.cumulate === true ? "CUMULATE" : slide === size ? "TUMBLE" : "HOP";
    this.zoned =
      zone === undefined ? undefined : new ZonedAlignedWindows(kind, size, slide, offset, zone, true);
  }

  processElement(row: Row): void {
    const { size, slide, offset } = this.spec;
    const ts = this.spec.time(row);
    if (this.zoned !== undefined) {
      const windows = this.zoned.assignWindows(row, ts, NO_CLOCK);
      // TUMBLE and HOP windows come newest first: emit the oldest first, as below.
      const ordered = this.spec.cumulate === true ? windows : [...windows].reverse();
      for (const w of ordered as readonly ZonedTimeWindow[]) {
        const time = w.resultTimestamp();
        this.output.collect({ ...row, window_start: w.start, window_end: w.end, window_time: time }, time);
      }
      return;
    }
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
