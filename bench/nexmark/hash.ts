/**
 * The stream hash: SHA-256 over the CSV rendering of every event, each line followed by "\n" —
 * i.e. the SHA-256 of the event file. Java computes the same over its own stream.
 */
import { createHash } from "node:crypto";
import { renderEvent } from "./csv.js";
import type { NexmarkEvent } from "./events.js";

const CHUNK = 1 << 21;

/** Incremental stream hasher; feed events in stream order, then call digest(). */
export class StreamHasher {
  private readonly hash = createHash("sha256");
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  /** Called with each full chunk of bytes (e.g. to write them to a file). */
  private readonly onChunk: ((bytes: Buffer) => void) | undefined;
  /** Events fed so far. */
  count = 0;

  constructor(onChunk?: (bytes: Buffer) => void) {
    this.onChunk = onChunk;
  }

  /** Adds one event. */
  add(e: NexmarkEvent): void {
    this.addLine(renderEvent(e));
  }

  /** Adds one already rendered line (ASCII, without newline). */
  addLine(line: string): void {
    // Lines are ASCII, so one byte per code unit; a line longer than a chunk is not possible
    // (events stay below MAX_AVG_BYTE_SIZE + a few hundred bytes).
    if (this.pos + line.length + 1 > CHUNK) this.flush();
    this.pos += this.buf.write(line, this.pos, "latin1");
    this.buf[this.pos++] = 10;
    this.count++;
  }

  /** Hands the buffered bytes to the hash (and to onChunk). */
  flush(): void {
    if (this.pos === 0) return;
    const bytes = this.buf.subarray(0, this.pos);
    this.hash.update(bytes);
    this.onChunk?.(bytes);
    this.pos = 0;
  }

  /** The hex SHA-256 of everything added. */
  digest(): string {
    this.flush();
    return this.hash.digest("hex");
  }
}

/** The stream hash of a sequence of events. */
export function streamHash(events: Iterable<NexmarkEvent>): string {
  const h = new StreamHasher();
  for (const e of events) h.add(e);
  return h.digest();
}
