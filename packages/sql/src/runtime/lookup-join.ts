/**
 * The lookup join of Flink SQL (`JOIN t FOR SYSTEM_TIME AS OF o.proc_time ON o.k = t.k` where `t`
 * is a lookup table: Redis, PostgreSQL): each left row looks its key up in the external system
 * when it arrives and joins the rows found then (INNER drops a row with none, LEFT pads it).
 *
 * Rows whose key is in the cache (Flink's partial cache: `lookup.cache` = `PARTIAL`, rows kept for
 * `lookup.partial-cache.expire-after-write` of the job's processing time, a manual clock in tests)
 * are joined at once, with no promise; so are the rows of a table held in memory (lookupNow). A miss starts the
 * lookup of every missed key of the batch together; from then on rows (hits too) and watermarks
 * wait in arrival order, and the operator holds its input back (readyForInput) until the lookups
 * finish, then emits what waited, in order. So nothing is in flight at a checkpoint barrier or at
 * the end of the input (a checkpoint taken meanwhile keeps the waiting rows, see snapshotCustom),
 * and the output keeps the input's order (Flink's ORDERED async mode).
 */

import { FleuveError } from "@fleuve/core";
import { OneInputOperator } from "@fleuve/core/spi";
import type { Row } from "../planner/values.js";

/** Reads the rows of a lookup table by key. */
export interface LookupClient {
  /** For each key (the values of the lookup key columns, in order), the rows that have it. */
  lookup(keys: readonly (readonly unknown[])[]): Promise<Row[][]>;
  /**
   * The rows of one key at once, for a table held in memory (the filesystem lookup table): a row
   * is then joined when it arrives, never waiting, and no cache is kept.
   */
  readonly lookupNow?: (key: readonly unknown[]) => Row[];
  close(): Promise<void>;
}

/** What the planner gives the operator. */
export interface LookupJoinSpec {
  readonly type: "INNER" | "LEFT";
  /** The lookup key of a left row (NULL in a key never matches). */
  readonly keyOf: (left: Row) => unknown[] | undefined;
  /** Opens a client (one per subtask). */
  readonly client: () => LookupClient;
  /** The rest of ON, on a pair. */
  readonly matches: (left: Row, right: Row) => boolean;
  readonly combine: (left: Row, right: Row | null) => Row;
  /** Cache time to live (ms); undefined: no cache. */
  readonly cacheTtlMs: number | undefined;
  /** Most keys cached; the oldest go first. */
  readonly cacheMaxRows: number;
  /** The table's name, for errors. */
  readonly table: string;
}

type Waiting =
  | { readonly kind: "row"; readonly row: Row; readonly ts: number; key: string | undefined }
  | { readonly kind: "watermark"; readonly watermark: number };

/** One-input operator of a SQL lookup join. */
export class SqlLookupJoinOperator extends OneInputOperator<Row, Row> {
  private client: LookupClient | undefined;
  private readonly cache = new Map<string, { rows: Row[]; at: number }>();
  /** Results of lookups in flight or done and not yet emitted. */
  private readonly fetched = new Map<string, Row[]>();
  private readonly waiting: Waiting[] = [];
  /** Keys of the batch not yet sent. */
  private toFetch = new Map<string, unknown[]>();
  private inFlight: Promise<void> | undefined;
  private failure: unknown;

  constructor(private readonly spec: LookupJoinSpec) {
    super();
  }

  override open(): void {
    this.client = this.spec.client();
  }

  processElement(row: Row, timestamp: number): void {
    const key = this.spec.keyOf(row);
    const now = this.client?.lookupNow;
    if (now !== undefined && this.waiting.length === 0) {
      this.emit(row, key === undefined ? [] : now(key), timestamp);
      return;
    }
    const text = key === undefined ? undefined : JSON.stringify(key);
    const hit = text === undefined ? [] : this.cached(text);
    if (this.waiting.length === 0 && hit !== undefined) {
      this.emit(row, hit, timestamp);
      return;
    }
    if (text !== undefined && hit === undefined && !this.fetched.has(text))
      this.toFetch.set(text, key as unknown[]);
    this.waiting.push({ kind: "row", row, ts: timestamp, key: text });
  }

  override processWatermark(watermark: number): void {
    if (this.waiting.length === 0) {
      super.processWatermark(watermark);
      return;
    }
    this.waiting.push({ kind: "watermark", watermark });
  }

  override get mayBlockInput(): boolean {
    return true;
  }

  /** Sends the batch's lookups; emits what waited once they are done. */
  override readyForInput(): Promise<void> | undefined {
    if (this.failure !== undefined) {
      const e = this.failure;
      this.failure = undefined;
      throw e instanceof FleuveError
        ? e
        : new FleuveError(
            "FLEUVE_SOURCE_FAILED",
            `lookup in ${this.spec.table} failed: ${(e as Error).message}`,
          );
    }
    if (this.inFlight !== undefined) return this.inFlight;
    if (this.toFetch.size > 0) {
      const batch = this.toFetch;
      this.toFetch = new Map();
      const keys = [...batch.values()];
      const texts = [...batch.keys()];
      const client = this.client as LookupClient;
      this.inFlight = client.lookup(keys).then(
        (results) => {
          texts.forEach((t, i) => {
            this.fetched.set(t, results[i] ?? []);
          });
          this.inFlight = undefined;
        },
        (e) => {
          this.failure = e;
          this.inFlight = undefined;
        },
      );
      return this.inFlight;
    }
    this.drain();
    return undefined;
  }

  /**
   * Rows still waiting for a lookup go into the checkpoint (as Flink's AsyncWaitOperator keeps
   * its in-flight inputs), so that a restore looks them up again: their source offsets are
   * already in the checkpoint, and what they emit comes after its barrier.
   */
  protected override snapshotCustom(): unknown {
    const rows = this.waiting.flatMap((w) => (w.kind === "row" ? [[w.row, w.ts] as const] : []));
    return rows.length === 0 ? undefined : rows;
  }

  protected override restoreCustom(states: readonly unknown[]): void {
    for (const state of states) {
      if (!Array.isArray(state)) continue;
      for (const [row, ts] of state as [Row, number][]) {
        const key = this.spec.keyOf(row);
        const text = key === undefined ? undefined : JSON.stringify(key);
        if (text !== undefined) this.toFetch.set(text, key as unknown[]);
        this.waiting.push({ kind: "row", row, ts, key: text });
      }
    }
  }

  override close(): void {
    void this.client?.close();
    this.client = undefined;
  }

  /** Emits the waiting rows and watermarks in order (their lookups are done). */
  private drain(): void {
    const now = this.spec.cacheTtlMs === undefined ? 0 : this.runtime.processingTime.now();
    for (const w of this.waiting) {
      if (w.kind === "watermark") {
        super.processWatermark(w.watermark);
        continue;
      }
      let rows: Row[] = [];
      if (w.key !== undefined) {
        const got = this.fetched.get(w.key);
        if (got !== undefined) {
          rows = got;
          this.remember(w.key, got, now);
        } else rows = this.cached(w.key) ?? [];
      }
      this.emit(w.row, rows, w.ts);
    }
    this.waiting.length = 0;
    this.fetched.clear();
  }

  private emit(left: Row, rights: readonly Row[], ts: number): void {
    let any = false;
    for (const r of rights) {
      if (!this.spec.matches(left, r)) continue;
      any = true;
      this.output.collect(this.spec.combine(left, r), ts);
    }
    if (!any && this.spec.type === "LEFT") this.output.collect(this.spec.combine(left, null), ts);
  }

  private cached(key: string): Row[] | undefined {
    if (this.spec.cacheTtlMs === undefined) return undefined;
    const c = this.cache.get(key);
    if (c === undefined) return undefined;
    if (this.runtime.processingTime.now() - c.at >= this.spec.cacheTtlMs) {
      this.cache.delete(key);
      return undefined;
    }
    return c.rows;
  }

  private remember(key: string, rows: Row[], now: number): void {
    if (this.spec.cacheTtlMs === undefined) return;
    this.cache.delete(key);
    this.cache.set(key, { rows, at: now });
    // A Map iterates in insertion order: the first key is the oldest write.
    if (this.cache.size > this.spec.cacheMaxRows) this.cache.delete(this.cache.keys().next().value as string);
  }
}
