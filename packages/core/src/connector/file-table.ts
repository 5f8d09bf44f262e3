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
import { csvFieldsReader, csvRecords, csvSettings } from "./csv-format.js";
import type { ConnectorField } from "./descriptor.js";
import { jsonLineDecoder } from "./json-format.js";

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
  const ignore =
    format === "csv"
      ? options["csv.ignore-parse-errors"] === true
      : options["json.ignore-parse-errors"] === true;

  if (format === "json") {
    const decode = jsonLineDecoder(schema, {
      ignoreParseErrors: ignore,
      failOnMissingField: options["json.fail-on-missing-field"] === true,
    });
    return {
      files,
      records(file) {
        const out: FileTableRecord[] = [];
        const lines = readFileSync(file, "utf8").split("\n");
        for (let l = 0; l < lines.length; l++) {
          const raw = (lines[l] as string).replace(/\r$/, "");
          if (raw.trim() === "") continue;
          const r = decode(raw);
          if ("row" in r) out.push({ line: l + 1, raw, row: r.row });
          else if ("error" in r) out.push({ line: l + 1, raw, error: r.error });
        }
        return out;
      },
    };
  }

  const settings = csvSettings(
    {
      "field-delimiter": options["csv.field-delimiter"],
      "quote-character": options["csv.quote-character"],
      "disable-quote-character": options["csv.disable-quote-character"],
      "allow-comments": options["csv.allow-comments"],
      "ignore-parse-errors": options["csv.ignore-parse-errors"],
      "escape-character": options["csv.escape-character"],
      "null-literal": options["csv.null-literal"],
    },
    "csv.",
    (option, message, got) =>
      new FleuveError("FLEUVE_CONFIG_INVALID", `connector 'filesystem' source: ${message}`, {
        details: { connector: "filesystem", side: "source", option, ...(got === undefined ? {} : { got }) },
      }),
  );
  // Flink's file reader drops the extra fields of a record under ignore-parse-errors.
  const readFields = csvFieldsReader(schema, settings, "drop");
  const skipFirstLine = options["csv.ignore-first-line"] === true;
  return {
    files,
    records(file) {
      const out: FileTableRecord[] = [];
      for (const r of csvRecords(readFileSync(file, "utf8"), settings)) {
        // A header: the record that starts on the file's first line, whatever it holds.
        if (skipFirstLine && r.line === 1) continue;
        if (r.raw.trim() === "") continue;
        if ("error" in r) {
          if (!ignore) out.push(r);
          continue;
        }
        const where = { line: r.line, raw: r.raw };
        const read = readFields(r.fields);
        if ("row" in read) out.push({ ...where, row: read.row });
        else if ("error" in read) out.push({ ...where, error: read.error });
      }
      return out;
    },
  };
}
