/**
 * A streaming `ORDER BY rowtime [ASC], ...` without LIMIT (Flink's temporal sort,
 * RowTimeSortOperator): rows are held until the watermark passes their event time, then sent in
 * the ORDER BY's order (by time, then the further keys, then arrival). As in Flink, a row is late
 * and dropped only when its time is at or before the last time a batch was emitted (not merely
 * behind the watermark: such a row still waits for the next firing). Insert-only in and out.
 * Every row has the same key, so one subtask sorts them; the held rows and the last emitted time
 * are keyed state (a restore resumes them).
 *
 * `ORDER BY proctime [ASC], ...` (Flink's ProcTimeSortOperator): rows come out in arrival order;
 * with further keys, a row is held until the processing-time timer one millisecond after its
 * arrival fires, and the rows held then come out sorted by the ORDER BY (equal keys in arrival
 * order), so rows of the same millisecond are sorted. Without further keys rows pass at once, as
 * Flink plans no operator then.
 */

import type { KeyedProcessFunction, ValueState } from "@fleuve/core";
import { valueState } from "@fleuve/core";
import type { Row } from "../planner/values.js";

type Out = { collect(r: Row): void };
type Open = Parameters<NonNullable<KeyedProcessFunction<string, Row, Row>["open"]>>[0];
type Context = Parameters<KeyedProcessFunction<string, Row, Row>["processElement"]>[1];

/** Sorts rows by event time as the watermark passes them (see the file's comment). */
export class RowtimeSortFunction implements KeyedProcessFunction<string, Row, Row> {
  private held!: ValueState<Row[]>;
  /** The time of the last batch emitted (Flink's lastTriggeringTs); undefined before the first. */
  private lastEmitted!: ValueState<number>;

  /**
   * @param timeOf - a row's event time (ms)
   * @param compare - the ORDER BY's order (its first key is the event time)
   */
  constructor(
    private readonly timeOf: (row: Row) => number,
    private readonly compare: (a: Row, b: Row) => number,
  ) {}

  open(ctx: Open): void {
    this.held = ctx.getState(valueState<Row[]>("sql-temporal-sort"));
    this.lastEmitted = ctx.getState(valueState<number>("sql-temporal-sort-last"));
  }

  processElement(row: Row, ctx: Context): void {
    const ts = this.timeOf(row);
    const timers = ctx.timerService();
    const last = this.lastEmitted.value();
    if (last !== undefined && ts <= last) return; // late: its time's batch has gone out
    const rows = this.held.value() ?? [];
    // After the last row that does not sort after it: equal keys keep arrival order.
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(rows[mid] as Row, row) <= 0) lo = mid + 1;
      else hi = mid;
    }
    rows.splice(lo, 0, row);
    this.held.update(rows);
    timers.registerEventTimeTimer(ts);
  }

  onTimer(ts: number, _ctx: unknown, out: Out): void {
    const last = this.lastEmitted.value();
    if (last === undefined || ts > last) this.lastEmitted.update(ts);
    const rows = this.held.value();
    if (rows === undefined) return;
    let n = 0;
    while (n < rows.length && this.timeOf(rows[n] as Row) <= ts) n++;
    for (let i = 0; i < n; i++) out.collect(rows[i] as Row);
    if (n === rows.length) this.held.clear();
    else if (n > 0) this.held.update(rows.slice(n));
  }
}

/** Sorts rows by processing time: arrival order, then the further keys (see the file's comment). */
export class ProctimeSortFunction implements KeyedProcessFunction<string, Row, Row> {
  private held!: ValueState<Row[]>;

  /** @param compare - the ORDER BY's order; undefined when it has no key after the processing time */
  constructor(private readonly compare: ((a: Row, b: Row) => number) | undefined) {}

  open(ctx: Open): void {
    this.held = ctx.getState(valueState<Row[]>("sql-proctime-sort"));
  }

  processElement(row: Row, ctx: Context, out: Out): void {
    if (this.compare === undefined) {
      out.collect(row);
      return;
    }
    const rows = this.held.value() ?? [];
    rows.push(row);
    this.held.update(rows);
    const timers = ctx.timerService();
    // Flink's ProcTimeSortOperator: the rows held fire together one millisecond later.
    timers.registerProcessingTimeTimer(timers.currentProcessingTime() + 1);
  }

  onTimer(_ts: number, _ctx: unknown, out: Out): void {
    const rows = this.held.value();
    if (rows === undefined) return;
    this.held.clear();
    // Array.prototype.sort is stable: equal keys keep arrival order.
    for (const r of rows.sort(this.compare)) out.collect(r);
  }
}
