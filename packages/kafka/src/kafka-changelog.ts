/**
 * State changelogs in a Kafka topic, for `changelogStateBackend` of `@fleuve/core` (Kafka
 * Streams keeps its state stores' changelogs in Kafka the same way). Each writer sends its chunks
 * to one partition with an idempotent producer (acks=all), keyed `<writer id>:<segment>`; a
 * restore reads the partition from the writer's start offset and keeps that writer's segments.
 * Records no backend needs any more are removed with DeleteRecords, so the topic needs no
 * time-based retention (create it with `retention.ms=-1`).
 */
import { randomUUID } from "node:crypto";
import {
  type ChangelogHandle,
  ChangelogReleases,
  FleuveError,
  type KeyedStateBackendContext,
  type StateChangelogStorage,
  type StateChangelogWriter,
} from "@fleuve/core";
import { KafkaClient } from "./client.js";
import type { KafkaPartitionReader } from "./partition-reader.js";
import type { KafkaProducer } from "./producer.js";
import type { KafkaProperties } from "./properties.js";

/** Options of {@link kafkaChangelog}. */
export interface KafkaChangelogOptions {
  /** `bootstrap.servers`. */
  readonly bootstrap: string;
  /** The changelog topic (it must exist). */
  readonly topic: string;
  /** The partition of a backend's records (default: its subtask index). */
  readonly partition?: number | ((ctx: KeyedStateBackendContext) => number);
  /** More client properties (common ones, e.g. `client.id`, `request.timeout.ms`). */
  readonly props?: KafkaProperties;
}

/** A Kafka changelog; `close()` it when the job is done. */
export interface KafkaChangelog extends StateChangelogStorage {
  /** Closes the producer and the admin connection. */
  close(): Promise<void>;
}

/**
 * Topic configs for a changelog topic: no time or size retention, since records are deleted with
 * DeleteRecords once released and any other deletion would lose state a restore needs; and
 * timestamps set by the broker at append, so that a retention added to the topic later counts from
 * when a record was written, not from a timestamp a client chose.
 */
export const CHANGELOG_TOPIC_CONFIG: Readonly<Record<string, string>> = {
  "cleanup.policy": "delete",
  "retention.ms": "-1",
  "retention.bytes": "-1",
  "message.timestamp.type": "LogAppendTime",
  "max.message.bytes": String(16 * 1024 * 1024),
};

/** State changelogs kept in `opts.topic`. */
export function kafkaChangelog(opts: KafkaChangelogOptions): KafkaChangelog {
  const props = { "bootstrap.servers": opts.bootstrap, ...opts.props };
  let connection:
    | Promise<{ client: KafkaClient; producer: KafkaProducer; offsets: KafkaPartitionReader }>
    | undefined;
  const connect = () => {
    if (!connection) {
      const c = KafkaClient.connect(props).then((client) => ({
        client,
        producer: client.producer({ acks: "all", "enable.idempotence": true, "linger.ms": 0 }),
        // one reader for end offsets: a new one per writer would open new connections each time
        offsets: client.partitionReader({ "isolation.level": "read_uncommitted" }),
      }));
      connection = c;
      // a failed connection is tried again by the next writer (e.g. after the job restarts)
      c.catch(() => {
        if (connection === c) connection = undefined;
      });
    }
    return connection;
  };
  /** Per partition: what the backends writing to it still need. */
  const releases = new Map<number, ChangelogReleases>();
  let deleting: Promise<void> = Promise.resolve();
  let sending: Promise<void> = Promise.resolve();

  const partitionOf = (ctx: KeyedStateBackendContext) =>
    typeof opts.partition === "function" ? opts.partition(ctx) : (opts.partition ?? ctx.subtaskIndex);

  /**
   * The partition's end offset now. Concurrent calls may read each other's answer for the same
   * partition; any end offset read before a writer sends is at or below its records, which is
   * all a writer's start needs.
   */
  const endOffset = async (reader: KafkaPartitionReader, partition: number): Promise<bigint> => {
    await reader.assign([{ topic: opts.topic, partition, offset: "latest" }]);
    return reader.positions().find((p) => p.partition === partition)!.offset;
  };

  const release = (partition: number, owner: string, before: bigint) => {
    const upTo = releases.get(partition)!.release(owner, before);
    if (upTo === undefined) return;
    deleting = deleting
      .then(async () => {
        const { client } = await connect();
        await client.deleteRecords(opts.topic, partition, upTo);
      })
      // best effort: records left behind are only space; the next delete goes further and takes them
      .catch(() => {});
  };

  return {
    writer(ctx): StateChangelogWriter {
      const partition = partitionOf(ctx);
      const owner = `${ctx.operatorId}#${ctx.subtaskIndex}`;
      let forPartition = releases.get(partition);
      if (!forPartition) {
        forPartition = new ChangelogReleases();
        releases.set(partition, forPartition);
      }
      forPartition.register(owner);
      const id = randomUUID();
      let from: string | undefined;
      // Records sent after the end offset is read lie after it: that is where this writer begins.
      let chain: Promise<unknown> = connect().then(async ({ offsets }) => {
        from = `${partition}:${await endOffset(offsets, partition)}`;
      });
      chain.catch(() => {});
      return {
        id,
        get from() {
          return from;
        },
        append(seq, chunk) {
          const value = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          const opened = chain;
          // One send at a time per storage: the idempotent producer keeps a partition's records
          // in order only for sends that do not overlap.
          const sent = sending.then(async () => {
            await opened;
            const { producer } = await connect();
            await producer.send([{ topic: opts.topic, partition, key: `${id}:${seq}`, value }]);
          });
          sending = sent.catch(() => {});
          // A failed send fails this writer for good: its later segments would have a hole.
          chain = chain.then(() => sent);
          chain.catch(() => {});
        },
        persist: () => chain.then(() => {}),
        release(before) {
          release(partition, owner, parseFrom(before).offset);
        },
      };
    },

    async read(handle: ChangelogHandle): Promise<Uint8Array[]> {
      const { partition, offset } = parseFrom(handle.from);
      const { client, offsets } = await connect();
      const end = await endOffset(offsets, partition);
      const prefix = `${handle.writer}:`;
      const out: Uint8Array[] = [];
      if (offset >= end) return out;
      const reader = client.partitionReader({ "isolation.level": "read_uncommitted" });
      try {
        await reader.assign([{ topic: opts.topic, partition, offset }]);
        const deadline = Date.now() + READ_TIMEOUT_MS;
        for (;;) {
          if (Date.now() > deadline) throw new Error(`not read within ${READ_TIMEOUT_MS} ms`);
          for (const r of await reader.poll()) {
            if (r.offset >= end || r.key === null || r.value === null) continue;
            const key = r.key.toString("latin1");
            if (!key.startsWith(prefix)) continue;
            const seq = Number(key.slice(prefix.length));
            if (seq > handle.after && seq <= handle.upTo) out.push(r.value);
          }
          if (reader.positions()[0]!.offset >= end) break;
        }
      } catch (e) {
        throw new FleuveError(
          "FLEUVE_CHECKPOINT_CORRUPT",
          `cannot read the state changelog ${opts.topic}-${partition} from offset ${offset}: ${(e as Error).message}`,
          { cause: e, details: { topic: opts.topic, partition, offset: String(offset) } },
        );
      } finally {
        await reader.close().catch(() => {});
      }
      return out;
    },

    async close() {
      await deleting;
      const c = connection;
      connection = undefined;
      if (!c) return;
      const { client, producer, offsets } = await c.catch(() => ({
        client: undefined,
        producer: undefined,
        offsets: undefined,
      }));
      await offsets?.close().catch(() => {});
      await producer?.close().catch(() => {});
      await client?.close().catch(() => {});
    },
  };
}

/** A restore that cannot read the changelog this long fails (and the job restarts, as for any failure). */
const READ_TIMEOUT_MS = 120_000;

function parseFrom(from: string): { partition: number; offset: bigint } {
  const m = /^(\d+):(\d+)$/.exec(from);
  if (!m) {
    throw new FleuveError("FLEUVE_CHECKPOINT_CORRUPT", `not a Kafka changelog position: "${from}"`, {
      details: { from },
    });
  }
  return { partition: Number(m[1]), offset: BigInt(m[2]!) };
}
