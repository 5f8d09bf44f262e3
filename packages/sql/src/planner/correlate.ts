/**
 * Flink's Correlate: each row of a relation joined with the rows an expression of that row gives
 * (a user table function in `LATERAL TABLE(f(t.x))`, the elements of `UNNEST(t.arr)`). The join
 * forms are the ones Flink takes: `FROM t, X`, `t CROSS JOIN X`, `t [INNER] JOIN X ON cond`, and
 * `t LEFT JOIN X ON TRUE`, which keeps a row that gives nothing, with NULLs. The rows keep their
 * input's kind, so an updating input gives an updating result.
 */

import type { Expr, SourcePos, TableAlias, TableRef } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { withKindOf } from "./changelog.js";
import { paddedColumns } from "./common-columns.js";
import { compileExpression } from "./compile-expression.js";
import { invalid, unsupported } from "./problems.js";
import { type Column, joinedColumns, type Relation, rowScope } from "./relation.js";
import { type Row, setColumn } from "./values.js";

type JoinRef = TableRef & { kind: "join" };

/** What the right side of a correlate gives for each row of the left side. */
export interface CorrelatedRows {
  /** How messages name the right side: `a table function`, `UNNEST`. */
  readonly what: string;
  /** How it is written, for messages: `LATERAL TABLE(...)`, `UNNEST(...)`. */
  readonly written: string;
  /** What gives the rows, in the message of an alias with too few or too many names: `f`, `UNNEST`. */
  readonly label: string;
  /** The right side's alias (`AS T(a, b)`), which may rename every column. */
  readonly alias: TableAlias | undefined;
  /** Where the right side is written, for messages. */
  readonly pos: SourcePos | undefined;
  /** The error a failure of the ON condition on a row is raised as, if not itself (the right side's own failures are its {@link rows}' to name). */
  readonly failed?: (err: unknown) => unknown;
  /** The operator's name in the job graph and EXPLAIN, e.g. `invocation=[f(x)]` (without the join type). */
  readonly invocation: string;
  /**
   * Plans the right side over the left side's columns: its columns (before any alias) and a
   * function of each left row to its rows' values in the order of those columns.
   */
  readonly plan: (left: Relation) => {
    readonly columns: readonly Column[];
    readonly rows: (row: Row) => Iterable<readonly unknown[]> | null | undefined;
  };
}

/**
 * Whether join `ref` is one a correlate runs: an inner or cross join, or a LEFT join ON TRUE.
 * Throws FLEUVE_SQL_UNSUPPORTED, with the form to write instead, for the others.
 */
function correlateJoinType(ref: JoinRef, right: CorrelatedRows): { outer: boolean } {
  const outer = ref.type === "LEFT";
  if (ref.type === "RIGHT" || ref.type === "FULL" || ref.natural || ref.using !== undefined)
    throw unsupported(
      `${ref.natural ? "NATURAL " : ""}${ref.type} JOIN with ${right.what}`,
      right.pos,
      `use CROSS JOIN ${right.written} or LEFT JOIN ${right.written} ON TRUE`,
    );
  // Flink takes only ON TRUE after a LEFT JOIN of a correlate (a condition would drop, not pad, rows).
  if (outer && !isTrue(ref.on))
    throw unsupported(
      `LEFT JOIN ${right.written} ON a condition`,
      right.pos,
      "write ON TRUE and filter in WHERE",
    );
  return { outer };
}

function isTrue(on: Expr | undefined): boolean {
  return on === undefined || (on.kind === "literal" && on.type === "boolean" && on.value === true);
}

/** Plans join `ref` of `ref.left` with `right` (see the module comment). */
export function planCorrelate(
  ref: JoinRef,
  planSide: (r: TableRef) => Relation,
  right: CorrelatedRows,
): Relation {
  const { outer } = correlateJoinType(ref, right);
  const left = planSide(ref.left);
  const { columns, rows: rowsOf } = right.plan(left);
  const names = right.alias?.columns ?? [];
  if (names.length > 0 && names.length !== columns.length)
    throw invalid(
      `the alias ${right.alias?.name ?? ""} names ${names.length} columns, ${right.label} returns ${columns.length}`,
      right.pos,
      { function: right.label },
    );
  const own = names.length === 0 ? columns : columns.map((c, i) => ({ ...c, name: names[i] as string }));
  const joined = joinedColumns(left, own, right.alias?.name);
  const keys = own.map((c) => joined.rename.get(c.name) as string);
  const width = keys.length;
  const relation = { columns: [...joined.left, ...joined.right], alias: undefined };
  const on = isTrue(ref.on) ? undefined : compileExpression(ref.on as Expr, rowScope(relation)).eval;

  const failed = right.failed ?? ((err: unknown) => err);
  const holds = (cond: (r: Row) => unknown, out: Row): boolean => {
    try {
      return cond(out) === true;
    } catch (err) {
      throw failed(err);
    }
  };
  const stream = left.stream
    .flatMap((row): Row[] => {
      const rows: Row[] = [];
      // A failure rejects the whole input row (none of its rows is emitted): to the error policy.
      const given = rowsOf(row);
      if (given !== null && given !== undefined)
        for (const values of given) {
          const out: Row = { ...row };
          for (let i = 0; i < width; i++) setColumn(out, keys[i] as string, values[i] ?? null);
          if (on === undefined || holds(on, out)) rows.push(withKindOf(out, row));
        }
      if (rows.length === 0 && outer) {
        const out: Row = { ...row };
        for (const k of keys) setColumn(out, k, null);
        rows.push(withKindOf(out, row));
      }
      return rows;
    })
    .name(
      `Correlate(${right.invocation}, joinType=[${outer ? "LEFT" : "INNER"}]${on === undefined ? "" : `, condition=[${printExpr(ref.on as Expr)}]`})`,
    );
  return {
    stream,
    // LEFT ... ON TRUE pads the right side with NULLs where it gives no row: its columns are nullable.
    columns: outer ? [...joined.left, ...paddedColumns(joined.right)] : relation.columns,
    rowtime: left.rowtime,
    proctime: left.proctime,
    // Several rows per input row: the input's unique key is no longer one.
    changelog: { ...left.changelog, uniqueKey: undefined },
  };
}
