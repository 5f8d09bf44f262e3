/**
 * The regular join of Flink SQL (flink-table-runtime's StreamingJoinOperator): both inputs are
 * kept in keyed state, every row joins the other side's rows of its key, and the result is a
 * changelog. Inputs may themselves be changelogs (`+I`, `-U`, `+U`, `-D`).
 *
 * Each side keeps, per join key, its rows with their multiplicity and, for an outer side, the
 * number of rows of the other side each one is associated with. As in Flink:
 * - an inner join forwards the input's row kind (`+I`/`+U` joined rows for an accumulating row,
 *   `-U`/`-D` for a retracting one);
 * - an outer join sends `+I` and `-D` only: a row of an outer side without a partner is sent
 *   padded with NULLs (`+I[row, null]`); when its first partner arrives the padded row is
 *   retracted (`-D[row, null]`) before the joined one; when its last partner is retracted it is
 *   padded again.
 * State expires after `table.exec.state.ttl` of processing time since it was last written (Flink's
 * StateTtlConfig, OnCreateAndWrite, never returning expired rows): a row whose partner expired
 * no longer joins it.
 *
 * A side that only inserts (the planner says so) and is not an outer side, without TTL, keeps
 * its rows in a plain list instead (Flink's JoinRecordStateView without unique key, append-only):
 * nothing ever looks a row of it up by content, so it needs neither the row's JSON text as a key
 * nor a multiplicity. Rows kept in the map by an earlier version are still joined.
 *
 * An append-only side may also drop the rows that no later row of the other side can match (the
 * planner's `expiry`, from a condition such as q7's `B.dateTime BETWEEN B1.dateTime - INTERVAL
 * '10' SECOND AND B1.dateTime` where every later `B1.dateTime` is above the right input's
 * watermark): the result is the same, the state no longer grows with the whole input. The rows
 * are swept over all keys when the other input's own watermark has moved by the sweep interval
 * (not a timer per row: sweeping costs a few reads per kept row, a timer a heap entry per key and
 * time). A row that arrives already past its expiry joins what is kept and is not kept itself.
 * Only the other input's watermark counts (not the operator's, the minimum of both, which moves
 * past an idle input), and an input that went idle stops the expiry of the other side's rows
 * for good: rows it sends when it wakes up may be behind the watermark.
 *
 * An append-only inner join whose rows go straight into an insert-only Top-1 (q9's winning bid)
 * skips the pairs that Top-1 would drop (`topOneDrops`): each key's last row sent stands for
 * what the Top-1 holds at least, and a pair it ranks before or ties with is not built. The
 * Top-1's changes are the same; most of q9's pairs (a bid below its auction's best) cost no row.
 *
 * The same operator runs the semi and anti joins a subquery decorrelates into (Flink's
 * StreamingSemiAntiJoinOperator): `SEMI` sends a left row while at least one right row matches
 * it, `ANTI` while none does. The left side keeps its rows with the number of matching right rows
 * (`assoc`, as an outer side does); when that number goes 0 -> 1 a semi join sends the left row
 * (`+I`) and an anti join retracts it (`-D`), and the reverse when it goes back to 0. A left row
 * that arrives is sent with its own kind (`+I`, `-U`, `+U`, `-D`) when it qualifies.
 */

import {
  jsonWithLongs,
  type ListState,
  listState,
  type MapState,
  mapState,
  type NormalizedKey,
} from "@fleuve/core";
import { TwoInputOperator } from "@fleuve/core/spi";
import { isAccumulate, ROW_KIND, type RowKind, rowKind, withKind } from "../planner/changelog.js";
import type { Row } from "../planner/values.js";
import type { JoinType } from "./interval-join.js";

/** A kept row: how many copies, and (outer sides) how many rows of the other side it joins. */
interface Kept {
  readonly row: Row;
  count: number;
  assoc: number;
}

/** What the planner gives the operator. */
export interface StreamingJoinSpec {
  /** The join type; `SEMI` and `ANTI` send left rows only (see the module comment). */
  readonly type: JoinType | "SEMI" | "ANTI";
  /** The rest of the ON condition (key equality, other predicates) on a pair. */
  readonly matches: (left: Row, right: Row) => boolean;
  /** The output row of a pair, or of one side padded with NULLs (the other side null). */
  readonly combine: (left: Row | null, right: Row | null) => Row;
  /**
   * `table.exec.state.ttl` in ms, or one per side (a STATE_TTL hint); undefined keeps state
   * forever.
   */
  readonly stateTtlMs?:
    | number
    | { readonly left: number | undefined; readonly right: number | undefined }
    | undefined;
  /** Whether each input only inserts (then an inner side keeps its rows in a list). */
  readonly insertOnly?: { readonly left: boolean; readonly right: boolean } | undefined;
  /**
   * A scalar subquery's join: the message of the error that fails the job when more than one
   * right row of a key is in the table at once (Flink's "more than one row" check of
   * SINGLE_VALUE), naming the subquery.
   */
  readonly singleRow?: string | undefined;
  /**
   * Whether a right row counts for the {@link singleRow} check: one whose correlation key has a
   * NULL matches no left row, so two of them are no "more than one row". All count without it.
   */
  readonly singleRowCounts?: ((right: Row) => boolean) | undefined;
  /**
   * Per side: from which watermark of the other input on a row of this side can match no later
   * row of the other side (null: none ever can), and how far that watermark moves between two
   * sweeps of the side's rows. Applied to an append-only inner side only (see the module comment).
   */
  readonly expiry?:
    | {
        readonly left?: SideExpiry | undefined;
        readonly right?: SideExpiry | undefined;
      }
    | undefined;
  /**
   * When the join's rows go, unfiltered and as they are, into an insert-only Top-1 without TTL
   * (q9's winning bid): whether that Top-N would drop the pair (`l`, `r`) once it has taken the
   * joined row `best`, i.e. both are of one partition and `best` ranks before the pair or ties
   * with it (see {@link SqlStreamingJoinOperator}'s best rows). Read from the pair's own
   * columns, without building its row.
   */
  readonly topOneDrops?: ((best: Row, l: Row, r: Row) => boolean) | undefined;
}

/** How rows of one side of a regular join expire (see {@link StreamingJoinSpec.expiry}). */
export interface SideExpiry {
  /** The other input's watermark from which on the row matches no later row; null: already. */
  readonly until: (row: Row) => number | null;
  /** How far the other input's watermark moves between two sweeps (ms, > 0). */
  readonly sweepEveryMs: number;
}

/** The expiry of one side's rows while the operator runs. */
interface ActiveExpiry {
  readonly spec: SideExpiry;
  /** The side's list state name. */
  readonly name: string;
  /** The other input's watermark at which the next sweep runs. */
  nextSweep: number;
}

/** The text that identifies equal rows (their kind aside). */
function rowText(row: Row): string {
  // jsonWithLongs: a BIGINT past 2^53 (a bigint) by its digits.
  return jsonWithLongs(row) as string;
}

/** Keyed two-input operator of a SQL regular join. */
export class SqlStreamingJoinOperator extends TwoInputOperator<Row, Row, Row> {
  private leftState!: MapState<string, Kept>;
  private rightState!: MapState<string, Kept>;
  /** The rows of an append-only side (see the module comment), else undefined. */
  private leftRows: ListState<Row> | undefined;
  private rightRows: ListState<Row> | undefined;
  private readonly leftOuter: boolean;
  private readonly rightOuter: boolean;
  private timestamp = 0;
  /** The expiry of the left / right side's rows, if any (see the module comment). */
  private leftExpiry: ActiveExpiry | undefined;
  private rightExpiry: ActiveExpiry | undefined;
  /**
   * Whether the map state of an append-only side may hold rows (kept by an earlier version,
   * restored): only then is it read besides the list, a lookup per record saved otherwise.
   */
  private leftMapRows = true;
  private rightMapRows = true;
  /** The watermark of each input on its own. */
  private leftWatermark = Number.NEGATIVE_INFINITY;
  private rightWatermark = Number.NEGATIVE_INFINITY;
  /**
   * With {@link StreamingJoinSpec.topOneDrops}: per key, the last joined row sent. The Top-1 it
   * went to keeps a row at least as good in its partition from then on (its input only inserts,
   * nothing expires), so a later pair it ranks before or ties with would be dropped there and is
   * not built. Not state: after a restore it starts empty and every pair is sent until one is.
   */
  private readonly bestSent = new Map<NormalizedKey, Row>();

  constructor(private readonly spec: StreamingJoinSpec) {
    super();
    // A semi or anti join keeps its left rows with their number of matches, as an outer side.
    this.leftOuter =
      spec.type === "LEFT" || spec.type === "FULL" || spec.type === "SEMI" || spec.type === "ANTI";
    this.rightOuter = spec.type === "RIGHT" || spec.type === "FULL";
  }

  override open(): void {
    const given = this.spec.stateTtlMs;
    const sides = typeof given === "object" ? given : { left: given, right: given };
    const opts = (ms: number | undefined) => (ms === undefined ? undefined : { ttl: { ttlMs: ms } });
    this.leftState = this.keyedState.getState(mapState<string, Kept>("sql-join-left", opts(sides.left)));
    this.rightState = this.keyedState.getState(mapState<string, Kept>("sql-join-right", opts(sides.right)));
    const ttl = sides.left ?? sides.right;
    const appendOnly = (insertOnly: boolean | undefined, outer: boolean) =>
      insertOnly === true && !outer && ttl === undefined;
    // Open runs after a restore: the map state of an append-only side is never written after it.
    const backend = this.keyedState;
    if (appendOnly(this.spec.insertOnly?.left, this.leftOuter)) {
      this.leftMapRows = backend.keysOf("sql-join-left").length > 0;
      this.leftRows = this.keyedState.getState(listState<Row>("sql-join-left-rows"));
      const e = this.spec.expiry?.left;
      if (e !== undefined)
        this.leftExpiry = { spec: e, name: "sql-join-left-rows", nextSweep: Number.NEGATIVE_INFINITY };
    }
    if (appendOnly(this.spec.insertOnly?.right, this.rightOuter)) {
      this.rightMapRows = backend.keysOf("sql-join-right").length > 0;
      this.rightRows = this.keyedState.getState(listState<Row>("sql-join-right-rows"));
      const e = this.spec.expiry?.right;
      if (e !== undefined)
        this.rightExpiry = { spec: e, name: "sql-join-right-rows", nextSweep: Number.NEGATIVE_INFINITY };
    }
  }

  override processWatermark1(watermark: number): void {
    if (watermark > this.leftWatermark) this.leftWatermark = watermark;
    super.processWatermark1(watermark);
    // The left input's watermark bounds the later left rows: the right side's rows may go.
    if (this.rightExpiry !== undefined && this.rightRows !== undefined)
      this.sweep(this.rightExpiry, this.rightRows, this.leftWatermark);
  }

  override processWatermark2(watermark: number): void {
    if (watermark > this.rightWatermark) this.rightWatermark = watermark;
    super.processWatermark2(watermark);
    if (this.leftExpiry !== undefined && this.leftRows !== undefined)
      this.sweep(this.leftExpiry, this.leftRows, this.rightWatermark);
  }

  override processIdle1(idle: boolean): void {
    // Rows of a woken-up input may be behind its watermark: the other side's rows stay for good.
    if (idle) this.rightExpiry = undefined;
    super.processIdle1(idle);
  }

  override processIdle2(idle: boolean): void {
    if (idle) this.leftExpiry = undefined;
    super.processIdle2(idle);
  }

  /** Whether `row` of a side with `expiry` can match no later row of the other side. */
  private expired(expiry: ActiveExpiry | undefined, row: Row, isLeft: boolean): boolean {
    if (expiry === undefined) return false;
    const until = expiry.spec.until(row);
    return until === null || until <= (isLeft ? this.rightWatermark : this.leftWatermark);
  }

  /** Drops the rows of every key that expired at `watermark` (the other input's), once per sweep interval. */
  private sweep(expiry: ActiveExpiry, rows: ListState<Row>, watermark: number): void {
    if (watermark < expiry.nextSweep) return;
    expiry.nextSweep = watermark + expiry.spec.sweepEveryMs;
    const backend = this.keyedState;
    const until = expiry.spec.until;
    for (const nk of backend.keysOf(expiry.name)) {
      backend.setCurrentKey(backend.rawKey(nk), nk);
      const list = rows.get();
      let kept: Row[] | undefined;
      for (let i = 0; i < list.length; i++) {
        const row = list[i] as Row;
        const u = until(row);
        const gone = u === null || u <= watermark;
        if (gone && kept === undefined) kept = list.slice(0, i);
        else if (!gone && kept !== undefined) kept.push(row);
      }
      if (kept !== undefined) rows.update(kept);
    }
  }

  processElement1(row: Row, timestamp: number): void {
    this.timestamp = timestamp;
    this.process(row, true);
  }

  processElement2(row: Row, timestamp: number): void {
    this.timestamp = timestamp;
    this.process(row, false);
  }

  private emit(kind: RowKind, left: Row | null, right: Row | null, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.output.collect(withKind(this.spec.combine(left, right), kind), this.timestamp);
    }
  }

  /**
   * The pairs of `input` with the other side's kept rows `others` (append-only inner join) for a
   * Top-1 (see {@link bestSent}): a pair its key's last sent row drops is neither built nor sent.
   */
  private pairsToTopOne(input: Row, isLeft: boolean, others: readonly Row[]): void {
    const { matches, combine } = this.spec;
    const drops = this.spec.topOneDrops as (best: Row, l: Row, r: Row) => boolean;
    const key = this.keyedState.currentKey;
    let best = this.bestSent.get(key);
    const first = best;
    for (let i = 0; i < others.length; i++) {
      const o = others[i] as Row;
      const l = isLeft ? input : o;
      const r = isLeft ? o : input;
      if (!matches(l, r) || (best !== undefined && drops(best, l, r))) continue;
      best = combine(l, r);
      this.output.collect(best, this.timestamp);
    }
    if (best !== first) this.bestSent.set(key, best as Row);
  }

  /** Flink's StreamingJoinOperator.processElement, for a row of the left (`isLeft`) or right side. */
  private process(input: Row, isLeft: boolean): void {
    const myRows = isLeft ? this.leftRows : this.rightRows;
    const otherRows = isLeft ? this.rightRows : this.leftRows;
    if (myRows !== undefined && otherRows !== undefined && !(ROW_KIND in input)) {
      // Both sides append-only and inner (see open()), an insert: its pairs with the other
      // side's rows, then the row is kept; nothing else can apply (no multiplicities, no
      // padding). Rows an earlier version kept in the map are joined by the general path.
      const other = isLeft ? this.rightState : this.leftState;
      if (!(isLeft ? this.rightMapRows : this.leftMapRows) || other.isEmpty()) {
        const { matches, combine } = this.spec;
        // An index loop, not for-of: the list is often the state's frozen empty array, and for-of
        // over both kinds of array left V8 an iterator and a result object per row and step.
        const others = otherRows.get();
        if (this.spec.topOneDrops !== undefined && others.length > 0)
          this.pairsToTopOne(input, isLeft, others);
        else
          for (let i = 0; i < others.length; i++) {
            const o = others[i] as Row;
            if (isLeft ? matches(input, o) : matches(o, input))
              this.output.collect(isLeft ? combine(input, o) : combine(o, input), this.timestamp);
          }
        if (!this.expired(isLeft ? this.leftExpiry : this.rightExpiry, input, isLeft)) myRows.add(input);
        return;
      }
    }
    const kind = rowKind(input);
    if (!isLeft && this.spec.singleRow !== undefined && isAccumulate(kind)) {
      const counts = this.spec.singleRowCounts;
      if ((counts === undefined || counts(input)) && this.rightCount(counts) > 0)
        throw new Error(this.spec.singleRow);
    }
    // Stored and joined without its kind: a row that carries one is copied without it (rows
    // are never changed once sent, so an insert is kept as it came).
    const row: Row = ROW_KIND in input ? withKind({ ...input }, "+I") : input;
    const mine = isLeft ? this.leftState : this.rightState;
    const other = isLeft ? this.rightState : this.leftState;
    const inputOuter = isLeft ? this.leftOuter : this.rightOuter;
    const otherOuter = isLeft ? this.rightOuter : this.leftOuter;
    const pair = (o: Row): [Row | null, Row | null] => (isLeft ? [row, o] : [o, row]);
    const padded = (r: Row, ofInput: boolean): [Row | null, Row | null] =>
      isLeft === ofInput ? [r, null] : [null, r];
    const { matches } = this.spec;
    const matched: [string, Kept][] = [];
    if (otherRows !== undefined) {
      // An append-only side is never outer: its matches are never put back, so they need no key.
      const others = otherRows.get();
      for (let i = 0; i < others.length; i++) {
        const o = others[i] as Row;
        if (isLeft ? matches(row, o) : matches(o, row)) matched.push(["", { row: o, count: 1, assoc: 0 }]);
      }
    }
    if (otherRows === undefined || ((isLeft ? this.rightMapRows : this.leftMapRows) && !other.isEmpty())) {
      for (const [k, o] of other.entries()) {
        if (isLeft ? matches(row, o.row) : matches(o.row, row)) matched.push([k, o]);
      }
    }
    const partners = matched.reduce((n, [, o]) => n + o.count, 0);
    if (this.spec.type === "SEMI" || this.spec.type === "ANTI") {
      this.semiAnti(row, kind, isLeft, matched, partners);
      return;
    }

    if (isAccumulate(kind)) {
      const outputKind: RowKind = inputOuter || otherOuter ? "+I" : kind;
      if (inputOuter && matched.length === 0) this.emit("+I", ...padded(row, true));
      for (const [k, o] of matched) {
        if (otherOuter) {
          if (o.assoc === 0) this.emit("-D", ...padded(o.row, false), o.count);
          o.assoc += 1;
          other.put(k, o);
        }
        this.emit(outputKind, ...pair(o.row), o.count);
      }
      if (myRows !== undefined) {
        if (!this.expired(isLeft ? this.leftExpiry : this.rightExpiry, row, isLeft)) myRows.add(row);
        return;
      }
      const text = rowText(row);
      const kept = mine.get(text);
      if (kept === undefined) mine.put(text, { row, count: 1, assoc: partners });
      else {
        kept.count += 1;
        kept.assoc = partners;
        mine.put(text, kept);
      }
    } else {
      const text = rowText(row);
      // A retraction on an append-only side would be a planning error; it still finds its row.
      if (myRows !== undefined) removeRow(myRows, text);
      const kept = mine.get(text);
      if (kept !== undefined) {
        if (kept.count <= 1) mine.remove(text);
        else {
          kept.count -= 1;
          mine.put(text, kept);
        }
      }
      if (matched.length === 0) {
        if (inputOuter) this.emit("-D", ...padded(row, true));
        return;
      }
      const outputKind: RowKind = inputOuter || otherOuter ? "-D" : kind;
      for (const [k, o] of matched) {
        this.emit(outputKind, ...pair(o.row), o.count);
        if (otherOuter) {
          if (o.assoc === 1) this.emit("+I", ...padded(o.row, false), o.count);
          o.assoc -= 1;
          other.put(k, o);
        }
      }
    }
  }

  /** How many right rows of the current key are in the table (copies counted), those `counts` takes. */
  private rightCount(counts?: (right: Row) => boolean): number {
    let n = 0;
    for (const r of this.rightRows?.get() ?? []) if (counts === undefined || counts(r)) n += 1;
    for (const [, o] of this.rightState.entries()) if (counts === undefined || counts(o.row)) n += o.count;
    return n;
  }

  /**
   * A row of a semi (`SEMI`) or anti (`ANTI`) join, `matched` its partners on the other side
   * (`partners` of them, counting copies): Flink's StreamingSemiAntiJoinOperator.
   */
  private semiAnti(
    row: Row,
    kind: RowKind,
    isLeft: boolean,
    matched: [string, Kept][],
    partners: number,
  ): void {
    const semi = this.spec.type === "SEMI";
    const text = rowText(row);
    if (isLeft) {
      const kept = this.leftState.get(text);
      if (isAccumulate(kind)) {
        if (kept === undefined) this.leftState.put(text, { row, count: 1, assoc: partners });
        else {
          kept.count += 1;
          kept.assoc = partners;
          this.leftState.put(text, kept);
        }
      } else if (kept !== undefined) {
        if (kept.count <= 1) this.leftState.remove(text);
        else {
          kept.count -= 1;
          this.leftState.put(text, kept);
        }
      }
      // The row goes out as it came (its own kind) when it qualifies.
      if (semi === partners > 0) this.emit(kind, row, null);
      return;
    }
    if (isAccumulate(kind)) {
      for (const [k, o] of matched) {
        if (o.assoc === 0) this.emit(semi ? "+I" : "-D", o.row, null, o.count);
        o.assoc += 1;
        this.leftState.put(k, o);
      }
      if (this.rightRows !== undefined) this.rightRows.add(row);
      else {
        const kept = this.rightState.get(text);
        if (kept === undefined) this.rightState.put(text, { row, count: 1, assoc: 0 });
        else {
          kept.count += 1;
          this.rightState.put(text, kept);
        }
      }
      return;
    }
    if (this.rightRows !== undefined) removeRow(this.rightRows, text);
    const kept = this.rightState.get(text);
    if (kept !== undefined) {
      if (kept.count <= 1) this.rightState.remove(text);
      else {
        kept.count -= 1;
        this.rightState.put(text, kept);
      }
    }
    for (const [k, o] of matched) {
      o.assoc -= 1;
      if (o.assoc === 0) this.emit(semi ? "-D" : "+I", o.row, null, o.count);
      this.leftState.put(k, o);
    }
  }
}

/** Removes one row whose text is `text` from `rows`, if there is one. */
function removeRow(rows: ListState<Row>, text: string): void {
  const list = rows.get();
  const at = list.findIndex((r) => rowText(r) === text);
  if (at >= 0) rows.update([...list.slice(0, at), ...list.slice(at + 1)]);
}
