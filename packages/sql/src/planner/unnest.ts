/**
 * `UNNEST(collection)`: a row for each element of an ARRAY or MULTISET, or each entry of a MAP, of
 * the row it is joined with (Flink's UNNEST, a Correlate: `FROM t CROSS JOIN UNNEST(t.tags) AS
 * u (tag)`, `FROM t, UNNEST(...)`, `t LEFT JOIN UNNEST(...) ON TRUE`), or of a constant collection
 * on its own (`SELECT * FROM UNNEST(ARRAY[1, 2]) AS u (x)`).
 *
 * The columns are Calcite's: an ARRAY or MULTISET of ROWs gives the row's fields, one of anything
 * else one column `EXPR$0`; a MAP gives `KEY` and `VALUE`. A MULTISET gives an element as many
 * times as it counts. A NULL collection gives no row (NULLs after a LEFT JOIN), a NULL element a
 * row of NULL.
 */

import type { DataType, Expr, SourcePos, TableRef } from "../parser/ast.js";
import { printExpr, printType } from "../parser/printer.js";
import { compileExpression } from "./compile-expression.js";
import { planCorrelate } from "./correlate.js";
import { invalid, unsupported } from "./problems.js";
import { type Column, type Relation, rowScope } from "./relation.js";
import { rowFields, valueOfKey } from "./values.js";

type JoinRef = TableRef & { kind: "join" };
type UnnestRef = TableRef & { kind: "unnest" };

/** Whether join `ref` has UNNEST(...) on its right. */
export function isUnnestJoin(ref: JoinRef): boolean {
  return ref.right.kind === "unnest";
}

/** The element or entry of a collection of type `t`, as its columns' values. */
type Expand = (collection: unknown) => (readonly unknown[])[];

/** The columns UNNEST gives for a collection of type `t`, and how it expands a value of it. */
function unnestOf(
  t: DataType | undefined,
  pos: SourcePos | undefined,
): { columns: Column[]; expand: Expand } {
  if (t === undefined)
    // A value of unknown type (an untyped user function's result): an array's elements, one column.
    return {
      columns: [{ name: "EXPR$0", type: undefined }],
      expand: (c) => {
        if (!Array.isArray(c))
          throw new Error(`UNNEST takes an ARRAY, a MAP or a MULTISET, got ${String(c)}`);
        return c.map((v) => [v ?? null]);
      },
    };
  if (t.kind === "map") {
    const key = t.key;
    return {
      columns: [
        { name: "KEY", type: key },
        { name: "VALUE", type: t.value },
      ],
      expand: (m) =>
        m instanceof Map
          ? Array.from(m, ([k, v]) => [k ?? null, v ?? null])
          : Object.entries(m as object).map(([k, v]) => [valueOfKey(k, key), v ?? null]),
    };
  }
  if (t.kind !== "array" && t.kind !== "multiset")
    throw invalid(`UNNEST takes an ARRAY, a MAP or a MULTISET, got ${printType(t)}`, pos);
  const element = t.element;
  // Each element as its columns: a ROW's fields, or the element itself.
  const columnsOf: (v: unknown) => readonly unknown[] =
    element.kind === "row"
      ? (v) =>
          v === null || v === undefined ? element.fields.map(() => null) : rowFields(v as object, element)
      : (v) => [v ?? null];
  const columns: Column[] =
    element.kind === "row"
      ? element.fields.map((f) => ({ name: f.name, type: f.type }))
      : [{ name: "EXPR$0", type: element }];
  if (t.kind === "array") return { columns, expand: (a) => (a as unknown[]).map(columnsOf) };
  return {
    columns,
    expand: (m) => {
      const out: (readonly unknown[])[] = [];
      for (const [text, n] of Object.entries(m as Record<string, number>)) {
        const values = columnsOf(valueOfKey(text, element));
        for (let i = 0; i < n; i++) out.push(values);
      }
      return out;
    },
  };
}

/** Where UNNEST is written: its first argument's position, the nearest one the syntax tree keeps. */
function positionOf(ref: UnnestRef, fallback: SourcePos | undefined): SourcePos | undefined {
  const first = ref.args[0] as (Expr & { pos?: SourcePos }) | undefined;
  return first?.pos ?? fallback;
}

/** Plans join `ref` of `ref.left` with the UNNEST(...) on its right (see the module comment). */
export function planUnnest(
  ref: JoinRef,
  planSide: (r: TableRef) => Relation,
  pos: SourcePos | undefined,
): Relation {
  const right = ref.right as UnnestRef;
  const at = positionOf(right, pos);
  if (right.args.length !== 1)
    throw unsupported("UNNEST of several collections", at, "unnest one collection per UNNEST(...)");
  if (right.withOrdinality) throw unsupported("UNNEST ... WITH ORDINALITY", at);
  const arg = right.args[0] as Expr;
  return planCorrelate(ref, planSide, {
    what: "UNNEST",
    written: "UNNEST(...)",
    label: "UNNEST",
    alias: right.alias,
    pos: at,
    invocation: `invocation=[UNNEST(${printExpr(arg)})]`,
    plan: (left) => {
      const compiled = compileExpression(arg, rowScope(left));
      const { columns, expand } = unnestOf(compiled.type, at);
      const evaluate = compiled.eval;
      return {
        columns,
        rows: (row) => {
          const c = evaluate(row);
          return c === null || c === undefined ? undefined : expand(c);
        },
      };
    },
  });
}
