/**
 * On-disk record batch format. One batch = one write and one checksum.
 *
 * Layout (little-endian), modelled on Kafka's v2 batch:
 *   0  baseOffset      int64
 *   8  length          int32   bytes after this field (so a batch occupies 12 + length bytes)
 *   12 magic           int8    format version (1)
 *   13 crc             uint32  CRC32C of bytes [17, end)
 *   17 attributes      int16   bit 4 transactional, bit 5 control (Kafka's bits)
 *   19 lastOffsetDelta int32
 *   23 baseTimestamp   int64
 *   31 maxTimestamp    int64
 *   39 producerId      int64   -1 when not transactional
 *   47 producerEpoch   int16
 *   49 recordCount     int32
 *   53 records
 * Record: length int32 (bytes after it), offsetDelta int32, timestamp float64,
 *   keyLen int32 (-1 = null) + key, valueLen int32 (-1 = null) + value,
 *   headerCount int32, then per header nameLen int32 + UTF-8 name, valueLen int32 + value.
 * Fixed-width fields (not varints) because they decode faster in JavaScript.
 */

import { FleuveError } from "@fleuve/core";
import { crc32c } from "./crc32c.js";
import { readInt64, writeInt64 } from "./int64.js";
import type { Header, LogRecord, ProducerRecord } from "./types.js";

export const BATCH_HEADER_SIZE = 53;
/** Bytes before the length field's payload: baseOffset + length. */
export const LOG_OVERHEAD = 12;
export const MAGIC = 1;
const CRC_START = 17;

export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

/** Control record types, as in Kafka. */
export const CONTROL_ABORT = 0;
export const CONTROL_COMMIT = 1;

export const NO_PRODUCER_ID = -1;

/** Parsed fixed part of a batch; `position` is where it starts in the buffer it was read from. */
export interface BatchHeader {
  baseOffset: number;
  /** Total bytes the batch occupies, header included. */
  sizeInBytes: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  recordCount: number;
}

/** Options for {@link encodeBatch}. */
export interface EncodeOptions {
  baseOffset: number;
  producerId?: number;
  producerEpoch?: number;
  attributes?: number;
  /** Timestamp for records without one. */
  now: number;
}

function headerBytes(h: Header[] | undefined): number {
  if (h === undefined) return 0;
  let n = 0;
  for (const [name, value] of h) n += 8 + Buffer.byteLength(name, "utf8") + value.length;
  return n;
}

/** Encodes records into one batch with offsets `baseOffset ..`. The CRC is computed here. */
export function encodeBatch(records: readonly ProducerRecord[], opts: EncodeOptions): Buffer {
  let size = BATCH_HEADER_SIZE;
  for (const r of records) {
    size += 32 + (r.key ? r.key.length : 0) + (r.value ? r.value.length : 0) + headerBytes(r.headers);
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = BATCH_HEADER_SIZE;
  let baseTs = Number.POSITIVE_INFINITY;
  let maxTs = -1;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const ts = r.timestamp ?? opts.now;
    if (!Number.isFinite(ts)) {
      throw new FleuveError(
        "FLEUVE_LOG_RECORD_INVALID",
        `Record ${i} of the batch has timestamp ${String(ts)}; use milliseconds since the epoch (a finite number) or leave it out.`,
        { details: { index: i, timestamp: ts } },
      );
    }
    if (ts < baseTs) baseTs = ts;
    if (ts > maxTs) maxTs = ts;
    const start = pos;
    pos += 4;
    buf.writeInt32LE(i, pos);
    buf.writeDoubleLE(ts, pos + 4);
    pos += 12;
    const k = r.key;
    if (k == null) {
      buf.writeInt32LE(-1, pos);
      pos += 4;
    } else {
      buf.writeInt32LE(k.length, pos);
      pos += 4;
      buf.set(k, pos);
      pos += k.length;
    }
    const v = r.value;
    if (v == null) {
      buf.writeInt32LE(-1, pos);
      pos += 4;
    } else {
      buf.writeInt32LE(v.length, pos);
      pos += 4;
      buf.set(v, pos);
      pos += v.length;
    }
    const hs = r.headers;
    buf.writeInt32LE(hs ? hs.length : 0, pos);
    pos += 4;
    if (hs) {
      for (const [name, value] of hs) {
        const n = buf.write(name, pos + 4, "utf8");
        buf.writeInt32LE(n, pos);
        pos += 4 + n;
        buf.writeInt32LE(value.length, pos);
        pos += 4;
        buf.set(value, pos);
        pos += value.length;
      }
    }
    buf.writeInt32LE(pos - start - 4, start);
  }
  if (records.length === 0) baseTs = maxTs = opts.now;
  writeInt64(buf, opts.baseOffset, 0);
  buf.writeInt32LE(size - LOG_OVERHEAD, 8);
  buf.writeInt8(MAGIC, 12);
  buf.writeInt16LE(opts.attributes ?? 0, 17);
  buf.writeInt32LE(records.length - 1, 19);
  writeInt64(buf, baseTs, 23);
  writeInt64(buf, maxTs, 31);
  writeInt64(buf, opts.producerId ?? NO_PRODUCER_ID, 39);
  buf.writeInt16LE(opts.producerEpoch ?? -1, 47);
  buf.writeInt32LE(records.length, 49);
  buf.writeUInt32LE(crc32c(buf, CRC_START, size), 13);
  return buf;
}

/** Encodes a control batch (commit or abort marker) for one producer. */
export function encodeControlBatch(
  type: number,
  baseOffset: number,
  producerId: number,
  producerEpoch: number,
  now: number,
): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0); // control record version
  key.writeInt16BE(type, 2);
  return encodeBatch([{ key, value: null, timestamp: now }], {
    baseOffset,
    producerId,
    producerEpoch,
    attributes: ATTR_TRANSACTIONAL | ATTR_CONTROL,
    now,
  });
}

/** The control type (commit/abort) of a control batch's single record. */
export function controlType(buf: Buffer, batchPos: number): number {
  // First record: length(4) offsetDelta(4) ts(8) keyLen(4) key: version int16, type int16.
  return buf.readInt16BE(batchPos + BATCH_HEADER_SIZE + 20 + 2);
}

/**
 * Reads a batch header at `pos`. Returns null if fewer than {@link BATCH_HEADER_SIZE} bytes remain
 * or the length field is impossible (both signs of a torn write).
 */
export function readBatchHeader(buf: Buffer, pos: number, end = buf.length): BatchHeader | null {
  if (end - pos < BATCH_HEADER_SIZE) return null;
  const length = buf.readInt32LE(pos + 8);
  if (length < BATCH_HEADER_SIZE - LOG_OVERHEAD) return null;
  return {
    baseOffset: readInt64(buf, pos),
    sizeInBytes: length + LOG_OVERHEAD,
    magic: buf.readInt8(pos + 12),
    crc: buf.readUInt32LE(pos + 13),
    attributes: buf.readInt16LE(pos + 17),
    lastOffsetDelta: buf.readInt32LE(pos + 19),
    baseTimestamp: readInt64(buf, pos + 23),
    maxTimestamp: readInt64(buf, pos + 31),
    producerId: readInt64(buf, pos + 39),
    producerEpoch: buf.readInt16LE(pos + 47),
    recordCount: buf.readInt32LE(pos + 49),
  };
}

/** True when the whole batch at `pos` is present and its CRC32C matches. */
export function batchIsValid(buf: Buffer, pos: number, h: BatchHeader, end = buf.length): boolean {
  if (h.magic !== MAGIC || pos + h.sizeInBytes > end) return false;
  return crc32c(buf, pos + CRC_START, pos + h.sizeInBytes) === h.crc;
}

/**
 * Decodes the records of the batch at `pos`, pushing those with offset >= `minOffset` into `out`
 * (at most `maxRecords`). Keys/values are views into `buf`, not copies.
 */
export function decodeRecords(
  buf: Buffer,
  pos: number,
  h: BatchHeader,
  out: LogRecord[],
  minOffset: number,
  maxRecords: number,
): void {
  // DataView reads are inlined by V8; Buffer#readInt32LE adds a bounds check per call.
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = pos + BATCH_HEADER_SIZE;
  const base = h.baseOffset;
  const n = h.recordCount;
  for (let i = 0; i < n && out.length < maxRecords; i++) {
    const next = p + 4 + dv.getInt32(p, true);
    const offset = base + dv.getInt32(p + 4, true);
    if (offset < minOffset) {
      p = next;
      continue;
    }
    const timestamp = dv.getFloat64(p + 8, true);
    p += 16;
    let key: Buffer | null = null;
    const kl = dv.getInt32(p, true);
    p += 4;
    if (kl >= 0) {
      key = buf.subarray(p, p + kl);
      p += kl;
    }
    let value: Buffer | null = null;
    const vl = dv.getInt32(p, true);
    p += 4;
    if (vl >= 0) {
      value = buf.subarray(p, p + vl);
      p += vl;
    }
    const hc = dv.getInt32(p, true);
    p += 4;
    let headers: Header[] = EMPTY_HEADERS;
    if (hc > 0) {
      headers = [];
      for (let j = 0; j < hc; j++) {
        const nl = dv.getInt32(p, true);
        const name = buf.toString("utf8", p + 4, p + 4 + nl);
        p += 4 + nl;
        const hl = dv.getInt32(p, true);
        headers.push([name, buf.subarray(p + 4, p + 4 + hl)]);
        p += 4 + hl;
      }
    }
    out.push({ offset, timestamp, key, value, headers });
    p = next;
  }
}

const EMPTY_HEADERS: Header[] = Object.freeze([]) as unknown as Header[];

/** Decodes every record of a batch with its producer-facing fields (for compaction rewrites). */
export function batchRecords(buf: Buffer, pos: number, h: BatchHeader): LogRecord[] {
  const out: LogRecord[] = [];
  decodeRecords(buf, pos, h, out, -Infinity, Number.POSITIVE_INFINITY);
  return out;
}

/** Encodes already-offset records (offsets kept, possibly with gaps) into one batch; used by compaction. */
export function encodeBatchWithOffsets(records: readonly LogRecord[], h: BatchHeader): Buffer {
  const base = h.baseOffset;
  const buf = encodeBatch(records, {
    baseOffset: base,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    attributes: h.attributes,
    now: h.baseTimestamp,
  });
  // Patch offset deltas to the original offsets, keep lastOffsetDelta of the original batch so
  // the next offset after a compacted batch stays what it was.
  let p = BATCH_HEADER_SIZE;
  for (const r of records) {
    buf.writeInt32LE(r.offset - base, p + 4);
    p += 4 + buf.readInt32LE(p);
  }
  buf.writeInt32LE(h.lastOffsetDelta, 19);
  buf.writeUInt32LE(crc32c(buf, CRC_START, buf.length), 13);
  return buf;
}
