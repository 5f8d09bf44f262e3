/**
 * A streaming LIMIT without ORDER BY (`SELECT ... LIMIT n [OFFSET m]`, `FETCH FIRST n ROWS
 * ONLY`), as Flink's StreamExecLimit runs it over an insert-only input (AppendOnlyFirstNFunction):
 * rows m+1 to m+n in arrival order are forwarded, the others dropped; the output is insert-only.
 * Every row has the same key, so one subtask counts them, and the count is keyed state (it
 * survives a restore).
 */

import type { KeyedProcessFunction, ValueState } from "@fleuve/core";
import { valueState } from "@fleuve/core";
import type { Row } from "../planner/values.js";

type Open = Parameters<NonNullable<KeyedProcessFunction<string, Row, Row>["open"]>>[0];

/** Forwards rows `offset + 1` to `offset + fetch` of its input (all of them after `offset` when `fetch` is undefined). */
export class LimitFunction implements KeyedProcessFunction<string, Row, Row> {
  private count!: ValueState<number>;

  constructor(
    private readonly offset: number,
    private readonly fetch: number | undefined,
  ) {}

  open(ctx: Open): void {
    this.count = ctx.getState(valueState<number>("sql-limit-count"));
  }

  processElement(row: Row, _ctx: unknown, out: { collect(r: Row): void }): void {
    const seen = this.count.value() ?? 0;
    if (this.fetch !== undefined && seen >= this.offset + this.fetch) return;
    this.count.update(seen + 1);
    if (seen >= this.offset) out.collect(row);
  }
}
