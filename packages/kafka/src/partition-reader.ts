/**
 * Reads assigned partitions with plain Fetch requests: no consumer group, positions owned by the
 * caller (a Flink-style source stores them in its checkpoint). It skips the client's per-record
 * Message objects and Node stream, which cost 3-10x in throughput (bench/kafka-clients/RESULTS.md).
 */
import { FleuveError } from "@fleuve/core";
import { protocolErrorsCodesById } from "@platformatic/kafka";
import type { CommonOptions, ConsumerSettings } from "./properties.js";
import { ReadCommittedConsumer } from "./read-committed-consumer.js";
import type { ConsumerRecord } from "./records.js";

/** A partition to read and where to start: an offset, or the partition's earliest/latest offset. */
export interface PartitionStart {
  topic: string;
  partition: number;
  offset: bigint | "earliest" | "latest";
}

/** A partition and the next offset to read from it. */
export interface PartitionPosition {
  topic: string;
  partition: number;
  offset: bigint;
}

const LOG_APPEND_TIME = 1 << 3;
const IS_CONTROL = 1 << 5;
/** Errors after which fresh metadata (a new leader) is all that is needed. */
const STALE_LEADER = new Set([6, 74, 75]); // NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH
const STALE_LEADER_IDS = new Set(["NOT_LEADER_OR_FOLLOWER", "FENCED_LEADER_EPOCH", "UNKNOWN_LEADER_EPOCH"]);

/** Protocol error names (`apiId`) anywhere in the client's nested error. */
export function apiErrorIds(err: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 5 || err === null || typeof err !== "object") return out;
  const e = err as { apiId?: unknown; errors?: unknown };
  if (typeof e.apiId === "string" && !out.includes(e.apiId)) out.push(e.apiId);
  if (Array.isArray(e.errors)) for (const n of e.errors) apiErrorIds(n, out, depth + 1);
  return out;
}

/** Created by {@link KafkaClient.partitionReader}. */
export class KafkaPartitionReader {
  readonly #raw: ReadCommittedConsumer;
  readonly #settings: ConsumerSettings;
  readonly #positions = new Map<string, PartitionPosition>();
  /** Head of each partition from the last fetch response (last stable offset under read_committed). */
  readonly #heads = new Map<string, bigint>();
  #metadata:
    | { topicIds: Map<string, string>; names: Map<string, string>; leaders: Map<string, number> }
    | undefined;

  /** Use {@link KafkaClient.partitionReader}. */
  constructor(common: CommonOptions, settings: ConsumerSettings) {
    this.#settings = settings;
    // The client requires a group id even for plain fetches; this one never joins a group.
    this.#raw = new ReadCommittedConsumer({
      ...common,
      groupId: settings.groupId,
      isolationLevel: settings.isolationLevel,
    });
  }

  /** Sets where each partition is read from next ("earliest"/"latest" are resolved now). */
  async assign(starts: readonly PartitionStart[]): Promise<void> {
    for (const s of starts) {
      let offset = s.offset;
      if (typeof offset !== "bigint") {
        const offsets = await this.#raw.listOffsets({
          topics: [s.topic],
          partitions: { [s.topic]: [s.partition] },
          timestamp: offset === "earliest" ? -2n : -1n,
          isolationLevel: this.#settings.isolationLevel,
        });
        offset = offsets.get(s.topic)?.[s.partition] ?? 0n;
      }
      this.#positions.set(`${s.topic}:${s.partition}`, { topic: s.topic, partition: s.partition, offset });
    }
    this.#metadata = undefined;
  }

  /**
   * The head of each partition as the last fetch response gave it (`topic:partition` keys): the
   * last stable offset under read_committed (what Kafka consumers measure their lag against),
   * else the high watermark. A partition not fetched yet is absent.
   */
  heads(): ReadonlyMap<string, bigint> {
    return this.#heads;
  }

  /** The next offset of every assigned partition: what a checkpoint stores. */
  positions(): PartitionPosition[] {
    return [...this.#positions.values()].map((p) => ({ ...p }));
  }

  /**
   * One Fetch round to every leader. Returns the records in offset order per partition (possibly
   * none after `fetch.max.wait.ms`) and advances the positions past them, including past control
   * records and aborted transactions, which read_committed never returns.
   */
  async poll(): Promise<ConsumerRecord[]> {
    const md = await this.#resolveMetadata();
    const byLeader = new Map<number, Map<string, PartitionPosition[]>>();
    for (const p of this.#positions.values()) {
      const key = `${p.topic}:${p.partition}`;
      const leader = md.leaders.get(key);
      if (leader === undefined || leader < 0) continue; // no leader right now: try again next poll
      const topics = byLeader.get(leader) ?? new Map<string, PartitionPosition[]>();
      byLeader.set(leader, topics);
      const list = topics.get(p.topic) ?? [];
      topics.set(p.topic, list);
      list.push(p);
    }
    const out: ConsumerRecord[] = [];
    const perByte = this.#settings.maxBytesPerPartition ?? 1_048_576;
    await Promise.all(
      [...byLeader].map(async ([node, topics]) => {
        const requested = [...topics].flatMap(([t, parts]) =>
          parts.map((p) => `${t}-${p.partition}@${p.offset}`),
        );
        let response: Awaited<ReturnType<ReadCommittedConsumer["fetch"]>>;
        try {
          response = await this.#fetch(node, topics, md.topicIds, perByte);
        } catch (err) {
          const codes = apiErrorIds(err);
          if (codes.some((c) => STALE_LEADER_IDS.has(c))) {
            this.#metadata = undefined; // leader moved: next poll asks again
            return;
          }
          throw new FleuveError(
            "FLEUVE_SOURCE_FAILED",
            `Kafka fetch of ${requested.join(", ")} failed: ${codes.length > 0 ? codes.join(", ") : (err as Error).message}.`,
            { cause: err, details: { partitions: requested, errors: codes } },
          );
        }
        for (const t of response.responses) {
          const topic = md.names.get(t.topicId)!;
          for (const part of t.partitions) this.#collect(topic, part, out);
        }
      }),
    );
    return out;
  }

  #fetch(
    node: number,
    topics: Map<string, PartitionPosition[]>,
    topicIds: Map<string, string>,
    perByte: number,
  ) {
    return this.#raw.fetch({
      node,
      minBytes: this.#settings.minBytes ?? 1,
      maxBytes: this.#settings.maxBytes ?? 52_428_800,
      maxWaitTime: this.#settings.maxWaitTime ?? 500,
      isolationLevel: this.#settings.isolationLevel,
      topics: [...topics].map(([topic, parts]) => ({
        topicId: topicIds.get(topic)!,
        partitions: parts.map((p) => ({
          partition: p.partition,
          currentLeaderEpoch: -1,
          fetchOffset: p.offset,
          lastFetchedEpoch: -1,
          partitionMaxBytes: perByte,
        })),
      })),
    });
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await this.#raw.close(true);
  }

  #collect(topic: string, part: any, out: ConsumerRecord[]): void {
    const position = this.#positions.get(`${topic}:${part.partitionIndex}`)!;
    if (part.errorCode !== 0) {
      const name = protocolErrorsCodesById[part.errorCode] ?? `error ${part.errorCode}`;
      if (STALE_LEADER.has(part.errorCode)) {
        this.#metadata = undefined;
        return;
      }
      throw new FleuveError(
        "FLEUVE_SOURCE_FAILED",
        `Kafka fetch of ${topic}-${part.partitionIndex} at offset ${position.offset} failed: ${name}.`,
        {
          details: { topic, partition: part.partitionIndex, offset: position.offset.toString(), error: name },
        },
      );
    }
    const readCommitted = (this.#settings.isolationLevel ?? 1) === 1;
    const head: bigint | undefined =
      readCommitted && part.lastStableOffset >= 0n ? part.lastStableOffset : part.highWatermark;
    if (head !== undefined && head >= 0n) this.#heads.set(`${topic}:${part.partitionIndex}`, head);
    for (const batch of part.records ?? []) {
      const next = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      if (!(batch.attributes & IS_CONTROL)) {
        for (const r of batch.records) {
          const offset = batch.firstOffset + BigInt(r.offsetDelta);
          if (offset < position.offset) continue; // a batch may start before the fetch offset
          const headers = new Map<string, Buffer>();
          for (const [k, v] of r.headers) if (k) headers.set(k.toString("utf8"), v ?? Buffer.alloc(0));
          out.push({
            topic,
            partition: part.partitionIndex,
            offset,
            timestamp:
              batch.attributes & LOG_APPEND_TIME
                ? batch.maxTimestamp
                : batch.firstTimestamp + r.timestampDelta,
            key: r.key ?? null,
            value: r.value ?? null,
            headers,
          });
        }
      }
      if (next > position.offset) position.offset = next;
    }
  }

  async #resolveMetadata() {
    if (this.#metadata) return this.#metadata;
    const topics = [...new Set([...this.#positions.values()].map((p) => p.topic))];
    let md: Awaited<ReturnType<ReadCommittedConsumer["metadata"]>>;
    try {
      md = await this.#raw.metadata({ topics, forceUpdate: true });
    } catch (err) {
      throw new FleuveError(
        "FLEUVE_SOURCE_FAILED",
        `Kafka metadata for topic(s) ${topics.map((t) => `"${t}"`).join(", ")} failed: ${(err as Error).message} ` +
          "Check that the topics exist (create them first).",
        { cause: err, details: { topics } },
      );
    }
    const topicIds = new Map<string, string>();
    const names = new Map<string, string>();
    const leaders = new Map<string, number>();
    for (const topic of topics) {
      const t = md.topics.get(topic);
      if (!t) {
        throw new FleuveError(
          "FLEUVE_SOURCE_FAILED",
          `Kafka topic "${topic}" does not exist; create it first.`,
          {
            details: { topic },
          },
        );
      }
      topicIds.set(topic, t.id);
      names.set(t.id, topic);
      t.partitions.forEach((p, i) => {
        leaders.set(`${topic}:${i}`, p.leader);
      });
    }
    this.#metadata = { topicIds, names, leaders };
    return this.#metadata;
  }
}
