/**
 * A registry store on a compacted `_schemas` topic of an Apache Kafka cluster, in Confluent's
 * record layout, so several registry instances (processes, machines) share one truth.
 *
 * Reading: every instance reads the topic's single partition from the start (read_committed) and
 * keeps following it; a request first waits until the instance has applied everything up to the
 * partition's last stable offset as read when the request came, so a write through one instance is
 * visible through every other at once.
 *
 * Writing: Confluent elects a leader and forwards writes to it. Here every instance may write, and
 * writes are serialized through Kafka's transaction coordinator instead: all instances of one topic
 * share one `transactional.id`. A write section opens a new transactional producer (its
 * InitProducerId bumps the id's epoch, which fences whoever held it and aborts their open
 * transaction), then catches up with the topic, decides (a new id, a new version...) on that state,
 * sends its records in a transaction and commits. A commit succeeds only if no other instance
 * initialised the id since this one did, and any commit before that initialisation is complete (its
 * markers written) by the time the initialisation returns, so the catch-up saw it. So each
 * committed section decided on state that included every earlier commit: writes are serializable,
 * ids are never handed out twice. A fenced section is run again on the newer state.
 */
import type { KafkaClient, KafkaPartitionReader, KafkaProperties } from "@fleuve/kafka";
import { RegistryError } from "./errors.js";
import { keyString, parseKey, type RegistryStore, type StoreRecord, type StoreValue } from "./store.js";

/** Options of {@link KafkaStore}. */
export interface KafkaStoreOptions {
  /** `bootstrap.servers` of the cluster, e.g. `127.0.0.1:9092`. */
  bootstrap: string;
  /** The topic. Default `_schemas` (Confluent's `kafkastore.topic`). */
  topic?: string;
  /**
   * The transactional id every writing instance of this topic shares (its epoch is the write
   * lock). Default `fleuve-registry-<topic>`.
   */
  transactionalId?: string;
  /** More Kafka client properties (common ones: `client.id`, `request.timeout.ms`...). */
  props?: KafkaProperties;
  /** Read only: follow the topic and refuse writes (42205). Default false. */
  follower?: boolean;
  /**
   * Create the topic when missing (1 partition, `cleanup.policy=compact`). Default true for a
   * writer. An existing topic must have one partition and `cleanup.policy=compact`.
   */
  createTopic?: boolean;
  /** A write section fenced this many times in a row fails (500 50001). Default 20. */
  maxWriteAttempts?: number;
}

/** Protocol errors after which a write section is run again on newer state. */
const RETRY_SECTION = new Set([
  "PRODUCER_FENCED",
  "INVALID_PRODUCER_EPOCH",
  "INVALID_PRODUCER_ID_MAPPING",
  "CONCURRENT_TRANSACTIONS",
  "INVALID_TXN_STATE",
  "TRANSACTION_ABORTABLE",
  // Kafka 4.1 answers an EndTxn that meets another instance's fencing under way (state
  // PREPARE_EPOCH_FENCE) with UNKNOWN_SERVER_ERROR; the fence then aborts the transaction. Run
  // again on newer state, a section whose commit did land would find its own records.
  "UNKNOWN_SERVER_ERROR",
]);

function protocolErrorIds(err: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 6 || err === null || typeof err !== "object") return out;
  const e = err as { apiId?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.apiId === "string" && !out.includes(e.apiId)) out.push(e.apiId);
  if (Array.isArray(e.errors)) for (const n of e.errors) protocolErrorIds(n, out, depth + 1);
  if (e.cause !== undefined) protocolErrorIds(e.cause, out, depth + 1);
  return out;
}

/** How long a committed write may take to become readable before the request fails. */
const STABLE_TIMEOUT_MS = 120_000;

const storeError = (message: string, cause?: unknown) =>
  Object.assign(new RegistryError(500, 50001, `Error in the backend data store: ${message}`), { cause });

/** A registry store on a compacted Kafka topic; see the module's comment for how writes are serialized. */
export class KafkaStore implements RegistryStore {
  readonly writable: boolean;
  readonly description: string;
  /** The topic holding the records. */
  readonly topic: string;
  private readonly opts: KafkaStoreOptions;
  private client: KafkaClient | undefined;
  private reader: KafkaPartitionReader | undefined;
  private offsets: KafkaPartitionReader | undefined;
  /** For the log end offset, open transactions included (read_uncommitted). */
  private ends: KafkaPartitionReader | undefined;
  private apply: ((r: StoreRecord) => void) | undefined;
  /** The next offset to apply. */
  private applied = 0n;
  private waiters: { upTo: bigint; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private loop: Promise<void> | undefined;
  private closed = false;
  private failure: unknown;
  private inflightEnd: Promise<bigint> | undefined;
  private queuedEnd: Promise<bigint> | undefined;
  /** The open transaction of the running write section. */
  private tx:
    | {
        send(
          records: { topic: string; partition: number; key: Buffer; value: Buffer | null }[],
        ): Promise<void>;
      }
    | undefined;
  /** Write sections of this instance, one at a time. */
  private sections: Promise<unknown> = Promise.resolve();
  /** Write sections that had to run again (fenced by another instance), for tests and metrics. */
  retriedSections = 0;

  constructor(opts: KafkaStoreOptions) {
    this.opts = opts;
    this.topic = opts.topic ?? "_schemas";
    this.writable = opts.follower !== true;
    this.description = `Kafka topic ${this.topic} at ${opts.bootstrap}`;
  }

  private get props(): KafkaProperties {
    return { "bootstrap.servers": this.opts.bootstrap, ...this.opts.props };
  }

  /** {@inheritDoc RegistryStore.start} */
  async start(apply: (r: StoreRecord) => void): Promise<void> {
    // Loaded on first use: a registry on the embedded log or in memory never loads the Kafka client.
    const { KafkaClient } = await import("@fleuve/kafka");
    this.client = await KafkaClient.connect(this.props);
    try {
      await this.checkTopic();
      this.apply = apply;
      this.reader = this.client.partitionReader({
        "isolation.level": "read_committed",
        "fetch.max.wait.ms": 200,
      });
      this.offsets = this.client.partitionReader({ "isolation.level": "read_committed" });
      this.ends = this.client.partitionReader({ "isolation.level": "read_uncommitted" });
      await this.reader.assign([{ topic: this.topic, partition: 0, offset: "earliest" }]);
      this.applied = this.reader.positions()[0]!.offset;
      this.loop = this.follow();
      await this.sync();
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  private async checkTopic(): Promise<void> {
    const client = this.client!;
    let d = await client.describeTopic(this.topic);
    if (d === undefined && this.writable && this.opts.createTopic !== false) {
      await client.createTopics(
        [{ name: this.topic, partitions: 1, config: { "cleanup.policy": "compact" } }],
        { ifNotExists: true },
      );
      d = await client.describeTopic(this.topic);
    }
    if (d === undefined) throw storeError(`the topic ${this.topic} does not exist at ${this.opts.bootstrap}`);
    // As Confluent's KafkaStore: more partitions would lose the order of the records, and another
    // cleanup policy would delete schemas with age.
    if (d.partitions.length !== 1) {
      throw storeError(
        `the schemas topic ${this.topic} has ${d.partitions.length} partitions; it needs exactly 1`,
      );
    }
    if (d.config["cleanup.policy"] !== "compact") {
      throw storeError(
        `the retention policy of the schemas topic ${this.topic} is incorrect: cleanup.policy is ${d.config["cleanup.policy"] ?? "the broker's default"}, expected compact`,
      );
    }
  }

  /** Applies records as they come, until closed. */
  private async follow(): Promise<void> {
    const reader = this.reader!;
    while (!this.closed) {
      try {
        const records = await reader.poll();
        for (const rec of records) {
          if (rec.key === null) continue;
          let key: ReturnType<typeof parseKey>;
          try {
            key = parseKey(rec.key.toString("utf8"));
          } catch {
            continue; // not a registry record (e.g. Confluent's NOOP keys parse; garbage does not)
          }
          if (key === undefined) continue;
          const value = rec.value === null ? null : (JSON.parse(rec.value.toString("utf8")) as StoreValue);
          this.apply?.({ key, value });
        }
        this.applied = reader.positions()[0]!.offset;
        this.release();
      } catch (e) {
        if (this.closed) return;
        this.failure = e;
        for (const w of this.waiters.splice(0))
          w.reject(storeError(`reading ${this.topic} failed: ${(e as Error).message}`, e));
        return;
      }
    }
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) w.upTo <= this.applied ? w.resolve() : still.push(w);
    this.waiters = still;
  }

  /**
   * The partition's last stable offset, read after the call: concurrent callers share a request
   * that has not started yet, never one already under way (it could predate their call).
   */
  private endOffset(): Promise<bigint> {
    if (this.queuedEnd) return this.queuedEnd;
    const run = async () => {
      await this.offsets!.assign([{ topic: this.topic, partition: 0, offset: "latest" }]);
      return this.offsets!.positions()[0]!.offset;
    };
    if (!this.inflightEnd) {
      const p = run().finally(() => {
        if (this.inflightEnd === p) this.inflightEnd = undefined;
      });
      this.inflightEnd = p;
      return p;
    }
    const q = this.inflightEnd
      .catch(() => 0n)
      .then(() => {
        this.queuedEnd = undefined;
        const p = run().finally(() => {
          if (this.inflightEnd === p) this.inflightEnd = undefined;
        });
        this.inflightEnd = p;
        return p;
      });
    this.queuedEnd = q;
    return q;
  }

  /** {@inheritDoc RegistryStore.sync} */
  async sync(): Promise<void> {
    if (this.failure !== undefined)
      throw storeError(`reading ${this.topic} failed: ${(this.failure as Error).message}`);
    const end = await this.endOffset();
    if (this.applied >= end) return;
    await new Promise<void>((resolve, reject) => {
      this.waiters.push({ upTo: end, resolve, reject });
      this.release();
    });
  }

  /**
   * {@inheritDoc RegistryStore.exclusive}
   *
   * Here: fences every other writer of the topic, catches up, runs `section` and commits its
   * writes; fenced meanwhile, it runs `section` again (see the module's comment).
   */
  exclusive<T>(section: () => Promise<T>): Promise<T> {
    const run = this.sections.then(() => this.runSection(section));
    this.sections = run.catch(() => undefined);
    return run;
  }

  private async runSection<T>(section: () => Promise<T>): Promise<T> {
    if (!this.writable) return section(); // the registry refuses the writes itself
    const attempts = this.opts.maxWriteAttempts ?? 20;
    for (let attempt = 1; ; attempt++) {
      const producer = this.client!.producer({
        "transactional.id": this.opts.transactionalId ?? `fleuve-registry-${this.topic}`,
        "enable.idempotence": true,
        acks: "all",
        "linger.ms": 0,
      });
      let opened: Awaited<ReturnType<typeof producer.beginTransaction>> | undefined;
      try {
        opened = await producer.beginTransaction(); // InitProducerId: the other writers are fenced
        const tx = opened;
        let sent = false;
        this.tx = {
          send: async (records) => {
            sent = true;
            await tx.send(records);
          },
        };
        await this.sync();
        let result: T;
        try {
          result = await section();
        } catch (e) {
          this.tx = undefined;
          await tx.abort().catch(() => {});
          throw e;
        }
        this.tx = undefined;
        if (!sent) {
          await tx.abort().catch(() => {});
          return result;
        }
        // The commit returns once the coordinator decided; the markers that make the records
        // readable come a little later. The answer waits for them, and for this instance to
        // apply its own records, so that any instance asked next sees the write.
        const written = await this.logEnd();
        await tx.commit();
        await this.awaitStable(written);
        return result;
      } catch (e) {
        this.tx = undefined;
        if (e instanceof RegistryError) throw e;
        const ids = protocolErrorIds(e);
        if (ids.some((id) => RETRY_SECTION.has(id)) && attempt < attempts && !this.closed) {
          this.retriedSections++;
          // Back off a little at random, so two instances do not fence each other in lockstep.
          await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20 * Math.min(attempt, 10))));
          continue;
        }
        throw storeError(
          `writing to ${this.topic} failed${ids.length ? ` (${ids.join(", ")})` : ""}: ${(e as Error).message}`,
          e,
        );
      } finally {
        await producer.close().catch(() => {});
      }
    }
  }

  /** The log end offset, records of open transactions included. */
  private async logEnd(): Promise<bigint> {
    await this.ends!.assign([{ topic: this.topic, partition: 0, offset: "latest" }]);
    return this.ends!.positions()[0]!.offset;
  }

  /** Waits until the last stable offset reaches `offset`, then until this instance applied it. */
  private async awaitStable(offset: bigint): Promise<void> {
    const deadline = Date.now() + STABLE_TIMEOUT_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, 200)) {
      const end = await this.endOffset();
      if (end >= offset) {
        await this.sync();
        return;
      }
      if (Date.now() > deadline) {
        throw storeError(
          `the records written to ${this.topic} up to offset ${offset} were committed but are still not readable after ${STABLE_TIMEOUT_MS} ms (an open transaction of another producer on the topic?)`,
        );
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** {@inheritDoc RegistryStore.write} */
  async write(records: readonly StoreRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.tx === undefined) {
      // Only inside a write section: a write outside one could race another instance's.
      throw storeError("a write outside a write section (SchemaRegistry writes through exclusive())");
    }
    await this.tx.send(
      records.map((r) => ({
        topic: this.topic,
        partition: 0,
        key: Buffer.from(keyString(r.key)),
        value: r.value === null ? null : Buffer.from(JSON.stringify(r.value)),
      })),
    );
  }

  /** {@inheritDoc RegistryStore.close} */
  async close(): Promise<void> {
    this.closed = true;
    await this.sections.catch(() => {});
    await this.loop?.catch(() => {});
    for (const w of this.waiters.splice(0)) w.reject(storeError("the store is closed"));
    this.apply = undefined;
    await this.reader?.close().catch(() => {});
    await this.offsets?.close().catch(() => {});
    await this.ends?.close().catch(() => {});
    await this.client?.close().catch(() => {});
  }
}
