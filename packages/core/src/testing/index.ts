/**
 * `@fleuve/core/testing`: test utilities for Fleuve jobs and operators (like Flink's operator test
 * harnesses and Kafka Streams' TopologyTestDriver).
 *
 * - Whole pipelines: {@link runPipeline}, {@link collectWithTimestamps}, {@link collect},
 *   {@link CollectSink}, and {@link ScriptedSource} for exact control of records and watermarks.
 * - Connectors: {@link connectorConformanceCases}, the conformance suite every connector runs
 *   against its own topics through a small {@link ConformanceTarget}.
 * - One operator: {@link harnessFor} (a keyed process function), {@link OneInputOperatorHarness},
 *   {@link KeyedOneInputOperatorHarness}, {@link TwoInputOperatorHarness},
 *   {@link KeyedTwoInputOperatorHarness}, with a manual processing-time clock.
 *
 * ```ts
 * import { harnessFor } from "@fleuve/core/testing";
 * const h = harnessFor(myKeyedProcessFunction, (e: Ev) => e.user);
 * h.processElement({ user: "a", amount: 3 }, 1_000);
 * h.processWatermark(61_000);
 * assert.deepEqual(h.getOutputValues(), [{ user: "a", total: 3 }]);
 * ```
 * @packageDocumentation
 */

import "../register-executor.js";

export { BroadcastProcessOperator } from "../operators/broadcast-process.js";
export { CoProcessOperator } from "../operators/co-process.js";
export { ProcessOperator } from "../operators/process.js";
export {
  type CollectedRecord,
  CollectSink,
  collect,
  collectWithTimestamps,
  type PipelineRun,
  runPipeline,
} from "./collect.js";
export {
  type HarnessOptions,
  OperatorHarness,
  type TimestampedRecord,
  type WatermarkEvent,
} from "./harness.js";
export { harnessFor, KeyedOneInputOperatorHarness, OneInputOperatorHarness } from "./one-input-harness.js";
export { ScriptedSource, type ScriptStep } from "./scripted-source.js";
export {
  type ConformanceCase,
  type ConformanceOptions,
  type ConformanceRecord,
  type ConformanceTarget,
  connectorConformanceCases,
  type StoredDeadLetter,
} from "./suites/connector-conformance.js";
export { KeyedTwoInputOperatorHarness, TwoInputOperatorHarness } from "./two-input-harness.js";
