/**
 * A Fleuve source reading Kafka topics, like Flink's KafkaSource: partitions are split among
 * subtasks, each partition is a split with its own watermark, offsets live in Fleuve checkpoints
 * (restored at any parallelism), and are committed to the consumer group when a checkpoint completes.
 *
 * The core polls readers synchronously, so each reader prefetches with plain Fetch requests
 * (KafkaPartitionReader) into a bounded buffer and hands records over in `poll()`.
 */
import {
  FleuveError,
  type PartitionAssignment,
  type PartitionedRecord,
  type PollStatus,
  partitionOwner,
  type Source,
  type SourceOutput,
  type SourceReader,
  type SourceReaderContext,
} from "@fleuve/core";
import { Consumer } from "@platformatic/kafka";
import { KafkaClient } from "../client.js";
import { missingTopics, topicNotFound } from "../missing-topics.js";
import { apiErrorIds, type KafkaPartitionReader } from "../partition-reader.js";
import { checkKnown, commonOptions, type KafkaProperties, SUPPORTED_PROPERTIES } from "../properties.js";
import type { ConsumerRecord } from "../records.js";
import { closeQuietly } from "./close.js";
import { type Deserializer, deserializer } from "./serde.js";

/** A record as the source emits it (the same shape as `logSource`'s records). */
export type KafkaSourceRecord<K, V, H> = PartitionedRecord<K, V, H>;

/** Where partitions start when no checkpoint holds their offset. */
export type StartingOffsets = "earliest" | "latest" | "committed" | { readonly timestamp: number };

/** Options of {@link kafkaSource} shared by its two forms. */
export interface KafkaSourceBaseOptions {
  /** `bootstrap.servers` (shorthand; `props["bootstrap.servers"]` works too). */
  readonly bootstrap?: string;
  /** Consumer properties under Kafka's names (`fetch.max.wait.ms`, `isolation.level`...). */
  readonly props?: KafkaProperties;
  /** Topic names, or a pattern matched against every topic (re-evaluated on partition discovery). */
  readonly topics: readonly string[] | RegExp;
  /** Default "earliest". "committed" falls back to earliest for partitions the group never committed. */
  readonly startingOffsets?: StartingOffsets;
  /** Consumer group: offsets of each completed checkpoint are committed to it (monitoring, "committed" starts). */
  readonly group?: string;
  /** Stop at the end offsets (last stable offsets) seen at start. Default false. */
  readonly bounded?: boolean;
  /** How often to look for new partitions and topics (ms); 0 = never. Default 30000 (unbounded only). */
  readonly partitionDiscoveryIntervalMs?: number;
  /** Records prefetched per subtask before fetching pauses (backpressure). Default 20000. */
  readonly maxBufferedRecords?: number;
  /**
   * Which subtask reads which partition: "spread" (default, Flink's rule: topics start at a
   * hash-chosen subtask; see `partitionOwner`) or "by-index" (partition p to subtask
   * p % parallelism, for topics whose partition number means a receiver, like the exchanges of a
   * scale-out job). The same option and rule as `logSource`.
   */
  readonly partitionAssignment?: PartitionAssignment;
}

/**
 * Options of {@link kafkaSource} emitting records (topic, partition, offset, timestamp, key, value,
 * headers) decoded by format, as `logSource` does. A format that throws rejects the record.
 */
export interface KafkaSourceOptions<K, V, H> extends KafkaSourceBaseOptions {
  readonly deserialize?: undefined;
  /** "bytes" (default), "string", "json" or a function. */
  readonly key?: Deserializer<K>;
  /** "bytes" (default), "string", "json" or a function. */
  readonly value?: Deserializer<V>;
  /** "bytes" (default), "string", "json" or a function. */
  readonly headers?: Deserializer<H>;
}

/** Options of {@link kafkaSource} emitting what a function makes of each record. */
export interface KafkaDeserializingSourceOptions<T> extends KafkaSourceBaseOptions {
  /**
   * Turns a Kafka record into a value; throw to reject it: the job's error policy gets the record
   * (topic, partition, offset, base64 key and value) with the reason, as for a format that throws.
   */
  readonly deserialize: (record: ConsumerRecord) => T;
}

/**
 * Snapshot layout: [topic, partition, next offset, and for bounded sources the offset to stop at],
 * offsets as decimal strings. The stop offset is kept so that a restore ends where the first run
 * would have, as Flink's splits keep their stopping offset: asked again after a restart (a broker
 * that just came back may report an older end), the end could differ.
 */
type Positions = [topic: string, partition: number, offset: string, stop?: string][];

/** A partition's key in maps. */
const tp = (topic: string, partition: number) => `${topic}-${partition}`;

/**
 * A Kafka source: `env.fromSource(kafkaSource({...}), strategy, "name")`, emitting
 * `deserialize(record)` for each record, or (without `deserialize`) records decoded by the
 * `key`/`value`/`headers` formats.
 */
export function kafkaSource<T>(opts: KafkaDeserializingSourceOptions<T>): Source<T>;
export function kafkaSource<K = Buffer | null, V = Buffer | null, H = Buffer>(
  opts: KafkaSourceOptions<K, V, H>,
): Source<KafkaSourceRecord<K, V, H>>;
export function kafkaSource(
  opts: KafkaDeserializingSourceOptions<unknown> | KafkaSourceOptions<unknown, unknown, unknown>,
): Source<unknown> {
  if (!(opts.topics instanceof RegExp) && (!Array.isArray(opts.topics) || opts.topics.length === 0)) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      "kafkaSource: option 'topics' must be a non-empty array of topic names or a RegExp",
      { details: { option: "topics" } },
    );
  }
  const start = opts.startingOffsets ?? "earliest";
  if (start === "committed" && !opts.group) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      "kafkaSource: startingOffsets \"committed\" needs option 'group' (the consumer group whose offsets to use)",
      { details: { option: "group" } },
    );
  }
  const props: KafkaProperties = {
    ...(opts.bootstrap === undefined ? {} : { "bootstrap.servers": opts.bootstrap }),
    ...opts.props,
  };
  checkKnown(props, [...SUPPORTED_PROPERTIES.common, ...SUPPORTED_PROPERTIES.consumer], "kafkaSource");
  if (opts.deserialize !== undefined && typeof opts.deserialize !== "function") {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "kafkaSource: option 'deserialize' must be a function", {
      details: { option: "deserialize" },
    });
  }
  // Resolved now so a bad format fails when the job is built, not in a subtask.
  const decode = opts.deserialize ?? recordDecoder(opts as KafkaSourceOptions<unknown, unknown, unknown>);
  return {
    bounded: opts.bounded === true,
    rescalable: true,
    createReader: (ctx) => new KafkaSourceReader(opts, decode, props, ctx),
  };
}

/** `deserialize` of the record form: decodes key, value and headers by their formats. */
function recordDecoder(
  opts: KafkaSourceOptions<unknown, unknown, unknown>,
): (r: ConsumerRecord) => KafkaSourceRecord<unknown, unknown, unknown> {
  const key = deserializer(opts.key, "key", "kafkaSource");
  const value = deserializer(opts.value, "value", "kafkaSource");
  const header = deserializer(opts.headers, "headers", "kafkaSource");
  return (r) => {
    const headers: Record<string, unknown> = {};
    for (const [k, v] of r.headers) headers[k] = header(v);
    return {
      topic: r.topic,
      partition: r.partition,
      offset: Number(r.offset),
      timestamp: Number(r.timestamp),
      key: key(r.key),
      value: value(r.value),
      headers,
    };
  };
}

interface Chunk {
  records: ConsumerRecord[];
  next: number;
  /** Every partition's fetch position once this chunk is emitted (skips control/aborted records). */
  after: Map<string, bigint>;
}

class KafkaSourceReader<T> implements SourceReader<T> {
  readonly #opts: KafkaSourceBaseOptions;
  readonly #props: KafkaProperties;
  readonly #ctx: SourceReaderContext;
  readonly #decode: (r: ConsumerRecord) => T;
  /** Next offset to emit, per owned partition: what checkpoints store. */
  readonly #positions = new Map<string, { topic: string; partition: number; offset: bigint }>();
  /** Bounded: offset to stop at, per partition not finished yet. */
  readonly #ends = new Map<string, bigint>();
  /** Bounded: offset to stop at, per partition ever assigned (checkpointed). */
  readonly #stops = new Map<string, bigint>();
  /** Bounded: stop offsets from the restored checkpoint. */
  readonly #restoredStops = new Map<string, bigint>();
  /** Restored positions of owned partitions not yet assigned (init is asynchronous). */
  readonly #restored = new Map<string, bigint>();
  readonly #chunks: Chunk[] = [];
  #buffered = 0;
  #newSplits: string[] = [];
  #started = false;
  #closed = false;
  #error: unknown;
  #ended = false;
  #wake: (() => void) | undefined;
  #space: (() => void) | undefined;
  #client: KafkaClient | undefined;
  #reader: KafkaPartitionReader | undefined;
  #offsets: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  #lastDiscovery = 0;
  /** The first discovery is done: before it, no partition has an end yet, and none means "not known". */
  #discovered = false;
  readonly #committing = new Map<number, Positions>();
  #commitInFlight = false;
  /** The reason the last group commit failed; undefined after a success. */
  #commitFailure: string | undefined;
  /** Offsets the group holds from this reader's last successful commit, by `topic:partition`. */
  readonly #committed = new Map<string, bigint>();

  constructor(
    opts: KafkaSourceBaseOptions,
    decode: (r: ConsumerRecord) => T,
    props: KafkaProperties,
    ctx: SourceReaderContext,
  ) {
    this.#opts = opts;
    this.#decode = decode;
    this.#props = props;
    this.#ctx = ctx;
  }

  #owns(topic: string, partition: number): boolean {
    return this.#ownerOf(topic, partition, this.#ctx.parallelism) === this.#ctx.subtaskIndex;
  }

  poll(output: SourceOutput<T>, max: number): PollStatus {
    if (!this.#started) this.#start();
    if (this.#error !== undefined) throw this.#error;
    for (const s of this.#newSplits) output.forSplit(s);
    this.#newSplits = [];
    let emitted = 0;
    while (emitted < max && this.#chunks.length > 0) {
      const chunk = this.#chunks[0]!;
      let split: SourceOutput<T> | undefined;
      let splitId = "";
      while (chunk.next < chunk.records.length && emitted < max) {
        const r = chunk.records[chunk.next++]!;
        const id = tp(r.topic, r.partition);
        const pos = this.#positions.get(id);
        if (!pos || r.offset < pos.offset) continue; // already emitted before a restore/reassign
        if (id !== splitId) {
          split = output.forSplit(id);
          splitId = id;
        }
        pos.offset = r.offset + 1n;
        const ts = Number(r.timestamp);
        let rec: T;
        try {
          rec = this.#decode(r);
        } catch (e) {
          output.reject(
            {
              topic: r.topic,
              partition: r.partition,
              offset: Number(r.offset),
              key: r.key?.toString("base64") ?? null,
              value: r.value?.toString("base64") ?? null,
            },
            `kafkaSource: cannot deserialize record ${r.topic}/${r.partition}@${r.offset}: ${(e as Error).message}`,
            ts,
          );
          continue;
        }
        split!.collect(rec, ts);
        emitted++;
      }
      if (chunk.next < chunk.records.length) break;
      this.#chunks.shift();
      this.#buffered -= chunk.records.length;
      for (const [id, off] of chunk.after) {
        const pos = this.#positions.get(id);
        if (pos && off > pos.offset) pos.offset = off;
      }
      this.#space?.();
    }
    if (this.#opts.bounded && this.#discovered) {
      for (const [id, end] of this.#ends) {
        const pos = this.#positions.get(id);
        if (pos && pos.offset >= end) {
          output.releaseSplit(id);
          this.#ends.delete(id);
        }
      }
      if (this.#ends.size === 0 && this.#chunks.length === 0) {
        this.#ended = true;
        return "end";
      }
    }
    // Idle only once discovery is done and left it no partition: a reader still connecting is not
    // idle, or a --group job's receivers would go on without a restarted source unit's records.
    if (this.#discovered && this.#positions.size === 0 && this.#chunks.length === 0) output.markIdle();
    return this.#chunks.length > 0 ? "more" : "nothing-yet";
  }

  available(): Promise<void> {
    if (this.#chunks.length > 0 || this.#error !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      // A timer too: bounded readers must get polled to notice their end, idle ones to re-check.
      const t = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, 200);
      this.#wake = () => {
        clearTimeout(t);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #start(): void {
    this.#started = true;
    this.#run().catch((e) => {
      if (this.#closed) return;
      this.#error =
        e instanceof FleuveError
          ? e
          : new FleuveError("FLEUVE_SOURCE_FAILED", `kafkaSource: ${(e as Error).message}`, { cause: e });
      this.#wake?.();
    });
  }

  async #run(): Promise<void> {
    // The client takes the common properties; the consumer ones go to the partition reader.
    const common = Object.fromEntries(
      Object.entries(this.#props).filter(([k]) =>
        (SUPPORTED_PROPERTIES.common as readonly string[]).includes(k),
      ),
    );
    const client = await KafkaClient.connect(common);
    this.#client = client;
    if (this.#closed) return;
    const readerProps = { ...this.#props };
    this.#reader = client.partitionReader(readerProps);
    await this.#discover(true);
    this.#discovered = true;
    this.#wake?.();
    const interval = this.#opts.partitionDiscoveryIntervalMs ?? (this.#opts.bounded ? 0 : 30_000);
    while (!this.#closed) {
      if (this.#opts.bounded && this.#ends.size === 0) return;
      if (this.#buffered >= (this.#opts.maxBufferedRecords ?? 20_000)) {
        await new Promise<void>((r) => {
          this.#space = () => {
            this.#space = undefined;
            r();
          };
        });
        continue;
      }
      if (interval > 0 && Date.now() - this.#lastDiscovery >= interval) await this.#discover(false);
      if (this.#positions.size === 0) {
        await new Promise((r) => setTimeout(r, Math.min(interval || 1000, 1000)));
        continue;
      }
      const records = await this.#reader.poll();
      if (this.#closed) return;
      const after = new Map<string, bigint>();
      for (const p of this.#reader.positions()) {
        const id = tp(p.topic, p.partition);
        const end = this.#ends.get(id);
        after.set(id, end !== undefined && p.offset > end ? end : p.offset);
      }
      const kept = this.#opts.bounded
        ? records.filter((r) => {
            const end = this.#ends.get(tp(r.topic, r.partition));
            return end !== undefined && r.offset < end;
          })
        : records;
      this.#chunks.push({ records: kept, next: 0, after });
      this.#buffered += kept.length;
      this.#wake?.();
    }
  }

  /** Finds topics/partitions and assigns the new ones this subtask owns. */
  async #discover(first: boolean): Promise<void> {
    this.#lastDiscovery = Date.now();
    const client = this.#client!;
    const topics =
      this.#opts.topics instanceof RegExp
        ? (await client.listTopics()).filter((t) => (this.#opts.topics as RegExp).test(t))
        : [...this.#opts.topics];
    if (topics.length === 0) return;
    if (first && !(this.#opts.topics instanceof RegExp)) {
      // Named topics must exist: fail at once, naming them, rather than retry metadata requests.
      const missing = await missingTopics(client, topics);
      if (missing.length > 0) {
        throw topicNotFound("kafkaSource", missing, client.bootstrapServers.join(","));
      }
    }
    const counts = await partitionCounts(this.#offsetsClient(), topics);
    if (first && this.#ctx.subtaskIndex === 0) this.#warnUnusedSubtasks(counts);
    const fresh: { topic: string; partition: number }[] = [];
    for (const [topic, n] of counts) {
      for (let p = 0; p < n; p++) {
        if (!this.#owns(topic, p) || this.#positions.has(tp(topic, p))) continue;
        fresh.push({ topic, partition: p });
      }
    }
    if (fresh.length === 0) return;
    const start = this.#opts.startingOffsets ?? "earliest";
    const starts = new Map<string, bigint | "earliest" | "latest">();
    // Partitions found after the start are new: read them from the beginning (Flink does the same).
    const mode: StartingOffsets = first ? start : "earliest";
    let committed: Map<string, bigint> | undefined;
    if (mode === "committed") committed = await this.#committedOffsets(fresh);
    let byTime: Map<string, bigint> | undefined;
    if (typeof mode === "object") byTime = await this.#offsetsForTime(fresh, mode.timestamp);
    for (const f of fresh) {
      const id = tp(f.topic, f.partition);
      const restored = this.#restored.get(id);
      if (restored !== undefined) starts.set(id, restored);
      else if (mode === "committed") starts.set(id, committed!.get(id) ?? "earliest");
      else if (typeof mode === "object") starts.set(id, byTime!.get(id) ?? "latest");
      else starts.set(id, mode);
    }
    const reader = this.#reader!;
    if (this.#opts.bounded) {
      const unknown = fresh.filter((f) => !this.#restoredStops.has(tp(f.topic, f.partition)));
      const latest = new Map<string, bigint>();
      if (unknown.length > 0) {
        await reader.assign(unknown.map((f) => ({ ...f, offset: "latest" })));
        for (const p of reader.positions()) latest.set(tp(p.topic, p.partition), p.offset);
      }
      for (const id of starts.keys()) {
        const stop = this.#restoredStops.get(id) ?? latest.get(id);
        if (stop === undefined || this.#ends.has(id)) continue;
        this.#ends.set(id, stop);
        this.#stops.set(id, stop);
      }
    }
    await reader.assign(fresh.map((f) => ({ ...f, offset: starts.get(tp(f.topic, f.partition))! })));
    for (const p of reader.positions()) {
      const id = tp(p.topic, p.partition);
      if (!starts.has(id)) continue;
      this.#positions.set(id, { topic: p.topic, partition: p.partition, offset: p.offset });
      this.#newSplits.push(id);
    }
    this.#wake?.();
  }

  /**
   * Warns, once per start and from subtask 0 only (so once per job, whatever runs the subtasks),
   * when some subtasks own no partition: they read nothing and are marked idle (see `poll`), which
   * keeps watermarks going, but their parallelism is wasted, which an operator may not expect.
   */
  #warnUnusedSubtasks(counts: ReadonlyMap<string, number>): void {
    const parallelism = this.#ctx.parallelism;
    const unused = parallelism - this.#owners(counts, parallelism).size;
    if (unused <= 0) return;
    let fits = parallelism - 1;
    while (fits > 1 && this.#owners(counts, fits).size < fits) fits--;
    const plural = counts.size === 1 ? "" : "s";
    const what = [...counts].map(([t, n]) => `"${t}" (${n} partition${n === 1 ? "" : "s"})`).join(", ");
    this.#ctx.log?.(
      `warning: kafkaSource: ${unused} of the source's ${parallelism} subtasks read no partition of topic${plural} ${what}: ` +
        "they are marked idle so that watermarks still advance, but that parallelism is wasted. " +
        `Add partitions to the topic${plural}, or lower the source's parallelism to ${fits}.`,
    );
  }

  /** The subtasks that own at least one of these partitions at `parallelism`. */
  #owners(counts: ReadonlyMap<string, number>, parallelism: number): Set<number> {
    const owners = new Set<number>();
    for (const [topic, n] of counts)
      for (let p = 0; p < n; p++) owners.add(this.#ownerOf(topic, p, parallelism));
    return owners;
  }

  /** The subtask that reads `partition` of `topic` at `parallelism`. */
  #ownerOf(topic: string, partition: number, parallelism: number): number {
    if (this.#opts.partitionAssignment === "by-index") return partition % parallelism;
    return partitionOwner(topic, partition, parallelism);
  }

  /** A client for metadata and offset queries (it never joins a group). */
  #offsetsClient(): Consumer<Buffer, Buffer, Buffer, Buffer> {
    if (!this.#offsets) {
      const merged = { ...this.#props, "group.id": "fleuve-source-metadata" };
      this.#offsets = new Consumer<Buffer, Buffer, Buffer, Buffer>({
        ...commonOptions(merged, "fleuve-source-offsets"),
        groupId: "fleuve-source-metadata",
      });
    }
    return this.#offsets;
  }

  async #committedOffsets(parts: { topic: string; partition: number }[]): Promise<Map<string, bigint>> {
    const committed = await this.#client!.groupOffsets(this.#opts.group!);
    const out = new Map<string, bigint>();
    for (const p of parts) {
      const o = committed.get(`${p.topic}:${p.partition}`);
      if (o !== undefined) out.set(tp(p.topic, p.partition), o);
    }
    return out;
  }

  async #offsetsForTime(
    parts: { topic: string; partition: number }[],
    timestamp: number,
  ): Promise<Map<string, bigint>> {
    const topics = [...new Set(parts.map((p) => p.topic))];
    const res = await this.#offsetsClient().listOffsets({ topics, timestamp: BigInt(timestamp) });
    const out = new Map<string, bigint>();
    for (const [topic, offs] of res) {
      offs.forEach((o, p) => {
        if (o !== undefined && o >= 0n) out.set(tp(topic, p), o);
      });
    }
    return out;
  }

  snapshot(checkpointId: number): Positions {
    const entry = (id: string, topic: string, partition: number, offset: bigint): Positions[number] => {
      const stop = this.#stops.get(id) ?? this.#restoredStops.get(id);
      return stop === undefined
        ? [topic, partition, offset.toString()]
        : [topic, partition, offset.toString(), stop.toString()];
    };
    const out: Positions = [];
    for (const [id, p] of this.#positions) out.push(entry(id, p.topic, p.partition, p.offset));
    // Not assigned yet (startup is asynchronous): keep the restored offsets, or they would be lost.
    for (const [id, off] of this.#restored) {
      if (this.#positions.has(id)) continue;
      const i = id.lastIndexOf("-");
      out.push(entry(id, id.slice(0, i), Number(id.slice(i + 1)), off));
    }
    // Kept only for group commits: without a group nothing would take them out again.
    if (this.#opts.group) this.#committing.set(checkpointId, out);
    return out;
  }

  restore(state: unknown): void {
    // Rescalable: every old reader's positions; keep the partitions this reader owns now.
    for (const positions of state as (Positions | undefined)[]) {
      for (const [topic, partition, offset, stop] of positions ?? []) {
        if (!this.#owns(topic, partition)) continue;
        this.#restored.set(tp(topic, partition), BigInt(offset));
        if (stop !== undefined) this.#restoredStops.set(tp(topic, partition), BigInt(stop));
      }
    }
  }

  notifyCheckpointComplete(checkpointId: number): void {
    const client = this.#client;
    const group = this.#opts.group;
    if (!client || !group || this.#closed) return;
    // The offsets of that very checkpoint (the runtime passes each checkpoint's id to snapshot()).
    let positions = this.#committing.get(checkpointId);
    for (const id of this.#committing.keys()) if (id <= checkpointId) this.#committing.delete(id);
    if (!positions || positions.length === 0 || this.#commitInFlight) return;
    this.#commitInFlight = true;
    const offsets = positions.map(([topic, partition, offset]) => ({
      topic,
      partition,
      offset: BigInt(offset),
      leaderEpoch: -1,
    }));
    positions = undefined;
    // Offsets in the group are for monitoring and "committed" starts, not for recovery: a failed
    // commit is retried by the next checkpoint rather than failing the job. Committed as Flink's
    // KafkaSource does, without joining the group (see KafkaAdmin.commitGroupOffsets).
    client
      .commitGroupOffsets(group, offsets)
      .then(
        () => {
          for (const o of offsets) this.#committed.set(`${o.topic}:${o.partition}`, o.offset);
          if (this.#commitFailure !== undefined) {
            this.#commitFailure = undefined;
            this.#ctx.log?.(`kafkaSource: offsets are committed to consumer group "${group}" again`);
          }
        },
        (e: unknown) => {
          const why = describeFailure(e);
          // Said once per distinct reason, not at every checkpoint.
          if (why !== this.#commitFailure && !this.#closed) {
            this.#ctx.log?.(
              `warning: kafkaSource: committing offsets to consumer group "${group}" failed (${why}); ` +
                "the job goes on (its offsets live in its checkpoints) and the next checkpoint tries again. " +
                "The group must have no active members: do not share its id with running consumers.",
            );
          }
          this.#commitFailure = why;
        },
      )
      .finally(() => {
        this.#commitInFlight = false;
      });
  }

  /**
   * Per owned partition (split id `topic-partition`): offsets between the next record this reader
   * emits and the head of the last fetch response (records fetched but not emitted count as
   * lag), and with a group, between the group's offset this reader last committed and the head.
   */
  splitMetrics(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    const heads = this.#reader?.heads();
    if (!heads) return out;
    for (const [id, pos] of this.#positions) {
      const key = `${pos.topic}:${pos.partition}`;
      const head = heads.get(key);
      if (head === undefined) continue;
      const figures: Record<string, number> = { recordsLag: lagOf(head, pos.offset) };
      const committed = this.#committed.get(key);
      if (committed !== undefined) figures.committedRecordsLag = lagOf(head, committed);
      out[id] = figures;
    }
    return out;
  }

  /** True once a bounded reader has emitted everything up to its end offsets. */
  get ended(): boolean {
    return this.#ended;
  }

  close(): void {
    this.#closed = true;
    this.#space?.();
    this.#wake?.();
    void this.#reader?.close().catch(() => {});
    void closeQuietly(this.#offsets);
    void this.#client?.close().catch(() => {});
  }
}

/** A client error's message with the broker's error names, which the client nests. */
function describeFailure(e: unknown): string {
  const names = apiErrorIds(e);
  const message = (e as Error)?.message ?? String(e);
  return names.length > 0 ? `${message} ${names.join(", ")}` : message;
}

function lagOf(head: bigint, offset: bigint): number {
  return head > offset ? Number(head - offset) : 0;
}

/** Partition count per topic; FLEUVE_SOURCE_FAILED naming a topic that does not exist. */
async function partitionCounts(
  c: Consumer<Buffer, Buffer, Buffer, Buffer>,
  topics: string[],
): Promise<Map<string, number>> {
  let md: Awaited<ReturnType<typeof c.metadata>>;
  try {
    md = await c.metadata({ topics, forceUpdate: true });
  } catch (err) {
    throw new FleuveError(
      "FLEUVE_SOURCE_FAILED",
      `kafkaSource: metadata of topic(s) ${topics.map((t) => `"${t}"`).join(", ")} failed: ${(err as Error).message.replace(/\.$/, "")}. Check that the topics exist (create them first).`,
      { cause: err, details: { topics } },
    );
  }
  const out = new Map<string, number>();
  for (const t of topics) {
    const info = md.topics.get(t);
    if (!info) {
      throw new FleuveError(
        "FLEUVE_SOURCE_FAILED",
        `kafkaSource: topic "${t}" does not exist; create it first.`,
        {
          details: { topic: t },
        },
      );
    }
    out.set(t, info.partitionsCount ?? info.partitions.length);
  }
  return out;
}
