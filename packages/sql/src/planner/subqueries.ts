/**
 * Subqueries in expressions, decorrelated into joins as Flink's planner does (Calcite's
 * SubQueryRemoveRule and decorrelator):
 *
 * - `x IN (SELECT y ...)` and `EXISTS (SELECT ...)` as a conjunct of WHERE: a **semi join** of the
 *   query's rows with the subquery's (runtime/streaming-join.ts, `SEMI`): a row is sent while at
 *   least one row of the subquery matches it. `NOT IN` and `NOT EXISTS`: an **anti join**. NOT IN
 *   is null-aware, as Flink's: its condition is `(x = y) IS NOT FALSE`, so a NULL on either side
 *   makes the row match (hence not pass), and an empty subquery lets every row pass, NULL x too.
 * - a scalar subquery `(SELECT ...)` in WHERE or in the select list of a query without GROUP BY:
 *   a **left join** with the subquery's rows, which fails the job when a key has more than one
 *   (Flink's SINGLE_VALUE check); no row gives NULL, or for an aggregate without GROUP BY its
 *   value over no rows (COUNT is 0: standard SQL; Flink's streaming mode gives NULL when the
 *   subquery is uncorrelated, see docs/sql.md).
 * - a subquery that always gives one row (an aggregate without GROUP BY): `EXISTS` of it is TRUE,
 *   as Calcite reduces it, and `x [NOT] IN` it is `x = (q)` (`<>`), a scalar subquery.
 *
 * A correlated subquery (`WHERE b.k = a.k`, `a` the outer query's) is decorrelated by the
 * equalities between an expression of its own rows and one of the outer row among the conjuncts
 * of its WHERE: each inner expression becomes a column of the subquery (and a GROUP BY key of an
 * aggregating one), the join key on that side; the outer expression the key on the other. A
 * semi or anti join also takes the other correlated conjuncts (`b.v > a.v`, `a.v > 0`) as its
 * condition, as Flink's: the inner columns they read become hidden columns of the subquery
 * (`$sq0_c0`), and a pair matches when the conditions are TRUE; without any equality the join has
 * no key. A scalar or aggregating subquery correlated by such conditions is planned as Calcite's
 * decorrelator plans it for Flink: its rows joined with the outer query's distinct values of the
 * columns the conditions read (hidden columns `$sq0_o0`, ...), on the conditions, then grouped
 * by those values, which are the keys of the join with the outer rows. An outer reference
 * outside the WHERE is refused with FLEUVE_SQL_UNSUPPORTED naming the subquery.
 */

import { type DataStream, FleuveError } from "@fleuve/core";
import type { Expr, Query, Select, SelectItem, SourcePos } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { SqlStreamingJoinOperator, type StreamingJoinSpec } from "../runtime/streaming-join.js";
import {
  type ChangelogMode,
  INSERT_ONLY,
  isInsertOnly,
  ROW_KINDS,
  unionMode,
  withKindOf,
} from "./changelog.js";
import { type Compiled, compileExpression } from "./compile-expression.js";
import { jsonKey } from "./keys.js";
import { invalid, unsupported } from "./problems.js";
import { type Column, findColumn, type Relation, rowScope } from "./relation.js";
import { rowCombiner } from "./row-builders.js";
import { isAggregateName } from "./user-functions.js";
import type { Row } from "./values.js";
import { whereCalc } from "./where-calc.js";

/** The prefix of the hidden columns subqueries add (never expanded by `*`). */
export const HIDDEN_PREFIX = "$sq";

/**
 * What a correlated subquery is planned with: the outer query's columns, and the keys its
 * planning finds (filled by {@link decorrelate}).
 */
export interface Correlation {
  readonly outer: Pick<Relation, "columns" | "alias">;
  /** The prefix of the key columns the subquery gets (`$sq0_k0`, ...). */
  readonly tag: string;
  /** The subquery, as messages name it. */
  readonly text: string;
  /** Per correlated equality: the outer expression, the inner one, and the inner column. */
  readonly keys: { readonly outer: Expr; readonly inner: Expr; readonly column: string }[];
  /**
   * Where the other correlated conditions go, for a subquery planned as a semi or anti join
   * (Flink's join condition takes them); absent for a scalar subquery, which refuses them.
   */
  readonly residual?: Residual | undefined;
  /**
   * The outer query's relation and the join settings, for a subquery whose correlation
   * {@link decorrelate} plans as a join with the outer query's distinct values (see
   * {@link joinOuterValues}); absent when the subquery is only validated.
   */
  readonly values?: OuterValues | undefined;
}

/** What {@link joinOuterValues} plans with: the outer query's rows and the join's settings. */
export interface OuterValues {
  readonly outer: Relation;
  readonly stateTtlMs: number | undefined;
  readonly note?: ((mode: ChangelogMode) => void) | undefined;
  /** Plans a group aggregation (group-aggregate.ts, given by the caller: it imports this module). */
  readonly groupAggregate: GroupAggregatePlanner;
}

/** Plans a group aggregation of `input` for `select`, as group-aggregate.ts's planGroupAggregate. */
export type GroupAggregatePlanner = (
  select: Select,
  input: Relation,
  options: { readonly stateTtlMs?: number | undefined },
) => Relation;

/**
 * The correlated conditions of a subquery that are not equalities (`o.amount > e.v`, or on the
 * outer row only), filled by {@link decorrelate}: each with its inner columns replaced by the
 * hidden columns (`tag_c<i>`) the subquery gets, so it can be evaluated on the outer row with
 * those columns of an inner row added.
 */
export interface Residual {
  /** The rewritten conditions, with their text as written (for the join's name). */
  readonly conditions: { readonly expr: Expr; readonly text: string }[];
  /** Per inner column the conditions read: its reference in the subquery and its hidden column. */
  readonly columns: { readonly inner: Expr; readonly column: string }[];
  /**
   * The subquery is only validated, not run (an EXISTS reduced to TRUE): its conditions stay in
   * its WHERE, where an outer column is reported as one Fleuve SQL does not decorrelate.
   */
  readonly validateOnly?: boolean | undefined;
}

/** How the outer query plans a subquery, and the settings its joins take. */
export interface SubqueryPlanner {
  /** Plans `query` as a subquery; with `correlation`, its outer references are decorrelated. */
  readonly plan: (query: Query, correlation: Correlation) => Relation;
  readonly stateTtlMs: number | undefined;
  /** Plans the GROUP BY of a correlation's outer values (see {@link OuterValues}). */
  readonly groupAggregate: GroupAggregatePlanner;
  /** Told the changelog mode of each subquery and join planned (for EXPLAIN). */
  readonly note?: ((mode: ChangelogMode) => void) | undefined;
  /**
   * Plans `query` as {@link plan} does but into a scratch environment, so a subquery that is
   * reduced away (EXISTS of one row) is still validated without adding anything to the job.
   */
  readonly validate?: ((query: Query, correlation: Correlation) => void) | undefined;
}

type SubqueryExpr = Expr & { kind: "subquery" | "exists" | "inQuery" };

function conjuncts(e: Expr): Expr[] {
  return e.kind === "binary" && e.op === "AND" ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

function andAll(es: readonly Expr[]): Expr | undefined {
  return es.reduce<Expr | undefined>(
    (acc, e) => (acc === undefined ? e : { kind: "binary", op: "AND", left: acc, right: e }),
    undefined,
  );
}

/** The expressions directly under `e` (not inside a subquery's query). */
function children(e: Expr): Expr[] {
  const out: Expr[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (k === "query" || k === "pos" || k === "name") continue;
    if (Array.isArray(v)) {
      for (const x of v) {
        if (isExpr(x)) out.push(x);
        else if (x !== null && typeof x === "object")
          // CASE's { when, result } pairs.
          for (const y of Object.values(x)) if (isExpr(y)) out.push(y);
      }
    } else if (isExpr(v)) out.push(v);
  }
  return out;
}

function isExpr(v: unknown): v is Expr {
  return (
    v !== null &&
    typeof v === "object" &&
    typeof (v as { kind?: unknown }).kind === "string" &&
    (v as { kind: string }).kind !== "query" &&
    (v as { kind: string }).kind !== "spec"
  );
}

/** Whether `e` has a subquery (outside nested queries, which plan their own). */
export function hasSubquery(e: Expr | undefined): boolean {
  if (e === undefined) return false;
  if (e.kind === "subquery" || e.kind === "exists" || e.kind === "inQuery") return true;
  return children(e).some(hasSubquery);
}

/** `e` with each node `f` maps to something replaced by it (top-down, not inside subqueries). */
export function mapExpr(e: Expr, f: (x: Expr) => Expr | undefined): Expr {
  const own = f(e);
  if (own !== undefined) return own;
  if (e.kind === "subquery" || e.kind === "exists" || e.kind === "inQuery") return e;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (Array.isArray(v)) {
      const mapped = v.map((x) => {
        if (isExpr(x)) return mapExpr(x, f);
        if (x !== null && typeof x === "object" && !Array.isArray(x) && "when" in x) {
          const w = x as { when: Expr; result: Expr };
          return { when: mapExpr(w.when, f), result: mapExpr(w.result, f) };
        }
        return x;
      });
      changed ||= mapped.some((m, i) => m !== v[i]);
      out[k] = mapped;
    } else if (k !== "query" && isExpr(v)) {
      const m = mapExpr(v, f);
      changed ||= m !== v;
      out[k] = m;
    } else out[k] = v;
  }
  return changed ? (out as Expr) : e;
}

/** The column references of `e` (not inside subqueries). */
function columnsOf(e: Expr, out: (Expr & { kind: "column" })[] = []): (Expr & { kind: "column" })[] {
  if (e.kind === "column") out.push(e);
  else for (const c of children(e)) columnsOf(c, out);
  return out;
}

/** How a subquery is named in messages: its text (shortened) and where it is. */
function describe(e: SubqueryExpr): string {
  const text = printExpr(e.kind === "inQuery" ? { kind: "subquery", query: e.query } : e);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The position of a subquery: its own, else its SELECT's. */
function posOf(e: SubqueryExpr): SourcePos | undefined {
  return e.pos ?? (e.query.body.kind === "select" ? e.query.body.pos : undefined);
}

/**
 * Inside a correlated subquery's SELECT (its FROM planned as `input`): splits its WHERE into the
 * conditions on its own rows and the correlated equalities, adds each equality's inner side as a
 * column `tag_k<i>` (and a GROUP BY key when the SELECT aggregates) and records it in
 * `correlation.keys`. The other correlated conditions go to `correlation.residual` when it is
 * given and the SELECT does not aggregate (see {@link residualCondition}); otherwise (a scalar
 * subquery, an aggregating one) the subquery's rows are joined with the outer query's distinct
 * values ({@link joinOuterValues}), which then are its keys: `input` is that join.
 */
export function decorrelate(
  select: Select,
  where: Expr | undefined,
  input: Relation,
  correlation: Correlation,
  aggregating: boolean,
): { select: Select; where: Expr | undefined; input: Relation } {
  if (where === undefined) return { select, where, input };
  /** Which sides `e`'s columns resolve to: the subquery's own (inner) first, as SQL scopes do. */
  const sides = (e: Expr) => {
    let inner = false;
    let outer = false;
    for (const c of columnsOf(e)) {
      if (findColumn(input, c.name, c.pos) !== undefined) inner = true;
      else if (findColumn(correlation.outer, c.name, c.pos) !== undefined) outer = true;
    }
    return { inner, outer };
  };
  /** The (inner, outer) sides of an equality between an inner and an outer expression. */
  const equality = (c: Expr): [Expr, Expr] | undefined => {
    if (c.kind !== "binary" || c.op !== "=") return undefined;
    const l = sides(c.left);
    const r = sides(c.right);
    if (!l.outer && !r.inner) return [c.left, c.right];
    if (!r.outer && !l.inner) return [c.right, c.left];
    return undefined;
  };
  const kept: Expr[] = [];
  const correlated: Expr[] = [];
  for (const c of conjuncts(where)) {
    if (hasSubquery(c) || !sides(c).outer) kept.push(c);
    else correlated.push(c);
  }
  const residual = correlation.residual;
  const nonEqui = correlated.filter((c) => equality(c) === undefined);
  if (
    nonEqui.length > 0 &&
    residual?.validateOnly !== true &&
    (aggregating || residual === undefined) &&
    correlation.values !== undefined
  ) {
    // Flink's decorrelation of a scalar or aggregating subquery: its rows joined with the outer
    // query's distinct values on the correlated conditions, then grouped by those values. Its
    // own conditions filter its rows first (fewer rows kept by the join).
    const own = andAll(kept.filter((c) => !hasSubquery(c)));
    let rows = input;
    if (own !== undefined) {
      const ev = compileExpression(own, rowScope(input)).eval;
      rows = {
        ...input,
        stream: input.stream.filter((row) => ev(row) === true).name(`Calc(where=[${printExpr(own)}])`),
      };
    }
    const joined = joinOuterValues(rows, correlated, correlation, sides, equality, select.pos);
    const rest = andAll(kept.filter((c) => hasSubquery(c)));
    const items = [...select.items];
    const groupBy = [...select.groupBy];
    joined.values.forEach((v, i) => {
      const column = `${correlation.tag}_k${i}`;
      const ref: Expr = { kind: "column", name: { parts: [v.column], column: v.column }, pos: select.pos };
      correlation.keys.push({ outer: v.outer, inner: ref, column });
      items.push({ expr: ref, alias: column });
      if (aggregating) {
        if (groupBy.some((g) => g.kind !== "expr"))
          throw unsupported("a correlated subquery with grouping sets", select.pos);
        groupBy.push({ kind: "expr", expr: ref });
      }
    });
    return { select: { ...select, where: rest, items, groupBy }, where: rest, input: joined.relation };
  }
  const items = [...select.items];
  const groupBy = [...select.groupBy];
  for (const c of correlated) {
    const pair = equality(c);
    if (pair === undefined) {
      if (residual === undefined || (aggregating && residual.validateOnly !== true))
        // Only a subquery planned without the outer query's rows (not run) gets here.
        throw unsupported(
          `the subquery ${correlation.text} correlated by ${printExpr(c)}`,
          columnsOf(c)[0]?.pos ?? select.pos,
          "a subquery that is not run may refer to the outer query only in equalities (inner = outer) ANDed in its WHERE",
        );
      // Not run: left in its WHERE, where the outer column fails to resolve, as reduceExists expects.
      if (residual.validateOnly === true) {
        kept.push(c);
        continue;
      }
      residual.conditions.push({
        expr: residualCondition(c, input, residual, correlation.tag, items),
        text: printExpr(c),
      });
      continue;
    }
    const column = `${correlation.tag}_k${correlation.keys.length}`;
    correlation.keys.push({ outer: pair[1], inner: pair[0], column });
    items.push({ expr: pair[0], alias: column });
    if (aggregating) {
      if (groupBy.some((g) => g.kind !== "expr"))
        throw unsupported("a correlated subquery with grouping sets", select.pos);
      groupBy.push({ kind: "expr", expr: pair[0] });
    }
  }
  const rest = andAll(kept);
  return { select: { ...select, where: rest, items, groupBy }, where: rest, input };
}

/**
 * The subquery's rows (`input`) joined with the distinct values of the outer query's columns its
 * correlated conditions read, as Calcite's decorrelator plans a scalar or aggregating subquery
 * for Flink: each outer column becomes a hidden column `tag_o<i>` of the joined rows, a pair is
 * joined when all the conditions (outer columns read from those) are TRUE, keyed by their
 * equalities (none: one subtask has all rows). The outer query then joins its rows with the
 * subquery's on those values by `=`, so a row with a NULL among them matches nothing (Flink
 * 1.20 gives it the subquery's value over no rows even when a condition such as `b.v < a.v OR
 * a.v IS NULL` holds): values with a NULL are left out of the join. Both sides may be updating:
 * the distinct values come and go with the outer rows (a GROUP BY on them), the join sends the
 * changes of either side.
 */
function joinOuterValues(
  input: Relation,
  correlated: readonly Expr[],
  correlation: Correlation,
  sides: (e: Expr) => { inner: boolean; outer: boolean },
  equality: (c: Expr) => [Expr, Expr] | undefined,
  pos: SourcePos,
): { relation: Relation; values: { outer: Expr; column: string }[] } {
  const values: { outer: Expr; column: string; text: string }[] = [];
  const rewrite = (e: Expr) =>
    mapExpr(e, (x) => {
      if (x.kind !== "column" || sides(x).inner || !sides(x).outer) return undefined;
      const text = printExpr(x);
      let v = values.find((o) => o.text === text);
      if (v === undefined) {
        v = { outer: x, column: `${correlation.tag}_o${values.length}`, text };
        values.push(v);
      }
      return { kind: "column", name: { parts: [v.column], column: v.column }, pos: x.pos };
    });
  const conditions = correlated.map(rewrite);
  const { outer, stateTtlMs, note, groupAggregate } = correlation.values as OuterValues;
  // The distinct outer values, without those with a NULL (see above).
  const outerScope = rowScope(outer);
  const reads = values.map((v) => compileExpression(v.outer, outerScope));
  const valueColumns: Column[] = values.map((v, i) => ({ name: v.column, type: reads[i]?.type }));
  const projected: Relation = {
    stream: outer.stream
      .flatMap((row: Row) => {
        const out: Row = {};
        for (let i = 0; i < values.length; i++) {
          const x = (reads[i] as Compiled<Row>).eval(row);
          if (x === null || x === undefined) return [];
          out[(values[i] as { column: string }).column] = x;
        }
        return [withKindOf(out, row)];
      })
      .name(
        `Calc(select=[${values.map((v) => `${v.text} AS ${v.column}`).join(", ")}], where=[${values.map((v) => `${v.text} IS NOT NULL`).join(" AND ")}])`,
      ),
    columns: valueColumns,
    changelog: outer.changelog,
  };
  const ref = (name: string): Expr => ({ kind: "column", name: { parts: [name], column: name }, pos });
  const distinct = groupAggregate(
    {
      kind: "select",
      distinct: false,
      items: values.map((v) => ({ expr: ref(v.column), alias: v.column })),
      groupBy: values.map((v) => ({ kind: "expr", expr: ref(v.column) })),
      windows: [],
      pos,
    },
    projected,
    { stateTtlMs },
  );
  note?.(distinct.changelog);
  // The pairs: the distinct values (left) with the subquery's rows (right), one row each.
  const joinedColumns = [...input.columns, ...valueColumns];
  const pairScope = rowScope({ columns: joinedColumns, alias: input.alias });
  const valueScope = rowScope(distinct);
  const innerScope = rowScope(input);
  const leftKeys: ((row: Row) => unknown)[] = [];
  const rightKeys: ((row: Row) => unknown)[] = [];
  for (const c of correlated) {
    const pair = equality(c);
    if (pair === undefined) continue;
    leftKeys.push(compileExpression(rewrite(pair[1]), valueScope).eval);
    rightKeys.push(compileExpression(pair[0], innerScope).eval);
  }
  const cond = compileExpression(andAll(conditions) as Expr, pairScope).eval;
  const columnNames = values.map((v) => v.column);
  const pairRow = (l: Row, r: Row): Row => {
    const out: Row = { ...r };
    for (const c of columnNames) out[c] = l[c];
    return out;
  };
  const name = `Join(joinType=[InnerJoin], where=[${conditions.map((c) => printExpr(c)).join(" AND ")}], select=[${[...input.columns.map((c) => c.name), ...columnNames].join(", ")}])`;
  const stream = keyedJoin(distinct, input, leftKeys, rightKeys, name, {
    type: "INNER",
    matches: (l, r) => cond(pairRow(l, r)) === true,
    combine: (l, r) => pairRow(l as Row, r as Row),
    stateTtlMs,
  });
  const u = unionMode(distinct.changelog, input.changelog);
  const changelog: ChangelogMode = isInsertOnly(u) ? INSERT_ONLY : { kinds: u.kinds, producer: name };
  note?.(changelog);
  return {
    relation: { stream, columns: joinedColumns, alias: input.alias, changelog },
    values: values.map((v) => ({ outer: v.outer, column: v.column })),
  };
}

/**
 * Correlated condition `c` with each column of the subquery's own rows (`input`) replaced by a
 * hidden column of the subquery (added to `items` and `residual.columns` the first time), so it
 * reads the outer row's columns and those hidden columns of an inner row.
 */
function residualCondition(
  c: Expr,
  input: Pick<Relation, "columns" | "alias">,
  residual: Residual,
  tag: string,
  items: SelectItem[],
): Expr {
  return mapExpr(c, (x) => {
    if (x.kind !== "column" || findColumn(input, x.name, x.pos) === undefined) return undefined;
    const text = printExpr(x);
    let found = residual.columns.find((r) => printExpr(r.inner) === text);
    if (found === undefined) {
      found = { inner: x, column: `${tag}_c${residual.columns.length}` };
      residual.columns.push(found);
      items.push({ expr: x, alias: found.column });
    }
    return { kind: "column", name: { parts: [found.column], column: found.column }, pos: x.pos };
  });
}

/** SQL `=` on two non-NULL values, as compile-expression compares them. */
function sqlEquals(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b;
  return String(a) === String(b);
}

/** Whether `e` has an aggregate call (outside nested queries and OVER). */
function hasAggregate(e: Expr): boolean {
  if (e.kind === "call" && isAggregateName(e.name) && e.over === undefined) return true;
  return children(e).some(hasAggregate);
}

/**
 * Whether `q` gives exactly one row whatever its input: a SELECT with aggregates and no GROUP BY,
 * HAVING, LIMIT or OFFSET (Calcite's minimum row count of an Aggregate without grouping is 1).
 */
function alwaysOneRow(q: Query): boolean {
  const body = q.body;
  return (
    body.kind === "select" &&
    body.groupBy.length === 0 &&
    body.having === undefined &&
    q.limit === undefined &&
    q.offset === undefined &&
    body.items.some((i) => hasAggregate(i.expr))
  );
}

/**
 * `e` with each `EXISTS (q)` whose `q` always gives one row ({@link alwaysOneRow}) replaced by
 * TRUE, as Calcite's SqlToRelConverter reduces it (so NOT EXISTS of it is FALSE): an aggregate
 * without GROUP BY gives one row even over no rows, which a semi join on its grouped (decorrelated)
 * rows would miss. The subquery is still validated; what Fleuve SQL would not decorrelate in it
 * does not matter, since it is not run.
 */
function reduceExists(e: Expr, outer: Relation, planner: SubqueryPlanner): Expr {
  return mapExpr(e, (x) => {
    if (x.kind !== "exists" || !alwaysOneRow(x.query)) return undefined;
    try {
      planner.validate?.(x.query, {
        outer,
        tag: HIDDEN_PREFIX,
        text: describe(x),
        keys: [],
        residual: { conditions: [], columns: [], validateOnly: true },
      });
    } catch (err) {
      if (err instanceof FleuveError && err.code === "FLEUVE_SQL_VALIDATION") {
        const name = err.details?.columnName;
        // An outer column it uses in a way Fleuve SQL does not decorrelate: valid SQL.
        if (typeof name !== "string" || findColumn(outer, { parts: name.split(".") }) === undefined)
          throw err;
      }
    }
    return { kind: "literal", type: "boolean", value: true };
  });
}

/**
 * The subqueries of a SELECT's WHERE and (`withItems`: a query without GROUP BY) select list,
 * planned as joins on `input`: returns the joined input, the WHERE left to evaluate and the select
 * items with each scalar subquery replaced by the hidden column holding its value. Without
 * subqueries, everything as it was.
 */
export function planSubqueries(
  select: Select,
  outerWhere: Expr | undefined,
  input: Relation,
  withItems: boolean,
  planner: SubqueryPlanner,
): { input: Relation; where: Expr | undefined; items: Select["items"] } {
  const reduce = (e: Expr) => (hasSubquery(e) ? reduceExists(e, input, planner) : e);
  const where = outerWhere === undefined ? undefined : reduce(outerWhere);
  const items =
    withItems && select.items.some((i) => hasSubquery(i.expr))
      ? select.items.map((i) => ({ ...i, expr: reduce(i.expr) }))
      : select.items;
  if (!hasSubquery(where) && !(withItems && items.some((i) => hasSubquery(i.expr))))
    return { input, where, items };
  let n = 0;
  const nextTag = () => `${HIDDEN_PREFIX}${n++}`;
  let rel = input;
  // Semi and anti joins: the conjuncts of WHERE that are [NOT] IN / [NOT] EXISTS.
  const semis: { e: SubqueryExpr; anti: boolean }[] = [];
  const kept: Expr[] = [];
  for (const c of where === undefined ? [] : conjuncts(where)) {
    const negated = c.kind === "unary" && c.op === "NOT";
    const e = negated ? c.operand : c;
    if (e.kind === "inQuery" && e.operand.kind !== "row" && alwaysOneRow(e.query)) {
      // Its one row (over no rows too: COUNT 0) is the scalar subquery's value, which a semi or
      // anti join on its grouped (decorrelated) rows would miss: x IN (q) is x = (q), NOT IN <>.
      const anti = negated !== e.not;
      const value: Expr = { kind: "subquery", query: e.query, ...(e.pos ? { pos: e.pos } : {}) };
      kept.push({ kind: "binary", op: anti ? "<>" : "=", left: e.operand, right: value });
    } else if (e.kind === "exists" || e.kind === "inQuery")
      semis.push({ e, anti: negated !== (e.kind === "inQuery" && e.not) });
    else kept.push(c);
  }
  // Calcite's order (FilterJoinRule pushes the plain conjuncts down, the semi and anti joins are
  // decorrelated below the scalar subqueries' joins): the conjuncts without a subquery first,
  // then the semi and anti joins, then the scalar subqueries of the rest of WHERE, then those of
  // the select list, so that each join (and its state) takes only the rows the earlier steps keep.
  const plain = andAll(kept.filter((c) => !hasSubquery(c)));
  if (plain !== undefined) rel = { ...rel, stream: whereCalc(rel.stream, plain, rel, rowScope(rel)) };
  for (const s of semis) rel = planSemiAnti(rel, s.e, s.anti, nextTag(), planner);
  // The outer values of a non-equi correlation (its GROUP BY of distinct values) are read from the
  // rows that reach the subquery's join, as Calcite's decorrelator reads them from the left input
  // of its Correlate: after the semi and anti joins for WHERE's scalar subqueries, after all of
  // WHERE for the select list's. A value of a row WHERE drops would otherwise count its inner
  // rows, and a scalar subquery giving two rows for it fails the job where Flink's does not. Not
  // from `rel` after an earlier scalar join of WHERE: it has the same rows but re-sends each one
  // whenever that join's value changes, which the GROUP BY would pass on as the value deleted and
  // inserted again.
  const whereValues = rel;
  // Scalar subqueries anywhere in the rest of WHERE and in the select list: a column each.
  const scalar =
    (valuesFrom: Relation) =>
    (e: Expr): Expr =>
      mapExpr(e, (x) => {
        if (x.kind !== "subquery") return undefined;
        const tag = nextTag();
        rel = planScalar(rel, x, tag, planner, valuesFrom);
        return { kind: "column", name: { parts: [tag] }, pos: posOf(x) ?? select.pos };
      });
  let cond = andAll(kept.filter(hasSubquery).map(scalar(whereValues)));
  const itemsWithSubqueries = withItems && items.some((i) => hasSubquery(i.expr));
  if (cond !== undefined && itemsWithSubqueries) {
    // WHERE done before the select list's subqueries are joined (Flink joins them in its Project).
    rel = { ...rel, stream: whereCalc(rel.stream, cond, rel, rowScope(rel)) };
    cond = undefined;
  }
  // The select list's values from the rows WHERE keeps. After a scalar condition of WHERE these are
  // re-sent whenever its value changes (each value deleted and inserted again, as in Flink's plan,
  // whose Project reads the Filter's output): the price of not failing on rows WHERE drops.
  const itemValues = rel;
  const newItems = itemsWithSubqueries
    ? items.map((i) => (hasSubquery(i.expr) ? { ...i, expr: scalar(itemValues)(i.expr) } : i))
    : items;
  return { input: rel, where: cond, items: newItems };
}

/**
 * Plans subquery `e` with a correlation `tag`, turning an outer reference its planning could not
 * resolve (one outside the conditions of its WHERE) into FLEUVE_SQL_UNSUPPORTED naming it. With
 * `residual` (a semi or anti join), correlated conditions other than equalities are collected.
 * A non-equi correlation's distinct outer values are read from `valuesFrom` (default `outer`).
 */
function planCorrelated(
  e: SubqueryExpr,
  outer: Relation,
  tag: string,
  planner: SubqueryPlanner,
  residual: boolean,
  valuesFrom: Relation = outer,
): { rel: Relation; correlation: Correlation; value: Column[] } {
  const correlation: Correlation = {
    outer,
    tag,
    text: describe(e),
    keys: [],
    ...(residual ? { residual: { conditions: [], columns: [] } } : {}),
    values: {
      outer: valuesFrom,
      stateTtlMs: planner.stateTtlMs,
      note: planner.note,
      groupAggregate: planner.groupAggregate,
    },
  };
  let rel: Relation;
  try {
    rel = planner.plan(e.query, correlation);
  } catch (err) {
    const name =
      err instanceof FleuveError && err.code === "FLEUVE_SQL_VALIDATION"
        ? err.details?.columnName
        : undefined;
    const column = typeof name === "string" ? name : undefined;
    if (column !== undefined && findColumn(outer, { parts: column.split(".") }) !== undefined) {
      throw unsupported(
        `the correlated subquery ${describe(e)}`,
        posOf(e),
        `it refers to ${column} of the outer query outside the conditions ANDed in its WHERE, which is all Fleuve SQL decorrelates`,
      );
    }
    throw err;
  }
  const keyColumns = new Set(correlation.keys.map((k) => k.column));
  const value = rel.columns.filter((c) => !keyColumns.has(c.name) && !c.name.startsWith(HIDDEN_PREFIX));
  return { rel, correlation, value };
}

/**
 * `left` and `right` connected, keyed by `leftKey` / `rightKey`, into a regular (or semi, anti)
 * join named `name`: the operator of each subquery's join, each side insert-only as its relation.
 */
function keyedJoin(
  left: Relation,
  right: Relation,
  leftKey: readonly ((row: Row) => unknown)[],
  rightKey: readonly ((row: Row) => unknown)[],
  name: string,
  spec: Omit<StreamingJoinSpec, "insertOnly">,
): DataStream<Row> {
  return left.stream
    .connect(right.stream)
    .keyBy(jsonKey(leftKey), jsonKey(rightKey))
    .transform(
      name,
      () =>
        new SqlStreamingJoinOperator({
          ...spec,
          insertOnly: { left: isInsertOnly(left.changelog), right: isInsertOnly(right.changelog) },
        }),
    );
}

/** The changelog of a join that sends left rows of `left`, and `extra` kinds of its own. */
function joinMode(left: ChangelogMode, extra: readonly string[], producer: string): ChangelogMode {
  const kinds = ROW_KINDS.filter((k) => left.kinds.includes(k) || extra.includes(k));
  if (kinds.every((k) => k === "+I")) return INSERT_ONLY;
  return { kinds, producer, uniqueKey: left.uniqueKey };
}

/**
 * Whether an outer row and an inner row of a subquery satisfy its correlated conditions other
 * than the equalities (TRUE, not NULL: the join condition of Flink's semi or anti join), and
 * their texts; undefined when it has none.
 */
function residualMatch(
  left: Relation,
  inner: Relation,
  correlation: Correlation,
): { matches: (l: Row, r: Row) => boolean; texts: string[] } | undefined {
  const residual = correlation.residual;
  const cond = andAll(residual?.conditions.map((c) => c.expr) ?? []);
  if (residual === undefined || cond === undefined) return undefined;
  const hidden = residual.columns.map((c) => c.column);
  // The outer row's columns and the inner row's hidden ones, as one row.
  const pairColumns = [...left.columns, ...inner.columns.filter((c) => hidden.includes(c.name))];
  const ev = compileExpression(cond, rowScope({ columns: pairColumns, alias: left.alias })).eval;
  return {
    matches: (l, r) => {
      const pair: Row = { ...l };
      for (const h of hidden) pair[h] = r[h] ?? null;
      return ev(pair) === true;
    },
    texts: residual.conditions.map((c) => c.text),
  };
}

/** `[NOT] EXISTS (q)` or `x [NOT] IN (q)` (`anti` for the negated forms) as a semi or anti join. */
function planSemiAnti(
  left: Relation,
  e: SubqueryExpr,
  anti: boolean,
  tag: string,
  planner: SubqueryPlanner,
): Relation {
  const pos = posOf(e);
  if (e.kind === "inQuery" && e.operand.kind === "row")
    throw unsupported(
      `a row IN (subquery): ${describe(e)}`,
      pos,
      "compare one expression: x IN (SELECT y ...)",
    );
  const { rel, correlation, value } = planCorrelated(e, left, tag, planner, true);
  const scope = rowScope(left);
  const outerKeys = correlation.keys.map((k) => compileExpression(k.outer, scope).eval);
  const innerKeys = correlation.keys.map((k) => (row: Row) => row[k.column] ?? null);
  const conds = correlation.keys.map((k) => `${printExpr(k.inner)} = ${printExpr(k.outer)}`);
  let matches: (l: Row, r: Row) => boolean;
  const residual = residualMatch(left, rel, correlation);
  if (residual !== undefined) conds.push(...residual.texts);
  const corrMatch = (l: Row, r: Row) => {
    for (let i = 0; i < outerKeys.length; i++) {
      const a = (outerKeys[i] as (row: Row) => unknown)(l);
      const b = (innerKeys[i] as (row: Row) => unknown)(r);
      if (a === null || b === null || !sqlEquals(a, b)) return false;
    }
    return residual === undefined || residual.matches(l, r);
  };
  let leftKey = outerKeys;
  let rightKey = innerKeys;
  if (e.kind === "inQuery") {
    if (value.length !== 1)
      throw invalid(
        `the subquery of IN returns ${value.length} columns (${value.map((c) => c.name).join(", ")}); it must return one`,
        pos,
      );
    const x = compileExpression(e.operand, scope).eval;
    const y = (value[0] as Column).name;
    const text = `${printExpr(e.operand)} = ${y}`;
    if (!anti) {
      // x = y is a key equality: NULLs never match, rows partition by it too.
      matches = (l, r) => {
        const a = x(l);
        const b = r[y] ?? null;
        return a !== null && b !== null && sqlEquals(a, b) && corrMatch(l, r);
      };
      leftKey = [x, ...outerKeys];
      rightKey = [(r: Row) => r[y] ?? null, ...innerKeys];
      conds.unshift(text);
    } else {
      // Null-aware: (x = y) IS NOT FALSE, so the rows partition by the correlation keys only.
      matches = (l, r) => {
        const a = x(l);
        const b = r[y] ?? null;
        return (a === null || b === null || sqlEquals(a, b)) && corrMatch(l, r);
      };
      conds.unshift(`(${text}) IS NOT FALSE`);
    }
  } else matches = corrMatch;
  const joinType = anti ? "LeftAntiJoin" : "LeftSemiJoin";
  const name = `Join(joinType=[${joinType}], where=[${conds.length === 0 ? "true" : conds.join(" AND ")}])`;
  const keep = rowCombiner(
    left.columns.map((c) => c.name),
    [],
  );
  const stream = keyedJoin(left, rel, leftKey, rightKey, name, {
    type: anti ? "ANTI" : "SEMI",
    matches,
    combine: (l) => keep(l, null),
    stateTtlMs: planner.stateTtlMs,
  });
  // A semi join of an insert-only subquery only adds rows; otherwise rows come and go.
  const extra = !anti && isInsertOnly(rel.changelog) ? [] : ["+I", "-D"];
  const changelog = joinMode(left.changelog, extra, name);
  planner.note?.(rel.changelog);
  planner.note?.(changelog);
  return { stream, columns: left.columns, alias: left.alias, changelog };
}

/**
 * The value of an aggregating subquery's select item over no rows: each aggregate's value over
 * no rows (COUNT 0, the others NULL) put in the expression; undefined when it reads columns.
 */
function emptyValue(q: Query): unknown {
  const body = q.body;
  if (body.kind !== "select" || body.groupBy.length > 0 || body.having !== undefined) return null;
  const item = body.items[0];
  if (item === undefined || body.items.length !== 1 || !hasAggregate(item.expr)) return null;
  try {
    const c = compileExpression(item.expr, {
      column: () => {
        throw new Error("reads a column outside its aggregates");
      },
      intercept: (x) =>
        x.kind === "call" && isAggregateName(x.name) && x.over === undefined
          ? { eval: () => (x.name === "COUNT" || x.name === "COUNT_DISTINCT" ? 0 : null) }
          : undefined,
    });
    return c.eval({});
  } catch {
    return null;
  }
}

/** Scalar subquery `e`: `left` joined with its value as the hidden column `tag`. */
function planScalar(
  left: Relation,
  e: SubqueryExpr,
  tag: string,
  planner: SubqueryPlanner,
  valuesFrom: Relation,
): Relation {
  const pos = posOf(e);
  const { rel, correlation, value } = planCorrelated(e, left, tag, planner, false, valuesFrom);
  if (value.length !== 1)
    throw invalid(
      `the scalar subquery ${describe(e)} returns ${value.length} columns (${value.map((c) => c.name).join(", ")}); it must return one`,
      pos,
    );
  const valueColumn = (value[0] as Column).name;
  const scope = rowScope(left);
  const outerKeys = correlation.keys.map((k) => compileExpression(k.outer, scope).eval);
  const innerKeys = correlation.keys.map((k) => (row: Row) => row[k.column] ?? null);
  const empty = emptyValue(e.query);
  const keep = rowCombiner(
    left.columns.map((c) => c.name),
    [],
  );
  const where = correlation.keys.map((k) => `${printExpr(k.inner)} = ${printExpr(k.outer)}`).join(" AND ");
  const name = `Join(joinType=[LeftOuterJoin], where=[${where === "" ? "true" : where}], select=[${tag} = SINGLE_VALUE${describe(e)}])`;
  const at = pos === undefined ? "" : ` (line ${pos.line}, column ${pos.column})`;
  const stream = keyedJoin(left, rel, outerKeys, innerKeys, name, {
    type: "LEFT",
    matches: (l, r) => {
      for (let i = 0; i < outerKeys.length; i++) {
        const a = (outerKeys[i] as (row: Row) => unknown)(l);
        const b = (innerKeys[i] as (row: Row) => unknown)(r);
        if (a === null || b === null || !sqlEquals(a, b)) return false;
      }
      return true;
    },
    combine: (l, r) => {
      const out = keep(l, null);
      out[tag] = r === null ? empty : (r[valueColumn] ?? null);
      return out;
    },
    stateTtlMs: planner.stateTtlMs,
    // A right row with a NULL key matches no outer row (NULL = NULL is not true).
    singleRowCounts: (r) => innerKeys.every((k) => k(r) !== null),
    singleRow: `the scalar subquery ${describe(e)}${at} returned more than one row${correlation.keys.length > 0 ? " for one outer row" : ""}: a scalar subquery must give at most one row`,
  });
  // As a left join: rows padded with NULL (or the empty value) and retracted when the value comes.
  const changelog: ChangelogMode = { kinds: ["+I", "-D"], producer: name };
  planner.note?.(rel.changelog);
  planner.note?.(changelog);
  return {
    stream,
    columns: [...left.columns, { name: tag, type: value[0]?.type }],
    alias: left.alias,
    changelog,
  };
}
