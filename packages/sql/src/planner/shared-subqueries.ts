/**
 * Structurally identical parts of one statement, planned once, as Flink's sub-plan reuse
 * (`table.optimizer.reuse-sub-plan-enabled`, on by default) plans an identical subtree once.
 *
 * - A derived table whose text (printed back from its AST) is that of one planned before, in the
 *   same scope of common table expressions, reads the same stream. (A subquery of an expression
 *   is planned each time: it is decorrelated with the outer query's columns, see subqueries.ts.)
 * - A window aggregation over the same window table function call, WHERE and GROUP BY as one
 *   planned before (Nexmark q5 counts bids per auction and window twice, selecting different
 *   columns of it) reads the first one's rows and projects them: the accumulators are kept once.
 *   This needs every column it selects (a group key, an aggregate, a window bound) among the
 *   first one's output columns and the first one to have no HAVING (its rows are then every
 *   group's); otherwise it is planned on its own.
 *
 * Only deterministic parts are shared: a text calling a user function or one of the
 * non-deterministic built-ins (RAND, UUID, NOW...) is planned each time, as the text asks.
 * A correlated query is never shared: its rows depend on the outer row.
 */

import type { Expr, Select, TableRef } from "../parser/ast.js";
import { printExpr, printGrouping, printTableRef } from "../parser/printer.js";
import { children, exprKey, isAggregateCall, itemName } from "./aggregates.js";
import { INSERT_ONLY } from "./changelog.js";
import { type Compiled, compileExpression, type Scope } from "./compile-expression.js";
import type { Column, Relation } from "./relation.js";
import { projector, renamer } from "./row-builders.js";
import { userFunction } from "./user-functions.js";
import type { Row } from "./values.js";
import { isWindowColumn } from "./window-aggregate.js";

/** What one statement planned already: by table, view or CTE object, or by the text of a shared part. */
export type PlannedParts = Map<object | string, Relation>;

/** Built-ins whose value differs per call: a part calling one is not shared. */
const NON_DETERMINISTIC =
  /\b(RAND|RAND_INTEGER|UUID|NOW|CURRENT_TIMESTAMP|CURRENT_TIME|CURRENT_DATE|CURRENT_ROW_TIMESTAMP|LOCALTIME|LOCALTIMESTAMP|PROCTIME|UNIX_TIMESTAMP)\b/i;

const ids = new WeakMap<object, number>();
let nextId = 1;
/** A number for `o` (the same for the same object): names a scope or a resolved table in a key. */
function objectId(o: object | undefined): number {
  if (o === undefined) return 0;
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}

/** Whether `text` (a printed query or expression) calls a non-deterministic or a user function. */
function deterministic(text: string): boolean {
  if (NON_DETERMINISTIC.test(text)) return false;
  for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_$]*)\s*\(/g))
    if (userFunction(m[1] as string) !== undefined) return false;
  return true;
}

/**
 * The key of a derived table `text` planned in the CTE scope `ctes`
 * (the names in the text resolve alike only in the same scope), or undefined when it must be
 * planned each time.
 */
export function subqueryKey(text: string, ctes: object | undefined): string | undefined {
  return deterministic(text) ? `query|${objectId(ctes)}|${text}` : undefined;
}

/** The first window aggregation of each key, as written: its select list says which columns it has. */
const firstSelects = new WeakMap<Relation, Select>();

/**
 * The key of the window aggregation `select` over window table function `from`, whose input
 * table resolves to `table` (a CTE, view or table object); undefined when it is not shared.
 */
export function windowAggregateKey(
  select: Select,
  from: TableRef & { kind: "tableFunction" },
  table: object | undefined,
): string | undefined {
  if (table === undefined || select.distinct) return undefined;
  if (select.groupBy.some((g) => g.kind !== "expr")) return undefined;
  let parts: string[];
  let calls: string;
  try {
    parts = [
      printTableRef(from),
      select.where === undefined ? "" : printExpr(select.where),
      select.groupBy.map(printGrouping).join(", "),
    ];
    calls = select.items.map((i) => printExpr(i.expr)).join(", ");
  } catch {
    // A form the printer cannot print back: planned on its own.
    return undefined;
  }
  if (!parts.every(deterministic) || !deterministic(calls)) return undefined;
  return `windowAggregate|${objectId(table)}|${parts.join("|")}`;
}

/**
 * Plans the window aggregation `select` of `key` once per statement: the first is `plan()`'s,
 * kept when a later one may read it; a later one reads the first's rows when it can.
 */
export function sharedWindowAggregate(
  planned: PlannedParts | undefined,
  key: string | undefined,
  select: Select,
  plan: () => Relation,
): Relation {
  if (planned === undefined || key === undefined) return plan();
  const first = planned.get(key);
  if (first !== undefined) {
    const from = firstSelects.get(first);
    const reused = from === undefined ? undefined : projectShared(select, first, from);
    if (reused !== undefined) return reused;
    return plan();
  }
  const rel = plan();
  if (select.having === undefined) {
    planned.set(key, rel);
    firstSelects.set(rel, select);
  }
  return rel;
}

/** Thrown while compiling over the first aggregation's columns: it lacks one the query needs. */
const MISSING = Symbol("not among the shared aggregation's columns");

/**
 * `select` computed from the rows of the same window aggregation `first` (planned for `from`):
 * its items and HAVING over the first's columns, or undefined when one needs a column the first
 * does not output.
 */
function projectShared(select: Select, first: Relation, from: Select): Relation | undefined {
  // Which output column of the first holds each aggregate, window bound and key expression.
  const aggs = new Map<string, Column>();
  const windows = new Map<string, Column>();
  const keys = new Map<string, Column>();
  from.items.forEach((item, i) => {
    const col = first.columns[i];
    if (col === undefined || item.expr.kind === "star") return;
    if (isAggregateCall(item.expr)) aggs.set(printExpr(item.expr), col);
    else {
      const w = isWindowColumn(item.expr);
      if (w !== undefined) windows.set(w, col);
      else if (!containsAggregate(item.expr)) keys.set(exprKey(item.expr), col);
    }
  });
  const read = (col: Column | undefined): Compiled<Row> => {
    if (col === undefined) throw MISSING;
    const name = col.name;
    return { eval: (row) => row[name] ?? null, type: col.type };
  };
  const scope: Scope<Row> = {
    intercept(e: Expr) {
      if (isAggregateCall(e)) return read(aggs.get(printExpr(e)));
      const w = isWindowColumn(e);
      if (w !== undefined) return read(windows.get(w));
      const k = keys.get(exprKey(e));
      return k === undefined ? undefined : read(k);
    },
    column() {
      throw MISSING;
    },
  };
  /** The first's field an item reads as it is, if it does (an aggregate, window bound or key). */
  const fieldOf = (e: Expr): string | undefined => {
    if (isAggregateCall(e)) return aggs.get(printExpr(e))?.name;
    const w = isWindowColumn(e);
    return w !== undefined ? windows.get(w)?.name : keys.get(exprKey(e))?.name;
  };
  let items: { name: string; compiled: Compiled<Row>; window: string | undefined; field?: string }[];
  let having: Compiled<Row> | undefined;
  try {
    items = select.items.map((item, i) => {
      if (item.expr.kind === "star") throw MISSING;
      return {
        name: itemName(item, i),
        compiled: compileExpression(item.expr, scope),
        window: isWindowColumn(item.expr),
        field: fieldOf(item.expr),
      };
    });
    having = select.having === undefined ? undefined : compileExpression(select.having, scope);
  } catch (err) {
    if (err === MISSING) return undefined;
    throw err;
  }
  const names = items.map((i) => i.name);
  const fieldNames = items.map((i) => i.field);
  // Every item a field as it is (q5's second count): one object literal of field reads, as
  // `read` evaluates them, instead of a closure call per column and row.
  const build = fieldNames.every((f) => f !== undefined)
    ? renamer(names, fieldNames as string[], null)
    : projector(
        names,
        items.map((i) => i.compiled.eval),
      );
  const keep = having?.eval;
  const filtered =
    keep === undefined
      ? first.stream
      : first.stream
          .filter((row) => keep(row) === true)
          .name(`Calc(where=[${printExpr(select.having as Expr)}])`);
  const stream = filtered.map(build).name(`Calc(select=[${items.map((i) => i.name).join(", ")}])`);
  const named = (w: string) => items.find((i) => i.window === w)?.name;
  const start = named("window_start");
  const end = named("window_end");
  const rowtime = first.rowtime === undefined ? undefined : named("window_time");
  const window =
    first.window !== undefined && start !== undefined && end !== undefined
      ? { ...first.window, start, end }
      : undefined;
  const aboveWatermark =
    first.aboveWatermark !== undefined && end !== undefined ? { stream, columns: [end] } : undefined;
  const fields = new Map<string, string>();
  for (const i of items) if (i.field !== undefined) fields.set(i.name, i.field);
  return {
    stream,
    columns: items.map((i) => ({ name: i.name, type: i.compiled.type })),
    rowtime,
    window,
    aboveWatermark,
    // Without HAVING every row of the first is projected (a filter would drop some).
    projectionOf: keep === undefined ? { stream, source: first.stream, fields } : undefined,
    changelog: INSERT_ONLY,
  };
}

function containsAggregate(e: Expr): boolean {
  return isAggregateCall(e) || children(e).some(containsAggregate);
}
