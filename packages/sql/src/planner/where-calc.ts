/**
 * The WHERE of a query as a Calc on its input rows, for every planner of one (projections, group
 * and window aggregations). Apart from current-watermark.ts, which the expression compiler
 * imports, so that this module's use of the compiler makes no import cycle.
 */

import type { DataStream } from "@fleuve/core";
import type { Expr } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { compileExpression, type Scope } from "./compile-expression.js";
import { calcWithWatermark, watermarkCell, withCurrentWatermark } from "./current-watermark.js";
import type { Relation } from "./relation.js";
import type { Row } from "./values.js";

/**
 * `stream` (rows of `input`) filtered by the WHERE condition `where` compiled against `scope` (a
 * scope over `input`'s rows): a Calc that reads the operator's watermark when the condition
 * calls CURRENT_WATERMARK, a plain filter otherwise. Every planner of a WHERE on input rows
 * (projections, group and window aggregations) goes through here, so the late-row filter of
 * Flink's docs works before an aggregation as well.
 */
export function whereCalc(
  stream: DataStream<Row>,
  where: Expr,
  input: Pick<Relation, "columns" | "alias" | "rowtime" | "rowtimeCopies">,
  scope: Scope<Row>,
): DataStream<Row> {
  const cell = watermarkCell();
  const cond = compileExpression(where, withCurrentWatermark(scope, input, cell)).eval;
  const filtered = cell.used
    ? calcWithWatermark(stream, cell, (row) => (cond(row) === true ? row : undefined))
    : stream.filter((row) => cond(row) === true);
  return filtered.name(`Calc(where=[${printExpr(where)}])`);
}
