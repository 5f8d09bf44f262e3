/**
 * CUMULATE windows (Flink's window TVF `CUMULATE(TABLE t, DESCRIPTOR(ts), step, size [,
 * offset])`): windows of `size` aligned on `offset`, each cut into cumulative windows that share
 * its start and end every `step` (`[s, s + step)`, `[s, s + 2 * step)`, ..., `[s, s + size)`).
 * A row belongs to every cumulative window of its aligned window that ends after it.
 */

import {
  EventTimeTrigger,
  getWindowStartWithOffset,
  ProcessingTimeTrigger,
  TimeWindow,
  type Trigger,
  type WindowAssigner,
  type WindowAssignerContext,
} from "@fleuve/core";
import type { Row } from "../planner/values.js";

/** The cumulative windows of a row at `ts`, as [start, end] pairs, the first (shortest) first. */
export function cumulativeWindows(
  ts: number,
  step: number,
  size: number,
  offset: number,
): [number, number][] {
  const start = getWindowStartWithOffset(ts, offset, size);
  const out: [number, number][] = [];
  const first = start + (Math.floor((ts - start) / step) + 1) * step;
  for (let end = first; end <= start + size; end += step) out.push([start, end]);
  return out;
}

/** A DataStream window assigner of CUMULATE windows in event time, for window aggregation. */
export class CumulativeEventTimeWindows implements WindowAssigner<Row, TimeWindow> {
  constructor(
    private readonly step: number,
    private readonly size: number,
    private readonly offset: number,
  ) {}

  assignWindows(_row: Row, timestamp: number): readonly TimeWindow[] {
    return cumulativeWindows(timestamp, this.step, this.size, this.offset).map(
      ([s, e]) => new TimeWindow(s, e),
    );
  }

  getDefaultTrigger(): Trigger<Row, TimeWindow> {
    return EventTimeTrigger.create() as Trigger<Row, TimeWindow>;
  }

  isEventTime(): boolean {
    return true;
  }

  toString(): string {
    return `CumulativeEventTimeWindows(step ${this.step}, size ${this.size}, offset ${this.offset})`;
  }
}

/**
 * CUMULATE windows in processing time: a row belongs to the windows of the window operator's
 * clock when it arrives, and each window fires on a processing-time timer at its end.
 */
export class CumulativeProcessingTimeWindows implements WindowAssigner<Row, TimeWindow> {
  constructor(
    private readonly step: number,
    private readonly size: number,
    private readonly offset: number,
  ) {}

  assignWindows(_row: Row, _timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[] {
    return cumulativeWindows(ctx.getCurrentProcessingTime(), this.step, this.size, this.offset).map(
      ([s, e]) => new TimeWindow(s, e),
    );
  }

  getDefaultTrigger(): Trigger<Row, TimeWindow> {
    return ProcessingTimeTrigger.create() as Trigger<Row, TimeWindow>;
  }

  isEventTime(): boolean {
    return false;
  }

  toString(): string {
    return `CumulativeProcessingTimeWindows(step ${this.step}, size ${this.size}, offset ${this.offset})`;
  }
}
