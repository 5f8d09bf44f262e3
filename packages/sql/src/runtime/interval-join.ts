/**
 * The interval join of Flink SQL (flink-table-runtime's TimeIntervalJoin, row time):
 * `l JOIN r ON l.k = r.k AND l.ts BETWEEN r.ts + lower AND r.ts + upper`, inner or outer.
 *
 * A port of Flink 1.20's algorithm, rule by rule, so that the same input in the same order gives
 * the same rows (which late rows still join depends on these rules):
 * - Per key, each side's rows are cached by their time with an "emitted" flag. The operator time
 *   is the (combined) watermark, 0 while it is not positive.
 * - A row is cached while the operator time is before its upper bound (`l + leftRelativeSize`,
 *   `r + rightRelativeSize`); otherwise it is not (an outer join pads it at once if it matched
 *   nothing).
 * - A row probes the other side's cache only when its upper bound is past that cache's expiration
 *   time, an operator-wide value (not per key, not checkpointed, as Flink's field) that the probe
 *   then moves to `operator time - other side's relative size - 1`; while probing, rows at or
 *   before it are dropped (padded by an outer join if they never matched).
 * - Cleanup is one timer per key and side, set by the first row cached while none is set, at
 *   `time + relative size + 1`; when it fires it drops the rows at or before the expiration time
 *   and sets the next timer from the earliest row left. So a row that comes out of order behind
 *   the one that set the timer stays until that timer (or a probe) drops it, and can still be
 *   joined until then.
 * - The output watermark is held back by the larger relative size (Flink's getMaxOutputDelay).
 */

import { MAX_WATERMARK } from "@fleuve/core";
import { type InternalTimerService, type KeyedTable, TwoInputOperator } from "@fleuve/core/spi";
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

/** The timers' namespace: one timer per key and time, as Flink's (VoidNamespace). */
const TIMER = 0;

/** Keyed two-input operator of a SQL interval join. */
export class SqlIntervalJoinOperator extends TwoInputOperator<Row, Row, Row> {
  private leftCache!: KeyedTable<Cache>;
  private rightCache!: KeyedTable<Cache>;
  /** The cleanup time of the right cache's timer (Flink's leftTimerState) and of the left's. */
  private rightCleanup!: KeyedTable<number>;
  private leftCleanup!: KeyedTable<number>;
  private readonly leftRelativeSize: number;
  private readonly rightRelativeSize: number;
  /** Times up to which each cache has been cleaned (operator-wide, as Flink's fields). */
  private leftExpirationTime = 0;
  private rightExpirationTime = 0;
  private timers$!: InternalTimerService<number>;
  private readonly leftOuter: boolean;
  private readonly rightOuter: boolean;
  /** How far the output watermark stays behind the input's. */
  readonly watermarkDelay: number;

  constructor(private readonly spec: IntervalJoinSpec) {
    super();
    this.leftRelativeSize = -spec.lower;
    this.rightRelativeSize = spec.upper;
    this.watermarkDelay = Math.max(this.leftRelativeSize, this.rightRelativeSize);
    this.leftOuter = spec.type === "LEFT" || spec.type === "FULL";
    this.rightOuter = spec.type === "RIGHT" || spec.type === "FULL";
  }

  override open(): void {
    this.leftCache = this.keyedState.getTable<Cache>("sql-interval-join-left");
    this.rightCache = this.keyedState.getTable<Cache>("sql-interval-join-right");
    this.leftCleanup = this.keyedState.getTable<number>("sql-interval-join-left-cleanup");
    this.rightCleanup = this.keyedState.getTable<number>("sql-interval-join-right-cleanup");
    // Created in open() so that timers restored from a checkpoint find their service.
    this.timers$ = this.getTimerService<number>({
      onEventTime: (time: number) => this.onTimer(time),
      onProcessingTime: () => {},
    });
  }

  /** Flink's operator time: the watermark, 0 while it is not positive. */
  private get operatorTime(): number {
    return Math.max(this.currentWatermark, 0);
  }

  /** Flink's calExpirationTime: rows at or before it can match no row still to come. */
  private expirationTime(relativeSize: number): number {
    const t = this.operatorTime;
    return t < MAX_WATERMARK ? t - relativeSize - 1 : MAX_WATERMARK;
  }

  processElement1(row: Row): void {
    const l = this.spec.leftTime(row);
    const upper = l + this.leftRelativeSize;
    let emitted = false;
    if (this.rightExpirationTime < upper) {
      this.rightExpirationTime = this.expirationTime(this.rightRelativeSize);
      emitted = this.probe(
        this.rightCache,
        l - this.rightRelativeSize,
        upper,
        this.rightExpirationTime,
        (r) => this.pair(row, r),
        this.rightOuter ? (r) => this.emit(null, r) : undefined,
      );
    }
    if (this.operatorTime < upper) {
      this.cache(this.leftCache, l, { row, emitted });
      if (this.leftCleanup.get() === undefined)
        this.registerCleanup(this.leftCleanup, l + this.leftRelativeSize);
    } else if (!emitted && this.leftOuter) this.emit(row, null);
  }

  processElement2(row: Row): void {
    const r = this.spec.rightTime(row);
    const upper = r + this.rightRelativeSize;
    let emitted = false;
    if (this.leftExpirationTime < upper) {
      this.leftExpirationTime = this.expirationTime(this.leftRelativeSize);
      emitted = this.probe(
        this.leftCache,
        r - this.leftRelativeSize,
        upper,
        this.leftExpirationTime,
        (l) => this.pair(l, row),
        this.leftOuter ? (l) => this.emit(l, null) : undefined,
      );
    }
    if (this.operatorTime < upper) {
      this.cache(this.rightCache, r, { row, emitted });
      if (this.rightCleanup.get() === undefined)
        this.registerCleanup(this.rightCleanup, r + this.rightRelativeSize);
    } else if (!emitted && this.rightOuter) this.emit(null, row);
  }

  /**
   * Joins with the cached rows timed in [lo, hi] and drops those at or before `expired` (padding
   * the unmatched ones with `pad`), in one pass as Flink's; returns whether any pair matched.
   */
  private probe(
    cache: KeyedTable<Cache>,
    lo: number,
    hi: number,
    expired: number,
    join: (other: Row) => boolean,
    pad: ((other: Row) => void) | undefined,
  ): boolean {
    const buckets = cache.get();
    if (buckets === undefined) return false;
    let any = false;
    for (const [t, bucket] of buckets) {
      if (t >= lo && t <= hi) {
        for (const c of bucket) {
          if (join(c.row)) {
            any = true;
            c.emitted = true;
          }
        }
      }
      if (t <= expired) {
        if (pad) for (const c of bucket) if (!c.emitted) pad(c.row);
        buckets.delete(t);
      }
    }
    // Flink keeps the (empty) map state until a timer clears it; an empty map is no state here.
    if (buckets.size === 0) cache.delete();
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

  private cache(table: KeyedTable<Cache>, time: number, c: Cached): void {
    let buckets = table.get();
    if (buckets === undefined) {
      buckets = new Map();
      table.set(buckets);
    }
    const bucket = buckets.get(time);
    if (bucket === undefined) buckets.set(time, [c]);
    else bucket.push(c);
  }

  /** Flink's registerCleanUpTimer (min-cleanup-interval and allowed lateness 0). */
  private registerCleanup(state: KeyedTable<number>, bound: number): void {
    const at = bound + 1;
    this.timers$.registerEventTimeTimer(TIMER, at);
    state.set(at);
  }

  /** Flink's onTimer: the right cache's cleanup first, then the left's. */
  private onTimer(time: number): void {
    // A cache without its cleanup time comes from a checkpoint of the earlier operator (one timer
    // per bucket, no cleanup state): clean it now, which sets the timer of what is left.
    const rightAt = this.rightCleanup.get() ?? (this.rightCache.get() !== undefined ? time : undefined);
    const leftAt = this.leftCleanup.get() ?? (this.leftCache.get() !== undefined ? time : undefined);
    if (rightAt === time) {
      this.rightExpirationTime = this.expirationTime(this.rightRelativeSize);
      this.removeExpired(
        this.rightCache,
        this.rightCleanup,
        this.rightExpirationTime,
        this.rightRelativeSize,
        (r) => (this.rightOuter ? this.emit(null, r) : undefined),
      );
    }
    if (leftAt === time) {
      this.leftExpirationTime = this.expirationTime(this.leftRelativeSize);
      this.removeExpired(
        this.leftCache,
        this.leftCleanup,
        this.leftExpirationTime,
        this.leftRelativeSize,
        (l) => (this.leftOuter ? this.emit(l, null) : undefined),
      );
    }
  }

  /**
   * Flink's removeExpiredRows: drops the rows at or before `expired` (padding the unmatched), then
   * sets the next timer from the earliest row left, or clears the cache and its timer when none
   * (or only rows timed at or before 0, which Flink's `earliestTimestamp > 0` test drops too) is.
   */
  private removeExpired(
    cache: KeyedTable<Cache>,
    cleanup: KeyedTable<number>,
    expired: number,
    relativeSize: number,
    pad: (row: Row) => void,
  ): void {
    const buckets = cache.get();
    let earliest = -1;
    if (buckets !== undefined) {
      for (const [t, bucket] of buckets) {
        if (t <= expired) {
          for (const c of bucket) if (!c.emitted) pad(c.row);
          buckets.delete(t);
        } else if (t < earliest || earliest < 0) earliest = t;
      }
    }
    if (earliest > 0) this.registerCleanup(cleanup, earliest + relativeSize);
    else {
      cleanup.delete();
      cache.delete();
    }
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
