/**
 * `LAG(value [, offset [, default]]) OVER (...)`, as Flink's streaming LagAggFunction runs it:
 * the accumulator keeps the last `offset + 1` values of the partition (NULLs too) in arrival
 * order, and the result is the first of them once there are `offset + 1`, else the default
 * (NULL without one). The offset and the default are read from each row, as Flink's accumulate
 * does (the last row's win). Rows with the same time in a RANGE frame are all accumulated before
 * any is emitted, so they share their result, as in Flink.
 *
 * Where Flink refuses, so does Fleuve, with Flink's message: `LEAD` in streaming mode, and `LAG`
 * over a bounded frame (a bounded OVER frame retracts the rows leaving it, and LAG has no
 * retraction).
 */

import type { DataType, Expr } from "../parser/ast.js";
import { type Compiled, compileExpression, type Scope } from "./compile-expression.js";
import { invalid, unsupported } from "./problems.js";
import type { Row } from "./values.js";

/** The window functions of this module. */
export const OFFSET_FUNCTIONS: ReadonlySet<string> = new Set(["LAG", "LEAD"]);

/** A compiled LAG call. */
export interface LagCall {
  readonly value: Compiled<Row>;
  readonly offset: Compiled<Row> | undefined;
  readonly default: Compiled<Row> | undefined;
}

/** LAG's accumulator (Flink's LagAcc): the offset, the default and the buffer of values. */
interface LagAcc {
  offset: number;
  def: unknown;
  buffer: unknown[];
}

const INTEGERS = new Set(["TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT"]);

/**
 * The Java class Flink converts a value of type `t` to internally: LagAggFunction requires the
 * default's to be the value's (an INT default for a BIGINT value is refused).
 */
function conversionClass(t: DataType): string {
  if (t.kind !== "atomic") return t.kind;
  switch (t.name) {
    case "INT":
    case "INTEGER":
    case "DATE":
    case "TIME":
      return "Integer";
    case "VARCHAR":
    case "CHAR":
    case "STRING":
      return "StringData";
    case "TIMESTAMP":
    case "TIMESTAMP_LTZ":
      return "TimestampData";
    case "REAL":
      return "FLOAT";
    default:
      return t.name;
  }
}

const typeText = (t: DataType) => (t.kind === "atomic" ? t.name : t.kind.toUpperCase());

/**
 * Compiles `call` (LAG or LEAD with an OVER clause) over the input scope; `bounded` says whether
 * the frame has a bounded start. Refusals and argument errors name the function, line and column.
 */
export function compileLag(call: Expr & { kind: "call" }, inputScope: Scope<Row>, bounded: boolean): LagCall {
  const name = call.name;
  if (name === "LEAD")
    throw unsupported("LEAD(...) OVER (...)", call.pos, "LEAD Function is not supported in stream mode.");
  if (call.args.length < 1 || call.args.length > 3)
    throw invalid(`LAG takes 1 to 3 arguments, got ${call.args.length}`, call.pos, { function: name });
  if (call.args.some((a) => a.kind === "star"))
    throw invalid("LAG(*) is not valid", call.pos, { function: name });
  if (call.distinct) throw invalid("LAG(DISTINCT ...) is not valid", call.pos, { function: name });
  if (call.filter !== undefined)
    throw invalid("FILTER is not valid with LAG: it is not an aggregate function", call.pos, {
      function: name,
    });
  if (bounded)
    throw unsupported(
      "LAG(...) OVER a bounded frame",
      call.pos,
      "LAG Function with retraction is not supported in stream mode. Use ROWS/RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (the default)",
    );
  const [valueExpr, offsetExpr, defaultExpr] = call.args as [Expr, Expr | undefined, Expr | undefined];
  const value = compileExpression(valueExpr, inputScope);
  let offset: Compiled<Row> | undefined;
  if (offsetExpr !== undefined) {
    offset = compileExpression(offsetExpr, inputScope);
    const t = offset.type;
    if (t !== undefined && !(t.kind === "atomic" && INTEGERS.has(t.name)))
      throw invalid(`LAG's offset must be an integer, got ${typeText(t)}`, call.pos, { function: name });
    // A constant offset (`2`, `-1`) is checked now; one read from the row, when it is accumulated.
    const constant =
      offsetExpr.kind === "literal" || (offsetExpr.kind === "unary" && offsetExpr.operand.kind === "literal");
    const n = constant ? offset.eval({}) : undefined;
    if (typeof n === "number" && n < 0)
      throw invalid(`LAG's offset ${n} is negative: Offset(${n}) should be positive.`, call.pos, {
        function: name,
      });
  }
  let def: Compiled<Row> | undefined;
  if (defaultExpr !== undefined) {
    def = compileExpression(defaultExpr, inputScope);
    const vt = value.type;
    const dt = def.type;
    if (vt !== undefined && dt !== undefined && conversionClass(vt) !== conversionClass(dt))
      throw invalid(
        `LAG's default value has type ${typeText(dt)}, its value ${typeText(vt)}: Please explicitly cast default value to ${typeText(vt)}.`,
        call.pos,
        { function: name },
      );
  }
  return { value, offset, default: def };
}

/** LAG's result type: the value's, nullable. */
export function lagType(l: LagCall): DataType | undefined {
  return l.value.type === undefined ? undefined : { ...l.value.type, notNull: false };
}

/** What a row gives LAG: `[value, offset, default]` (NULL values count). */
export function lagInputOf(l: LagCall, row: Row): unknown {
  return [l.value.eval(row), l.offset?.eval(row), l.default?.eval(row)];
}

/** A fresh accumulator: offset 1, no default, no value. */
export function createLagAcc(): LagAcc {
  return { offset: 1, def: null, buffer: [] };
}

/**
 * Adds one row's input (Flink's accumulate: the row's offset and default replace the
 * accumulator's, then the value goes in and the buffer keeps the last `offset + 1`).
 * @throws Error for a NULL or negative offset (Flink: "Offset(n) should be positive.").
 */
export function updateLagAcc(l: LagCall, acc: unknown, input: unknown): LagAcc {
  const a = acc as LagAcc;
  const [v, offset, def] = input as [unknown, unknown, unknown];
  if (l.offset !== undefined) {
    if (offset === null || offset === undefined) throw new Error("LAG: the offset is NULL");
    const n = Number(offset);
    if (n < 0) throw new Error(`Offset(${n}) should be positive.`);
    a.offset = n;
  }
  if (l.default !== undefined) a.def = def ?? null;
  a.buffer.push(v ?? null);
  while (a.buffer.length > a.offset + 1) a.buffer.shift();
  return a;
}

/** The result: the value `offset` rows back, or the default when there are not that many. */
export function lagResult(acc: unknown): unknown {
  const a = acc as LagAcc;
  return a.buffer.length < a.offset + 1 ? a.def : (a.buffer[0] ?? null);
}
