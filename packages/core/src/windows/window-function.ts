/**
 * Window functions: what computes a window's result when it fires (Flink's
 * `ProcessWindowFunction` / `ProcessAllWindowFunction`; reduce and aggregate take plain functions).
 */
import type { Collector, RichFunction } from "../functions/functions.js";
import type { Key } from "../spi/key-groups.js";
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
import type { Window } from "./window.js";

/** Keyed state access scoped to a key (global state) or to a key and a window (window state). */
export interface KeyedStateStore {
  getState<T>(d: ValueStateDescriptor<T>): ValueState<T>;
  getState<T>(d: ListStateDescriptor<T>): ListState<T>;
  getState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V>;
  getState<T>(d: ReducingStateDescriptor<T>): ReducingState<T>;
  getState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** Context of a window function call. */
export interface ProcessWindowContext<W extends Window> {
  /** The window being evaluated. */
  window(): W;
  /** The operator's current watermark. */
  currentWatermark(): number;
  /** Processing time now (ms). */
  currentProcessingTime(): number;
  /**
   * State of the current key and window, kept across firings of the window (late firings) and
   * dropped when the window is cleaned up. Not available with merging (session) windows.
   */
  windowState(): KeyedStateStore;
  /** State of the current key, shared by all its windows. */
  globalState(): KeyedStateStore;
  /** Emits to a side output (timestamp: the window's max timestamp). */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Computes a window's result from all its elements (or from the pre-aggregated value). */
export interface ProcessWindowFunction<IN, OUT, K extends Key, W extends Window> extends RichFunction {
  /** Called when the window fires. Results carry the window's max timestamp. */
  process(key: K, ctx: ProcessWindowContext<W>, elements: readonly IN[], out: Collector<OUT>): void;
  /**
   * Called when the window is cleaned up (clear per-window state here). What it emits through
   * `ctx.output` carries the cleared window's max timestamp, as in Flink.
   */
  clear?(ctx: ProcessWindowContext<W>): void;
}

/** The non-keyed {@link ProcessWindowFunction}, for `windowAll`. */
export interface ProcessAllWindowFunction<IN, OUT, W extends Window> extends RichFunction {
  process(ctx: ProcessWindowContext<W>, elements: readonly IN[], out: Collector<OUT>): void;
  clear?(ctx: ProcessWindowContext<W>): void;
}
