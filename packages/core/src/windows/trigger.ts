/**
 * Triggers decide when a window emits (Flink's `Trigger`, `TriggerResult`, `TriggerContext`).
 * Implement {@link Trigger} for your own policy; the built-in ones live in `triggers.ts`.
 */
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

/** What a trigger tells the window operator to do. */
export const TriggerResult = {
  /** Do nothing. */
  CONTINUE: "CONTINUE",
  /** Emit the window's result, keep its contents. */
  FIRE: "FIRE",
  /** Drop the window's contents without emitting. */
  PURGE: "PURGE",
  /** Emit, then drop the contents. */
  FIRE_AND_PURGE: "FIRE_AND_PURGE",
} as const;
/** One of {@link TriggerResult}. */
export type TriggerResult = (typeof TriggerResult)[keyof typeof TriggerResult];

/** True for FIRE and FIRE_AND_PURGE. */
export function isFire(r: TriggerResult): boolean {
  return r === "FIRE" || r === "FIRE_AND_PURGE";
}
/** True for PURGE and FIRE_AND_PURGE. */
export function isPurge(r: TriggerResult): boolean {
  return r === "PURGE" || r === "FIRE_AND_PURGE";
}

/** Per-(key, window) state, timers and time, for trigger code. */
export interface TriggerContext {
  /** Processing time now (ms). */
  getCurrentProcessingTime(): number;
  /** The operator's current event-time watermark. */
  getCurrentWatermark(): number;
  /** Same as {@link TriggerContext.getCurrentWatermark}. */
  currentWatermark(): number;
  /** Same as {@link TriggerContext.getCurrentProcessingTime}. */
  currentProcessingTime(): number;
  /** Calls `onEventTime` for this window when the watermark reaches `time`. */
  registerEventTimeTimer(time: number): void;
  /** Calls `onProcessingTime` for this window when the clock reaches `time`. */
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  /** State scoped to the current key and window. */
  getPartitionedState<T>(d: ValueStateDescriptor<T>): ValueState<T>;
  getPartitionedState<T>(d: ListStateDescriptor<T>): ListState<T>;
  getPartitionedState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V>;
  getPartitionedState<T>(d: ReducingStateDescriptor<T>): ReducingState<T>;
  getPartitionedState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** Context of {@link Trigger.onMerge}: the windows being merged into the current one. */
export interface OnMergeContext extends TriggerContext {
  /** Merges the state `d` (reducing, aggregating or list) of the merged windows into this window's. */
  mergePartitionedState(
    d: ReducingStateDescriptor<any> | AggregatingStateDescriptor<any, any, any> | ListStateDescriptor<any>,
  ): void;
}

/** Decides when a window fires and when it is purged. */
export interface Trigger<T, W extends Window> {
  /** Called for every element added to `window`. */
  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;
  /** Called when a processing-time timer registered for `window` fires. */
  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** Called when an event-time timer registered for `window` fires. */
  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** True when the trigger supports merging windows (session windows); needs `onMerge`. */
  canMerge?(): boolean;
  /** Called when windows merge into `window` (re-register timers, merge state). */
  onMerge?(window: W, ctx: OnMergeContext): void;
  /** Called when the window is removed: delete its timers and state. */
  clear(window: W, ctx: TriggerContext): void;
  /** Short description for plans (optional). */
  toString?(): string;
}
