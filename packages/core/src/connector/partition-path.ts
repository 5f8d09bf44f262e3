/**
 * Partition directories of a partitioned `filesystem` table, as Flink's filesystem connector lays
 * them out (PartitionPathUtils, RowDataPartitionComputer): a row goes into
 * `<path>/<k1>=<v1>/<k2>=<v2>/...` in the order of the table's `PARTITIONED BY`, names and values
 * escaped as Hive escapes path names (control characters, DEL and each of " # % ' * / : = ? \ { [ ] ^
 * as `%XX`), a NULL or empty value written as the default partition name
 * (`partition.default-name`, `__DEFAULT_PARTITION__`), which reads back as NULL. The partition
 * columns are not written inside the files: a reader fills them from the directory names.
 */

import { type Dirent, readdirSync } from "node:fs";
import { join } from "node:path";
import { FleuveError } from "../errors.js";
import { baseType, javaDoubleText } from "./csv-format.js";
import type { ConnectorField } from "./descriptor.js";

/** Flink's `partition.default-name` default: the directory name of a NULL or empty value. */
export const DEFAULT_PARTITION_NAME = "__DEFAULT_PARTITION__";

const ESCAPED = new Set<number>([
  ...Array.from({ length: 0x20 }, (_, i) => i),
  ...[..."\"#%'*/:=?\\{[]^"].map((c) => c.charCodeAt(0)),
  0x7f,
]);

/** `text` with the characters Hive and Flink escape in a path name written as `%XX` (upper-case hex). */
export function escapePathName(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += ESCAPED.has(c) ? `%${c.toString(16).toUpperCase().padStart(2, "0")}` : text[i];
  }
  return out;
}

/** The text of an escaped path name: each `%XX` (two hex digits) as its character, any other `%` kept. */
export function unescapePathName(name: string): string {
  return name.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** The SQL types a partition column may have: those Flink reads back from a directory name. */
const PARTITION_TYPES = new Set([
  "STRING",
  "VARCHAR",
  "CHAR",
  "BOOLEAN",
  "TINYINT",
  "SMALLINT",
  "INT",
  "INTEGER",
  "BIGINT",
  "FLOAT",
  "DOUBLE",
  "REAL",
  "DATE",
  "TIMESTAMP",
]);

/** Java's `LocalDateTime.toString` of epoch milliseconds: `2020-04-15T08:05`, `...T08:05:07.120`. */
function localDateTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const secs = iso.slice(17, 19);
  const millis = iso.slice(20, 23);
  if (millis !== "000") return `${iso.slice(0, 19)}.${millis}`;
  return secs === "00" ? iso.slice(0, 16) : iso.slice(0, 19);
}

/** How the partition columns of a table name directories, and read back from them. */
export interface PartitionLayout {
  /** The partition columns, in `PARTITIONED BY` order. */
  readonly keys: readonly string[];
  /** The columns written inside the files: the table's others, in their order. */
  readonly dataSchema: readonly ConnectorField[];
  /** The directory of `row` relative to the table's path (`k1=v1/k2=v2`), "" without partitions. */
  directory(row: Record<string, unknown>): string;
  /**
   * The partition values of a file at `relative` (its directory relative to the table's path, `/`
   * separated), as the text a file field holds (NULL for the default partition name); undefined
   * when the directory is not a partition of this table (not `k=v` for each key, in order).
   */
  values(relative: string): (string | null)[] | undefined;
}

/**
 * The partition layout of a table of `schema` partitioned by `keys`. Throws FLEUVE_CONFIG_INVALID
 * naming the column when a key is not a column of the table, is given twice, every column is a
 * key (nothing would be left to write), or its type cannot name a directory.
 */
export function partitionLayout(
  schema: readonly ConnectorField[],
  keys: readonly string[],
  defaultName: string,
  side: "source" | "sink",
): PartitionLayout {
  const fail = (column: string, message: string) =>
    new FleuveError("FLEUVE_CONFIG_INVALID", `connector 'filesystem' ${side}: ${message}`, {
      details: { connector: "filesystem", side, column },
    });
  if (defaultName === "")
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `connector 'filesystem' ${side}: option 'partition.default-name' cannot be empty`,
      { details: { connector: "filesystem", side, option: "partition.default-name" } },
    );
  const texts: ((v: unknown) => string)[] = [];
  for (const [i, key] of keys.entries()) {
    const field = schema.find((f) => f.name === key);
    if (field === undefined)
      throw fail(
        key,
        `partition column '${key}' (PARTITIONED BY) is not a column of the table (${schema.map((f) => f.name).join(", ")})`,
      );
    if (keys.indexOf(key) !== i)
      throw fail(key, `partition column '${key}' is listed twice in PARTITIONED BY`);
    const { base } = baseType(field.type);
    if (!PARTITION_TYPES.has(base))
      throw fail(
        key,
        `partition column '${key}' has type ${field.type}, which cannot name a partition directory (strings, BOOLEAN, TINYINT to BIGINT, FLOAT, DOUBLE, DATE and TIMESTAMP can, as in Flink)`,
      );
    texts.push(
      base === "DATE"
        ? (v) => (typeof v === "number" ? new Date(v).toISOString().slice(0, 10) : String(v))
        : base === "TIMESTAMP"
          ? (v) => (typeof v === "number" ? localDateTime(v) : String(v))
          : base === "DOUBLE" || base === "FLOAT" || base === "REAL"
            ? (v) => (typeof v === "number" ? javaDoubleText(v) : String(v))
            : String,
    );
  }
  const dataSchema = schema.filter((f) => !keys.includes(f.name));
  if (keys.length > 0 && dataSchema.length === 0)
    throw fail(
      keys[0] as string,
      "every column is a partition column: the files would hold nothing; keep at least one column out of PARTITIONED BY",
    );
  const escapedKeys = keys.map(escapePathName);
  return {
    keys,
    dataSchema,
    directory(row) {
      let dir = "";
      for (let i = 0; i < keys.length; i++) {
        const v = row[keys[i] as string];
        const text = v === null || v === undefined ? "" : (texts[i] as (v: unknown) => string)(v);
        if (i > 0) dir += "/";
        dir += `${escapedKeys[i]}=${escapePathName(text === "" ? defaultName : text)}`;
      }
      return dir;
    },
    values(relative) {
      const parts = relative === "" ? [] : relative.split("/");
      if (parts.length !== keys.length) return undefined;
      const out: (string | null)[] = [];
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as string;
        const eq = part.indexOf("=");
        if (eq <= 0 || eq === part.length - 1 || unescapePathName(part.slice(0, eq)) !== keys[i])
          return undefined;
        const value = unescapePathName(part.slice(eq + 1));
        out.push(value === defaultName ? null : value);
      }
      return out;
    },
  };
}

/**
 * The partitions present under `root` for partition columns `keys`: each directory
 * `<k1>=<v1>/<k2>=<v2>/...` (as many levels as keys, each named by its key in order) as its
 * unescaped `[key, value]` pairs, in name order. A value is kept as the directory names it (the
 * default partition stays `partition.default-name`, as a catalog lists it). Entries starting
 * with `.` or `_` are hidden, as Flink's PartitionPathUtils skips them; a missing `root` has none.
 */
export function partitionDirectories(root: string, keys: readonly string[]): [string, string][][] {
  const out: [string, string][][] = [];
  const walk = (dir: string, level: number, spec: [string, string][]) => {
    if (level === keys.length) {
      out.push(spec);
      return;
    }
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // not there (yet): no partitions
    }
    const names = entries
      .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !e.name.startsWith("_"))
      .map((e) => e.name)
      .sort();
    for (const name of names) {
      const eq = name.indexOf("=");
      if (eq <= 0 || unescapePathName(name.slice(0, eq)) !== keys[level]) continue;
      walk(join(dir, name), level + 1, [
        ...spec,
        [keys[level] as string, unescapePathName(name.slice(eq + 1))],
      ]);
    }
  };
  if (keys.length > 0) walk(root, 0, []);
  return out;
}
