/**
 * A Fleuve sink writing to a topic of the embedded log. At least once by default (appends visible
 * at once, repeated after a restore), as `kafkaSink`. With `deliveryGuarantee: "exactly-once"` it
 * writes each checkpoint's records in a log transaction: prepared on the checkpoint barrier,
 * committed when the checkpoint completes, committed again (idempotently) after a restore, and
 * aborted if the checkpoint never completed. read_committed readers see every record once.
 */
import {
  type DeliveryGuarantee,
  FleuveError,
  type PreCommitSinkWriter,
  recordFunction,
  type Serializer,
  type SinkWriterContext,
  serializer,
  type TwoPhaseCommitSink,
} from "@fleuve/core";
import type { Log } from "../log.js";
import type { ProducerRecord } from "../types.js";
import { acquireLog, type LogTransaction, type LogWriter, topicNotFound } from "./shared-log.js";

/** Options of {@link logSink}. */
export interface LogSinkOptions<T> {
  /** The log, or its directory. */
  readonly log: Log | string;
  readonly topic: string;
  /**
   * Turns a value into a record (key decides the partition, as Kafka's default partitioner). Without
   * it, `serializer`, `key`, `partition` and `headers` make the record, as in `kafkaSink`.
   */
  readonly serialize?: (value: T, timestamp: number | undefined) => ProducerRecord;
  /** Without `serialize`: the value's bytes, "string", "json" (default), "bytes" or a function. */
  readonly serializer?: Serializer<T>;
  /** Without `serialize`: the record key (decides the partition by murmur2, as Kafka's default partitioner). */
  readonly key?: (value: T) => Buffer | string | null;
  /** Without `serialize`: an explicit partition (overrides the key's). */
  readonly partition?: (value: T) => number;
  /** Without `serialize`: record headers. */
  readonly headers?: (value: T) => Readonly<Record<string, Buffer | string>>;
  /**
   * Transactional id prefix for exactly-once, unique per sink and job on this log (default
   * `fleuve-<topic>`: two jobs writing one topic exactly-once must set distinct prefixes).
   */
  readonly transactionalIdPrefix?: string;
  /**
   * "at-least-once" (default): records are appended in batches, visible at once, and may repeat
   * after a restore. "exactly-once": transactions committed when checkpoints complete (needs
   * checkpointing on unbounded input).
   */
  readonly deliveryGuarantee?: DeliveryGuarantee;
  /** Records buffered before they are appended (default 1024). */
  readonly batchSize?: number;
  /**
   * Applies only at-least-once (ignored otherwise): the longest a record waits in the
   * buffer before it is appended (default 100 ms, as Kafka's `linger.ms`), so a slow input's
   * records become visible without waiting for a full batch or a checkpoint. Exactly-once records
   * wait for their checkpoint anyway. A number of milliseconds >= 0.
   */
  readonly lingerMs?: number;
}

/** What a checkpoint must commit: a prepared transaction. */
export interface LogSinkCommittable {
  readonly transactionalId: string;
  /** Producer epoch of the prepared transaction: a later use of the id has a higher epoch. */
  readonly producerEpoch: number;
}

type Serialize<T> = (value: T, timestamp: number | undefined) => ProducerRecord;

/** value -> record from the `serializer`/`key`/`partition`/`headers` options (as `kafkaSink`). */
function recordMaker<T>(opts: LogSinkOptions<T>): Serialize<T> {
  const ser = serializer(opts.serializer ?? "json", "serializer", "logSink");
  // A throw of these functions rejects the record (dead letters under that error policy), as the serializer's does.
  const fn = <R>(f: ((v: T) => R) | undefined, what: string) =>
    f === undefined ? undefined : recordFunction(f, what, "logSink");
  const key = fn(opts.key, "key function");
  const partition = fn(opts.partition, "partition function");
  const headers = fn(opts.headers, "headers function");
  const bytes = (b: Buffer | string | null): Buffer | null => (typeof b === "string" ? Buffer.from(b) : b);
  return (v, ts) => {
    const r: ProducerRecord = { value: bytes(ser(v)) };
    if (key) r.key = bytes(key(v));
    if (partition) r.partition = partition(v);
    if (headers) r.headers = Object.entries(headers(v)).map(([n, b]) => [n, Buffer.from(b)]);
    if (ts !== undefined && Number.isFinite(ts)) r.timestamp = Math.trunc(ts);
    return r;
  };
}

/** Transactional ids per subtask, reused in turn (a still-prepared id is never reused). */
const ID_POOL = 16;

/** A sink into a topic of the embedded log. */
export function logSink<T>(opts: LogSinkOptions<T>): TwoPhaseCommitSink<T, LogSinkCommittable> {
  if (typeof opts.topic !== "string" || opts.topic.length === 0) {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "logSink: option 'topic' must name a topic", {
      details: { option: "topic" },
    });
  }
  if (opts.serialize !== undefined && typeof opts.serialize !== "function") {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "logSink: option 'serialize' must be a function", {
      details: { option: "serialize" },
    });
  }
  const serialize = opts.serialize ?? recordMaker(opts);
  const linger = opts.lingerMs ?? 100;
  if (typeof linger !== "number" || !(linger >= 0) || !Number.isFinite(linger)) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `logSink '${opts.topic}': option 'lingerMs' must be a number of milliseconds >= 0, got ${String(opts.lingerMs)}`,
      { details: { option: "lingerMs" } },
    );
  }
  const guarantee = opts.deliveryGuarantee ?? "at-least-once";
  if (guarantee !== "at-least-once" && guarantee !== "exactly-once") {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `logSink '${opts.topic}': option 'deliveryGuarantee' must be "at-least-once" or "exactly-once", got ${JSON.stringify(guarantee)}`,
      { details: { option: "deliveryGuarantee" } },
    );
  }
  const prefix = opts.transactionalIdPrefix ?? `fleuve-${opts.topic}`;
  const exactlyOnce = guarantee === "exactly-once";
  return {
    createWriter: (ctx) =>
      exactlyOnce
        ? new TransactionalWriter(opts, serialize, prefix, ctx)
        : new AtLeastOnceWriter(opts, serialize, linger),
    // Plain appends are visible at once; only transactions wait for a checkpoint.
    needsCheckpoints: exactlyOnce,
    atLeastOnceHint: 'logSink deliveryGuarantee: "at-least-once"',
    commit: (committables) => {
      if (committables.length === 0) return;
      const { log, release } = acquireLog(opts.log);
      try {
        const states = new Map(log.transactions().map((t) => [t.transactionalId, t]));
        for (const c of committables) {
          const t = states.get(c.transactionalId);
          // Committed already, or the id has been used again since: that transaction is resolved.
          if (t?.state !== "prepared" || t.producerEpoch !== c.producerEpoch) continue;
          log.recoverAndCommit(c.transactionalId);
        }
      } finally {
        release();
      }
    },
  };
}

/** At-least-once: appends directly (visible at once, may repeat after a restore). */
class AtLeastOnceWriter<T> implements PreCommitSinkWriter<T, LogSinkCommittable> {
  private readonly log: LogWriter;
  private readonly release: () => void;
  private buffer: ProducerRecord[] = [];
  /** Appends the buffer once it has waited `lingerMs`; set while the buffer holds records. */
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * What a linger append threw (disk full, log closed). A timer callback has no caller to throw
   * to (it would crash the process), so the error waits here and the writer's next call (write,
   * prepareCommit, finish or close) throws it, which fails the task and reaches the job's restart
   * strategy. The buffer is kept and the timer is not re-armed: an idle job reports the error at
   * its next record, checkpoint or end, and retrying a broken log in the background would only
   * hide the failure.
   */
  private lingerFailure: { error: unknown } | undefined;
  constructor(
    private readonly opts: LogSinkOptions<T>,
    private readonly serialize: Serialize<T>,
    private readonly lingerMs: number,
  ) {
    ({ log: this.log, release: this.release } = acquireLog(opts.log));
    requireTopic(this.log, opts.topic);
  }
  write(value: T, timestamp: number | undefined): void {
    this.throwLingerFailure();
    this.buffer.push(this.serialize(value, timestamp));
    if (this.buffer.length >= (this.opts.batchSize ?? 1024)) this.flush();
    else if (this.lingerTimer === undefined) {
      // Timers run between the task's batches on this same thread: the append never interleaves
      // with a write. unref: a pending flush does not keep a finished process alive.
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = undefined;
        try {
          this.flush();
        } catch (error) {
          this.lingerFailure = { error };
        }
      }, this.lingerMs);
      this.lingerTimer.unref?.();
    }
  }
  private throwLingerFailure(): void {
    if (this.lingerFailure !== undefined) throw this.lingerFailure.error;
  }
  private flush(): void {
    if (this.lingerTimer !== undefined) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    this.throwLingerFailure();
    if (this.buffer.length === 0) return;
    this.log.append(this.opts.topic, this.buffer);
    this.buffer = [];
  }
  prepareCommit(): LogSinkCommittable[] {
    this.flush();
    return [];
  }
  finish(): void {
    this.flush();
  }
  close(): void {
    try {
      this.flush();
    } finally {
      this.release();
    }
  }
}

class TransactionalWriter<T> implements PreCommitSinkWriter<T, LogSinkCommittable> {
  private readonly log: LogWriter;
  private readonly release: () => void;
  private producer: LogTransaction | undefined;
  private buffer: ProducerRecord[] = [];
  private slot = 0;

  constructor(
    private readonly opts: LogSinkOptions<T>,
    private readonly serialize: Serialize<T>,
    private readonly prefix: string,
    private readonly ctx: SinkWriterContext,
  ) {
    ({ log: this.log, release: this.release } = acquireLog(opts.log));
    requireTopic(this.log, opts.topic);
    this.abortLingering();
  }

  /**
   * Transactions of an earlier run that were not committed by the restore (it commits what the
   * restored checkpoint prepared before writers start) belong to checkpoints that never completed:
   * abort them. This subtask takes the ids of old subtasks j with j % parallelism == its index.
   */
  private abortLingering(): void {
    const re = new RegExp(`^${escapeRegExp(this.prefix)}-(\\d+)-(\\d+)$`);
    for (const t of this.log.transactions()) {
      const m = re.exec(t.transactionalId);
      if (!m || Number(m[1]) % this.ctx.parallelism !== this.ctx.subtaskIndex) continue;
      if (t.state === "ongoing" || t.state === "prepared") this.log.recoverAndAbort(t.transactionalId);
    }
  }

  private id(slot: number): string {
    return `${this.prefix}-${this.ctx.subtaskIndex}-${slot}`;
  }

  private begin(): LogTransaction {
    const id = this.id(this.slot);
    const entry = this.log.transactions().find((t) => t.transactionalId === id);
    if (entry && entry.state === "prepared") {
      throw new FleuveError(
        "FLEUVE_SINK_FAILED",
        `logSink '${this.opts.topic}': transactional id ${id} is still prepared after ${ID_POOL} checkpoints without a completed one; restart from the last checkpoint`,
      );
    }
    const p = this.log.beginTransaction(id);
    this.producer = p;
    this.slot = (this.slot + 1) % ID_POOL;
    return p;
  }

  write(value: T, timestamp: number | undefined): void {
    this.buffer.push(this.serialize(value, timestamp));
    if (this.buffer.length >= (this.opts.batchSize ?? 1024)) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    (this.producer ?? this.begin()).send(this.opts.topic, this.buffer);
    this.buffer = [];
  }

  prepareCommit(): LogSinkCommittable[] {
    this.flush();
    const p = this.producer;
    if (!p) return [];
    p.prepare();
    this.producer = undefined;
    return [{ transactionalId: p.transactionalId, producerEpoch: p.producerEpoch }];
  }

  finish(): void {
    this.flush();
  }

  close(): void {
    // An open (unprepared) transaction is simply left: the next run aborts it.
    this.release();
  }
}

function requireTopic(log: LogWriter, topic: string): void {
  if (!log.hasTopic(topic)) throw topicNotFound("logSink", log, topic);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
