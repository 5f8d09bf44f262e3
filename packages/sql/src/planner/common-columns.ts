/**
 * `JOIN ... USING (c1, c2)` and `NATURAL JOIN`, as Calcite (Flink 1.20) validates and expands
 * them, turned into what a join ON a condition is made of (planJoin plans the rest as for ON):
 *
 * - the condition is `l.c = r.c` for each common column: the USING list, or for NATURAL every
 *   name both sides have (in the left side's order; SqlValidatorUtil.deriveNaturalJoinColumnList);
 * - each common name must name exactly one column on each side (else "not found" / "not unique on
 *   one side of join", validateCommonInputJoinColumn), of comparable types (same type family,
 *   SqlTypeUtil.isComparable);
 * - the joined rows get one common column per name, first (`SELECT *` lists the common columns,
 *   then the other columns of the left side, then those of the right: the validator's Permute):
 *   as Calcite's expandCommonColumn reads an unqualified `c`, the left side's value for INNER and
 *   LEFT joins, the right side's for RIGHT, COALESCE(l.c, r.c) for FULL (of the least restrictive
 *   type of both sides, nullable: common-type.ts);
 * - the sides' own columns of those names stay reachable qualified (`l.c`, and in `l.*`), as
 *   Calcite's default conformance (allowQualifyingCommonColumn) allows, but not unqualified.
 *
 * A NATURAL JOIN of sides with no name in common is a cross join, as in Calcite: its condition is
 * TRUE.
 */

import type { DataType, Expr, SourcePos, TableRef } from "../parser/ast.js";
import { printType } from "../parser/printer.js";
import type { JoinType } from "../runtime/interval-join.js";
import { findCommonType, nullable } from "./common-type.js";
import { invalid } from "./problems.js";
import { type Column, sqlNameOf } from "./relation.js";
import type { CommonColumnValue } from "./row-builders.js";
import { HIDDEN_PREFIX } from "./subqueries.js";

/** A join's common columns (see {@link commonColumnsOf}). */
export interface CommonColumns {
  /** The join condition: `l.c = r.c AND ...`, each name resolving to its side's column. */
  readonly on: Expr;
  /**
   * The joined relation's columns: the common columns, then the left side's, then the right
   * side's; the sides' columns of the common names reachable qualified only.
   */
  readonly columns: readonly Column[];
  /**
   * The columns an inner join's conditions are analyzed over (filter push-down, the bound join's
   * time bounds): those of {@link columns}, but each common column as the side column it reads
   * (the left's, the right's for a RIGHT JOIN), so that a condition on it is one on that side;
   * of a FULL JOIN, whose common columns read both sides, the sides' columns only.
   */
  readonly analysis: readonly Column[];
  /** How the joined rows get the common columns' values. */
  readonly values: readonly CommonColumnValue[];
  /** The side columns (their keys in the joined rows) the condition reads. */
  readonly sideColumns: ReadonlySet<string>;
}

/**
 * The columns of an outer join's side that may be padded with NULLs (the right side of a LEFT
 * JOIN, the left of a RIGHT JOIN, both of a FULL JOIN), each of a nullable type, as Calcite's
 * join row type (SqlValidatorUtil.deriveJoinRowType) makes them: NOT NULL holds only where the
 * side has a row.
 */
export function paddedColumns(cols: readonly Column[]): Column[] {
  return cols.map(paddedColumn);
}

/** One column of {@link paddedColumns}. */
export function paddedColumn(c: Column): Column {
  return c.type === undefined || c.type.notNull !== true ? c : { ...c, type: nullable(c.type) };
}

/** Calcite's type families of {@link comparable} (SqlTypeFamily), by atomic type name. */
const FAMILIES: Record<string, string> = {
  TINYINT: "numeric",
  SMALLINT: "numeric",
  INT: "numeric",
  BIGINT: "numeric",
  FLOAT: "numeric",
  DOUBLE: "numeric",
  DECIMAL: "numeric",
  CHAR: "character",
  VARCHAR: "character",
  STRING: "character",
  BINARY: "binary",
  VARBINARY: "binary",
  BYTES: "binary",
  TIMESTAMP: "timestamp",
  TIMESTAMP_LTZ: "timestamp",
};

/** Whether values of `a` and `b` can be compared (SqlTypeUtil.isComparable); an unknown type can. */
function comparable(a: DataType | undefined, b: DataType | undefined): boolean {
  if (a === undefined || b === undefined) return true;
  if (a.kind === "atomic" && b.kind === "atomic") {
    if (a.name === "NULL" || b.name === "NULL") return true;
    return (FAMILIES[a.name] ?? a.name) === (FAMILIES[b.name] ?? b.name);
  }
  if (a.kind !== b.kind) return false;
  if ((a.kind === "array" || a.kind === "multiset") && (b.kind === "array" || b.kind === "multiset"))
    return comparable(a.element, b.element);
  if (a.kind === "map" && b.kind === "map") return comparable(a.key, b.key) && comparable(a.value, b.value);
  if (a.kind === "row" && b.kind === "row")
    return (
      a.fields.length === b.fields.length && a.fields.every((f, i) => comparable(f.type, b.fields[i]?.type))
    );
  return true;
}

/**
 * The type of a FULL JOIN's common column `name`, COALESCE(l.name, r.name)'s: the common type of
 * both sides' (LogicalTypeMerging.findCommonType), nullable; refused when they have none, as Flink
 * refuses the COALESCE ("Invalid function call: COALESCE(INT, STRING)"). An unknown side leaves the
 * other's type.
 */
function fullJoinType(
  name: string,
  l: DataType | undefined,
  r: DataType | undefined,
  at: SourcePos | undefined,
): DataType | undefined {
  if (l === undefined || r === undefined) return nullable(l ?? r);
  const common = findCommonType(l, r);
  if (common === undefined) {
    const [lt, rt] = [printType({ ...l, notNull: false }), printType({ ...r, notNull: false })];
    throw invalid(
      `column ${name} of a FULL JOIN's USING has no common type: COALESCE(${lt}, ${rt}) (as Flink refuses it); CAST one side`,
      at,
      { columnName: name, leftType: lt, rightType: rt },
    );
  }
  return nullable(common);
}

const columnRef = (c: Column, pos: SourcePos | undefined): Expr => ({
  kind: "column",
  // Printed as the SQL would qualify it; resolved by the column's key in the joined rows.
  name: { parts: c.qualifier === undefined ? [sqlNameOf(c)] : [c.qualifier, sqlNameOf(c)], column: c.name },
  pos: pos ?? { line: 1, column: 1, offset: 0 },
});

/**
 * The common columns of a `JOIN ... USING` or `NATURAL JOIN` `ref` of type `type`, whose sides
 * have the joined columns `leftCols` and `rightCols` (the right side's renamed where they clash,
 * see joinedColumns). A name missing from a side, not unique on a side, or of incompatible types
 * is FLEUVE_SQL_VALIDATION naming it, at the USING clause or NATURAL keyword (else at `pos`).
 */
export function commonColumnsOf(
  ref: TableRef & { kind: "join" },
  type: JoinType,
  leftCols: readonly Column[],
  rightCols: readonly Column[],
  pos: SourcePos | undefined,
): CommonColumns {
  const at = ref.commonPos ?? pos;
  const what = ref.natural ? "NATURAL JOIN" : `USING (${(ref.using ?? []).join(", ")})`;
  // What an unqualified name can refer to on each side (a nested USING join's common column, not its sides').
  const visible = (cols: readonly Column[]) =>
    cols.filter((c) => c.qualifiedOnly !== true && !c.name.startsWith(HIDDEN_PREFIX));
  const leftVisible = visible(leftCols);
  const rightVisible = visible(rightCols);
  const describe = (cols: readonly Column[]) =>
    cols.map((c) => (c.qualifier === undefined ? sqlNameOf(c) : `${c.qualifier}.${sqlNameOf(c)}`)).join(", ");

  let names: readonly string[];
  if (ref.natural) {
    const right = new Set(rightVisible.map(sqlNameOf));
    names = [...new Set(leftVisible.map(sqlNameOf))].filter((n) => right.has(n));
  } else {
    names = ref.using ?? [];
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined)
      throw invalid(`column ${twice} appears twice in ${what}`, at, { columnName: twice });
  }

  const sideColumn = (name: string, cols: readonly Column[], side: "left" | "right"): Column => {
    const found = cols.filter((c) => sqlNameOf(c) === name);
    if (found.length === 0) {
      throw invalid(
        `column ${name} of ${what} is not a column of the ${side} side of the join: it has ${describe(cols)}`,
        at,
        { columnName: name },
      );
    }
    if (found.length > 1) {
      throw invalid(
        `column ${name} of ${what} is not unique on the ${side} side of the join: ${describe(found)}`,
        at,
        { columnName: name },
      );
    }
    return found[0] as Column;
  };

  const used = new Set([...leftCols, ...rightCols].map((c) => c.name));
  const pairs = names.map((name) => {
    const l = sideColumn(name, leftVisible, "left");
    const r = sideColumn(name, rightVisible, "right");
    if (!comparable(l.type, r.type)) {
      throw invalid(
        `column ${name} of ${what} has incompatible types: cannot compare ${l.type === undefined ? "?" : printType(l.type)} (left) to ${r.type === undefined ? "?" : printType(r.type)} (right)`,
        at,
        { columnName: name },
      );
    }
    // The common column's key in the joined rows: its name, or the first free `name0`, `name1`...
    let key = name;
    for (let i = 0; used.has(key); i++) key = `${name}${i}`;
    used.add(key);
    return { name, key, l, r };
  });

  const merged = new Set(pairs.flatMap((p) => [p.l.name, p.r.name]));
  const sideOnly = (cols: readonly Column[]) =>
    cols.map((c) => (merged.has(c.name) ? { ...c, qualifiedOnly: true } : c));
  const sides = [...sideOnly(leftCols), ...sideOnly(rightCols)];
  const columns: Column[] = [
    ...pairs.map(({ name, key, l, r }) => ({
      name: key,
      sqlName: name,
      // The left side's type, the right's for a RIGHT JOIN; of a FULL JOIN, COALESCE(l.c, r.c)'s:
      // the least restrictive of both (INT and BIGINT give BIGINT), NULL where neither side has a row.
      type: type === "RIGHT" ? r.type : type === "FULL" ? fullJoinType(name, l.type, r.type, at) : l.type,
    })),
    ...sides,
  ];
  // Of a FULL JOIN a common column reads both sides: its conditions are not analyzed (only an
  // inner join's are), so the view has the sides' columns alone.
  const analysis: Column[] = [
    ...(type === "FULL"
      ? []
      : pairs.map(({ name, l, r }) => {
          const read = type === "RIGHT" ? r : l;
          return { name: read.name, sqlName: name, type: read.type };
        })),
    ...sides,
  ];
  // No common column (a NATURAL JOIN only): a cross join.
  const equalities = pairs.map(
    ({ l, r }): Expr => ({ kind: "binary", op: "=", left: columnRef(l, at), right: columnRef(r, at) }),
  );
  const on: Expr =
    equalities.length === 0
      ? { kind: "literal", type: "boolean", value: true }
      : equalities.reduce((acc, e) => ({ kind: "binary", op: "AND", left: acc, right: e }));
  return {
    on,
    columns,
    analysis,
    values: pairs.map(({ key, l, r }) => ({
      name: key,
      left: l.name,
      right: r.name,
      pairFromRight: type === "RIGHT",
    })),
    sideColumns: merged,
  };
}
