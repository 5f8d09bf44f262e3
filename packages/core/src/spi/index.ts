/**
 * `@fleuve/core/spi`: the operator SPI, what an operator written outside core is built on (a CEP
 * library, a SQL planner's operators). It is Flink's `AbstractStreamOperator` level, one below
 * `ProcessFunction`: an operator gets records as `(value, timestamp)` calls, watermarks,
 * keyed state through a {@link KeyedStateBackend}, keyed event-time and processing-time timers
 * through an {@link InternalTimerService} with namespaces, and writes to an {@link Output}.
 *
 * Put an operator in a job with `DataStream.transform(name, () => new MyOperator())` from
 * `@fleuve/core`; on a keyed stream the runtime sets the current key before each record and each
 * timer. Everything here is imported by nothing above it in core: the SPI depends only on core's
 * errors, time (watermarks) and metrics.
 *
 * @example
 * ```ts
 * import { OneInputOperator, type Triggerable, valueState } from "@fleuve/core/spi";
 *
 * class CountThenFlush extends OneInputOperator<string, number> implements Triggerable<number> {
 *   processElement(value: string, timestamp: number): void {
 *     const count = this.keyedState.getState(valueState<number>("count"));
 *     count.update((count.value() ?? 0) + 1);
 *     this.getTimerService<number>(this).registerEventTimeTimer(0, timestamp + 1000);
 *   }
 *   onEventTime(timestamp: number): void {
 *     const count = this.keyedState.getState(valueState<number>("count"));
 *     this.output.collect(count.value() ?? 0, timestamp);
 *     count.clear();
 *   }
 *   onProcessingTime(): void {}
 * }
 * ```
 * See docs/ARCHITECTURE.md ("How to write an operator outside core") and
 * examples/custom-operator.ts for a complete, tested operator.
 * @packageDocumentation
 */

export {
  type DeadLetter,
  type DeadLetterPolicy,
  deadLetterJson,
  type ErrorPolicy,
  SKIP_RECORD,
} from "./error-policy.js";
export {
  DEFAULT_MAX_PARALLELISM,
  hashKey,
  type Key,
  type KeyScalar,
  type KeySelector,
  keyGroupOf,
  keyGroupRangeFor,
  type NormalizedKey,
  normalizeKey,
  subtaskForKeyGroup,
  UPPER_MAX_PARALLELISM,
} from "./key-groups.js";
export {
  type ExternalKeyedStateSnapshot,
  type HeapKeyedStateSnapshot,
  isExternalSnapshot,
  type KeyedStateBackend,
  type KeyedStateBackendContext,
  type KeyedStateBackendFactory,
  type KeyedStateSnapshot,
  type KeyedTable,
  type StateFileRef,
} from "./keyed-state-backend.js";
export { NumberMinHeap } from "./min-heap.js";
export {
  type LatencyMarker,
  OneInputOperator,
  type OperatorRestore,
  type OperatorRuntime,
  type OperatorSnapshot,
  type Output,
  StreamOperator,
  TwoInputOperator,
} from "./operator.js";
export {
  type BroadcastState,
  type OperatorListState,
  OperatorStateStore,
  type ReadOnlyBroadcastState,
} from "./operator-state.js";
export { OutputTag } from "./output-tag.js";
export {
  ManualProcessingTime,
  type ProcessingTimeScheduler,
  SystemProcessingTime,
} from "./processing-time.js";
export * from "./state-descriptors.js";
export {
  InternalTimerService,
  type Namespace,
  type TimersSnapshot,
  type Triggerable,
} from "./timer-service.js";
