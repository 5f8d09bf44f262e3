/**
 * The window join of Flink SQL (flink-table-runtime's WindowJoinOperator): two inputs of the
 * same window TVF joined on `l.window_start = r.window_start AND l.window_end = r.window_end`
 * and the rest of the ON condition, inner or outer.
 *
 * Per key, the rows of each side are buffered by their window end. When the watermark reaches
 * the window's firing time (`window_end - 1`, or for windows of a zone's wall clock Flink's
 * TimeWindowUtil instant, see zoned-windows.ts) the window's pairs are emitted, stamped with its
 * window_time (and, for an outer join, each row that matched nothing, padded with NULLs) and the
 * buffer is dropped. A row whose window has already fired is late and dropped, as in Flink.
 */

import { type InternalTimerService, type Key, type KeyedTable, TwoInputOperator } from "@fleuve/core/spi";
import type { Row } from "../planner/values.js";
import type { JoinType } from "./interval-join.js";
import type { WindowFiring } from "./zoned-windows.js";

/** The rows of one window of one key. */
interface WindowRows {
  readonly left: Row[];
  readonly right: Row[];
}

/** What the planner gives the operator. */
export interface WindowJoinSpec {
  readonly type: JoinType;
  /** The window end of a left row / a right row. */
  readonly leftEnd: (row: Row) => number;
  readonly rightEnd: (row: Row) => number;
  /** When a window fires and its window_time, from its end. */
  readonly firing: WindowFiring;
  /** The rest of the ON condition (key equality, other predicates) on a pair. */
  readonly matches: (left: Row, right: Row) => boolean;
  /** The output row of a pair, or of one side padded with NULLs (the other side null). */
  readonly combine: (left: Row | null, right: Row | null) => Row;
}

/** Keyed two-input operator of a SQL window join. */
export class SqlWindowJoinOperator extends TwoInputOperator<Row, Row, Row> {
  private windows!: KeyedTable<Map<number, WindowRows>>;
  private windowTimers!: InternalTimerService<number>;

  constructor(private readonly spec: WindowJoinSpec) {
    super();
  }

  override open(): void {
    this.windows = this.keyedState.getTable<Map<number, WindowRows>>("sql-window-join");
    // Created in open() so that timers restored from a checkpoint find their service.
    this.windowTimers = this.getTimerService<number>({
      onEventTime: (time: number, _key: Key) => this.fireUpTo(time),
      onProcessingTime: () => {},
    });
  }

  processElement1(row: Row): void {
    this.add(row, this.spec.leftEnd(row), true);
  }

  processElement2(row: Row): void {
    this.add(row, this.spec.rightEnd(row), false);
  }

  private add(row: Row, end: number, left: boolean): void {
    const fireAt = this.spec.firing.fireAt(end);
    if (fireAt <= this.currentWatermark) return; // the window has fired: late
    let byEnd = this.windows.get();
    if (byEnd === undefined) {
      byEnd = new Map();
      this.windows.set(byEnd);
    }
    let w = byEnd.get(end);
    if (w === undefined) {
      w = { left: [], right: [] };
      byEnd.set(end, w);
      this.windowTimers.registerEventTimeTimer(0, fireAt);
    }
    (left ? w.left : w.right).push(row);
  }

  /**
   * Fires the key's windows due at `time`, oldest first: in a zone, windows ending in a skipped
   * hour share their firing instant (one timer for them all).
   */
  private fireUpTo(time: number): void {
    const byEnd = this.windows.get();
    if (byEnd === undefined) return;
    const due = [...byEnd.keys()].filter((end) => this.spec.firing.fireAt(end) <= time).sort((a, b) => a - b);
    for (const end of due) this.fire(byEnd, end);
    if (byEnd.size === 0) this.windows.delete();
  }

  private fire(byEnd: Map<number, WindowRows>, end: number): void {
    const w = byEnd.get(end);
    if (w === undefined) return;
    const { type, matches, combine } = this.spec;
    const ts = this.spec.firing.windowTime(end);
    const rightMatched = new Array<boolean>(w.right.length).fill(false);
    for (const l of w.left) {
      let matched = false;
      for (let i = 0; i < w.right.length; i++) {
        const r = w.right[i] as Row;
        if (!matches(l, r)) continue;
        matched = true;
        rightMatched[i] = true;
        this.output.collect(combine(l, r), ts);
      }
      if (!matched && (type === "LEFT" || type === "FULL")) this.output.collect(combine(l, null), ts);
    }
    if (type === "RIGHT" || type === "FULL") {
      w.right.forEach((r, i) => {
        if (!rightMatched[i]) this.output.collect(combine(null, r), ts);
      });
    }
    byEnd.delete(end);
  }
}
