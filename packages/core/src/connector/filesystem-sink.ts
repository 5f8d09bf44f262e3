/**
 * Flink's `filesystem` connector, sink side: the rows of a SQL table written into csv or json part
 * files under `path`, exactly once through checkpoints, as Flink's FileSink (two-phase commit, see
 * {@link TwoPhaseCommitSink}):
 *
 * - each subtask writes its rows into an in-progress part file, hidden (`.part-<uuid>-<subtask>-<n>.inprogress`,
 *   skipped by readers, the `filesystem` source too);
 * - the file is rolled (closed, fsynced, it becomes pending) when it reaches
 *   `sink.rolling-policy.file-size`, when it has been open for `sink.rolling-policy.rollover-interval`
 *   (checked when a row comes), and at each checkpoint;
 * - a pending file becomes visible, renamed to `part-<uuid>-<subtask>-<n>`, when the checkpoint
 *   that covers it completes (or at the end of a bounded input, by the final checkpoint or, without
 *   checkpointing, when the input ends);
 * - on restore the pending files of the restored checkpoint are committed (again: commits are
 *   idempotent), and a writer deletes the in-progress and pending files of its subtask slot that
 *   the restored run wrote (its `<uuid>`, which every checkpoint records, even one with no file):
 *   they hold rows after that checkpoint, which the job writes again. Files of other runs or jobs
 *   in the same directory are never touched.
 *
 * Unlike Flink's row formats, whose in-progress file stays open across checkpoints (and is
 * truncated to the checkpointed length on restore), a file is rolled at every checkpoint, as
 * Flink does for bulk formats (besides the rolls by size and age between checkpoints).
 *
 * `<uuid>` is new for each sink made (each SQL INSERT planned), so files of different jobs or runs
 * never collide.
 *
 * A partitioned table (`context.partitionKeys`, a SQL table's `PARTITIONED BY`) has its rows in
 * partition directories under `path` (`<k1>=<v1>/<k2>=<v2>`, see partition-path.ts), without the
 * partition columns: a subtask keeps a part file open in each partition it writes, and the protocol
 * above is the same in each (rolls, commits, a restore's leftovers looked for in every partition).
 */

import { randomUUID } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { FleuveError } from "../errors.js";
import { baseType, csvLineEncoder, csvSettings, temporalOrNumberText } from "./csv-format.js";
import type { ConnectorContext, ConnectorField, OptionSpecs, ParsedOptions } from "./descriptor.js";
import { localPath } from "./file-table.js";
import { jsonText } from "./json-format.js";

/** Java's Double.toString of a number, as Flink's formats write DOUBLE (see csv-format.ts). */
export { javaDoubleText } from "./csv-format.js";

import { commitFilesystemPartFiles, syncDir } from "./part-files.js";
import { type PartitionReport, partitionCommitConfig } from "./partition-commit.js";
import { PartitionCommitOperator } from "./partition-committer.js";
import { DEFAULT_PARTITION_NAME, type PartitionLayout, partitionLayout } from "./partition-path.js";
import type { PreCommitSinkWriter, SinkWriterContext, TwoPhaseCommitSink } from "./sink.js";

/** The options of a `filesystem` sink (Flink's names, defaults and meanings). */
export const FILESYSTEM_SINK_OPTIONS = {
  path: {
    type: "string",
    required: true,
    doc: "The directory the part files go into (created if missing); a file:// URI is a local path.",
  },
  format: {
    type: "enum",
    values: ["csv", "json"],
    required: true,
    doc: "How rows are written: csv (fields in column order) or json (one JSON object per line).",
  },
  "csv.field-delimiter": {
    type: "string",
    default: ",",
    doc: "csv: the field delimiter, one character ('\\t' for a tab).",
  },
  "csv.quote-character": {
    type: "string",
    doc: 'csv: the character that encloses a field holding the delimiter, a quote or a line break (default ").',
  },
  "csv.disable-quote-character": {
    type: "boolean",
    default: false,
    doc: "csv: never quote (then csv.quote-character cannot be set).",
  },
  "csv.escape-character": {
    type: "string",
    doc: "csv: the character written before a delimiter, quote or itself inside a field (none by default).",
  },
  "csv.null-literal": {
    type: "string",
    allowEmpty: true,
    doc: "csv: the text written for NULL (default: an empty field).",
  },
  "sink.rolling-policy.file-size": {
    type: "string",
    default: "128MB",
    doc: "The size at which a part file is rolled (a memory size: '128MB', '1kb', bytes without a unit).",
  },
  "sink.rolling-policy.rollover-interval": {
    type: "string",
    default: "30 min",
    doc: "How long a part file may stay open before it is rolled (a duration: '30 min', '10 s', ms without a unit).",
  },
  "partition.default-name": {
    type: "string",
    default: DEFAULT_PARTITION_NAME,
    doc: "A partitioned table: the directory name of a partition column's NULL or empty value.",
  },
  "sink.partition-commit.policy.kind": {
    type: "string",
    doc: "A partitioned table: how a partition is committed once its trigger fires: 'success-file' (an empty file in its directory). Without it no partition is committed.",
  },
  "sink.partition-commit.trigger": {
    type: "enum",
    values: ["process-time", "partition-time"],
    default: "process-time",
    doc: "When a partition is committed: process-time (its creation time + delay has passed) or partition-time (the watermark has passed the time read from its values + delay).",
  },
  "sink.partition-commit.delay": {
    type: "string",
    default: "0 s",
    doc: "How long after its time a partition is committed (a duration: '1 h', '10 min').",
  },
  "sink.partition-commit.watermark-time-zone": {
    type: "string",
    default: "UTC",
    doc: "partition-time: the time zone partition times are read in, to compare with the watermark ('Asia/Shanghai' for a TIMESTAMP_LTZ rowtime shown in that zone).",
  },
  "sink.partition-commit.success-file.name": {
    type: "string",
    default: "_SUCCESS",
    doc: "The name of the success file written into a committed partition.",
  },
  "partition.time-extractor.kind": {
    type: "enum",
    values: ["default", "custom"],
    default: "default",
    doc: "How a partition's time is read from its values: default (the timestamp pattern); custom is not supported.",
  },
  "partition.time-extractor.timestamp-pattern": {
    type: "string",
    doc: "The partition time as text, partition values put in for `$key` ('$dt $hour:00:00'); default: the first partition value.",
  },
  "partition.time-extractor.timestamp-formatter": {
    type: "string",
    doc: "How the partition time text reads (yyyy, MM, dd, HH, mm, ss, SSS); default 'yyyy-MM-dd HH:mm:ss', the time optional.",
  },
} as const satisfies OptionSpecs;

/** The parsed options of a `filesystem` sink. */
export type FilesystemSinkOptions = ParsedOptions<typeof FILESYSTEM_SINK_OPTIONS>;

/** A part file rolled at a checkpoint, committed when that checkpoint completes. */
export interface FilesystemPendingFile {
  /** The hidden in-progress path; empty for the record a checkpoint without a file keeps of its run. */
  readonly inProgress: string;
  /** The finished, visible path; empty as `inProgress`. */
  readonly final: string;
  /** The run that wrote it (the `<uuid>` of its name): a restore deletes that run's leftovers. */
  readonly uuid: string;
  /** With partition commit, on the record of the run: the writer's report of the checkpoint (for the committer). */
  readonly report?: PartitionReport;
}

function configError(option: string, message: string, got?: string): FleuveError {
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `connector 'filesystem' sink: option '${option}' ${message}`,
    {
      details: { connector: "filesystem", side: "sink", option, ...(got === undefined ? {} : { got }) },
    },
  );
}

const SIZE_UNITS: readonly [readonly string[], number][] = [
  [["b", "bytes"], 1],
  [["k", "kb", "kibibytes"], 1024],
  [["m", "mb", "mebibytes"], 1024 ** 2],
  [["g", "gb", "gibibytes"], 1024 ** 3],
  [["t", "tb", "tebibytes"], 1024 ** 4],
];

/** Bytes of a memory size as Flink's MemorySize reads it ('128MB', '1 kb', '4096'; units of 1024). */
export function parseMemorySize(text: string, option: string): number {
  const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m?.[2]?.toLowerCase() ?? "";
  const factor = unit === "" ? 1 : SIZE_UNITS.find(([names]) => names.includes(unit))?.[1];
  if (m === null || factor === undefined)
    throw configError(
      option,
      `must be a memory size (a whole number and b, kb, mb, gb or tb), got '${text}'`,
      text,
    );
  const bytes = Number(m[1]) * factor;
  if (bytes <= 0) throw configError(option, `must be more than 0 bytes, got '${text}'`, text);
  return bytes;
}

const DURATION_UNITS: readonly [readonly string[], number][] = [
  [["ms", "milli", "millis", "millisecond", "milliseconds"], 1],
  [["s", "sec", "secs", "second", "seconds"], 1000],
  [["min", "m", "minute", "minutes"], 60_000],
  [["h", "hour", "hours"], 3_600_000],
  [["d", "day", "days"], 86_400_000],
];

/** Milliseconds of a duration as Flink's TimeUtils.parseDuration reads it ('30 min', '10s', '500'). */
export function parseDurationOption(text: string, option: string): number {
  const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m?.[2]?.toLowerCase() ?? "";
  const factor = unit === "" ? 1 : DURATION_UNITS.find(([names]) => names.includes(unit))?.[1];
  if (m === null || factor === undefined)
    throw configError(
      option,
      `must be a duration (a whole number and ms, s, min, h or d), got '${text}'`,
      text,
    );
  const ms = Number(m[1]) * factor;
  if (ms <= 0) throw configError(option, `must be longer than 0 ms, got '${text}'`, text);
  return ms;
}

type RowEncoder = (row: Record<string, unknown>) => string;

/** One csv line per row (with its line break), as Flink's csv format writes it (see csv-format.ts). */
function csvEncoder(o: FilesystemSinkOptions, schema: readonly ConnectorField[]): RowEncoder {
  const settings = csvSettings(
    {
      "field-delimiter": o["csv.field-delimiter"],
      "quote-character": o["csv.quote-character"],
      "disable-quote-character": o["csv.disable-quote-character"],
      "escape-character": o["csv.escape-character"],
      "null-literal": o["csv.null-literal"],
    },
    "csv.",
    (option, message, got) =>
      new FleuveError("FLEUVE_CONFIG_INVALID", `connector 'filesystem' sink: ${message}`, {
        details: { connector: "filesystem", side: "sink", option, ...(got === undefined ? {} : { got }) },
      }),
  );
  const line = csvLineEncoder(schema, settings);
  return (row) => `${line(row)}\n`;
}

/** One JSON object per line (with its line break), members in column order, as Flink's json format. */
function jsonEncoder(schema: readonly ConnectorField[]): RowEncoder {
  const fields = schema.map((f) => {
    const { base } = baseType(f.type);
    const text = temporalOrNumberText(f);
    const isText = base === "DATE" || base === "TIME" || base === "TIMESTAMP" || base === "TIMESTAMP_LTZ";
    return { name: f.name, key: `${JSON.stringify(f.name)}:`, text, isText };
  });
  const value = (f: (typeof fields)[number], v: unknown): string => {
    if (v === null || v === undefined) return "null";
    if (typeof v === "bigint") return v.toString();
    if (f.text !== undefined && typeof v === "number") {
      if (f.isText) return JSON.stringify(f.text(v));
      // A number as Flink writes it (1.0, 11.00), still a JSON number; NaN and infinities as text.
      return Number.isFinite(v) ? f.text(v) : JSON.stringify(String(v));
    }
    return jsonText(v);
  };
  return (row) => {
    let line = "{";
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as (typeof fields)[number];
      if (i > 0) line += ",";
      line += f.key + value(f, row[f.name]);
    }
    return `${line}}\n`;
  };
}

/** `.part-<uuid>-<subtask>-<n>.inprogress`: an in-progress or pending part file, of any run. */
const IN_PROGRESS = /^\.part-([0-9a-f-]{36})-(\d+)-(\d+)\.inprogress$/;

/**
 * The `filesystem` sink of `options` for a table of `context.schema`'s columns, partitioned by
 * `context.partitionKeys` when given (see the file's comment). Throws FLEUVE_CONFIG_INVALID naming
 * the option or column at fault.
 */
export function filesystemSink(
  options: FilesystemSinkOptions,
  context: ConnectorContext,
): TwoPhaseCommitSink<Record<string, unknown>, FilesystemPendingFile> {
  const schema = context.schema;
  if (schema === undefined || schema.length === 0)
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      "connector 'filesystem' sink: it writes the columns of a table; declare them in a SQL CREATE TABLE",
      { details: { connector: "filesystem", side: "sink" } },
    );
  const dir = localPath(options.path);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw configError(
      "path",
      `must be a directory (the sink writes part files into it), got the file '${options.path}'`,
      options.path,
    );
  const fileSize = parseMemorySize(options["sink.rolling-policy.file-size"], "sink.rolling-policy.file-size");
  const rolloverMs = parseDurationOption(
    options["sink.rolling-policy.rollover-interval"],
    "sink.rolling-policy.rollover-interval",
  );
  const layout = partitionLayout(
    schema,
    context.partitionKeys ?? [],
    options["partition.default-name"],
    "sink",
  );
  // Partition columns are not written inside the files (their directories hold them), as Flink.
  const encode =
    options.format === "csv" ? csvEncoder(options, layout.dataSchema) : jsonEncoder(layout.dataSchema);
  const uuid = randomUUID();
  const commitConfig = partitionCommitConfig(options, layout.keys, parseDurationOption);
  const now = context.processingTime ?? Date.now;
  // Runs whose checkpointed files this sink committed: a restore commits them before it makes
  // the writers, which then delete those runs' leftovers (and no other files).
  const restoredRuns = new Set<string>();
  return {
    createWriter: (ctx) =>
      new FilesystemSinkWriter(
        dir,
        layout,
        uuid,
        restoredRuns,
        ctx,
        encode,
        fileSize,
        rolloverMs,
        commitConfig === undefined ? undefined : now,
      ),
    // The reports in `files` are the committer's: after a restore the sink operator forwards them
    // to it (a checkpoint of before the committer existed holds them only here).
    commit(files) {
      for (const f of files) if (f.uuid !== undefined) restoredRuns.add(f.uuid);
      commitFilesystemPartFiles(files);
    },
    // Partition commit: one committer downstream of every writer (see partition-committer.ts).
    ...(commitConfig === undefined
      ? {}
      : {
          globalCommitter: () => new PartitionCommitOperator(dir, layout, commitConfig, now),
          globalCommitterOption: "'sink.partition-commit.policy.kind'",
        }),
  };
}

const FLUSH_BYTES = 64 * 1024;

/** The part file a writer has open in one directory (the table's, or one partition's). */
interface Bucket {
  readonly dir: string;
  fd: number;
  readonly name: string;
  size: number;
  readonly openedAt: number;
  buffered: string[];
  bufferedChars: number;
}

/**
 * The directories at `depth` under `dir` (itself at depth 0), hidden ones (`.`, `_`) left out:
 * where a table of that many partition columns has its part files.
 */
function bucketDirs(dir: string, depth: number): string[] {
  if (depth === 0) return [dir];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".") || entry.name.startsWith("_")) continue;
    out.push(...bucketDirs(join(dir, entry.name), depth - 1));
  }
  return out;
}

/**
 * One subtask's writer: the part file open in each directory it writes (one per partition) and
 * the files rolled since the last checkpoint.
 */
class FilesystemSinkWriter implements PreCommitSinkWriter<Record<string, unknown>, FilesystemPendingFile> {
  private readonly buckets = new Map<string, Bucket>();
  private next = 0;
  private rolled: FilesystemPendingFile[] = [];
  /** Directories made since the last checkpoint: their entries are made durable before it completes. */
  private made = new Set<string>();
  private readonly partitioned: boolean;
  /** Partition commit: the partitions written since the last checkpoint, with their creation time (processing time). */
  private written = new Map<string, number>();
  private watermark: number | null = null;

  constructor(
    private readonly dir: string,
    private readonly layout: PartitionLayout,
    private readonly uuid: string,
    restoredRuns: ReadonlySet<string>,
    private readonly ctx: SinkWriterContext,
    private readonly encode: RowEncoder,
    private readonly fileSize: number,
    private readonly rolloverMs: number,
    /** With partition commit: the processing time partitions are created at. */
    private readonly commitNow: (() => number) | undefined,
  ) {
    this.partitioned = layout.keys.length > 0;
    mkdirSync(dir, { recursive: true });
    // Leftovers of the restored runs in this subtask slot (of old subtasks j with j % parallelism
    // == index after a rescale, as checkpointed sink state is dealt), in every partition
    // directory: the restored checkpoint's pending files were committed before this writer was
    // made, so what is left holds rows the job writes again. Another run's or job's hidden files
    // are not this restore's to delete.
    const finished = new RegExp(`^part-${uuid}-${ctx.subtaskIndex}-(\\d+)$`);
    for (const d of bucketDirs(dir, layout.keys.length)) {
      for (const f of readdirSync(d)) {
        const m = IN_PROGRESS.exec(f);
        if (m && restoredRuns.has(m[1]!) && Number(m[2]) % ctx.parallelism === ctx.subtaskIndex)
          rmSync(join(d, f), { force: true });
        // Numbers go on after this sink's finished files (a restart within the job), never reusing one.
        const done = finished.exec(f);
        if (done) this.next = Math.max(this.next, Number(done[1]) + 1);
      }
    }
  }

  write(value: Record<string, unknown>): void {
    const relative = this.partitioned ? this.layout.directory(value) : "";
    if (this.commitNow !== undefined && !this.written.has(relative))
      this.written.set(relative, this.commitNow());
    let bucket = this.buckets.get(relative);
    if (bucket !== undefined && Date.now() - bucket.openedAt >= this.rolloverMs) {
      this.roll(relative, bucket);
      bucket = undefined;
    }
    if (bucket === undefined) bucket = this.open(relative);
    const line = this.encode(value);
    bucket.buffered.push(line);
    bucket.bufferedChars += line.length;
    bucket.size += Buffer.byteLength(line);
    if (bucket.size >= this.fileSize) this.roll(relative, bucket);
    else if (bucket.bufferedChars >= FLUSH_BYTES) this.flush(bucket);
  }

  private open(relative: string): Bucket {
    const dir = relative === "" ? this.dir : join(this.dir, relative);
    if (relative !== "" && !existsSync(dir)) {
      // Every level made here needs its entry in its parent made durable (prepareCommit).
      let d = dir;
      while (d !== this.dir && !existsSync(d)) {
        this.made.add(d);
        d = dirname(d);
      }
      mkdirSync(dir, { recursive: true });
    }
    const name = `part-${this.uuid}-${this.ctx.subtaskIndex}-${this.next++}`;
    const bucket: Bucket = {
      dir,
      fd: openSync(join(dir, `.${name}.inprogress`), "w"),
      name,
      size: 0,
      openedAt: Date.now(),
      buffered: [],
      bufferedChars: 0,
    };
    this.buckets.set(relative, bucket);
    return bucket;
  }

  private flush(bucket: Bucket): void {
    if (bucket.buffered.length === 0) return;
    writeSync(bucket.fd, bucket.buffered.join(""));
    bucket.buffered = [];
    bucket.bufferedChars = 0;
  }

  /** Closes a bucket's in-progress file; it is pending until the next checkpoint completes. */
  private roll(relative: string, bucket: Bucket): void {
    this.flush(bucket);
    fsyncSync(bucket.fd);
    closeSync(bucket.fd);
    this.buckets.delete(relative);
    this.rolled.push({
      inProgress: join(bucket.dir, `.${bucket.name}.inprogress`),
      final: join(bucket.dir, bucket.name),
      uuid: this.uuid,
    });
  }

  writeWatermark(watermark: number): void {
    this.watermark = watermark;
  }

  /** This writer's report of a checkpoint: the partitions written since the previous one. */
  private report(): PartitionReport {
    const partitions = [...this.written].map(([path, createdAt]) => ({ path, createdAt }));
    this.written = new Map();
    return {
      subtask: this.ctx.subtaskIndex,
      parallelism: this.ctx.parallelism,
      // -Infinity does not survive JSON; the final watermark (+Infinity) neither.
      watermark:
        this.watermark === null || !Number.isFinite(this.watermark)
          ? this.watermark === Number.POSITIVE_INFINITY
            ? Number.MAX_SAFE_INTEGER
            : null
          : this.watermark,
      partitions,
    };
  }

  prepareCommit(_checkpointId: number): FilesystemPendingFile[] {
    for (const [relative, bucket] of [...this.buckets]) this.roll(relative, bucket);
    const out = this.rolled;
    this.rolled = [];
    // The files' directory entries (and those of the partition directories made for them) are
    // durable before the checkpoint that lists them completes.
    const dirs = new Set(out.map((f) => dirname(f.final)));
    for (const d of this.made) dirs.add(dirname(d));
    this.made = new Set();
    for (const d of dirs) syncDir(d);
    // Every checkpoint records this run, so that a restore knows whose leftovers to delete, and
    // with partition commit carries the writer's report.
    if (this.commitNow !== undefined)
      out.push({ inProgress: "", final: "", uuid: this.uuid, report: this.report() });
    else if (out.length === 0) out.push({ inProgress: "", final: "", uuid: this.uuid });
    return out;
  }

  close(): void {
    for (const bucket of this.buckets.values()) closeSync(bucket.fd);
    this.buckets.clear();
  }
}
