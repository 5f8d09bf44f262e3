/**
 * Checkpoint file format of the LMDB backend: a sequence of frames
 * `u16 keyLength | key | u32 valueLength (0xFFFFFFFF = deleted) | value`, split into chunks so
 * no single buffer grows past {@link CHUNK_BYTES}.
 */

/** Largest file the writer produces (big state becomes several files). */
export const CHUNK_BYTES = 64 * 1024 * 1024;
const TOMBSTONE = 0xffffffff;

/** Accumulates frames into chunks. */
export class FrameWriter {
  readonly chunks: Buffer[] = [];
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;

  /** Adds an entry; `value` undefined records a deletion. */
  add(key: Uint8Array, value: Uint8Array | undefined): void {
    const need = 6 + key.length + (value?.length ?? 0);
    if (this.pos + need > this.buf.length) this.grow(need);
    this.buf.writeUInt16BE(key.length, this.pos);
    this.buf.set(key, this.pos + 2);
    this.pos += 2 + key.length;
    if (value === undefined) {
      this.buf.writeUInt32BE(TOMBSTONE, this.pos);
      this.pos += 4;
    } else {
      this.buf.writeUInt32BE(value.length, this.pos);
      this.buf.set(value, this.pos + 4);
      this.pos += 4 + value.length;
    }
  }

  private grow(need: number): void {
    if (this.pos + need > CHUNK_BYTES && this.pos > 0) {
      this.chunks.push(Buffer.from(this.buf.subarray(0, this.pos)));
      this.pos = 0;
      if (need <= this.buf.length) return;
    }
    const next = Buffer.allocUnsafe(
      Math.min(Math.max(this.buf.length * 2, this.pos + need), CHUNK_BYTES + need),
    );
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The finished chunks. */
  finish(): Buffer[] {
    if (this.pos > 0 || this.chunks.length === 0)
      this.chunks.push(Buffer.from(this.buf.subarray(0, this.pos)));
    this.pos = 0;
    return this.chunks;
  }
}

/** Calls `fn(key, value | undefined)` for every frame of a file. */
export function readFrames(data: Uint8Array, fn: (key: Buffer, value: Buffer | undefined) => void): void {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  while (pos < buf.length) {
    const kl = buf.readUInt16BE(pos);
    const key = buf.subarray(pos + 2, pos + 2 + kl);
    pos += 2 + kl;
    const vl = buf.readUInt32BE(pos);
    pos += 4;
    if (vl === TOMBSTONE) fn(key, undefined);
    else {
      fn(key, buf.subarray(pos, pos + vl));
      pos += vl;
    }
  }
}
