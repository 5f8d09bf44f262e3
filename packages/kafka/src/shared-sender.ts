/**
 * One idempotent producer per process for every at-least-once writer with the same connection and
 * producer settings, as Kafka Streams runs one producer per thread for all of its tasks: the
 * batches that the writers of a process cut in one turn of the event loop (the source subtasks and
 * exchange outputs of a `--group` process, 4 to 8 of them) go in one Produce request instead of one
 * each. One request is in flight at a time (the idempotent producer's order per partition needs
 * it); what the writers cut meanwhile goes together in the next one, as the Java producer's
 * accumulator drains every ready batch per request.
 *
 * A request that fails fails every batch in it, so every writer that shared it: within a job that
 * fails the job anyway; two jobs of one process that write to one cluster with equal settings
 * share the failure too. Writers created after a failure get a new producer.
 */
import { Producer } from "@platformatic/kafka";
import { closeQuietly } from "./connectors/close.js";
import { javaPartitioner } from "./partitioner.js";
import { type CommonOptions, type ProducerSettings, settingsKey } from "./properties.js";
import type { ProducerRecord } from "./records.js";
import { sendChunked } from "./send.js";

/** A writer's batch and what to call once the broker answered for it. */
export interface QueuedSend {
  readonly records: ProducerRecord[];
  /** Called once, with the error if the request failed. */
  done(err?: unknown): void;
}

const senders = new Map<string, SharedSender>();

/** The process's sender for these settings; {@link SharedSender.release} it when done. */
export function sharedSender(common: CommonOptions, settings: ProducerSettings): SharedSender {
  const key = JSON.stringify([settingsKey(common), settings.compression, settings.batchSize]);
  let s = senders.get(key);
  if (s === undefined) {
    const created: SharedSender = new SharedSender(common, settings, () => {
      if (senders.get(key) === created) senders.delete(key);
    });
    s = created;
    senders.set(key, s);
  }
  s.users++;
  return s;
}

/** Produce requests sent by every sender of this process (tests check that writers share). */
export let produceRequestsSent = 0;

/** See the module comment. */
export class SharedSender {
  users = 0;
  readonly #producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly #batchSize: number;
  readonly #forget: () => void;
  #queue: QueuedSend[] = [];
  /** Writers with `linger.ms` 0 that have records: cut just before the next request leaves. */
  readonly #cutters = new Set<() => void>();
  #sending = false;
  #scheduled = false;

  constructor(common: CommonOptions, settings: ProducerSettings, forget: () => void) {
    this.#batchSize = settings.batchSize;
    this.#forget = forget;
    this.#producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
      ...common,
      acks: -1,
      idempotent: true,
      producerId: -1n,
      producerEpoch: -1,
      compression: settings.compression,
      partitioner: javaPartitioner(),
    });
  }

  /**
   * Calls `cut` once the current turn of the event loop is done (or when the request in flight is
   * answered), right before the next request leaves: a `linger.ms` 0 writer's records of one task
   * step go together, and with the other writers' in one request.
   */
  later(cut: () => void): void {
    this.#cutters.add(cut);
    this.#schedule();
  }

  /** Forgets a `cut` given to {@link later} (its writer is closing). */
  cancel(cut: () => void): void {
    this.#cutters.delete(cut);
  }

  /** Sends `batch` with the next request. */
  enqueue(batch: QueuedSend): void {
    this.#queue.push(batch);
    this.#schedule();
  }

  /** One user fewer; the last one closes the producer (what is still queued is not sent). */
  release(): Promise<void> {
    if (--this.users > 0) return Promise.resolve();
    this.#forget();
    this.#cutters.clear();
    return closeQuietly(this.#producer);
  }

  #schedule(): void {
    if (this.#sending || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#sending) this.#next();
    });
  }

  #next(): void {
    this.#sending = true; // the cuts below enqueue: they must not schedule another turn
    const cutters = [...this.#cutters];
    this.#cutters.clear();
    for (const cut of cutters) cut();
    const queue = this.#queue;
    this.#queue = [];
    if (queue.length === 0) {
      this.#sending = false;
      return;
    }
    const records = queue.length === 1 ? queue[0]!.records : queue.flatMap((q) => q.records);
    produceRequestsSent++;
    sendChunked((messages) => this.#producer.send({ messages }), records, this.#batchSize)
      .then(
        () => {
          for (const q of queue) q.done();
        },
        (e) => {
          // After a failure its sequence numbers may be off (a timeout the broker did write): new
          // writers (a restarted job) get a producer of their own; these ones fail with the error.
          this.#forget();
          for (const q of queue) q.done(e);
        },
      )
      .then(() => this.#next());
  }
}
