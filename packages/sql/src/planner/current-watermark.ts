/**
 * `CURRENT_WATERMARK(rowtime)` (Flink's systemFunctions): the watermark of the operator evaluating
 * it, typed as the rowtime attribute with precision 3 and nullable, NULL before the operator's
 * first watermark. The argument must be the input's rowtime attribute. Fleuve evaluates it in the
 * WHERE of any query (with GROUP BY or a window TVF aggregation too: the WHERE is a Calc on the
 * input rows, before the aggregation, as in Flink) and in the select list of a query without
 * GROUP BY (Flink's Calc): that Calc then runs as a process function and, per row, stores the watermark its context reports
 * (`ctx.timerService().currentWatermark()`) in a cell the compiled call reads. Per Calc one cell:
 * a row is evaluated right after the cell is set, before the row goes downstream, so a chained
 * operator's own cell never interferes.
 */

import type { DataStream, ProcessContext } from "@fleuve/core";
import type { DataType, Expr, SourcePos } from "../parser/ast.js";
import { printType } from "../parser/printer.js";
import type { Compiled, Scope } from "./compile-expression.js";
import { invalid } from "./problems.js";
import { findColumn, type Relation } from "./relation.js";
import { isTimestampType, type Row } from "./values.js";

/** The watermark a Calc last saw while evaluating a row (-Infinity: none yet). */
export interface WatermarkCell {
  value: number;
  /** Whether an expression compiled against the cell's scope reads it. */
  used: boolean;
}

/** A fresh cell: no watermark, unread. */
export function watermarkCell(): WatermarkCell {
  return { value: Number.NEGATIVE_INFINITY, used: false };
}

/**
 * The refusal of `CURRENT_WATERMARK(arg)` whose argument is not a rowtime attribute (Flink's
 * CurrentWatermarkInputTypeStrategy messages); `type` is the argument's type.
 */
export function notRowtimeArgument(type: DataType | undefined, pos: SourcePos | undefined): Error {
  const text = type === undefined ? "unknown" : printType(type);
  return isTimestampType(type)
    ? invalid(
        `The argument of CURRENT_WATERMARK() must be a rowtime attribute, but was '${text}' (Fleuve evaluates CURRENT_WATERMARK in the WHERE of a query, and in the select list of a query without GROUP BY, over a table with a WATERMARK)`,
        pos,
      )
    : invalid(
        `CURRENT_WATERMARK() must be called with a single rowtime attribute argument, but '${text}' cannot be a time attribute`,
        pos,
      );
}

/**
 * `scope` with `CURRENT_WATERMARK(col)` evaluated from `cell`, `col` being `rel`'s rowtime
 * attribute (or a copy of it selected as is); other expressions as `scope` evaluates them.
 */
export function withCurrentWatermark(
  scope: Scope<Row>,
  rel: Pick<Relation, "columns" | "alias" | "rowtime" | "rowtimeCopies">,
  cell: WatermarkCell,
): Scope<Row> {
  return {
    column: (name, pos) => scope.column(name, pos),
    intercept(e: Expr): Compiled<Row> | undefined {
      if (e.kind !== "call" || e.name !== "CURRENT_WATERMARK") return scope.intercept?.(e);
      const arg = e.args[0];
      if (e.args.length !== 1 || arg === undefined)
        throw invalid(
          `CURRENT_WATERMARK takes one argument, the rowtime attribute, got ${e.args.length}`,
          e.pos,
        );
      const col = arg.kind === "column" ? findColumn(rel, arg.name, arg.pos) : undefined;
      const rowtimes = [rel.rowtime, ...(rel.rowtimeCopies ?? [])];
      if (col === undefined || !rowtimes.includes(col.name)) {
        const type = arg.kind === "column" ? scope.column(arg.name, arg.pos).type : undefined;
        throw notRowtimeArgument(type, e.pos);
      }
      cell.used = true;
      const base = col.type?.kind === "atomic" ? col.type.name : "TIMESTAMP";
      const type: DataType = { kind: "atomic", name: base, args: [3], notNull: false };
      return { eval: () => (cell.value === Number.NEGATIVE_INFINITY ? null : cell.value), type };
    },
  };
}

/**
 * `stream` through `fn` (a filter or projection of one row, undefined to drop it) as a process
 * function that first stores the operator's current watermark in `cell`.
 */
export function calcWithWatermark(
  stream: DataStream<Row>,
  cell: WatermarkCell,
  fn: (row: Row) => Row | undefined,
): DataStream<Row> {
  return stream.process<Row>({
    processElement(row: Row, ctx: ProcessContext, out) {
      cell.value = ctx.timerService().currentWatermark();
      const result = fn(row);
      if (result !== undefined) out.collect(result);
    },
  });
}
