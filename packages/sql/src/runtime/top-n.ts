/**
 * Top-N over a continuous table (Flink's AppendOnlyTopNFunction and RetractableTopNFunction):
 * `ROW_NUMBER() OVER (PARTITION BY k ORDER BY s) AS rn ... WHERE rn <= N`. Per partition the
 * rows are kept sorted by the ORDER BY (rows with equal sort keys in arrival order); each input
 * change (an insert, or the retraction of an updating input's `-U`/`-D`) is applied and the
 * ranks `start..end` before and after it are compared:
 *
 * - with the rank number output, rank by rank: a rank whose row changed sends `-U` (the old row
 *   with that rank) and `+U` (the new one), a rank that appeared `+I`, one that vanished `-D`,
 *   as Flink updates every rank a change shifts;
 * - without it (Flink's "no ranking output optimization"), only rows that left the top (`-D`)
 *   and rows that entered it (`+I`), deletes first.
 *
 * On an insert-only input a row below rank `end` can never rise again, so only the top `end`
 * rows are kept; an updating input keeps every row (a retraction lets lower rows move up).
 *
 * With `table.exec.state.ttl`, a partition's rows expire that long (of processing time) after the
 * partition's state was last written (Flink's StateTtlConfig on its top-N state, OnCreateAndWrite):
 * the partition then starts again empty, so its next row is ranked first, and nothing is retracted
 * for the rows forgotten (as in Flink, where expired state means results that may be incomplete).
 * The TTL'd rows are kept under their own state name (`sql-top-n-ttl`); a savepoint taken without
 * the TTL (state `sql-top-n`) restores into a job with it: a key's old rows move over the first
 * time the key is touched, and their TTL starts then. (The other way, turning the TTL off, does
 * not carry the rows over: they stay in the savepoint's `sql-top-n-ttl` state, unread.)
 *
 * With `table.exec.mini-batch.enabled` ({@link MiniBatchTopNOperator}) the changes of a bundle of
 * input rows are held and each partition sends, when the bundle ends, only the difference between
 * its top at the bundle's start and its top at the end: a row that entered and left the top in the
 * same bundle is never sent. The final table is the same; the changelog is shorter than Flink's,
 * whose Top-N has no mini-batch variant and sends every change as it happens.
 */

import type { KeyedProcessFunction, ValueState, ValueStateDescriptor } from "@fleuve/core";
import { jsonWithLongs, valueState } from "@fleuve/core";
import { isAccumulate, ROW_KIND, type RowKind, rowKind, withKind } from "../planner/changelog.js";
import type { Row } from "../planner/values.js";
import { MiniBatchOperator, type MiniBatchSpec } from "./mini-batch.js";

/** What a top-N function needs from the planner. */
export interface TopNSpec {
  /** Orders two rows by the ORDER BY (negative: `a` ranks before `b`). */
  readonly compare: (a: Row, b: Row) => number;
  /** The first and last rank kept (`rn >= start AND rn <= end`), 1-based. */
  readonly start: number;
  readonly end: number;
  /** The rank column's name when the query outputs it; undefined for no ranking output. */
  readonly rankColumn: string | undefined;
  /** Whether the input may retract rows (`-U`, `-D`): then every row is kept. */
  readonly updatingInput: boolean;
  /** `table.exec.state.ttl` in ms; undefined keeps state forever. */
  readonly stateTtlMs?: number | undefined;
  /**
   * A copy of a row with a kind (and the rank number as `rankColumn` when given), for rows that
   * hold exactly the input's columns (row-builders.ts rowCopier): the same row as a spread copy,
   * built faster. Without it rows are copied by spreading them.
   */
  readonly copy?: ((row: Row, kind: RowKind, rank?: number) => Row) | undefined;
}

type Out = { collect(r: Row): void };

/**
 * A partition's rows array touched in the current mini-batch: its top (ranks start..end) before
 * the bundle's first change of it, and the timestamp of its last input row (its output's).
 */
interface Held {
  readonly before: readonly Row[];
  timestamp: number;
}

/** The Top-N rows of a key without a state TTL (the only layout before the TTL applied to Top-N). */
export const TOP_N_STATE = "sql-top-n";
/** The Top-N rows of a key with `table.exec.state.ttl`. */
export const TOP_N_TTL_STATE = "sql-top-n-ttl";

/** The keyed top-N function (see the file's comment). */
export class TopNFunction implements KeyedProcessFunction<string, Row, Row> {
  private state!: ValueState<Row[]>;
  /** With a TTL: the plain state of savepoints taken before the TTL applied, read once per key. */
  private legacy: ValueState<Row[]> | undefined;

  /**
   * In a mini-batch ({@link holdChanges}): the rows arrays changed since the last flush. Keyed by
   * the array itself, which the heap state keeps across records of its key: an array that starts
   * anew (its key emptied, or its rows expired) is its own entry, whose difference is its own.
   */
  private held: Map<Row[], Held> | undefined;
  /** The timestamp of the row being processed in a mini-batch. */
  private heldAt = 0;

  constructor(private readonly spec: TopNSpec) {}

  open(ctx: Parameters<NonNullable<KeyedProcessFunction<string, Row, Row>["open"]>>[0]): void {
    const ttl = this.spec.stateTtlMs;
    if (ttl === undefined) {
      this.state = ctx.getState(valueState<Row[]>(TOP_N_STATE));
      return;
    }
    // A state's TTL cannot be turned on under the same name (the backend refuses the change of
    // kind on restore), so the TTL'd rows live under their own name, and a savepoint of a job
    // that ran without TTL keeps its rows in the plain state, moved over key by key below.
    this.state = ctx.getState(valueState<Row[]>(TOP_N_TTL_STATE, { ttl: { ttlMs: ttl } }));
    this.legacy = ctx.getState(valueState<Row[]>(TOP_N_STATE));
  }

  /** The key's rows; with a TTL, the first touch of a key moves its rows of the plain state over. */
  private rowsOfKey(): Row[] {
    const rows = this.state.value();
    if (rows !== undefined || this.legacy === undefined) return rows ?? [];
    const old = this.legacy.value();
    if (old === undefined) return [];
    this.legacy.clear();
    // Written now: the TTL of moved rows starts at the move (they were never written under it).
    this.state.update(old);
    return old;
  }

  processElement(input: Row, _ctx: unknown, out: Out): void {
    const { compare, start, end, updatingInput } = this.spec;
    const rows = this.rowsOfKey();
    if (isAccumulate(rowKind(input))) {
      // After the last row that does not rank below it: equal sort keys keep arrival order.
      // (The ORDER BY columns never include the row kind: the input row is compared as it is.)
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compare(rows[mid] as Row, input) <= 0) lo = mid + 1;
        else hi = mid;
      }
      // Below the top of an insert-only input: it can never rank, and is neither kept nor copied.
      if (lo >= end && !updatingInput) return;
      // Kept without its kind; an insert row is kept as it came (rows are never changed once
      // sent, and every row this function sends is a copy).
      const row: Row = ROW_KIND in input ? withoutKind(input) : input;
      if (this.held !== undefined) {
        this.hold(rows);
        insertRow(rows, lo, row, updatingInput ? undefined : end);
        this.state.update(rows);
        return;
      }
      const before = this.spec.rankColumn === undefined ? undefined : rows.slice(start - 1, end);
      // Without a rank column only the rows at the top's edges change (a slice and a scan of the
      // whole top per row would be quadratic when OFFSET has no LIMIT).
      const s = start - 1;
      const entering = s >= end || lo >= end ? undefined : lo >= s ? row : rows[s - 1];
      const leaving = s >= end || lo >= end ? undefined : rows[end - 1];
      insertRow(rows, lo, row, updatingInput ? undefined : end);
      this.state.update(rows);
      if (before !== undefined) this.emitRanked(before, rows.slice(start - 1, end), out);
      else this.emitEdges(leaving, entering, out);
      return;
    }
    const row = withoutKind(input);
    const text = jsonWithLongs(row);
    const at = rows.findIndex((r) => compare(r, row) === 0 && jsonWithLongs(r) === text);
    if (at < 0) return; // a retraction of a row never kept (or already below the top)
    if (this.held !== undefined) {
      this.hold(rows);
      rows.splice(at, 1);
      if (rows.length === 0) this.state.clear();
      else this.state.update(rows);
      return;
    }
    const before = this.spec.rankColumn === undefined ? undefined : rows.slice(start - 1, end);
    const s = start - 1;
    const leaving = s >= end || at >= end ? undefined : at >= s ? rows[at] : rows[s];
    const entering = s >= end || at >= end ? undefined : rows[end];
    rows.splice(at, 1);
    if (rows.length === 0) this.state.clear();
    else this.state.update(rows);
    if (before !== undefined) this.emitRanked(before, rows.slice(start - 1, end), out);
    else this.emitEdges(leaving, entering, out);
  }

  /** From now on changes are held until {@link flushHeld} (mini-batch; see the file's comment). */
  holdChanges(): void {
    this.held = new Map();
  }

  /** Processes a row of a mini-batch with its timestamp: its change is held, nothing is sent. */
  processHeld(input: Row, timestamp: number): void {
    this.heldAt = timestamp;
    this.processElement(input, undefined, NO_OUT);
  }

  /** Notes the top of `rows` before the bundle's first change of it. */
  private hold(rows: Row[]): void {
    const held = this.held as Map<Row[], Held>;
    const h = held.get(rows);
    if (h !== undefined) h.timestamp = this.heldAt;
    else held.set(rows, { before: rows.slice(this.spec.start - 1, this.spec.end), timestamp: this.heldAt });
  }

  /**
   * Sends each held partition's difference between its top before the bundle and now, as the
   * changes of one record would be sent (ranks updated one by one, or rows that left the top then
   * rows that entered it), with the timestamp of the partition's last input row.
   */
  flushHeld(out: Out & { timestamp: number }): void {
    const held = this.held;
    if (held === undefined || held.size === 0) return;
    const { start, end, rankColumn } = this.spec;
    for (const [rows, h] of held) {
      out.timestamp = h.timestamp;
      const after = rows.slice(start - 1, end);
      if (rankColumn !== undefined) {
        this.emitRanked(h.before, after, out);
        continue;
      }
      const inBefore = membership(h.before);
      const inAfter = membership(after);
      for (const r of h.before) if (!inAfter(r)) this.emitEdges(r, undefined, out);
      for (const r of after) if (!inBefore(r)) this.emitEdges(undefined, r, out);
    }
    held.clear();
  }

  /** Without a rank column: the row that left ranks start..end (-D), then the one that entered. */
  private emitEdges(leaving: Row | undefined, entering: Row | undefined, out: Out): void {
    const { copy } = this.spec;
    if (leaving !== undefined)
      out.collect(copy === undefined ? withKind({ ...leaving }, "-D") : copy(leaving, "-D"));
    if (entering !== undefined) out.collect(copy === undefined ? { ...entering } : copy(entering, "+I"));
  }

  /** With a rank column: each rank whose row changed is updated (-U/+U), left (-D) or taken (+I). */
  private emitRanked(before: readonly Row[], after: readonly Row[], out: Out): void {
    const { rankColumn, start, copy } = this.spec;
    if (rankColumn === undefined) return;
    const ranked = (r: Row, i: number, kind: RowKind) =>
      copy === undefined ? withKind({ ...r, [rankColumn]: start + i }, kind) : copy(r, kind, start + i);
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) {
      const old = before[i];
      const now = after[i];
      if (old === now) continue;
      if (old !== undefined && now !== undefined) {
        out.collect(ranked(old, i, "-U"));
        out.collect(ranked(now, i, "+U"));
      } else if (old !== undefined) out.collect(ranked(old, i, "-D"));
      else if (now !== undefined) out.collect(ranked(now, i, "+I"));
    }
  }
}

/** The output of a held row: nothing is sent until the flush. */
const NO_OUT: Out = {
  collect() {
    throw new Error("a Top-N in a mini-batch sent a row before its flush");
  },
};

/** Whether a row (by identity) is one of `rows`: a scan for a short top, a set for a long one. */
function membership(rows: readonly Row[]): (r: Row) => boolean {
  if (rows.length <= 8) return (r) => rows.includes(r);
  const set = new Set(rows);
  return (r) => set.has(r);
}

/**
 * The Top-N of a continuous table with `table.exec.mini-batch.enabled` (see the file's comment): a
 * bundle's changes are held and sent, as each partition's difference, when the bundle ends (see
 * {@link MiniBatchOperator}: size, latency, watermark, checkpoint, end of input).
 */
export class MiniBatchTopNOperator extends MiniBatchOperator<Row, Row> {
  private readonly fn: TopNFunction;
  private readonly out = {
    timestamp: 0,
    collect: (r: Row) => this.output.collect(r, this.out.timestamp),
  };

  constructor(spec: TopNSpec, miniBatch: MiniBatchSpec) {
    super(miniBatch);
    this.fn = new TopNFunction(spec);
  }

  override open(): void {
    super.open();
    const backend = this.keyedState;
    // The function reads its state through getState only (see TopNFunction.open).
    this.fn.open({ getState: (d: ValueStateDescriptor<Row[]>) => backend.getState(d) } as never);
    this.fn.holdChanges();
  }

  protected addToBundle(value: Row, timestamp: number): void {
    this.fn.processHeld(value, timestamp);
  }

  protected finishBundle(): void {
    this.fn.flushHeld(this.out);
  }
}

/**
 * Inserts `row` at `at` into `rows`, keeping at most `cap` rows (undefined: all): what
 * `rows.splice(at, 0, row)` and truncating to `cap` give. A full top (an insert-only input's, `at`
 * below `cap`) shifts its rows down in place, dropping its last: no array is made per row that
 * enters it (`splice` returns one, and grows the array before the truncation shrinks it).
 */
function insertRow(rows: Row[], at: number, row: Row, cap: number | undefined): void {
  if (cap === undefined || rows.length < cap) {
    rows.splice(at, 0, row);
    return;
  }
  for (let i = cap - 1; i > at; i--) rows[i] = rows[i - 1] as Row;
  rows[at] = row;
  if (rows.length > cap) rows.length = cap;
}

/** A copy of `row` without its kind. */
function withoutKind(row: Row): Row {
  const copy: Row = { ...row };
  delete copy[ROW_KIND];
  return copy;
}
