/**
 * User function types: what `map`, `process`, `connect(...).process` and friends accept.
 * Plain objects or class instances both work; `open` and `close` are optional.
 */
import type { MetricGroup } from "../metrics/registry.js";
import type { Key } from "../spi/key-groups.js";
import type { BroadcastState, OperatorListState, ReadOnlyBroadcastState } from "../spi/operator-state.js";
import type { OutputTag } from "../spi/output-tag.js";
import type {
  AggregatingState,
  AggregatingStateDescriptor,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  ValueState,
  ValueStateDescriptor,
} from "../spi/state-descriptors.js";

/** Receives the outputs of a function. Records carry the timestamp of the input (or timer). */
export interface Collector<T> {
  collect(value: T): void;
}

/** Information and state access for a function instance (one per parallel subtask). */
export interface RuntimeContext {
  readonly operatorName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** Keyed state (only on keyed streams). */
  getState<T>(d: ValueStateDescriptor<T>): ValueState<T>;
  getState<T>(d: ListStateDescriptor<T>): ListState<T>;
  getState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V>;
  getState<T>(d: ReducingStateDescriptor<T>): ReducingState<T>;
  getState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  /** Operator (non-keyed) list state, redistributed round-robin on rescale. */
  getOperatorListState<T>(name: string): OperatorListState<T>;
  /**
   * Metrics of this operator subtask that the function defines (Flink's `getMetricGroup()`):
   * counters, gauges, histograms and meters, exported with the operator's labels. Register them in
   * `open()` and keep the reference; updating one is a field increment.
   */
  getMetricGroup(): MetricGroup;
}

/** Optional lifecycle of any function. */
export interface RichFunction {
  /** Called once per subtask before the first record; declare state here. */
  open?(ctx: RuntimeContext): void;
  /** Called once when the subtask ends. */
  close?(): void;
}

/** Timers and time, available to process functions. */
export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** Keyed streams only. Fires `onTimer` when the watermark reaches `time`; duplicates are ignored. */
  registerEventTimeTimer(time: number): void;
  /** Keyed streams only. Fires `onTimer` when the clock reaches `time`; duplicates are ignored. */
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

/** Context of a process function call. */
export interface ProcessContext {
  /** The record's event timestamp, or undefined when it has none. */
  timestamp(): number | undefined;
  timerService(): TimerService;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Context of a keyed process function call. */
export interface KeyedProcessContext<K extends Key> extends ProcessContext {
  getCurrentKey(): K;
}

/** Context of a timer callback. */
export interface OnTimerContext<K extends Key> extends KeyedProcessContext<K> {
  timeDomain(): "event-time" | "processing-time";
}

/** Flink's ProcessFunction (non-keyed). */
export interface ProcessFunction<IN, OUT> extends RichFunction {
  processElement(value: IN, ctx: ProcessContext, out: Collector<OUT>): void;
}

/** Flink's KeyedProcessFunction: keyed state and timers. */
export interface KeyedProcessFunction<K extends Key, IN, OUT> extends RichFunction {
  processElement(value: IN, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
}

/** Options of `KeyedStream.process`. */
export interface KeyedProcessOptions {
  /**
   * Keep the operator's watermark in checkpoints: restored, it starts from the minimum of the old
   * subtasks' watermarks, so `ctx.timerService().currentWatermark()` is what it was (never later)
   * and a record late before the checkpoint is still late. Fleuve's SQL window Top-N, window
   * deduplication and window aggregation over windowed rows use it, as Flink's SQL window
   * operators keep theirs; Flink's DataStream KeyedProcessOperator does not (a restored one has
   * no watermark until the next one comes), nor does Fleuve's without it. A checkpoint taken
   * without it restores with no watermark. Default false.
   */
  readonly restoreWatermark?: boolean | undefined;
}

/** Flink's CoProcessFunction / KeyedCoProcessFunction over two connected streams. */
export interface CoProcessFunction<IN1, IN2, OUT, K extends Key = never> extends RichFunction {
  processElement1(value: IN1, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
}

/** Context on the non-broadcast side: broadcast state is read-only. */
export interface BroadcastReadOnlyContext<K extends Key = never> extends KeyedProcessContext<K> {
  getBroadcastState<BK, BV>(d: MapStateDescriptor<BK, BV>): ReadOnlyBroadcastState<BK, BV>;
}

/** Context on the broadcast side: broadcast state is writable. */
export interface BroadcastContext extends ProcessContext {
  getBroadcastState<BK, BV>(d: MapStateDescriptor<BK, BV>): BroadcastState<BK, BV>;
  /**
   * Keyed streams only: applies `fn` to the state `d` of every key this subtask holds
   * (Flink's applyToKeyedState), e.g. to clear per-key state when a rule changes.
   */
  applyToKeyedState<S>(
    d: ValueStateDescriptor<S> | ListStateDescriptor<S> | MapStateDescriptor<any, any>,
    fn: (key: Key, state: any) => void,
  ): void;
}

/** Flink's (Keyed)BroadcastProcessFunction. */
export interface BroadcastProcessFunction<IN, BC, OUT, K extends Key = never> extends RichFunction {
  processElement(value: IN, ctx: BroadcastReadOnlyContext<K>, out: Collector<OUT>): void;
  processBroadcastElement(value: BC, ctx: BroadcastContext, out: Collector<OUT>): void;
  onTimer?(
    timestamp: number,
    ctx: OnTimerContext<K> & BroadcastReadOnlyContext<K>,
    out: Collector<OUT>,
  ): void;
}
