/**
 * LMDB key layout: keyGroup (2 bytes big-endian) + state name + 0x00 + type tag + normalized key.
 * Key group first makes a key-group range one contiguous key range (rescale, snapshots).
 */
import { FleuveError, type NormalizedKey } from "@fleuve/core";

const TAG_STRING = 0x73;
const TAG_NUMBER = 0x6e;
const TAG_TRUE = 0x74;
const TAG_FALSE = 0x66;
/** LMDB's key size limit (lmdb-js build). */
const MAX_KEY = 1978;

/** Encoded `name + 0x00`, validated once per state. */
export function namePrefix(name: string): Buffer {
  if (name.includes("\u0000")) {
    throw new FleuveError(
      "FLEUVE_STATE_INVALID",
      `state name ${JSON.stringify(name)} contains a NUL character, which the LMDB backend uses as a separator: rename the state`,
      { details: { state: name } },
    );
  }
  return Buffer.from(`${name}\u0000`, "utf8");
}

/** The LMDB key of (key group, state, normalized key). */
export function encodeKey(kg: number, prefix: Buffer, nk: NormalizedKey): Buffer {
  let body: Buffer;
  if (typeof nk === "string") {
    const len = Buffer.byteLength(nk, "utf8");
    const b = Buffer.allocUnsafe(2 + prefix.length + 1 + len);
    b.writeUInt16BE(kg, 0);
    prefix.copy(b, 2);
    b[2 + prefix.length] = TAG_STRING;
    b.write(nk, 3 + prefix.length, "utf8");
    if (b.length > MAX_KEY) throw tooLong(nk);
    return b;
  }
  if (typeof nk === "number") {
    body = Buffer.allocUnsafe(9);
    body[0] = TAG_NUMBER;
    body.writeDoubleBE(nk, 1);
  } else {
    body = Buffer.from([nk ? TAG_TRUE : TAG_FALSE]);
  }
  const b = Buffer.allocUnsafe(2 + prefix.length + body.length);
  b.writeUInt16BE(kg, 0);
  prefix.copy(b, 2);
  body.copy(b, 2 + prefix.length);
  return b;
}

/** The normalized key at the end of an LMDB key whose name prefix has `prefixLength` bytes. */
export function decodeNormalizedKey(key: Uint8Array, prefixLength: number): NormalizedKey {
  const at = 2 + prefixLength;
  const buf = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  switch (buf[at]) {
    case TAG_STRING:
      return buf.toString("utf8", at + 1);
    case TAG_NUMBER:
      return buf.readDoubleBE(at + 1);
    case TAG_TRUE:
      return true;
    default:
      return false;
  }
}

/** Key group of an LMDB key. */
export function keyGroupOfKey(key: Uint8Array): number {
  return (key[0]! << 8) | key[1]!;
}

/** [start, end) LMDB keys of state `prefix` in key group `kg`. */
export function stateRange(kg: number, prefix: Buffer): { start: Buffer; end: Buffer } {
  const start = Buffer.allocUnsafe(2 + prefix.length);
  start.writeUInt16BE(kg, 0);
  prefix.copy(start, 2);
  const end = Buffer.from(start);
  end[end.length - 1] = 0x01; // the 0x00 separator + 1: just past every key of this state
  return { start, end };
}

function tooLong(nk: string): FleuveError {
  return new FleuveError(
    "FLEUVE_STATE_INVALID",
    `key ${JSON.stringify(nk.slice(0, 80))}... is too long for the LMDB backend (keys are limited to ${MAX_KEY} bytes with the state name): use a shorter key or the heap backend`,
    { details: { keyLength: nk.length } },
  );
}
