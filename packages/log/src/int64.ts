/**
 * 64-bit integers as JS numbers (exact up to 2^53), read and written as two 32-bit halves:
 * cheaper than BigInt on the hot path, and offsets/timestamps never get near 2^53.
 */

const TWO32 = 4294967296;

/** Writes `n` (a safe integer, may be negative) as a little-endian int64 at `pos`. */
export function writeInt64(buf: Buffer, n: number, pos: number): void {
  const hi = Math.floor(n / TWO32);
  buf.writeUInt32LE(n - hi * TWO32, pos);
  buf.writeInt32LE(hi, pos + 4);
}

/** Reads a little-endian int64 at `pos` as a number. */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32LE(pos + 4) * TWO32 + buf.readUInt32LE(pos);
}
