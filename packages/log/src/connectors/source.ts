/**
 * A Fleuve source reading a topic of the embedded log. Partitions are split among subtasks by the
 * same rule as Kafka's source (see `partitionOwner`), each partition is a split with its own
 * watermark, and positions live in Fleuve checkpoints, so a restored job reads each record
 * exactly once.
 */
import {
  type Deserializer,
  deserializer,
  FleuveError,
  type PartitionAssignment,
  type PartitionedRecord,
  type PollStatus,
  partitionOwner,
  type Source,
  type SourceOutput,
  type SourceReader,
  type SourceReaderContext,
} from "@fleuve/core";
import type { Log } from "../log.js";
import type { LogRecord } from "../types.js";
import { acquireLog, topicNotFound } from "./shared-log.js";

/** Options of {@link logSource} shared by its two forms. */
export interface LogSourceBaseOptions {
  /**
   * The log, or its directory. A directory is opened read-only (no lock) unless this process has
   * it open for writing already (then that Log is shared), so a job can read a log that another
   * process writes.
   */
  readonly log: Log | string;
  readonly topic: string;
  /** Where to start without a checkpoint (default "earliest"). */
  readonly startingOffsets?: "earliest" | "latest" | "committed" | { timestamp: number };
  /** Consumer group: offsets are committed to it on every completed checkpoint (for monitoring, and "committed" starts). */
  readonly group?: string;
  /** Stop at the end offsets seen at start (default false: follow the topic forever). */
  readonly bounded?: boolean;
  /**
   * Default "read_committed": transactional data appears once committed, aborted data never (what
   * Fleuve's exactly-once sinks write is transactional, so this is what the writing job guarantees).
   */
  readonly isolation?: "read_committed" | "read_uncommitted";
  /**
   * Which subtask reads which partition: "spread" (default: each topic starts at a subtask chosen by
   * a hash of its name, as Kafka's source and Flink's) or "by-index" (partition p to subtask
   * p % parallelism).
   */
  readonly partitionAssignment?: PartitionAssignment;
}

/** Options of {@link logSource} emitting what a function makes of each record. */
export interface LogSourceOptions<T> extends LogSourceBaseOptions {
  /**
   * Turns a log record of partition `partition` into a value; throw to reject it (the job's error
   * policy decides).
   */
  readonly deserialize: (record: LogRecord, partition: number) => T;
}

/**
 * Options of {@link logSource} emitting records (topic, partition, offset, timestamp, key, value,
 * headers) decoded by format, as `kafkaSource` does. A format that throws rejects the record.
 */
export interface LogRecordSourceOptions<K, V, H> extends LogSourceBaseOptions {
  readonly deserialize?: undefined;
  /** "bytes" (default), "string", "json" or a function. */
  readonly key?: Deserializer<K>;
  /** "bytes" (default), "string", "json" or a function. */
  readonly value?: Deserializer<V>;
  /** "bytes" (default), "string", "json" or a function. */
  readonly headers?: Deserializer<H>;
}

/** A record as a {@link logSource} without `deserialize` emits it (the same shape as Kafka's). */
export type LogSourceRecord<K, V, H> = PartitionedRecord<K, V, H>;

/**
 * Snapshot layout: [partition, next offset, and for a bounded source the offset to stop at]. The
 * stop offset is kept so that a restored bounded job ends where its first run would have (as
 * Flink's splits keep their stopping offset): recomputed at restore, after more records were
 * appended, it would read past the checkpointed end.
 */
type Positions = [partition: number, offset: number, stop?: number][];

/**
 * A source over a topic of the embedded log, emitting `deserialize(record, partition)` for each
 * record, or (without `deserialize`) records decoded by the `key`/`value`/`headers` formats.
 */
export function logSource<T>(opts: LogSourceOptions<T>): Source<T>;
export function logSource<K = Buffer | null, V = Buffer | null, H = Buffer>(
  opts: LogRecordSourceOptions<K, V, H>,
): Source<LogSourceRecord<K, V, H>>;
export function logSource(
  opts: LogSourceOptions<unknown> | LogRecordSourceOptions<unknown, unknown, unknown>,
): Source<unknown> {
  if (typeof opts.topic !== "string" || opts.topic.length === 0) {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "logSource: option 'topic' must name a topic", {
      details: { option: "topic" },
    });
  }
  if (opts.deserialize !== undefined && typeof opts.deserialize !== "function") {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "logSource: option 'deserialize' must be a function", {
      details: { option: "deserialize" },
    });
  }
  const deserialize =
    opts.deserialize ?? recordDecoder(opts as LogRecordSourceOptions<unknown, unknown, unknown>);
  const assignment = opts.partitionAssignment ?? "spread";
  if (assignment !== "spread" && assignment !== "by-index") {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `logSource: option 'partitionAssignment' must be "spread" or "by-index", got ${JSON.stringify(assignment)}`,
      { details: { option: "partitionAssignment" } },
    );
  }
  return {
    bounded: opts.bounded === true,
    rescalable: true,
    createReader: (ctx) => new LogSourceReader({ ...opts, deserialize }, ctx),
  };
}

/** `deserialize` of the record form: decodes key, value and headers by their formats. */
function recordDecoder(
  opts: LogRecordSourceOptions<unknown, unknown, unknown>,
): (r: LogRecord, partition: number) => LogSourceRecord<unknown, unknown, unknown> {
  const key = deserializer(opts.key, "key", "logSource");
  const value = deserializer(opts.value, "value", "logSource");
  const header = deserializer(opts.headers, "headers", "logSource");
  const topic = opts.topic;
  return (r, partition) => {
    const headers: Record<string, unknown> = {};
    for (const [name, bytes] of r.headers) headers[name] = header(bytes);
    return {
      topic,
      partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: key(r.key),
      value: value(r.value),
      headers,
    };
  };
}

class LogSourceReader<T> implements SourceReader<T> {
  private readonly log: Log;
  private readonly release: () => void;
  private readonly positions = new Map<number, number>();
  private readonly ends = new Map<number, number>();
  private readonly owned: number[];
  private next = 0;
  private readonly isolation: "read_committed" | "read_uncommitted";

  constructor(
    private readonly opts: LogSourceOptions<T>,
    ctx: SourceReaderContext,
  ) {
    // A reader: it works beside the process that writes the log (another job, the demo).
    const { log, release } = acquireLog(opts.log, "read");
    this.log = log;
    this.release = release;
    this.isolation = opts.isolation ?? "read_committed";
    if (!log.hasTopic(opts.topic)) {
      release();
      throw topicNotFound("logSource", log, opts.topic);
    }
    const topic = log.topic(opts.topic);
    this.owned = [];
    const byIndex = opts.partitionAssignment === "by-index";
    for (let p = 0; p < topic.numPartitions; p++) {
      const owner = byIndex ? p % ctx.parallelism : partitionOwner(opts.topic, p, ctx.parallelism);
      if (owner === ctx.subtaskIndex) this.owned.push(p);
    }
    const group = opts.group ? log.consumerGroup(opts.group) : undefined;
    for (const p of this.owned) {
      const part = topic.partition(p);
      const start = opts.startingOffsets ?? "earliest";
      let offset: number;
      if (start === "earliest") offset = part.logStartOffset;
      else if (start === "latest") offset = this.endOf(p);
      else if (start === "committed") offset = group?.committed(opts.topic, p) ?? part.logStartOffset;
      else offset = part.offsetForTimestamp(start.timestamp) ?? this.endOf(p);
      this.positions.set(p, offset);
      if (opts.bounded) this.ends.set(p, this.endOf(p));
    }
  }

  private endOf(p: number): number {
    const part = this.log.topic(this.opts.topic).partition(p);
    return this.isolation === "read_committed" ? part.lastStableOffset : part.highWatermark;
  }

  private splitsRegistered = false;

  poll(output: SourceOutput<T>, max: number): PollStatus {
    if (!this.splitsRegistered) {
      // Every owned partition holds the watermark back from the start, not only once it is first
      // read: otherwise a partition read first could push the watermark past another's records.
      for (const p of this.owned) output.forSplit(String(p));
      this.splitsRegistered = true;
    }
    const topic = this.log.topic(this.opts.topic);
    let emitted = 0;
    let anyOpen = false;
    for (let n = 0; n < this.owned.length && emitted < max; n++) {
      const p = this.owned[this.next]!;
      this.next = (this.next + 1) % this.owned.length;
      const pos = this.positions.get(p)!;
      const end = this.opts.bounded ? this.ends.get(p)! : undefined;
      if (end !== undefined && pos >= end) {
        output.releaseSplit(String(p));
        continue;
      }
      anyOpen = true;
      const limit = this.endOf(p);
      if (pos >= limit) continue;
      const res = topic.partition(p).fetch(pos, {
        maxRecords: Math.min(max - emitted, end === undefined ? max : end - pos),
        isolation: this.isolation,
      });
      const split = output.forSplit(String(p));
      for (const r of res.records) {
        if (end !== undefined && r.offset >= end) break;
        let value: T;
        try {
          value = this.opts.deserialize(r, p);
        } catch (e) {
          output.reject(
            {
              topic: this.opts.topic,
              partition: p,
              offset: r.offset,
              key: r.key?.toString("base64") ?? null,
              value: r.value?.toString("base64") ?? null,
            },
            `logSource: cannot deserialize record ${this.opts.topic}/${p}@${r.offset}: ${(e as Error).message}`,
            r.timestamp,
          );
          this.positions.set(p, r.offset + 1);
          continue;
        }
        split.collect(value, r.timestamp);
        this.positions.set(p, r.offset + 1);
        emitted++;
      }
      // Skipped control batches or aborted data still move the position forward.
      const after = end === undefined ? res.nextOffset : Math.min(res.nextOffset, end);
      if (after > this.positions.get(p)!) this.positions.set(p, after);
    }
    if (this.opts.bounded && !anyOpen) return "end";
    return emitted > 0 ? "more" : "nothing-yet";
  }

  available(): Promise<void> {
    return new Promise((r) => setTimeout(r, 2));
  }

  snapshot(): Positions {
    const out: Positions = [];
    for (const [p, offset] of this.positions) {
      const stop = this.ends.get(p);
      out.push(stop === undefined ? [p, offset] : [p, offset, stop]);
    }
    return out;
  }

  restore(state: unknown): void {
    // Rescalable: every old reader's positions; keep the partitions this reader owns.
    for (const positions of state as (Positions | undefined)[]) {
      for (const [p, o, stop] of positions ?? []) {
        if (!this.positions.has(p)) continue;
        this.positions.set(p, o);
        // A bounded source stops where the checkpointed run would have, not at today's end.
        if (this.opts.bounded && stop !== undefined) this.ends.set(p, stop);
      }
    }
  }

  /** Per owned partition: offsets behind the head, and behind it from the group's commit. */
  splitMetrics(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    const group = this.opts.group ? this.log.consumerGroup(this.opts.group) : undefined;
    for (const [p, pos] of this.positions) {
      const head = this.endOf(p);
      const figures: Record<string, number> = { recordsLag: Math.max(0, head - pos) };
      if (group) {
        const committed = group.committed(this.opts.topic, p);
        if (committed !== undefined) figures.committedRecordsLag = Math.max(0, head - committed);
      }
      out[String(p)] = figures;
    }
    return out;
  }

  notifyCheckpointComplete(): void {
    if (!this.opts.group) return;
    this.log
      .consumerGroup(this.opts.group)
      .commit(
        [...this.positions].map(([partition, offset]) => ({ topic: this.opts.topic, partition, offset })),
      );
  }

  close(): void {
    this.release();
  }
}
