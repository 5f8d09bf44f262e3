/**
 * A Fleuve sink writing to Kafka, like Flink's KafkaSink.
 *
 * exactly-once: one Kafka transaction per subtask and checkpoint, under transactional ids
 * `<prefix>-<subtask>-<slot>`, the lowest free slot taken. Each slot keeps one producer (its connections, metadata and
 * coordinator) across its transactions and bumps its epoch with InitProducerId for every
 * transaction (KIP-360: with its current producer id and epoch, so a zombie is fenced instead of
 * fencing us), so a stale commit can never end a newer one. A transaction thus costs
 * InitProducerId, AddPartitionsToTxn, its Produce requests and EndTxn, no connection. As in Flink,
 * the transaction is handed to the checkpoint at its barrier and committed once the checkpoint
 * completes; the core's `prepareCommit` is synchronous, so the commit (not the barrier) waits for
 * the records' acknowledgements. A handed transaction is listed again in later checkpoints until
 * its commit is confirmed. Recovery commits what the restored checkpoint lists by producer
 * id/epoch (EndTxn sent directly to the coordinator), then re-initialises this subtask's ids,
 * which fences zombies and aborts their open transactions.
 *
 * at-least-once: an idempotent producer; a checkpoint completes once the records sent before its
 * barrier are acknowledged (the barrier does not wait: the records after it go on), so a restore
 * sends nothing again. Checkpoints of earlier versions listed those records; a restore sends them.
 */
import {
  FleuveError,
  type PreCommitSinkWriter,
  recordFunction,
  type SinkWriterContext,
  type TwoPhaseCommitSink,
} from "@fleuve/core";
import { Producer } from "@platformatic/kafka";
import { KafkaClient } from "../client.js";
import { confirmedMissingTopics, missingTopics, topicNotFound } from "../missing-topics.js";
import { javaPartitioner } from "../partitioner.js";
import {
  checkKnown,
  commonOptions,
  type KafkaProperties,
  producerSettings,
  SUPPORTED_PROPERTIES,
} from "../properties.js";
import type { Bytes, ProducerRecord } from "../records.js";
import { sendChunked } from "../send.js";
import { type SharedSender, sharedSender } from "../shared-sender.js";
import { closeQuietly } from "./close.js";
import { type Serializer, serializer } from "./serde.js";
import { TxnCoordinatorClient } from "./txn-coordinator.js";

/** Options of {@link kafkaSink}. */
export interface KafkaSinkOptions<T> {
  /** `bootstrap.servers` (shorthand; `props["bootstrap.servers"]` works too). */
  readonly bootstrap?: string;
  /** Producer properties under Kafka's names (`linger.ms`, `batch.size`, `compression.type`, `transaction.timeout.ms`). */
  readonly props?: KafkaProperties;
  /** The topic, or a function choosing it per record. */
  readonly topic: string | ((value: T) => string);
  /** Value bytes: "string", "json", "bytes" (Buffer/string values) or a function. Default "json". */
  readonly serializer?: Serializer<T>;
  /** The record key (decides the partition by murmur2, as Kafka's default partitioner). */
  readonly key?: (value: T) => Bytes | null;
  /** An explicit partition (overrides the key's). */
  readonly partition?: (value: T) => number;
  /** Record headers. */
  readonly headers?: (value: T) => Readonly<Record<string, Bytes>>;
  /** Default "at-least-once". */
  readonly deliveryGuarantee?: "at-least-once" | "exactly-once";
  /** Required for exactly-once; unique per sink and job across the cluster. */
  readonly transactionalIdPrefix?: string;
}

/** What a checkpoint commits: a transaction (exactly-once) or unacknowledged records (at-least-once). */
export interface KafkaCommittable {
  readonly transactionalId?: string;
  /** Decimal string (bigints stay exact in any checkpoint format). */
  readonly producerId?: string;
  readonly producerEpoch?: number;
  /** At-least-once: records sent but not acknowledged at the barrier. */
  readonly records?: StoredRecord[];
}

interface StoredRecord {
  topic: string;
  partition?: number;
  key: string | null;
  value: string | null;
  timestamp?: number;
  headers?: Record<string, string>;
}

/** Transactional ids per subtask, used in turn; one is reused only after its transaction resolved. */
const SLOTS = 8;
/** Records buffered before a send is issued. */
const SEND_BATCH = 2000;
/** An exactly-once sink's default `linger.ms`: the longest timer Node has, so records go at the barrier. */
const UNTIL_BARRIER = 2_147_483_647;
/** Records sent but not acknowledged before the sink holds its input back (backpressure). */
const MAX_UNACKED = 50_000;

type RawProducer = Producer<Buffer, Buffer, Buffer, Buffer>;

/** State shared by the sink object and its writers in one process. */
interface Shared {
  readonly coordinator: () => TxnCoordinatorClient;
  /** Every commit issued so far: writers start only after the restored ones are done. */
  commits: Promise<void>;
  /** Transactions committed or found resolved, by `id:pid:epoch`. */
  readonly resolved: Set<string>;
  /** In this process: what a committable must wait for before it can be committed. */
  readonly waits: WeakMap<object, Promise<void>>;
  /** Open writers: the last one to close releases the coordinator connections. */
  writers: number;
  /** Closes the coordinator connections once pending commits are done. */
  release(): void;
  /** `bootstrap.servers`, for messages. */
  readonly bootstrap: string;
  /** Resolves once the output topic is known to exist (a topic function: at once). */
  checkTopic(): Promise<void>;
  /** The cluster's topics, from a fresh connection (to confirm a send's "Unknown topic"). */
  listTopics(): Promise<string[]>;
}

/** A Kafka sink: `stream.sinkTo(kafkaSink({...}), "name")`. */
export function kafkaSink<T>(opts: KafkaSinkOptions<T>): TwoPhaseCommitSink<T, KafkaCommittable> {
  if (typeof opts.topic !== "string" && typeof opts.topic !== "function") {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      "kafkaSink: option 'topic' must be a topic name or a function",
      {
        details: { option: "topic" },
      },
    );
  }
  const guarantee = opts.deliveryGuarantee ?? "at-least-once";
  if (guarantee !== "at-least-once" && guarantee !== "exactly-once") {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `kafkaSink: option 'deliveryGuarantee' must be "at-least-once" or "exactly-once", got ${JSON.stringify(guarantee)}`,
      { details: { option: "deliveryGuarantee" } },
    );
  }
  if (guarantee === "exactly-once" && !opts.transactionalIdPrefix) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      "kafkaSink: exactly-once needs option 'transactionalIdPrefix', unique per sink and job (e.g. \"orders-job-out\")",
      { details: { option: "transactionalIdPrefix" } },
    );
  }
  const { "transaction.timeout.ms": txTimeoutRaw, ...rest } = opts.props ?? {};
  const props: KafkaProperties = {
    ...(opts.bootstrap === undefined ? {} : { "bootstrap.servers": opts.bootstrap }),
    ...rest,
  };
  checkKnown(props, [...SUPPORTED_PROPERTIES.common, ...SUPPORTED_PROPERTIES.producer], "kafkaSink");
  if (props["transactional.id"] !== undefined) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      "kafkaSink: set option 'transactionalIdPrefix' instead of the property \"transactional.id\" (the sink makes one id per subtask and slot)",
      { details: { property: "transactional.id" } },
    );
  }
  const txTimeoutMs = txTimeoutRaw === undefined ? 60_000 : Number(txTimeoutRaw);
  if (!Number.isInteger(txTimeoutMs) || txTimeoutMs < 1000) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `Kafka property "transaction.timeout.ms" has value ${JSON.stringify(txTimeoutRaw)}; expected an integer >= 1000 (it must exceed the checkpoint interval plus the restart time)`,
      { details: { property: "transaction.timeout.ms" } },
    );
  }
  // At-least-once: linger.ms 0 unless set (as Kafka's Java producer before 4.0, and the exchanges
  // of a group job). A writer has one request in flight and what comes meanwhile goes in the next
  // one, so a busy sink still sends in batches; lingering only delays every record when it is not.
  // Exactly-once: until the barrier unless set (every SEND_BATCH records before it), as the
  // exchanges of a group job. Records become visible at the commit anyway, and a read_committed
  // reader gets nothing past a partition's oldest open transaction: sent as they come, a
  // subtask's transaction would hold back for its whole commit interval the committed records of
  // every other subtask writing that partition; sent at the barrier, only while it commits.
  const settings = producerSettings({
    "linger.ms": guarantee === "at-least-once" ? 0 : UNTIL_BARRIER,
    ...props,
    acks: "all",
    "enable.idempotence": true,
  });
  const common = commonOptions(props, "fleuve-sink");
  const toRecord = recordMaker(opts);
  let coordinator: TxnCoordinatorClient | undefined;
  const outputTopic = typeof opts.topic === "string" ? opts.topic : undefined;
  const commonProps = Object.fromEntries(
    Object.entries(props).filter(([k]) => (SUPPORTED_PROPERTIES.common as readonly string[]).includes(k)),
  );
  let topicChecked: Promise<void> | undefined;
  const shared: Shared = {
    bootstrap: common.bootstrapBrokers.join(","),
    checkTopic() {
      if (outputTopic === undefined) return Promise.resolve();
      // Once per sink and process; a failed check (broker away) is tried again by the next writer.
      topicChecked ??= checkOutputTopic(commonProps, outputTopic).catch((e: unknown) => {
        topicChecked = undefined;
        throw e;
      });
      return topicChecked;
    },
    async listTopics() {
      const client = await KafkaClient.connect(commonProps);
      try {
        return await client.listTopics();
      } finally {
        await client.close().catch(() => {});
      }
    },
    coordinator: () => (coordinator ??= new TxnCoordinatorClient(common)),
    commits: Promise.resolve(),
    resolved: new Set(),
    waits: new WeakMap(),
    writers: 0,
    release() {
      void shared.commits
        .then(async () => {
          if (shared.writers > 0) return;
          const c = coordinator;
          coordinator = undefined;
          await c?.close();
        })
        .catch(() => {}); // closing after the broker went away: nothing left to save
    },
  };
  const sink: TwoPhaseCommitSink<T, KafkaCommittable> = {
    // At-least-once sends are visible at once; checkpoints only carry what is unacknowledged.
    needsCheckpoints: guarantee === "exactly-once",
    atLeastOnceHint: 'kafkaSink deliveryGuarantee: "at-least-once"',
    createWriter: (ctx) => {
      shared.writers++;
      return guarantee === "exactly-once"
        ? new TransactionalWriter(
            ctx,
            shared,
            common,
            settings,
            toRecord,
            opts.transactionalIdPrefix!,
            txTimeoutMs,
          )
        : new AtLeastOnceWriter(common, settings, toRecord, shared);
    },
    commit: (committables) => {
      const run = shared.commits.then(() => commitAll(shared, common, settings, committables));
      shared.commits = run.catch(() => {});
      // A commit after the last writer closed (a restore before writers start, the commit of a
      // stop-with-savepoint) opens the coordinator again: close it once done, or its connection
      // keeps the process alive until the broker drops it (10 minutes idle).
      if (shared.writers === 0) shared.release();
      return run;
    },
  };
  return sink;
}

/**
 * Throws FLEUVE_KAFKA_TOPIC_NOT_FOUND when `topic` does not exist: a send to it would only fail after
 * its retries, at a checkpoint, with an error that does not say the topic is missing.
 */
async function checkOutputTopic(props: KafkaProperties, topic: string): Promise<void> {
  const client = await KafkaClient.connect(props);
  try {
    const missing = await missingTopics(client, [topic]);
    if (missing.length > 0) throw topicNotFound("kafkaSink", missing, client.bootstrapServers.join(","));
  } finally {
    await client.close().catch(() => {});
  }
}

async function commitAll(
  shared: Shared,
  common: ReturnType<typeof commonOptions>,
  settings: ReturnType<typeof producerSettings>,
  committables: readonly KafkaCommittable[],
): Promise<void> {
  for (const c of committables) {
    const wait = shared.waits.get(c);
    if (wait) {
      // Written by this process: wait for its acknowledgements instead of sending again.
      await wait;
      if (c.records) continue;
    }
    if (c.records) {
      // At-least-once after a restore: the records may or may not have reached the broker; send again.
      if (c.records.length === 0) continue;
      const p = new Producer<Buffer, Buffer, Buffer, Buffer>({
        ...common,
        acks: -1,
        idempotent: true,
        producerId: -1n,
        producerEpoch: -1,
        compression: settings.compression,
        partitioner: javaPartitioner(),
      });
      try {
        await sendChunked((messages) => p.send({ messages }), c.records.map(fromStored), settings.batchSize);
      } finally {
        await closeQuietly(p);
      }
      continue;
    }
    if (!wait) {
      // From a checkpoint of an earlier run: ask the coordinator what became of it.
      const done = await recoverTransaction(shared, c);
      if (done) continue;
    }
    const key = `${c.transactionalId}:${c.producerId}:${c.producerEpoch}`;
    if (shared.resolved.has(key)) continue;
    // "fenced" means resolved already (a later epoch of the id exists): nothing left to do either.
    await shared.coordinator().endTxn(c.transactionalId!, BigInt(c.producerId!), c.producerEpoch!, true);
    // The writer's producer of this slot is kept: its next transaction starts from the new state.
    shared.resolved.add(key);
  }
}

/**
 * A transaction listed by a restored checkpoint. Checkpoints store a transaction's producer id
 * and epoch once its records are acknowledged (sink snapshots are serialized after `prepared()`),
 * so a committable without them comes from a transaction that never got a producer: no records.
 * Returns true when nothing is left to do; false when it should be committed with the ids in `c`.
 */
async function recoverTransaction(
  shared: Shared,
  c: { -readonly [K in keyof KafkaCommittable]: KafkaCommittable[K] },
): Promise<boolean> {
  // An ongoing transaction under the same id could be a later one: never commit by id alone.
  if (c.producerId === undefined || c.producerEpoch === undefined) return true;
  const d = await shared.coordinator().describe(c.transactionalId!);
  if (!d) return true;
  const same = BigInt(c.producerId) === d.producerId && c.producerEpoch === d.producerEpoch;
  if (!same) {
    // Initialised again since: a later run resolved it (committed it, or found it committed).
    return true;
  }
  if (d.state === "Ongoing" || d.state === "PrepareCommit") {
    c.producerId = String(d.producerId);
    c.producerEpoch = d.producerEpoch;
    return false;
  }
  if (d.state === "CompleteCommit") return true;
  throw new FleuveError(
    "FLEUVE_SINK_FAILED",
    `kafkaSink: transaction ${c.transactionalId} of a completed checkpoint was aborted by the broker (state ${d.state}), so its records are lost; raise the Kafka property "transaction.timeout.ms" above the checkpoint interval plus the time to restart`,
    { details: { transactionalId: c.transactionalId, state: d.state } },
  );
}

/** value -> ProducerRecord, per the sink options. */
function recordMaker<T>(opts: KafkaSinkOptions<T>): (v: T, ts: number | undefined) => ProducerRecord {
  const ser = serializer(opts.serializer ?? "json", "serializer", "kafkaSink");
  // A throw of these functions rejects the record (dead letters under that error policy), as the serializer's does.
  const fn = <R>(f: ((v: T) => R) | undefined, what: string) =>
    f === undefined ? undefined : recordFunction(f, what, "kafkaSink");
  const topic =
    typeof opts.topic === "string" ? opts.topic : recordFunction(opts.topic, "topic function", "kafkaSink");
  const key = fn(opts.key, "key function");
  const partition = fn(opts.partition, "partition function");
  const headers = fn(opts.headers, "headers function");
  return (v, ts) => {
    const r: { -readonly [K in keyof ProducerRecord]: ProducerRecord[K] } = {
      topic: typeof topic === "string" ? topic : topic(v),
      value: ser(v),
    };
    if (key) r.key = key(v);
    if (partition) r.partition = partition(v);
    if (headers) r.headers = headers(v);
    if (ts !== undefined && Number.isFinite(ts)) r.timestamp = Math.trunc(ts);
    return r;
  };
}

const b64 = (b: Bytes | null | undefined): string | null =>
  b == null ? null : (typeof b === "string" ? Buffer.from(b) : b).toString("base64");

function toStored(r: ProducerRecord): StoredRecord {
  const s: StoredRecord = { topic: r.topic, key: b64(r.key), value: b64(r.value) };
  if (r.partition !== undefined) s.partition = r.partition;
  if (r.timestamp !== undefined) s.timestamp = Number(r.timestamp);
  if (r.headers) s.headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, b64(v)!]));
  return s;
}

function fromStored(s: StoredRecord): ProducerRecord {
  const r: { -readonly [K in keyof ProducerRecord]: ProducerRecord[K] } = {
    topic: s.topic,
    key: s.key === null ? null : Buffer.from(s.key, "base64"),
    value: s.value === null ? null : Buffer.from(s.value, "base64"),
  };
  if (s.partition !== undefined) r.partition = s.partition;
  if (s.timestamp !== undefined) r.timestamp = s.timestamp;
  if (s.headers) {
    r.headers = Object.fromEntries(Object.entries(s.headers).map(([k, v]) => [k, Buffer.from(v, "base64")]));
  }
  return r;
}

function sinkError(what: string, err: unknown): FleuveError {
  if (err instanceof FleuveError) return err;
  const e = err as { message?: string; errors?: { message?: string }[] };
  const inner = e.errors?.map((x) => x.message).join("; ");
  return new FleuveError(
    "FLEUVE_SINK_FAILED",
    `kafkaSink: ${what}: ${e.message ?? String(err)}${inner ? ` (${inner})` : ""}`,
    {
      cause: err,
    },
  );
}

/**
 * Rejects with the error of a failed send of `records`: FLEUVE_KAFKA_TOPIC_NOT_FOUND (permanent)
 * when the client reported an unknown topic and a fresh lookup confirms some of the records' topics
 * missing (e.g. a topic function named one), else the restartable FLEUVE_SINK_FAILED: an unknown
 * topic that is listed again was a metadata error, e.g. during a broker restart.
 */
async function failedSend(
  what: string,
  err: unknown,
  shared: Shared,
  records: readonly ProducerRecord[],
): Promise<never> {
  const topics = [...new Set(records.map((r) => r.topic))];
  const missing = await confirmedMissingTopics(err, topics, () => shared.listTopics());
  throw missing.length > 0 ? topicNotFound("kafkaSink", missing, shared.bootstrap) : sinkError(what, err);
}

/**
 * The client sends the transaction timeout from its request timeout (5 s by default), after which
 * the coordinator aborts a transaction a crashed run prepared. Raise it for InitProducerId only.
 */
async function withTransactionTimeout<R>(p: RawProducer, ms: number, fn: () => Promise<R>): Promise<R> {
  const sym = Object.getOwnPropertySymbols(p).find((s) => s.description === "plt.kafka.base.options");
  const options = sym
    ? ((p as unknown as Record<symbol, { timeout?: number }>)[sym] ?? undefined)
    : undefined;
  if (!options) return fn();
  const before = options.timeout;
  options.timeout = ms;
  try {
    return await fn();
  } finally {
    options.timeout = before;
  }
}

/**
 * A writer's start: checks that the output topic exists. The writer's `ready()` returns this
 * promise meanwhile, which holds its subtask back, so the first record or checkpoint barrier it
 * handles afterwards fails the job with the check's error (given to `fail`): before the first
 * checkpoint, naming the topic. Never rejects.
 */
function startChecked(shared: Shared, fail: (e: FleuveError) => void): Promise<void> {
  return shared.checkTopic().catch((e: unknown) => {
    fail(e instanceof FleuveError ? e : sinkError("cannot check the output topic", e));
  });
}

interface OpenTxn {
  id: string;
  producer: RawProducer;
  /** Resolves after every send issued so far was acknowledged; rejects on the first failure. */
  chain: Promise<void>;
  producerId?: bigint;
  producerEpoch?: number;
  records: number;
  /** The committable handed to a checkpoint, repeated in later ones until its commit is confirmed. */
  committable?: KafkaCommittable;
  flushed: boolean;
  error?: unknown;
  /** Queues a send behind the transaction's start and earlier sends (keeps per-partition order). */
  send: (records: ProducerRecord[]) => void;
}

class TransactionalWriter<T> implements PreCommitSinkWriter<T, KafkaCommittable> {
  #buffer: ProducerRecord[] = [];
  #current: OpenTxn | undefined;
  /** Handed to a checkpoint, not known committed yet. */
  #handed: OpenTxn[] = [];
  /**
   * Each slot's producer, kept across its transactions: a transaction then costs InitProducerId,
   * AddPartitionsToTxn, its Produce requests and EndTxn, not also a connection, ApiVersions,
   * FindCoordinator and Metadata of a new client (per unit and commit interval, this was most of
   * an exactly-once job's CPU). Closed with the writer.
   */
  readonly #producers: (RawProducer | undefined)[] = [];
  /** Each slot's producer id and epoch after {@link #init}: what a new producer of the slot bumps. */
  readonly #initialised: { producerId: bigint; producerEpoch: number }[] = [];
  #ready: Promise<void> | undefined;
  #error: unknown;
  /** The sends of the transaction handed to the last checkpoint, acknowledged. */
  #lastPrepared: Promise<void> = Promise.resolve();
  /** Settles once every send issued so far (of any transaction) is acknowledged or failed. */
  #sent: Promise<void> = Promise.resolve();
  /** Records sent and not acknowledged yet, and a promise of their acknowledgement. */
  #unacked = 0;
  #acks: Promise<void> = Promise.resolve();
  /** Until the output topic is known to exist; see {@link startChecked}. */
  #starting: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly ctx: SinkWriterContext,
    private readonly shared: Shared,
    private readonly common: ReturnType<typeof commonOptions>,
    private readonly settings: ReturnType<typeof producerSettings>,
    private readonly toRecord: (v: T, ts: number | undefined) => ProducerRecord,
    private readonly prefix: string,
    private readonly txTimeoutMs: number,
  ) {
    this.#starting = startChecked(shared, (e) => {
      this.#error ??= e;
    }).then(() => {
      this.#starting = undefined;
    });
  }

  #id(slot: number): string {
    return `${this.prefix}-${this.ctx.subtaskIndex}-${slot}`;
  }

  /**
   * Before the first transaction: wait for the restored commits, then re-initialise every id of this
   * subtask, which aborts whatever a crashed run left open under them (checkpoints that never completed).
   */
  #init(): Promise<void> {
    this.#ready ??= this.shared.commits.then(async () => {
      const c = this.shared.coordinator();
      await Promise.all(
        Array.from({ length: SLOTS }, async (_, s) => {
          this.#initialised[s] = await c.initProducerId(this.#id(s), this.txTimeoutMs);
        }),
      );
    });
    return this.#ready;
  }

  /**
   * Starts a transaction on `slot`'s producer with a new epoch: InitProducerId with the slot's
   * current producer id and epoch (KIP-360), which the coordinator answers with the epoch + 1 (or
   * a new producer id once the epoch is exhausted). So every transaction still has its own
   * `id:producerId:epoch` - a restore that commits a listed transaction by id and epoch (EndTxn)
   * is refused ("fenced") once the slot moved on, and never ends a later transaction of the slot -
   * while the producer, its connections and its coordinator lookup are kept. An expected epoch that
   * is no longer current (another process initialised the id since) is refused with
   * PRODUCER_FENCED: this writer is then the zombie and fails, where a blind InitProducerId would
   * have fenced the newer owner.
   */
  async #start(
    slot: number,
    producer: RawProducer,
  ): Promise<Awaited<ReturnType<RawProducer["beginTransaction"]>>> {
    // The slot's previous transaction was ended by EndTxn from the coordinator client (commitAll);
    // the client only still holds it as its current one. Forgetting it sends nothing.
    await producer.transaction?.cancel();
    const fresh = producer.producerId === undefined;
    const expected = fresh
      ? this.#initialised[slot]!
      : { producerId: producer.producerId!, producerEpoch: producer.producerEpoch! };
    // A fresh producer sends InitProducerId (with `expected`) as part of beginTransaction; a kept one
    // has its id already, so the client starts the transaction locally and the epoch is bumped here.
    const tx = await producer.beginTransaction(expected);
    if (!fresh) await producer.initIdempotentProducer(expected);
    return tx;
  }

  /** `slot`'s kept producer, made on first use. */
  #producer(slot: number): RawProducer {
    const id = this.#id(slot);
    return (this.#producers[slot] ??= new Producer<Buffer, Buffer, Buffer, Buffer>({
      ...this.common,
      clientId: `${this.common.clientId}-${id}`,
      acks: -1,
      idempotent: true,
      transactionalId: id,
      producerId: -1n,
      producerEpoch: -1,
      compression: this.settings.compression,
      partitioner: javaPartitioner(),
    }));
  }

  /**
   * {@link #start} on the slot's kept producer; if that fails, once more on a new producer of the
   * slot. A kept producer never looks its coordinator up again, so after the coordinator moved (a
   * broker restart, a leader rebalance) its requests go to the old one until its retries run out;
   * a new producer finds the coordinator and bumps the epoch from the last one this slot got
   * (a lost answer to the kept producer's bump is answered again, KIP-360's retry, not bumped
   * twice). A zombie's new producer is fenced as its kept one was.
   */
  async #startOrRenew(
    slot: number,
    txn: OpenTxn,
  ): Promise<Awaited<ReturnType<RawProducer["beginTransaction"]>>> {
    const kept = txn.producer;
    try {
      return await withTransactionTimeout(kept, this.txTimeoutMs, () => this.#start(slot, kept));
    } catch (e) {
      if (kept.producerId === undefined) throw e; // a new producer already: nothing to renew
      // Closed meanwhile (a start begun ahead fails as its writer closes): a producer made now
      // would never be closed, and its connection would keep the process alive.
      if (this.#closed) throw e;
      this.#producers[slot] = undefined;
      void closeQuietly(kept);
      const renewed = this.#producer(slot);
      txn.producer = renewed;
      return withTransactionTimeout(renewed, this.txTimeoutMs, () => this.#start(slot, renewed));
    }
  }

  #key(t: OpenTxn): string {
    return `${t.id}:${t.producerId}:${t.producerEpoch}`;
  }

  /**
   * The next transaction, on the lowest free slot. `ahead`: begun at a commit, before its first
   * record (see {@link prepareCommit}); undefined then if no slot is free, so that the error below
   * still comes with the first record that needs one.
   */
  #begin(ahead: true): OpenTxn | undefined;
  #begin(ahead?: false): OpenTxn;
  #begin(ahead = false): OpenTxn | undefined {
    const busy = new Set(
      this.#handed.filter((t) => !this.shared.resolved.has(this.#key(t))).map((t) => t.id),
    );
    this.#handed = this.#handed.filter((t) => !this.shared.resolved.has(this.#key(t)));
    // The lowest free slot: usually two are in use (one open, one committing), so about two
    // producers stay open per subtask, not one per slot.
    let slot = -1;
    for (let s = 0; s < SLOTS; s++) {
      if (!busy.has(this.#id(s))) {
        slot = s;
        break;
      }
    }
    if (slot < 0) {
      if (ahead) return undefined;
      throw new FleuveError(
        "FLEUVE_SINK_FAILED",
        `kafkaSink: all ${SLOTS} transactional ids of subtask ${this.ctx.subtaskIndex} (prefix "${this.prefix}") hold transactions waiting for a checkpoint to complete; checkpoints are not completing`,
      );
    }
    const id = this.#id(slot);
    const txn: OpenTxn = {
      id,
      producer: this.#producer(slot),
      chain: Promise.resolve(),
      records: 0,
      flushed: false,
      send: () => {},
    };
    let tx: Awaited<ReturnType<RawProducer["beginTransaction"]>> | undefined;
    txn.chain = this.#init()
      .then(() => this.#startOrRenew(slot, txn))
      .then((t) => {
        tx = t;
        txn.producerId = txn.producer.producerId!;
        txn.producerEpoch = txn.producer.producerEpoch!;
        this.#initialised[slot] = { producerId: txn.producerId, producerEpoch: txn.producerEpoch };
      });
    // A transaction begun ahead may fail (a fenced zombie) before any send watches it: fail the
    // next write or checkpoint rather than leave an unhandled rejection.
    if (ahead) {
      txn.chain.catch((e) => {
        this.#error ??= sinkError(`transaction ${id} failed to start`, e);
      });
    }
    // Records of the previous transactions first: each slot has a producer of its own, so
    // without this wait a transaction's records could land in a partition before those of the one
    // before it (records are sent after linger.ms, while the previous commit is still under way).
    const before = this.#sent;
    // Records of batches cut while the send before is in flight, sent together once it is
    // acknowledged (as the at-least-once writer, and the Java producer's accumulator): one request
    // per batch would queue them one round trip each behind a slow acknowledgement (a GC pause, a
    // busy broker), and an exactly-once exchange's records wait in that queue on every hop.
    let queued: ProducerRecord[] | undefined;
    txn.send = (records) => {
      if (queued) {
        // a send not started yet takes them (txn.chain is already that send)
        for (const r of records) queued.push(r);
        return;
      }
      const mine: ProducerRecord[] = [...records];
      queued = mine;
      txn.chain = txn.chain.then(() =>
        before.then(() => {
          if (queued === mine) queued = undefined;
          return sendChunked((messages) => tx!.send({ messages }), mine, this.settings.batchSize).catch((e) =>
            failedSend(`transaction ${id} failed`, e, this.shared, mine),
          );
        }),
      );
    };
    return txn;
  }

  /** Sends what is buffered `linger.ms` after the first record, so a commit waits only for the rest. */
  readonly #linger = new Linger(
    () => this.settings.lingerMs,
    () => this.#send(),
  );

  #send(): void {
    this.#linger.disarm();
    if (this.#buffer.length === 0) return;
    const t = (this.#current ??= this.#begin());
    const n = this.#buffer.length;
    t.records += n;
    t.send(this.#buffer);
    this.#sent = t.chain.then(
      () => {},
      () => {},
    );
    this.#buffer = [];
    this.#unacked += n;
    // The chain is sequential: once it resolves here, this batch is acknowledged. This handler
    // also keeps a transaction that a failed job drops (never awaited) from being an unhandled
    // rejection, which would end the process instead of letting the restart strategy work.
    this.#acks = t.chain.then(
      () => {
        this.#unacked -= n;
      },
      (e) => {
        this.#unacked -= n;
        // Fail the next write as soon as a send fails, not only at the next barrier.
        this.#error ??= sinkError(`transaction ${t.id} failed`, e);
      },
    );
  }

  ready(): Promise<void> | undefined {
    if (this.#starting) return this.#starting;
    return this.#unacked >= MAX_UNACKED ? this.#acks : undefined;
  }

  #watch(t: OpenTxn): void {
    t.chain.then(
      () => {
        t.flushed = true;
      },
      (e) => {
        t.error = e;
        this.#error ??= sinkError(`transaction ${t.id} failed`, e);
      },
    );
  }

  write(value: T, timestamp: number | undefined): void {
    if (this.#error) throw this.#error;
    this.#buffer.push(this.toRecord(value, timestamp));
    if (this.#buffer.length >= SEND_BATCH) this.#send();
    else this.#linger.arm();
  }

  prepareCommit(): KafkaCommittable[] {
    if (this.#error) throw this.#error;
    this.#send();
    // Handed to an earlier checkpoint but not confirmed committed: list it again, so a checkpoint
    // taken while its commit is in flight still commits it after a restore (commits are idempotent).
    this.#handed = this.#handed.filter((h) => !this.shared.resolved.has(this.#key(h)));
    const out: KafkaCommittable[] = this.#handed.map((h) => h.committable!);
    const t = this.#current;
    if (!t || t.records === 0) {
      // Nothing written since the last commit (a transaction begun ahead stays open for the next).
      this.#lastPrepared = Promise.resolve();
      return out;
    }
    this.#watch(t);
    // Like Flink's KafkaSink: the transaction goes into this checkpoint now; its commit waits for the
    // acknowledgement of its records (see docs/kafka.md for the window this leaves until the core can
    // delay a checkpoint's completion for a sink's flush).
    const c: { -readonly [K in keyof KafkaCommittable]: KafkaCommittable[K] } = { transactionalId: t.id };
    if (t.producerId !== undefined) {
      c.producerId = String(t.producerId);
      c.producerEpoch = t.producerEpoch!;
    }
    t.committable = c;
    this.#handed.push(t);
    const acked = t.chain.then(() => {
      c.producerId = String(t.producerId);
      c.producerEpoch = t.producerEpoch!;
    });
    // Its failure reaches the job through #watch; a checkpoint abandoned after it may never await it.
    acked.catch(() => {});
    this.shared.waits.set(c, acked);
    // The checkpoint completes only once these sends are acknowledged (the core waits on prepared()).
    this.#lastPrepared = acked;
    out.push(c);
    // Begin the next transaction now, ahead of its first record: its InitProducerId (the epoch
    // bump) runs while this one commits, instead of delaying that record by a round trip to the
    // coordinator and its log write (an exchange hop's record waited for it every commit
    // interval). Its slot is taken as at its first record would have (this one's is busy now); an
    // idle writer begins one such transaction after its last busy one, and nothing more.
    this.#current = this.#begin(true);
    return out;
  }

  prepared(): Promise<void> {
    return this.#lastPrepared;
  }

  finish(): void {
    this.#send();
  }

  close(): void {
    this.#closed = true;
    this.#linger.disarm();
    // Open or uncommitted transactions are left to the next run (it aborts them) or to their timeout.
    // The open one's producer goes now; the others once the sends issued so far have settled, so a
    // transaction handed to a checkpoint still gets its records acknowledged (its commit waits for them).
    const current = this.#current?.producer;
    void closeQuietly(current);
    const others = this.#producers.filter((p) => p !== undefined && p !== current);
    void this.#sent.then(() => Promise.all(others.map((p) => closeQuietly(p))));
    this.shared.writers--;
    this.shared.release();
  }
}

/**
 * A `linger.ms` timer, as the Java producer's: armed by the first record of a batch, it sends the
 * batch when it fires unless something sent it before. Not keeping the process alive. With
 * `linger.ms` 0 the batch goes once the current turn of the event loop is done (`setImmediate`),
 * so the records a task loop step writes still go together, without the 1 ms floor of a timer.
 */
class Linger {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;

  constructor(
    private readonly ms: () => number,
    private readonly fire: () => void,
  ) {}

  arm(): void {
    if (this.#timer !== undefined || this.#immediate !== undefined) return;
    const ms = this.ms();
    if (ms <= 0) {
      this.#immediate = setImmediate(() => {
        this.#immediate = undefined;
        this.fire();
      });
      this.#immediate.unref?.();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.fire();
    }, ms);
    this.#timer.unref?.();
  }

  disarm(): void {
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * At-least-once: idempotent sends through the process's shared producer (shared-sender.ts); a
 * checkpoint completes once the records before its barrier are acknowledged (see prepared).
 */
class AtLeastOnceWriter<T> implements PreCommitSinkWriter<T, KafkaCommittable> {
  readonly #sender: SharedSender;
  #buffer: ProducerRecord[] = [];
  /** Sent, not yet acknowledged: batches by sequence number. */
  readonly #inFlight = new Map<number, ProducerRecord[]>();
  readonly #acked = new Map<number, Promise<void>>();
  #seq = 0;
  #error: unknown;
  /** Until the output topic is known to exist; see {@link startChecked}. */
  #starting: Promise<void> | undefined;
  readonly #cut = () => this.#send();

  constructor(
    common: ReturnType<typeof commonOptions>,
    private readonly settings: ReturnType<typeof producerSettings>,
    private readonly toRecord: (v: T, ts: number | undefined) => ProducerRecord,
    private readonly shared: Shared,
  ) {
    this.#starting = startChecked(shared, (e) => {
      this.#error ??= e;
    }).then(() => {
      this.#starting = undefined;
    });
    this.#sender = sharedSender(common, settings);
  }

  /** Cuts a batch `linger.ms` after the first record: at-least-once output is visible at once. */
  readonly #linger = new Linger(
    () => this.settings.lingerMs,
    () => this.#send(),
  );

  /**
   * Hands what is buffered to the shared producer, which sends it with the next request: one
   * request in flight at a time, and the batches cut meanwhile, this writer's and the others',
   * go together in the next one (one request per batch would, after a stall, queue them one round
   * trip each; that queue is the latency tail).
   */
  #send(): void {
    this.#linger.disarm();
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    const n = this.#seq++;
    this.#inFlight.set(n, batch);
    let settle!: (e?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (e) => (e === undefined ? resolve() : reject(e));
    });
    done.catch(() => {});
    this.#acked.set(n, done);
    this.#sender.enqueue({
      records: batch,
      done: (e) => {
        if (e === undefined) {
          this.#inFlight.delete(n);
          this.#acked.delete(n);
          settle();
          return;
        }
        failedSend("send failed", e, this.shared, batch).catch((mapped) => {
          this.#error ??= sinkError("send failed", mapped);
          settle(this.#error);
        });
      },
    });
  }

  write(value: T, timestamp: number | undefined): void {
    if (this.#error) throw this.#error;
    this.#buffer.push(this.toRecord(value, timestamp));
    if (this.#buffer.length >= SEND_BATCH) this.#send();
    else if (this.settings.lingerMs <= 0) this.#sender.later(this.#cut);
    else this.#linger.arm();
  }

  ready(): Promise<void> | undefined {
    if (this.#starting) return this.#starting;
    if (this.#inFlight.size * SEND_BATCH < MAX_UNACKED) return undefined;
    const oldest = this.#acked.values().next().value as Promise<void> | undefined;
    return oldest?.then(
      () => {},
      () => {},
    );
  }

  prepareCommit(checkpointId: number): KafkaCommittable[] {
    if (this.#error) throw this.#error;
    this.#send();
    const batches = [...this.#inFlight];
    this.#checkpointAcks = undefined;
    if (batches.length === 0) return [];
    const acked = Promise.all(batches.map(([n]) => this.#acked.get(n))).then(() => {});
    acked.catch(() => {}); // the failure reaches the job through #error
    if (checkpointId !== 0) {
      // A checkpoint completes once every record before its barrier is acknowledged (see
      // prepared), as Flink's at-least-once KafkaSink flushes at checkpoints, rather than list
      // them for a restore to send again: a restore from it sends nothing twice (a scale-out unit
      // handed over to another process with its final checkpoint replays nothing).
      this.#checkpointAcks = acked;
      return [];
    }
    // The end of a job without checkpoints: commit() waits for their acknowledgements.
    const c: KafkaCommittable = { records: batches.flatMap(([, b]) => b).map(toStored) };
    this.shared.waits.set(c, acked);
    return [c];
  }

  /** Acknowledgements of the records sent before the barrier of the checkpoint being taken. */
  #checkpointAcks: Promise<void> | undefined;

  /** Resolves once the records before the last checkpoint's barrier are acknowledged. */
  prepared(): Promise<void> {
    const acks = this.#checkpointAcks;
    if (!acks) return Promise.resolve();
    return acks.then(() => {
      if (this.#error) throw this.#error;
    });
  }

  finish(): void {
    this.#send();
  }

  close(): void {
    this.#linger.disarm();
    this.#sender.cancel(this.#cut);
    void this.#sender.release();
    this.shared.writers--;
    this.shared.release();
  }
}
