/**
 * Window Top-N and window deduplication (Flink's WindowRankOperator and
 * RowTimeWindowDeduplicateOperator): `ROW_NUMBER() OVER (PARTITION BY window_start, window_end
 * [, k] ORDER BY ...) AS rn ... WHERE rn <= N` over the rows of a window TVF or a window
 * aggregation. A partition's rows are held until the watermark passes the window's end, then
 * sorted (equal sort keys in arrival order, or the last arrival first when keeping the last row
 * by time) and ranks `start..end` come out once, insert-only; the state is dropped. A row whose
 * window has already fired is late and dropped, also after a restore: the planner keeps the
 * operator's watermark in checkpoints (`restoreWatermark`), as Flink's WindowAggOperator, which
 * runs both, keeps its own. Windows of a zone's wall clock fire as the zone's windows do
 * (zoned-windows.ts).
 */

import type { KeyedProcessFunction, ValueState } from "@fleuve/core";
import { valueState } from "@fleuve/core";
import type { Row } from "../planner/values.js";
import type { WindowFiring } from "./zoned-windows.js";

/** What a window rank needs from the planner. */
export interface WindowRankSpec {
  readonly compare: (a: Row, b: Row) => number;
  readonly start: number;
  readonly end: number;
  /** The rank column's name when the query outputs it. */
  readonly rankColumn: string | undefined;
  /** The row's window end (epoch ms). */
  readonly windowEnd: (row: Row) => number;
  /** When a window fires, from its end. */
  readonly firing: WindowFiring;
  /** Equal sort keys: the later arrival ranks first (window deduplication keeping the last row). */
  readonly lastArrivalFirst: boolean;
}

type Open = Parameters<NonNullable<KeyedProcessFunction<string, Row, Row>["open"]>>[0];
type Context = Parameters<KeyedProcessFunction<string, Row, Row>["processElement"]>[1];

/** The keyed window rank function (see the file's comment). */
export class WindowRankFunction implements KeyedProcessFunction<string, Row, Row> {
  private state!: ValueState<Row[]>;

  constructor(private readonly spec: WindowRankSpec) {}

  open(ctx: Open): void {
    this.state = ctx.getState(valueState<Row[]>("sql-window-rank"));
  }

  processElement(row: Row, ctx: Context): void {
    const fireAt = this.spec.firing.fireAt(this.spec.windowEnd(row));
    const timers = ctx.timerService();
    if (fireAt <= timers.currentWatermark()) return; // its window has fired
    const rows = this.state.value();
    if (rows === undefined) {
      timers.registerEventTimeTimer(fireAt);
      this.state.update([row]);
    } else {
      rows.push(row);
      this.state.update(rows);
    }
  }

  onTimer(_ts: number, _ctx: unknown, out: { collect(r: Row): void }): void {
    const rows = this.state.value();
    this.state.clear();
    if (rows === undefined) return;
    const { compare, start, end, rankColumn, lastArrivalFirst } = this.spec;
    const order = rows.map((r, i) => [r, i] as const);
    order.sort((a, b) => compare(a[0], b[0]) || (lastArrivalFirst ? b[1] - a[1] : a[1] - b[1]));
    const top = order.slice(start - 1, end);
    top.forEach(([r], i) => {
      out.collect(rankColumn === undefined ? r : { ...r, [rankColumn]: start + i });
    });
  }
}
