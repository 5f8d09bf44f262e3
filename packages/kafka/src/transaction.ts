/**
 * One Kafka transaction: records sent through it become visible to read_committed consumers on
 * commit and never after abort.
 */
import type { Producer } from "@platformatic/kafka";
import type { ProducerRecord } from "./records.js";
import { sendChunked } from "./send.js";

// The client does not export its Transaction class by name.
type Transaction = Awaited<ReturnType<Producer<Buffer, Buffer, Buffer, Buffer>["beginTransaction"]>>;

/** Returned by {@link KafkaProducer.beginTransaction}. */
export class KafkaTransaction {
  readonly #tx: Transaction;
  readonly #batchSize: number;

  /** Internal: created by {@link KafkaProducer.beginTransaction}. */
  constructor(tx: Transaction, batchSize: number) {
    this.#tx = tx;
    this.#batchSize = batchSize;
  }

  /** True once committed or aborted. */
  get completed(): boolean {
    return this.#tx.completed;
  }

  /** Sends records inside the transaction; they stay invisible to read_committed until commit. */
  async send(records: readonly ProducerRecord[]): Promise<void> {
    await sendChunked((messages) => this.#tx.send({ messages }), records, this.#batchSize);
  }

  /** Makes every record of the transaction visible, atomically. Fails if a newer producer fenced this one. */
  async commit(): Promise<void> {
    await this.#tx.commit();
  }

  /** Discards every record of the transaction. */
  async abort(): Promise<void> {
    await this.#tx.abort();
  }
}
