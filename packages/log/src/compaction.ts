/**
 * Log compaction: keep only the last record per key in the closed segments below the last stable
 * offset. Tombstones (null values) are kept for `deleteRetentionMs` after their timestamp so that
 * readers get a chance to see the delete, then dropped. Records of aborted transactions are dropped;
 * control markers are kept. Offsets never change (compaction leaves gaps), as in Kafka.
 */

import * as fs from "node:fs";
import { FleuveError } from "@fleuve/core";
import { fsyncDir, writeFully } from "./fs-util.js";
import type { PartitionLog } from "./partition-log.js";
import { ATTR_CONTROL, ATTR_TRANSACTIONAL, batchRecords, encodeBatchWithOffsets } from "./record-batch.js";
import { Segment } from "./segment.js";

/** What one compaction pass did. */
export interface CompactionStats {
  segmentsCleaned: number;
  recordsBefore: number;
  recordsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
}

/** Runs one compaction pass over `p`. `now` decides which tombstones are old enough to drop. */
export function compactPartition(p: PartitionLog, now: number, deleteRetentionMs: number): CompactionStats {
  const stats: CompactionStats = {
    segmentsCleaned: 0,
    recordsBefore: 0,
    recordsAfter: 0,
    bytesBefore: 0,
    bytesAfter: 0,
  };
  const lso = p.lastStableOffset;
  // Cleanable: closed segments that end at or below the LSO (no open transaction inside).
  let n = 0;
  while (n < p.segments.length - 1 && p.segments[n + 1]!.baseOffset <= lso) n++;
  if (n === 0) return stats;

  // Pass 1: last offset of each key in the cleanable range.
  const last = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const seg = p.segments[i]!;
    const res = seg.scan(0, true, (h, buf, pos) => {
      if ((h.attributes & ATTR_CONTROL) !== 0) return;
      if ((h.attributes & ATTR_TRANSACTIONAL) !== 0 && p.isAbortedBatch(h.producerId, h.baseOffset)) return;
      for (const r of batchRecords(buf, pos, h)) {
        if (r.key !== null) last.set(r.key.toString("latin1"), r.offset);
      }
    });
    if (res.badPos !== null) corrupt(p, seg, res.badPos);
  }

  // Pass 2: rewrite each segment with the survivors and swap it in.
  const horizon = now - deleteRetentionMs;
  for (let i = 0; i < n; i++) {
    const old = p.segments[i]!;
    const parts: Buffer[] = [];
    let changed = false;
    const res = old.scan(0, true, (h, buf, pos) => {
      const whole = buf.subarray(pos, pos + h.sizeInBytes);
      if ((h.attributes & ATTR_CONTROL) !== 0) {
        parts.push(whole);
        return;
      }
      const recs = batchRecords(buf, pos, h);
      stats.recordsBefore += recs.length;
      if ((h.attributes & ATTR_TRANSACTIONAL) !== 0 && p.isAbortedBatch(h.producerId, h.baseOffset)) {
        changed = true;
        return;
      }
      const keep = recs.filter(
        (r) =>
          r.key === null ||
          (last.get(r.key.toString("latin1")) === r.offset && !(r.value === null && r.timestamp < horizon)),
      );
      stats.recordsAfter += keep.length;
      if (keep.length === recs.length) parts.push(whole);
      else {
        changed = true;
        if (keep.length > 0) parts.push(encodeBatchWithOffsets(keep, h));
      }
    });
    if (res.badPos !== null) corrupt(p, old, res.badPos);
    stats.bytesBefore += old.size;
    if (!changed) {
      stats.bytesAfter += old.size;
      continue;
    }
    const data = Buffer.concat(parts);
    stats.bytesAfter += data.length;
    const tmp = `${old.path(".log")}.cleaned`;
    const fd = fs.openSync(tmp, "w");
    writeFully(fd, data, 0);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    // Remove the old indexes before the swap: after a crash, missing indexes are rebuilt, stale ones
    // would be trusted.
    old.close();
    old.removeIndexes();
    fs.renameSync(tmp, old.path(".log"));
    fsyncDir(old.dir);
    const seg = new Segment(old.dir, old.baseOffset, p.indexIntervalBytes, false);
    seg.scan(0, false, (h, _b, _p, filePos) => {
      seg.noteBatch(h, filePos);
    });
    seg.nextOffset = old.nextOffset;
    seg.maxTimestamp = old.maxTimestamp;
    seg.firstTimestamp = old.firstTimestamp;
    seg.aborted = old.aborted;
    seg.writeIndexes();
    p.replaceSegment(i, seg);
    stats.segmentsCleaned++;
  }
  return stats;
}

function corrupt(p: PartitionLog, seg: Segment, position: number): never {
  throw new FleuveError(
    "FLEUVE_LOG_CORRUPT",
    `Compaction of ${p.topic}/${p.partition} found a batch failing its checksum at byte ${position} of ${seg.path(".log")}; restore the segment from a backup.`,
    { details: { topic: p.topic, partition: p.partition, position } },
  );
}
