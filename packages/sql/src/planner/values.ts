/**
 * How SQL values are held in rows: numbers for every numeric type (DECIMAL as a double), strings,
 * booleans, null; DATE, TIMESTAMP and TIMESTAMP_LTZ as epoch milliseconds (UTC; a DATE at its
 * midnight), TIME as milliseconds of the day, day-time intervals as milliseconds, year-month
 * intervals as months; a MAP as an object of key text to value; a MULTISET as an object of element
 * text to its count (as a `MAP<T, INT>`, which is how Flink's formats write one). Conversions from
 * what a connector gives (JSON values) to a column's type live here.
 */

import {
  type CalendarFields,
  type CalendarStyle,
  calendarMillis,
  jsonWithLongs,
  longFromText,
  plainDecimalText,
  textFitsLong,
} from "@fleuve/core";
import type { DataType } from "../parser/ast.js";
import { formatDayTime, formatYearMonth, isYearMonthType } from "./intervals.js";
import { javaHashMapOrder } from "./java-hash-order.js";
import { type Convert, type NestedWalk, nestedConverter, setColumn } from "./nested-converter.js";
import { javaDecimalText, javaDoubleText, javaFloatText, roundedDecimalText } from "./number-text.js";

/** A row: column name to value. */
export type Row = Record<string, unknown>;

/** Sets column `name` of `row` to `v` as an own property, whatever the name (nested-converter.ts). */
export { setColumn };

/**
 * Whether every plain object answers to `name` without owning it (`constructor`, `toString`,
 * `__proto__`... of Object.prototype): reading such a field of a record that lacks it must not
 * see the inherited member.
 */
export function isInheritedName(name: string): boolean {
  return name in Object.prototype;
}

/**
 * The value under `key` of a MAP value or a record, when it has that key itself: undefined when
 * it lacks it, never a member of Object.prototype (`toString`, `__proto__`...).
 */
export function ownValue(obj: object, key: string): unknown {
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/** The reader of field `name` of a record from outside: its own property, undefined when absent. */
export function fieldReader(name: string): (record: Record<string, unknown>) => unknown {
  // Plain names read directly (the common, fast case); the names of Object.prototype's members
  // read only what the record has itself.
  return isInheritedName(name) ? (r) => (Object.hasOwn(r, name) ? r[name] : undefined) : (r) => r[name];
}

/** Whether a type is a timestamp (held as epoch milliseconds). */
export function isTimestampType(t: DataType | undefined): boolean {
  return t !== undefined && t.kind === "atomic" && (t.name === "TIMESTAMP" || t.name === "TIMESTAMP_LTZ");
}

/** The shape of a timestamp text, `YYYY-MM-DD[ T]HH:MM[:SS[.fff]]` (a `Z` after it allowed). */
const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?Z?$/;

/** The fields of a timestamp text (see {@link TIMESTAMP_TEXT}); undefined if it is not one. */
function timestampFields(text: string): CalendarFields | undefined {
  const m = TIMESTAMP_TEXT.exec(text.trim());
  return m === null ? undefined : matchedFields(m);
}

/** The calendar fields of a match of year, month, day, [hour, minute, [second, [fraction]]]. */
function matchedFields(m: RegExpExecArray): CalendarFields {
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    millisecond: m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0")),
  };
}

/**
 * Epoch milliseconds of a timestamp text `YYYY-MM-DD[ T]HH:MM[:SS[.fff]]` read as UTC; NaN if it
 * is not one. Read as Flink 1.20's CAST, TRY_CAST and TO_TIMESTAMP read timestamp text (java.time
 * in its default SMART style): a day within 1-31 past its month's end is the month's last day
 * (`2024-02-30` is 2024-02-29, `2023-04-31 10:00:00` 2023-04-30 10:00), a month outside 1-12, a
 * day outside 1-31, an hour past 23 (but 24:00:00, the next midnight) or a minute or second past
 * 59 is no timestamp, nor is text with blanks around it.
 */
export function parseTimestamp(text: string): number {
  // Blanks around the text make it none (Flink: TRY_CAST(' 2024-03-15 10:20:30' ...) is NULL).
  if (/^\s|\s$/.test(text)) return Number.NaN;
  const f = timestampFields(text) ?? shortTimestampFields(text);
  if (f === undefined) return Number.NaN;
  // 24:00:00 is the next day's midnight, as java.time's SMART resolver reads it.
  const endOfDay = f.hour === 24 && f.minute === 0 && f.second === 0 && f.millisecond === 0;
  const ms = calendarMillis(endOfDay ? { ...f, hour: 0 } : f, "smart");
  return typeof ms === "number" ? ms + (endOfDay ? DAY_MS : 0) : Number.NaN;
}

/**
 * The fields of a timestamp text of one-digit fields, as Flink's DEFAULT_TIMESTAMP_FORMATTER
 * (`yyyy-[MM][M]-[dd][d][ [HH][H]:[mm][m]:[ss][s][.fraction]]`) reads them: `2024-3-5 1:2:3`.
 */
function shortTimestampFields(text: string): CalendarFields | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{0,9}))?)?$/.exec(text);
  return m === null ? undefined : matchedFields(m);
}

/**
 * Epoch milliseconds of a timestamp text from a connector, checked as Flink's json format reads
 * one (see calendar-text.ts in @fleuve/core): `style` "strict" for a DATE (the day must exist),
 * "smart" for a timestamp (a day past its month's end is its last day); NaN if it is not one.
 */
function externalTimestamp(text: string, style: CalendarStyle): number {
  const f = timestampFields(text);
  if (f === undefined) return Number.NaN;
  const ms = calendarMillis(f, style);
  return typeof ms === "number" ? ms : Number.NaN;
}

/** Epoch ms of midnight (UTC) of `year`-`month` (0-based)-`day`; unlike Date.UTC, years 0 to 99 are those years, not 1900 to 1999. */
function utcMidnight(year: number, month: number, day: number): number {
  const t = new Date(0);
  t.setUTCFullYear(year, month, day);
  return t.getTime();
}

/** The day of the year of `d` (UTC), 1 to 366 (Flink's EXTRACT(DOY ...), DAYOFYEAR). */
export function dayOfYear(d: Date): number {
  return (
    (utcMidnight(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) -
      utcMidnight(d.getUTCFullYear(), 0, 1)) /
      DAY_MS +
    1
  );
}

/**
 * The ISO-8601 week of `d` (UTC), 1 to 53: weeks start on Monday and week 1 holds the year's first
 * Thursday (Flink's EXTRACT(WEEK ...), WEEK; 2024-12-30 is in week 1 of 2025).
 */
export function isoWeek(d: Date): number {
  const day = utcMidnight(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  // The Thursday of d's week decides its year.
  const thursday = day + (3 - ((d.getUTCDay() + 6) % 7)) * DAY_MS;
  const yearStart = utcMidnight(new Date(thursday).getUTCFullYear(), 0, 1);
  return Math.floor((thursday - yearStart) / DAY_MS / 7) + 1;
}

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/** The DATE of a timestamp (epoch ms): the epoch ms of its day's midnight (UTC). */
export function dateOf(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

/**
 * The TIME(p) of a timestamp (epoch ms): milliseconds of its day (UTC), cut to `precision`
 * fractional digits of a second (TIME is TIME(0): whole seconds, as Flink's LOCALTIME and CAST).
 */
export function timeOf(ms: number, precision = 0): number {
  const t = ((ms % DAY_MS) + DAY_MS) % DAY_MS;
  return precision >= 3 ? t : t - (t % 10 ** (3 - Math.max(0, precision)));
}

/**
 * Epoch milliseconds of the DATE text `yyyy-MM-dd` (one or two digits for month and day, as
 * Flink's DateTimeUtils.parseDate; text after a space is ignored, so a timestamp's text gives its
 * date); NaN if it is not a valid date.
 */
export function parseDate(text: string): number {
  const s = text.trim();
  const space = s.indexOf(" ");
  const m = /^(\d{1,4})-(\d{1,2})-(\d{1,2})$/.exec(space < 0 ? s : s.slice(0, space));
  if (m === null) return Number.NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // setUTCFullYear, not Date.UTC: that one reads years below 100 as 19xx.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  // 2020-02-30 rolls over to March: not a date.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d)
    return Number.NaN;
  return date.getTime();
}

/**
 * Milliseconds of the day of the TIME text `HH:mm[:ss[.fff]]` (hours 0-23), cut to `precision`
 * fractional digits; NaN if it is not a valid time.
 */
export function parseTime(text: string, precision = 0): number {
  const m = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?$/.exec(text.trim());
  if (m === null) return Number.NaN;
  const [h, min, sec] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (h > 23 || min > 59 || sec > 59) return Number.NaN;
  const ms = Number((m[4] ?? "").slice(0, 3).padEnd(3, "0"));
  return timeOf(((h * 60 + min) * 60 + sec) * 1000 + ms, precision);
}

/** Flink's text of a DATE (LocalDate): `yyyy-MM-dd`. */
export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Flink's text of a TIME(p) as CAST gives it: `HH:mm:ss`, with `.SSS` when p > 0. */
export function formatTime(ms: number, precision = 0): string {
  const iso = new Date(timeOf(ms, 3)).toISOString();
  return precision > 0 ? iso.slice(11, 20 + Math.min(3, precision)) : iso.slice(11, 19);
}

/** Flink's text of a TIMESTAMP(3): `yyyy-MM-dd HH:mm:ss.SSS` (UTC). */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** A MULTISET value: element text (see {@link multisetKey}) to its count, a positive integer. */
export type MultisetValue = Record<string, number>;

/**
 * The key of element `v` in a MULTISET value: its text as a MAP key's (`String(v)`), or its
 * JSON for a ROW, ARRAY or MAP element, whose `String` would lose it.
 */
function multisetKey(v: unknown): string {
  return typeof v === "object" && v !== null ? (jsonWithLongs(v) as string) : String(v);
}

/**
 * The MULTISET value of `counted` (an aggregate's multiset: value by JSON text to `[value,
 * count]`): each value counted more than 0 with its count, or once when `distinct`. A count of 0
 * or less is a retraction that came before its value (see aggregates.ts) and is left out.
 */
export function multisetOf(counted: Record<string, [unknown, number]>, distinct: boolean): MultisetValue {
  const out: MultisetValue = {};
  for (const text in counted) {
    const [v, n] = counted[text] as [unknown, number];
    if (n > 0) setColumn(out, multisetKey(v), distinct ? 1 : n);
  }
  return out;
}

/**
 * A MAP key or MULTISET element, held as its text (an object's key), back as a value of `t` (for
 * printing it as Flink does: a DOUBLE key `1` is `1.0`).
 */
export function valueOfKey(key: string, t: DataType | undefined): unknown {
  if (t === undefined) return key;
  if (t.kind !== "atomic") {
    try {
      return JSON.parse(key);
    } catch {
      return key;
    }
  }
  if (t.name === "BOOLEAN") return key === "true";
  return STRING_NAMES.has(t.name) ? key : Number(key);
}
const STRING_NAMES = new Set(["STRING", "VARCHAR", "CHAR"]);

/**
 * A MULTISET value as Flink prints one (MapToStringCastRule, and Java's Map.toString in a
 * `+I[...]` line): `{a=2, b=1}`, each element as {@link flinkText} gives it, then its count, the
 * elements in `order`.
 */
function multisetText(m: object, element: DataType | undefined, text: ValueText, order: EntryOrder): string {
  const parts: string[] = [];
  for (const [key, n] of order(Object.entries(m), element, m))
    parts.push(`${text(valueOfKey(key, element), element)}=${n}`);
  return `{${parts.join(", ")}}`;
}

/** How a value of a type is written as text: {@link flinkText} (print) or {@link castText} (CAST). */
type ValueText = (v: unknown, t: DataType | undefined) => string;

/**
 * The order a MAP's or MULTISET's entries (key text and value, as held) are written in:
 * {@link printOrder} for print, {@link castOrder} for CAST.
 */
type EntryOrder = <V>(entries: [string, V][], keyType: DataType | undefined, held: object) => [string, V][];

/**
 * The order a MAP constructor wrote its keys in (their texts, each once), kept on the map object
 * it built: Flink's constructor builds a BinaryMapData in that order, which its CAST walks, where a
 * JavaScript object puts integer-like keys first. Not enumerable, so rows compare and serialize
 * without it; a map that crossed threads or state has lost it, and is written in HashMap order.
 */
export const MAP_KEY_ORDER: unique symbol = Symbol("fleuve.map-key-order");

/** Map object `m` with the order its constructor wrote its keys in (see {@link MAP_KEY_ORDER}). */
export function withKeyOrder<M extends object>(m: M, keys: readonly string[]): M {
  Object.defineProperty(m, MAP_KEY_ORDER, { value: keys });
  return m;
}

/**
 * CAST's order (MapToStringCastRule walks Flink's internal map): a MAP constructor's, else the
 * java.util.HashMap's that a map read by a format or built by a function (COLLECT, STR_TO_MAP) is
 * a GenericMapData over in Flink.
 */
const castOrder: EntryOrder = (entries, keyType, held) => {
  const written = (held as { [MAP_KEY_ORDER]?: readonly string[] })[MAP_KEY_ORDER];
  if (written === undefined) return javaHashMapOrder(entries, keyType);
  const at = new Map(written.map((k, i) => [k, i]));
  return [...entries].sort(
    ([a], [b]) => (at.get(a) ?? Number.POSITIVE_INFINITY) - (at.get(b) ?? Number.POSITIVE_INFINITY),
  );
};

/** Print's order: the java.util.HashMap Flink's print sink converts every map to. */
const printOrder: EntryOrder = (entries, keyType) => javaHashMapOrder(entries, keyType);

/** A MAP value as Flink writes one, in print and in CAST alike: `{k1=v1, k2=v2}`, entries in `order`. */
function mapText(
  m: object,
  key: DataType | undefined,
  value: DataType | undefined,
  text: ValueText,
  order: EntryOrder,
): string {
  const parts: string[] = [];
  for (const [k, v] of order(Object.entries(m), key, m))
    parts.push(`${text(valueOfKey(k, key), key)}=${text(v, value)}`);
  return `{${parts.join(", ")}}`;
}

/**
 * The fields of a ROW value in order: a ROW constructor gives an array, a connector an object by
 * field name (a field it lacks is NULL).
 */
export function rowFields(v: object, t: DataType | undefined): unknown[] {
  if (Array.isArray(v)) return v;
  if (t?.kind !== "row") return Object.values(v);
  return t.fields.map((f) => ownValue(v, f.name) ?? null);
}

/** The type of field `i` of a ROW of type `t`, when known. */
function fieldType(t: DataType | undefined, i: number): DataType | undefined {
  return t?.kind === "row" ? t.fields[i]?.type : undefined;
}

/** The bytes of a BYTES value as Java's Arrays.toString of a byte[] shows them: `[104, -1]` (signed). */
function bytesText(b: Uint8Array): string {
  return `[${Array.from(b, (x) => (x > 127 ? x - 256 : x)).join(", ")}]`;
}

/**
 * The text of a collection or structured value (or one of unknown type) that `text` writes the
 * elements of; undefined for an atomic value. ARRAY `[a, b]`, MAP `{k=v}`, MULTISET `{e=count}`,
 * ROW as `row(fields)`.
 */
function structuredText(
  v: object,
  t: DataType | undefined,
  text: ValueText,
  row: (fields: string[]) => string,
  order: EntryOrder,
): string | undefined {
  if (t?.kind === "multiset") return multisetText(v, t.element, text, order);
  if (t?.kind === "map") return mapText(v, t.key, t.value, text, order);
  if (t?.kind === "row") return row(rowFields(v, t).map((x, i) => text(x, fieldType(t, i))));
  if (Array.isArray(v)) {
    const element = t?.kind === "array" ? t.element : undefined;
    return `[${v.map((x) => text(x, element)).join(", ")}]`;
  }
  if (t === undefined && !(v instanceof Uint8Array)) return mapText(v, undefined, undefined, text, order);
  return undefined;
}

/**
 * A MULTISET value from what a connector gave: a JSON object of element text to count, as Flink's
 * json format reads and writes one; null when it is not one (a count that is not a positive
 * integer), as other values that do not convert.
 */
function multisetFromExternal(value: unknown): MultisetValue | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  for (const n of Object.values(value)) if (!Number.isInteger(n) || (n as number) < 1) return null;
  return value as MultisetValue;
}

/**
 * The value of a column of type `t` from what a connector gave (null when absent or
 * unconvertible), at any depth: the fields of a ROW (a list of field values, or an object by
 * field name), the elements of an ARRAY, the keys and values of a MAP are converted as columns of
 * their types are (a timestamp's text to epoch ms, a MAP<INT, ...> key '007' to '7'...). The
 * converter of each type is compiled once (see {@link externalConverter}).
 */
export function fromExternal(value: unknown, t: DataType): unknown {
  let convert = compiledExternal.get(t);
  if (convert === undefined) compiledExternal.set(t, (convert = externalConverter(t)));
  return convert(value);
}
const compiledExternal = new WeakMap<DataType, Convert>();

/** How a connector's values are read: ROW lists stay lists, wrong shapes as they are, MAP keys converted. */
const EXTERNAL: NestedWalk = {
  leaf: (t) =>
    t.kind === "multiset" ? multisetFromExternal : t.kind === "atomic" ? atomicFromExternal(t) : undefined,
  rowList: "list",
  strict: false,
  mapKeys: true,
};

/**
 * The converter of {@link fromExternal} for values of type `t`, for a plan to compile once and
 * call per record (allocating only a ROW, ARRAY or MAP result).
 */
export function externalConverter(t: DataType): Convert {
  return nestedConverter(t, EXTERNAL) ?? ((v) => (v === undefined ? null : v));
}

/** The converter of a value (not NULL) of atomic type `t` from what a connector gave (null when unconvertible). */
function atomicFromExternal(t: DataType & { kind: "atomic" }): Convert | undefined {
  switch (t.name) {
    case "BIGINT":
      // A long past 2^53 is a bigint (see @fleuve/core's long.ts): kept, or read exactly from text.
      return (value) => {
        if (typeof value === "number" || typeof value === "bigint") return value;
        const text = String(value).trim();
        if (/^[+-]?\d{16,}$/.test(text) && textFitsLong(text)) return longFromText(text);
        const n = Number(value);
        return Number.isNaN(n) ? null : n;
      };
    case "TINYINT":
    case "SMALLINT":
    case "INT":
    case "FLOAT":
    case "DOUBLE":
      return (value) => {
        const n = typeof value === "number" ? value : Number(value);
        // A FLOAT is a Java float: rounded to 32 bits as Flink reads it.
        return Number.isNaN(n) ? null : t.name === "FLOAT" ? Math.fround(n) : n;
      };
    case "DECIMAL": {
      // As Flink's json and csv formats (DecimalData.fromBigDecimal of the value's text):
      // rounded half up to the scale, NULL when it then needs more digits than the precision.
      const precision = t.args[0] ?? 10;
      const scale = t.args[1] ?? 0;
      return (value) => {
        const text =
          typeof value === "string"
            ? value
            : typeof value === "number" && Number.isFinite(value)
              ? String(value)
              : "";
        const n = roundedDecimalText(text, precision, scale);
        return typeof n === "number" ? n : null;
      };
    }
    case "BOOLEAN":
      return (value) =>
        typeof value === "boolean" ? value : value === "true" ? true : value === "false" ? false : null;
    case "STRING":
    case "VARCHAR":
    case "CHAR":
      return (value) =>
        typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
    case "DATE":
    case "TIMESTAMP":
    case "TIMESTAMP_LTZ": {
      // A Date is an instant (a PostgreSQL TIMESTAMPTZ read by pg). Text as Flink's json format
      // reads it: a DATE's day must exist, a timestamp's day past its month's end is its last
      // day; a month past 12 is no date (NULL), never rolled over.
      const style = t.name === "DATE" ? "strict" : "smart";
      return (value) => {
        const ms =
          typeof value === "number"
            ? value
            : typeof value === "string"
              ? externalTimestamp(value, style)
              : value instanceof Date
                ? value.getTime()
                : Number.NaN;
        return Number.isNaN(ms) ? null : ms;
      };
    }
    case "TIME":
      // Milliseconds of the day; text as HH:mm[:ss[.fff]], no field past its range (LocalTime).
      return (value) => {
        if (typeof value === "number") return value;
        const m =
          typeof value === "string"
            ? /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?$/.exec(value)
            : null;
        if (m === null) return null;
        const [, h, min, sec, frac] = m;
        if (Number(h) > 23 || Number(min) > 59 || Number(sec ?? 0) > 59) return null;
        return (
          ((Number(h) * 60 + Number(min)) * 60 + Number(sec ?? 0)) * 1000 +
          Number((frac ?? "").padEnd(3, "0"))
        );
      };
    default:
      return undefined;
  }
}

/**
 * A BIGINT's digits: past 2^53, where String() would round them (`-9223372036854776000`), the
 * exact integer the double holds, so Long.MIN_VALUE prints as Flink's `-9223372036854775808`
 * (UNIX_TIMESTAMP of text it cannot read).
 */
function bigintText(v: number): string {
  return Number.isInteger(v) && Math.abs(v) >= 2 ** 53 ? BigInt(v).toString() : String(v);
}

/**
 * A value as Flink prints it (Java's toString of the external type, as in `+I[...]` lines): NULL as
 * `null`, DOUBLE/FLOAT with a decimal point (`12.0`), DECIMAL(p, s) as BigDecimal.toString (`11.00`, `0E-13`),
 * TIMESTAMP as LocalDateTime (`2020-04-15T08:05`, seconds and milliseconds only when not zero),
 * TIMESTAMP_LTZ as Instant (`2020-04-15T08:05:00Z`), DATE as LocalDate (`2020-04-15`), TIME as
 * LocalTime (`08:05`, seconds and milliseconds only when not zero), MULTISET as `{a=2, b=1}`;
 * others as their text.
 */
export function flinkText(v: unknown, t: DataType | undefined): string {
  if (v === null || v === undefined) return "null";
  if (t?.kind === "atomic" && typeof v === "number") {
    switch (t.name) {
      case "DOUBLE":
        return javaDoubleText(v);
      case "FLOAT":
        return javaFloatText(v);
      case "DECIMAL":
        return javaDecimalText(v, t.args[1] ?? 0);
      case "BIGINT":
        return bigintText(v);
      case "TIMESTAMP": {
        const iso = new Date(v).toISOString();
        const ms = iso.slice(19, 23);
        const ss = iso.slice(16, 19);
        return `${iso.slice(0, 16)}${ms !== ".000" ? ss + ms : ss !== ":00" ? ss : ""}`;
      }
      case "TIMESTAMP_LTZ": {
        const iso = new Date(v).toISOString();
        return iso.endsWith(".000Z") ? `${iso.slice(0, 19)}Z` : iso;
      }
      case "DATE":
        return formatDate(v);
      case "TIME": {
        // LocalTime: HH:mm, seconds and milliseconds only when not zero.
        const iso = new Date(timeOf(v, 3)).toISOString();
        const ms = iso.slice(19, 23);
        const ss = iso.slice(16, 19);
        return `${iso.slice(11, 16)}${ms !== ".000" ? ss + ms : ss !== ":00" ? ss : ""}`;
      }
    }
  }
  if (typeof v === "object") {
    // Java's toString of the external value: a nested ROW is a Row (`+I[x, y]`), an ARRAY
    // `[a, b]`, a MAP or MULTISET a java.util.Map (`{k=v}`), BYTES a byte[] as Arrays.toString.
    // A MAP or MULTISET as the java.util.HashMap Flink's print sink converts it to iterates.
    const s = structuredText(v, t, flinkText, (fields) => `+I[${fields.join(", ")}]`, printOrder);
    if (s !== undefined) return s;
    if (v instanceof Uint8Array) return bytesText(v);
    return JSON.stringify(v);
  }
  return String(v);
}

/**
 * The text of an atomic value of type `from` as CAST(... AS STRING) gives it in Flink 1.20:
 * BOOLEAN as `TRUE`/`FALSE`, DOUBLE as Java's Double.toString (`1.0`, `1.0E7`), DECIMAL with all
 * the digits of its scale (`1.50`), TIMESTAMP as `2020-04-15 08:05:00.000`, DATE `2020-04-15`, TIME with
 * its precision, intervals as Flink writes them, BYTES decoded as UTF-8, others as their text.
 */
export function atomicCastText(from: DataType | undefined): (v: unknown) => string {
  const name = from?.kind === "atomic" ? from.name : undefined;
  if (isYearMonthType(from)) return (v) => formatYearMonth(v as number);
  if (from?.kind === "interval") return (v) => formatDayTime(v as number);
  if (isTimestampType(from)) {
    // Flink's DateTimeUtils.formatTimestamp drops the fraction's trailing zeros down to the
    // precision: a TIMESTAMP(0) '2020-01-01 10:00:00', a TIMESTAMP(1) '... 10:00:00.5'.
    const p = from?.kind === "atomic" ? (from.args[0] ?? 6) : 6;
    if (p >= 3) return (v) => formatTimestamp(v as number);
    return (v) => {
      const text = formatTimestamp(v as number);
      let fraction = text.slice(20);
      while (fraction.length > p && fraction.endsWith("0")) fraction = fraction.slice(0, -1);
      return fraction === "" ? text.slice(0, 19) : `${text.slice(0, 19)}.${fraction}`;
    };
  }
  if (name === "DATE") return (v) => formatDate(v as number);
  if (name === "TIME") {
    const p = from?.kind === "atomic" ? (from.args[0] ?? 0) : 0;
    return (v) => formatTime(v as number, p);
  }
  if (name === "BIGINT") return (v) => (typeof v === "number" ? bigintText(v) : String(v));
  if (name === "DOUBLE") return (v) => (typeof v === "number" ? javaDoubleText(v) : String(v));
  if (name === "FLOAT") return (v) => (typeof v === "number" ? javaFloatText(v) : String(v));
  if (name === "DECIMAL" && from?.kind === "atomic") {
    // DecimalData's text: all digits of its scale (`1.50` for DECIMAL(3, 2)), from the shortest text.
    const scale = from.args[1] ?? 0;
    return (v) => (typeof v === "number" ? plainDecimalText(v, scale) : String(v));
  }
  return (v) =>
    typeof v === "boolean"
      ? v
        ? "TRUE"
        : "FALSE"
      : v instanceof Uint8Array
        ? Buffer.from(v).toString("utf8")
        : String(v);
}

/**
 * A value of type `t` as Flink 1.20's CAST(... AS STRING) gives it (its cast rules with the legacy
 * behaviour off): ARRAY `[a, b]` (ArrayToStringCastRule), MAP `{k=v}` (MapToStringCastRule),
 * MULTISET `{e=count}`, ROW `(a, b)` (RowToStringCastRule); each element, key, value and field
 * cast to STRING the same way, unquoted, a NULL one as `NULL` (print writes `null`). Unlike {@link flinkText} (print),
 * a nested timestamp is `2020-04-15 08:05:00.000` and a nested ROW has no `+I`. A MAP's or
 * MULTISET's entries come in the order of Flink's internal map (see castOrder).
 */
export function castText(v: unknown, t: DataType | undefined): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "object") {
    const s = structuredText(v, t, castText, (fields) => `(${fields.join(", ")})`, castOrder);
    if (s !== undefined) return s;
  }
  return atomicCastText(t)(v);
}
