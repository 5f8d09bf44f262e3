/**
 * @fleuve/core: the Fleuve dataflow engine. Start with {@link StreamExecutionEnvironment}.
 * @packageDocumentation
 */

// Registers the runtime behind execute() (the API reaches it only through the JobExecutor seam).
import "./register-executor.js";

export type {
  CheckpointingOptions,
  DeadLetter,
  DeadLetterPolicy,
  EnvironmentOptions,
  ErrorPolicy,
  JobConfig,
  RestartStrategy,
} from "./api/config.js";
export {
  BroadcastConnectedStream,
  BroadcastStream,
  ConnectedStreams,
  DataStream,
  DataStreamSink,
  KeyedStream,
  type KeysOfType,
  type TransformOptions,
} from "./api/datastream.js";
export { type ExecuteOptions, StreamExecutionEnvironment } from "./api/environment.js";
export { IntervalJoin, IntervalJoined } from "./api/interval-join.js";
export { defineJob, type JobDefinition, loadJobModule, type RunJobOptions, runJob } from "./api/job.js";
export type { JobClient, JobPlan, JobResult, MetricsSummary } from "./api/job-client.js";
export { type JobExecutor, registerJobExecutor, type ThreadedJob } from "./api/job-executor.js";
export { jobsStartedInProcess, refuseJobStarts } from "./api/jobs-started.js";
export {
  formatStateFit,
  type OperatorStateFit,
  type StateFit,
  type StateFitReport,
  stateFitError,
} from "./api/state-fit.js";
export {
  CoGroupEqualTo,
  CoGroupedStreams,
  CoGroupWhere,
  CoGroupWithWindow,
  JoinEqualTo,
  JoinedStreams,
  JoinWhere,
  JoinWithWindow,
  type TaggedUnion,
} from "./api/window-join.js";
export { AllWindowedStream, WindowedStream } from "./api/windowed-stream.js";
export {
  type CheckpointStorage,
  localCheckpointStorage,
  resolveCheckpointStorage,
} from "./checkpoint/storage.js";
export {
  type CalendarFields,
  type CalendarStyle,
  calendarMillis,
  daysInMonth,
} from "./connector/calendar-text.js";
export {
  CSV_FORMAT_OPTIONS,
  type CsvFormatOptionValues,
  type CsvRowResult,
  type CsvSettings,
  csvLineDecoder,
  csvLineEncoder,
  csvSettings,
  fieldConverter,
  javaDoubleText,
} from "./connector/csv-format.js";
export { datagenConnector } from "./connector/datagen-connector.js";
export { bigDecimalText, plainDecimalText } from "./connector/decimal-text.js";
export {
  type Change,
  type ChangeKind,
  type ConnectorChangelogMode,
  type ConnectorContext,
  type ConnectorDescriptor,
  type ConnectorField,
  type ConnectorRecord,
  type ConnectorRegistry,
  type ConnectorSide,
  type ConnectorSideName,
  connectorsOf,
  createSink,
  createSource,
  type DeliveryGuarantee,
  defineConnector,
  expected,
  type KeyedValue,
  type OptionSpec,
  type OptionSpecs,
  type OptionType,
  type OptionValue,
  optionSpecOf,
  type ParsedOptions,
  type PlainOptions,
  type PlainValue,
  parseOptions,
  plainRecordEncoding,
  sinkChangelogMode,
  sourceChangelogMode,
  TOPIC_SINK_OPTIONS,
  TOPIC_SOURCE_OPTIONS,
  UPSERT_SINK_OPTIONS,
  UPSERT_SOURCE_OPTIONS,
  upsertRecordEncoding,
} from "./connector/descriptor.js";
export {
  type FileTable,
  type FileTableOptions,
  type FileTableRecord,
  fileTable,
  localPath,
} from "./connector/file-table.js";
export {
  FILESYSTEM_SOURCE_OPTIONS,
  type FilesystemOptions,
  filesystemConnector,
  filesystemTable,
} from "./connector/filesystem-connector.js";
export {
  FILESYSTEM_SINK_OPTIONS,
  type FilesystemPendingFile,
  type FilesystemSinkOptions,
  filesystemSink,
} from "./connector/filesystem-sink.js";
export {
  type Deserializer,
  deserializer,
  type PartitionedRecord,
  recordFunction,
  type Serializer,
  serializer,
} from "./connector/formats.js";
export { javaFloatText } from "./connector/java-float-text.js";
export { type JsonSettings, jsonLineDecoder, jsonText } from "./connector/json-format.js";
export {
  isLong,
  jsonWithLongs,
  LONG_MAX,
  LONG_MIN,
  type Long,
  longAbs,
  longAdd,
  longCompare,
  longDiv,
  longFromText,
  longMod,
  longMul,
  longNeg,
  longOf,
  longSub,
  longToString,
  parseJsonWithLongs,
  textFitsLong,
} from "./connector/long.js";
export {
  type MainThreadService,
  mainThreadService,
  provideMainThreadService,
} from "./connector/main-thread-service.js";
export { type PartitionAssignment, partitionOwner } from "./connector/partition-owner.js";
export {
  DEFAULT_PARTITION_NAME,
  escapePathName,
  type PartitionLayout,
  partitionDirectories,
  partitionLayout,
  unescapePathName,
} from "./connector/partition-path.js";
export {
  type CommittableMessage,
  isTwoPhaseCommitSink,
  type PreCommitSinkWriter,
  type Sink,
  SinkRecordError,
  type SinkWriter,
  type SinkWriterContext,
  type TwoPhaseCommitSink,
} from "./connector/sink.js";
export {
  CollectionSource,
  type GeneratorOptions,
  GeneratorSource,
  type PollStatus,
  type Source,
  type SourceOutput,
  type SourceReader,
  type SourceReaderContext,
} from "./connector/source.js";
export * from "./errors.js";
export * from "./functions/functions.js";
export { type GraphEdge, type GraphNode, type PartitionerKind, StreamGraph } from "./graph/stream-graph.js";
export type {
  CoGroupFunction,
  FlatJoinFunction,
  JoinFunction,
  ProcessJoinContext,
  ProcessJoinFunction,
} from "./joins/functions.js";
export { IntervalJoinOperator, type IntervalJoinOptions } from "./joins/interval-join-operator.js";
export type { LogFields, LogFunction } from "./log.js";
export {
  Counter,
  EVENT_LOG_CAPACITY,
  EventLog,
  type EventLogSnapshot,
  Gauge,
  Histogram,
  type HistogramSnapshot,
  type JobFailure,
  JobMetrics,
  type JobMetricsSnapshot,
  MAX_FAILURES_KEPT,
  MAX_STACK_CHARS,
  Meter,
  type MetricGroup,
  MetricsRegistry,
  type MetricsSnapshot,
  OperatorMetrics,
  type OperatorMetricsSnapshot,
  RecordCounter,
  type RecordedEvent,
  TimeCounter,
  UserMetrics,
  type UserMetricsSnapshot,
} from "./metrics/registry.js";
export { runtimeJobExecutor } from "./register-executor.js";
export { builtinConnectors } from "./sinks/builtin-connectors.js";
export { fileConnector } from "./sinks/file-connector.js";
export { type FileSinkFormat, type FileSinkOptions, fileSink, type PendingFile } from "./sinks/file-sink.js";
export { blackholeConnector, printConnector, printLine } from "./sinks/print-connector.js";
export { deadLetterJson } from "./spi/error-policy.js";
export type { Key, KeyScalar, KeySelector, NormalizedKey } from "./spi/key-groups.js";
export {
  DEFAULT_MAX_PARALLELISM,
  keyGroupOf,
  keyGroupRangeFor,
  normalizeKey,
  subtaskForKeyGroup,
} from "./spi/key-groups.js";
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
} from "./spi/keyed-state-backend.js";
export {
  type LatencyMarker,
  OneInputOperator,
  type OperatorRuntime,
  type Output,
  StreamOperator,
  TwoInputOperator,
} from "./spi/operator.js";
export type { BroadcastState, OperatorListState, ReadOnlyBroadcastState } from "./spi/operator-state.js";
export { OutputTag } from "./spi/output-tag.js";
export { ManualProcessingTime, type ProcessingTimeScheduler } from "./spi/processing-time.js";
export * from "./spi/state-descriptors.js";
export {
  type ChangelogHandle,
  ChangelogReleases,
  memoryChangelog,
  type StateChangelogStorage,
  type StateChangelogWriter,
} from "./state/changelog.js";
export {
  CHANGELOG_BACKEND,
  ChangelogKeyedStateBackend,
  type ChangelogStateBackendOptions,
  changelogStateBackend,
} from "./state/changelog-keyed-state-backend.js";
export { HeapKeyedStateBackend, heapStateBackend } from "./state/heap-keyed-state-backend.js";
export type { CurrentKeySource, StateTable } from "./state/state-handles.js";
export { TableKeyedStateBackend } from "./state/table-keyed-state-backend.js";
export { fixedOffsetZone, flinkZone, regionZone, type TimeZone } from "./time/time-zone.js";
export * from "./time/watermark.js";
export * from "./windows/index.js";
