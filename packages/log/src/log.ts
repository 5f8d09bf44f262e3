/**
 * The embedded log: a directory of topics, each with partitions of segment files, plus the
 * transaction coordinator and consumer group offsets. One writer process per directory (a lock
 * file enforces it).
 *
 * Layout under the root:
 *   .lock                              pid of the process that has the log open
 *   topics/<topic>/topic.json          partitions and config
 *   topics/<topic>/<partition>/        segments: <base>.log .index .timeindex .txnindex .snapshot
 *   __transactions/state.json          transactional ids, producer ids/epochs, open transactions
 *   __consumer_offsets/<group>.json    committed offsets
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { FleuveError } from "@fleuve/core";
import { type CompactionStats, compactPartition } from "./compaction.js";
import { DEFAULT_TOPIC_CONFIG, resolveTopicConfig } from "./config.js";
import { ConsumerGroup } from "./consumer-group.js";
import { fsyncDir, readJson, writeFileAtomic } from "./fs-util.js";
import { lockDirectory } from "./lock.js";
import { PartitionLog } from "./partition-log.js";
import { Topic } from "./topic.js";
import { TransactionCoordinator, type TransactionEntry } from "./transaction-coordinator.js";
import { TransactionalProducer } from "./transactional-producer.js";
import type { TopicConfig, TopicDescription } from "./types.js";

/** Options for {@link openLog}. */
export interface LogOptions {
  /** Root directory. Default `.fleuve/log` under the current directory. */
  dir?: string;
  /** Defaults for topics created without some config keys. */
  defaultTopicConfig?: Partial<TopicConfig>;
  /** Wall clock in ms (tests inject one to drive retention, rolling and tombstone expiry). */
  clock?: () => number;
  /** How often (ms) the background timer syncs partitions with the `interval` fsync policy. Default 100. */
  flushCheckIntervalMs?: number;
  /** How often (ms) the background timer applies time/size retention (Kafka's log.retention.check.interval.ms). Default 5 minutes; 0 disables. */
  retentionCheckIntervalMs?: number;
}

/** Options for {@link Log.createTopic}. */
export interface CreateTopicOptions {
  partitions?: number;
  config?: Partial<TopicConfig>;
}

interface TopicMeta {
  name: string;
  partitions: number;
  config: TopicConfig;
}

// No leading dot: ".deleted-*" directories are deletion leftovers.
const TOPIC_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/** An open log directory. Create with {@link openLog}; call {@link Log.close} when done. */
export class Log {
  readonly dir: string;
  private readonly topicsDir: string;
  private readonly groupsDir: string;
  private readonly topics = new Map<string, Topic>();
  private readonly defaults: TopicConfig;
  private readonly clock: () => number;
  private readonly coordinator: TransactionCoordinator;
  private readonly release: () => void;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private readonly retentionCheckMs: number;
  private lastRetentionCheck = Date.now();

  /** @internal Use {@link openLog}. */
  constructor(opts: LogOptions = {}) {
    this.dir = path.resolve(opts.dir ?? path.join(process.cwd(), ".fleuve", "log"));
    this.clock = opts.clock ?? Date.now;
    this.retentionCheckMs = opts.retentionCheckIntervalMs ?? 5 * 60 * 1000;
    this.defaults = resolveTopicConfig(opts.defaultTopicConfig ?? {}, DEFAULT_TOPIC_CONFIG);
    fs.mkdirSync(this.dir, { recursive: true });
    this.release = lockDirectory(this.dir);
    try {
      this.topicsDir = path.join(this.dir, "topics");
      this.groupsDir = path.join(this.dir, "__consumer_offsets");
      fs.mkdirSync(this.topicsDir, { recursive: true });
      fs.mkdirSync(this.groupsDir, { recursive: true });
      for (const name of fs.readdirSync(this.topicsDir)) {
        const tdir = path.join(this.topicsDir, name);
        if (name.startsWith(".deleted-")) {
          fs.rmSync(tdir, { recursive: true, force: true });
          continue;
        }
        const meta = readJson<TopicMeta>(path.join(tdir, "topic.json"));
        if (meta === undefined) {
          // Creation crashed before the metadata was written: the topic never existed.
          fs.rmSync(tdir, { recursive: true, force: true });
          continue;
        }
        this.loadTopic({ ...meta, config: resolveTopicConfig(meta.config) });
      }
      this.coordinator = new TransactionCoordinator(
        path.join(this.dir, "__transactions"),
        (t, p) => this.topics.get(t)?.partitions[p],
      );
      this.coordinator.recover();
    } catch (err) {
      for (const t of this.topics.values()) for (const p of t.partitions) p.close();
      this.release();
      throw err;
    }
    this.timer = setInterval(() => this.flushDue(), opts.flushCheckIntervalMs ?? 100);
    this.timer.unref();
  }

  private loadTopic(meta: TopicMeta): Topic {
    const tdir = path.join(this.topicsDir, meta.name);
    const parts: PartitionLog[] = [];
    for (let p = 0; p < meta.partitions; p++) {
      const part = PartitionLog.open(meta.name, p, path.join(tdir, String(p)), meta.config, this.clock);
      part.onRoll = (pl) => this.maintainPartition(pl, this.topics.get(meta.name)!.config);
      parts.push(part);
    }
    const t = new Topic(meta.name, meta.config, parts);
    this.topics.set(meta.name, t);
    return t;
  }

  private flushDue(): void {
    const now = this.clock();
    for (const t of this.topics.values()) for (const p of t.partitions) p.maybeFlush(now);
    if (this.retentionCheckMs > 0 && Date.now() - this.lastRetentionCheck >= this.retentionCheckMs) {
      this.lastRetentionCheck = Date.now();
      this.enforceRetention();
    }
  }

  private checkOpen(): void {
    if (this.closed)
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `Log ${this.dir} is closed; open it again with openLog().`,
      );
  }

  /** Creates a topic. Throws FLEUVE_LOG_TOPIC_EXISTS if it exists. */
  createTopic(name: string, opts: CreateTopicOptions = {}): Topic {
    this.checkOpen();
    if (!TOPIC_NAME.test(name)) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `Topic name ${JSON.stringify(name)} is invalid; use 1-200 characters from A-Z a-z 0-9 . _ - (not starting with a dot).`,
        { details: { topic: name } },
      );
    }
    if (this.topics.has(name)) {
      throw new FleuveError(
        "FLEUVE_LOG_TOPIC_EXISTS",
        `Topic "${name}" already exists; delete it first or pick another name.`,
        {
          details: { topic: name },
        },
      );
    }
    const partitions = opts.partitions ?? 1;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 10000) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `Topic partitions must be an integer in 1..10000, got ${partitions}.`,
        {
          details: { option: "partitions", value: partitions },
        },
      );
    }
    const config = resolveTopicConfig(opts.config ?? {}, this.defaults);
    const tdir = path.join(this.topicsDir, name);
    fs.rmSync(tdir, { recursive: true, force: true });
    fs.mkdirSync(tdir, { recursive: true });
    const meta: TopicMeta = { name, partitions, config };
    const t = this.loadTopic(meta);
    writeFileAtomic(path.join(tdir, "topic.json"), JSON.stringify(meta, null, 2));
    fsyncDir(this.topicsDir);
    return t;
  }

  /** Names of all topics, sorted. */
  listTopics(): string[] {
    this.checkOpen();
    return [...this.topics.keys()].sort();
  }

  /** True when the topic exists. */
  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  /** The topic handle; throws FLEUVE_LOG_TOPIC_NOT_FOUND. */
  topic(name: string): Topic {
    this.checkOpen();
    const t = this.topics.get(name);
    if (t === undefined) {
      throw new FleuveError(
        "FLEUVE_LOG_TOPIC_NOT_FOUND",
        `Topic "${name}" does not exist; create it first (topics create ${name}).`,
        {
          details: { topic: name },
        },
      );
    }
    return t;
  }

  /** Partitions, config and offsets of a topic. */
  describeTopic(name: string): TopicDescription {
    const t = this.topic(name);
    return {
      name,
      partitions: t.numPartitions,
      config: { ...t.config },
      partitionInfo: t.partitions.map((p) => p.info()),
    };
  }

  /** Deletes a topic and its data (renamed away first, so a crash never leaves half a topic). */
  deleteTopic(name: string): void {
    const t = this.topic(name);
    for (const p of t.partitions) {
      for (const s of p.segments) s.close();
    }
    this.topics.delete(name);
    const tdir = path.join(this.topicsDir, name);
    const trash = path.join(this.topicsDir, `.deleted-${name}-${Date.now()}`);
    fs.renameSync(tdir, trash);
    fsyncDir(this.topicsDir);
    fs.rmSync(trash, { recursive: true, force: true });
  }

  /**
   * A transactional producer for `transactionalId`. Creating it aborts a transaction the previous
   * producer with this id left open and fences that producer (Kafka's initTransactions).
   */
  transactionalProducer(transactionalId: string): TransactionalProducer {
    this.checkOpen();
    return new TransactionalProducer(this, this.coordinator, transactionalId);
  }

  /** State of every transactional id (find `prepared` ones to finish after a restart). */
  transactions(): TransactionEntry[] {
    return this.coordinator.list();
  }

  /** Commits a transaction prepared before a restart (idempotent once committed). */
  recoverAndCommit(transactionalId: string): void {
    this.checkOpen();
    this.coordinator.recoverAndCommit(transactionalId);
  }

  /** Aborts a transaction left open or prepared before a restart (idempotent once aborted). */
  recoverAndAbort(transactionalId: string): void {
    this.checkOpen();
    this.coordinator.recoverAndAbort(transactionalId);
  }

  /** A consumer group handle with durable committed offsets. */
  consumerGroup(groupId: string): ConsumerGroup {
    this.checkOpen();
    return new ConsumerGroup(this, this.groupsDir, groupId);
  }

  private maintainPartition(p: PartitionLog, config: TopicConfig): CompactionStats | undefined {
    const now = this.clock();
    let stats: CompactionStats | undefined;
    if (config.cleanupPolicy !== "delete") stats = compactPartition(p, now, config.deleteRetentionMs);
    if (config.cleanupPolicy !== "compact") p.enforceRetention(now);
    return stats;
  }

  /** Applies retention (delete policies) to every partition of every topic (or one topic). Returns segments deleted. */
  enforceRetention(topic?: string): number {
    this.checkOpen();
    const now = this.clock();
    let n = 0;
    for (const t of topic === undefined ? this.topics.values() : [this.topic(topic)]) {
      if (t.config.cleanupPolicy === "compact") continue;
      for (const p of t.partitions) n += p.enforceRetention(now);
    }
    return n;
  }

  /** Runs one compaction pass over a compacted topic's partitions. */
  compact(topic: string): CompactionStats {
    const t = this.topic(topic);
    const total: CompactionStats = {
      segmentsCleaned: 0,
      recordsBefore: 0,
      recordsAfter: 0,
      bytesBefore: 0,
      bytesAfter: 0,
    };
    for (const p of t.partitions) {
      const s = compactPartition(p, this.clock(), t.config.deleteRetentionMs);
      for (const k of Object.keys(total) as (keyof CompactionStats)[]) total[k] += s[k];
    }
    return total;
  }

  /** fsyncs every partition. */
  flush(): void {
    this.checkOpen();
    for (const t of this.topics.values()) for (const p of t.partitions) p.flush();
  }

  /** Syncs, writes indexes, closes files and releases the directory lock. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const t of this.topics.values()) for (const p of t.partitions) p.close();
    this.release();
  }
}

/** Opens (creating if needed) the log directory; see {@link LogOptions}. */
export function openLog(opts: LogOptions = {}): Log {
  return new Log(opts);
}
