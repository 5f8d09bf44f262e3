/**
 * One segment of a partition: `<baseOffset>.log` plus its `.index` (offset -> file position),
 * `.timeindex` (max timestamp before an offset), `.txnindex` (aborted transactions whose abort
 * marker lies here) and `.snapshot` (transactions open when the segment was created).
 *
 * Indexes are kept in memory and written to disk when the segment is rolled or the log is closed;
 * the active segment's indexes are rebuilt by the recovery scan on open, so they need no fsync on
 * the append path.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { FleuveError } from "@fleuve/core";
import { readAt, writeFileAtomic, writeFully } from "./fs-util.js";
import { readInt64, writeInt64 } from "./int64.js";
import { ATTR_CONTROL, type BatchHeader, batchIsValid, readBatchHeader } from "./record-batch.js";

/** An aborted transaction: records of `producerId` in `[firstOffset, lastOffset]` are not committed. */
export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
}

/** A transaction open in a partition: its producer, epoch and first offset there. */
export interface OngoingTxn {
  producerId: number;
  producerEpoch: number;
  firstOffset: number;
}

/** Kafka-style file name: the base offset zero-padded to 20 digits. */
export function segmentFileName(baseOffset: number, ext: string): string {
  return `${String(baseOffset).padStart(20, "0")}${ext}`;
}

const SCAN_CHUNK = 8 * 1024 * 1024;

/** Called for each batch a scan finds; `buf[pos..]` holds the whole batch. Return false to stop. */
export type BatchVisitor = (h: BatchHeader, buf: Buffer, pos: number, filePos: number) => unknown;

/** One segment's files and in-memory indexes. */
export class Segment {
  readonly baseOffset: number;
  readonly dir: string;
  fd: number;
  size = 0;
  /** Offset after the last batch in this segment (baseOffset when empty). */
  nextOffset: number;
  /** Largest record timestamp in this segment (-1 when empty). */
  maxTimestamp = -1;
  /** Timestamp of the first batch. */
  firstTimestamp = -1;
  /**
   * Wall-clock time this segment started receiving data in this process (-1 = not yet): time-based
   * rolling uses it rather than record timestamps, so replaying old data does not roll every batch.
   */
  rollClockStart = -1;
  /** Offset index: relative offset and file position of selected batch starts, ascending. */
  idxOffsets: number[] = [];
  idxPositions: number[] = [];
  /** Time index: (max timestamp of all records before `offset`, offset), ascending in both. */
  timeTs: number[] = [];
  timeOffsets: number[] = [];
  aborted: AbortedTxn[] = [];
  private bytesSinceIndex = 0;
  private readonly indexInterval: number;

  /**
   * Opens the segment's `.log`: created (`create`), for appends, or with `readOnly` for a reader
   * beside the writer process (see `LogOptions.readOnly`).
   */
  constructor(
    dir: string,
    baseOffset: number,
    indexIntervalBytes: number,
    create: boolean,
    readOnly = false,
  ) {
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.nextOffset = baseOffset;
    this.indexInterval = indexIntervalBytes;
    const p = this.path(".log");
    this.fd = fs.openSync(p, create ? "wx+" : readOnly ? "r" : "r+");
    this.size = fs.fstatSync(this.fd).size;
  }

  /** Path of one of this segment's files. */
  path(ext: string): string {
    return path.join(this.dir, segmentFileName(this.baseOffset, ext));
  }

  /** Appends an encoded batch whose header is `h` at the end of the file. */
  append(buf: Buffer, h: BatchHeader): void {
    this.noteBatch(h, this.size);
    writeFully(this.fd, buf, this.size);
    this.size += buf.length;
  }

  /** Updates indexes and counters for a batch stored at `filePos`. */
  noteBatch(h: BatchHeader, filePos: number): void {
    if (this.idxOffsets.length === 0 || this.bytesSinceIndex >= this.indexInterval) {
      this.idxOffsets.push(h.baseOffset - this.baseOffset);
      this.idxPositions.push(filePos);
      const lastTs = this.timeTs.length > 0 ? this.timeTs[this.timeTs.length - 1]! : -1;
      if (this.maxTimestamp > lastTs) {
        this.timeTs.push(this.maxTimestamp);
        this.timeOffsets.push(h.baseOffset);
      }
      this.bytesSinceIndex = 0;
    }
    this.bytesSinceIndex += h.sizeInBytes;
    if (this.firstTimestamp < 0) this.firstTimestamp = h.baseTimestamp;
    if ((h.attributes & ATTR_CONTROL) === 0 && h.maxTimestamp > this.maxTimestamp)
      this.maxTimestamp = h.maxTimestamp;
    this.nextOffset = h.baseOffset + h.lastOffsetDelta + 1;
  }

  /** File position from which to scan for `offset` (the floor offset-index entry). */
  lookup(offset: number): number {
    const rel = offset - this.baseOffset;
    const a = this.idxOffsets;
    let lo = 0;
    let hi = a.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]! <= rel) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best < 0 ? 0 : this.idxPositions[best]!;
  }

  /** Offset from which to scan for the first record with timestamp >= `ts`. */
  timeLookup(ts: number): number {
    const a = this.timeTs;
    let lo = 0;
    let hi = a.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]! < ts) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best < 0 ? this.baseOffset : this.timeOffsets[best]!;
  }

  /** Reads `length` bytes at `position`. */
  read(position: number, length: number): Buffer {
    return readAt(this.fd, position, Math.min(length, this.size - position));
  }

  /**
   * Visits batches from `fromPos` to the end of the file. Stops at the first batch that is torn
   * (incomplete) or, with `verify`, fails its checksum, and returns its position as `badPos`.
   */
  scan(fromPos: number, verify: boolean, visit: BatchVisitor): { endPos: number; badPos: number | null } {
    let filePos = fromPos;
    while (filePos < this.size) {
      const chunk = this.read(filePos, SCAN_CHUNK);
      let pos = 0;
      while (pos < chunk.length) {
        const h = readBatchHeader(chunk, pos);
        if (h === null) {
          if (chunk.length - pos < 53 && filePos + chunk.length < this.size) break; // header spans chunks
          return { endPos: filePos + pos, badPos: filePos + pos };
        }
        if (pos + h.sizeInBytes > chunk.length) {
          if (filePos + pos + h.sizeInBytes > this.size)
            return { endPos: filePos + pos, badPos: filePos + pos };
          if (pos === 0) {
            // Batch larger than the chunk: read it whole.
            const big = this.read(filePos, h.sizeInBytes);
            if (verify && !batchIsValid(big, 0, h)) return { endPos: filePos, badPos: filePos };
            if (visit(h, big, 0, filePos) === false) return { endPos: filePos + h.sizeInBytes, badPos: null };
            pos = h.sizeInBytes;
          }
          break;
        }
        if (verify && !batchIsValid(chunk, pos, h)) return { endPos: filePos + pos, badPos: filePos + pos };
        if (visit(h, chunk, pos, filePos + pos) === false) {
          return { endPos: filePos + pos + h.sizeInBytes, badPos: null };
        }
        pos += h.sizeInBytes;
      }
      if (pos === 0) return { endPos: filePos, badPos: filePos };
      filePos += pos;
    }
    return { endPos: filePos, badPos: null };
  }

  /** Cuts the file at `position` (dropping a torn tail) and syncs the truncation. */
  truncateTo(position: number): void {
    fs.ftruncateSync(this.fd, position);
    fs.fsyncSync(this.fd);
    this.size = position;
  }

  /** Forgets in-memory index state before a rebuild. */
  resetIndexes(): void {
    this.idxOffsets = [];
    this.idxPositions = [];
    this.timeTs = [];
    this.timeOffsets = [];
    this.aborted = [];
    this.bytesSinceIndex = 0;
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.firstTimestamp = -1;
  }

  /** fsyncs the segment data. */
  flush(): void {
    fs.fdatasyncSync(this.fd);
  }

  /**
   * Writes the index files durably. The time index ends with a closing entry
   * (segment max timestamp, next offset) so that both can be restored without a scan.
   */
  writeIndexes(): void {
    const n = this.idxOffsets.length;
    const idx = Buffer.allocUnsafe(n * 8);
    for (let i = 0; i < n; i++) {
      idx.writeInt32LE(this.idxOffsets[i]!, i * 8);
      idx.writeInt32LE(this.idxPositions[i]!, i * 8 + 4);
    }
    writeFileAtomic(this.path(".index"), idx);
    const t = this.timeTs.length;
    const tidx = Buffer.allocUnsafe((t + 1) * 16);
    for (let i = 0; i < t; i++) {
      writeInt64(tidx, this.timeTs[i]!, i * 16);
      writeInt64(tidx, this.timeOffsets[i]!, i * 16 + 8);
    }
    writeInt64(tidx, this.maxTimestamp, t * 16);
    writeInt64(tidx, this.nextOffset, t * 16 + 8);
    writeFileAtomic(this.path(".timeindex"), tidx);
    const txn = Buffer.allocUnsafe(this.aborted.length * 24 + 8);
    writeInt64(txn, this.firstTimestamp, 0);
    this.aborted.forEach((a, i) => {
      writeInt64(txn, a.producerId, 8 + i * 24);
      writeInt64(txn, a.firstOffset, 8 + i * 24 + 8);
      writeInt64(txn, a.lastOffset, 8 + i * 24 + 16);
    });
    writeFileAtomic(this.path(".txnindex"), txn);
  }

  /** Loads index files written by {@link writeIndexes}; false when missing or inconsistent with the log. */
  loadIndexes(): boolean {
    let idx: Buffer;
    let tidx: Buffer;
    let txn: Buffer;
    try {
      idx = fs.readFileSync(this.path(".index"));
      tidx = fs.readFileSync(this.path(".timeindex"));
      txn = fs.readFileSync(this.path(".txnindex"));
    } catch {
      return false;
    }
    if (idx.length % 8 !== 0 || tidx.length % 16 !== 0 || tidx.length < 16 || (txn.length - 8) % 24 !== 0) {
      return false;
    }
    this.resetIndexes();
    for (let i = 0; i < idx.length; i += 8) {
      const pos = idx.readInt32LE(i + 4);
      if (pos >= this.size && this.size > 0) return false;
      this.idxOffsets.push(idx.readInt32LE(i));
      this.idxPositions.push(pos);
    }
    const t = tidx.length / 16 - 1;
    for (let i = 0; i < t; i++) {
      this.timeTs.push(readInt64(tidx, i * 16));
      this.timeOffsets.push(readInt64(tidx, i * 16 + 8));
    }
    this.maxTimestamp = readInt64(tidx, t * 16);
    this.nextOffset = readInt64(tidx, t * 16 + 8);
    this.firstTimestamp = readInt64(txn, 0);
    for (let i = 8; i < txn.length; i += 24) {
      this.aborted.push({
        producerId: readInt64(txn, i),
        firstOffset: readInt64(txn, i + 8),
        lastOffset: readInt64(txn, i + 16),
      });
    }
    return true;
  }

  /**
   * {@link loadIndexes} for a reader: compaction may swap the `.log` (rename) and its indexes while
   * a reader opens the segment, so the indexes count only if the path still names the file this
   * segment has open (a swap removes the indexes before the rename and writes new ones after it).
   */
  loadIndexesOfOpenFile(): boolean {
    if (!this.loadIndexes()) return false;
    try {
      return fs.statSync(this.path(".log")).ino === fs.fstatSync(this.fd).ino;
    } catch {
      return false;
    }
  }

  /** Removes index files (before the log file is replaced, so stale indexes are never trusted). */
  removeIndexes(): void {
    for (const ext of [".index", ".timeindex", ".txnindex"]) fs.rmSync(this.path(ext), { force: true });
  }

  /**
   * Writes the snapshot for a segment about to be created. Done before its `.log` exists, so a
   * segment file never exists without the transaction state it starts with.
   */
  static writeSnapshotFor(dir: string, baseOffset: number, ongoing: Iterable<OngoingTxn>): void {
    writeFileAtomic(path.join(dir, segmentFileName(baseOffset, ".snapshot")), JSON.stringify([...ongoing]));
  }

  /** Reads the snapshot of transactions open at this segment's start (empty if none). */
  readSnapshot(): OngoingTxn[] {
    try {
      return JSON.parse(fs.readFileSync(this.path(".snapshot"), "utf8")) as OngoingTxn[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new FleuveError(
        "FLEUVE_LOG_CORRUPT",
        `Snapshot ${this.path(".snapshot")} is unreadable; delete it to rebuild.`,
        {
          cause: err,
        },
      );
    }
  }

  /** Closes the segment file. */
  close(): void {
    fs.closeSync(this.fd);
  }

  /** Closes and deletes all files of this segment. */
  deleteFiles(): void {
    this.close();
    for (const ext of [".log", ".index", ".timeindex", ".txnindex", ".snapshot"]) {
      fs.rmSync(this.path(ext), { force: true });
    }
  }
}
