/**
 * `(t1, t2) OVERLAPS (t3, t4)`, the SQL period predicate, as Flink 1.20 plans it (Calcite's
 * StandardConvertletTable.convertOverlaps): each period is a start and an end, or a start and
 * an interval (end = start + interval, with the date-time arithmetic of `+`: a TIME wraps around
 * midnight); its points are put in order (s <= e), and the periods overlap when `e1 >= s2 AND
 * s1 <= e2`, closed at both ends (periods that touch overlap), in SQL's three-valued logic.
 */

import type { DataType, Expr } from "../parser/ast.js";
import { printType } from "../parser/printer.js";
import { atomic } from "./data-types.js";
import { invalid } from "./problems.js";

/** A compiled expression (compile-expression.ts's Compiled). */
interface Part<I> {
  readonly eval: (input: I) => unknown;
  readonly type?: DataType | undefined;
}

const DATE_TIMES: ReadonlySet<string> = new Set(["DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ"]);

/**
 * The date-time type name of `t` (TIMESTAMP WITH LOCAL TIME ZONE, in either spelling, as
 * TIMESTAMP_LTZ: a distinct type, that OVERLAPS does not mix with TIMESTAMP).
 */
const dateTimeName = (t: DataType | undefined) =>
  t?.kind === "atomic" && DATE_TIMES.has(t.name)
    ? t.name === "TIMESTAMP" && t.timeZone === "local"
      ? "TIMESTAMP_LTZ"
      : t.name
    : undefined;

/** SQL `a <= b` of two date-times held as numbers: NULL when either is. */
const le = (a: unknown, b: unknown): boolean | null =>
  a === null || b === null ? null : (a as number) <= (b as number);

/** SQL AND. */
const and = (a: boolean | null, b: boolean | null): boolean | null =>
  a === false || b === false ? false : a === null || b === null ? null : true;

/**
 * The evaluation of `e` (an OVERLAPS), its operands compiled by `sub`. Refuses operands that are
 * not rows of two values, a start that is not a date-time, or an end of another type.
 */
export function compileOverlaps<I>(
  e: Expr & { kind: "binary" },
  sub: (x: Expr) => Part<I>,
): { eval: (input: I) => unknown; type: DataType } {
  const period = (side: Expr, which: string): [Part<I>, Part<I>] => {
    if (side.kind !== "row" || side.values.length !== 2)
      throw invalid(
        `OVERLAPS' ${which} operand must be a period (start, end) or (start, interval) of two values`,
      );
    const [s, x] = side.values as [Expr, Expr];
    const start = sub(s);
    const second = sub(x);
    const endExpr: Expr =
      second.type?.kind === "interval" ? { kind: "binary", op: "+", left: s, right: x } : x;
    const end = endExpr === x ? second : sub(endExpr);
    const name = dateTimeName(start.type);
    if (start.type !== undefined && name === undefined)
      throw invalid(
        `OVERLAPS' ${which} period must start with a DATE, TIME or TIMESTAMP, not ${printType(start.type)}`,
      );
    const endName = dateTimeName(end.type);
    if (end.type !== undefined && start.type !== undefined && endName !== name)
      throw invalid(
        `OVERLAPS' ${which} period must end with a ${name} or an interval, not ${printType(second.type as DataType)}`,
      );
    return [start, end];
  };
  const [a, b] = period(e.left, "left");
  const [c, d] = period(e.right, "right");
  const [ta, tc] = [dateTimeName(a.type), dateTimeName(c.type)];
  // Calcite's SqlOverlapsOperator.checkOperandTypes wants the same type name for both starts:
  // TIMESTAMP and TIMESTAMP_LTZ hold different instants for one number, so they do not mix.
  if (ta !== undefined && tc !== undefined && ta !== tc)
    throw invalid(`OVERLAPS compares periods of one type, not of ${ta} and ${tc}`);
  return {
    eval: (r) => {
      const [r0, r1, r2, r3] = [a.eval(r), b.eval(r), c.eval(r), d.eval(r)];
      // CASE WHEN r0 <= r1 THEN r0 ELSE r1 END, and so on: a NULL comparison takes the ELSE.
      const in0 = le(r0, r1) === true;
      const in1 = le(r2, r3) === true;
      const [s0, e0] = in0 ? [r0, r1] : [r1, r0];
      const [s1, e1] = in1 ? [r2, r3] : [r3, r2];
      return and(le(s1, e0), le(s0, e1));
    },
    type: atomic("BOOLEAN"),
  };
}
