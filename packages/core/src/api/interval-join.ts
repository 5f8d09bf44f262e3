/**
 * The interval join builder (Flink's KeyedStream.IntervalJoin / IntervalJoined):
 *
 * ```ts
 * orders.keyBy((o) => o.user)
 *   .intervalJoin(clicks.keyBy((c) => c.user))
 *   .between(-5_000, 0) // clicks at most 5 s before the order
 *   .process({ processElement: (o, c, ctx, out) => out.collect({ ...o, page: c.page }) });
 * ```
 *
 * Event time only: both inputs need timestamps and watermarks.
 */

import { FleuveError } from "../errors.js";
import type { Collector } from "../functions/functions.js";
import type { ProcessJoinContext, ProcessJoinFunction } from "../joins/functions.js";
import { IntervalJoinOperator, type IntervalJoinOptions } from "../joins/interval-join-operator.js";
import type { Key } from "../spi/key-groups.js";
import type { OutputTag } from "../spi/output-tag.js";
import type { DataStream, KeyedStream } from "./datastream.js";

/** Two keyed streams to join on an interval; call {@link IntervalJoin.between}. */
export class IntervalJoin<L, R, K extends Key> {
  /** @internal use `KeyedStream.intervalJoin` */
  constructor(
    readonly left: KeyedStream<L, K>,
    readonly right: KeyedStream<R, K>,
  ) {
    if (left.env !== right.env) {
      throw new FleuveError("FLEUVE_GRAPH_INVALID", "intervalJoin: streams come from different environments");
    }
  }

  /** Flink's `inEventTime()`: interval joins always run in event time, so this changes nothing. */
  inEventTime(): this {
    return this;
  }

  /**
   * Joins a left record at `l` with right records at `r` where `l + lowerMs <= r <= l + upperMs`
   * (both bounds inclusive unless made exclusive). Bounds are integer milliseconds, may be
   * negative, and `lowerMs <= upperMs`.
   */
  between(lowerMs: number, upperMs: number): IntervalJoined<L, R, K> {
    for (const [name, v] of [
      ["lowerMs", lowerMs],
      ["upperMs", upperMs],
    ] as const) {
      if (typeof v !== "number" || !Number.isSafeInteger(v)) {
        throw new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          `intervalJoin(...).between(${String(lowerMs)}, ${String(upperMs)}): ${name} must be an integer number of ms`,
          { details: { option: name, value: v } },
        );
      }
    }
    if (lowerMs > upperMs) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `intervalJoin(...).between(${lowerMs}, ${upperMs}): the lower bound is above the upper bound; swap them`,
        { details: { option: "lowerMs", value: lowerMs } },
      );
    }
    return new IntervalJoined<L, R, K>(this.left, this.right, lowerMs, upperMs);
  }
}

/** An interval join with its bounds; finish with {@link IntervalJoined.process}. */
export class IntervalJoined<L, R, K extends Key> {
  private lowerInclusive = true;
  private upperInclusive = true;
  private leftLate: OutputTag<L> | undefined;
  private rightLate: OutputTag<R> | undefined;

  /** @internal */
  constructor(
    private readonly left: KeyedStream<L, K>,
    private readonly right: KeyedStream<R, K>,
    private readonly lowerMs: number,
    private readonly upperMs: number,
  ) {}

  /** Excludes pairs exactly at the lower bound (`r > l + lowerMs`). */
  lowerBoundExclusive(): this {
    this.lowerInclusive = false;
    return this;
  }

  /** Excludes pairs exactly at the upper bound (`r < l + upperMs`). */
  upperBoundExclusive(): this {
    this.upperInclusive = false;
    return this;
  }

  /** Sends left records that arrive behind the watermark to side output `tag` instead of dropping them. */
  sideOutputLeftLateData(tag: OutputTag<L>): this {
    this.leftLate = tag;
    return this;
  }

  /** Sends right records that arrive behind the watermark to side output `tag` instead of dropping them. */
  sideOutputRightLateData(tag: OutputTag<R>): this {
    this.rightLate = tag;
    return this;
  }

  /**
   * Calls `fn` for every joined pair; results carry the larger of the two timestamps. Late-data
   * side outputs are read with `getSideOutput(tag)` on the returned stream.
   */
  process<OUT>(
    fn:
      | ProcessJoinFunction<L, R, OUT>
      | ((left: L, right: R, ctx: ProcessJoinContext, out: Collector<OUT>) => void),
    name = "IntervalJoin",
  ): DataStream<OUT> {
    const f: ProcessJoinFunction<L, R, OUT> = typeof fn === "function" ? { processElement: fn } : fn;
    if (typeof f !== "object" || f === null || typeof f.processElement !== "function") {
      throw new FleuveError(
        "FLEUVE_GRAPH_INVALID",
        "intervalJoin(...).between(...).process(...) needs a function or an object with a processElement() method",
      );
    }
    const options: IntervalJoinOptions<L, R> = {
      lowerBound: this.lowerMs,
      upperBound: this.upperMs,
      lowerBoundInclusive: this.lowerInclusive,
      upperBoundInclusive: this.upperInclusive,
      leftLateDataTag: this.leftLate,
      rightLateDataTag: this.rightLate,
    };
    return this.left.env.addTwoInputNode<OUT>(
      name,
      this.left,
      this.right,
      () => new IntervalJoinOperator<L, R, OUT>(f, options),
    );
  }
}
