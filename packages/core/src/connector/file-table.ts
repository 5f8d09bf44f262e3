/**
 * Reading tables from files, as Flink's `filesystem` connector with its `csv` and `json` formats
 * does: `path` is a file or a directory (read recursively, in name order, skipping hidden files and
 * directories: names starting with `.` or `_`, as Flink's default file filter, so the `.inprogress`
 * files of a `fileSink` are not read); a file's records become rows of the table's columns.
 *
 * - csv (Flink's `csv` format): fields in column order, split at `csv.field-delimiter`, a field
 *   may be enclosed in `csv.quote-character` (a doubled quote inside is one quote; newlines may be
 *   quoted too), `csv.escape-character` escapes the next character, `csv.null-literal` is NULL,
 *   `csv.allow-comments` skips lines starting with `#`, `csv.ignore-first-line` (Fleuve's, for Flink's
 *   legacy `format.ignore-first-line`) skips each file's first line. Fields are converted to the column's type
 *   as Flink's CsvToRowDataConverters do (numbers trimmed and parsed strictly, BOOLEAN is true
 *   when the text is `true` in any case, strings as they are, an empty field of a non-string
 *   column is a parse error). Fewer fields than columns is a parse error; blank lines are skipped.
 * - json (Flink's `json` format): one JSON object per line; a column is the member of its name
 *   (missing: NULL, or a parse error with `json.fail-on-missing-field`), converted as above.
 *
 * A parse error fails the record (its text, file and line go to the job's error policy), unless
 * `csv.ignore-parse-errors`/`json.ignore-parse-errors`: then a field that does not parse is NULL
 * and a record that does not parse is skipped, as in Flink.
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FleuveError } from "../errors.js";
import type { ConnectorField } from "./descriptor.js";

/** The options of a file table (the `filesystem` connector's source options, parsed). */
export interface FileTableOptions {
  /** A file or a directory; `file://` URIs are taken as local paths. */
  readonly path: string;
  readonly format: "csv" | "json";
  readonly "csv.field-delimiter"?: string;
  readonly "csv.quote-character"?: string;
  readonly "csv.disable-quote-character"?: boolean;
  readonly "csv.allow-comments"?: boolean;
  readonly "csv.ignore-first-line"?: boolean;
  readonly "csv.ignore-parse-errors"?: boolean;
  readonly "csv.escape-character"?: string;
  readonly "csv.null-literal"?: string;
  readonly "json.ignore-parse-errors"?: boolean;
  readonly "json.fail-on-missing-field"?: boolean;
}

/** One record of a file: its row, or why it does not parse. */
export type FileTableRecord =
  | { readonly line: number; readonly raw: string; readonly row: Record<string, unknown> }
  | { readonly line: number; readonly raw: string; readonly error: string };

/** Reads the files of a table: which files, and the records of each. */
export interface FileTable {
  /** The files, in the order they are read (name order, directories recursively). */
  readonly files: readonly string[];
  /** The records of `file` (rows, and the records that fail to parse when errors are not ignored). */
  records(file: string): FileTableRecord[];
}

const INT_RANGES: Record<string, readonly [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
  INTEGER: [-2147483648, 2147483647],
  BIGINT: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
const TEMPORAL: Record<string, RegExp> = {
  DATE: /^\d{4}-\d{1,2}-\d{1,2}$/,
  TIME: /^\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/,
  TIMESTAMP: /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/,
  TIMESTAMP_LTZ: /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z?$/,
};
const STRINGS = new Set(["STRING", "VARCHAR", "CHAR"]);

/** The name of a SQL type as written (`DECIMAL(10, 2)` -> DECIMAL, `TIMESTAMP(3) WITH LOCAL TIME ZONE` -> TIMESTAMP_LTZ). */
function baseType(type: string): string {
  const t = type.trim().toUpperCase();
  if (/^TIMESTAMP(\s*\(\s*\d+\s*\))?\s+WITH\s+LOCAL\s+TIME\s+ZONE/.test(t)) return "TIMESTAMP_LTZ";
  return /^[A-Z_]+/.exec(t)?.[0] ?? "";
}

/** Converts a field's text to a value of `type` (see the file's comment); throws a message on bad text. */
export type FieldConverter = (value: unknown) => unknown;

/**
 * The converter of a field of `field`'s type read from a `format` file (text to the column's
 * value, see the file's comment). Throws FLEUVE_CONFIG_INVALID when csv cannot hold the type.
 */
export function fieldConverter(field: ConnectorField, format: "csv" | "json"): FieldConverter {
  const base = baseType(field.type);
  const range = INT_RANGES[base];
  const bad = (v: unknown) => new Error(`'${String(v)}' is not a ${field.type}`);
  if (range !== undefined) {
    return (v) => {
      if (typeof v === "number" && Number.isInteger(v)) {
        if (v < range[0] || v > range[1]) throw bad(v);
        return v;
      }
      if (typeof v !== "string") throw bad(typeof v === "object" ? JSON.stringify(v) : v);
      const t = v.trim();
      if (!/^[+-]?\d+$/.test(t)) throw bad(v);
      const n = Number(t);
      if (n < range[0] || n > range[1])
        throw new Error(
          `'${v}' is out of the range of ${field.type}${base === "BIGINT" ? " (JavaScript's safe integers)" : ""}`,
        );
      return n;
    };
  }
  if (base === "FLOAT" || base === "DOUBLE" || base === "REAL") {
    return (v) => {
      if (typeof v === "number") return v;
      if (typeof v !== "string") throw bad(v);
      const t = v.trim();
      // Java's Double.parseDouble: a decimal or NaN/Infinity, an optional d/f suffix (no hex here).
      if (!/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?)$/.test(t)) throw bad(v);
      return Number(t.replace(/[dDfF]$/, ""));
    };
  }
  if (base === "DECIMAL" || base === "NUMERIC" || base === "DEC") {
    return (v) => {
      if (typeof v === "number") return v;
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
  const temporal = TEMPORAL[base];
  if (temporal !== undefined) {
    return (v) => {
      if (typeof v === "number" && format === "json") return v;
      if (typeof v !== "string" || !temporal.test(v.trim())) throw bad(v);
      return v.trim();
    };
  }
  if (format === "json") return (v) => v;
  throw new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `connector 'filesystem' source: column '${field.name}': type ${field.type} is not supported by the csv format here (numbers, strings, BOOLEAN, DATE, TIME and timestamps are)`,
    { details: { connector: "filesystem", side: "source", field: field.name } },
  );
}

/** `path` without a `file://` scheme (Flink's paths are URIs; only local files are read). */
export function localPath(path: string): string {
  const fail = (cause?: unknown) =>
    new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `connector 'filesystem': option 'path' must be a local file or directory (or a file:// URI), got '${path}'`,
      { cause, details: { connector: "filesystem", option: "path", got: path } },
    );
  if (path.startsWith("file:")) {
    try {
      return fileURLToPath(path.startsWith("file://") ? path : `file://${path.slice(5)}`);
    } catch (e) {
      throw fail(e);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) throw fail();
  return path;
}

const hidden = (name: string) => name.startsWith(".") || name.startsWith("_");

/** The files under `path` (itself when it is a file), in name order, hidden ones left out. */
function listFiles(path: string): string[] {
  let directory: boolean;
  try {
    directory = statSync(path).isDirectory();
  } catch (e) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `connector 'filesystem': option 'path': cannot read '${path}': ${(e as Error).message}`,
      { cause: e, details: { connector: "filesystem", option: "path", got: path } },
    );
  }
  if (!directory) return [path];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (hidden(name)) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(path);
  return out;
}

/** A single character option: `\t` (backslash t) is a tab, as Flink reads `csv.field-delimiter`. */
function singleChar(option: string, value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  const v = value === "\\t" ? "\t" : value;
  if (v.length !== 1)
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `connector 'filesystem' source: option '${option}' must be a single character, got '${value}'`,
      { details: { connector: "filesystem", side: "source", option, got: value } },
    );
  return v;
}

/**
 * Splits CSV text into records of fields (quoted fields may hold delimiters and newlines); with
 * `comments`, lines that start with `#` are skipped untokenised.
 */
function* csvRecords(
  text: string,
  delimiter: string,
  quote: string | undefined,
  escapeChar: string | undefined,
  comments = false,
): Generator<{ line: number; raw: string; fields: string[] } | { line: number; raw: string; error: string }> {
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    if (comments && text[i] === "#") {
      // A comment line ('csv.allow-comments') is skipped before it is tokenised, as Jackson's CSV
      // parser does: a quote in it must not open a field that swallows the next lines.
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

/**
 * Reads a table of `schema` from the file(s) at `options.path` (see the file's comment). Throws
 * FLEUVE_CONFIG_INVALID naming the option when the path cannot be read or an option is wrong.
 */
export function fileTable(options: FileTableOptions, schema: readonly ConnectorField[]): FileTable {
  if (schema.length === 0) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      "connector 'filesystem' source: it reads the columns of a table; declare them in a SQL CREATE TABLE",
      { details: { connector: "filesystem", side: "source" } },
    );
  }
  const path = localPath(options.path);
  const files = listFiles(path);
  const format = options.format;
  const converters = schema.map((f) => ({ name: f.name, convert: fieldConverter(f, format) }));
  const ignore =
    format === "csv"
      ? options["csv.ignore-parse-errors"] === true
      : options["json.ignore-parse-errors"] === true;

  /** Sets `row[c.name]`; a field that does not convert is NULL when errors are ignored. */
  const setField = (
    row: Record<string, unknown>,
    c: (typeof converters)[number],
    v: unknown,
  ): string | undefined => {
    try {
      row[c.name] = c.convert(v);
      return undefined;
    } catch (e) {
      if (ignore) {
        row[c.name] = null;
        return undefined;
      }
      return `field '${c.name}': ${(e as Error).message}`;
    }
  };

  if (format === "json") {
    const failOnMissing = options["json.fail-on-missing-field"] === true;
    return {
      files,
      records(file) {
        const out: FileTableRecord[] = [];
        const lines = readFileSync(file, "utf8").split("\n");
        for (let l = 0; l < lines.length; l++) {
          const raw = (lines[l] as string).replace(/\r$/, "");
          if (raw.trim() === "") continue;
          const where = { line: l + 1, raw };
          let parsed: unknown;
          try {
            parsed = JSON.parse(raw);
          } catch (e) {
            if (!ignore) out.push({ ...where, error: `not JSON: ${(e as Error).message}` });
            continue;
          }
          if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
            if (!ignore) out.push({ ...where, error: "not a JSON object" });
            continue;
          }
          const row: Record<string, unknown> = {};
          let error: string | undefined;
          for (const c of converters) {
            const v = (parsed as Record<string, unknown>)[c.name];
            if (v === undefined && failOnMissing && !ignore) {
              error = `field '${c.name}' is missing`;
              break;
            }
            if (v === undefined || v === null) row[c.name] = null;
            else error = setField(row, c, v);
            if (error !== undefined) break;
          }
          if (error !== undefined) out.push({ ...where, error });
          else out.push({ ...where, row });
        }
        return out;
      },
    };
  }

  const delimiter = singleChar("csv.field-delimiter", options["csv.field-delimiter"], ",");
  const noQuote = options["csv.disable-quote-character"] === true;
  if (noQuote && options["csv.quote-character"] !== undefined)
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      "connector 'filesystem' source: 'csv.quote-character' cannot be set when 'csv.disable-quote-character' is true",
      { details: { connector: "filesystem", side: "source", option: "csv.quote-character" } },
    );
  const quote = noQuote ? undefined : singleChar("csv.quote-character", options["csv.quote-character"], '"');
  const escapeChar =
    options["csv.escape-character"] === undefined
      ? undefined
      : singleChar("csv.escape-character", options["csv.escape-character"], "\\");
  const nullLiteral = options["csv.null-literal"];
  const comments = options["csv.allow-comments"] === true;
  const skipFirstLine = options["csv.ignore-first-line"] === true;
  return {
    files,
    records(file) {
      const out: FileTableRecord[] = [];
      for (const r of csvRecords(readFileSync(file, "utf8"), delimiter, quote, escapeChar, comments)) {
        // A header: the record that starts on the file's first line, whatever it holds.
        if (skipFirstLine && r.line === 1) continue;
        if (r.raw.trim() === "") continue;
        if ("error" in r) {
          if (!ignore) out.push(r);
          continue;
        }
        const where = { line: r.line, raw: r.raw };
        // Any arity mismatch fails the record, as Flink's CSV format (validateArity); with
        // ignore-parse-errors Flink reads it anyway: missing fields NULL, extra ones dropped.
        if (r.fields.length !== converters.length && !ignore) {
          out.push({
            ...where,
            error: `${converters.length} fields expected but was ${r.fields.length}`,
          });
          continue;
        }
        const row: Record<string, unknown> = {};
        let error: string | undefined;
        for (let f = 0; f < converters.length; f++) {
          const c = converters[f] as (typeof converters)[number];
          const text = r.fields[f];
          if (text === undefined || text === nullLiteral) {
            row[c.name] = null;
            continue;
          }
          error = setField(row, c, text);
          if (error !== undefined) break;
        }
        if (error !== undefined) out.push({ ...where, error });
        else out.push({ ...where, row });
      }
      return out;
    },
  };
}
