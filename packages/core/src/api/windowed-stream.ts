/**
 * Windowed streams (Flink's `WindowedStream` and `AllWindowedStream`): configure trigger, allowed
 * lateness and the late-data side output, then reduce, aggregate or process each window.
 *
 * ```ts
 * stream.keyBy((e) => e.user)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .aggregate(countAgg);
 * ```
 */
import { FleuveError } from "../errors.js";
import type { Collector } from "../functions/functions.js";
import type { Key } from "../spi/key-groups.js";
import type { StreamOperator } from "../spi/operator.js";
import { OutputTag } from "../spi/output-tag.js";
import type { AggregateFunction, ReduceFunction } from "../spi/state-descriptors.js";
import type { WindowAssigner } from "../windows/assigners.js";
import { GlobalWindows, isMergingAssigner } from "../windows/assigners.js";
import type { Evictor, TimestampedValue } from "../windows/evictors.js";
import { SessionWindowOperator } from "../windows/session-window-operator.js";
import { SlicingWindowOperator } from "../windows/slicing-window-operator.js";
import type { Trigger } from "../windows/trigger.js";
import type { Window } from "../windows/window.js";
import type { ProcessAllWindowFunction, ProcessWindowFunction } from "../windows/window-function.js";
import {
  aggregateContents,
  listContents,
  reduceContents,
  type WindowFunctionSpec,
} from "../windows/window-function-runner.js";
import { type PassOn, type PassOnSelect, WindowOperator } from "../windows/window-operator.js";
import type { DataStream, KeyedStream } from "./datastream.js";

function fail(option: string, message: string, value?: unknown): FleuveError {
  return new FleuveError("FLEUVE_WINDOW_INVALID", message, { details: { option, value } });
}

function checkFn(fn: unknown, method: string): void {
  if (typeof fn !== "function")
    throw fail(
      "reduceFunction",
      `${method}(reduceFunction): pass a function (a, b) => combined, got ${typeof fn}`,
    );
}

function checkAgg(agg: unknown, needMerge: boolean): void {
  const a = agg as Record<string, unknown> | null;
  if (
    typeof a !== "object" ||
    a === null ||
    typeof a.createAccumulator !== "function" ||
    typeof a.add !== "function" ||
    typeof a.getResult !== "function"
  ) {
    throw fail(
      "aggregateFunction",
      "aggregate(aggregateFunction): pass an AggregateFunction, an object with createAccumulator(), add(), getResult() and merge()",
    );
  }
  if (needMerge && typeof a.merge !== "function") {
    throw fail(
      "aggregateFunction",
      "aggregate(aggregateFunction): this window needs a merge() method (session windows and sliding windows combine accumulators)",
    );
  }
}

function checkProcess(fn: unknown, method: string): void {
  if (typeof fn !== "object" || fn === null || typeof (fn as { process?: unknown }).process !== "function") {
    throw fail(
      "processWindowFunction",
      `${method}(processWindowFunction): pass an object with a process() method`,
    );
  }
}

/** A keyed stream cut into windows. */
export class WindowedStream<T, K extends Key, W extends Window> {
  private triggerValue: Trigger<T, W> | undefined;
  private lateness = 0;
  private lateTag: OutputTag<T> | undefined;
  /** Of any ACC: a `PassOnSelect<T, ACC>` is a `PassOnSelect<T, never>` (its `contentsOf` may give anything). */
  private passOnValue: { tag: OutputTag<T>; select: () => PassOnSelect<T, never> | undefined } | undefined;
  private restoreWatermarkValue = false;
  private evictorValue: Evictor<T, W> | undefined;

  /** @internal */
  constructor(
    readonly input: KeyedStream<T, K>,
    readonly assigner: WindowAssigner<T, W>,
    /** @internal forced parallelism (1 for windowAll). */
    private readonly forcedParallelism?: number,
  ) {
    if (!assigner || typeof assigner.assignWindows !== "function") {
      throw fail(
        "assigner",
        "window(assigner): pass a WindowAssigner such as TumblingEventTimeWindows.of(ms)",
      );
    }
  }

  /** Sets the trigger deciding when windows fire (replaces the assigner's default). */
  trigger(trigger: Trigger<T, W>): this {
    if (!trigger || typeof trigger.onElement !== "function") {
      throw fail("trigger", "trigger(trigger): pass a Trigger (e.g. CountTrigger.of(100))");
    }
    if (isMergingAssigner(this.assigner) && !(trigger.canMerge?.() ?? false)) {
      throw fail(
        "trigger",
        `trigger(${String(trigger)}): session windows merge, so the trigger must support merging (canMerge() and onMerge())`,
      );
    }
    this.triggerValue = trigger;
    return this;
  }

  /**
   * Keeps windows `ms` of event time after their end: records arriving in that time re-fire the
   * window with all its contents (late firings). Default 0.
   */
  allowedLateness(ms: number): this {
    if (typeof ms !== "number" || !Number.isInteger(ms) || ms < 0) {
      throw fail("allowedLateness", `allowedLateness(${String(ms)}): give an integer number of ms >= 0`, ms);
    }
    this.lateness = ms;
    return this;
  }

  /** Sends records too late for all their windows to side output `tag` instead of dropping them. */
  sideOutputLateData(tag: OutputTag<T>): this {
    if (!(tag instanceof OutputTag))
      throw fail(
        "outputTag",
        'sideOutputLateData(outputTag): pass an OutputTag, e.g. new OutputTag<T>("late")',
      );
    this.lateTag = tag;
    return this;
  }

  /**
   * Also sends to side output `passOn.tag` the records `passOn.select` picks, asked once the
   * operator took each record (see {@link PassOnSelect}). `ACC` is the windows' contents: the
   * accumulator type of the `aggregate` function that follows, `T` for `reduce`, `T[]` for
   * `process`. Aligned tumbling and sliding windows with their default trigger and no evictor only.
   */
  passOn<ACC>(passOn: PassOn<T, ACC>): this {
    if (!(passOn?.tag instanceof OutputTag) || typeof passOn.select !== "function")
      throw fail(
        "passOn",
        "passOn({ tag, select }): pass an OutputTag and a function (value, timestamp, late, contentsOf) => boolean",
      );
    const { select } = passOn;
    this.passOnValue = { tag: passOn.tag, select: () => select };
    return this;
  }

  /**
   * @internal {@link passOn}, its choice asked once when the operator opens (`undefined`: none,
   * nothing is asked per record): SQL's window aggregate, whose rows are chosen by a join planned
   * after it, if any.
   */
  passOnChosenAtOpen<ACC>(tag: OutputTag<T>, select: () => PassOnSelect<T, ACC> | undefined): this {
    this.passOnValue = { tag, select };
    return this;
  }

  /**
   * Keeps the operator's watermark in checkpoints: restored, it starts from the minimum of the old
   * subtasks' watermarks, so a record late before the checkpoint is still late (dropped, not taken
   * into a window that fired already). Flink's SQL window operators do this, its DataStream
   * WindowOperator does not. Any window assigner and trigger. Checkpoints taken without it restore
   * with no watermark.
   */
  restoreWatermark(): this {
    this.restoreWatermarkValue = true;
    return this;
  }

  /** Combines the elements of each window with `fn`; emits one value per firing. */
  reduce(fn: ReduceFunction<T>): DataStream<T>;
  /** Reduces incrementally, then gives the reduced value to `processFn` with the window. */
  reduce<R>(fn: ReduceFunction<T>, processFn: ProcessWindowFunction<T, R, K, W>): DataStream<R>;
  reduce<R>(fn: ReduceFunction<T>, processFn?: ProcessWindowFunction<T, R, K, W>): DataStream<R | T> {
    checkFn(fn, "reduce");
    if (processFn !== undefined) checkProcess(processFn, "reduce");
    return this.build<T, R | T>(
      {
        contents: reduceContents(fn),
        processFn,
        elements: (acc) => [acc],
        result: (acc) => acc,
        describe: processFn ? "reduce+process" : "reduce",
      },
      (vs) => (vs.length === 0 ? [] : [vs.reduce(fn)]),
    );
  }

  /** Aggregates each window incrementally; emits `getResult` of the accumulator. */
  aggregate<ACC, R>(agg: AggregateFunction<T, ACC, R>): DataStream<R>;
  /** Aggregates incrementally, then gives the result to `processFn` with the window. */
  aggregate<ACC, V, R>(
    agg: AggregateFunction<T, ACC, V>,
    processFn: ProcessWindowFunction<V, R, K, W>,
  ): DataStream<R>;
  aggregate<ACC, V, R>(
    agg: AggregateFunction<T, ACC, V>,
    processFn?: ProcessWindowFunction<V, R, K, W>,
  ): DataStream<R | V> {
    const a = this.assigner.slicing;
    checkAgg(agg, isMergingAssigner(this.assigner) || (a !== undefined && a.slide !== a.size));
    if (processFn !== undefined) checkProcess(processFn, "aggregate");
    return this.build<ACC, R | V>(
      {
        contents: aggregateContents(agg),
        processFn,
        elements: (acc) => [agg.getResult(acc)],
        result: (acc) => agg.getResult(acc),
        describe: processFn ? "aggregate+process" : "aggregate",
      },
      (vs) => {
        let acc = agg.createAccumulator();
        for (const v of vs) acc = agg.add(v, acc);
        return [agg.getResult(acc)];
      },
    );
  }

  /** Gives all elements of each window to `processFn` (buffers them until the window fires). */
  process<R>(processFn: ProcessWindowFunction<T, R, K, W>): DataStream<R> {
    checkProcess(processFn, "process");
    return this.build<T[], R>(
      {
        contents: listContents<T>(),
        processFn,
        elements: (acc) => acc,
        result: () => {
          throw new Error("unreachable");
        },
        describe: "process",
      },
      (vs) => vs,
    );
  }

  /** Flink's `apply(WindowFunction)`: `fn(key, window, elements, out)` at every firing. */
  apply<R>(fn: (key: K, window: W, elements: readonly T[], out: Collector<R>) => void): DataStream<R> {
    if (typeof fn !== "function") {
      throw fail(
        "windowFunction",
        "apply(windowFunction): pass a function (key, window, elements, out) => void",
      );
    }
    return this.process<R>({ process: (key, ctx, elements, out) => fn(key, ctx.window(), elements, out) });
  }

  /** The trigger in effect. */
  private effectiveTrigger(): Trigger<T, W> {
    if (this.triggerValue) return this.triggerValue;
    if (this.assigner instanceof GlobalWindows) {
      throw fail(
        "trigger",
        "GlobalWindows never fire on their own: set a trigger with .trigger(...) (e.g. CountTrigger.of(n)) before reduce/aggregate/process",
      );
    }
    return this.assigner.getDefaultTrigger();
  }

  /**
   * Sets an evictor: the window keeps all its elements and the evictor removes some before
   * and/or after the window function (reduce/aggregate then run over what remains at firing).
   */
  evictor(evictor: Evictor<T, W>): this {
    if (!evictor || typeof evictor.evictBefore !== "function" || typeof evictor.evictAfter !== "function") {
      throw fail("evictor", "evictor(evictor): pass an Evictor (e.g. CountEvictor.of(10))");
    }
    this.evictorValue = evictor;
    return this;
  }

  /**
   * `fn` is the incremental form; `ofValues` maps the elements left by an evictor to what the
   * process function (or the direct result) gets.
   */
  private build<ACC, R>(
    incremental: WindowFunctionSpec<T, ACC, R>,
    ofValues: (values: T[]) => unknown[],
  ): DataStream<R> {
    const trigger = this.effectiveTrigger();
    const assigner = this.assigner;
    const evictor = this.evictorValue;
    const fn: WindowFunctionSpec<any, any, R> = evictor
      ? {
          contents: listContents<TimestampedValue<T>>(),
          processFn: incremental.processFn,
          elements: (acc: TimestampedValue<T>[]) => ofValues(acc.map((e) => e.value)),
          result: (acc: TimestampedValue<T>[]) => ofValues(acc.map((e) => e.value))[0] as R,
          describe: `${incremental.describe}, ${String(evictor)}`,
        }
      : incremental;
    const cfg = {
      assigner,
      trigger,
      allowedLateness: this.lateness,
      lateTag: this.lateTag,
      fn,
      evictor,
      // The ACC passOn() was given: the contents of the window function it is to go with.
      passOn: this.passOnValue as
        | { tag: OutputTag<T>; select: () => PassOnSelect<T, ACC> | undefined }
        | undefined,
      restoreWatermark: this.restoreWatermarkValue,
    };
    const slicing =
      evictor === undefined && assigner.slicing !== undefined && trigger === assigner.getDefaultTrigger();
    if (this.passOnValue !== undefined && !slicing)
      throw fail(
        "passOn",
        "passOn(...): only aligned tumbling and sliding windows with their default trigger",
      );
    const sessions =
      evictor === undefined &&
      (assigner as { standardMerge?: boolean }).standardMerge === true &&
      trigger === assigner.getDefaultTrigger();
    const create: () => StreamOperator<R> = slicing
      ? () =>
          new SlicingWindowOperator<T, ACC, R>(
            cfg as unknown as ConstructorParameters<typeof SlicingWindowOperator<T, ACC, R>>[0],
            assigner.slicing!,
          )
      : sessions
        ? () =>
            new SessionWindowOperator<T, ACC, R>(
              cfg as unknown as ConstructorParameters<typeof SessionWindowOperator<T, ACC, R>>[0],
            )
        : () => new WindowOperator<T, ACC, R, W>(cfg);
    const name = `Window(${String(assigner)}, ${String(trigger)}, ${fn.describe})`;
    return this.input.transform<R>(this.forcedParallelism === 1 ? `All${name}` : name, create, {
      description: slicing ? "sliced" : sessions ? "sessions" : "per-window",
      parallelism: this.forcedParallelism,
    });
  }
}

/** A non-keyed stream cut into windows: one subtask sees every record (parallelism 1). */
export class AllWindowedStream<T, W extends Window> {
  private readonly inner: WindowedStream<T, 0, W>;

  /** @internal */
  constructor(input: DataStream<T>, assigner: WindowAssigner<T, W>) {
    // Keyed on a constant and run at parallelism 1: every record meets in one subtask, and the
    // keyed machinery (state, timers) is reused as is.
    this.inner = new WindowedStream<T, 0, W>(
      input.keyBy(() => 0 as const),
      assigner,
      1,
    );
  }

  /** See {@link WindowedStream.trigger}. */
  trigger(trigger: Trigger<T, W>): this {
    this.inner.trigger(trigger);
    return this;
  }
  /** See {@link WindowedStream.allowedLateness}. */
  allowedLateness(ms: number): this {
    this.inner.allowedLateness(ms);
    return this;
  }
  /** See {@link WindowedStream.evictor}. */
  evictor(evictor: Evictor<T, W>): this {
    this.inner.evictor(evictor);
    return this;
  }
  /** See {@link WindowedStream.sideOutputLateData}. */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.inner.sideOutputLateData(tag);
    return this;
  }
  /** Combines the elements of each window with `fn`. */
  reduce(fn: ReduceFunction<T>): DataStream<T>;
  reduce<R>(fn: ReduceFunction<T>, processFn: ProcessAllWindowFunction<T, R, W>): DataStream<R>;
  reduce<R>(fn: ReduceFunction<T>, processFn?: ProcessAllWindowFunction<T, R, W>): DataStream<R | T> {
    if (processFn === undefined) return this.inner.reduce(fn) as DataStream<any>;
    return this.inner.reduce(fn, adapt(processFn, "reduce")) as DataStream<any>;
  }
  /** Aggregates each window incrementally. */
  aggregate<ACC, R>(agg: AggregateFunction<T, ACC, R>): DataStream<R>;
  aggregate<ACC, V, R>(
    agg: AggregateFunction<T, ACC, V>,
    processFn: ProcessAllWindowFunction<V, R, W>,
  ): DataStream<R>;
  aggregate<ACC, V, R>(
    agg: AggregateFunction<T, ACC, V>,
    processFn?: ProcessAllWindowFunction<V, R, W>,
  ): DataStream<R | V> {
    if (processFn === undefined) return this.inner.aggregate(agg) as DataStream<any>;
    return this.inner.aggregate(agg, adapt(processFn, "aggregate")) as DataStream<any>;
  }
  /** Flink's `apply(AllWindowFunction)`: `fn(window, elements, out)` at every firing. */
  apply<R>(fn: (window: W, elements: readonly T[], out: Collector<R>) => void): DataStream<R> {
    if (typeof fn !== "function") {
      throw fail("windowFunction", "apply(windowFunction): pass a function (window, elements, out) => void");
    }
    return this.inner.apply<R>((_key, window, elements, out) => fn(window, elements, out));
  }
  /** Gives all elements of each window to `processFn`. */
  process<R>(processFn: ProcessAllWindowFunction<T, R, W>): DataStream<R> {
    return this.inner.process(adapt(processFn, "process"));
  }
}

/** A keyed window function calling a non-keyed one (the key is the constant of windowAll). */
function adapt<IN, R, W extends Window>(
  fn: ProcessAllWindowFunction<IN, R, W>,
  method: string,
): ProcessWindowFunction<IN, R, 0, W> {
  checkProcess(fn, method);
  // Object.create keeps `this` in the user's methods pointing at a per-subtask instance.
  const adapter = Object.create(fn) as ProcessWindowFunction<IN, R, 0, W> &
    ProcessAllWindowFunction<IN, R, W>;
  const proc = fn.process;
  (adapter as any).process = function (this: any, _key: 0, ctx: any, elements: readonly IN[], out: any) {
    return proc.call(this, ctx, elements, out);
  };
  return adapter;
}
