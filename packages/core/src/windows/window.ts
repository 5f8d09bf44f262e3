/**
 * Windows: finite buckets of a keyed stream (Flink's `Window`, `TimeWindow`, `GlobalWindow`).
 */

/** A window: anything with a largest timestamp that still belongs to it. */
export interface Window {
  /** The largest timestamp (ms) in the window; results of the window carry this timestamp. */
  maxTimestamp(): number;
  /**
   * The timestamp of the window's results when it is not {@link maxTimestamp}: windows aligned
   * on a time zone's wall clock fire at one instant but stamp their results with another (Flink
   * SQL's window_time across a daylight-saving change).
   */
  resultTimestamp?(): number;
}

/** The half-open time interval `[start, end)` (ms). */
export class TimeWindow implements Window {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}

  /** `end - 1`: the last millisecond in the window. */
  maxTimestamp(): number {
    return this.end - 1;
  }

  /** Same bounds. */
  equals(other: TimeWindow): boolean {
    return this.start === other.start && this.end === other.end;
  }

  /** True when the windows overlap or touch (Flink merges touching session windows too). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /** The smallest window covering both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }
}

/** The single window of {@link GlobalWindows}: everything, forever. */
export class GlobalWindow implements Window {
  /** The one instance. */
  static readonly INSTANCE = new GlobalWindow();
  private constructor() {}
  /** +Infinity: a global window never ends by time. */
  maxTimestamp(): number {
    return Number.POSITIVE_INFINITY;
  }
  toString(): string {
    return "GlobalWindow";
  }
}

/**
 * Start of the window of size `windowSize` containing `timestamp`, with windows aligned on
 * `offset` (Flink's `TimeWindow.getWindowStartWithOffset`; correct for negative timestamps).
 */
export function getWindowStartWithOffset(timestamp: number, offset: number, windowSize: number): number {
  const remainder = (timestamp - offset) % windowSize;
  // JS `%` keeps the sign of the dividend, like Java's: shift negative remainders up.
  return remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder;
}

/**
 * Merges overlapping (or touching) time windows, as Flink's `TimeWindow.mergeWindows`: sorts by
 * start and calls `callback(members, cover)` for every group of two or more windows.
 */
export function mergeTimeWindows(
  windows: readonly TimeWindow[],
  callback: (toBeMerged: TimeWindow[], mergeResult: TimeWindow) => void,
): void {
  const sorted = windows.slice().sort((a, b) => a.start - b.start);
  let cur: TimeWindow | undefined;
  let members: TimeWindow[] = [];
  for (const w of sorted) {
    if (cur === undefined) {
      cur = w;
      members = [w];
    } else if (cur.intersects(w)) {
      cur = cur.cover(w);
      members.push(w);
    } else {
      if (members.length > 1) callback(members, cur);
      cur = w;
      members = [w];
    }
  }
  if (cur !== undefined && members.length > 1) callback(members, cur);
}
