/**
 * The least restrictive type of two comparable types, as Flink's LogicalTypeMerging.findCommonType
 * derives it, and so as Calcite's leastRestrictive under Flink's type system (which turns CHARs and
 * BINARYs of different lengths into VARCHAR and VARBINARY): the type of a UNION's column, of CASE,
 * IF and COALESCE, and of COALESCE(l.c, r.c), which a FULL JOIN's common column is. The common
 * type of the non-null types, nullable when either is.
 *
 * - integers: the wider (TINYINT < SMALLINT < INT < BIGINT);
 * - DECIMAL with an integer or DECIMAL: DECIMAL(d + s, s), d the most whole digits of both (an
 *   integer has 3, 5, 10 or 19), s the largest scale, at most 38 digits in all;
 * - FLOAT or DOUBLE with an integer: the approximate type; with a DECIMAL: DOUBLE; FLOAT with
 *   DOUBLE: DOUBLE;
 * - strings: of the same fixed length, that CHAR(n); otherwise VARCHAR of the longest length
 *   (STRING when either is one); binary strings the same way (BINARY(n), VARBINARY, BYTES);
 * - timestamps, times: the larger precision, a TIMESTAMP_LTZ when either is one;
 * - collections and rows of the common types of their parts; the same type otherwise; none for
 *   types that differ in another way (INT and STRING).
 */

import type { DataType } from "../parser/ast.js";

/** `t` as a nullable type (an unknown type stays unknown). */
export function nullable(t: DataType | undefined): DataType | undefined {
  return t === undefined ? t : { ...t, notNull: false };
}

/**
 * `t` as a nullable type the way Calcite's createTypeWithNullability makes one in Flink 1.20: a ROW's
 * fields (and theirs) become nullable too, an ARRAY's or MAP's parts stay as they are, so that
 * `ARRAY[ROW(1, 'a'), NULL]` is an `ARRAY<ROW<EXPR$0 INT, EXPR$1 CHAR(1)>>`.
 */
export function nullableDeep(t: DataType | undefined): DataType | undefined {
  if (t?.kind !== "row") return nullable(t);
  return {
    ...t,
    fields: t.fields.map((f) => ({ ...f, type: nullableDeep(f.type) as DataType })),
    notNull: false,
  };
}

/** Whole digits of the integer types as DECIMALs (Flink's getPrecision of an exact numeric). */
const INTEGER_DIGITS: Record<string, number> = { TINYINT: 3, SMALLINT: 5, INT: 10, BIGINT: 19 };
const APPROXIMATE = new Set(["FLOAT", "DOUBLE"]);
const STRINGS = new Set(["CHAR", "VARCHAR", "STRING"]);

const TIMESTAMPS: ReadonlySet<string> = new Set(["TIMESTAMP", "TIMESTAMP_LTZ"]);

/** Whether `t` is a TIMESTAMP WITH LOCAL TIME ZONE (as either spelling is parsed). */
function isLtz(t: DataType & { kind: "atomic" }): boolean {
  return t.name === "TIMESTAMP_LTZ" || t.timeZone === "local";
}

/** Precision and scale of an exact numeric type: DECIMAL(p, s), or an integer's digits and 0. */
function exact(t: DataType & { kind: "atomic" }): [number, number] {
  if (t.name === "DECIMAL") return [t.args[0] ?? 10, t.args[1] ?? 0];
  return [INTEGER_DIGITS[t.name] ?? 19, 0];
}

/** The non-null common type of atomic types `a` and `b`; undefined when not one of the cases above. */
function atomicCommon(
  a: DataType & { kind: "atomic" },
  b: DataType & { kind: "atomic" },
): DataType | undefined {
  const atomic = (name: string, args: number[] = []): DataType => ({
    kind: "atomic",
    name,
    args,
    notNull: false,
  });
  if (a.name in INTEGER_DIGITS && b.name in INTEGER_DIGITS)
    return (INTEGER_DIGITS[a.name] as number) >= (INTEGER_DIGITS[b.name] as number) ? a : b;
  const exactA = a.name === "DECIMAL" || a.name in INTEGER_DIGITS;
  const exactB = b.name === "DECIMAL" || b.name in INTEGER_DIGITS;
  if (exactA && exactB) {
    const [p1, s1] = exact(a);
    const [p2, s2] = exact(b);
    const d = Math.min(Math.max(p1 - s1, p2 - s2), 38);
    const s = Math.min(Math.max(s1, s2), 38 - d);
    return atomic("DECIMAL", [d + s, s]);
  }
  if (APPROXIMATE.has(a.name) || APPROXIMATE.has(b.name)) {
    if (!(exactA || APPROXIMATE.has(a.name)) || !(exactB || APPROXIMATE.has(b.name))) return undefined;
    if (a.name === "DOUBLE" || b.name === "DOUBLE" || a.name === "DECIMAL" || b.name === "DECIMAL")
      return atomic("DOUBLE");
    return atomic("FLOAT");
  }
  if (STRINGS.has(a.name) && STRINGS.has(b.name)) {
    if (a.name === "STRING" || b.name === "STRING") return atomic("STRING");
    // CHAR and VARCHAR without a length are of length 1 (Flink's defaults).
    const [la, lb] = [a.args[0] ?? 1, b.args[0] ?? 1];
    if (a.name === "CHAR" && b.name === "CHAR" && la === lb) return atomic("CHAR", [la]);
    return atomic("VARCHAR", [Math.max(la, lb)]);
  }
  const timestamps = ["TIMESTAMP", "TIMESTAMP_LTZ"];
  if (timestamps.includes(a.name) && timestamps.includes(b.name)) {
    // TIMESTAMP and TIMESTAMP_LTZ default to precision 6, as in Flink.
    const p = Math.max(a.args[0] ?? 6, b.args[0] ?? 6);
    return isLtz(a) || isLtz(b) ? atomic("TIMESTAMP_LTZ", [p]) : atomic("TIMESTAMP", [p]);
  }
  if (a.name === "TIME" && b.name === "TIME")
    return atomic("TIME", [Math.max(a.args[0] ?? 0, b.args[0] ?? 0)]);
  return undefined;
}

/** The binary string type names. */
export const BINARY_TYPES: ReadonlySet<string> = new Set(["BINARY", "VARBINARY", "BYTES"]);

/**
 * The common type of `a` and `b` when they have one, as LogicalTypeMerging.findCommonType (the
 * <COMMON> argument strategy of ARRAY_UNION, MAP_UNION...): the cases of the file's comment, a
 * binary string as a string, the same atomic type, and ARRAY, MULTISET, MAP and ROW (of as many
 * fields; the left one's names) of the common types of their parts; nullable when either is.
 * Undefined when they have none (INT and STRING) or either is unknown.
 */
export function findCommonType(a: DataType | undefined, b: DataType | undefined): DataType | undefined {
  if (a === undefined || b === undefined) return undefined;
  const notNull = a.notNull && b.notNull;
  const found = commonParts(a, b);
  return found === undefined ? undefined : { ...found, notNull };
}

/** {@link findCommonType} of `a` and `b`, nullability aside; `calcite` for {@link setOperationType}. */
function commonParts(a: DataType, b: DataType, calcite = false): DataType | undefined {
  const common = calcite ? setOperationType : findCommonType;
  if (a.kind === "atomic" && b.kind === "atomic") {
    if (calcite && TIMESTAMPS.has(a.name) && TIMESTAMPS.has(b.name)) {
      // Calcite keeps the left type when the precisions are equal and otherwise takes the right's
      // kind with the larger precision: TIMESTAMP(3) with TIMESTAMP_LTZ(3) is TIMESTAMP(3), with
      // TIMESTAMP_LTZ(6) TIMESTAMP_LTZ(6); TIMESTAMP_LTZ(6) with TIMESTAMP(3) is TIMESTAMP(6).
      const [pa, pb] = [a.args[0] ?? 6, b.args[0] ?? 6];
      if (pa === pb) return a;
      const name = isLtz(b) ? "TIMESTAMP_LTZ" : "TIMESTAMP";
      return { kind: "atomic", name, args: [Math.max(pa, pb)], notNull: false };
    }
    if (BINARY_TYPES.has(a.name) && BINARY_TYPES.has(b.name)) {
      if (a.name === "BYTES" || b.name === "BYTES") return { ...a, name: "BYTES", args: [] };
      const [la, lb] = [a.args[0] ?? 1, b.args[0] ?? 1];
      if (a.name === "BINARY" && b.name === "BINARY" && la === lb) return a;
      return { ...a, name: "VARBINARY", args: [Math.max(la, lb)] };
    }
    return atomicCommon(a, b) ?? (a.name === b.name ? a : undefined);
  }
  if ((a.kind === "array" && b.kind === "array") || (a.kind === "multiset" && b.kind === "multiset")) {
    const element = common(a.element, b.element);
    return element === undefined ? undefined : { ...a, element };
  }
  if (a.kind === "map" && b.kind === "map") {
    const key = common(a.key, b.key);
    const value = common(a.value, b.value);
    return key === undefined || value === undefined ? undefined : { ...a, key, value };
  }
  if (a.kind === "row" && b.kind === "row") {
    if (a.fields.length !== b.fields.length) return undefined;
    const fields = a.fields.map((f, i) => ({ ...f, type: common(f.type, b.fields[i]?.type) }));
    return fields.every((f) => f.type !== undefined)
      ? { ...a, fields: fields as typeof a.fields }
      : undefined;
  }
  if (a.kind === "interval" && b.kind === "interval") return a;
  return undefined;
}

/**
 * The type of a column of a set operation (UNION [ALL], INTERSECT [ALL], EXCEPT [ALL]) whose sides
 * are of types `a` and `b`, as Calcite's leastRestrictive under Flink's type system derives it
 * (FlinkTypeFactory.leastRestrictive): {@link findCommonType}'s, but of two timestamps the left one
 * when their precisions are equal and otherwise the right one's kind of the larger precision
 * (Flink 1.20: TIMESTAMP(3) with TIMESTAMP_LTZ(3) is TIMESTAMP(3), TIMESTAMP_LTZ(3) with TIMESTAMP(3)
 * TIMESTAMP_LTZ(3)); nullable when either is. Undefined when they have none (INT and STRING, DATE
 * and TIMESTAMP), which Flink refuses ("Type mismatch in column 1 of UNION ALL"), or either is unknown.
 */
export function setOperationType(a: DataType | undefined, b: DataType | undefined): DataType | undefined {
  if (a === undefined || b === undefined) return undefined;
  const found = commonParts(a, b, true);
  return found === undefined ? undefined : { ...found, notNull: a.notNull && b.notNull };
}

/**
 * {@link findCommonType} of all of `types`, left to right (Flink merges a list the same way);
 * undefined when one is unknown or two have no common type.
 */
export function findCommonTypeOf(types: readonly (DataType | undefined)[]): DataType | undefined {
  let common = types[0];
  for (let i = 1; i < types.length && common !== undefined; i++) common = findCommonType(common, types[i]);
  return common;
}

/**
 * The type of values that come from any of `types` (CASE's branches, a VALUES column): the common
 * type of the known ones, as Flink's leastRestrictive, nullable when one is or is unknown (a NULL
 * literal has no type); the first known one when they have none, which Flink refuses (INT and
 * STRING).
 */
export function leastRestrictive(types: readonly (DataType | undefined)[]): DataType | undefined {
  const known = types.filter((t) => t !== undefined);
  const common = findCommonTypeOf(known) ?? known[0];
  return known.length < types.length ? nullable(common) : common;
}
