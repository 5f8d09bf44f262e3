/**
 * The scalar function library that runs today: each function takes evaluated arguments and
 * returns a value; most return NULL when an argument is NULL (SQL's rule), the conditional ones
 * (COALESCE, IF, NULLIF) do not. Flink functions that are not here yet are listed in
 * {@link NOT_YET_SUPPORTED} so that using one says "not supported yet" rather than "unknown".
 */

import { type Long, longAbs, longMod } from "@fleuve/core";
import type { DataType, Expr, SourcePos } from "../parser/ast.js";
import { ARRAY_SET_FUNCTIONS } from "./array-set-functions.js";
import { atomic } from "./data-types.js";
import { dateFormat } from "./date-format.js";
import { decimalModuloType, decimalRemainder, exactOf } from "./decimal-division.js";
import { ENCODING_FUNCTIONS } from "./encoding-functions.js";
import { calciteTypeText } from "./flink-type-text.js";
import { MATH_STRING_FUNCTIONS } from "./math-string-functions.js";
import { MORE_SCALAR_FUNCTIONS } from "./more-scalar-functions.js";
import { narrowed } from "./number-casts.js";
import type { IntegerTypeName } from "./number-text.js";
import { invalid } from "./problems.js";
import { STRING_COLLECTION_FUNCTIONS } from "./string-collection-functions.js";
import { flinkDay, TIMESTAMP_TIME_UNITS } from "./timestamp-fields.js";
import { toTimestamp } from "./to-timestamp.js";
import { TYPE_OF } from "./type-of.js";
import { dateOf, dayOfYear, isoWeek, parseTimestamp, timeOf } from "./values.js";

/** A scalar function: arity bounds, the evaluation, and the result type when it is fixed. */
export interface ScalarFunction {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** False for functions that look at NULL arguments themselves (COALESCE, IF...). */
  readonly nullIn?: false;
  readonly fn: (args: unknown[]) => unknown;
  readonly type?: DataType;
  /**
   * Plans one call site, before its arguments are compiled: checks literal arguments (so a bad one
   * fails when the query is planned), reads arguments that are not values (TIMESTAMPADD's unit),
   * or gives the site its own state (RAND's seeded generator). What it returns replaces, for this
   * site, the arguments to evaluate, the evaluation, and the result type (from the argument types,
   * `undefined` where unknown; it may throw to refuse them).
   */
  readonly atSite?: (site: { name: string; args: readonly Expr[]; pos: SourcePos }) => {
    readonly args?: readonly Expr[];
    readonly fn?: (args: unknown[]) => unknown;
    readonly type?: (argTypes: readonly (DataType | undefined)[]) => DataType | undefined;
  };
}

const STRING = atomic("STRING");
const DOUBLE = atomic("DOUBLE");
const INT = atomic("INT");
const BIGINT = atomic("BIGINT");
const TIMESTAMP_LTZ = atomic("TIMESTAMP_LTZ", [3]);

const INTEGER_TYPES: readonly IntegerTypeName[] = ["TINYINT", "SMALLINT", "INT", "BIGINT"];

/**
 * The type of FLOOR / CEIL of a number of type `t`: a DECIMAL(p, s) gives DECIMAL(p, 0) (Flink
 * 1.20's DESCRIBE; it prints FLOOR(-1.5) as -2), any other type is kept.
 */
function roundedType([t]: readonly (DataType | undefined)[]): DataType | undefined {
  if (t?.kind === "atomic" && t.name === "DECIMAL") return { ...t, args: [t.args[0] ?? 10, 0] };
  return t;
}

/**
 * MOD of two numbers that are not DECIMALs: SQL's remainder with the dividend's sign (JavaScript's
 * %, its -0 made 0 as Java's int arithmetic gives it); MOD(x, 0) fails the job, as Java's integer
 * remainder throws "/ by zero" in Flink 1.20 (MOD(7, 0) and 7 % 0 of INT columns).
 */
export function remainder(x: number, y: number): number {
  if (y === 0) throw new Error(`division by zero: MOD(${x}, 0)`);
  const r = x % y;
  return r === 0 ? 0 : r;
}

/** MOD of two numbers; of a BIGINT past 2^53 (a bigint), Java's long remainder, exact. */
function remainderOf(a: unknown, b: unknown): number {
  if (typeof a !== "bigint" && typeof b !== "bigint") return remainder(num(a), num(b));
  return b === 0 ? remainder(Number(a), 0) : (longMod(a as Long, b as Long) as number);
}

const str = (v: unknown) => String(v);

/** ASCII(s): the first byte of `s`'s UTF-8 text as a signed byte (Flink's `byteAt(0)`), 0 for ''. */
function asciiOf(s: string): number {
  if (s.length === 0) return 0;
  const first = Buffer.from(s.slice(0, 2), "utf8")[0] as number;
  return (first << 24) >> 24;
}
const num = (v: unknown) => Number(v);
const many = Number.POSITIVE_INFINITY;

/** The scalar functions by upper-case name. */
export const SCALAR_FUNCTIONS: ReadonlyMap<string, ScalarFunction> = new Map<string, ScalarFunction>([
  ["UPPER", { minArgs: 1, maxArgs: 1, fn: ([s]) => str(s).toUpperCase(), type: STRING }],
  ["LOWER", { minArgs: 1, maxArgs: 1, fn: ([s]) => str(s).toLowerCase(), type: STRING }],
  ["CHAR_LENGTH", { minArgs: 1, maxArgs: 1, fn: ([s]) => [...str(s)].length, type: INT }],
  ["CHARACTER_LENGTH", { minArgs: 1, maxArgs: 1, fn: ([s]) => [...str(s)].length, type: INT }],
  ["CONCAT", { minArgs: 1, maxArgs: many, fn: (a) => a.map(str).join(""), type: STRING }],
  [
    "CONCAT_WS",
    {
      minArgs: 2,
      maxArgs: many,
      nullIn: false,
      // Flink: NULL separator gives NULL; NULL strings are skipped.
      fn: ([sep, ...rest]) =>
        sep === null
          ? null
          : rest
              .filter((x) => x !== null)
              .map(str)
              .join(str(sep)),
      type: STRING,
    },
  ],
  ["SUBSTRING", { minArgs: 2, maxArgs: 3, fn: (a) => substring(a), type: STRING }],
  ["SUBSTR", { minArgs: 2, maxArgs: 3, fn: (a) => substring(a), type: STRING }],
  // TRIM(s), and TRIM([BOTH | LEADING | TRAILING] chars FROM s) held as TRIM(s, chars, mode):
  // removes the characters of the set `chars` from the ends, as Flink's BinaryStringDataUtil.trim.
  [
    "TRIM",
    {
      minArgs: 1,
      maxArgs: 3,
      fn: ([s, chars, mode]) =>
        chars === undefined ? str(s).replace(/^ +| +$/g, "") : trimChars(str(s), str(chars), String(mode)),
      type: STRING,
    },
  ],
  ["LTRIM", { minArgs: 1, maxArgs: 1, fn: ([s]) => str(s).replace(/^ +/, ""), type: STRING }],
  ["RTRIM", { minArgs: 1, maxArgs: 1, fn: ([s]) => str(s).replace(/ +$/, ""), type: STRING }],
  ["REPLACE", { minArgs: 3, maxArgs: 3, fn: ([s, a, b]) => str(s).split(str(a)).join(str(b)), type: STRING }],
  [
    "ABS",
    {
      minArgs: 1,
      maxArgs: 1,
      fn: ([x]) => Math.abs(num(x)),
      // ABS of an integer type keeps the type and wraps as Java's Math.abs: ABS(-2147483648) over
      // INT is -2147483648, over BIGINT the minimum stays too (Flink 1.20), TINYINT and SMALLINT
      // narrow back (ABS(CAST(-128 AS TINYINT)) is -128). The argument's type is known only once
      // the site's arguments are compiled, hence the site reading it.
      atSite: () => {
        let integer: IntegerTypeName | undefined;
        return {
          fn: ([x]) => {
            // Java's Math.abs of a long: Long.MIN_VALUE has no positive BIGINT, it stays.
            if (integer === "BIGINT") return longAbs(x as Long);
            const v = num(x);
            const n = Math.abs(v);
            return integer === undefined ? n : narrowed(n, integer);
          },
          type: ([t]) => {
            const name = t?.kind === "atomic" ? (t.name === "INTEGER" ? "INT" : t.name) : undefined;
            integer = INTEGER_TYPES.find((i) => i === name);
            return t;
          },
        };
      },
    },
  ],
  [
    "MOD",
    {
      minArgs: 2,
      maxArgs: 2,
      fn: ([a, b]) => remainderOf(a, b),
      atSite: () => {
        let decimal = false;
        return {
          // With a DECIMAL operand: exact, on the decimal text (decimalRemainder).
          fn: ([a, b]) => (decimal ? decimalRemainder(num(a), num(b)) : remainderOf(a, b)),
          // Flink's findModuloDecimalType with a DECIMAL operand (MOD(DECIMAL(23, 3),
          // DECIMAL(5, 1)) is a DECIMAL(7, 3)); of two integers the divisor's type (MOD(BIGINT,
          // INT) is an INT, as Calcite's NULLABLE_MOD: the remainder fits it), NOT NULL when both
          // are; the first operand's type otherwise.
          type: ([x, y]) => {
            // As Flink 1.20 (Calcite's MOD takes exact numbers only), and as `%` is refused.
            const approximate = (t: DataType | undefined) =>
              t?.kind === "atomic" && (t.name === "DOUBLE" || t.name === "FLOAT");
            if (approximate(x) || approximate(y)) {
              const shown = [x, y].map((t) => `<${t === undefined ? "?" : calciteTypeText(t)}>`).join(", ");
              throw invalid(
                `Cannot apply 'MOD' to arguments of type 'MOD(${shown})'. Supported form(s): 'MOD(<EXACT_NUMERIC>, <EXACT_NUMERIC>)'`,
              );
            }
            const ex = exactOf(x);
            const ey = exactOf(y);
            const isDecimal = (t: DataType | undefined) => t?.kind === "atomic" && t.name === "DECIMAL";
            decimal = ex !== undefined && ey !== undefined && (isDecimal(x) || isDecimal(y));
            if (ex !== undefined && ey !== undefined && !decimal && y !== undefined)
              return { ...y, notNull: x?.notNull === true && y.notNull === true };
            if (ex === undefined || ey === undefined || !decimal) return x;
            const t = atomic("DECIMAL", decimalModuloType(ex, ey));
            return x?.notNull === true && y?.notNull === true ? { ...t, notNull: true } : t;
          },
        };
      },
    },
  ],
  [
    "FLOOR",
    { minArgs: 1, maxArgs: 1, fn: ([x]) => Math.floor(num(x)), atSite: () => ({ type: roundedType }) },
  ],
  ["CEIL", { minArgs: 1, maxArgs: 1, fn: ([x]) => Math.ceil(num(x)), atSite: () => ({ type: roundedType }) }],
  [
    "CEILING",
    { minArgs: 1, maxArgs: 1, fn: ([x]) => Math.ceil(num(x)), atSite: () => ({ type: roundedType }) },
  ],
  ["POWER", { minArgs: 2, maxArgs: 2, fn: ([a, b]) => num(a) ** num(b), type: DOUBLE }],
  ["SQRT", { minArgs: 1, maxArgs: 1, fn: ([x]) => Math.sqrt(num(x)), type: DOUBLE }],
  ["LN", { minArgs: 1, maxArgs: 1, fn: ([x]) => Math.log(num(x)), type: DOUBLE }],
  ["LOG10", { minArgs: 1, maxArgs: 1, fn: ([x]) => Math.log10(num(x)), type: DOUBLE }],
  ["EXP", { minArgs: 1, maxArgs: 1, fn: ([x]) => Math.exp(num(x)), type: DOUBLE }],
  ["SIGN", { minArgs: 1, maxArgs: 1, fn: ([x]) => Math.sign(num(x)) }],
  ["COALESCE", { minArgs: 1, maxArgs: many, nullIn: false, fn: (a) => a.find((x) => x !== null) ?? null }],
  ["IF", { minArgs: 3, maxArgs: 3, nullIn: false, fn: ([c, a, b]) => (c === true ? a : b) }],
  ["NULLIF", { minArgs: 2, maxArgs: 2, nullIn: false, fn: ([a, b]) => (a !== null && a === b ? null : a) }],
  [
    "GREATEST",
    { minArgs: 1, maxArgs: many, fn: (a) => a.reduce((m, x) => ((x as number) > (m as number) ? x : m)) },
  ],
  [
    "LEAST",
    { minArgs: 1, maxArgs: many, fn: (a) => a.reduce((m, x) => ((x as number) < (m as number) ? x : m)) },
  ],
  [
    "TO_TIMESTAMP_LTZ",
    {
      minArgs: 1,
      maxArgs: 2,
      // Epoch seconds (precision 0, the default) or milliseconds (precision 3).
      fn: ([n, p]) => (p === undefined || num(p) === 0 ? num(n) * 1000 : num(n)),
      type: TIMESTAMP_LTZ,
    },
  ],
  ["TO_TIMESTAMP", toTimestamp],
  ["HASH_CODE", { minArgs: 1, maxArgs: 1, fn: ([s]) => javaHash(str(s)), type: INT }],
  ["CHR", { minArgs: 1, maxArgs: 1, fn: ([n]) => String.fromCharCode(num(n) % 256), type: STRING }],
  [
    "ASCII",
    // Flink's StringCallGen: the first byte of the UTF-8 text as a Java (signed) byte, so a
    // character past U+007F gives a negative number (ASCII('日') is -26), as Flink 1.20 does.
    { minArgs: 1, maxArgs: 1, fn: ([s]) => asciiOf(str(s)), type: INT },
  ],
  [
    "INITCAP",
    {
      minArgs: 1,
      maxArgs: 1,
      fn: ([s]) =>
        str(s)
          .toLowerCase()
          .replace(/(^|[^a-z0-9])([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase()),
      type: STRING,
    },
  ],
  ["REVERSE", { minArgs: 1, maxArgs: 1, fn: ([s]) => [...str(s)].reverse().join(""), type: STRING }],
  ["LPAD", { minArgs: 3, maxArgs: 3, fn: ([s, n, p]) => pad(str(s), num(n), str(p), true), type: STRING }],
  ["RPAD", { minArgs: 3, maxArgs: 3, fn: ([s, n, p]) => pad(str(s), num(n), str(p), false), type: STRING }],
  // Flink's EXTRACT shorthands of a DATE or TIMESTAMP: YEAR(d) is EXTRACT(YEAR FROM d), ...
  ["YEAR", { minArgs: 1, maxArgs: 1, fn: ([t]) => timeField(t, (d) => d.getUTCFullYear()), type: BIGINT }],
  [
    "QUARTER",
    {
      minArgs: 1,
      maxArgs: 1,
      fn: ([t]) => timeField(t, (d) => Math.floor(d.getUTCMonth() / 3) + 1),
      type: BIGINT,
    },
  ],
  ["MONTH", { minArgs: 1, maxArgs: 1, fn: ([t]) => timeField(t, (d) => d.getUTCMonth() + 1), type: BIGINT }],
  ["WEEK", { minArgs: 1, maxArgs: 1, fn: ([t]) => timeField(t, isoWeek), type: BIGINT }],
  ["DAYOFYEAR", { minArgs: 1, maxArgs: 1, fn: ([t]) => timeField(t, dayOfYear), type: BIGINT }],
  ["DAYOFMONTH", { minArgs: 1, maxArgs: 1, fn: ([t]) => timeField(t, (d) => d.getUTCDate()), type: BIGINT }],
  // Sunday is 1, as EXTRACT(DOW ...).
  [
    "DAYOFWEEK",
    { minArgs: 1, maxArgs: 1, fn: ([t]) => timeField(t, (d) => d.getUTCDay() + 1), type: BIGINT },
  ],
  ["HOUR", { minArgs: 1, maxArgs: 1, fn: ([t]) => timeUnit(t, TIMESTAMP_TIME_UNITS.HOUR), type: BIGINT }],
  ["MINUTE", { minArgs: 1, maxArgs: 1, fn: ([t]) => timeUnit(t, TIMESTAMP_TIME_UNITS.MINUTE), type: BIGINT }],
  ["SECOND", { minArgs: 1, maxArgs: 1, fn: ([t]) => timeUnit(t, TIMESTAMP_TIME_UNITS.SECOND), type: BIGINT }],
  ["DATE_FORMAT", { minArgs: 2, maxArgs: 2, fn: ([t, f]) => dateFormat(t, str(f)), type: STRING }],
  [
    "REGEXP_EXTRACT",
    { minArgs: 2, maxArgs: 3, fn: ([s, r, i]) => regexpExtract(str(s), str(r), i), type: STRING },
  ],
  [
    "SPLIT_INDEX",
    {
      minArgs: 3,
      maxArgs: 3,
      // An integer separator is a character code, as Flink's splitIndex(String, int, int):
      // SPLIT_INDEX('a,b', 44, 1) is 'b' (Flink 1.20).
      fn: ([s, sep, i]) =>
        splitIndex(str(s), typeof sep === "number" ? String.fromCharCode(sep) : str(sep), num(i)),
      type: STRING,
    },
  ],
  ...MORE_SCALAR_FUNCTIONS,
  ...MATH_STRING_FUNCTIONS,
  ...STRING_COLLECTION_FUNCTIONS,
  ...ARRAY_SET_FUNCTIONS,
  ...ENCODING_FUNCTIONS,
  ["TYPEOF", TYPE_OF],
]);

/** A function of the current time: its result type, and its value from the clock's epoch milliseconds. */
export interface ClockFunction {
  readonly type: DataType;
  readonly fromMs: (ms: number) => number;
  /** Whether SQL writes it without parentheses (`CURRENT_DATE`, the standard's niladic functions). */
  readonly niladic: boolean;
}

const asIs = (ms: number) => ms;
// NOT NULL, as Flink 1.20 types every one of these functions (DESCRIBE of a view).
const TIME0 = atomic("TIME", [0], true);
const CLOCK_LTZ = atomic("TIMESTAMP_LTZ", [3], true);

/**
 * The functions of the current time, as Flink runs them in streaming mode: evaluated for each
 * record, from the job's processing-time clock (see clock.ts), in the session time zone (UTC
 * here; compile-expression.ts applies `table.local-time-zone`): `CURRENT_TIMESTAMP` and `NOW()`
 * are TIMESTAMP_LTZ(3), `LOCALTIMESTAMP` TIMESTAMP(3), `CURRENT_DATE` DATE, `CURRENT_TIME` and
 * `LOCALTIME` TIME(0) (whole seconds). `PROCTIME()` inside an expression (`DATE_FORMAT(PROCTIME(),
 * 'HH')`, `PROCTIME() + INTERVAL '1' HOUR`) is a plain TIMESTAMP_LTZ(3) NOT NULL value of that
 * clock, not a time attribute, as Flink materializes it there.
 */
export const CLOCK_FUNCTIONS: ReadonlyMap<string, ClockFunction> = new Map<string, ClockFunction>([
  ["CURRENT_TIMESTAMP", { type: CLOCK_LTZ, fromMs: asIs, niladic: true }],
  ["LOCALTIMESTAMP", { type: atomic("TIMESTAMP", [3], true), fromMs: asIs, niladic: true }],
  ["CURRENT_DATE", { type: atomic("DATE", [], true), fromMs: dateOf, niladic: true }],
  ["CURRENT_TIME", { type: TIME0, fromMs: (ms) => timeOf(ms, 0), niladic: true }],
  ["LOCALTIME", { type: TIME0, fromMs: (ms) => timeOf(ms, 0), niladic: true }],
  ["NOW", { type: CLOCK_LTZ, fromMs: asIs, niladic: false }],
  ["CURRENT_ROW_TIMESTAMP", { type: CLOCK_LTZ, fromMs: asIs, niladic: false }],
  // PROCTIME() inside an expression; as a select item or computed column of its own it is a
  // processing-time attribute instead (plan-query.ts, scan.ts).
  ["PROCTIME", { type: CLOCK_LTZ, fromMs: asIs, niladic: false }],
]);

/** Epoch ms of a timestamp, date or time (a number) or a timestamp text; NaN for an unreadable one. */
const epochMs = (t: unknown) => (typeof t === "number" ? t : parseTimestamp(String(t)));

/**
 * A date field (YEAR...) of a timestamp, date or time; NULL for an unreadable one. Read from the
 * day Flink 1.20 takes (timestamp-fields.ts: divided toward zero before 1970), as its EXTRACT.
 */
function timeField(t: unknown, field: (d: Date) => number): number | null {
  const ms = epochMs(t);
  return Number.isFinite(ms) ? field(new Date(flinkDay(ms))) : null;
}

/** HOUR, MINUTE, SECOND of a timestamp or time as Flink 1.20 computes them (negative before 1970). */
function timeUnit(t: unknown, unit: ((v: number) => number) | undefined): number | null {
  const ms = epochMs(t);
  return Number.isFinite(ms) && unit !== undefined ? unit(ms) : null;
}

/** Regular expressions by their text (a query uses a few, each for every row). */
const REGEXPS = new Map<string, RegExp>();

/** REGEXP_EXTRACT(s, regex[, group]): the group (default 0) of the first match; NULL without one. */
function regexpExtract(s: string, regex: string, group: unknown): string | null {
  let re = REGEXPS.get(regex);
  if (re === undefined) {
    re = new RegExp(regex);
    if (REGEXPS.size < 256) REGEXPS.set(regex, re);
  }
  const m = re.exec(s);
  const v = m?.[group === undefined || group === null ? 0 : Number(group)];
  return v === undefined ? null : v;
}

/** SPLIT_INDEX(s, separator, index): the index-th (from 0) part of s split at separator; NULL out of range. */
function splitIndex(s: string, sep: string, index: number): string | null {
  if (index < 0) return null;
  const parts = s.split(sep);
  return index < parts.length ? (parts[index] as string) : null;
}

/** The code points of `s` less those of the set `chars` at the start (LEADING), end (TRAILING) or both. */
function trimChars(s: string, chars: string, mode: string): string {
  const set = new Set(chars);
  const cs = [...s];
  let from = 0;
  let to = cs.length;
  if (mode !== "TRAILING") while (from < to && set.has(cs[from] as string)) from++;
  if (mode !== "LEADING") while (to > from && set.has(cs[to - 1] as string)) to--;
  return cs.slice(from, to).join("");
}

/** SUBSTRING(s, start[, length]), 1-based; a start below 1 counts from 1 as Flink does. */
function substring([s, start, len]: unknown[]): string {
  const chars = [...String(s)];
  const from = Math.max(Number(start), 1) - 1;
  return (len === undefined ? chars.slice(from) : chars.slice(from, from + Math.max(Number(len), 0))).join(
    "",
  );
}

function pad(s: string, n: number, p: string, left: boolean): string | null {
  // As Flink 1.20's SqlFunctionUtils.lpad / rpad: an empty pad is NULL whatever the lengths.
  if (n < 0 || p.length === 0) return null;
  if (s.length >= n) return s.slice(0, n);
  const fill = p.repeat(Math.ceil((n - s.length) / p.length)).slice(0, n - s.length);
  return left ? fill + s : s + fill;
}

/** Java's String.hashCode (Flink's HASH_CODE). */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The aggregate functions the window aggregation runs. */
export const AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set([
  "COUNT",
  "SUM",
  "MIN",
  "MAX",
  "AVG",
  "LISTAGG",
  "ARRAY_AGG",
  "FIRST_VALUE",
  "LAST_VALUE",
  "VAR_POP",
  "VAR_SAMP",
  "VARIANCE",
  "STDDEV_POP",
  "STDDEV_SAMP",
  "STDDEV",
  "JSON_OBJECTAGG",
  "JSON_ARRAYAGG",
  "COLLECT",
]);

/**
 * Functions Flink SQL has that Fleuve SQL does not run yet: using one raises
 * FLEUVE_SQL_UNSUPPORTED (a name in neither list is FLEUVE_SQL_VALIDATION, "unknown function").
 */
export const NOT_YET_SUPPORTED: ReadonlySet<string> = new Set([
  "ROW_NUMBER",
  "RANK",
  "DENSE_RANK",
  "LAG",
  "LEAD",
  "TUMBLE",
  "HOP",
  "SESSION",
  "CUMULATE",
  "TUMBLE_START",
  "TUMBLE_END",
  "TUMBLE_ROWTIME",
  "TUMBLE_PROCTIME",
  "HOP_START",
  "HOP_END",
  "HOP_ROWTIME",
  "HOP_PROCTIME",
  "SESSION_START",
  "SESSION_END",
  "SESSION_ROWTIME",
  "SESSION_PROCTIME",
  "MATCH_ROWTIME",
  "PREV",
  "NEXT",
  "FIRST",
  "LAST",
  "CLASSIFIER",
]);
