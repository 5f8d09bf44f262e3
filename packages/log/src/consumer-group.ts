/**
 * Consumer groups: committed offsets per (topic, partition), stored durably as one small JSON file
 * per group, replaced atomically (write temp, fsync, rename) on each commit. One consumer instance
 * per group at a time (there is no rebalancing: an instance reads all partitions of a topic).
 *
 * Group offsets are not part of the log's data, so committing them does not need the log's
 * writer lock: readers (`fleuve consume --group`, a logSource in another job) commit beside the
 * writer process. A commit takes the group's own lock file `<group>.json.lock` (pid inside, held
 * for one file write; a dead holder's lock is taken over), re-reads the file, applies its offsets
 * and renames a temp file of its own over it. So two processes committing to one group never
 * lose each other's partitions or leave a torn file, and readers of the file see the old or the
 * new offsets, never a mix.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { readJson, writeFileAtomic } from "./fs-util.js";
import { withFileLock } from "./lock.js";
import type { Log } from "./log.js";
import type { IsolationLevel, LogRecord } from "./types.js";

/** A record with the partition it came from. */
export interface ConsumedRecord extends LogRecord {
  topic: string;
  partition: number;
}

/** Options for {@link ConsumerGroup.poll}. */
export interface PollOptions {
  maxRecords?: number;
  maxBytes?: number;
  /** Default `read_committed` (what exactly-once pipelines want). */
  isolation?: IsolationLevel;
  /** Where to start a partition without a committed offset (or one out of range). Default earliest. */
  autoOffsetReset?: "earliest" | "latest";
}

type Offsets = Record<string, Record<string, number>>;

/** A consumer group's committed offsets and an in-memory read position. Get one from `Log.consumerGroup(id)`. */
export class ConsumerGroup {
  readonly groupId: string;
  private readonly file: string;
  private readonly log: Log;
  private committedOffsets: Offsets;
  private readonly positions = new Map<string, number>();

  /** @internal */
  constructor(log: Log, dir: string, groupId: string) {
    this.log = log;
    this.groupId = groupId;
    this.file = path.join(dir, `${encodeURIComponent(groupId)}.json`);
    this.committedOffsets = readJson<Offsets>(this.file) ?? {};
  }

  /** The committed offset (next offset to read) of a partition, or undefined when none. */
  committed(topic: string, partition: number): number | undefined {
    return this.committedOffsets[topic]?.[String(partition)];
  }

  /** All committed offsets, by topic and partition. */
  offsets(): Readonly<Offsets> {
    return structuredClone(this.committedOffsets);
  }

  /** Durably commits offsets (each is the next offset to read). */
  commit(offsets: { topic: string; partition: number; offset: number }[]): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    withFileLock(`${this.file}.lock`, () => {
      const next = readJson<Offsets>(this.file) ?? {};
      for (const o of offsets) {
        const t = next[o.topic] ?? {};
        next[o.topic] = t;
        t[String(o.partition)] = o.offset;
      }
      writeFileAtomic(this.file, JSON.stringify(next), `${this.file}.${process.pid}.tmp`);
      this.committedOffsets = next;
    });
  }

  /** The in-memory read position of a partition (committed offset or reset policy when unset). */
  position(topic: string, partition: number, reset: "earliest" | "latest" = "earliest"): number {
    const k = `${topic}\u0000${partition}`;
    let pos = this.positions.get(k);
    if (pos === undefined) {
      const part = this.log.topic(topic).partition(partition);
      pos = this.committed(topic, partition);
      if (pos === undefined || pos < part.logStartOffset || pos > part.logEndOffset) {
        pos = reset === "earliest" ? part.logStartOffset : part.logEndOffset;
      }
      this.positions.set(k, pos);
    }
    return pos;
  }

  /** Moves the read position of a partition. */
  seek(topic: string, partition: number, offset: number): void {
    this.positions.set(`${topic}\u0000${partition}`, offset);
  }

  /** Moves every partition of `topic` to the first record with timestamp >= `ts` (or the end). */
  seekToTimestamp(topic: string, ts: number): void {
    const t = this.log.topic(topic);
    for (let p = 0; p < t.numPartitions; p++) {
      const part = t.partition(p);
      this.seek(topic, p, part.offsetForTimestamp(ts) ?? part.logEndOffset);
    }
  }

  /** Reads the next records of every partition of `topic` (partition order), advancing positions. */
  poll(topic: string, opts: PollOptions = {}): ConsumedRecord[] {
    const t = this.log.topic(topic);
    const max = opts.maxRecords ?? 500;
    const out: ConsumedRecord[] = [];
    for (let p = 0; p < t.numPartitions && out.length < max; p++) {
      const from = this.position(topic, p, opts.autoOffsetReset);
      const res = t.partition(p).fetch(from, {
        maxRecords: max - out.length,
        maxBytes: opts.maxBytes,
        isolation: opts.isolation ?? "read_committed",
      });
      for (const r of res.records) out.push({ ...r, topic, partition: p });
      this.seek(topic, p, res.nextOffset);
    }
    return out;
  }

  /** Commits the current read positions of every partition polled so far. */
  commitPositions(): void {
    const list: { topic: string; partition: number; offset: number }[] = [];
    for (const [k, offset] of this.positions) {
      const [topic, p] = k.split("\u0000") as [string, string];
      list.push({ topic, partition: Number(p), offset });
    }
    this.commit(list);
  }
}
