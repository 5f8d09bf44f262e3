/**
 * Flink's `filesystem` connector as a descriptor, source side (the sink side is in
 * filesystem-sink.ts): the rows of a SQL table read once
 * from a file or a directory of files, in Flink's `csv` or `json` format (see file-table.ts for
 * the formats and their options). The source is bounded: it ends when every file is read. Files
 * are the splits: file i goes to subtask i % parallelism, which reads it from its first record to
 * its last (a checkpoint keeps, by path, the file being read with the record reached and the
 * files left, as Flink's file source keeps its splits, so a restored job goes on from there even
 * if the directory changed meanwhile). A record that does not parse goes to the job's error policy (fail, or the dead letters
 * with its text, file and line), unless the format's `ignore-parse-errors` option is set.
 *
 * The same options make a lookup table of SQL's lookup joins (`@fleuve/sql` loads the files into
 * memory when the join starts, as Flink's legacy CsvTableSource does for Nexmark q13).
 */

import { statSync } from "node:fs";
import { dirname, relative, sep } from "node:path";
import { FleuveError } from "../errors.js";
import { fieldConverter } from "./csv-format.js";
import {
  type ConnectorContext,
  type ConnectorRecord,
  defineConnector,
  type OptionSpecs,
  type ParsedOptions,
} from "./descriptor.js";
import { type FileTable, type FileTableRecord, fileTable, localPath } from "./file-table.js";
import { FILESYSTEM_SINK_OPTIONS, type FilesystemPendingFile, filesystemSink } from "./filesystem-sink.js";
import { DEFAULT_PARTITION_NAME, partitionLayout } from "./partition-path.js";
import type { TwoPhaseCommitSink } from "./sink.js";
import type { Source, SourceReader } from "./source.js";

/** The options of a `filesystem` table (Flink's names, defaults and meanings). */
export const FILESYSTEM_SOURCE_OPTIONS = {
  path: {
    type: "string",
    required: true,
    doc: "A file, or a directory whose files are read (recursively, hidden '.'/'_' names skipped); a file:// URI is a local path.",
  },
  format: {
    type: "enum",
    values: ["csv", "json"],
    required: true,
    doc: "How the files hold rows: csv (fields in column order) or json (one JSON object per line).",
  },
  "csv.field-delimiter": {
    type: "string",
    default: ",",
    doc: "csv: the field delimiter, one character ('\\t' for a tab).",
  },
  "csv.quote-character": {
    type: "string",
    doc: 'csv: the character that encloses a field (default ").',
  },
  "csv.disable-quote-character": {
    type: "boolean",
    default: false,
    doc: "csv: no quoting at all (then csv.quote-character cannot be set).",
  },
  "csv.allow-comments": {
    type: "boolean",
    default: false,
    doc: "csv: skip lines that start with '#'.",
  },
  "csv.ignore-first-line": {
    type: "boolean",
    default: false,
    doc: "csv: skip the first line of every file (a header). Not a Flink csv format option: Flink's legacy CSV source's 'format.ignore-first-line', which Fleuve reads as this.",
  },
  "csv.ignore-parse-errors": {
    type: "boolean",
    default: false,
    doc: "csv: a field that does not parse is NULL and a record that does not parse is skipped, instead of failing.",
  },
  "csv.escape-character": {
    type: "string",
    doc: "csv: the character that escapes the next one (none by default).",
  },
  "csv.null-literal": {
    type: "string",
    allowEmpty: true,
    doc: "csv: the text that stands for NULL (none by default: an empty string field is '').",
  },
  "json.ignore-parse-errors": {
    type: "boolean",
    default: false,
    doc: "json: a field that does not parse is NULL and a line that is not a JSON object is skipped, instead of failing.",
  },
  "json.fail-on-missing-field": {
    type: "boolean",
    default: false,
    doc: "json: a missing member is a parse error (by default the column is NULL).",
  },
  "partition.default-name": {
    type: "string",
    default: DEFAULT_PARTITION_NAME,
    doc: "A partitioned table: the directory name that stands for a NULL partition value.",
  },
} as const satisfies OptionSpecs;

/** The parsed options of a `filesystem` table. */
export type FilesystemOptions = ParsedOptions<typeof FILESYSTEM_SOURCE_OPTIONS>;

/**
 * The file table of `filesystem` options and a SQL table's columns (for a reader of its own, e.g.
 * SQL's lookup joins, which load every row into memory). A table partitioned by
 * `context.partitionKeys` reads the files of its partition directories only (`k1=v1/k2=v2/...`
 * under `path`, as Flink lists partitions) and fills the partition columns from the directory
 * names (see partition-path.ts). Throws FLEUVE_CONFIG_INVALID naming the option or column at fault.
 */
export function filesystemTable(options: FilesystemOptions, context: ConnectorContext): FileTable {
  const schema = context.schema;
  if (schema === undefined || schema.length === 0) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      "connector 'filesystem' source: it reads the columns of a table; declare them in a SQL CREATE TABLE",
      { details: { connector: "filesystem", side: "source" } },
    );
  }
  const keys = context.partitionKeys ?? [];
  if (keys.length === 0) return fileTable(options, schema);
  const layout = partitionLayout(schema, keys, options["partition.default-name"], "source");
  const table = fileTable(options, layout.dataSchema);
  const root = localPath(options.path);
  const converters = keys.map((k) => {
    const field = schema.find((f) => f.name === k) as (typeof schema)[number];
    return { name: k, type: field.type, convert: fieldConverter(field, "csv") };
  });
  const partitionOf = new Map<string, (string | null)[]>();
  for (const file of table.files) {
    const values = layout.values(relative(root, dirname(file)).split(sep).join("/"));
    if (values !== undefined) partitionOf.set(file, values);
  }
  return {
    files: table.files.filter((f) => partitionOf.has(f)),
    records(file) {
      const values = partitionOf.get(file) ?? [];
      // The partition columns' values, the same for every record of the file.
      const fill: Record<string, unknown> = {};
      for (const [i, c] of converters.entries()) {
        const text = values[i] ?? null;
        try {
          fill[c.name] = text === null ? null : c.convert(text);
        } catch (e) {
          const error = `partition directory '${c.name}=${text}': ${(e as Error).message}`;
          return table.records(file).map((r) => ({ line: r.line, raw: r.raw, error }));
        }
      }
      return table.records(file).map((r) => ("row" in r ? { ...r, row: { ...r.row, ...fill } } : r));
    },
  };
}

/** The bounded source of a `filesystem` table (see the file's comment). */
class FilesystemSource implements Source<ConnectorRecord> {
  readonly bounded = true;
  constructor(private readonly table: FileTable) {}

  createReader(ctx: { subtaskIndex: number; parallelism: number }): SourceReader<ConnectorRecord> {
    const { files } = this.table;
    // The files left to read, by path, with their partition (index in the listing the job started
    // with); the first is the one being read, from its record `next`. A checkpoint keeps these
    // paths, as Flink's file source keeps its splits' paths and offsets, so a file added, removed
    // or renamed before a restore does not move the position to another file.
    let queue: { path: string; partition: number }[] = files.flatMap((path, i) =>
      i % ctx.parallelism === ctx.subtaskIndex ? [{ path, partition: i }] : [],
    );
    let next = 0;
    let records: FileTableRecord[] | undefined;
    let mtime = 0;
    return {
      poll: (out, max) => {
        let n = 0;
        while (queue.length > 0 && n < max) {
          const { path: file, partition } = queue[0] as { path: string; partition: number };
          if (records === undefined) {
            records = this.table.records(file);
            mtime = Math.floor(statSync(file).mtimeMs);
          }
          while (next < records.length && n < max) {
            const r = records[next++] as FileTableRecord;
            n++;
            if ("error" in r) {
              out.reject(r.raw, `connector 'filesystem': ${file}, line ${r.line}: ${r.error}`, mtime);
              continue;
            }
            out.collect(
              {
                topic: file,
                partition,
                offset: r.line,
                timestamp: mtime,
                key: null,
                value: r.row,
                headers: {},
              },
              mtime,
            );
          }
          if (next >= records.length) {
            queue = queue.slice(1);
            next = 0;
            records = undefined;
          }
        }
        return queue.length > 0 ? "more" : "end";
      },
      snapshot: (): FilesystemReaderState => ({ files: queue.map((f) => [f.path, f.partition]), next }),
      restore: (state) => {
        const s = state as Partial<FilesystemReaderState> & { at?: unknown };
        if (Array.isArray(s.files) && typeof s.next === "number") {
          queue = s.files.map(([path, partition]) => ({ path, partition }));
          next = s.next;
        } else if (typeof s.at === "number" && typeof s.next === "number") {
          // The first shape (an index into the listing recomputed here): read as it was written,
          // right only if the directory did not change since the checkpoint.
          queue = queue.slice(s.at);
          next = s.next;
        } else {
          throw new FleuveError(
            "FLEUVE_STATE_INCOMPATIBLE",
            `connector 'filesystem': cannot restore the source's position from ${JSON.stringify(state)}`,
            { details: { connector: "filesystem" } },
          );
        }
        records = undefined;
      },
    };
  }
}

/**
 * A `filesystem` source reader's checkpointed position: the paths (and partitions) of the files it
 * has left to read, the first being read from its record `next`.
 */
interface FilesystemReaderState {
  readonly files: readonly (readonly [string, number])[];
  readonly next: number;
}

/** The "filesystem" connector: a table in csv or json files (Flink's filesystem source and sink). */
export const filesystemConnector = defineConnector({
  name: "filesystem",
  package: "@fleuve/core",
  description:
    "A table in csv or json files (Flink's filesystem connector): read once, as a bounded source, or loaded by a SQL lookup join; written exactly once into part files committed at checkpoints.",
  source: {
    description:
      "Reads the rows of every file under 'path' once, then ends (a partitioned table: of its partition directories, with the partition columns from their names).",
    options: FILESYSTEM_SOURCE_OPTIONS,
    partitioned: true,
    create: (o, context) => new FilesystemSource(filesystemTable(o, context)),
  },
  sink: {
    description:
      "Writes rows into hidden in-progress part files under 'path', made visible (part-<uuid>-<subtask>-<n>) when the checkpoint covering them completes.",
    options: FILESYSTEM_SINK_OPTIONS,
    partitioned: true,
    create: (o, context) => filesystemSink(o, context) as TwoPhaseCommitSink<unknown, FilesystemPendingFile>,
  },
});
