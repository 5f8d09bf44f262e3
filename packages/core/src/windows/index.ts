/** Public window API: assigners, windows, triggers, window functions. */
export {
  checkDuration,
  EventTimeSessionWindows,
  GlobalWindows,
  type MergingWindowAssigner,
  ProcessingTimeSessionWindows,
  type SessionGapExtractor,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  type WindowAssigner,
  type WindowAssignerContext,
} from "./assigners.js";
export {
  CountEvictor,
  DeltaEvictor,
  type Evictor,
  type EvictorContext,
  TimeEvictor,
  type TimestampedValue,
} from "./evictors.js";
export {
  isFire,
  isPurge,
  type OnMergeContext,
  type Trigger,
  type TriggerContext,
  TriggerResult,
} from "./trigger.js";
export {
  ContinuousEventTimeTrigger,
  ContinuousProcessingTimeTrigger,
  CountTrigger,
  EventTimeTrigger,
  NeverTrigger,
  ProcessingTimeTrigger,
  PurgingTrigger,
} from "./triggers.js";
export {
  GlobalWindow,
  getWindowStartWithOffset,
  mergeTimeWindows,
  TimeWindow,
  type Window,
} from "./window.js";
export type {
  KeyedStateStore,
  ProcessAllWindowFunction,
  ProcessWindowContext,
  ProcessWindowFunction,
} from "./window-function.js";
export type { PassOn, PassOnSelect } from "./window-operator.js";
