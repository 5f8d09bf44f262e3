/**
 * Exchanges over Kafka: the edges between tasks of a scale-out job (`fleuve run --group`), as
 * Kafka Streams' repartition topics. One topic per edge, one partition per receiving subtask.
 *
 * A sending subtask writes, in its own Kafka transactions tied to its checkpoints (exactly-once):
 * records to the partition of their receiver; its watermark to every partition (once per
 * checkpoint, when it advanced: records only become visible at commit anyway); and, when a bounded
 * input ends, an end marker to every partition. A receiving subtask reads its partition
 * read_committed and takes as watermark the minimum over the senders, as a task over channels.
 *
 * Messages are `v8.serialize`d tuples, so records keep their JS types (Map, Date, bigint...):
 * `[0, value, timestamp?]`, `[1, sender, watermark]`, `[2, sender]`.
 */
import { deserialize, serialize } from "node:v8";
import type {
  PollStatus,
  PreCommitSinkWriter,
  Source,
  SourceOutput,
  SourceReader,
  TwoPhaseCommitSink,
} from "@fleuve/core";
import { type Exchange, exchangePartitioner } from "@fleuve/core/scale-out";
import { type KafkaCommittable, kafkaSink } from "../connectors/kafka-sink.js";
import { type KafkaSourceRecord, kafkaSource } from "../connectors/kafka-source.js";
import type { KafkaProperties } from "../properties.js";

const RECORD = 0;
const WATERMARK = 1;
const END = 2;

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

/** The sink a sending subtask writes exchange `x` with. */
export function exchangeSink(
  x: Exchange,
  opts: ExchangeOptions,
): TwoPhaseCommitSink<unknown, KafkaCommittable> {
  const inner = kafkaSink<Envelope>({
    bootstrap: opts.bootstrap,
    topic: opts.topicOf(x),
    serializer: (e) => e.bytes,
    partition: (e) => e.partition,
    deliveryGuarantee: "exactly-once",
    transactionalIdPrefix: `${opts.transactionalIdPrefix}-x${x.index}`,
    ...(opts.props ? { props: opts.props } : {}),
  });
  return {
    commit: (c) => inner.commit(c),
    createWriter(ctx): PreCommitSinkWriter<unknown, KafkaCommittable> {
      const w = inner.createWriter(ctx);
      const sender = ctx.subtaskIndex;
      const choose = exchangePartitioner(x, sender, opts.maxParallelism, x.name);
      let watermark = Number.NEGATIVE_INFINITY;
      let sentWatermark = Number.NEGATIVE_INFINITY;
      const toAll = (bytes: Buffer) => {
        for (let p = 0; p < x.receivers; p++) w.write({ partition: p, bytes }, undefined);
      };
      const flushWatermark = () => {
        if (watermark <= sentWatermark) return;
        sentWatermark = watermark;
        toAll(serialize([WATERMARK, sender, watermark]));
      };
      return {
        write(value, timestamp) {
          const bytes = serialize(timestamp === undefined ? [RECORD, value] : [RECORD, value, timestamp]);
          const p = choose(value);
          if (p < 0) toAll(bytes);
          else w.write({ partition: p, bytes }, timestamp);
        },
        writeWatermark(wm) {
          watermark = wm;
        },
        finish() {
          flushWatermark();
          toAll(serialize([END, sender]));
          w.finish?.();
        },
        prepareCommit(checkpointId) {
          flushWatermark();
          return w.prepareCommit(checkpointId);
        },
        prepared: () => w.prepared?.() ?? Promise.resolve(),
        ready: () => w.ready?.(),
        close: () => w.close?.(),
      };
    },
  };
}

interface ExchangeReaderState {
  inner: unknown;
  /** Last watermark per sender; null for none yet. */
  watermarks: (number | null)[];
  ended: number[];
}

/** The source a receiving subtask reads exchange `x` with (its own partition). */
export function exchangeSource(x: Exchange, opts: ExchangeOptions): Source<unknown> {
  const inner = kafkaSource<Buffer | null, Buffer | null, Buffer>({
    bootstrap: opts.bootstrap,
    topics: [opts.topicOf(x)],
    startingOffsets: "earliest",
    partitionAssignment: "by-index",
    partitionDiscoveryIntervalMs: 0,
    props: { "isolation.level": "read_committed", ...opts.props },
  });
  return {
    bounded: false,
    rescalable: false,
    createReader(ctx): SourceReader<unknown> {
      const reader = inner.createReader(ctx);
      const watermarks = new Array<number>(x.senders).fill(Number.NEGATIVE_INFINITY);
      const ended = new Set<number>();
      let emitted = Number.NEGATIVE_INFINITY;
      let out!: SourceOutput<unknown>;
      const advance = () => {
        let min = Number.POSITIVE_INFINITY;
        for (const w of watermarks) if (w < min) min = w;
        if (min > emitted && min !== Number.POSITIVE_INFINITY) {
          emitted = min;
          out.emitWatermark(min);
        }
      };
      const decoding: SourceOutput<KafkaSourceRecord<Buffer | null, Buffer | null, Buffer>> = {
        collect(rec) {
          let msg: unknown[];
          try {
            msg = deserialize(rec.value!) as unknown[];
          } catch (e) {
            out.reject(
              { topic: rec.topic, partition: rec.partition, offset: rec.offset },
              `exchange ${x.name}: undecodable message at ${rec.topic}-${rec.partition}@${rec.offset}: ${(e as Error).message}`,
            );
            return;
          }
          switch (msg[0]) {
            case RECORD:
              if (msg.length > 2) out.collect(msg[1], msg[2] as number);
              else out.collect(msg[1]);
              return;
            case WATERMARK: {
              const s = msg[1] as number;
              const wm = msg[2] as number;
              if (wm > watermarks[s]!) {
                watermarks[s] = wm;
                advance();
              }
              return;
            }
            case END:
              ended.add(msg[1] as number);
              watermarks[msg[1] as number] = Number.POSITIVE_INFINITY;
              advance();
              return;
            default:
              out.reject(
                { topic: rec.topic, partition: rec.partition, offset: rec.offset },
                `exchange ${x.name}: unknown message kind ${String(msg[0])}`,
              );
          }
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
            advance();
          }
          const status = reader.poll(decoding, max);
          if (ended.size === x.senders) return "end";
          return status === "end" ? "nothing-yet" : status;
        },
        available: () => reader.available?.() ?? new Promise((r) => setTimeout(r, 10)),
        snapshot(checkpointId): ExchangeReaderState {
          const inner = reader.snapshot?.(checkpointId);
          if (opts.purge && checkpointId !== undefined && Array.isArray(inner))
            pending.set(checkpointId, inner as Positions);
          return {
            inner,
            watermarks: watermarks.map((w) => (Number.isFinite(w) ? w : null)),
            ended: [...ended],
          };
        },
        restore(state) {
          const s = state as ExchangeReaderState;
          reader.restore?.([s.inner]);
          s.watermarks.forEach((w, i) => {
            watermarks[i] = w ?? Number.NEGATIVE_INFINITY;
          });
          for (const e of s.ended) {
            ended.add(e);
            watermarks[e] = Number.POSITIVE_INFINITY;
          }
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
