/** Small synchronous file helpers: durable atomic replace, full writes and reads. */

import * as fs from "node:fs";
import * as path from "node:path";

/** fsyncs a directory so a rename or create inside it survives a crash. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Replaces `file` atomically and durably: write a temp file, fsync it, rename over, fsync the
 * directory. Files several processes may replace pass a `tmp` name of their own.
 */
export function writeFileAtomic(file: string, data: string | Buffer, tmp = `${file}.tmp`): void {
  const fd = fs.openSync(tmp, "w");
  try {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    writeFully(fd, buf, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/** Writes all of `buf` at `position` (writeSync may write less than asked). */
export function writeFully(fd: number, buf: Buffer, position: number): void {
  let off = 0;
  while (off < buf.length) {
    off += fs.writeSync(fd, buf, off, buf.length - off, position + off);
  }
}

/** Reads up to `length` bytes at `position` into a new buffer (shorter at end of file). */
export function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Reads and parses a JSON file, or returns undefined when it does not exist. */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
