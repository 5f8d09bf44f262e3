/**
 * The log of one topic partition: an ordered list of segments, the append path, crash recovery,
 * fetch, time lookup, retention, and the per-partition transaction state (open transactions for
 * the last stable offset, aborted ranges for read_committed).
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { FleuveError } from "@fleuve/core";
import { fsyncDir } from "./fs-util.js";
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  type BatchHeader,
  batchIsValid,
  CONTROL_ABORT,
  controlType,
  decodeRecords,
  encodeBatch,
  encodeControlBatch,
  NO_PRODUCER_ID,
  readBatchHeader,
} from "./record-batch.js";
import { type AbortedTxn, type OngoingTxn, Segment, segmentFileName } from "./segment.js";
import type {
  FetchOptions,
  FetchResult,
  LogRecord,
  PartitionInfo,
  ProducerRecord,
  TopicConfig,
} from "./types.js";

/** Producer identity for transactional appends. */
export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * One partition's log. One writer process appends (the directory lock); readers in other
 * processes open it with `readOnly` and follow the writer through the files (see {@link refresh}).
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  /** Opened by a reader: never writes, truncates or deletes a file; re-reads the files to follow the writer. */
  readonly readOnly: boolean;
  segments: Segment[] = [];
  /** Open transactions by producer id. */
  readonly ongoing = new Map<number, OngoingTxn>();
  /** Aborted transactions by producer id, ascending by offset. */
  readonly aborted = new Map<number, AbortedTxn[]>();
  /** For a reader: the next segment's base of segments that were closed when the reader reached them. */
  private readonly successors = new Map<Segment, number>();
  private config: TopicConfig;
  private readonly clock: () => number;
  private lastFlush: number;
  private dirty = false;

  private constructor(
    topic: string,
    partition: number,
    dir: string,
    config: TopicConfig,
    clock: () => number,
    readOnly: boolean,
  ) {
    this.topic = topic;
    this.partition = partition;
    this.dir = dir;
    this.readOnly = readOnly;
    this.config = config;
    this.clock = clock;
    this.lastFlush = clock();
  }

  /**
   * Opens (creating if needed) the partition in `dir`, recovering the active segment's tail; with
   * `readOnly`, opens it as it is (see {@link loadReadOnly}).
   */
  static open(
    topic: string,
    partition: number,
    dir: string,
    config: TopicConfig,
    clock: () => number,
    readOnly = false,
  ): PartitionLog {
    if (!readOnly) fs.mkdirSync(dir, { recursive: true });
    const p = new PartitionLog(topic, partition, dir, config, clock, readOnly);
    if (readOnly) p.loadReadOnly();
    else p.load();
    return p;
  }

  /**
   * A reader's open: the segments as the writer left them. Closed segments are complete (the
   * writer finishes a segment before it creates the next); the last one may be written to right
   * now, so it is read up to its last batch whose checksum holds ({@link followTail}) and nothing
   * is cut off or rebuilt on disk.
   */
  private loadReadOnly(): void {
    for (let attempt = 1; ; attempt++) {
      try {
        this.loadReadOnlyOnce();
        return;
      } catch (err) {
        // Retention deleted a segment between the listing and its open: list again.
        if ((err as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 5) throw err;
        this.segments = [];
        this.ongoing.clear();
        this.aborted.clear();
      }
    }
  }

  private loadReadOnlyOnce(): void {
    const bases = this.listBases();
    if (bases.length === 0) {
      throw new FleuveError(
        "FLEUVE_LOG_TOPIC_NOT_FOUND",
        `Partition ${this.topic}/${this.partition} has no segments in ${this.dir} (the topic is being deleted?).`,
        { details: { topic: this.topic, partition: this.partition } },
      );
    }
    try {
      for (let i = 0; i < bases.length; i++) {
        const seg = new Segment(this.dir, bases[i]!, this.config.indexIntervalBytes, false, true);
        this.segments.push(seg);
        if (i < bases.length - 1) {
          if (!seg.loadIndexesOfOpenFile()) this.rebuildIndexes(seg);
          for (const a of seg.aborted) this.addAborted(a);
        } else {
          for (const o of seg.readSnapshot()) this.ongoing.set(o.producerId, o);
          seg.resetIndexes();
          seg.size = 0;
          // Rolled (and maybe compacted) since the listing: see openFollowing.
          const later = this.listBases().find((b) => b > seg.baseOffset);
          if (later !== undefined) this.successors.set(seg, later);
          this.followTail(seg);
        }
      }
    } catch (err) {
      for (const seg of this.segments) seg.close();
      throw err;
    }
  }

  /**
   * Reads what the writer appended to `seg` since the last look: batches from the end of what is
   * readable up to the file's current size, stopping before the first one that is incomplete or
   * fails its checksum (being written right now, or a torn tail the writer will cut off when it
   * reopens). `seg.size` stays at the end of the last good batch, so fetches never see the rest.
   */
  private followTail(seg: Segment): void {
    const fileSize = fs.fstatSync(seg.fd).size;
    if (fileSize <= seg.size) return;
    let end = seg.size;
    let expected = seg.nextOffset;
    const abortedBefore = seg.aborted.length;
    seg.size = fileSize;
    seg.scan(end, true, (h, buf, pos, filePos) => {
      // Offsets only grow; a batch that goes back is not a batch of this segment's history.
      if (h.baseOffset < expected) return false;
      expected = h.baseOffset + h.lastOffsetDelta + 1;
      seg.noteBatch(h, filePos);
      this.trackTxn(h, buf, pos, this.ongoing, seg);
      end = filePos + h.sizeInBytes;
      return true;
    });
    seg.size = end;
    for (const a of seg.aborted.slice(abortedBefore)) this.addAborted(a);
  }

  /**
   * For a reader: catches up with the writer. Reads the active segment's new batches and moves on
   * to the segment the writer rolled to: its file is named by the offset after the last batch of
   * the one before, so it is found once that batch is read. A segment that was closed already
   * when the reader reached it (the writer was ahead; compaction may have removed its last
   * records, and retention may have deleted it) is followed by the next one in the directory
   * listing instead. Segments retention deleted are forgotten (their files stay readable through
   * the open descriptors until then). A no-op for the writer.
   */
  refresh(): void {
    if (!this.readOnly) return;
    for (;;) {
      const seg = this.active;
      this.followTail(seg);
      let next: Segment | undefined;
      const successor = this.successors.get(seg);
      if (successor !== undefined) next = this.openFollowing(successor);
      else if (seg.nextOffset > seg.baseOffset) next = this.openFollowing(seg.nextOffset);
      if (next === undefined && !fs.existsSync(seg.path(".log"))) {
        // Retention deleted the segment being followed: the writer is past it, maybe past the
        // next ones too. Go on from the oldest segment left after it.
        const base = this.listBases().find((b) => b > seg.baseOffset);
        if (base !== undefined) next = this.openFollowing(base);
      }
      if (next === undefined) break;
      this.segments.push(next);
    }
    while (this.segments.length > 1 && !fs.existsSync(this.segments[0]!.path(".log"))) this.dropOldest();
  }

  /**
   * Opens the segment at `base` to follow it from its start, or returns undefined when it does not
   * exist. Listed after the open: if a later segment exists then, this one is closed and may be
   * compacted (its last offsets gone), so remember which segment follows it. If none does, it was
   * the writer's active segment when it was opened, so the descriptor holds the file the writer
   * appends to (compaction only replaces closed segments).
   */
  private openFollowing(base: number): Segment | undefined {
    // Checked first because this runs on every read of an idle partition: no exception to build.
    if (!fs.existsSync(path.join(this.dir, segmentFileName(base, ".log")))) return undefined;
    let seg: Segment;
    try {
      seg = new Segment(this.dir, base, this.config.indexIntervalBytes, false, true);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    seg.size = 0;
    const later = this.listBases().find((b) => b > base);
    if (later !== undefined) {
      this.successors.set(seg, later);
      // Transactions open at its start, as the writer recorded them when it rolled to it: the
      // markers of segments skipped by retention are gone.
      this.ongoing.clear();
      for (const o of seg.readSnapshot()) this.ongoing.set(o.producerId, o);
    }
    return seg;
  }

  /** Base offsets of the segments in the directory, ascending. */
  private listBases(): number[] {
    return fs
      .readdirSync(this.dir)
      .filter((n) => /^\d{20}\.log$/.test(n))
      .map((n) => Number(n.slice(0, 20)))
      .sort((a, b) => a - b);
  }

  private checkWritable(what: string): void {
    if (this.readOnly) {
      throw new FleuveError(
        "FLEUVE_LOG_READ_ONLY",
        `Cannot ${what} ${this.topic}/${this.partition}: the log ${path.resolve(this.dir, "../../..")} is open read-only; open it without readOnly (in the process that writes it) to write.`,
        { details: { topic: this.topic, partition: this.partition } },
      );
    }
  }

  private load(): void {
    const names = fs.readdirSync(this.dir);
    for (const n of names) {
      // Leftovers of an interrupted compaction swap or atomic write: the originals are intact.
      if (n.endsWith(".cleaned") || n.endsWith(".tmp")) fs.rmSync(path.join(this.dir, n), { force: true });
    }
    const bases = names
      .filter((n) => /^\d{20}\.log$/.test(n))
      .map((n) => Number(n.slice(0, 20)))
      .sort((a, b) => a - b);
    // Files of segments deleted by retention when a crash interrupted the deletion.
    const first = bases.length > 0 ? bases[0]! : Number.POSITIVE_INFINITY;
    for (const n of names) {
      const m = /^(\d{20})\.(index|timeindex|txnindex|snapshot)$/.exec(n);
      if (m !== null && Number(m[1]) < first) fs.rmSync(path.join(this.dir, n), { force: true });
    }
    if (bases.length === 0) {
      Segment.writeSnapshotFor(this.dir, 0, []);
      const seg = new Segment(this.dir, 0, this.config.indexIntervalBytes, true);
      fsyncDir(this.dir);
      this.segments.push(seg);
      return;
    }
    for (let i = 0; i < bases.length; i++) {
      const seg = new Segment(this.dir, bases[i]!, this.config.indexIntervalBytes, false);
      this.segments.push(seg);
      const active = i === bases.length - 1;
      if (active) this.recoverActive(seg);
      else if (!seg.loadIndexes()) this.rebuildIndexes(seg);
    }
    for (const seg of this.segments) for (const a of seg.aborted) this.addAborted(a);
  }

  /** Rebuilds a closed segment's indexes by scanning it (no truncation: it is not the tail). */
  private rebuildIndexes(seg: Segment): void {
    seg.resetIndexes();
    const ongoing = new Map(seg.readSnapshot().map((o) => [o.producerId, o]));
    const res = seg.scan(0, false, (h, buf, pos, filePos) => {
      seg.noteBatch(h, filePos);
      this.trackTxn(h, buf, pos, ongoing, seg);
    });
    if (res.badPos !== null) {
      throw new FleuveError(
        "FLEUVE_LOG_CORRUPT",
        `Segment ${seg.path(".log")} of ${this.topic}/${this.partition} has an unreadable batch at byte ${res.badPos} (not the log tail); restore it from a backup or delete the segment.`,
        { details: { topic: this.topic, partition: this.partition, position: res.badPos } },
      );
    }
    if (!this.readOnly) seg.writeIndexes();
  }

  /**
   * Scans the active segment verifying every checksum. A torn or failing batch at the tail is
   * cut off; one followed by a valid batch is corruption, not a torn write, and is reported.
   */
  private recoverActive(seg: Segment): void {
    seg.resetIndexes();
    const ongoing = new Map(seg.readSnapshot().map((o) => [o.producerId, o]));
    let expected = seg.baseOffset;
    let badOrder = -1;
    const res = seg.scan(0, true, (h, buf, pos, filePos) => {
      if (badOrder >= 0) return;
      // The active segment is never compacted, so its offsets are contiguous; the base offset is
      // outside the CRC (as in Kafka), so check it here.
      if (h.baseOffset !== expected) {
        badOrder = filePos;
        return;
      }
      expected = h.baseOffset + h.lastOffsetDelta + 1;
      seg.noteBatch(h, filePos);
      this.trackTxn(h, buf, pos, ongoing, seg);
    });
    let bad = res.badPos;
    if (badOrder >= 0 && (bad === null || badOrder < bad)) bad = badOrder;
    if (bad !== null) {
      if (this.validBatchFollows(seg, bad, expected)) {
        throw new FleuveError(
          "FLEUVE_LOG_CORRUPT",
          `Segment ${seg.path(".log")} of ${this.topic}/${this.partition} has a corrupt batch at byte ${bad} followed by valid data; this is not a torn write. Restore from a backup.`,
          { details: { topic: this.topic, partition: this.partition, position: bad } },
        );
      }
      if (badOrder >= 0) {
        // Re-scan up to the cut so indexes only cover kept batches.
        seg.truncateTo(bad);
        this.recoverActive(seg);
        return;
      }
      seg.truncateTo(bad);
    }
    for (const o of ongoing.values()) this.ongoing.set(o.producerId, o);
  }

  /** Whether a valid batch continuing the offsets starts right after the (claimed) batch at `bad`. */
  private validBatchFollows(seg: Segment, bad: number, expected: number): boolean {
    const head = seg.read(bad, 53);
    const h = readBatchHeader(head, 0);
    if (h === null) return false;
    const nextPos = bad + h.sizeInBytes;
    if (nextPos >= seg.size) return false;
    const nh = readBatchHeader(seg.read(nextPos, 53), 0);
    if (nh === null || nh.baseOffset < expected || nextPos + nh.sizeInBytes > seg.size) return false;
    return batchIsValid(seg.read(nextPos, nh.sizeInBytes), 0, nh);
  }

  /** Updates transaction tracking for one batch (open transactions, aborted ranges). */
  private trackTxn(
    h: BatchHeader,
    buf: Buffer,
    pos: number,
    ongoing: Map<number, OngoingTxn>,
    seg: Segment,
  ): void {
    if ((h.attributes & ATTR_TRANSACTIONAL) === 0) return;
    if ((h.attributes & ATTR_CONTROL) !== 0) {
      const o = ongoing.get(h.producerId);
      ongoing.delete(h.producerId);
      if (controlType(buf, pos) === CONTROL_ABORT && o !== undefined) {
        seg.aborted.push({ producerId: h.producerId, firstOffset: o.firstOffset, lastOffset: h.baseOffset });
      }
    } else if (!ongoing.has(h.producerId)) {
      ongoing.set(h.producerId, {
        producerId: h.producerId,
        producerEpoch: h.producerEpoch,
        firstOffset: h.baseOffset,
      });
    }
  }

  private addAborted(a: AbortedTxn): void {
    let list = this.aborted.get(a.producerId);
    if (list === undefined) this.aborted.set(a.producerId, (list = []));
    list.push(a);
  }

  /** Replaces the topic config (after an alter). */
  setConfig(config: TopicConfig): void {
    this.config = config;
  }

  /** Bytes between index entries (from the topic config). */
  get indexIntervalBytes(): number {
    return this.config.indexIntervalBytes;
  }

  /** The segment appends go to. */
  get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** First offset still stored (older segments were deleted by retention). */
  get logStartOffset(): number {
    this.refresh();
    return this.segments[0]!.baseOffset;
  }

  /** Offset the next appended record will get (for a reader: after the last readable batch). */
  get logEndOffset(): number {
    this.refresh();
    return this.active.nextOffset;
  }

  /** Single node: everything appended is "replicated", so the high watermark is the log end offset. */
  get highWatermark(): number {
    return this.logEndOffset;
  }

  /** First offset of the oldest open transaction, or the high watermark when none is open. */
  get lastStableOffset(): number {
    return this.stableBelow(this.highWatermark);
  }

  /** The last stable offset given the high watermark `hw` (no refresh: one consistent view). */
  private stableBelow(hw: number): number {
    let lso = hw;
    for (const o of this.ongoing.values()) if (o.firstOffset < lso) lso = o.firstOffset;
    return lso;
  }

  /** Bytes of all segment files. */
  get sizeInBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  /** Appends records as one batch. Transactional appends pass the producer identity. */
  append(
    records: readonly ProducerRecord[],
    producer?: ProducerIdentity,
  ): { baseOffset: number; lastOffset: number } {
    this.checkWritable("append to");
    const now = this.clock();
    const baseOffset = this.logEndOffset;
    if (records.length === 0) return { baseOffset, lastOffset: baseOffset - 1 };
    const buf = encodeBatch(records, {
      baseOffset,
      now,
      producerId: producer ? producer.producerId : NO_PRODUCER_ID,
      producerEpoch: producer ? producer.producerEpoch : -1,
      attributes: producer ? ATTR_TRANSACTIONAL : 0,
    });
    this.appendEncoded(buf, now);
    if (producer && !this.ongoing.has(producer.producerId)) {
      this.ongoing.set(producer.producerId, { ...producer, firstOffset: baseOffset });
    }
    return { baseOffset, lastOffset: baseOffset + records.length - 1 };
  }

  /**
   * Writes a commit or abort marker for `producerId` if it has an open transaction here.
   * Returns false when there was none (markers are idempotent for recovery roll-forward).
   */
  appendMarker(type: number, producer: ProducerIdentity): boolean {
    this.checkWritable("write a transaction marker to");
    const o = this.ongoing.get(producer.producerId);
    if (o === undefined) return false;
    const now = this.clock();
    const offset = this.logEndOffset;
    const buf = encodeControlBatch(type, offset, producer.producerId, producer.producerEpoch, now);
    this.appendEncoded(buf, now);
    this.ongoing.delete(producer.producerId);
    if (type === CONTROL_ABORT) {
      const a = { producerId: producer.producerId, firstOffset: o.firstOffset, lastOffset: offset };
      this.active.aborted.push(a);
      this.addAborted(a);
    }
    return true;
  }

  private appendEncoded(buf: Buffer, now: number): void {
    const h = readBatchHeader(buf, 0)!;
    const seg = this.active;
    if (seg.size > 0 && seg.rollClockStart < 0) seg.rollClockStart = now; // reopened non-empty segment
    if (
      seg.size > 0 &&
      (seg.size + buf.length > this.config.segmentBytes || now - seg.rollClockStart >= this.config.segmentMs)
    ) {
      this.roll();
    }
    if (this.active.rollClockStart < 0) this.active.rollClockStart = now;
    this.active.append(buf, h);
    this.dirty = true;
    if (this.config.fsync === "every-batch") this.flush();
    else if (now - this.lastFlush >= this.config.fsyncIntervalMs) this.flush();
  }

  /** Closes the active segment (synced, indexes written) and starts a new one at the log end offset. */
  roll(): void {
    this.checkWritable("roll");
    const old = this.active;
    if (old.size === 0) return;
    old.flush();
    old.writeIndexes();
    Segment.writeSnapshotFor(this.dir, old.nextOffset, this.ongoing.values());
    const seg = new Segment(this.dir, old.nextOffset, this.config.indexIntervalBytes, true);
    fsyncDir(this.dir);
    this.segments.push(seg);
    this.onRoll?.(this);
  }

  /** Hook run after each roll (the log uses it for retention and compaction). */
  onRoll: ((p: PartitionLog) => void) | undefined;

  /** fsyncs unsynced data. */
  flush(): void {
    if (!this.dirty) return;
    this.active.flush();
    this.dirty = false;
    this.lastFlush = this.clock();
  }

  /** For the interval policy: sync if the interval has elapsed. */
  maybeFlush(now: number): void {
    if (this.dirty && now - this.lastFlush >= this.config.fsyncIntervalMs) this.flush();
  }

  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let best = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  /** Whether the transactional batch of `producerId` at `offset` belongs to an aborted transaction. */
  isAbortedBatch(producerId: number, offset: number): boolean {
    const list = this.aborted.get(producerId);
    if (list === undefined) return false;
    for (const a of list) if (offset >= a.firstOffset && offset <= a.lastOffset) return true;
    return false;
  }

  /**
   * Reads records from `offset`. read_uncommitted reads up to the high watermark, read_committed
   * up to the last stable offset and skips aborted transactions. Control markers are never returned.
   */
  fetch(offset: number, opts: FetchOptions = {}): FetchResult {
    this.refresh();
    const start = this.segments[0]!.baseOffset;
    const hw = this.active.nextOffset;
    const lso = this.stableBelow(hw);
    if (offset < start || offset > hw) {
      throw new FleuveError(
        "FLEUVE_LOG_OFFSET_OUT_OF_RANGE",
        `Offset ${offset} is outside ${this.topic}/${this.partition} [${start}, ${hw}]; fetch from the log start or end offset instead.`,
        {
          details: {
            topic: this.topic,
            partition: this.partition,
            offset,
            logStartOffset: start,
            logEndOffset: hw,
          },
        },
      );
    }
    const committed = opts.isolation === "read_committed";
    const upper = committed ? lso : hw;
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    const maxRecords = opts.maxRecords ?? Number.POSITIVE_INFINITY;
    const checkCrcs = opts.checkCrcs ?? true;
    const records: LogRecord[] = [];
    let next = offset;
    let budget = maxBytes;
    let si = this.segmentIndexFor(offset);
    let filePos = this.segments[si]!.lookup(offset);
    outer: while (next < upper && records.length < maxRecords && si < this.segments.length) {
      const seg = this.segments[si]!;
      if (filePos >= seg.size) {
        si++;
        filePos = 0;
        continue;
      }
      let chunk = seg.read(filePos, Math.max(budget, 53));
      let pos = 0;
      while (pos < chunk.length) {
        let h = readBatchHeader(chunk, pos);
        if (h === null && chunk.length - pos >= 53) this.corrupt(seg, filePos + pos);
        if (h === null || pos + h.sizeInBytes > chunk.length) {
          // The next batch does not fit in what is left of maxBytes. Return what we have; if that is
          // nothing, return this batch whole (as Kafka does) so a reader can always make progress.
          if (records.length > 0) break outer;
          filePos += pos;
          h = readBatchHeader(seg.read(filePos, 53), 0);
          if (h === null || filePos + h.sizeInBytes > seg.size) this.corrupt(seg, filePos);
          chunk = seg.read(filePos, h.sizeInBytes);
          pos = 0;
        }
        const lastOffset = h.baseOffset + h.lastOffsetDelta;
        if (lastOffset < next) {
          pos += h.sizeInBytes;
          continue;
        }
        if (h.baseOffset >= upper) break outer;
        if (checkCrcs && !batchIsValid(chunk, pos, h)) this.corrupt(seg, filePos + pos);
        const attrs = h.attributes;
        if (
          (attrs & ATTR_CONTROL) !== 0 ||
          (committed && (attrs & ATTR_TRANSACTIONAL) !== 0 && this.isAbortedBatch(h.producerId, h.baseOffset))
        ) {
          next = lastOffset + 1;
        } else {
          decodeRecords(chunk, pos, h, records, next, maxRecords);
          const lastRead = records.length > 0 ? records[records.length - 1]!.offset : -1;
          if (records.length >= maxRecords && lastRead < lastOffset) {
            next = lastRead + 1;
            break outer;
          }
          next = lastOffset + 1;
        }
        pos += h.sizeInBytes;
        budget -= h.sizeInBytes;
        if (budget <= 0 || records.length >= maxRecords) {
          filePos += pos;
          break outer;
        }
      }
      filePos += pos;
    }
    // Gaps left by compaction at the end of the readable range: jump to the bound.
    if (records.length < maxRecords && si >= this.segments.length) next = Math.max(next, upper);
    return { records, nextOffset: next, logStartOffset: start, highWatermark: hw, lastStableOffset: lso };
  }

  private corrupt(seg: Segment, position: number): never {
    throw new FleuveError(
      "FLEUVE_LOG_CORRUPT",
      `Batch at byte ${position} of ${seg.path(".log")} (${this.topic}/${this.partition}) failed its checksum; restore the segment from a backup.`,
      { details: { topic: this.topic, partition: this.partition, position } },
    );
  }

  /**
   * The offset of the first record with timestamp >= `ts` (Kafka's offsetsForTimes), or null if
   * every record is older.
   */
  offsetForTimestamp(ts: number): number | null {
    this.refresh();
    for (const seg of this.segments) {
      if (seg.maxTimestamp < ts) continue;
      let from = seg.timeLookup(ts);
      const filePos = seg.lookup(from);
      let found: number | null = null;
      seg.scan(filePos, false, (h, buf, pos) => {
        if (h.baseOffset + h.lastOffsetDelta < from || (h.attributes & ATTR_CONTROL) !== 0) return true;
        if (h.maxTimestamp < ts) return true;
        const recs: LogRecord[] = [];
        decodeRecords(buf, pos, h, recs, from, Number.POSITIVE_INFINITY);
        for (const r of recs) {
          if (r.timestamp >= ts) {
            found = r.offset;
            return false;
          }
        }
        from = h.baseOffset + h.lastOffsetDelta + 1;
        return true;
      });
      if (found !== null) return found;
    }
    return null;
  }

  /** Deletes segments beyond the retention size/time (never the active one unless it is rolled first). */
  enforceRetention(now: number): number {
    this.checkWritable("apply retention to");
    const { retentionBytes, retentionMs } = this.config;
    let deleted = 0;
    if (retentionMs >= 0) {
      const act = this.active;
      if (
        act.size > 0 &&
        act.maxTimestamp >= 0 &&
        act.maxTimestamp < now - retentionMs &&
        this.ongoing.size === 0
      ) {
        const hook = this.onRoll;
        this.onRoll = undefined;
        this.roll();
        this.onRoll = hook;
      }
      while (this.segments.length > 1) {
        const s = this.segments[0]!;
        if (s.maxTimestamp >= now - retentionMs) break;
        this.dropOldest();
        deleted++;
      }
    }
    if (retentionBytes >= 0) {
      let total = this.sizeInBytes;
      while (this.segments.length > 1 && total - this.segments[0]!.size >= retentionBytes) {
        total -= this.segments[0]!.size;
        this.dropOldest();
        deleted++;
      }
    }
    if (deleted > 0) fsyncDir(this.dir);
    return deleted;
  }

  private dropOldest(): void {
    const s = this.segments.shift()!;
    for (const a of s.aborted) {
      const list = this.aborted.get(a.producerId);
      if (list) {
        const i = list.indexOf(a);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.aborted.delete(a.producerId);
      }
    }
    this.successors.delete(s);
    // A reader only closes: the writer deleted the files.
    if (this.readOnly) s.close();
    else s.deleteFiles();
  }

  /** Replaces segment `i` (compaction swap). */
  replaceSegment(i: number, seg: Segment): void {
    this.segments[i] = seg;
  }

  /** Offsets and sizes, for describe. */
  info(): PartitionInfo {
    this.refresh();
    const end = this.active.nextOffset;
    return {
      partition: this.partition,
      logStartOffset: this.segments[0]!.baseOffset,
      logEndOffset: end,
      highWatermark: end,
      lastStableOffset: this.stableBelow(end),
      segments: this.segments.length,
      sizeBytes: this.sizeInBytes,
    };
  }

  /** Syncs data and writes the active segment's indexes, then closes the files. */
  close(): void {
    if (!this.readOnly) {
      this.flush();
      this.active.writeIndexes();
    }
    for (const s of this.segments) s.close();
  }
}
