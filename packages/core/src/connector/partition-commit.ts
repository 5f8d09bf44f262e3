/**
 * Flink's partition commit for the `filesystem` sink (`sink.partition-commit.*`): once a
 * partition's files are visible and its trigger fires, a policy marks it done by writing a success
 * file (`_SUCCESS`, empty) into its directory, for downstream readers that wait for it.
 *
 * As Flink's StreamingFileWriter and PartitionCommitter:
 *
 * - each writer records when it creates a partition (processing time) and, at each checkpoint,
 *   reports the partitions it wrote since the previous one, with its current watermark;
 * - the reports and the part files go to one committer downstream of the writers (see
 *   partition-committer.ts), through the job's exchange, so the writers may run on any thread
 *   (or `--group` process over exactly-once exchanges, see there); when a
 *   checkpoint completes, it makes that checkpoint's files visible and commits the partitions
 *   whose trigger fires:
 *   `process-time`: `delay` is 0 or processing time > creation time + `delay`;
 *   `partition-time`: the watermark (the least of the writers' at the checkpoint) > the time the
 *   extractor reads from the partition values, in `sink.partition-commit.watermark-time-zone`, +
 *   `delay`;
 * - at the end of the input every partition left is committed;
 * - a partition written again after its commit is committed again (its success file rewritten).
 *
 * After a restore the partitions the committer had not committed are committed by the first
 * checkpoint that completes whose trigger fires for them (or the end of the input).
 */

import { closeSync, fsyncSync, openSync } from "node:fs";
import { join } from "node:path";
import { FleuveError } from "../errors.js";
import { flinkZone } from "../time/time-zone.js";

/** What a writer reports at a checkpoint: the partitions it wrote since the previous one, and its watermark. */
export interface PartitionReport {
  readonly subtask: number;
  readonly parallelism: number;
  /** The writer's watermark at the checkpoint; null before the first (JSON has no -Infinity). */
  readonly watermark: number | null;
  /**
   * Partition directories relative to the table's path, with their creation (processing) time:
   * when the writer first wrote to it since the previous checkpoint.
   */
  readonly partitions: readonly { readonly path: string; readonly createdAt: number }[];
}

/** The parsed partition commit options of a table, see {@link partitionCommitConfig}. */
export interface PartitionCommitConfig {
  readonly trigger: "process-time" | "partition-time";
  readonly delayMs: number;
  readonly successFileName: string;
  /** Epoch milliseconds of a partition's time (partition-time trigger), from its values. */
  readonly partitionTime: (values: readonly (string | null)[]) => number;
}

function optionError(option: string, message: string, got?: string): FleuveError {
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `connector 'filesystem' sink: option '${option}' ${message}`,
    {
      details: { connector: "filesystem", side: "sink", option, ...(got === undefined ? {} : { got }) },
    },
  );
}

/** A token of a timestamp formatter: a field of so many digits, or literal text. */
type FormatToken = { field: "y" | "M" | "d" | "H" | "m" | "s" | "S"; width: number } | { literal: string };

/**
 * The tokens of a java.time DateTimeFormatter pattern, of the letters a partition time needs
 * (`yyyy`, `MM`, `dd`, `HH`, `mm`, `ss`, `SSS`; `'...'` quotes literal text). Throws naming the
 * option for any other pattern letter, rather than guess at it.
 */
export function formatterTokens(pattern: string, option: string): FormatToken[] {
  const tokens: FormatToken[] = [];
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i] as string;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw optionError(option, `has an unclosed quote: '${pattern}'`, pattern);
      tokens.push({ literal: end === i + 1 ? "'" : pattern.slice(i + 1, end) });
      i = end + 1;
    } else if (/[a-zA-Z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      if (!"yMdHmsS".includes(c) || (c === "y" && j - i !== 2 && j - i !== 4))
        throw optionError(
          option,
          `uses '${pattern.slice(i, j)}', which is not supported (yyyy, MM, dd, HH, mm, ss and SSS are): '${pattern}'`,
          pattern,
        );
      tokens.push({ field: c as "y", width: j - i });
      i = j;
    } else {
      tokens.push({ literal: c });
      i++;
    }
  }
  return tokens;
}

/** A local date-time's parts; `ms` of the epoch when read as UTC. */
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(t);
  // A day or time out of range (2024-02-30, 25:00) is not a date-time, as java.time refuses it.
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    return Number.NaN;
  return t;
}

/**
 * Reads `text` with `tokens` (every field of its full width, numbers only; a pattern without a
 * time reads the day's start): the local date-time as epoch milliseconds of UTC, NaN when the
 * text does not match.
 */
export function parseWithFormatter(text: string, tokens: readonly FormatToken[]): number {
  const parts: Record<string, number> = { y: Number.NaN, M: 1, d: 1, H: 0, m: 0, s: 0, S: 0 };
  let at = 0;
  for (const t of tokens) {
    if ("literal" in t) {
      if (!text.startsWith(t.literal, at)) return Number.NaN;
      at += t.literal.length;
      continue;
    }
    const digits = text.slice(at, at + t.width);
    if (!/^\d+$/.test(digits) || digits.length !== t.width) return Number.NaN;
    parts[t.field] = t.field === "S" ? Number(`0.${digits}`) * 1000 : Number(digits);
    at += t.width;
  }
  if (at !== text.length) return Number.NaN;
  return utcMillis(
    parts.y as number,
    parts.M as number,
    parts.d as number,
    parts.H as number,
    parts.m as number,
    parts.s as number,
    Math.floor(parts.S as number),
  );
}

/**
 * Flink's default timestamp text (no formatter): `yyyy-M-d` with an optional time `H:m[:s[.f]]`
 * after a space (one or two digits for month, day, hour, minute, second), as epoch
 * milliseconds of UTC; NaN when it does not read.
 */
export function parseDefaultTimestamp(text: string): number {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?: (\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?$/.exec(
    text,
  );
  if (m === null) return Number.NaN;
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  return utcMillis(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    ms,
  );
}

/**
 * The instant of a local date-time (`localUtc`: its fields as UTC epoch ms) in `zone`, as
 * java.time's `atZone` (in a gap, the time after it; in an overlap, the earlier offset).
 */
export function localToInstant(localUtc: number, zone: string): number {
  return flinkZone(zone)?.toUtc(localUtc) ?? localUtc;
}

/** The options a {@link partitionCommitConfig} reads (the sink's parsed options). */
export interface PartitionCommitOptions {
  readonly "sink.partition-commit.trigger": "process-time" | "partition-time";
  readonly "sink.partition-commit.delay": string;
  readonly "sink.partition-commit.watermark-time-zone": string;
  readonly "sink.partition-commit.policy.kind"?: string | undefined;
  readonly "sink.partition-commit.success-file.name": string;
  readonly "partition.time-extractor.kind": "default" | "custom";
  readonly "partition.time-extractor.timestamp-pattern"?: string | undefined;
  readonly "partition.time-extractor.timestamp-formatter"?: string | undefined;
}

/**
 * The partition commit of a sink partitioned by `keys`, or undefined when
 * `sink.partition-commit.policy.kind` is not set (as Flink, nothing is committed then). Throws
 * FLEUVE_CONFIG_INVALID naming the option at fault.
 */
export function partitionCommitConfig(
  o: PartitionCommitOptions,
  keys: readonly string[],
  parseDuration: (text: string, option: string) => number,
): PartitionCommitConfig | undefined {
  const kinds = o["sink.partition-commit.policy.kind"];
  if (kinds === undefined) return undefined;
  const policyOption = "sink.partition-commit.policy.kind";
  if (keys.length === 0)
    throw optionError(policyOption, "needs a table PARTITIONED BY (...): only partitions are committed");
  const policies = kinds.split(",").map((k) => k.trim());
  for (const p of policies) {
    if (p === "metastore")
      throw optionError(
        policyOption,
        "'metastore' is not supported: Fleuve has no metastore (Hive catalog) to add partitions to; use 'success-file'",
        kinds,
      );
    if (p === "custom")
      throw optionError(
        policyOption,
        "'custom' is not supported: there is no commit policy class to load; use 'success-file'",
        kinds,
      );
    if (p !== "success-file") throw optionError(policyOption, `must be 'success-file', got '${p}'`, kinds);
  }
  const delayText = o["sink.partition-commit.delay"].trim();
  // 0 is the default (commit as soon as the trigger allows); other durations as Flink reads them.
  const delayMs = /^0+\s*[a-zA-Z]*$/.test(delayText)
    ? 0
    : parseDuration(delayText, "sink.partition-commit.delay");
  const successFileName = o["sink.partition-commit.success-file.name"];
  if (
    successFileName === "" ||
    successFileName.includes("/") ||
    successFileName === "." ||
    successFileName === ".."
  )
    throw optionError(
      "sink.partition-commit.success-file.name",
      `must be a file name (no '/'), got '${successFileName}'`,
      successFileName,
    );
  const zone = o["sink.partition-commit.watermark-time-zone"];
  try {
    flinkZone(zone);
  } catch (e) {
    // Flink's FileSystemTableFactory checks it as TableConfig checks the session zone.
    throw optionError(
      "sink.partition-commit.watermark-time-zone",
      `must be a time zone id Flink accepts ('UTC', 'Asia/Shanghai', 'GMT+08:00'): ${(e as Error).message}, got '${zone}'`,
      zone,
    );
  }
  if (o["partition.time-extractor.kind"] === "custom")
    throw optionError(
      "partition.time-extractor.kind",
      "'custom' is not supported: there is no extractor class to load; use 'default' with 'partition.time-extractor.timestamp-pattern'",
      "custom",
    );
  const pattern = o["partition.time-extractor.timestamp-pattern"];
  const formatter = o["partition.time-extractor.timestamp-formatter"];
  const tokens =
    formatter === undefined
      ? undefined
      : formatterTokens(formatter, "partition.time-extractor.timestamp-formatter");
  const extract = (values: readonly (string | null)[]): number => {
    // Flink: the first partition value without a pattern; else `$key` replaced by its value, key by key.
    let text = values[0] ?? "";
    if (pattern !== undefined) {
      text = pattern;
      for (const [i, key] of keys.entries()) text = text.split(`$${key}`).join(values[i] ?? "");
    }
    let local = tokens === undefined ? parseDefaultTimestamp(text) : parseWithFormatter(text, tokens);
    if (Number.isNaN(local))
      throw new FleuveError(
        "FLEUVE_SINK_FAILED",
        `connector 'filesystem' sink: the partition time of (${keys.map((k, i) => `${k}=${values[i]}`).join(", ")}) is '${text}', which does not read as ${formatter === undefined ? "'yyyy-MM-dd[ HH:mm:ss]'" : `'${formatter}'`} (options 'partition.time-extractor.timestamp-pattern', 'partition.time-extractor.timestamp-formatter')`,
        { details: { connector: "filesystem", side: "sink", partitionTime: text } },
      );
    local = localToInstant(local, zone);
    return local;
  };
  return { trigger: o["sink.partition-commit.trigger"], delayMs, successFileName, partitionTime: extract };
}

/** Writes the (empty) success file of a partition directory, durably. */
export function writeSuccessFile(dir: string, name: string): void {
  const fd = openSync(join(dir, name), "w");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
