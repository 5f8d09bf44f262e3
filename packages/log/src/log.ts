/**
 * The embedded log: a directory of topics, each with partitions of segment files, plus the
 * transaction coordinator and consumer group offsets. One writer process per directory (a lock
 * file enforces it) and any number of readers (`readOnly`), in other processes or this one, which
 * take no lock and follow the writer through the files.
 *
 * Layout under the root:
 *   .lock                              pid of the process that has the log open for writing
 *   topics/<topic>/topic.json          partitions and config
 *   topics/<topic>/<partition>/        segments: <base>.log .index .timeindex .txnindex .snapshot
 *   __transactions/state.json          transactional ids, producer ids/epochs, open transactions
 *   __consumer_offsets/<group>.json    committed offsets (+ <group>.json.lock while one is committed)
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { FleuveError, isFleuveError } from "@fleuve/core";
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
  /**
   * Open as a reader beside the writer process: no lock is taken and nothing of the log is ever
   * written, cut off or deleted. Reads see what the writer has appended up to the last batch whose
   * checksum holds, and follow it (new records, new segments, new topics, transaction markers) as
   * they reach the files. Consumer-group commits still work (they have their own lock). Writing
   * calls fail with FLEUVE_LOG_READ_ONLY. Default false.
   */
  readOnly?: boolean;
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

/**
 * Which file `file` is (inode and change time: a freed inode number may be reused at once), or
 * undefined when it does not exist.
 */
function fileIdentity(file: string): string | undefined {
  try {
    const st = fs.statSync(file, { bigint: true });
    return `${st.ino}/${st.ctimeNs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** An open log directory. Create with {@link openLog}; call {@link Log.close} when done. */
export class Log {
  readonly dir: string;
  /** Opened with `readOnly` (see {@link LogOptions.readOnly}). */
  readonly readOnly: boolean;
  private readonly topicsDir: string;
  private readonly groupsDir: string;
  private readonly topics = new Map<string, Topic>();
  /** A reader's identity of each loaded topic's topic.json (see {@link refreshTopics}). */
  private readonly topicFiles = new Map<string, string>();
  private readonly defaults: TopicConfig;
  private readonly clock: () => number;
  /** The writer's; a reader has none (it reads transaction outcomes from the markers). */
  private readonly coordinator: TransactionCoordinator | undefined;
  private readonly release: () => void;
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly retentionCheckMs: number;
  private lastRetentionCheck = Date.now();

  /** @internal Use {@link openLog}. */
  constructor(opts: LogOptions = {}) {
    this.dir = path.resolve(opts.dir ?? path.join(process.cwd(), ".fleuve", "log"));
    this.clock = opts.clock ?? Date.now;
    this.retentionCheckMs = opts.retentionCheckIntervalMs ?? 5 * 60 * 1000;
    this.defaults = resolveTopicConfig(opts.defaultTopicConfig ?? {}, DEFAULT_TOPIC_CONFIG);
    this.readOnly = opts.readOnly === true;
    this.topicsDir = path.join(this.dir, "topics");
    this.groupsDir = path.join(this.dir, "__consumer_offsets");
    if (this.readOnly) {
      this.release = () => {};
      this.coordinator = undefined;
      this.timer = undefined;
      this.refreshTopics();
      return;
    }
    fs.mkdirSync(this.dir, { recursive: true });
    this.release = lockDirectory(this.dir);
    try {
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
    try {
      for (let p = 0; p < meta.partitions; p++) {
        const part = PartitionLog.open(
          meta.name,
          p,
          path.join(tdir, String(p)),
          meta.config,
          this.clock,
          this.readOnly,
        );
        part.onRoll = (pl) => this.maintainPartition(pl, this.topics.get(meta.name)!.config);
        parts.push(part);
      }
    } catch (err) {
      for (const part of parts) part.close();
      throw err;
    }
    const t = new Topic(meta.name, meta.config, parts);
    this.topics.set(meta.name, t);
    return t;
  }

  /**
   * A reader's view of the topics: loads topics the writer created since (once their
   * `topic.json`, written last, exists) and forgets deleted ones. With `only`, looks at that one
   * topic: a lookup of one topic stats one file instead of listing the directory.
   */
  private refreshTopics(only?: string): void {
    let names: string[];
    if (only !== undefined) names = [only];
    else {
      try {
        names = fs.readdirSync(this.topicsDir).filter((n) => !n.startsWith("."));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        names = [];
      }
      for (const [name, t] of this.topics) {
        if (!names.includes(name)) this.unloadTopic(name, t);
      }
    }
    for (const name of names) {
      if (!TOPIC_NAME.test(name)) continue;
      const metaFile = path.join(this.topicsDir, name, "topic.json");
      const loaded = this.topics.get(name);
      // topic.json is written once, when the topic is created: another file means the topic
      // was deleted and created again, and the open segments are the old topic's.
      const identity = fileIdentity(metaFile);
      if (loaded !== undefined) {
        if (identity === this.topicFiles.get(name)) continue;
        this.unloadTopic(name, loaded);
      }
      const meta = identity === undefined ? undefined : readJson<TopicMeta>(metaFile);
      if (meta === undefined) continue;
      try {
        this.loadTopic({ ...meta, config: resolveTopicConfig(meta.config) });
        this.topicFiles.set(name, identity!);
      } catch (err) {
        // Deleted by the writer while we opened it.
        const code = isFleuveError(err) ? err.code : (err as NodeJS.ErrnoException).code;
        if (code !== "ENOENT" && code !== "FLEUVE_LOG_TOPIC_NOT_FOUND") throw err;
      }
    }
  }

  private unloadTopic(name: string, t: Topic): void {
    for (const p of t.partitions) p.close();
    this.topics.delete(name);
    this.topicFiles.delete(name);
  }

  private checkWritable(what: string): void {
    this.checkOpen();
    if (this.readOnly) {
      throw new FleuveError(
        "FLEUVE_LOG_READ_ONLY",
        `Cannot ${what}: the log ${this.dir} is open read-only (readOnly: true); write through the process that has it open for writing.`,
        { details: { dir: this.dir } },
      );
    }
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
    this.checkWritable(`create topic ${JSON.stringify(name)}`);
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
    if (this.readOnly) this.refreshTopics();
    return [...this.topics.keys()].sort();
  }

  /** True when the topic exists. */
  hasTopic(name: string): boolean {
    if (this.readOnly && !this.closed) this.refreshTopics(name);
    return this.topics.has(name);
  }

  /** The topic handle; throws FLEUVE_LOG_TOPIC_NOT_FOUND. */
  topic(name: string): Topic {
    this.checkOpen();
    if (this.readOnly) this.refreshTopics(name);
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
    this.checkWritable(`delete topic ${JSON.stringify(name)}`);
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
    this.checkWritable("create a transactional producer");
    return new TransactionalProducer(this, this.coordinator!, transactionalId);
  }

  /** State of every transactional id (find `prepared` ones to finish after a restart). */
  transactions(): TransactionEntry[] {
    if (this.coordinator === undefined)
      return TransactionCoordinator.read(path.join(this.dir, "__transactions"));
    return this.coordinator.list();
  }

  /** Commits a transaction prepared before a restart (idempotent once committed). */
  recoverAndCommit(transactionalId: string): void {
    this.checkWritable("commit a transaction");
    this.coordinator!.recoverAndCommit(transactionalId);
  }

  /** Aborts a transaction left open or prepared before a restart (idempotent once aborted). */
  recoverAndAbort(transactionalId: string): void {
    this.checkWritable("abort a transaction");
    this.coordinator!.recoverAndAbort(transactionalId);
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
    this.checkWritable("apply retention");
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
    this.checkWritable(`compact topic ${JSON.stringify(topic)}`);
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
    this.checkWritable("flush");
    for (const t of this.topics.values()) for (const p of t.partitions) p.flush();
  }

  /** Syncs, writes indexes, closes files and releases the directory lock. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const t of this.topics.values()) for (const p of t.partitions) p.close();
    this.release();
  }
}

/** Opens (creating if needed) the log directory; see {@link LogOptions}. */
export function openLog(opts: LogOptions = {}): Log {
  return new Log(opts);
}
