/**
 * Event-time temporal joins: `l [LEFT] JOIN v FOR SYSTEM_TIME AS OF l.rowtime ON l.k = v.pk`
 * against a versioned table (a PRIMARY KEY and a WATERMARK: an upsert table such as
 * `upsert-log` / `upsert-kafka`). As Flink requires: the AS OF time is the left side's event-time
 * attribute, the join is INNER or LEFT, and ON equates the whole primary key of the versioned
 * table with left expressions; the rest of ON is checked on the pair. The result is append-only
 * and keeps the left side's event-time attribute. See runtime/temporal-join.ts for the operator.
 */

import { jsonWithLongs } from "@fleuve/core";
import type { Expr, SourcePos, TableRef } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { SqlTemporalJoinOperator } from "../runtime/temporal-join.js";
import { INSERT_ONLY, isInsertOnly, withKindOf } from "./changelog.js";
import { paddedColumns } from "./common-columns.js";
import { compileExpression } from "./compile-expression.js";
import { invalid, unsupported } from "./problems.js";
import { findColumn, joinedColumns, type Relation, rowScope } from "./relation.js";
import { renamer } from "./row-builders.js";
import type { Row } from "./values.js";

type JoinRef = TableRef & { kind: "join" };

/** Whether `ref` is a join whose right side is `t FOR SYSTEM_TIME AS OF ...`. */
export function isTemporalJoin(ref: TableRef): ref is JoinRef {
  return ref.kind === "join" && ref.right.kind === "table" && ref.right.systemTime !== undefined;
}

function conjuncts(e: Expr): Expr[] {
  return e.kind === "binary" && e.op === "AND" ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/**
 * Plans a temporal join; `planRef` plans a table reference. `declaredKey` is the PRIMARY KEY the
 * versioned table's CREATE TABLE declares: an insert-only table with one is versioned by it (each
 * row a new version of its key), as Flink takes a declared key as the table's unique key.
 */
export function planTemporalJoin(
  ref: JoinRef,
  planRef: (r: TableRef) => Relation,
  pos?: SourcePos,
  declaredKey?: readonly string[],
): Relation {
  const versioned = ref.right as TableRef & { kind: "table" };
  const at = versioned.pos ?? pos;
  const tableName = versioned.name.parts.join(".");
  if (ref.type !== "INNER" && ref.type !== "LEFT")
    throw unsupported(
      `${ref.type} JOIN ... FOR SYSTEM_TIME AS OF`,
      at,
      "temporal joins are INNER or LEFT (as in Flink)",
    );
  if (ref.on === undefined)
    throw invalid("a temporal join needs ON with the versioned table's primary key", at);
  const left = planRef(ref.left);
  const { systemTime, ...plain } = versioned;
  const right = planRef(plain as TableRef);
  if (!isInsertOnly(left.changelog)) {
    throw unsupported(
      "a temporal join of an updating left input",
      at,
      `${left.changelog.producer ?? "an operator"} produces updates`,
    );
  }
  // The AS OF time: the left side's event-time attribute.
  const asOf =
    systemTime?.kind === "column"
      ? findColumn({ columns: left.columns, alias: left.alias }, systemTime.name, systemTime.pos)
      : undefined;
  if (asOf === undefined || asOf.name !== left.rowtime) {
    if (left.rowtime === undefined)
      throw unsupported(
        "processing-time temporal joins",
        at,
        `FOR SYSTEM_TIME AS OF ${systemTime === undefined ? "" : printExpr(systemTime)} needs the left side's event-time attribute (a WATERMARK column); processing-time lookups of ${tableName} are not supported here`,
      );
    throw invalid(
      `FOR SYSTEM_TIME AS OF ${systemTime === undefined ? "" : printExpr(systemTime)}: give the left side's event-time attribute ${left.alias ?? ""}${left.alias ? "." : ""}${left.rowtime}`,
      at,
    );
  }
  const pk = right.changelog.uniqueKey ?? (isInsertOnly(right.changelog) ? declaredKey : undefined);
  if (pk === undefined || pk.length === 0) {
    throw invalid(
      `Temporal Table Join requires primary key in versioned table, but no primary key can be found: declare PRIMARY KEY (...) NOT ENFORCED on ${tableName} (an upsert table)`,
      at,
      { table: tableName },
    );
  }
  if (right.rowtime === undefined) {
    throw invalid(
      `versioned table ${tableName} has no event-time attribute: declare WATERMARK FOR its update time, as Flink's event-time temporal join requires`,
      at,
      { table: tableName },
    );
  }

  // Joined columns as in a regular join: right columns that clash get a suffix (id -> id0).
  const rightAlias = versioned.alias?.name ?? tableName;
  const { left: leftCols, right: rightCols, rename } = joinedColumns(left, right.columns, rightAlias);
  const leftNames = new Set(leftCols.map((c) => c.name));
  const joined = { columns: [...leftCols, ...rightCols] };
  const scope = rowScope(joined, "the join");
  const sidesOf = (e: Expr) => {
    const s = new Set<"L" | "R">();
    compileExpression(
      e,
      rowScope(joined, "the join", (c) => s.add(leftNames.has(c.name) ? "L" : "R")),
    );
    return s;
  };
  const pkRenamed = pk.map((k) => rename.get(k) as string);
  const keyOfPk = new Map<string, Expr>();
  const rest: Expr[] = [];
  for (const c of conjuncts(ref.on)) {
    if (c.kind === "binary" && c.op === "=") {
      for (const [r, l] of [
        [c.right, c.left],
        [c.left, c.right],
      ] as const) {
        const col = r.kind === "column" ? findColumn(joined, r.name, r.pos) : undefined;
        const ls = sidesOf(l);
        if (
          col !== undefined &&
          pkRenamed.includes(col.name) &&
          !keyOfPk.has(col.name) &&
          ls.size === 1 &&
          ls.has("L")
        ) {
          keyOfPk.set(col.name, l);
          break;
        }
      }
      if ([...keyOfPk.values()].includes(c.left) || [...keyOfPk.values()].includes(c.right)) continue;
    }
    rest.push(c);
  }
  const missing = pkRenamed.filter((k) => !keyOfPk.has(k));
  if (missing.length > 0) {
    throw invalid(
      `Temporal Table Join requires primary key in versioned table, but no primary key can be found in the join condition: ON must equate ${pk.map((k) => `${rightAlias}.${k}`).join(", ")} with the left side`,
      at,
      { table: tableName },
    );
  }
  const leftKeys = pkRenamed.map((k) => compileExpression(keyOfPk.get(k) as Expr, scope).eval);
  const restCond = rest.reduce<Expr | undefined>(
    (acc, e) => (acc === undefined ? e : { kind: "binary", op: "AND", left: acc, right: e }),
    undefined,
  );
  const nullsRight: Row = Object.fromEntries(rightCols.map((c) => [c.name, null]));
  const combine = (l: Row, r: Row | null): Row => ({ ...l, ...(r ?? nullsRight) });
  const restEval = restCond === undefined ? undefined : compileExpression(restCond, scope).eval;
  const matches = restEval === undefined ? () => true : (l: Row, r: Row) => restEval(combine(l, r)) === true;
  const renameRow = renamer([...rename.values()], [...rename.keys()]);
  const renamedRight = right.stream
    // Keep the row kind: a versioned table is a changelog.
    .map((row) => withKindOf(renameRow(row), row))
    .name(
      `Calc(select=[${[...rename].map(([from, to]) => (from === to ? from : `${from} AS ${to}`)).join(", ")}])`,
    );
  // jsonWithLongs: a BIGINT key past 2^53 is a bigint, which JSON.stringify refuses.
  const keyLeft = (row: Row) => jsonWithLongs(leftKeys.map((k) => k(row) ?? null)) as string;
  const keyRight = (row: Row) => jsonWithLongs(pkRenamed.map((k) => row[k] ?? null)) as string;
  const lt = left.rowtime;
  const rt = rename.get(right.rowtime) as string;
  const name = `TemporalJoin(joinType=[${ref.type === "LEFT" ? "LeftOuterJoin" : "InnerJoin"}], table=[${tableName}], asOf=[${lt}], key=[${pk.join(", ")}])`;
  const stream = left.stream
    .connect(renamedRight)
    .keyBy(keyLeft, keyRight)
    .transform(
      name,
      () =>
        new SqlTemporalJoinOperator({
          type: ref.type as "INNER" | "LEFT",
          leftTime: (row) => row[lt] as number,
          rightTime: (row) => row[rt] as number,
          matches,
          combine,
        }),
    );
  // A LEFT join pads the versioned side with NULLs where no version matches: its columns are nullable.
  const columns = ref.type === "LEFT" ? [...leftCols, ...paddedColumns(rightCols)] : joined.columns;
  return { stream, columns, rowtime: lt, changelog: INSERT_ONLY };
}
