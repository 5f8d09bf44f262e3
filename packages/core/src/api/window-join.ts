/**
 * Window join and window coGroup (Flink's JoinedStreams and CoGroupedStreams):
 *
 * ```ts
 * orders.join(payments)
 *   .where((o) => o.id).equalTo((p) => p.orderId)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .apply((o, p) => ({ ...o, paidAt: p.ts }));
 * ```
 *
 * Built exactly as Flink builds them, from the windowing API: each side is mapped to a
 * {@link TaggedUnion}, the two are unioned and keyed (each side by its own key selector), windowed
 * with the assigner, and a window function splits each window's elements back into the two sides.
 * Trigger, evictor (which sees the tagged records of both sides) and allowed lateness therefore
 * behave as for any window.
 */

import { FleuveError } from "../errors.js";
import type { Collector } from "../functions/functions.js";
import type { CoGroupFunction, FlatJoinFunction, JoinFunction } from "../joins/functions.js";
import type { Key, KeySelector } from "../spi/key-groups.js";
import type { WindowAssigner } from "../windows/assigners.js";
import type { Evictor } from "../windows/evictors.js";
import type { Trigger } from "../windows/trigger.js";
import type { Window } from "../windows/window.js";
import type { ProcessWindowFunction } from "../windows/window-function.js";
import type { DataStream } from "./datastream.js";

/** A record of either input of a window join, tagged with its side (Flink's TaggedUnion). */
export type TaggedUnion<L, R> =
  | { readonly side: 1; readonly value: L }
  | { readonly side: 2; readonly value: R };

type Kind = "join" | "coGroup";

/** Two streams to join or coGroup; give the key of the first with `where`. */
class TwoStreams<L, R> {
  /** @internal */
  constructor(
    readonly left: DataStream<L>,
    readonly right: DataStream<R>,
    readonly kind: Kind,
  ) {
    if (left.env !== right.env) {
      throw new FleuveError("FLEUVE_GRAPH_INVALID", `${kind}: streams come from different environments`);
    }
  }
}

function checkKeySelector(fn: unknown, kind: Kind, method: string): void {
  if (typeof fn !== "function") {
    throw new FleuveError(
      "FLEUVE_KEY_INVALID",
      `${kind}(...).${method}(...) needs a key selector function (value => key), got ${fn === null ? "null" : typeof fn}`,
    );
  }
}

/** Window join of two streams (Flink's JoinedStreams): `where(k1).equalTo(k2).window(assigner).apply(fn)`. */
export class JoinedStreams<L, R> extends TwoStreams<L, R> {
  /** @internal use `DataStream.join` */
  constructor(left: DataStream<L>, right: DataStream<R>) {
    super(left, right, "join");
  }

  /** The key of the first (this) stream. */
  where<K extends Key>(keySelector: KeySelector<L, K>): JoinWhere<L, R, K> {
    checkKeySelector(keySelector, "join", "where");
    return new JoinWhere<L, R, K>(this, keySelector);
  }
}

/** Window coGroup of two streams (Flink's CoGroupedStreams): `where(k1).equalTo(k2).window(assigner).apply(fn)`. */
export class CoGroupedStreams<L, R> extends TwoStreams<L, R> {
  /** @internal use `DataStream.coGroup` */
  constructor(left: DataStream<L>, right: DataStream<R>) {
    super(left, right, "coGroup");
  }

  /** The key of the first (this) stream. */
  where<K extends Key>(keySelector: KeySelector<L, K>): CoGroupWhere<L, R, K> {
    checkKeySelector(keySelector, "coGroup", "where");
    return new CoGroupWhere<L, R, K>(this, keySelector);
  }
}

/** A join with the first key; give the second with `equalTo`. */
export class JoinWhere<L, R, K extends Key> {
  /** @internal */
  constructor(
    private readonly streams: TwoStreams<L, R>,
    private readonly key1: KeySelector<L, K>,
  ) {}

  /** The key of the second stream; records join when the two keys are equal. */
  equalTo(keySelector: KeySelector<R, K>): JoinEqualTo<L, R, K> {
    checkKeySelector(keySelector, "join", "equalTo");
    return new JoinEqualTo<L, R, K>(this.streams, this.key1, keySelector);
  }
}

/** A coGroup with the first key; give the second with `equalTo`. */
export class CoGroupWhere<L, R, K extends Key> {
  /** @internal */
  constructor(
    private readonly streams: TwoStreams<L, R>,
    private readonly key1: KeySelector<L, K>,
  ) {}

  /** The key of the second stream; records meet when the two keys are equal. */
  equalTo(keySelector: KeySelector<R, K>): CoGroupEqualTo<L, R, K> {
    checkKeySelector(keySelector, "coGroup", "equalTo");
    return new CoGroupEqualTo<L, R, K>(this.streams, this.key1, keySelector);
  }
}

/** A join with both keys; choose the windows with `window`. */
export class JoinEqualTo<L, R, K extends Key> {
  /** @internal */
  constructor(
    private readonly streams: TwoStreams<L, R>,
    private readonly key1: KeySelector<L, K>,
    private readonly key2: KeySelector<R, K>,
  ) {}

  /** The windows in which records of the two streams are paired. */
  window<W extends Window>(assigner: WindowAssigner<TaggedUnion<L, R>, W>): JoinWithWindow<L, R, K, W> {
    return new JoinWithWindow<L, R, K, W>(this.streams, this.key1, this.key2, assigner);
  }
}

/** A coGroup with both keys; choose the windows with `window`. */
export class CoGroupEqualTo<L, R, K extends Key> {
  /** @internal */
  constructor(
    private readonly streams: TwoStreams<L, R>,
    private readonly key1: KeySelector<L, K>,
    private readonly key2: KeySelector<R, K>,
  ) {}

  /** The windows in which records of the two streams are grouped. */
  window<W extends Window>(assigner: WindowAssigner<TaggedUnion<L, R>, W>): CoGroupWithWindow<L, R, K, W> {
    return new CoGroupWithWindow<L, R, K, W>(this.streams, this.key1, this.key2, assigner);
  }
}

/** Shared part of the windowed join and coGroup: trigger, evictor, allowed lateness, and the plan. */
abstract class WithWindow<L, R, K extends Key, W extends Window> {
  protected triggerValue: Trigger<TaggedUnion<L, R>, W> | undefined;
  protected evictorValue: Evictor<TaggedUnion<L, R>, W> | undefined;
  protected lateness: number | undefined;

  /** @internal */
  constructor(
    protected readonly streams: TwoStreams<L, R>,
    protected readonly key1: KeySelector<L, K>,
    protected readonly key2: KeySelector<R, K>,
    protected readonly assigner: WindowAssigner<TaggedUnion<L, R>, W>,
  ) {
    if (!assigner || typeof assigner.assignWindows !== "function") {
      throw new FleuveError(
        "FLEUVE_GRAPH_INVALID",
        `${streams.kind}(...).window(...) needs a window assigner, e.g. TumblingEventTimeWindows.of(ms)`,
      );
    }
  }

  /** Replaces the assigner's default trigger. */
  trigger(trigger: Trigger<TaggedUnion<L, R>, W>): this {
    this.triggerValue = trigger;
    return this;
  }

  /**
   * Sets an evictor (Flink's `JoinedStreams.WithWindow.evictor`): it sees each window's records of
   * both sides as {@link TaggedUnion}s and removes some before and/or after the join function,
   * e.g. `TimeEvictor.of(ms)` to pair only the records of the last `ms` of each window.
   */
  evictor(evictor: Evictor<TaggedUnion<L, R>, W>): this {
    if (!evictor || typeof evictor.evictBefore !== "function" || typeof evictor.evictAfter !== "function") {
      throw new FleuveError(
        "FLEUVE_WINDOW_INVALID",
        `${this.streams.kind}(...).window(...).evictor(evictor): pass an Evictor (e.g. CountEvictor.of(10))`,
        { details: { option: "evictor" } },
      );
    }
    this.evictorValue = evictor;
    return this;
  }

  /** Keeps windows (and fires them again) for records up to `ms` behind the watermark. */
  allowedLateness(ms: number): this {
    this.lateness = ms;
    return this;
  }

  /**
   * Flink's plan: tag, union, key each side by its selector, window, and split each window's
   * elements back into the two sides for `fn`.
   */
  protected build<OUT>(fn: CoGroupFunction<L, R, OUT>, name: string): DataStream<OUT> {
    const { left, right } = this.streams;
    const key1 = this.key1;
    const key2 = this.key2;
    const tagged1 = left.map((value): TaggedUnion<L, R> => ({ side: 1, value })).name(`${name}(tag left)`);
    const tagged2 = right.map((value): TaggedUnion<L, R> => ({ side: 2, value })).name(`${name}(tag right)`);
    const keyed = tagged1
      .union(tagged2)
      .keyBy((u: TaggedUnion<L, R>): K => (u.side === 1 ? key1(u.value) : key2(u.value)));
    const windowed = keyed.window(this.assigner);
    if (this.triggerValue) windowed.trigger(this.triggerValue);
    if (this.evictorValue) windowed.evictor(this.evictorValue);
    if (this.lateness !== undefined) windowed.allowedLateness(this.lateness);
    return windowed.process<OUT>(splitSides<L, R, OUT, K, W>(fn)).name(name);
  }
}

/** The window function of a coGroup: splits a window's elements into the two sides. */
function splitSides<L, R, OUT, K extends Key, W extends Window>(
  fn: CoGroupFunction<L, R, OUT>,
): ProcessWindowFunction<TaggedUnion<L, R>, OUT, K, W> {
  return {
    process(_key, _ctx, elements, out) {
      const lefts: L[] = [];
      const rights: R[] = [];
      for (const e of elements) {
        if (e.side === 1) lefts.push(e.value);
        else rights.push(e.value);
      }
      fn(lefts, rights, out);
    },
  };
}

/** A window join ready to run: finish with `apply` (one result per pair) or `flatApply`. */
export class JoinWithWindow<L, R, K extends Key, W extends Window> extends WithWindow<L, R, K, W> {
  /**
   * Inner join: calls `fn` for every pair of a left and a right record with equal keys in the
   * same window. Results carry the window's max timestamp.
   */
  apply<OUT>(fn: JoinFunction<L, R, OUT>, name = "WindowJoin"): DataStream<OUT> {
    checkFn(fn, "join", "apply");
    return this.build<OUT>((lefts, rights, out) => {
      for (const l of lefts) for (const r of rights) out.collect(fn(l, r));
    }, name);
  }

  /** Like {@link apply}, but `fn` emits zero or more results per pair through `out`. */
  flatApply<OUT>(fn: FlatJoinFunction<L, R, OUT>, name = "WindowJoin"): DataStream<OUT> {
    checkFn(fn, "join", "flatApply");
    return this.build<OUT>((lefts, rights, out) => {
      for (const l of lefts) for (const r of rights) fn(l, r, out);
    }, name);
  }
}

/** A window coGroup ready to run: finish with `apply`. */
export class CoGroupWithWindow<L, R, K extends Key, W extends Window> extends WithWindow<L, R, K, W> {
  /**
   * Calls `fn` once per key and window with the records of each side (one side may be empty).
   * Results carry the window's max timestamp.
   */
  apply<OUT>(fn: CoGroupFunction<L, R, OUT>, name = "WindowCoGroup"): DataStream<OUT> {
    checkFn(fn, "coGroup", "apply");
    return this.build<OUT>((lefts, rights, out: Collector<OUT>) => fn(lefts, rights, out), name);
  }
}

function checkFn(fn: unknown, kind: Kind, method: string): void {
  if (typeof fn !== "function") {
    throw new FleuveError(
      "FLEUVE_GRAPH_INVALID",
      `${kind}(...).where(...).equalTo(...).window(...).${method}(...) needs a function, got ${fn === null ? "null" : typeof fn}`,
    );
  }
}
