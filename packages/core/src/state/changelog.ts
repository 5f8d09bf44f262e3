/**
 * A state changelog: a durable, append-only log where a keyed state backend writes the entries
 * it changed between checkpoints (Flink's changelog state backend, Kafka Streams' changelog
 * topics). A checkpoint then holds a full copy of the state taken now and then (the
 * materialization) plus a handle on the changes written since, so most checkpoints write only
 * what changed. `@fleuve/kafka` keeps changelogs in a Kafka topic; {@link memoryChangelog} keeps
 * them in memory for tests.
 */
import type { KeyedStateBackendContext } from "../spi/keyed-state-backend.js";

/** Where a writer's changes are, as plain data (kept in checkpoints). */
export interface ChangelogHandle {
  /** The writer: records of other writers are skipped. */
  readonly writer: string;
  /** The storage's position where this writer's records begin (e.g. a Kafka offset, as a string). */
  readonly from: string;
  /** Segments `after < seq <= upTo` of this writer, in order, are the changes to apply. */
  readonly after: number;
  readonly upTo: number;
}

/**
 * The writing end of a changelog. A backend takes a new writer with each materialization, so
 * the changes a checkpoint needs begin at its materialization's writer.
 */
export interface StateChangelogWriter {
  /** Unique id of this writer (its records carry it). */
  readonly id: string;
  /**
   * Where this writer's records begin in the storage. Known once {@link persist} has resolved;
   * a backend builds handles only after that.
   */
  readonly from: string | undefined;
  /** Appends one chunk of segment `seq` (chunks and segments stay in order). */
  append(seq: number, chunk: Uint8Array): void;
  /** Resolves once everything appended so far is durable; rejects for good after a failed write. */
  persist(): Promise<void>;
  /** Says that the backend that owns this writer needs no record before `from` any more. */
  release(from: string): void;
}

/** A changelog store: hands out writers and reads back what a handle names. */
export interface StateChangelogStorage {
  /** A new writer for the backend of one keyed operator subtask. */
  writer(ctx: KeyedStateBackendContext): StateChangelogWriter;
  /** The chunks `handle` names, in the order they were appended. */
  read(handle: ChangelogHandle): Promise<Uint8Array[]>;
}

/**
 * What the backends writing to one log (a Kafka partition, say) still need, so a changelog
 * storage knows how far it may truncate: below the lowest position every backend has released.
 * A backend that has not released yet (it is new, or restored) holds everything.
 */
export class ChangelogReleases {
  private readonly needs = new Map<string, bigint | undefined>();
  private truncated = 0n;

  /** A backend (`operatorId#subtask`) that writes to this log; it holds everything until it releases. */
  register(owner: string): void {
    if (!this.needs.has(owner)) this.needs.set(owner, undefined);
  }

  /**
   * `owner` needs nothing before `before` any more. Returns the position the log may be truncated
   * to when that moved forward, else undefined.
   */
  release(owner: string, before: bigint): bigint | undefined {
    this.needs.set(owner, before);
    let min: bigint | undefined;
    for (const n of this.needs.values()) {
      if (n === undefined) return undefined;
      if (min === undefined || n < min) min = n;
    }
    if (min === undefined || min <= this.truncated) return undefined;
    this.truncated = min;
    return min;
  }
}

/**
 * A changelog held in memory, shared by whoever holds the returned storage (tests, and jobs that
 * restart inside one process). It behaves as one durable log that every writer appends to, and
 * drops the records no backend needs any more, as the Kafka changelog does.
 */
export function memoryChangelog(): StateChangelogStorage & {
  /** Chunks held now (for tests). */
  readonly chunks: number;
} {
  const log: { writer: string; seq: number; chunk: Uint8Array }[] = [];
  /** Offset of log[0]. */
  let base = 0;
  let writers = 0;
  const releases = new ChangelogReleases();
  return {
    get chunks() {
      return log.length;
    },
    writer(ctx) {
      const owner = `${ctx.operatorId}#${ctx.subtaskIndex}`;
      releases.register(owner);
      const id = `w${++writers}`;
      const from = String(base + log.length);
      return {
        id,
        from,
        append(seq, chunk) {
          log.push({ writer: id, seq, chunk: chunk.slice() });
        },
        persist: () => Promise.resolve(),
        release(before) {
          const upTo = releases.release(owner, BigInt(before));
          if (upTo === undefined) return;
          const drop = Math.min(Number(upTo), base + log.length) - base;
          log.splice(0, drop);
          base += drop;
        },
      };
    },
    async read(handle) {
      const from = Number(handle.from);
      if (from < base) throw new Error(`changelog records from ${from} were truncated (kept from ${base})`);
      return log
        .slice(from - base)
        .filter((r) => r.writer === handle.writer && r.seq > handle.after && r.seq <= handle.upTo)
        .map((r) => r.chunk);
    },
  };
}
