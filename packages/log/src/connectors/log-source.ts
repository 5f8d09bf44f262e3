/**
 * A Fleuve source reading a topic of the embedded log. Partitions are split among subtasks
 * (partition p to subtask p % parallelism), each partition is a split with its own watermark,
 * and positions live in Fleuve checkpoints, so a restored job reads each record exactly once.
 */
import {
  FleuveError,
  type PollStatus,
  type Source,
  type SourceOutput,
  type SourceReader,
  type SourceReaderContext,
} from "@fleuve/core";
import type { Log } from "../log.js";
import type { LogRecord } from "../types.js";
import { acquireLog } from "./shared-log.js";

/** Options of {@link logSource}. */
export interface LogSourceOptions<T> {
  /**
   * The log, or its directory. A directory is opened read-only (no lock) unless this process has
   * it open for writing already (then that Log is shared), so a job can read a log that another
   * process writes.
   */
  readonly log: Log | string;
  readonly topic: string;
  /** Turns a log record into a value; throw to reject it (the job's error policy decides). */
  readonly deserialize: (record: LogRecord) => T;
  /** Where to start without a checkpoint (default "earliest"). */
  readonly startingOffsets?: "earliest" | "latest" | "committed" | { timestamp: number };
  /** Consumer group: offsets are committed to it on every completed checkpoint (for monitoring, and "committed" starts). */
  readonly group?: string;
  /** Stop at the end offsets seen at start (default false: follow the topic forever). */
  readonly bounded?: boolean;
  /**
   * Default "read_committed": transactional data appears once committed, aborted data never (what
   * Fleuve's own sinks write is transactional, so this is what the writing job guarantees).
   */
  readonly isolation?: "read_committed" | "read_uncommitted";
}

type Positions = [partition: number, offset: number][];

/** A source over a topic of the embedded log. */
export function logSource<T>(opts: LogSourceOptions<T>): Source<T> {
  if (typeof opts.topic !== "string" || opts.topic.length === 0) {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "logSource: option 'topic' must name a topic", {
      details: { option: "topic" },
    });
  }
  if (typeof opts.deserialize !== "function") {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "logSource: option 'deserialize' must be a function", {
      details: { option: "deserialize" },
    });
  }
  return {
    bounded: opts.bounded === true,
    rescalable: true,
    createReader: (ctx) => new LogSourceReader(opts, ctx),
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
      throw new FleuveError(
        "FLEUVE_LOG_TOPIC_NOT_FOUND",
        `logSource: topic '${opts.topic}' does not exist; create it first (fleuve topics create ${opts.topic})`,
        {
          details: { topic: opts.topic },
        },
      );
    }
    const topic = log.topic(opts.topic);
    this.owned = [];
    for (let p = 0; p < topic.numPartitions; p++)
      if (p % ctx.parallelism === ctx.subtaskIndex) this.owned.push(p);
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
          value = this.opts.deserialize(r);
        } catch (e) {
          output.reject(
            {
              topic: this.opts.topic,
              partition: p,
              offset: r.offset,
              key: r.key?.toString("base64") ?? null,
              value: r.value?.toString("base64") ?? null,
            },
            `cannot deserialize ${this.opts.topic}/${p}@${r.offset}: ${(e as Error).message}`,
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
    return [...this.positions];
  }

  restore(state: unknown): void {
    // Rescalable: every old reader's positions; keep the partitions this reader owns.
    for (const positions of state as (Positions | undefined)[]) {
      for (const [p, o] of positions ?? []) if (this.positions.has(p)) this.positions.set(p, o);
    }
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
