/**
 * A Kafka producer with Kafka's batching knobs: `send()` writes now (split under `batch.size`),
 * `write()` accumulates for up to `linger.ms` or `batch.size` bytes, like the Java client's accumulator.
 */
import { FleuveError } from "@fleuve/core";
import { Producer } from "@platformatic/kafka";
import { javaPartitioner } from "./partitioner.js";
import type { CommonOptions, ProducerSettings } from "./properties.js";
import { estimateSize, type ProducerRecord } from "./records.js";
import { sendChunked } from "./send.js";
import { KafkaTransaction } from "./transaction.js";

type RawProducer = Producer<Buffer, Buffer, Buffer, Buffer>;

interface Pending {
  records: ProducerRecord[];
  bytes: number;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

/** A producer created by {@link KafkaClient.producer}. Close it when done. */
export class KafkaProducer {
  readonly #raw: RawProducer;
  readonly #settings: ProducerSettings;
  #pending: Pending | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> = Promise.resolve();
  #transaction: KafkaTransaction | undefined;

  /** Use {@link KafkaClient.producer}; this wraps an already configured client producer. */
  constructor(common: CommonOptions, settings: ProducerSettings) {
    this.#settings = settings;
    this.#raw = new Producer<Buffer, Buffer, Buffer, Buffer>({
      ...common,
      acks: settings.acks,
      idempotent: settings.idempotent,
      compression: settings.compression,
      // Keys land where a Java producer puts them (the client's default differs).
      partitioner: javaPartitioner(),
      ...(settings.transactionalId === undefined ? {} : { transactionalId: settings.transactionalId }),
      // The client defaults these to 0/0, which the broker reads as "recover producer id 0" and answers
      // PRODUCER_FENCED when a new instance takes over a transactional.id: -1/-1 means "new producer".
      ...(settings.idempotent ? { producerId: -1n, producerEpoch: -1 } : {}),
    });
  }

  /** The translated settings, for logs and tests. */
  get settings(): Readonly<ProducerSettings> {
    return this.#settings;
  }

  /** Sends `records` now and resolves when the broker has acknowledged all of them (per `acks`). */
  async send(records: readonly ProducerRecord[]): Promise<void> {
    this.#checkNotTransactional("send");
    await sendChunked((messages) => this.#raw.send({ messages }), records, this.#settings.batchSize);
  }

  /**
   * Queues one record; it goes out with others once `batch.size` bytes are queued or `linger.ms`
   * has passed. Resolves when its batch is acknowledged. Batches leave in order.
   */
  write(record: ProducerRecord): Promise<void> {
    this.#checkNotTransactional("write");
    const p = (this.#pending ??= { records: [], bytes: 0, waiters: [] });
    p.records.push(record);
    p.bytes += estimateSize(record);
    const done = new Promise<void>((resolve, reject) => p.waiters.push({ resolve, reject }));
    if (p.bytes >= this.#settings.batchSize) this.#drain();
    else this.#timer ??= setTimeout(() => this.#drain(), this.#settings.lingerMs);
    return done;
  }

  /** Sends everything `write()` has queued and resolves when it is acknowledged. */
  async flush(): Promise<void> {
    this.#drain();
    await this.#inFlight;
  }

  /**
   * Starts a transaction (needs `transactional.id`). The first call fences any older producer with
   * the same `transactional.id` and aborts its open transaction.
   */
  async beginTransaction(): Promise<KafkaTransaction> {
    if (this.#settings.transactionalId === undefined) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        'beginTransaction() needs the Kafka property "transactional.id" on the producer.',
        { details: { property: "transactional.id" } },
      );
    }
    if (this.#transaction && !this.#transaction.completed) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `Producer "${this.#settings.transactionalId}" already has an open transaction; commit or abort it first.`,
      );
    }
    const tx = await this.#raw.beginTransaction();
    this.#transaction = new KafkaTransaction(tx, this.#settings.batchSize);
    return this.#transaction;
  }

  /** Flushes queued writes and closes the connections. */
  async close(): Promise<void> {
    await this.flush().catch(() => {});
    await this.#raw.close(true);
  }

  #drain(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#pending;
    if (!batch) return;
    this.#pending = undefined;
    const run = async () => {
      try {
        await sendChunked(
          (messages) => this.#raw.send({ messages }),
          batch.records,
          this.#settings.batchSize,
        );
        for (const w of batch.waiters) w.resolve();
      } catch (err) {
        for (const w of batch.waiters) w.reject(err);
      }
    };
    this.#inFlight = this.#inFlight.then(run);
  }

  #checkNotTransactional(op: string): void {
    if (this.#settings.transactionalId !== undefined) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `${op}() is for non-transactional producers; producer "${this.#settings.transactionalId}" has ` +
          `"transactional.id" set, so send through beginTransaction().`,
      );
    }
  }
}
