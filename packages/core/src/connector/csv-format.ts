/**
 * Flink's `csv` format (flink-csv: CsvRowDataDeserializationSchema with CsvToRowDataConverters,
 * CsvRowDataSerializationSchema with RowDataToCsvConverters, both on Jackson's CSV mapper): one
 * record's text <-> one row, fields in column order. Files (the `filesystem` connector) and record
 * values (SQL tables on `log`/`kafka` with `'format' = 'csv'`) share it.
 *
 * Reading (see {@link csvFieldsReader}): a field equal to `null-literal` is NULL; numbers are
 * trimmed and parsed strictly (Java's parseInt/parseDouble: an empty field of a number column is a
 * parse error), BOOLEAN is true when the trimmed text is `true` in any case (else false: Java's
 * parseBoolean), strings are as they are, BYTES are base64, DATE `yyyy-[M]M-[d]d`, TIME
 * `HH:mm[:ss[.fff]]`, TIMESTAMP `yyyy-MM-dd HH:mm[:ss[.f...]]` (Fleuve also reads a `T` between date
 * and time), their fields checked as Flink's Date.valueOf and Timestamp.valueOf check them (see
 * calendar-text.ts); DECIMAL text stays a number here, rounded to its scale by SQL (as
 * DecimalData.fromBigDecimal). A record whose field count differs from the columns' fails, unless
 * `ignore-parse-errors`: then missing fields are NULL, a field that does not parse is NULL.
 *
 * Writing (see {@link csvLineEncoder}), as Jackson's CsvEncoder writes with Flink's schema: numbers
 * and booleans bare (DOUBLE/FLOAT as Java's Double.toString, DECIMAL as BigDecimal.toString, so
 * in scientific notation below 1E-6 unless `write-bigdecimal-in-scientific-notation` is false),
 * DATE/TIME/TIMESTAMP as ISO text with a space, BYTES as base64, NULL as `null-literal` (default
 * empty). A text field is quoted when it is longer than 24 characters or holds a character below
 * the delimiter and the quote character (Jackson's "loose" check: with `,` and `"` that is a
 * space, `!`..`,` and control characters), or the escape character; inside quotes a quote and the
 * escape character are doubled. With the quote character disabled Jackson writes a field bare;
 * Fleuve then writes the escape character (if set) before a delimiter, line break or escape
 * character, so that the line reads back (Jackson would write a record that does not).
 */

import { FleuveError } from "../errors.js";
import { type CalendarStyle, calendarMillis } from "./calendar-text.js";
import { bigDecimalText } from "./decimal-text.js";
import type { ConnectorField, OptionSpecs } from "./descriptor.js";
import { javaFloatText } from "./java-float-text.js";
import { LONG_MAX, LONG_MIN, longFromText, longOf, textFitsLong } from "./long.js";

/**
 * Flink's csv format options (CsvFormatOptions), without their `csv.` prefix, as the format's
 * decoder and encoder take them (`allow-comments` and `ignore-parse-errors` only matter to reading,
 * `write-bigdecimal-in-scientific-notation` to writing, as in Flink).
 */
export const CSV_FORMAT_OPTIONS = {
  "field-delimiter": {
    type: "string",
    default: ",",
    doc: "The field delimiter, one character ('\\t' for a tab, as Java unescapes it).",
  },
  "disable-quote-character": {
    type: "boolean",
    default: false,
    doc: "Never quote fields (then 'quote-character' cannot be set).",
  },
  "quote-character": {
    type: "string",
    doc: 'The character that encloses a field (default ").',
  },
  "allow-comments": {
    type: "boolean",
    default: false,
    doc: "Reading: a record that starts with '#' is skipped.",
  },
  "ignore-parse-errors": {
    type: "boolean",
    default: false,
    doc: "Reading: a field that does not parse is NULL and a record that does not parse is skipped, instead of failing.",
  },
  "array-element-delimiter": {
    type: "string",
    default: ";",
    doc: "The delimiter of ARRAY and ROW elements (Flink's; Fleuve's csv columns are atomic, so it is only validated).",
  },
  "escape-character": {
    type: "string",
    doc: "The character that escapes the next one (none by default).",
  },
  "null-literal": {
    type: "string",
    allowEmpty: true,
    doc: "The text that stands for NULL (none by default: NULL is written as an empty field, and an empty text field reads as '').",
  },
  "write-bigdecimal-in-scientific-notation": {
    type: "boolean",
    default: true,
    doc: "Writing: a DECIMAL below 1E-6 in scientific notation (BigDecimal.toString), else plain.",
  },
} as const satisfies OptionSpecs;

/** Values of the csv format's options (their names without `csv.`), as parsed. */
export interface CsvFormatOptionValues {
  readonly "field-delimiter"?: string;
  readonly "disable-quote-character"?: boolean;
  readonly "quote-character"?: string;
  readonly "allow-comments"?: boolean;
  readonly "ignore-parse-errors"?: boolean;
  readonly "array-element-delimiter"?: string;
  readonly "escape-character"?: string;
  readonly "null-literal"?: string;
  readonly "write-bigdecimal-in-scientific-notation"?: boolean;
}

/** The csv format's settings, validated (see {@link csvSettings}). */
export interface CsvSettings {
  readonly delimiter: string;
  /** undefined: quoting disabled. */
  readonly quote: string | undefined;
  readonly escape: string | undefined;
  readonly nullLiteral: string | undefined;
  readonly allowComments: boolean;
  readonly ignoreParseErrors: boolean;
  readonly bigDecimalScientific: boolean;
}

/**
 * The settings of csv options `o`, validated as Flink's CsvCommons does: the field delimiter (after
 * Java unescaping, so `\t` is a tab), quote, escape and array element delimiter are single
 * characters, and a quote character cannot be given with `disable-quote-character`. `fail` makes
 * the error of an option (named with `prefix`, e.g. `csv.`).
 */
export function csvSettings(
  o: CsvFormatOptionValues,
  prefix: string,
  fail: (option: string, message: string, got?: string) => Error,
): CsvSettings {
  const one = (name: keyof CsvFormatOptionValues, value: string | undefined, javaEscapes = false) => {
    if (value === undefined) return undefined;
    const v = javaEscapes ? unescapeJava(value) : value;
    if (v.length !== 1)
      throw fail(
        `${prefix}${name}`,
        `option '${prefix}${name}' must be a single character, got '${value}' (Flink: "Option '${prefix}${name}' must be a string with single character, but was: ${value}")`,
        value,
      );
    return v;
  };
  if (o["disable-quote-character"] === true && o["quote-character"] !== undefined)
    throw fail(
      `${prefix}quote-character`,
      `'${prefix}quote-character' cannot be set when '${prefix}disable-quote-character' is true (Flink: "Format cannot define a quote character and disabled quote character at the same time.")`,
    );
  one("array-element-delimiter", o["array-element-delimiter"]);
  return {
    delimiter: one("field-delimiter", o["field-delimiter"], true) ?? ",",
    quote:
      o["disable-quote-character"] === true
        ? undefined
        : (one("quote-character", o["quote-character"]) ?? '"'),
    escape: one("escape-character", o["escape-character"]),
    nullLiteral: o["null-literal"],
    allowComments: o["allow-comments"] === true,
    ignoreParseErrors: o["ignore-parse-errors"] === true,
    bigDecimalScientific: o["write-bigdecimal-in-scientific-notation"] !== false,
  };
}

/** Java's StringEscapeUtils.unescapeJava for the escapes an option holds: `\t`, `\n`, `\\`, `\uXXXX`... */
function unescapeJava(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|[tnrfb'"\\])/g, (_m, e: string) => {
    if (e.startsWith("u")) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    return { t: "\t", n: "\n", r: "\r", f: "\f", b: "\b", "'": "'", '"': '"', "\\": "\\" }[e] as string;
  });
}

/** The name of a SQL type as written (`DECIMAL(10, 2)` -> DECIMAL, `... WITH LOCAL TIME ZONE` -> TIMESTAMP_LTZ), and its arguments. */
export function baseType(type: string): { base: string; args: number[] } {
  const t = type.trim().toUpperCase();
  const args = (/\(([^)]*)\)/.exec(t)?.[1] ?? "")
    .split(",")
    .filter((a) => a.trim() !== "")
    .map(Number);
  if (/^TIMESTAMP(\s*\(\s*\d+\s*\))?\s+WITH\s+LOCAL\s+TIME\s+ZONE/.test(t) || t.startsWith("TIMESTAMP_LTZ"))
    return { base: "TIMESTAMP_LTZ", args };
  return { base: /^[A-Z_]+/.exec(t)?.[0] ?? "", args };
}

const INT_RANGES: Record<string, readonly [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
  INTEGER: [-2147483648, 2147483647],
};
/**
 * The shapes of temporal text, their groups year, month, day, hour, minute, second, fraction (with
 * its point) and a `Z`; TIME's hour, minute, second at groups 1-3.
 */
const TEMPORAL: Record<string, RegExp> = {
  DATE: /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
  TIME: /^(\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?$/,
  TIMESTAMP: /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?()$/,
  TIMESTAMP_LTZ: /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z?)$/,
};
const STRINGS = new Set(["STRING", "VARCHAR", "CHAR"]);
const BINARIES = new Set(["BYTES", "VARBINARY", "BINARY"]);

/** Converts a field's text (or a JSON value) to a value of a column's type; throws a message on bad input. */
export type FieldConverter = (value: unknown) => unknown;

/**
 * The converter of a field of `field`'s type read from `format` text (see the file's comment; json
 * values may be numbers and booleans already). DATE/TIME/TIMESTAMP stay text (validated), which
 * SQL converts. Throws FLEUVE_CONFIG_INVALID when csv cannot hold the type (`who` names the reader).
 */
export function fieldConverter(
  field: ConnectorField,
  format: "csv" | "json",
  who = "connector 'filesystem' source",
): FieldConverter {
  const { base } = baseType(field.type);
  const range = INT_RANGES[base];
  const bad = (v: unknown) => new Error(`'${String(v)}' is not a ${field.type}`);
  if (base === "BIGINT") return longConverter(format, bad);
  if (range !== undefined) {
    // Flink 1.20's json reads an INT or BIGINT from a fractional number cut toward zero (Jackson's
    // getIntValue/getLongValue); a TINYINT or SMALLINT from one fails (Byte/Short.parseShort).
    const cut = format === "json" && (base === "INT" || base === "INTEGER" || base === "BIGINT");
    return (v) => {
      const whole = cut && typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : v;
      if (typeof whole === "number" && Number.isInteger(whole)) {
        if (whole < range[0] || whole > range[1]) throw bad(v);
        return whole === 0 ? 0 : whole;
      }
      if (typeof v !== "string") throw bad(typeof v === "object" ? JSON.stringify(v) : v);
      const t = v.trim();
      if (!/^[+-]?\d+$/.test(t)) throw bad(v);
      const n = Number(t);
      if (n < range[0] || n > range[1]) throw new Error(`'${v}' is out of the range of ${field.type}`);
      return n;
    };
  }
  if (base === "FLOAT" || base === "DOUBLE" || base === "REAL") {
    return (v) => {
      // FLOAT and REAL are Java floats: rounded to 32 bits as Flink reads them.
      if (typeof v === "number") return base === "DOUBLE" ? v : Math.fround(v);
      if (typeof v === "bigint") return base === "DOUBLE" ? Number(v) : Math.fround(Number(v));
      if (typeof v !== "string") throw bad(v);
      const t = v.trim();
      // Java's Double.parseDouble: a decimal or NaN/Infinity, an optional d/f suffix (no hex here).
      if (!/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?)$/.test(t)) throw bad(v);
      const n = Number(t.replace(/[dDfF]$/, ""));
      return base === "DOUBLE" ? n : Math.fround(n);
    };
  }
  if (base === "DECIMAL" || base === "NUMERIC" || base === "DEC") {
    return (v) => {
      if (typeof v === "number") return v;
      if (typeof v === "bigint") return Number(v);
      if (typeof v !== "string" || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) throw bad(v);
      return Number(v);
    };
  }
  if (base === "BOOLEAN") {
    // Java's Boolean.parseBoolean: true when the text is "true" in any case, false otherwise.
    return (v) => (typeof v === "boolean" ? v : String(v).trim().toLowerCase() === "true");
  }
  if (STRINGS.has(base)) {
    return (v) => (typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v));
  }
  if (BINARIES.has(base)) {
    // Jackson's binaryValue of a text node: standard base64, padded. Of any other JSON node it
    // is null (JsonNode.binaryValue), so a json number or object reads as NULL, as Flink's.
    return (v) => {
      if (format === "json" && typeof v !== "string") return null;
      if (typeof v !== "string" || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
        throw new Error(`'${String(v)}' is not base64 (a ${field.type} field)`);
      return Buffer.from(v, "base64");
    };
  }
  const temporal = TEMPORAL[base];
  if (temporal !== undefined) {
    // csv reads as java.sql.Date/Timestamp.valueOf (lenient), json as java.time (a DATE
    // strict, a timestamp SMART): see calendar-text.ts.
    const style: CalendarStyle = format === "csv" ? "lenient" : base === "DATE" ? "strict" : "smart";
    return (v) => {
      if (typeof v === "number" && format === "json") return v;
      const text = typeof v === "string" ? v.trim() : undefined;
      const m = text === undefined ? null : temporal.exec(text);
      if (text === undefined || m === null) throw bad(v);
      const n = (i: number) => Number(m[i] ?? 0);
      if (base === "TIME") {
        // LocalTime.parse, in both formats: no field past its range.
        if (n(1) > 23 || n(2) > 59 || n(3) > 59)
          throw new Error(`'${text}' is not a ${field.type}: no such time of day`);
        return text;
      }
      const frac = m[7] ?? "";
      const ms = calendarMillis(
        {
          year: n(1),
          month: n(2),
          day: n(3),
          hour: n(4),
          minute: n(5),
          second: n(6),
          millisecond: Number(frac.slice(1, 4).padEnd(3, "0")),
        },
        style,
      );
      if (typeof ms === "string") throw new Error(`'${text}' is not a ${field.type}: ${ms}`);
      const iso = new Date(ms).toISOString();
      if (!/^\d{4}-/.test(iso)) throw new Error(`'${text}' is not a ${field.type}: past the year 9999`);
      // The date as read (a rolled-over or clamped day resolved), its text as SQL reads it.
      return base === "DATE"
        ? iso.slice(0, 10)
        : `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac}${m[8] ?? ""}`;
    };
  }
  if (format === "json") return (v) => v;
  throw new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `${who}: column '${field.name}': type ${field.type} is not supported by the csv format here (numbers, strings, bytes, BOOLEAN, DATE, TIME and timestamps are)`,
    { details: { field: field.name, type: field.type } },
  );
}

/**
 * Thrown by a json BIGINT field's converter for a number past 2^53 - 1 that JSON.parse read (and
 * so may have rounded): the json decoder then reads the record again with its long digits exact.
 */
export const INEXACT_LONG = new Error("a BIGINT past 2^53 read by JSON.parse");

/**
 * The converter of a BIGINT field (a long, see long.ts): a json number as Flink's json format
 * reads it (a fraction cut toward zero), a safe integer kept, a bigint (read exactly) kept, a
 * number past 2^53 - 1 refused with {@link INEXACT_LONG} for the json decoder to read exactly;
 * text (csv, or a json string, as Long.parseLong of the trimmed text) of an optional sign and
 * digits within the range of long.
 */
function longConverter(format: "csv" | "json", bad: (v: unknown) => Error): FieldConverter {
  const cut = format === "json";
  return (v) => {
    if (typeof v === "number") {
      const whole = cut && Number.isFinite(v) ? Math.trunc(v) : v;
      if (!Number.isInteger(whole)) throw bad(v);
      if (whole <= Number.MAX_SAFE_INTEGER && whole >= -Number.MAX_SAFE_INTEGER) return whole + 0;
      if (format === "json") throw INEXACT_LONG;
      throw bad(v);
    }
    if (typeof v === "bigint") {
      if (v < LONG_MIN || v > LONG_MAX) throw bad(v);
      return longOf(v);
    }
    if (typeof v !== "string") throw bad(typeof v === "object" ? JSON.stringify(v) : v);
    const t = v.trim();
    if (!/^[+-]?\d+$/.test(t)) throw bad(v);
    if (!textFitsLong(t)) throw new Error(`'${v}' is out of the range of BIGINT`);
    return longFromText(t);
  };
}

/** One record of csv text: its fields, or why it does not tokenise; its first line and its text. */
export type CsvTextRecord =
  | { readonly line: number; readonly raw: string; readonly fields: string[] }
  | { readonly line: number; readonly raw: string; readonly error: string };

/**
 * Splits csv text into records of fields (quoted fields may hold delimiters and line breaks; the
 * escape character takes the next character as it is); with `allowComments`, a record that starts
 * with `#` is skipped untokenised, as Jackson's parser does.
 */
export function* csvRecords(text: string, s: CsvSettings): Generator<CsvTextRecord> {
  const { delimiter, quote, escape: escapeChar, allowComments } = s;
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    if (allowComments && text[i] === "#") {
      // Skipped before it is tokenised: a quote in it must not open a field that swallows the next lines.
      const eol = text.indexOf("\n", i);
      if (eol < 0) break;
      i = eol + 1;
      line++;
      continue;
    }
    const start = i;
    const startLine = line;
    const fields: string[] = [];
    let field = "";
    let wasQuoted = false;
    let inQuotes = false;
    let error: string | undefined;
    for (; i < n; i++) {
      const c = text[i] as string;
      if (escapeChar !== undefined && c === escapeChar && i + 1 < n) {
        field += text[++i];
        continue;
      }
      if (inQuotes) {
        if (c === quote) {
          if (text[i + 1] === quote) {
            field += quote;
            i++;
          } else inQuotes = false;
        } else {
          if (c === "\n") line++;
          field += c;
        }
        continue;
      }
      if (c === quote && field.length === 0 && !wasQuoted) {
        inQuotes = true;
        wasQuoted = true;
        continue;
      }
      if (c === delimiter) {
        fields.push(field);
        field = "";
        wasQuoted = false;
        continue;
      }
      if (c === "\n" || c === "\r") break;
      if (wasQuoted && error === undefined)
        error = `text after the closing quote of field ${fields.length + 1}`;
      field += c;
    }
    if (inQuotes && error === undefined) error = "a quoted field is not closed";
    fields.push(field);
    const end = i;
    if (text[i] === "\r" && text[i + 1] === "\n") i++;
    if (i < n) {
      i++;
      line++;
    }
    const raw = text.slice(start, end);
    if (error !== undefined) yield { line: startLine, raw, error };
    else yield { line: startLine, raw, fields };
  }
}

/** A record read: its row, why it fails, or nothing (a record skipped). */
export type CsvRowResult =
  | { readonly row: Record<string, unknown> }
  | { readonly error: string }
  | { readonly skip: true };

/**
 * The reader of a record's fields into a row of `schema` (see the file's comment). The record's
 * field count must be the columns'; with `ignore-parse-errors` missing fields are NULL and extra
 * ones are dropped (`extraFields` "drop", as Flink's file reader) or skip the record ("skip", as
 * Flink's CsvRowDataDeserializationSchema, whose Jackson reader fails on too many entries).
 */
export function csvFieldsReader(
  schema: readonly ConnectorField[],
  s: CsvSettings,
  extraFields: "drop" | "skip",
  who?: string,
): (fields: readonly string[]) => CsvRowResult {
  const converters = schema.map((f) => ({ name: f.name, convert: fieldConverter(f, "csv", who) }));
  const ignore = s.ignoreParseErrors;
  const nullLiteral = s.nullLiteral;
  return (fields) => {
    if (fields.length !== converters.length) {
      if (!ignore) return { error: `${converters.length} fields expected but was ${fields.length}` };
      if (fields.length > converters.length && extraFields === "skip") return { skip: true };
    }
    const row: Record<string, unknown> = {};
    for (let f = 0; f < converters.length; f++) {
      const c = converters[f] as (typeof converters)[number];
      const text = fields[f];
      if (text === undefined || text === nullLiteral) {
        row[c.name] = null;
        continue;
      }
      try {
        row[c.name] = c.convert(text);
      } catch (e) {
        if (!ignore) return { error: `field '${c.name}': ${(e as Error).message}` };
        row[c.name] = null;
      }
    }
    return { row };
  };
}

/**
 * The decoder of one record value's csv text into a row of `schema`, as Flink's
 * CsvRowDataDeserializationSchema: the text's first record (a value of several lines reads as its
 * first); an empty value, or a comment with `allow-comments`, gives no row (skipped); a record that
 * does not parse fails, or is skipped with `ignore-parse-errors`.
 */
export function csvLineDecoder(
  schema: readonly ConnectorField[],
  s: CsvSettings,
  who?: string,
): (text: string) => CsvRowResult {
  const read = csvFieldsReader(schema, s, "skip", who);
  return (text) => {
    const first = csvRecords(text, s).next();
    if (first.done === true || (first.value.raw === "" && "fields" in first.value)) return { skip: true };
    const r = first.value;
    if ("error" in r) return s.ignoreParseErrors ? { skip: true } : { error: r.error };
    const out = read(r.fields);
    return "error" in out && s.ignoreParseErrors ? { skip: true } : out;
  };
}

/** `HH:mm:ss` with the fraction only when not zero, trailing zeros cut (Java's ISO_LOCAL_TIME). */
function clock(iso: string): string {
  const ms = iso.slice(19, 23);
  return ms === ".000" ? iso.slice(11, 19) : iso.slice(11, 23).replace(/0+$/, "");
}

const DAY_MS = 86_400_000;

/**
 * A number as Java's `Double.toString` writes it (what Flink's csv and json formats print):
 * `1.0`, `0.25`, and outside [1e-3, 1e7) scientific as `1.0E7` and `1.5E-7`.
 */
export function javaDoubleText(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e7) {
    const s = String(v);
    return s.includes(".") ? s : `${s}.0`;
  }
  // toExponential() without digits gives the shortest that reads back as `v`, as String does.
  const [mantissa, exponent] = v.toExponential().split("e") as [string, string];
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/**
 * How a value of `field` becomes text, as Flink's csv and json formats write SQL values (json's
 * 'SQL' timestamp standard): TIMESTAMP `yyyy-MM-dd HH:mm:ss[.fff]`, TIMESTAMP_LTZ the same with a
 * `Z`, DATE `yyyy-MM-dd`, TIME `HH:mm:ss[.fff]` (SQL rows hold these as epoch milliseconds),
 * DOUBLE/FLOAT with a decimal point (`1.0`), DECIMAL(p, s) with its scale; undefined when the
 * value is written as it is (numbers, booleans, strings).
 */
export function temporalOrNumberText(
  field: ConnectorField,
  bigDecimalScientific = false,
): ((v: unknown) => string) | undefined {
  const { base, args } = baseType(field.type);
  const ms = (v: unknown) => (typeof v === "number" ? new Date(v).toISOString() : undefined);
  switch (base) {
    case "TIMESTAMP":
      return (v) => {
        const iso = ms(v);
        return iso === undefined ? String(v) : `${iso.slice(0, 10)} ${clock(iso)}`;
      };
    case "TIMESTAMP_LTZ":
      return (v) => {
        const iso = ms(v);
        return iso === undefined ? String(v) : `${iso.slice(0, 10)} ${clock(iso)}Z`;
      };
    case "DATE":
      return (v) => ms(v)?.slice(0, 10) ?? String(v);
    case "TIME":
      return (v) =>
        typeof v === "number" ? clock(new Date(((v % DAY_MS) + DAY_MS) % DAY_MS).toISOString()) : String(v);
    case "DOUBLE":
      return (v) => (typeof v === "number" ? javaDoubleText(v) : String(v));
    case "FLOAT":
    case "REAL":
      return (v) => (typeof v === "number" ? javaFloatText(v) : String(v));
    case "DECIMAL":
    case "NUMERIC":
    case "DEC":
      return (v) =>
        typeof v === "number" ? bigDecimalText(v, args[1] ?? 0, bigDecimalScientific) : String(v);
  }
  return undefined;
}

/** Types Jackson writes as numbers or booleans: never quoted. */
const BARE = new Set([
  "TINYINT",
  "SMALLINT",
  "INT",
  "INTEGER",
  "BIGINT",
  "FLOAT",
  "DOUBLE",
  "REAL",
  "BOOLEAN",
]);

/** The column types the csv format writes and reads. */
const ATOMIC = new Set([
  ...BARE,
  ...STRINGS,
  ...BINARIES,
  ...["DECIMAL", "NUMERIC", "DEC", "DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ"],
]);

/**
 * The writer of a row of `schema` as one csv record, without a line break (see the file's comment).
 * Throws FLEUVE_CONFIG_INVALID naming a column whose type csv cannot hold (`who` names the writer).
 */
export function csvLineEncoder(
  schema: readonly ConnectorField[],
  s: CsvSettings,
  who = "connector 'filesystem' sink",
): (row: Record<string, unknown>) => string {
  const { delimiter, quote, escape: escapeChar } = s;
  const nullText = s.nullLiteral ?? "";
  const fields = schema.map((f) => {
    const { base } = baseType(f.type);
    if (!ATOMIC.has(base))
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `${who}: column '${f.name}': type ${f.type} is not supported by the csv format here (numbers, strings, bytes, BOOLEAN, DATE, TIME and timestamps are)`,
        { details: { field: f.name, type: f.type } },
      );
    const text = BINARIES.has(base)
      ? (v: unknown) =>
          Buffer.isBuffer(v) || v instanceof Uint8Array ? Buffer.from(v).toString("base64") : String(v)
      : (temporalOrNumberText(f, s.bigDecimalScientific) ?? String);
    return { name: f.name, text, bare: BARE.has(base) };
  });
  // Jackson's lowest character that needs no quotes: above the delimiter and the quote (Flink's
  // records have no line separator, and a line break is below both anyway).
  const minSafe = Math.max(delimiter.charCodeAt(0), quote === undefined ? -1 : quote.charCodeAt(0)) + 1;
  const needsQuotes = (v: string): boolean => {
    if (v.length > 24) return true;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < minSafe || v[i] === escapeChar) return true;
    }
    return false;
  };
  const textField = (v: string): string => {
    if (quote === undefined) {
      if (escapeChar === undefined) return v;
      let out = "";
      for (const c of v)
        out += c === escapeChar || c === delimiter || c === "\n" || c === "\r" ? escapeChar + c : c;
      return out;
    }
    if (!needsQuotes(v)) return v;
    let out = quote;
    for (const c of v) out += c === quote || c === escapeChar ? c + c : c;
    return out + quote;
  };
  return (row) => {
    let line = "";
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as (typeof fields)[number];
      const v = row[f.name];
      if (i > 0) line += delimiter;
      if (v === null || v === undefined) line += nullText;
      else line += f.bare ? f.text(v) : textField(f.text(v));
    }
    return line;
  };
}
