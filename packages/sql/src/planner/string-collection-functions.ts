/**
 * More of Flink 1.20's built-in scalar functions, with the semantics of its runtime (StringCallGen,
 * SqlFunctionUtils, the Array and Map functions of flink-table-runtime): LEFT, RIGHT, OVERLAY,
 * POSITION, LOCATE, REPEAT, PARSE_URL, CONVERT_TZ, SPLIT, IFNULL, E, SINH, COSH, TANH, COT, ELEMENT, ARRAY_APPEND,
 * ARRAY_PREPEND, ARRAY_CONCAT, ARRAY_CONTAINS, ARRAY_DISTINCT, ARRAY_POSITION, ARRAY_REMOVE,
 * ARRAY_REVERSE, ARRAY_SLICE, ARRAY_JOIN, ARRAY_MAX, ARRAY_MIN, MAP_KEYS, MAP_VALUES, MAP_ENTRIES,
 * MAP_FROM_ARRAYS. They join {@link SCALAR_FUNCTIONS}; each checks its argument types when the
 * query is planned, naming the function.
 */

import { isDeepStrictEqual } from "node:util";
import type { DataType, SourcePos } from "../parser/ast.js";
import { findCommonType, nullable } from "./common-type.js";
import { atomic } from "./data-types.js";
import { typeName } from "./more-scalar-functions.js";
import { invalid } from "./problems.js";
import type { ScalarFunction } from "./scalar-functions.js";
import { convertTz } from "./time-rounding.js";
import { ownValue, setColumn } from "./values.js";

const STRING = atomic("STRING");
const INT = atomic("INT");
const DOUBLE = atomic("DOUBLE");
const BOOLEAN = atomic("BOOLEAN");

const str = (v: unknown) => String(v);
const num = (v: unknown) => Number(v);

/** The argument types of a call site, `undefined` where unknown. */
export type Types = readonly (DataType | undefined)[];
type Check = (name: string, types: Types, pos: SourcePos) => DataType | undefined;

/** The names of the character string types. */
export const STRING_TYPES: ReadonlySet<string> = new Set(["STRING", "VARCHAR", "CHAR"]);
/** The names of the integer types. */
export const INTEGER_TYPES: ReadonlySet<string> = new Set([
  "TINYINT",
  "SMALLINT",
  "INT",
  "INTEGER",
  "BIGINT",
]);
/** The names of the number types. */
export const NUMBER_TYPES: ReadonlySet<string> = new Set([...INTEGER_TYPES, "FLOAT", "DOUBLE", "DECIMAL"]);

/** Refuses argument `i` (from 0) of `name` unless its type is unknown or one of `names`. */
export function expect(
  name: string,
  types: Types,
  i: number,
  names: ReadonlySet<string>,
  what: string,
  pos: SourcePos,
) {
  const t = types[i];
  if (t !== undefined && !names.has(typeName(t) ?? ""))
    throw invalid(`${name}'s argument ${i + 1} must be ${what}, not ${typeName(t)}`, pos);
}

/** Refuses argument `i` of `name` unless it is an array (or of unknown type); its element type. */
export function expectArray(name: string, types: Types, i: number, pos: SourcePos): DataType | undefined {
  const t = types[i];
  if (t === undefined) return undefined;
  if (t.kind !== "array")
    throw invalid(`${name}'s argument ${i + 1} must be an ARRAY, not ${typeName(t)}`, pos);
  return t.element;
}

/** Refuses argument 1 of `name` unless it is a map (or of unknown type). */
export function expectMap(
  name: string,
  types: Types,
  pos: SourcePos,
): (DataType & { kind: "map" }) | undefined {
  const t = types[0];
  if (t === undefined) return undefined;
  if (t.kind !== "map") throw invalid(`${name}'s argument 1 must be a MAP, not ${typeName(t)}`, pos);
  return t;
}

/** A nullable ARRAY of `element` (unknown when it is). */
export const arrayOf = (element: DataType | undefined): DataType | undefined =>
  element === undefined ? undefined : { kind: "array", element, notNull: false };

/**
 * The element type of ARRAY_APPEND / ARRAY_PREPEND's result: the array's, nullable when the added
 * element may be NULL (Flink's ArrayAppendPrependTypeStrategy): `ARRAY_APPEND(ARRAY[1], CAST(NULL
 * AS INT))` is an ARRAY<INT>, not an ARRAY<INT NOT NULL>; so is `ARRAY_APPEND(ARRAY[1], NULL)`, whose NULL
 * (of no type here) takes the element type in Flink.
 */
const appendedElement = (element: DataType | undefined, added: DataType | undefined): DataType | undefined =>
  element === undefined || added?.notNull === true ? element : { ...element, notNull: false };

/** A function whose argument types are checked (and result type computed) at its call site. */
export function checked(
  minArgs: number,
  maxArgs: number,
  fn: (args: unknown[]) => unknown,
  check: Check,
  nullIn?: false,
): ScalarFunction {
  return {
    minArgs,
    maxArgs,
    fn,
    ...(nullIn === false ? { nullIn } : {}),
    atSite: ({ name, pos }) => ({ type: (types) => check(name, types, pos) }),
  };
}

/** A function of strings (`s`) and integers (`i`), by position, giving a STRING or `result`. */
function stringFunction(
  signature: string,
  fn: (args: unknown[]) => unknown,
  result: DataType = STRING,
  minArgs = signature.length,
): ScalarFunction {
  return checked(minArgs, signature.length, fn, (name, types, pos) => {
    for (let i = 0; i < types.length; i++)
      if (signature[i] === "s") expect(name, types, i, STRING_TYPES, "a string", pos);
      else expect(name, types, i, INTEGER_TYPES, "an integer", pos);
    return result;
  });
}

/** A DOUBLE function of a number. */
const doubleOf = (f: (x: number) => number): ScalarFunction =>
  checked(
    1,
    1,
    ([x]) => f(num(x)),
    (name, types, pos) => {
      expect(name, types, 0, NUMBER_TYPES, "a number", pos);
      return DOUBLE;
    },
  );

/** The code points of a string (Flink's StringData counts characters, not UTF-16 units). */
const chars = (s: unknown) => [...str(s)];

/**
 * SqlFunctionUtils.position (POSITION, LOCATE): the 1-based character position of `seek` in `s`
 * from character `from` (below 1: from the start), 0 when absent; an empty `seek` is found at 1.
 */
function locate(seek: string, s: string, from: number): number {
  if (seek === "") return 1;
  const cs = [...s];
  const start = Math.max(from - 1, 0);
  if (start >= cs.length) return 0;
  const at = s.indexOf(seek, cs.slice(0, start).join("").length);
  return at < 0 ? 0 : [...s.slice(0, at)].length + 1;
}

/**
 * SqlFunctionUtils.overlay: `s` with `r` in place of `length` characters (Java chars) from
 * position `start`; `s` itself for a start out of 1..length(s).
 */
function overlay(s: string, r: string, start: number, length: number): string {
  if (start <= 0 || start > s.length) return s;
  const tail = start + length <= s.length && length > 0 ? s.slice(start - 1 + length) : "";
  return s.slice(0, start - 1) + r + tail;
}

/** java.net.URL's protocols (others are MalformedURLException, NULL in PARSE_URL). */
const URL_PROTOCOLS: ReadonlySet<string> = new Set(["http", "https", "ftp", "file", "jar"]);

/**
 * PARSE_URL(url, part[, key]), as SqlFunctionUtils.parseUrl reads the URL with java.net.URL:
 * HOST, PATH, QUERY, REF, PROTOCOL, FILE, AUTHORITY or USERINFO, NULL for a part the URL has not
 * (or another name, or a URL Java refuses); with a key, that query parameter's value.
 */
function parseUrl(url: string, part: string, key: unknown): string | null {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s.exec(url);
  const protocol = m?.[1]?.toLowerCase();
  if (m === null || protocol === undefined || !URL_PROTOCOLS.has(protocol)) return null;
  const authority = m[2] ?? null;
  const at = authority?.lastIndexOf("@") ?? -1;
  const hostPort = authority === null ? "" : authority.slice(at + 1);
  const host = hostPort.startsWith("[")
    ? hostPort.slice(0, hostPort.indexOf("]") + 1)
    : hostPort.split(":")[0];
  const path = m[3] ?? "";
  const query = m[4] ?? null;
  if (key !== undefined) {
    if (part !== "QUERY" || query === null) return null;
    const escaped = String(key).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(&|^)${escaped}=([^&]*)`).exec(query)?.[2] ?? null;
  }
  switch (part) {
    case "HOST":
      return host ?? "";
    case "PATH":
      return path;
    case "QUERY":
      return query;
    case "REF":
      return m[5] ?? null;
    case "PROTOCOL":
      return protocol;
    case "FILE":
      return query === null ? path : `${path}?${query}`;
    case "AUTHORITY":
      return authority;
    case "USERINFO":
      return authority !== null && at >= 0 ? authority.slice(0, at) : null;
    default:
      return null;
  }
}

/** ArraySliceFunction: 1-based offsets, negative from the end, 0 the start, both inclusive. */
function arraySlice(a: unknown[], start: number, end: number): unknown[] {
  if (a.length === 0) return a;
  let from = start < 0 ? start + a.length + 1 : start;
  let to = end < 0 ? end + a.length + 1 : end;
  from = Math.max(1, from);
  to = to === 0 ? 1 : Math.min(to, a.length);
  return to < from ? [] : a.slice(from - 1, to);
}

/** SQL equality of two non-NULL values of one type (deep, for ROW, ARRAY and MAP values). */
export const same = (a: unknown, b: unknown) => a === b || isDeepStrictEqual(a, b);

/** `out` with the elements of `xs` it lacks added, in their first order (SQL equality; one NULL at most). */
export function distinctInto(out: unknown[], xs: readonly unknown[]): unknown[] {
  for (const x of xs) if (!out.some((y) => same(x, y))) out.push(x);
  return out;
}

/** The greatest (`sign` 1) or least (-1) non-NULL element, NULL when there is none. */
function extreme(a: unknown[], sign: number): unknown {
  let best: unknown = null;
  for (const x of a)
    if (
      x !== null &&
      (best === null || (sign > 0 ? (x as number) > (best as number) : (x as number) < (best as number)))
    )
      best = x;
  return best;
}

/** A map key (held as a property name) as a value of the map's key type. */
export function keyReader(t: (DataType & { kind: "map" }) | undefined): (k: string) => unknown {
  const n = typeName(t?.key);
  if (n !== undefined && NUMBER_TYPES.has(n)) return Number;
  if (n === "BOOLEAN") return (k) => k === "true";
  return (k) => k;
}

/** A function of a map whose result depends on its key type. */
function mapFunction(
  build: (m: Record<string, unknown>, key: (k: string) => unknown) => unknown,
  result: (t: (DataType & { kind: "map" }) | undefined) => DataType | undefined,
): ScalarFunction {
  return {
    minArgs: 1,
    maxArgs: 1,
    fn: ([m]) => build(m as Record<string, unknown>, (k) => k),
    atSite: ({ name, pos }) => {
      let key: (k: string) => unknown = (k) => k;
      return {
        fn: ([m]) => build(m as Record<string, unknown>, key),
        type: (types) => {
          const t = expectMap(name, types, pos);
          key = keyReader(t);
          return result(t);
        },
      };
    },
  };
}

/** The functions of this module by upper-case name, for {@link SCALAR_FUNCTIONS}. */
export const STRING_COLLECTION_FUNCTIONS: ReadonlyArray<readonly [string, ScalarFunction]> = [
  // StringCallGen.generateLeft / generateRight: "" for a length of 0 or less.
  ["LEFT", stringFunction("si", ([s, n]) => (num(n) <= 0 ? "" : chars(s).slice(0, num(n)).join("")))],
  [
    "RIGHT",
    stringFunction("si", ([s, n]) => {
      const cs = chars(s);
      return num(n) <= 0 ? "" : num(n) >= cs.length ? str(s) : cs.slice(cs.length - num(n)).join("");
    }),
  ],
  [
    "OVERLAY",
    stringFunction(
      "ssii",
      ([s, r, p, l]) => overlay(str(s), str(r), num(p), l === undefined ? str(r).length : num(l)),
      STRING,
      3,
    ),
  ],
  ["PARSE_URL", stringFunction("sss", ([u, p, k]) => parseUrl(str(u), str(p), k), STRING, 2)],
  // POSITION(a IN b) is LOCATE(a, b): SqlFunctionUtils.position for both.
  ["POSITION", stringFunction("ss", ([a, b]) => locate(str(a), str(b), 1), INT)],
  [
    "LOCATE",
    stringFunction(
      "ssi",
      ([a, b, from]) => locate(str(a), str(b), from === undefined ? 1 : num(from)),
      INT,
      2,
    ),
  ],
  ["REPEAT", stringFunction("si", ([s, n]) => (num(n) <= 0 ? "" : str(s).repeat(num(n))))],
  // Its arguments' types are checked with the other string functions' (string-signatures.ts).
  [
    "CONVERT_TZ",
    checked(
      3,
      3,
      ([s, a, b]) => convertTz(str(s), str(a), str(b)),
      () => STRING,
    ),
  ],
  [
    "SPLIT",
    // SplitFunction: an empty delimiter splits every character; empty strings are kept.
    stringFunction("ss", ([s, d]) => (str(d) === "" ? chars(s) : str(s).split(str(d))), {
      kind: "array",
      element: STRING,
      notNull: false,
    }),
  ],
  [
    "IFNULL",
    checked(
      2,
      2,
      ([a, b]) => (a === null ? b : a),
      (_name, types) => {
        const [a, b] = types;
        if (a === undefined || b === undefined) return a ?? b;
        // Flink 1.20's IFNULL (IfNullTypeStrategy): a NOT NULL input's own type (IFNULL(CHAR(3)
        // NOT NULL, 'x') is CHAR(3) NOT NULL); else both arguments' common type of the
        // replacement's nullability (IFNULL(int, bigint) is BIGINT, IFNULL(CHAR(1), CHAR(3))
        // VARCHAR(3)); the input's type when they have none.
        if (a.notNull) return a;
        return { ...(findCommonType(a, b) ?? a), notNull: b.notNull };
      },
      false,
    ),
  ],
  ["E", { minArgs: 0, maxArgs: 0, fn: () => Math.E, type: DOUBLE }],
  ["SINH", doubleOf(Math.sinh)],
  ["COSH", doubleOf(Math.cosh)],
  ["TANH", doubleOf(Math.tanh)],
  // Calcite's SqlFunctions.cot: 1 / tan(x).
  ["COT", doubleOf((x) => 1 / Math.tan(x))],
  [
    "ELEMENT",
    checked(
      1,
      1,
      ([a]) => {
        const xs = a as unknown[];
        if (xs.length > 1) throw new Error("ELEMENT: the array has more than one element");
        return xs.length === 0 ? null : xs[0];
      },
      // The element type as it is, as Flink 1.20 types it (DESCRIBE and TYPEOF on bench/flink:
      // ELEMENT(ARRAY[1]) is INT NOT NULL, ELEMENT of a nullable ARRAY<INT NOT NULL> too, of an
      // ARRAY<INT> INT), though an empty array gives NULL.
      (name, types, pos) => expectArray(name, types, 0, pos),
    ),
  ],
  [
    "ARRAY_APPEND",
    checked(
      2,
      2,
      ([a, x]) => (a === null ? null : [...(a as unknown[]), x]),
      (n, t, p) => arrayOf(appendedElement(expectArray(n, t, 0, p), t[1])),
      false,
    ),
  ],
  [
    "ARRAY_PREPEND",
    checked(
      2,
      2,
      ([a, x]) => (a === null ? null : [x, ...(a as unknown[])]),
      (n, t, p) => arrayOf(appendedElement(expectArray(n, t, 0, p), t[1])),
      false,
    ),
  ],
  [
    "ARRAY_CONCAT",
    checked(
      1,
      Number.POSITIVE_INFINITY,
      (arrays) => (arrays as unknown[][]).flat(),
      (name, types, pos) => {
        let element: DataType | undefined;
        for (let i = 0; i < types.length; i++) element = expectArray(name, types, i, pos) ?? element;
        return arrayOf(element);
      },
    ),
  ],
  [
    "ARRAY_CONTAINS",
    checked(
      2,
      2,
      ([a, x]) => (a === null ? null : (a as unknown[]).some((e) => same(e, x))),
      (name, types, pos) => {
        expectArray(name, types, 0, pos);
        return BOOLEAN;
      },
      false,
    ),
  ],
  [
    "ARRAY_DISTINCT",
    checked(
      1,
      1,
      ([a]) => distinctInto([], a as unknown[]),
      (n, t, p) => arrayOf(expectArray(n, t, 0, p)),
    ),
  ],
  [
    "ARRAY_POSITION",
    checked(
      2,
      2,
      ([a, x]) => (a as unknown[]).findIndex((e) => same(e, x)) + 1,
      (name, types, pos) => {
        expectArray(name, types, 0, pos);
        return INT;
      },
    ),
  ],
  [
    "ARRAY_REMOVE",
    checked(
      2,
      2,
      ([a, x]) => (a === null ? null : (a as unknown[]).filter((e) => !same(e, x))),
      (n, t, p) => arrayOf(expectArray(n, t, 0, p)),
      false,
    ),
  ],
  [
    "ARRAY_REVERSE",
    checked(
      1,
      1,
      ([a]) => [...(a as unknown[])].reverse(),
      (n, t, p) => arrayOf(expectArray(n, t, 0, p)),
    ),
  ],
  [
    "ARRAY_SLICE",
    checked(
      2,
      3,
      ([a, s, e]) => arraySlice(a as unknown[], num(s), e === undefined ? (a as unknown[]).length : num(e)),
      (name, types, pos) => {
        const element = expectArray(name, types, 0, pos);
        expect(name, types, 1, INTEGER_TYPES, "an integer", pos);
        expect(name, types, 2, INTEGER_TYPES, "an integer", pos);
        return arrayOf(element);
      },
    ),
  ],
  [
    "ARRAY_JOIN",
    checked(
      2,
      3,
      ([a, d, r]) =>
        (a as unknown[])
          .flatMap((x) => (x === null ? (r === undefined ? [] : [r]) : [x]))
          .map(str)
          .join(str(d)),
      (name, types, pos) => {
        const element = expectArray(name, types, 0, pos);
        if (element !== undefined && !STRING_TYPES.has(typeName(element) ?? ""))
          throw invalid(`${name}'s argument 1 must be an ARRAY of strings, not of ${typeName(element)}`, pos);
        expect(name, types, 1, STRING_TYPES, "a string", pos);
        expect(name, types, 2, STRING_TYPES, "a string", pos);
        return STRING;
      },
    ),
  ],
  [
    "ARRAY_MAX",
    checked(
      1,
      1,
      ([a]) => extreme(a as unknown[], 1),
      // NULL of an empty array: nullable (Flink's forceNullable(ARRAY_ELEMENT)).
      (n, t, p) => nullable(expectArray(n, t, 0, p)),
    ),
  ],
  [
    "ARRAY_MIN",
    checked(
      1,
      1,
      ([a]) => extreme(a as unknown[], -1),
      // NULL of an empty array: nullable (Flink's forceNullable(ARRAY_ELEMENT)).
      (n, t, p) => nullable(expectArray(n, t, 0, p)),
    ),
  ],
  [
    "MAP_KEYS",
    mapFunction(
      (m, key) => Object.keys(m).map(key),
      (t) => arrayOf(t?.key),
    ),
  ],
  [
    "MAP_VALUES",
    mapFunction(
      (m) => Object.values(m),
      (t) => arrayOf(t?.value),
    ),
  ],
  [
    "MAP_ENTRIES",
    mapFunction(
      (m, key) => Object.keys(m).map((k) => [key(k), ownValue(m, k)]),
      (t) =>
        t === undefined
          ? undefined
          : {
              kind: "array",
              element: {
                kind: "row",
                fields: [
                  { name: "key", type: t.key },
                  { name: "value", type: t.value },
                ],
                // A nullable ROW (its fields as they are), as Flink 1.20's DESCRIBE shows it.
                notNull: false,
              },
              notNull: false,
            },
    ),
  ],
  [
    "MAP_FROM_ARRAYS",
    checked(
      2,
      2,
      ([ks, vs]) => {
        const keys = ks as unknown[];
        const values = vs as unknown[];
        if (keys.length !== values.length)
          throw new Error(
            `MAP_FROM_ARRAYS: the length of the keys array ${keys.length} is not equal to the length of the values array ${values.length}`,
          );
        const m: Record<string, unknown> = {};
        for (let i = 0; i < keys.length; i++) setColumn(m, str(keys[i]), values[i]);
        return m;
      },
      (name, types, pos) => {
        const key = expectArray(name, types, 0, pos);
        const value = expectArray(name, types, 1, pos);
        return key === undefined || value === undefined
          ? undefined
          : { kind: "map", key, value, notNull: false };
      },
    ),
  ],
];
