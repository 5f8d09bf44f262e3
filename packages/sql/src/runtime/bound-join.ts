/**
 * The inner regular join of two insert-only inputs where one side's rows can match no later row
 * of the other once the other input's watermark passes a bound of theirs (Nexmark q7: bids
 * `B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime`, `B1.dateTime` a window
 * aggregation's window_end, above its input's watermark in every row it sends; see the planner's
 * join.ts expiryBounds). Same pairs as {@link SqlStreamingJoinOperator} (Flink keeps a regular
 * join here), at a lower cost per row of the bounded side, which is the large one (every bid
 * against one maximum per window):
 *
 * - a bounded row is not put in keyed state: it joins the other side's rows kept for its key
 *   (keyed list state, as before), then goes to one buffer of the operator in arrival order;
 * - a row of the other side is kept for its key and joins the buffered rows later, with every
 *   other row of that side that came before the same watermark, in one pass over the buffer (a
 *   small map by key probed per buffered row): rows that came before it are each joined once,
 *   those after it joined it on arrival (a sequence number tells them apart);
 * - at a watermark of the other input past the sweep interval, the buffered rows whose bound it
 *   passed go, after that pass.
 *
 * The buffer keeps the bounded rows column by column (runtime/row-columns.ts: the columns the
 * join reads, numbers unboxed), with each row's sequence number, bound and key in arrays of their
 * own: no object per buffered row, so the rows sent die young instead of being promoted, which
 * made garbage collection about a third of q7's CPU. A buffered row is read back into one reused
 * object for the condition and the joined row (which copy its values, never keep it).
 *
 * So a pair comes out when the later of its two rows comes, or at the next watermark: the same
 * rows, insert-only, possibly later and in another order. A checkpoint writes the buffer and the
 * pending rows into keyed state (by key, so that a restore with another parallelism splits them);
 * `open` reads them back, and also takes the rows kept by the regular join of an older plan
 * (`sql-join-*-rows` lists, `sql-join-*` maps), whose name this operator keeps.
 */

import {
  type Key,
  type ListState,
  listState,
  type MapState,
  mapState,
  type NormalizedKey,
  normalizeKey,
  TwoInputOperator,
} from "@fleuve/core";
import type { Row } from "../planner/values.js";
import { type KeptColumn, RowColumns } from "./row-columns.js";

type OperatorSnapshot = ReturnType<TwoInputOperator<Row, Row, Row>["snapshotState"]>;

/** What the planner gives {@link SqlBoundJoinOperator}. */
export interface BoundJoinSpec {
  /** Whether the bounded side (the buffered one) is the left input. */
  readonly boundedIsLeft: boolean;
  /** The whole join condition on a (left, right) pair. */
  readonly matches: (left: Row, right: Row) => boolean;
  /** The joined row of a (left, right) pair. */
  readonly combine: (left: Row, right: Row) => Row;
  /** The other input's watermark from which on a bounded row matches no later row; null: already. */
  readonly until: (row: Row) => number | null;
  /** How far the other input's watermark moves between two sweeps of the buffer (ms, > 0). */
  readonly sweepEveryMs: number;
  /**
   * The columns of the bounded side's rows (what the condition, the key, the bounds and the
   * joined row read): the buffer keeps these only.
   */
  readonly boundedColumns: readonly KeptColumn[];
  /**
   * If the condition also bounds a bounded row's time from above by a column of the other side
   * (q7: `B.dateTime <= B1.dateTime`): the least value of that column (`otherTime`) a row of the
   * other side needs to match bounded row `row` (`probeFrom`; null: no row matches). A bounded row
   * then looks up the other side's rows only if one kept so far reaches it.
   */
  readonly probe?:
    | {
        readonly probeFrom: (row: Row) => number | null;
        readonly otherTime: (row: Row) => number | null;
      }
    | undefined;
}

/**
 * The buffered rows of the bounded side in arrival order: row `i`'s columns, its arrival sequence
 * number, the other input's watermark from which it matches nothing (`-Infinity`: already), and
 * its key (computed when first needed: most rows are never looked up by key).
 */
class BoundedRows {
  readonly rows: RowColumns;
  seqs = new Float64Array(1024);
  untils = new Float64Array(1024);
  keys: (Key | undefined)[] = [];

  constructor(columns: readonly KeptColumn[]) {
    this.rows = new RowColumns(columns);
  }

  get size(): number {
    return this.rows.size;
  }

  push(row: Row, seq: number, until: number | null, key: Key | undefined): void {
    const i = this.rows.push(row);
    if (i === this.seqs.length) {
      const seqs = new Float64Array(i * 2);
      seqs.set(this.seqs);
      this.seqs = seqs;
      const untils = new Float64Array(i * 2);
      untils.set(this.untils);
      this.untils = untils;
    }
    this.seqs[i] = seq;
    this.untils[i] = until === null ? Number.NEGATIVE_INFINITY : until;
    this.keys[i] = key;
  }

  /** Keeps the rows whose bound is above `watermark`, in their order. */
  dropUntil(watermark: number): void {
    const { rows, seqs, untils, keys } = this;
    const size = rows.size;
    let n = 0;
    for (let i = 0; i < size; i++) {
      if ((untils[i] as number) <= watermark) continue;
      if (n !== i) {
        rows.move(i, n);
        seqs[n] = seqs[i] as number;
        untils[n] = untils[i] as number;
        keys[n] = keys[i];
      }
      n++;
    }
    rows.truncate(n);
    // The keys' array keeps its length (no shrinking and growing again at each sweep).
    keys.fill(undefined, n, size);
  }
}

/** A row of the other side not yet joined with the buffer: only buffered rows with `seq < upto`. */
interface Pending {
  readonly row: Row;
  readonly upto: number;
  readonly timestamp: number;
}

/** Old plans' kept rows: the regular join's map state value. */
interface Kept {
  row: Row;
  count: number;
}

/** Up to this many pending rows are matched against each buffered row directly, without keys. */
const FEW_PENDING = 8;

const BUFFER = "sql-bound-join-buffer";
const PENDING = "sql-bound-join-pending";

/** Keyed two-input operator of an inner join whose bounded side is buffered (see the module comment). */
export class SqlBoundJoinOperator extends TwoInputOperator<Row, Row, Row> {
  /** The other side's rows by key (kept for good: a late bounded row may still match them). */
  private otherRows!: ListState<Row>;
  private bufferState!: ListState<[number, Row]>;
  private pendingState!: ListState<[number, Row, number]>;
  private buffer!: BoundedRows;
  /** The reused row a buffered row is read into (see the module comment). */
  private cursor!: Row;
  /** Rows of the other side to join with the buffer at the next watermark, by key. */
  private pending = new Map<Key, Pending[]>();
  private pendingCount = 0;
  private seq = 0;
  /** The other input's own watermark. */
  private otherWatermark = Number.NEGATIVE_INFINITY;
  private nextSweep = Number.NEGATIVE_INFINITY;
  /** False once the other input went idle: its rows may then be behind its watermark. */
  private expiring = true;
  /** The greatest `probe.otherTime` of the other side's kept rows (+Infinity without a probe). */
  private maxOtherTime = Number.NEGATIVE_INFINITY;
  /** The key selector of the bounded input (its key is computed only when needed). */
  private boundedKey!: (row: Row) => Key;

  constructor(private readonly spec: BoundJoinSpec) {
    super();
  }

  override open(): void {
    const b = this.keyedState;
    const mine = this.spec.boundedIsLeft ? "left" : "right";
    const theirs = this.spec.boundedIsLeft ? "right" : "left";
    this.otherRows = b.getState(listState<Row>(`sql-join-${theirs}-rows`));
    this.bufferState = b.getState(listState<[number, Row]>(BUFFER));
    this.pendingState = b.getState(listState<[number, Row, number]>(PENDING));
    // A restore: the buffer and pending rows of a checkpoint, then what an older plan kept.
    const restored: { key: Key; row: Row; seq: number }[] = [];
    for (const nk of b.keysOf(BUFFER)) {
      const key = b.rawKey(nk);
      b.setCurrentKey(key, nk);
      for (const [seq, row] of this.bufferState.get()) restored.push({ key, row, seq });
      this.bufferState.clear();
    }
    for (const nk of b.keysOf(PENDING)) {
      const key = b.rawKey(nk);
      b.setCurrentKey(key, nk);
      for (const [upto, row, timestamp] of this.pendingState.get())
        this.addPending(key, { row, upto, timestamp });
      this.pendingState.clear();
    }
    let first = 0;
    for (const r of restored) first = Math.max(first, r.seq + 1);
    for (const p of this.pending.values()) for (const x of p) first = Math.max(first, x.upto);
    const oldRows = b.getState(listState<Row>(`sql-join-${mine}-rows`));
    for (const nk of b.keysOf(`sql-join-${mine}-rows`)) {
      const key = b.rawKey(nk);
      b.setCurrentKey(key, nk);
      // Rows an older plan kept had joined every row of the other side that it kept.
      for (const row of oldRows.get()) restored.push({ key, row, seq: -1 });
      oldRows.clear();
    }
    const oldMaps = (side: string): MapState<string, Kept> =>
      b.getState(mapState<string, Kept>(`sql-join-${side}`));
    for (const [side, into] of [
      [mine, undefined],
      [theirs, this.otherRows],
    ] as const) {
      const map = oldMaps(side);
      for (const nk of b.keysOf(`sql-join-${side}`)) {
        const key = b.rawKey(nk);
        b.setCurrentKey(key, nk);
        for (const [, kept] of map.entries()) {
          for (let i = 0; i < kept.count; i++) {
            if (into === undefined) restored.push({ key, row: kept.row, seq: -1 });
            else into.add(kept.row);
          }
        }
        map.clear();
      }
    }
    this.buffer = new BoundedRows(this.spec.boundedColumns);
    this.cursor = this.buffer.rows.cursor();
    for (const r of restored) this.buffer.push(r.row, r.seq, this.spec.until(r.row), r.key);
    this.seq = first;
    // The kept rows of the other side (few: q7's one maximum per window) give the probe's bound.
    const otherTime = this.spec.probe?.otherTime;
    for (const nk of b.keysOf(`sql-join-${theirs}-rows`)) {
      b.setCurrentKey(b.rawKey(nk), nk);
      for (const row of this.otherRows.get()) this.raiseMaxOtherTime(otherTime, row);
    }
    const sel = this.runtime.keySelectors[this.spec.boundedIsLeft ? 0 : 1];
    if (sel === undefined) throw new Error("the bound join needs keyed inputs");
    this.boundedKey = sel as (row: Row) => Key;
  }

  /**
   * The bounded input's key is not set before each of its rows: {@link bounded} computes it only
   * for a row that may match a kept row of the other side, and {@link flush} only when many rows
   * of the other side are pending.
   */
  override setKeyContextElement(value: unknown, input = 0): void {
    if ((input === 0) === this.spec.boundedIsLeft) return;
    super.setKeyContextElement(value, input);
  }

  /** Sets the current key to `key` (a key of the bounded side). */
  private useKey(key: Key): void {
    this.keyedState.setCurrentKey(key, normalizeKey(key, this.runtime.operatorName));
  }

  /** Takes kept row `row` of the other side into {@link maxOtherTime} (without a probe: any row counts). */
  private raiseMaxOtherTime(otherTime: ((row: Row) => number | null) | undefined, row: Row): void {
    if (otherTime === undefined) {
      this.maxOtherTime = Number.POSITIVE_INFINITY;
      return;
    }
    const t = otherTime(row);
    if (t !== null && t > this.maxOtherTime) this.maxOtherTime = t;
  }

  private addPending(key: Key, p: Pending): void {
    const list = this.pending.get(key);
    if (list === undefined) this.pending.set(key, [p]);
    else list.push(p);
    this.pendingCount++;
  }

  processElement1(row: Row, timestamp: number): void {
    if (this.spec.boundedIsLeft) this.bounded(row, timestamp);
    else this.other(row, timestamp);
  }

  processElement2(row: Row, timestamp: number): void {
    if (this.spec.boundedIsLeft) this.other(row, timestamp);
    else this.bounded(row, timestamp);
  }

  /** A bounded row: joins the other side's kept rows of its key, then waits in the buffer. */
  private bounded(row: Row, timestamp: number): void {
    const { matches, combine, boundedIsLeft, probe } = this.spec;
    let key: Key | undefined;
    const from = probe === undefined ? Number.NEGATIVE_INFINITY : probe.probeFrom(row);
    if (from !== null && from <= this.maxOtherTime) {
      key = this.boundedKey(row);
      this.useKey(key);
      const others = this.otherRows.get();
      for (let i = 0; i < others.length; i++) {
        const o = others[i] as Row;
        if (boundedIsLeft ? matches(row, o) : matches(o, row))
          this.output.collect(boundedIsLeft ? combine(row, o) : combine(o, row), timestamp);
      }
    }
    const until = this.spec.until(row);
    if (this.expiring && (until === null || until <= this.otherWatermark)) return;
    this.buffer.push(row, this.seq++, until, key);
  }

  /** A row of the other side: kept for its key, joined with the buffer at the next watermark. */
  private other(row: Row, timestamp: number): void {
    this.otherRows.add(row);
    this.raiseMaxOtherTime(this.spec.probe?.otherTime, row);
    this.addPending(this.keyedState.getCurrentKey(), { row, upto: this.seq, timestamp });
  }

  /** Joins the pending rows of the other side with the buffered rows that came before them. */
  private flush(): void {
    if (this.pendingCount === 0) return;
    const { matches, combine, boundedIsLeft } = this.spec;
    const pending = this.pending;
    const { rows, seqs, keys } = this.buffer;
    const size = rows.size;
    const cursor = this.cursor;
    if (this.pendingCount <= FEW_PENDING) {
      // Few (q7: one maximum per window): each buffered row against each, its key computed
      // only for a pair that matches (the keys must be equal too, as when partitioned by key).
      const all: Pending[] = [];
      const pendingKeys: NormalizedKey[] = [];
      for (const [key, ps] of pending) {
        const nk = normalizeKey(key, this.runtime.operatorName);
        for (const p of ps) {
          all.push(p);
          pendingKeys.push(nk);
        }
      }
      for (let i = 0; i < size; i++) {
        const seq = seqs[i] as number;
        let filled = false;
        for (let j = 0; j < all.length; j++) {
          const p = all[j] as Pending;
          if (seq >= p.upto) continue;
          if (!filled) {
            rows.fill(i, cursor);
            filled = true;
          }
          if (!(boundedIsLeft ? matches(cursor, p.row) : matches(p.row, cursor))) continue;
          let key = keys[i];
          if (key === undefined) key = keys[i] = this.boundedKey(cursor);
          if (normalizeKey(key, this.runtime.operatorName) !== pendingKeys[j]) continue;
          this.output.collect(boundedIsLeft ? combine(cursor, p.row) : combine(p.row, cursor), p.timestamp);
        }
      }
      this.pending = new Map();
      this.pendingCount = 0;
      return;
    }
    for (let i = 0; i < size; i++) {
      let key = keys[i];
      if (key === undefined) {
        rows.fill(i, cursor);
        key = keys[i] = this.boundedKey(cursor);
      }
      const ps = pending.get(key);
      if (ps === undefined) continue;
      const seq = seqs[i] as number;
      let filled = false;
      for (let j = 0; j < ps.length; j++) {
        const p = ps[j] as Pending;
        if (seq >= p.upto) continue;
        if (!filled) {
          rows.fill(i, cursor);
          filled = true;
        }
        if (boundedIsLeft ? matches(cursor, p.row) : matches(p.row, cursor))
          this.output.collect(boundedIsLeft ? combine(cursor, p.row) : combine(p.row, cursor), p.timestamp);
      }
    }
    this.pending = new Map();
    this.pendingCount = 0;
  }

  /** Drops the buffered rows whose bound the other input's watermark passed (after a flush). */
  private sweep(): void {
    const w = this.otherWatermark;
    if (!this.expiring || w < this.nextSweep) return;
    this.nextSweep = w + this.spec.sweepEveryMs;
    this.buffer.dropUntil(w);
  }

  private otherWatermarkAt(watermark: number): void {
    this.flush();
    if (watermark > this.otherWatermark) this.otherWatermark = watermark;
    this.sweep();
  }

  override processWatermark1(watermark: number): void {
    if (this.spec.boundedIsLeft) this.flush();
    else this.otherWatermarkAt(watermark);
    super.processWatermark1(watermark);
  }

  override processWatermark2(watermark: number): void {
    if (this.spec.boundedIsLeft) this.otherWatermarkAt(watermark);
    else this.flush();
    super.processWatermark2(watermark);
  }

  override processIdle1(idle: boolean): void {
    if (idle && !this.spec.boundedIsLeft) this.expiring = false;
    super.processIdle1(idle);
  }

  override processIdle2(idle: boolean): void {
    if (idle && this.spec.boundedIsLeft) this.expiring = false;
    super.processIdle2(idle);
  }

  override finish(): void {
    this.flush();
    super.finish();
  }

  /** Writes the buffer and the pending rows into keyed state (by key), then takes the snapshot. */
  override snapshotState(checkpointId: number): OperatorSnapshot {
    const b = this.keyedState;
    // What the previous checkpoint wrote (the live rows are in the buffer, not read from there).
    for (const [name, state] of [
      [BUFFER, this.bufferState],
      [PENDING, this.pendingState],
    ] as const) {
      for (const nk of b.keysOf(name)) {
        b.setCurrentKey(b.rawKey(nk), nk);
        state.clear();
      }
    }
    const { rows, seqs, keys } = this.buffer;
    for (let i = 0; i < rows.size; i++) {
      const row = rows.row(i);
      let key = keys[i];
      if (key === undefined) key = keys[i] = this.boundedKey(row);
      this.useKey(key);
      this.bufferState.add([seqs[i] as number, row]);
    }
    for (const [key, ps] of this.pending) {
      this.useKey(key);
      for (const p of ps) this.pendingState.add([p.upto, p.row, p.timestamp]);
    }
    return super.snapshotState(checkpointId);
  }
}
