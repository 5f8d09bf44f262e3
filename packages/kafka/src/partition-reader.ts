/**
 * Reads assigned partitions with plain Fetch requests: no consumer group, positions owned by the
 * caller (a Flink-style source stores them in its checkpoint). It skips the client's per-record
 * Message objects and Node stream, which cost 3-10x in throughput (bench/kafka-clients/RESULTS.md).
 * The readers of a process with the same settings fetch together (shared-fetcher.ts).
 */
import { FleuveError } from "@fleuve/core";
import { protocolErrorsCodesById } from "@platformatic/kafka";
import type { CommonOptions, ConsumerSettings } from "./properties.js";
import { ReadCommittedConsumer } from "./read-committed-consumer.js";
import type { ConsumerRecord } from "./records.js";
import {
  type FetchMember,
  type PartitionPosition,
  type SharedFetcher,
  sharedFetcher,
} from "./shared-fetcher.js";

export { apiErrorIds, type PartitionPosition } from "./shared-fetcher.js";

/** A partition to read and where to start: an offset, or the partition's earliest/latest offset. */
export interface PartitionStart {
  topic: string;
  partition: number;
  offset: bigint | "earliest" | "latest";
}

const LOG_APPEND_TIME = 1 << 3;
const IS_CONTROL = 1 << 5;

/** Created by {@link KafkaClient.partitionReader}. */
export class KafkaPartitionReader {
  readonly #raw: ReadCommittedConsumer;
  readonly #settings: ConsumerSettings;
  readonly #positions = new Map<string, PartitionPosition>();
  /** Head of each partition from the last fetch response (last stable offset under read_committed). */
  readonly #heads = new Map<string, bigint>();
  readonly #fetcher: SharedFetcher;
  readonly #member: FetchMember = {
    positions: () => this.#positions.values(),
    offsetOf: (topic, partition) => this.#positions.get(`${topic}:${partition}`)?.offset,
    collect: (topic, part, out) => this.#collect(topic, part, out),
  };
  #closed = false;

  /** Use {@link KafkaClient.partitionReader}. */
  constructor(common: CommonOptions, settings: ConsumerSettings) {
    this.#settings = settings;
    // For ListOffsets; fetches go through the process's fetcher for these settings. The client
    // requires a group id even for plain requests; this one never joins a group.
    this.#raw = new ReadCommittedConsumer({
      ...common,
      groupId: settings.groupId,
      isolationLevel: settings.isolationLevel,
    });
    this.#fetcher = sharedFetcher(common, settings);
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
   * The next records of the assigned partitions, in offset order per partition, with the positions
   * advanced past them, including past control records and aborted transactions, which
   * read_committed never returns. Waits until a record comes (or `fetch.max.wait.ms` passes with
   * none, or a partition's leader moved: then it returns none).
   */
  poll(): Promise<ConsumerRecord[]> {
    if (this.#closed) return Promise.resolve([]);
    return this.#fetcher.poll(this.#member);
  }

  /** Closes the connections (a poll in progress returns no records). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#fetcher.leave(this.#member);
    await Promise.all([this.#fetcher.release(), this.#raw.close(true)]);
  }

  #collect(topic: string, part: any, out: ConsumerRecord[]): void {
    const position = this.#positions.get(`${topic}:${part.partitionIndex}`)!;
    if (part.errorCode !== 0) {
      const name = protocolErrorsCodesById[part.errorCode] ?? `error ${part.errorCode}`;
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
}
