/**
 * Exchanges over Kafka: the transport of the edges between units of a scale-out job (`fleuve run
 * --group`), as Kafka Streams' repartition topics. One topic per edge, one partition per receiving
 * subtask. What travels (records, watermarks, idleness, end markers) and how a receiver combines its
 * senders is core's exchange protocol (`@fleuve/core/scale-out`); Kafka adds the delivery guarantee:
 *
 * - exactly-once (default): a sending subtask writes in its own Kafka transactions tied to its
 *   checkpoints (its watermark once per checkpoint, when it advanced: records only become visible
 *   at commit anyway; its records too are sent at the barrier, so that its transaction holds back
 *   the other senders' records in a partition only while it commits), and a receiving subtask
 *   reads its partition read_committed. A hop takes up to one commit interval (the unit's
 *   checkpoint interval) plus the commit.
 * - at-least-once: records, watermarks, idleness and ends are sent as they come (idempotent
 *   producer, `linger.ms` 0 unless the job's Kafka properties set it) and read read_uncommitted,
 *   so a hop takes about a Kafka round trip. A
 *   sender that fails replays from its checkpoint: duplicates, never a loss. Its replayed records
 *   may be late for the watermark the receiver already has, but each is a copy of one the receiver
 *   read before that watermark: one sender's messages reach its receivers in order, so whatever
 *   they read of it is a prefix of what it wrote, records before the watermarks that followed them.
 */
import type {
  PollStatus,
  PreCommitSinkWriter,
  Source,
  SourceOutput,
  SourceReader,
  TwoPhaseCommitSink,
} from "@fleuve/core";
import {
  DEFAULT_MAX_HELD,
  type Exchange,
  ExchangeReceiver,
  type ExchangeReceiverState,
  ExchangeSender,
  type UnitSavepoints,
} from "@fleuve/core/scale-out";
import { type KafkaCommittable, kafkaSink } from "../connectors/sink.js";
import { type KafkaSourceRecord, kafkaSource } from "../connectors/source.js";
import type { KafkaProperties } from "../properties.js";

/** Stands for a record without a value (no exchange message: the receiver rejects it). */
const EMPTY = Buffer.alloc(0);

interface Envelope {
  readonly partition: number;
  readonly bytes: Buffer;
}

/**
 * Topic configs of a scale-out job's internal topics: the exchanges (and the membership topic).
 * An exchange record's Kafka timestamp would be its event time, which may be long past (a
 * backfill; 1970 in tests): under the broker's default retention (7 days), the broker deletes such
 * records minutes after they are written, before their receiver has read them. Hence no time or
 * size retention, as Kafka Streams' repartition topics, so unread data is never deleted; and
 * timestamps set by the broker at append (`LogAppendTime`; a receiver takes event times from the
 * message itself), so that a retention an operator adds later to bound the disk counts from when a
 * record was written, never from its event time.
 */
export const EXCHANGE_TOPIC_CONFIG: Readonly<Record<string, string>> = {
  "cleanup.policy": "delete",
  "retention.ms": "-1",
  "retention.bytes": "-1",
  "message.timestamp.type": "LogAppendTime",
};

/** Where the exchanges of a job live. */
export interface ExchangeOptions {
  readonly bootstrap: string;
  /** The topic of exchange `x`. */
  readonly topicOf: (x: Exchange) => string;
  /** Prefix of the transactional ids (unique per group and job). */
  readonly transactionalIdPrefix: string;
  readonly maxParallelism: number;
  readonly props?: KafkaProperties;
  /** Lets a receiver's consumed records go once no retained checkpoint needs them (default: kept). */
  readonly purge?: ExchangePurge;
  /** Default "exactly-once" (see the module comment). */
  readonly deliveryGuarantee?: "exactly-once" | "at-least-once";
  /**
   * The savepoints of the unit that reads or writes the exchange: a sender writes a savepoint's
   * barrier into the transaction of the checkpoint that is its unit's part, and a receiver aligns
   * on barriers (see `UnitSavepoints`). Without it, barriers are neither sent nor aligned.
   */
  readonly savepoints?: UnitSavepoints;
  /**
   * Most messages a receiver holds in memory while it aligns a savepoint's barriers (default
   * core's `DEFAULT_MAX_HELD`); past it, it reads them again from the partition afterwards.
   */
  readonly maxHeld?: number;
  /** Where a receiver says that an alignment spilled (default: not said). */
  readonly log?: (line: string) => void;
}

/**
 * How a receiving subtask lets go of the exchange records it consumed, as Kafka Streams purges
 * its repartition topics after commits: exchange topics have no retention (see
 * {@link EXCHANGE_TOPIC_CONFIG}), so without this they grow for ever.
 */
export interface ExchangePurge {
  /** How many completed checkpoints are kept (`checkpointing.retained`): a restore may use any. */
  readonly retained: number;
  /**
   * The receiver needs no record of `topic`/`partition` before `offset` any more. Called once per
   * completed checkpoint and partition, on the hot path: it must return at once and never throw.
   */
  release(topic: string, partition: number, offset: bigint): void;
}

/** A Kafka source reader's position in a checkpoint: `[topic, partition, next offset, stop?]`. */
type Positions = [topic: string, partition: number, offset: string, stop?: string][];

/** An exactly-once exchange's `linger.ms`: the longest timer Node has, so records go at the barrier. */
const UNTIL_BARRIER = 2_147_483_647;

/** The sink a sending subtask writes exchange `x` with. */
export function exchangeSink(
  x: Exchange,
  opts: ExchangeOptions,
): TwoPhaseCommitSink<unknown, KafkaCommittable> {
  const atLeastOnce = opts.deliveryGuarantee === "at-least-once";
  const inner = kafkaSink<Envelope>({
    bootstrap: opts.bootstrap,
    topic: opts.topicOf(x),
    serializer: (e) => e.bytes,
    partition: (e) => e.partition,
    ...(atLeastOnce
      ? { deliveryGuarantee: "at-least-once" }
      : {
          deliveryGuarantee: "exactly-once",
          transactionalIdPrefix: `${opts.transactionalIdPrefix}-x${x.index}`,
        }),
    // At-least-once: linger.ms 0 unless set. A writer has one send in flight and batches what
    // comes meanwhile into the next one (see kafkaSink), so under load records still go in
    // batches; lingering would only delay each hop by linger.ms when the exchange is not busy.
    // Exactly-once: records are sent at the barrier (prepareCommit sends what is buffered; before
    // it only every 2,000 records). They become visible at the commit anyway, and a transaction is
    // then open in the exchange's partitions only while it commits, not for the whole commit
    // interval: a read_committed receiver gets nothing past a partition's oldest open transaction
    // (its last stable offset), and every sending unit writes to every partition, so records sent
    // as they came waited after their own commit for the other senders' commits.
    props: { "linger.ms": atLeastOnce ? 0 : UNTIL_BARRIER, ...opts.props },
  });
  return {
    // At-least-once records are visible at once; checkpoints only restore state and positions.
    ...(atLeastOnce ? { needsCheckpoints: false } : {}),
    commit: (c) => inner.commit(c),
    createWriter(ctx): PreCommitSinkWriter<unknown, KafkaCommittable> {
      const w = inner.createWriter(ctx);
      const sender = new ExchangeSender(
        x,
        ctx.subtaskIndex,
        { send: (partition, bytes, timestamp) => w.write({ partition, bytes }, timestamp) },
        // exactly-once: only the newest watermark per transaction (visible at commit anyway)
        { maxParallelism: opts.maxParallelism, watermarks: atLeastOnce ? "eager" : "at-flush" },
      );
      return {
        write: (value, timestamp) => sender.write(value, timestamp),
        writeWatermark: (wm) => sender.writeWatermark(wm),
        idle: (idle) => sender.idle(idle),
        finish() {
          sender.finish();
          w.finish?.();
        },
        prepareCommit(checkpointId) {
          const barrier = opts.savepoints?.barrierOf(checkpointId);
          // in this checkpoint's transaction: receivers see the barrier once it commits
          if (barrier) sender.barrier(barrier);
          else sender.flush();
          return w.prepareCommit(checkpointId);
        },
        prepared: () => w.prepared?.() ?? Promise.resolve(),
        ready: () => w.ready?.(),
        close: () => w.close?.(),
      };
    },
  };
}

/** A receiving subtask's checkpoint: its Kafka reader's position and the protocol's state. */
interface ExchangeReaderState extends ExchangeReceiverState {
  inner: unknown;
}

/** The source a receiving subtask reads exchange `x` with (its own partition). */
export function exchangeSource(x: Exchange, opts: ExchangeOptions): Source<unknown> {
  const inner = kafkaSource<Buffer | null, Buffer | null, Buffer>({
    bootstrap: opts.bootstrap,
    topics: [opts.topicOf(x)],
    startingOffsets: "earliest",
    partitionAssignment: "by-index",
    partitionDiscoveryIntervalMs: 0,
    props: {
      "isolation.level": opts.deliveryGuarantee === "at-least-once" ? "read_uncommitted" : "read_committed",
      ...opts.props,
    },
  });
  return {
    // ends (all senders' end markers read) when the job's sources upstream end
    bounded: x.bounded,
    rescalable: false,
    createReader(ctx): SourceReader<unknown> {
      let reader = inner.createReader(ctx);
      const savepoints = opts.savepoints;
      const receiver = new ExchangeReceiver(x, {
        ...(opts.maxHeld === undefined ? {} : { maxHeld: opts.maxHeld }),
        ...(savepoints
          ? {
              onAligned: (barrier) => savepoints.aligned(x.index, barrier),
              isOver: (id) => savepoints.isOver(id),
            }
          : {}),
        describe: (raw) => {
          const rec = raw as KafkaSourceRecord<Buffer | null, Buffer | null, Buffer>;
          return {
            raw: { topic: rec.topic, partition: rec.partition, offset: rec.offset },
            at: `${rec.topic}-${rec.partition}@${rec.offset}`,
          };
        },
      });
      let out!: SourceOutput<unknown>;
      const decoding: SourceOutput<KafkaSourceRecord<Buffer | null, Buffer | null, Buffer>> = {
        collect(rec) {
          receiver.receive(rec.value ?? EMPTY, out, rec, rec.offset);
        },
        emitWatermark() {},
        markIdle() {},
        forSplit: () => decoding,
        releaseSplit() {},
        reject: (raw, reason, ts) => out.reject(raw, reason, ts),
      };
      let restored = false;
      // Positions by checkpoint id until that checkpoint completes or is subsumed.
      const pending = new Map<number, Positions>();
      // Positions of this reader's newest completed checkpoints, oldest first. One more than the
      // retained ones, as the changelog backend keeps materializations: a new owner taking the unit
      // over may have picked the checkpoint just before the newest when it listed them.
      const kept: Positions[] = [];
      const keep = (opts.purge?.retained ?? 0) + 1;
      return {
        poll(output, max): PollStatus {
          out = output;
          if (restored) {
            restored = false;
            receiver.resume(output);
          } else receiver.release(output);
          const from = receiver.rewind;
          if (from !== undefined) {
            // An alignment spilled (see ExchangeReceiver): read the partition again from there, with
            // a new reader (its prefetched records are dropped), as a restore at that offset does.
            const old = reader;
            void Promise.resolve(old.close?.()).catch(() => {});
            reader = inner.createReader(ctx);
            reader.restore?.([[[opts.topicOf(x), ctx.subtaskIndex, String(from)]] satisfies Positions]);
            receiver.rewound();
            opts.log?.(
              `exchange ${x.name} input ${ctx.subtaskIndex}: a savepoint's alignment held more than ${opts.maxHeld ?? DEFAULT_MAX_HELD} messages; reading them again from offset ${from}`,
            );
          }
          // Everything read now would only be held (an input whose barriers all arrived, a stop).
          if (receiver.paused) return "nothing-yet";
          const status = reader.poll(decoding, max);
          if (receiver.ended) return "end";
          return status === "end" ? "nothing-yet" : status;
        },
        available: () =>
          (receiver.paused ? undefined : reader.available?.()) ?? new Promise((r) => setTimeout(r, 10)),
        snapshot(checkpointId): ExchangeReaderState {
          const inner = reader.snapshot?.(checkpointId);
          const barrier = savepoints?.barrierOf(checkpointId);
          const state = receiver.snapshot(barrier?.id);
          if (opts.purge && checkpointId !== undefined && Array.isArray(inner)) {
            // Records a spilled alignment reads again stay: purge only before them.
            const keepFrom = state.replay?.from ?? state.alignment?.spilledFrom;
            pending.set(
              checkpointId,
              keepFrom === undefined
                ? (inner as Positions)
                : (inner as Positions).map(([t, p, o, stop]) =>
                    BigInt(o) > BigInt(keepFrom) ? [t, p, String(keepFrom), stop] : [t, p, o, stop],
                  ),
            );
          }
          return { inner, ...state };
        },
        restore(state) {
          const s = state as ExchangeReaderState;
          reader.restore?.([s.inner]);
          receiver.restore(s);
          restored = true;
        },
        notifyCheckpointComplete(id) {
          reader.notifyCheckpointComplete?.(id);
          const purge = opts.purge;
          if (!purge) return;
          const done = pending.get(id);
          for (const k of pending.keys()) if (k <= id) pending.delete(k);
          if (done === undefined) return;
          kept.push(done);
          if (kept.length > keep) kept.shift();
          // A reader that (re)started releases nothing until it has `keep` checkpoints of its own:
          // until then, restores may use checkpoints of its predecessor, further back.
          if (kept.length < keep) return;
          for (const [topic, partition, offset] of kept[0]!) purge.release(topic, partition, BigInt(offset));
        },
        close: () => reader.close?.(),
      };
    },
  };
}
