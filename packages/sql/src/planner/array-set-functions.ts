/**
 * Flink 1.20's ARRAY_SORT, ARRAY_UNION, ARRAY_EXCEPT, ARRAY_INTERSECT and MAP_UNION, with the
 * semantics of their runtime classes in flink-table-runtime (ArraySortFunction,
 * ArrayUnionFunction, ArrayExceptFunction, ArrayIntersectFunction, MapUnionFunction). They join
 * {@link SCALAR_FUNCTIONS}; each checks its argument types when the query is planned.
 */

import type { DataType, SourcePos } from "../parser/ast.js";
import { findCommonType } from "./common-type.js";
import { typeName } from "./more-scalar-functions.js";
import { invalid } from "./problems.js";
import type { ScalarFunction } from "./scalar-functions.js";
import {
  arrayOf,
  checked,
  distinctInto,
  expectArray,
  same,
  type Types,
} from "./string-collection-functions.js";
import { MAP_KEY_ORDER, ownValue, rowFields, setColumn, withKeyOrder } from "./values.js";

/** The text of a type in a message: `ARRAY<INT>`, `MAP<STRING, INT>`, `INT`. */
function shown(t: DataType): string {
  switch (t.kind) {
    case "atomic":
      return t.name;
    case "array":
      return `ARRAY<${shown(t.element)}>`;
    case "multiset":
      return `MULTISET<${shown(t.element)}>`;
    case "map":
      return `MAP<${shown(t.key)}, ${shown(t.value)}>`;
    default:
      return t.kind.toUpperCase();
  }
}

/**
 * The type of a function of two arrays of a common type (ARRAY_UNION, ARRAY_EXCEPT,
 * ARRAY_INTERSECT): a nullable array of the elements' common type (Flink's <COMMON> strategy, so
 * ARRAY[1] with ARRAY[2.5] has DECIMAL(11, 1) elements, nullable when either array's are).
 */
function twoArrays(name: string, types: Types, pos: SourcePos): DataType | undefined {
  const a = expectArray(name, types, 0, pos);
  const b = expectArray(name, types, 1, pos);
  if (a === undefined || b === undefined) return arrayOf(a ?? b);
  const element = findCommonType(a, b);
  if (element === undefined)
    throw invalid(
      `${name}'s arguments must be ARRAYs of a common element type, not ${shown(types[0] as DataType)} and ${shown(types[1] as DataType)}`,
      pos,
    );
  return arrayOf(element);
}

/** The code points of two strings compared, as Flink compares StringData (by UTF-8 bytes). */
function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * The order of two non-NULL values of one comparable type `t` (when known), as Flink's generated
 * comparison: numbers and date-times by value, strings by code point, FALSE before TRUE, binary
 * strings by unsigned bytes, arrays and rows field by field (NULL fields first). A ROW may be an
 * array (a ROW constructor's) or an object by field name (a connector's): its fields are read in
 * the type's order, as {@link rowFields} reads them.
 */
export function compareValues(a: unknown, b: unknown, t?: DataType): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === "string" && typeof b === "string") return compareText(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  if (typeof a === "object" && typeof b === "object") {
    const element = t?.kind === "array" ? t.element : undefined;
    const [xs, ys] = t?.kind === "row" ? [rowFields(a, t), rowFields(b, t)] : [a, b];
    if (Array.isArray(xs) && Array.isArray(ys)) {
      for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
        const c = compareValues(xs[i], ys[i], t?.kind === "row" ? t.fields[i]?.type : element);
        if (c !== 0) return c;
      }
      return xs.length - ys.length;
    }
    // A row whose type is not known: its fields in the object's order.
    return compareValues(rowFields(a, undefined), rowFields(b, undefined));
  }
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  const [x, y] = [a as number, b as number];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * ArraySortFunction.eval: `array` (of elements of type `element`, when known) sorted ascending
 * (or descending), NULL elements first or last (by default first when ascending, last when
 * descending); NULL when any argument is NULL.
 */
function arraySort([a, asc, nullsFirst]: unknown[], element?: DataType): unknown[] | null {
  if (a === null || asc === null || nullsFirst === null) return null;
  const ascending = asc === undefined ? true : asc === true;
  const first = nullsFirst === undefined ? ascending : nullsFirst === true;
  const sign = ascending ? 1 : -1;
  // Array.prototype.sort is stable, as Java's Arrays.sort of objects (TimSort).
  return [...(a as unknown[])].sort((x, y) => {
    if (x === null || y === null) return x === y ? 0 : (x === null) === first ? -1 : 1;
    return sign * compareValues(x, y, element);
  });
}

/** ArrayExceptFunction.eval: `a`'s distinct elements not in `b` (a NULL `b` removes none), NULL last. */
function arrayExcept([a, b]: unknown[]): unknown[] | null {
  if (a === null) return null;
  const seen: unknown[] = [];
  let nullInB = false;
  for (const x of (b ?? []) as unknown[]) if (x === null) nullInB = true;
  for (const x of (b ?? []) as unknown[]) if (x !== null) seen.push(x);
  const out: unknown[] = [];
  let nullInA = false;
  for (const x of a as unknown[]) {
    if (x === null) nullInA = true;
    else if (!seen.some((y) => same(x, y))) {
      seen.push(x);
      out.push(x);
    }
  }
  if (nullInA && !nullInB) out.push(null);
  return out;
}

/** ArrayIntersectFunction.eval: `a`'s distinct elements that are in `b`, in `a`'s order (NULL matches NULL). */
function arrayIntersect([a, b]: unknown[]): unknown[] | null {
  if (a === null || b === null) return null;
  const inB = (x: unknown) =>
    (b as unknown[]).some((y) => (x === null ? y === null : y !== null && same(x, y)));
  return distinctInto(
    [],
    (a as unknown[]).filter((x) => inB(x)),
  );
}

/** The key order map `m` was written in (a MAP constructor's...), when known. */
function storedOrder(m: object): readonly string[] | undefined {
  return (m as { [MAP_KEY_ORDER]?: readonly string[] })[MAP_KEY_ORDER];
}

/**
 * MapUnionFunction.eval: the maps merged left to right, a later map's value winning for a key
 * they share; NULL when any map is NULL. Its entries: the later map's, then the earlier one's
 * other keys (the order of the MapData Flink builds), each in its own stored order; when a map's
 * order is not known (a connector's), neither is the result's, so none is pinned and CAST orders
 * it as the java.util.HashMap it is in Flink.
 */
function mapUnion(maps: unknown[]): Record<string, unknown> | null {
  if (maps.some((m) => m === null)) return null;
  let result = maps[0] as Record<string, unknown>;
  for (const m of maps.slice(1) as Record<string, unknown>[]) {
    const keys = Object.keys(m);
    if (keys.length === 0) continue;
    const merged: Record<string, unknown> = {};
    for (const k of keys) setColumn(merged, k, ownValue(m, k));
    for (const k of Object.keys(result))
      if (!Object.hasOwn(merged, k)) setColumn(merged, k, ownValue(result, k));
    const [later, earlier] = [storedOrder(m), storedOrder(result)];
    result =
      later === undefined || earlier === undefined
        ? merged
        : withKeyOrder(merged, [...later, ...earlier.filter((k) => !Object.hasOwn(m, k))]);
  }
  return result;
}

/** MAP_UNION's type: the maps' common map type (Flink's <COMMON> strategy), nullable when any map is. */
function mapUnionType(name: string, types: Types, pos: SourcePos): DataType | undefined {
  let common: DataType | undefined;
  let unknown = false;
  for (let i = 0; i < types.length; i++) {
    const t = types[i];
    if (t === undefined) {
      unknown = true;
      continue;
    }
    if (t.kind !== "map") throw invalid(`${name}'s argument ${i + 1} must be a MAP, not ${shown(t)}`, pos);
    const merged = common === undefined ? t : findCommonType(common, t);
    if (merged === undefined)
      throw invalid(
        `${name}'s arguments must be MAPs of a common type, not ${shown(common as DataType)} and ${shown(t)}`,
        pos,
      );
    common = merged;
  }
  return common === undefined ? undefined : unknown ? { ...common, notNull: false } : common;
}

/** Element types ARRAY_SORT cannot order (Flink's ArrayComparableElementArgumentTypeStrategy). */
const UNORDERED: ReadonlySet<string> = new Set(["map", "multiset"]);

/** The functions of this module by upper-case name, for {@link SCALAR_FUNCTIONS}. */
export const ARRAY_SET_FUNCTIONS: ReadonlyArray<readonly [string, ScalarFunction]> = [
  [
    "ARRAY_SORT",
    {
      minArgs: 1,
      maxArgs: 3,
      fn: (args) => arraySort(args),
      // Its own NULL rule (the same as SQL's, but for the optional arguments it reads itself).
      nullIn: false,
      atSite: ({ name, pos }) => {
        // The element type, known once the site is typed: a connector's ROW is an object whose
        // fields are compared in the type's order.
        let element: DataType | undefined;
        return {
          fn: (args) => arraySort(args, element),
          type: (types) => {
            element = expectArray(name, types, 0, pos);
            if (element !== undefined && UNORDERED.has(element.kind))
              throw invalid(
                `${name}'s argument 1 must be an ARRAY of comparable elements, not of ${shown(element)}`,
                pos,
              );
            for (let i = 1; i < types.length; i++) {
              const t = types[i];
              if (t !== undefined && typeName(t) !== "BOOLEAN")
                throw invalid(`${name}'s argument ${i + 1} must be a BOOLEAN, not ${shown(t)}`, pos);
            }
            return arrayOf(element);
          },
        };
      },
    },
  ],
  [
    "ARRAY_UNION",
    checked(
      2,
      2,
      ([a, b]) =>
        a === null || b === null ? null : distinctInto(distinctInto([], a as unknown[]), b as unknown[]),
      twoArrays,
    ),
  ],
  // A NULL second array removes nothing (ArrayExceptFunction reads it as empty).
  ["ARRAY_EXCEPT", checked(2, 2, arrayExcept, twoArrays, false)],
  ["ARRAY_INTERSECT", checked(2, 2, arrayIntersect, twoArrays)],
  ["MAP_UNION", checked(1, Number.POSITIVE_INFINITY, mapUnion, mapUnionType)],
];
