/**
 * The interval join operator (Flink's IntervalJoinOperator): joins, per key, every left record at
 * time `l` with every right record at time `r` where `l + lower <= r <= l + upper`.
 *
 * Each side is buffered per key as a map timestamp -> records (Flink's MapState buffers, kept as a
 * keyed table of the state backend so the per-record scan is a plain Map iteration). A record is joined against the
 * other side's buffer when it arrives, then buffered itself until the watermark passes the last
 * time a record of the other side could still match it; an event-time timer per (side, timestamp)
 * then drops the bucket. Records behind the watermark are late and dropped (or sent to a side
 * output), exactly as Flink does.
 */
import { FleuveError } from "../errors.js";
import type { Collector } from "../functions/functions.js";
import { createRuntimeContext } from "../operators/runtime-context.js";
import type { Key } from "../spi/key-groups.js";
import { SKIP_RECORD, TwoInputOperator } from "../spi/operator.js";
import type { OutputTag } from "../spi/output-tag.js";
import type { InternalTimerService, Triggerable } from "../spi/timer-service.js";
import type { KeyedTable } from "../state/heap-keyed-state-backend.js";
import { MIN_WATERMARK, NO_TIMESTAMP } from "../time/watermark.js";
import type { ProcessJoinContext, ProcessJoinFunction } from "./functions.js";

/** Names of the buffers in keyed state (stable: they are part of checkpoints). */
export const LEFT_BUFFER = "interval-join-left";
/** @see LEFT_BUFFER */
export const RIGHT_BUFFER = "interval-join-right";

/** Timer namespaces of the two cleanup timers. */
const CLEANUP_LEFT = 0;
const CLEANUP_RIGHT = 1;

/** Options of {@link IntervalJoinOperator}, as set by the `between(...)` builder. */
export interface IntervalJoinOptions<L, R> {
  readonly lowerBound: number;
  readonly upperBound: number;
  readonly lowerBoundInclusive: boolean;
  readonly upperBoundInclusive: boolean;
  readonly leftLateDataTag?: OutputTag<L>;
  readonly rightLateDataTag?: OutputTag<R>;
}

class JoinContext implements ProcessJoinContext {
  leftTimestamp = NO_TIMESTAMP;
  rightTimestamp = NO_TIMESTAMP;
  timestamp = NO_TIMESTAMP;
  constructor(private readonly op: { side(tag: OutputTag<any>, v: unknown, ts: number): void }) {}
  output<X>(tag: OutputTag<X>, value: X): void {
    this.op.side(tag, value, this.timestamp);
  }
}

/** Keyed two-input operator of `intervalJoin(...).between(...).process(fn)`. */
export class IntervalJoinOperator<L, R, OUT>
  extends TwoInputOperator<L, R, OUT>
  implements Triggerable<number>, Collector<OUT>
{
  /** Bounds with exclusiveness folded in (integer ms timestamps, as in Flink). */
  private readonly lower: number;
  private readonly upper: number;
  private leftBuffer!: KeyedTable<Map<number, L[]>>;
  private rightBuffer!: KeyedTable<Map<number, R[]>>;
  private cleanupTimers!: InternalTimerService<number>;
  private readonly ctx = new JoinContext(this);

  constructor(
    private fn: ProcessJoinFunction<L, R, OUT>,
    private readonly options: IntervalJoinOptions<L, R>,
  ) {
    super();
    this.lower = options.lowerBoundInclusive ? options.lowerBound : options.lowerBound + 1;
    this.upper = options.upperBoundInclusive ? options.upperBound : options.upperBound - 1;
  }

  override open(): void {
    const state = this.keyedState;
    this.leftBuffer = state.getTable<Map<number, L[]>>(LEFT_BUFFER);
    this.rightBuffer = state.getTable<Map<number, R[]>>(RIGHT_BUFFER);
    this.cleanupTimers = this.getTimerService<number>(this);
    // One instance per subtask: fields the function sets on `this` in open() stay per subtask.
    this.fn = Object.create(this.fn);
    this.fn.open?.(createRuntimeContext(this.runtime));
  }

  processElement1(value: L, timestamp: number): void {
    if (this.admit(value, timestamp, this.options.leftLateDataTag)) return;
    addToBuffer(this.leftBuffer, value, timestamp);
    // Registered before joining so that a pair skipped by the error policy cannot leak the bucket.
    this.cleanupTimers.registerEventTimeTimer(
      CLEANUP_LEFT,
      this.upper > 0 ? timestamp + this.upper : timestamp,
    );
    const lo = timestamp + this.lower;
    const hi = timestamp + this.upper;
    const others = this.rightBuffer.get();
    if (others === undefined) return;
    for (const [ts, bucket] of others) {
      if (ts < lo || ts > hi) continue;
      for (let i = 0; i < bucket.length; i++) this.join(value, bucket[i]!, timestamp, ts);
    }
  }

  processElement2(value: R, timestamp: number): void {
    if (this.admit(value, timestamp, this.options.rightLateDataTag)) return;
    addToBuffer(this.rightBuffer, value, timestamp);
    this.cleanupTimers.registerEventTimeTimer(
      CLEANUP_RIGHT,
      -this.lower > 0 ? timestamp - this.lower : timestamp,
    );
    // Seen from the right: left records in [r - upper, r - lower].
    const lo = timestamp - this.upper;
    const hi = timestamp - this.lower;
    const others = this.leftBuffer.get();
    if (others === undefined) return;
    for (const [ts, bucket] of others) {
      if (ts < lo || ts > hi) continue;
      for (let i = 0; i < bucket.length; i++) this.join(bucket[i]!, value, ts, timestamp);
    }
  }

  /** Checks the timestamp; returns true when the record is late (and has been handled). */
  private admit(value: unknown, timestamp: number, lateTag: OutputTag<any> | undefined): boolean {
    if (timestamp === NO_TIMESTAMP || typeof timestamp !== "number" || Number.isNaN(timestamp)) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `interval join '${this.runtime.operatorName}': a record has no event timestamp; assign timestamps upstream (assignTimestampsAndWatermarks, or fromCollection with timestamps/strategy)`,
        { details: { operator: this.runtime.operatorName, record: value } },
      );
    }
    // Flink: late means strictly behind the current watermark.
    if (this.currentWatermark !== MIN_WATERMARK && timestamp < this.currentWatermark) {
      if (lateTag) this.output.collectSide(lateTag, value, timestamp);
      return true;
    }
    return false;
  }

  private join(left: L, right: R, lts: number, rts: number): void {
    const ctx = this.ctx;
    ctx.leftTimestamp = lts;
    ctx.rightTimestamp = rts;
    ctx.timestamp = Math.max(lts, rts);
    try {
      this.fn.processElement(left, right, ctx, this);
    } catch (e) {
      // With the "skip"/dead-letter policy only this pair is dropped; the join goes on.
      const err = this.userError(e, { left, right }, ctx.timestamp);
      if (err !== SKIP_RECORD) throw err;
    }
  }

  /** Collector handed to the user function: stamps the pair's timestamp. */
  collect(value: OUT): void {
    this.output.collect(value, this.ctx.timestamp);
  }

  /** @internal side output of the join context. */
  side(tag: OutputTag<any>, value: unknown, ts: number): void {
    this.output.collectSide(tag, value, ts);
  }

  onEventTime(timestamp: number, _key: Key, namespace: number): void {
    // Undo the cleanup-time computation of processElement1/2 to find the bucket.
    if (namespace === CLEANUP_LEFT) {
      removeFromBuffer(this.leftBuffer, this.upper <= 0 ? timestamp : timestamp - this.upper);
    } else {
      removeFromBuffer(this.rightBuffer, this.lower <= 0 ? timestamp + this.lower : timestamp);
    }
  }

  onProcessingTime(): void {}

  override close(): void {
    this.fn.close?.();
  }
}

function addToBuffer<T>(buffer: KeyedTable<Map<number, T[]>>, value: T, timestamp: number): void {
  let buckets = buffer.get();
  if (buckets === undefined) {
    buckets = new Map();
    buffer.set(buckets);
  }
  const bucket = buckets.get(timestamp);
  if (bucket) bucket.push(value);
  else buckets.set(timestamp, [value]);
}

function removeFromBuffer<T>(buffer: KeyedTable<Map<number, T[]>>, timestamp: number): void {
  const buckets = buffer.get();
  if (buckets === undefined) return;
  buckets.delete(timestamp);
  // No entry is left for a key without buffered records (state size stays bounded by live keys).
  if (buckets.size === 0) buffer.delete();
}
