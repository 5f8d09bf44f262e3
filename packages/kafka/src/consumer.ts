/**
 * A Kafka consumer yielding {@link ConsumerRecord}s as an async iterable. Group membership, fetch
 * sizes, isolation level and offset reset come from Kafka properties (see properties.ts).
 */
import type { Consumer, MessagesStream } from "@platformatic/kafka";
import type { CommonOptions, ConsumerSettings } from "./properties.js";
import { ReadCommittedConsumer } from "./read-committed-consumer.js";
import { type ConsumerRecord, fromMessage } from "./records.js";

type RawConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;
type RawStream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

/** Where to start reading instead of the group's committed offsets (e.g. from a checkpoint). */
export interface StartOffset {
  topic: string;
  partition: number;
  /** The next offset to read. */
  offset: bigint;
}

/** A subscription: iterate it with `for await`, stop it with `close()`. */
export class KafkaRecordStream implements AsyncIterable<ConsumerRecord> {
  readonly #stream: RawStream;

  /** Internal: created by {@link KafkaConsumer.subscribe}. */
  constructor(stream: RawStream) {
    this.#stream = stream;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord> {
    for await (const m of this.#stream) yield fromMessage(m);
  }

  /** Stops fetching; a running `for await` loop ends. */
  async close(): Promise<void> {
    await this.#stream.close();
  }
}

/** A consumer created by {@link KafkaClient.consumer}. Close it when done. */
export class KafkaConsumer {
  readonly #raw: RawConsumer;
  readonly #settings: ConsumerSettings;

  /** Use {@link KafkaClient.consumer}. */
  constructor(common: CommonOptions, settings: ConsumerSettings) {
    this.#settings = settings;
    const { autoOffsetReset: _reset, autocommit: _commit, ...clientSettings } = settings;
    this.#raw = new ReadCommittedConsumer({ ...common, ...clientSettings });
  }

  /** The translated settings, for logs and tests. */
  get settings(): Readonly<ConsumerSettings> {
    return this.#settings;
  }

  /**
   * Joins the group and reads `topics`: from the group's committed offsets, or per
   * `auto.offset.reset` where there are none; or exactly from `startOffsets` when given.
   */
  async subscribe(
    topics: readonly string[],
    startOffsets?: readonly StartOffset[],
  ): Promise<KafkaRecordStream> {
    const reset = this.#settings.autoOffsetReset;
    const stream = await this.#raw.consume({
      topics: [...topics],
      autocommit: this.#settings.autocommit,
      ...(startOffsets
        ? { mode: "manual" as const, offsets: startOffsets.map((o) => ({ ...o })) }
        : { mode: "committed" as const, fallbackMode: reset === "none" ? ("fail" as const) : reset }),
    });
    return new KafkaRecordStream(stream);
  }

  /** Leaves the group and closes the connections. */
  async close(): Promise<void> {
    await this.#raw.close(true);
  }
}
