/**
 * Deduplication on event time (`ROW_NUMBER() OVER (PARTITION BY k ORDER BY rowtime ASC|DESC) AS
 * rn ... WHERE rn = 1`, rn not selected), as Flink's deduplicate functions:
 *
 * - keep the first row (`ASC`, Flink's RowTimeDeduplicateKeepFirstRowFunction since Flink 2.1):
 *   the earliest row per key is held until the watermark passes its time, then emitted once, so
 *   the output is insert-only; a row older than the watermark is late and dropped, and rows of a
 *   key that has emitted are ignored;
 * - keep the last row (`DESC`, Flink's RowTimeDeduplicateFunction): a row at or after the time
 *   of the key's current row replaces it at once, `+I` for the first and `-U` old / `+U` new
 *   after (an updating output); an older row is ignored.
 *
 * And on processing time (`ORDER BY proc_time`, Flink's ProcTimeDeduplicateKeepFirstRowFunction
 * and ...KeepLastRowFunction): the first row to arrive per key is emitted at once and the others
 * ignored (insert-only), or every arrival replaces the key's row (`+I`, then `-U`/`+U`).
 */

import type { KeyedProcessFunction, ValueState } from "@fleuve/core";
import { valueState } from "@fleuve/core";
import { withKind } from "../planner/changelog.js";
import type { Row } from "../planner/values.js";

type Out = { collect(r: Row): void };
type Open = Parameters<NonNullable<KeyedProcessFunction<string, Row, Row>["open"]>>[0];
type Context = Parameters<KeyedProcessFunction<string, Row, Row>["processElement"]>[1];

/** Per key: the row waiting for the watermark, or that the key has emitted its row. */
interface FirstRowState {
  pending?: Row;
  emitted?: boolean;
}

/** Keeps the first row per key by event time; insert-only (see the file's comment). */
export class RowtimeFirstRowFunction implements KeyedProcessFunction<string, Row, Row> {
  private state!: ValueState<FirstRowState>;

  constructor(private readonly timeOf: (row: Row) => number) {}

  open(ctx: Open): void {
    this.state = ctx.getState(valueState<FirstRowState>("sql-dedup-first"));
  }

  processElement(row: Row, ctx: Context): void {
    const ts = this.timeOf(row);
    const timers = ctx.timerService();
    if (ts < timers.currentWatermark()) return; // late
    const s = this.state.value() ?? {};
    if (s.emitted === true) return;
    if (s.pending !== undefined) {
      const pendingTs = this.timeOf(s.pending);
      if (ts >= pendingTs) return;
      timers.deleteEventTimeTimer(pendingTs);
    }
    timers.registerEventTimeTimer(ts);
    this.state.update({ pending: row });
  }

  onTimer(_ts: number, _ctx: unknown, out: Out): void {
    const s = this.state.value();
    if (s?.pending === undefined) return;
    out.collect(s.pending);
    this.state.update({ emitted: true });
  }
}

/** Keeps the last row per key by event time; updating (see the file's comment). */
export class RowtimeLastRowFunction implements KeyedProcessFunction<string, Row, Row> {
  private state!: ValueState<Row>;

  constructor(private readonly timeOf: (row: Row) => number) {}

  open(ctx: Open): void {
    this.state = ctx.getState(valueState<Row>("sql-dedup-last"));
  }

  processElement(row: Row, _ctx: unknown, out: Out): void {
    const prev = this.state.value();
    if (prev !== undefined && this.timeOf(prev) > this.timeOf(row)) return;
    this.state.update(row);
    if (prev === undefined) out.collect({ ...row });
    else {
      out.collect(withKind({ ...prev }, "-U"));
      out.collect(withKind({ ...row }, "+U"));
    }
  }
}

/** Keeps the first row per key to arrive (processing time); insert-only. */
export class ProctimeFirstRowFunction implements KeyedProcessFunction<string, Row, Row> {
  private state!: ValueState<boolean>;

  open(ctx: Open): void {
    this.state = ctx.getState(valueState<boolean>("sql-dedup-proctime-first"));
  }

  processElement(row: Row, _ctx: unknown, out: Out): void {
    if (this.state.value() === true) return;
    this.state.update(true);
    out.collect(row);
  }
}
