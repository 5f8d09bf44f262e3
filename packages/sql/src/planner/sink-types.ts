/**
 * INSERT INTO's column types: which query column types a sink column takes, and Flink's error for
 * the others. Flink 1.20 (DynamicSinkUtils.validateSchemaAndApplyImplicitCast) accepts a query
 * column that casts implicitly to its sink column (LogicalTypeCasts.supportsImplicitCast) and
 * casts it; nullability is not checked there (a NOT NULL column is enforced when a row is written).
 */

import type { DataType } from "../parser/ast.js";
import { flinkTypeText } from "./flink-type-text.js";
import { ownValue, type Row, setColumn } from "./values.js";

const NUMBERS = ["TINYINT", "SMALLINT", "INT", "BIGINT", "DECIMAL", "FLOAT", "DOUBLE"];
const CHARACTERS = ["CHAR", "VARCHAR", "STRING"];
const BINARIES = ["BINARY", "VARBINARY", "BYTES"];

/**
 * The atomic types each sink column type takes without an explicit CAST: Flink 1.20's implicit
 * casts, probed on bench/flink with EXPLAIN INSERT of each of 29 column types into each other:
 * integers widen, every number goes to DECIMAL (of any precision and scale) and DOUBLE, not DOUBLE
 * to FLOAT; CHAR goes to any character string, VARCHAR and STRING not to CHAR; BINARY to BYTES,
 * not back; a TIMESTAMP to DATE, TIME, TIMESTAMP of any precision and TIMESTAMP_LTZ, a
 * TIMESTAMP_LTZ to TIMESTAMP; nothing else between families (no number to a string).
 */
const IMPLICIT_FROM: Readonly<Record<string, readonly string[]>> = {
  TINYINT: ["TINYINT"],
  SMALLINT: ["TINYINT", "SMALLINT"],
  INT: ["TINYINT", "SMALLINT", "INT"],
  BIGINT: ["TINYINT", "SMALLINT", "INT", "BIGINT"],
  DECIMAL: NUMBERS,
  FLOAT: ["TINYINT", "SMALLINT", "INT", "BIGINT", "DECIMAL", "FLOAT"],
  DOUBLE: NUMBERS,
  BOOLEAN: ["BOOLEAN"],
  CHAR: ["CHAR"],
  VARCHAR: CHARACTERS,
  STRING: CHARACTERS,
  BINARY: ["BINARY"],
  VARBINARY: BINARIES,
  BYTES: BINARIES,
  DATE: ["DATE", "TIMESTAMP"],
  TIME: ["TIME", "TIMESTAMP"],
  TIMESTAMP: ["TIMESTAMP", "TIMESTAMP_LTZ"],
  TIMESTAMP_LTZ: ["TIMESTAMP", "TIMESTAMP_LTZ"],
};

/** An atomic type's name, TIMESTAMP WITH LOCAL TIME ZONE as TIMESTAMP_LTZ. */
const atomicName = (t: DataType & { kind: "atomic" }) =>
  t.name === "TIMESTAMP" && t.timeZone === "local" ? "TIMESTAMP_LTZ" : t.name;

/**
 * Whether a query column of type `from` goes into a sink column of type `to` (Flink 1.20's
 * implicit casts): by {@link IMPLICIT_FROM} for atomic types, element by element for ARRAY,
 * MULTISET and MAP, field by field for ROW (the field names do not matter, their number does).
 */
export function castsImplicitly(from: DataType, to: DataType): boolean {
  if (from.kind === "atomic" && to.kind === "atomic") {
    const allowed = IMPLICIT_FROM[atomicName(to)];
    return allowed === undefined ? atomicName(from) === atomicName(to) : allowed.includes(atomicName(from));
  }
  if ((from.kind === "array" && to.kind === "array") || (from.kind === "multiset" && to.kind === "multiset"))
    return castsImplicitly(from.element, to.element);
  if (from.kind === "map" && to.kind === "map")
    return castsImplicitly(from.key, to.key) && castsImplicitly(from.value, to.value);
  if (from.kind === "row" && to.kind === "row")
    return (
      from.fields.length === to.fields.length &&
      from.fields.every((f, i) => castsImplicitly(f.type, (to.fields[i] as (typeof to.fields)[number]).type))
    );
  if (from.kind === "interval" && to.kind === "interval") return sameType(from, to);
  return false;
}

/** `t` without nullability, its elements' and fields' too. */
function plain(t: DataType): DataType {
  switch (t.kind) {
    case "array":
    case "multiset":
      return { ...t, element: plain(t.element), notNull: false };
    case "map":
      return { ...t, key: plain(t.key), value: plain(t.value), notNull: false };
    case "row":
      return { ...t, fields: t.fields.map((f) => ({ ...f, type: plain(f.type) })), notNull: false };
    default:
      return { ...t, notNull: false };
  }
}

/** Whether `a` and `b` are the same type but for nullability (no cast needed to write one as the other). */
export function sameType(a: DataType, b: DataType): boolean {
  return flinkTypeText(plain(a), false) === flinkTypeText(plain(b), false);
}

/** A column of a schema in Flink's message: its name and type. */
export interface SchemaColumn {
  readonly name: string;
  readonly type: DataType | undefined;
}

/**
 * Flink 1.20's error for a query column that does not cast implicitly to its sink column
 * (`position` from 0 in the sink's columns), with both schemas written as DESCRIBE writes types.
 * `table` is the sink table's full name (`default_catalog.default_database.t`).
 */
export function sinkTypesMismatch(
  table: string,
  position: number,
  query: readonly SchemaColumn[],
  sink: readonly SchemaColumn[],
): string {
  const schema = (cs: readonly SchemaColumn[]) =>
    `[${cs.map((c) => `${c.name}: ${c.type === undefined ? "?" : flinkTypeText(c.type, true)}`).join(", ")}]`;
  return [
    `Column types of query result and sink for '${table}' do not match.`,
    `Cause: Incompatible types for sink column '${sink[position]?.name}' at position ${position}.`,
    "",
    `Query schema: ${schema(query)}`,
    `Sink schema:  ${schema(sink)}`,
  ].join("\n");
}

/**
 * `rename` (a query row to the sink's row), then each `[column, conversion]` applied to its
 * column's value (the implicit casts); `rename` itself when there are none.
 */
export function withConversions(
  rename: (row: Row) => Row,
  conversions: readonly (readonly [string, (v: unknown) => unknown])[],
): (row: Row) => Row {
  if (conversions.length === 0) return rename;
  return (row) => {
    const out = rename(row);
    for (const [name, convert] of conversions) setColumn(out, name, convert(ownValue(out, name) ?? null));
    return out;
  };
}
