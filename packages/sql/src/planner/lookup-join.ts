/**
 * Lookup joins: `o [LEFT] JOIN t FOR SYSTEM_TIME AS OF o.proc_time ON o.k = t.k` where `t` is a
 * lookup table (lookup-tables.ts). As Flink requires: the AS OF time is the left side's
 * processing-time attribute (`proc_time AS PROCTIME()`), the join is INNER or LEFT, and ON
 * equates columns of `t` (the lookup key) with left expressions; the rest of ON is checked on
 * each pair. The result is append-only and keeps the left side's time attributes.
 */

import type { Catalog } from "../catalog.js";
import type { Expr, SourcePos, TableRef } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { SqlLookupJoinOperator } from "../runtime/lookup-join.js";
import { INSERT_ONLY, isInsertOnly } from "./changelog.js";
import { paddedColumns } from "./common-columns.js";
import { compileExpression } from "./compile-expression.js";
import { withHintedOptions } from "./hints.js";
import { lookupConnectorOf, lookupTable } from "./lookup-tables.js";
import { invalid, unsupported } from "./problems.js";
import { type Column, findColumn, joinedColumns, type Relation, rowScope } from "./relation.js";
import { type Row, setColumn } from "./values.js";

type JoinRef = TableRef & { kind: "join" };

/** The lookup table a `JOIN t FOR SYSTEM_TIME AS OF ...` reads, if `t` is one. */
export function lookupDefinition(ref: JoinRef, catalog: Catalog, settings?: ReadonlyMap<string, string>) {
  if (ref.right.kind !== "table") return undefined;
  const found = catalog.lookup(ref.right.name.parts.join("."));
  if (found === undefined || !("table" in found)) return undefined;
  // The right side's OPTIONS hint, merged into its options (hints.ts).
  const def = withHintedOptions(found.table, ref.right.hint, settings);
  return lookupConnectorOf(def) === undefined ? undefined : def;
}

function conjuncts(e: Expr): Expr[] {
  return e.kind === "binary" && e.op === "AND" ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** Plans a lookup join of `ref.left` against the lookup table `def`. */
export function planLookupJoin(
  ref: JoinRef,
  def: NonNullable<ReturnType<typeof lookupDefinition>>,
  planRef: (r: TableRef) => Relation,
  pos?: SourcePos,
): Relation {
  const versioned = ref.right as TableRef & { kind: "table" };
  const at = versioned.pos ?? pos;
  const tableName = def.name.parts.join(".");
  if (ref.type !== "INNER" && ref.type !== "LEFT")
    throw unsupported(
      `${ref.type} JOIN of lookup table ${tableName}`,
      at,
      "lookup joins are INNER or LEFT (as in Flink)",
    );
  if (ref.on === undefined) throw invalid(`a lookup join needs ON equating columns of ${tableName}`, at);
  const table = lookupTable(def);
  const left = planRef(ref.left);
  if (!isInsertOnly(left.changelog))
    throw unsupported(
      "a lookup join of an updating left input",
      at,
      `${left.changelog.producer ?? "an operator"} produces updates`,
    );
  const systemTime = versioned.systemTime as Expr;
  const asOf = systemTime.kind === "column" ? findColumn(left, systemTime.name, systemTime.pos) : undefined;
  if (asOf === undefined || asOf.name !== left.proctime) {
    throw invalid(
      `FOR SYSTEM_TIME AS OF ${printExpr(systemTime)}: a lookup join of ${tableName} is AS OF the left side's processing-time attribute (declare \`proc_time AS PROCTIME()\` in its CREATE TABLE)`,
      at,
      { table: tableName },
    );
  }
  const rightAlias = versioned.alias?.name ?? tableName;
  const physical: Column[] = def.columns.flatMap((c) =>
    c.kind === "physical" ? [{ name: c.name, type: c.type, qualifier: rightAlias }] : [],
  );
  const { left: leftCols, right: rightCols, rename } = joinedColumns(left, physical, rightAlias);
  const rightNames = new Set(rightCols.map((c) => c.name));
  const joined = { columns: [...leftCols, ...rightCols] };
  const scope = rowScope(joined, "the join");
  const onlyLeft = (e: Expr) => {
    let right = false;
    compileExpression(
      e,
      rowScope(joined, "the join", (c) => {
        if (rightNames.has(c.name)) right = true;
      }),
    );
    return !right;
  };
  const keyColumns: string[] = [];
  const keyExprs: Expr[] = [];
  const rest: Expr[] = [];
  for (const c of conjuncts(ref.on)) {
    if (c.kind === "binary" && c.op === "=") {
      let matched = false;
      for (const [r, l] of [
        [c.right, c.left],
        [c.left, c.right],
      ] as const) {
        const col = r.kind === "column" ? findColumn(joined, r.name, r.pos) : undefined;
        if (
          col !== undefined &&
          rightNames.has(col.name) &&
          onlyLeft(l) &&
          !keyColumns.includes(col.sqlName ?? col.name)
        ) {
          keyColumns.push(col.sqlName ?? col.name);
          keyExprs.push(l);
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    rest.push(c);
  }
  if (keyColumns.length === 0)
    throw invalid(
      `a lookup join of ${tableName} needs ON to equate a column of ${tableName} with the left side (its lookup key)`,
      at,
      {
        table: tableName,
      },
    );
  const keyEvals = keyExprs.map((e) => compileExpression(e, scope).eval);
  const restCond = rest.reduce<Expr | undefined>(
    (acc, e) => (acc === undefined ? e : { kind: "binary", op: "AND", left: acc, right: e }),
    undefined,
  );
  const restEval = restCond === undefined ? undefined : compileExpression(restCond, scope).eval;
  const nullsRight: Row = Object.fromEntries(rightCols.map((c) => [c.name, null]));
  const combine = (l: Row, r: Row | null): Row => {
    const out: Row = { ...l, ...nullsRight };
    if (r !== null) for (const [from, to] of rename) setColumn(out, to, r[from] ?? null);
    return out;
  };
  const matches = restEval === undefined ? () => true : (l: Row, r: Row) => restEval(combine(l, r)) === true;
  const type = ref.type;
  const name = `LookupJoin(table=[${tableName}], connector=[${table.connector}], joinType=[${type === "LEFT" ? "LeftOuterJoin" : "InnerJoin"}], lookup=[${keyColumns.join(", ")}]${table.cacheTtlMs === undefined ? "" : `, cache=[PARTIAL, ${table.cacheTtlMs} ms]`})`;
  const stream = left.stream.transform(
    name,
    () =>
      new SqlLookupJoinOperator({
        type,
        keyOf: (row) => {
          const k = keyEvals.map((f) => f(row));
          return k.some((v) => v === null || v === undefined) ? undefined : k;
        },
        client: () => table.client(keyColumns),
        matches,
        combine,
        cacheTtlMs: table.cacheTtlMs,
        cacheMaxRows: table.cacheMaxRows,
        table: tableName,
      }),
  );
  return {
    stream,
    // A LEFT join pads the looked-up side with NULLs where nothing is found: its columns are nullable.
    columns: type === "LEFT" ? [...leftCols, ...paddedColumns(rightCols)] : joined.columns,
    rowtime: left.rowtime,
    proctime: left.proctime,
    changelog: INSERT_ONLY,
  };
}
