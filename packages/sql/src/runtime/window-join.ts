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
 *
 * The firing times are indexed by the operator itself (firing time -> keys with a window due
 * then), not by a keyed timer per key and window: a window join holds a window for most keys it
 * sees (q8: every person and every seller of a window), and a keyed timer cost an object and two
 * map updates per key and window, and its firing as much again. The index is rebuilt from the
 * buffered windows on restore (they are the pending firings), so checkpoints hold no timers.
 * Savepoints written before kept a keyed timer per key and window: those timers are restored
 * into the timer service and fire the key's due windows as they did, and the index fires each
 * window at most once (a fired window's buffer is gone).
 */

import {
  type Key,
  type KeyedStateBackend,
  type KeyedTable,
  type NormalizedKey,
  NumberMinHeap,
  TwoInputOperator,
} from "@fleuve/core/spi";
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
  private backend!: KeyedStateBackend;
  /** Keys with a window firing at a time (a key may be listed more than once, see fireUpTo). */
  private readonly due = new Map<number, NormalizedKey[]>();
  /** The times of {@link due}, earliest first. */
  private readonly times = new NumberMinHeap();
  /** Scratch list of a key's due window ends (fireUpTo), reused: nothing re-enters the operator. */
  private readonly dueEnds: number[] = [];

  constructor(private readonly spec: WindowJoinSpec) {
    super();
  }

  override open(): void {
    this.backend = this.keyedState;
    this.windows = this.backend.getTable<Map<number, WindowRows>>("sql-window-join");
    // Keyed timers of savepoints written before the index (see the top of this file): created in
    // open() so that they find their service when restored; nothing registers new ones.
    this.getTimerService<number>({
      onEventTime: (time: number, _key: Key) => this.fireUpTo(time),
      onProcessingTime: () => {},
    });
    // The restored windows are the pending firings.
    const firing = this.spec.firing;
    for (const [nk, byEnd] of this.windows.entries())
      for (const end of byEnd.keys()) this.index(firing.fireAt(end), nk);
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
      this.index(fireAt, this.backend.currentKey);
    }
    (left ? w.left : w.right).push(row);
  }

  /** Lists the current key (normalized `nk`) as having a window to fire at `time`. */
  private index(time: number, nk: NormalizedKey): void {
    let keys = this.due.get(time);
    if (keys === undefined) {
      keys = [];
      this.due.set(time, keys);
      this.times.push(time);
    }
    keys.push(nk);
  }

  /** Fires the windows due at the watermark, in firing-time order, each key's with it set. */
  protected override onWatermark(watermark: number): void {
    const backend = this.backend;
    for (;;) {
      const t = this.times.peek();
      if (t === undefined || t > watermark) return;
      this.times.pop();
      const keys = this.due.get(t) as NormalizedKey[];
      this.due.delete(t);
      for (let i = 0; i < keys.length; i++) {
        const nk = keys[i] as NormalizedKey;
        backend.setCurrentKey(backend.rawKey(nk), nk);
        this.fireUpTo(t);
      }
    }
  }

  /**
   * Fires the current key's windows due at `time`, oldest first: in a zone, windows ending in a
   * skipped hour share their firing instant. A window fired before (the key listed twice at a
   * time, or a restored keyed timer) is gone and not fired again.
   */
  private fireUpTo(time: number): void {
    const byEnd = this.windows.get();
    if (byEnd === undefined) return;
    const firing = this.spec.firing;
    const ends = this.dueEnds;
    for (const end of byEnd.keys()) if (firing.fireAt(end) <= time) ends.push(end);
    if (ends.length > 1) ends.sort((a, b) => a - b);
    try {
      for (let i = 0; i < ends.length; i++) this.fire(byEnd, ends[i] as number);
    } finally {
      ends.length = 0;
    }
    if (byEnd.size === 0) this.windows.delete();
  }

  private fire(byEnd: Map<number, WindowRows>, end: number): void {
    const w = byEnd.get(end);
    if (w === undefined) return;
    const { type, matches, combine } = this.spec;
    const ts = this.spec.firing.windowTime(end);
    const left = w.left;
    const right = w.right;
    // Which right rows matched: only an outer join of the right side needs to know.
    const rightMatched =
      type === "RIGHT" || type === "FULL" ? new Array<boolean>(right.length).fill(false) : undefined;
    const padLeft = type === "LEFT" || type === "FULL";
    for (let j = 0; j < left.length; j++) {
      const l = left[j] as Row;
      let matched = false;
      for (let i = 0; i < right.length; i++) {
        const r = right[i] as Row;
        if (!matches(l, r)) continue;
        matched = true;
        if (rightMatched !== undefined) rightMatched[i] = true;
        this.output.collect(combine(l, r), ts);
      }
      if (!matched && padLeft) this.output.collect(combine(l, null), ts);
    }
    if (rightMatched !== undefined) {
      for (let i = 0; i < right.length; i++)
        if (!rightMatched[i]) this.output.collect(combine(null, right[i] as Row), ts);
    }
    byEnd.delete(end);
  }
}
