/**
 * The interval join of Flink SQL (flink-table-runtime's TimeIntervalJoin, row time):
 * `l JOIN r ON l.k = r.k AND l.ts BETWEEN r.ts + lower AND r.ts + upper`, inner or outer.
 *
 * Per key, each side's rows are cached by their time with an "emitted" flag. A row joins the
 * other side's cached rows in its time range when it arrives, then is cached as long as a row of
 * the other side that is not late could still match it: a left row at `l` until the watermark
 * reaches `l + leftRelativeSize` (= `l - lower`), a right row at `r` until it reaches
 * `r + rightRelativeSize` (= `r + upper`). When a row leaves the cache without a match, an outer
 * join emits it padded with NULLs. A late row still joins what is cached (as in Flink) but is not
 * cached itself. The output watermark is held back by the larger relative size (+1), so that
 * joined rows, stamped with their row time, are never behind it downstream.
 */

import { MAX_WATERMARK } from "@fleuve/core";
import { type InternalTimerService, type Key, type KeyedTable, TwoInputOperator } from "@fleuve/core/spi";
import type { Row } from "../planner/values.js";

/** Which rows an outer join keeps without a match. */
export type JoinType = "INNER" | "LEFT" | "RIGHT" | "FULL";

/** A cached row and whether it has joined at least once. */
interface Cached {
  readonly row: Row;
  emitted: boolean;
}
type Cache = Map<number, Cached[]>;

/** What the planner gives the operator. */
export interface IntervalJoinSpec {
  readonly type: JoinType;
  /** `l.ts >= r.ts + lower` and `l.ts <= r.ts + upper` (ms, inclusive). */
  readonly lower: number;
  readonly upper: number;
  /** The time of a left row / a right row (their rowtime columns). */
  readonly leftTime: (row: Row) => number;
  readonly rightTime: (row: Row) => number;
  /** The rest of the ON condition (key equality, other predicates) on a pair. */
  readonly matches: (left: Row, right: Row) => boolean;
  /** The output row of a pair, or of one side padded with NULLs (the other side null). */
  readonly combine: (left: Row | null, right: Row | null) => Row;
  /** The record timestamp of an output row. */
  readonly outputTime: (out: Row, left: Row | null, right: Row | null) => number;
}

const LEFT = 0;
const RIGHT = 1;

/** Keyed two-input operator of a SQL interval join. */
export class SqlIntervalJoinOperator extends TwoInputOperator<Row, Row, Row> {
  private leftCache!: KeyedTable<Cache>;
  private rightCache!: KeyedTable<Cache>;
  private readonly leftRelativeSize: number;
  private readonly rightRelativeSize: number;
  private timers$!: InternalTimerService<number>;
  /** How far the output watermark stays behind the input's. */
  readonly watermarkDelay: number;

  constructor(private readonly spec: IntervalJoinSpec) {
    super();
    this.leftRelativeSize = -spec.lower;
    this.rightRelativeSize = spec.upper;
    this.watermarkDelay = Math.max(this.leftRelativeSize, this.rightRelativeSize, 0) + 1;
  }

  override open(): void {
    this.leftCache = this.keyedState.getTable<Cache>("sql-interval-join-left");
    this.rightCache = this.keyedState.getTable<Cache>("sql-interval-join-right");
    // Created in open() so that timers restored from a checkpoint find their service.
    this.timers$ = this.getTimerService<number>({
      onEventTime: (time: number, _key: Key, side: number) => this.expire(time, side),
      onProcessingTime: () => {},
    });
  }

  processElement1(row: Row): void {
    const s = this.spec;
    const l = s.leftTime(row);
    // Right rows in [l - rightRelativeSize, l + leftRelativeSize] match.
    const emitted = this.probe(this.rightCache, l - this.rightRelativeSize, l + this.leftRelativeSize, (r) =>
      this.pair(row, r),
    );
    const until = l + this.leftRelativeSize;
    if (this.currentWatermark < until) this.cache(this.leftCache, LEFT, l, until, { row, emitted });
    else if (!emitted && (s.type === "LEFT" || s.type === "FULL")) this.emit(row, null);
  }

  processElement2(row: Row): void {
    const s = this.spec;
    const r = s.rightTime(row);
    // Left rows in [r - leftRelativeSize, r + rightRelativeSize] match.
    const emitted = this.probe(this.leftCache, r - this.leftRelativeSize, r + this.rightRelativeSize, (l) =>
      this.pair(l, row),
    );
    const until = r + this.rightRelativeSize;
    if (this.currentWatermark < until) this.cache(this.rightCache, RIGHT, r, until, { row, emitted });
    else if (!emitted && (s.type === "RIGHT" || s.type === "FULL")) this.emit(null, row);
  }

  /** Joins with the cached rows timed in [lo, hi]; returns whether any pair matched. */
  private probe(cache: KeyedTable<Cache>, lo: number, hi: number, join: (other: Row) => boolean): boolean {
    const buckets = cache.get();
    if (buckets === undefined) return false;
    let any = false;
    for (const [t, bucket] of buckets) {
      if (t < lo || t > hi) continue;
      for (const c of bucket) {
        if (join(c.row)) {
          any = true;
          c.emitted = true;
        }
      }
    }
    return any;
  }

  private pair(left: Row, right: Row): boolean {
    if (!this.spec.matches(left, right)) return false;
    this.emit(left, right);
    return true;
  }

  private emit(left: Row | null, right: Row | null): void {
    const out = this.spec.combine(left, right);
    this.output.collect(out, this.spec.outputTime(out, left, right));
  }

  private cache(table: KeyedTable<Cache>, side: number, time: number, until: number, c: Cached): void {
    let buckets = table.get();
    if (buckets === undefined) {
      buckets = new Map();
      table.set(buckets);
    }
    const bucket = buckets.get(time);
    if (bucket === undefined) {
      buckets.set(time, [c]);
      // Fires when the watermark reaches `until`: no row of the other side can match after that.
      this.timers$.registerEventTimeTimer(side, until);
    } else bucket.push(c);
  }

  /** A cleanup timer: drops the bucket (its time is the timer's minus the side's relative size), padding unmatched rows. */
  private expire(timer: number, side: number): void {
    const left = side === LEFT;
    const table = left ? this.leftCache : this.rightCache;
    const time = timer - (left ? this.leftRelativeSize : this.rightRelativeSize);
    const buckets = table.get();
    const bucket = buckets?.get(time);
    if (buckets === undefined || bucket === undefined) return;
    const t = this.spec.type;
    const pad = left ? t === "LEFT" || t === "FULL" : t === "RIGHT" || t === "FULL";
    if (pad) {
      for (const c of bucket) if (!c.emitted) left ? this.emit(c.row, null) : this.emit(null, c.row);
    }
    buckets.delete(time);
    if (buckets.size === 0) table.delete();
  }

  /** Fires the cleanup timers, then forwards the watermark held back by {@link watermarkDelay}. */
  override processWatermark(watermark: number): void {
    if (watermark <= this.currentWatermark) return;
    this.currentWatermark = watermark;
    this.runtime.metrics.currentWatermark.set(watermark);
    this.timers?.advanceWatermark(watermark);
    this.output.emitWatermark(watermark === MAX_WATERMARK ? watermark : watermark - this.watermarkDelay);
  }
}
