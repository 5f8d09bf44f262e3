/**
 * The embedded log as a connector descriptor ("log"): its source and sink made from plain
 * options, for the CLI, a SQL `WITH ('connector' = 'log', ...)` clause or a dashboard. The options
 * are the shared topic options of `@fleuve/core` plus `log`, the log's directory.
 */
import {
  type ConnectorRecord,
  defineConnector,
  type ParsedOptions,
  plainRecordEncoding,
  type Sink,
  type Source,
  TOPIC_SINK_OPTIONS,
  TOPIC_SOURCE_OPTIONS,
  UPSERT_SINK_OPTIONS,
  UPSERT_SOURCE_OPTIONS,
  upsertRecordEncoding,
} from "@fleuve/core";
import { logSink } from "./sink.js";
import { logSource } from "./source.js";

const LOG_OPTION = {
  log: { type: "string", required: true, doc: "The embedded log's directory (e.g. .fleuve/log)." },
} as const;

// What the plain and the upsert connectors share (their `format`s differ).
type SourceOptions = ParsedOptions<typeof LOG_OPTION & Omit<typeof UPSERT_SOURCE_OPTIONS, "format">>;
type SinkOptions = ParsedOptions<typeof LOG_OPTION & Omit<typeof UPSERT_SINK_OPTIONS, "format">>;

/** The source of a `log` or `upsert-log` table, its values decoded by `format`. */
function openSource(o: SourceOptions, format: "json" | "string" | "bytes"): Source<ConnectorRecord> {
  return logSource<string | Buffer | null, unknown, string>({
    log: o.log,
    topic: o.topic,
    key: o.keyFormat,
    value: format,
    headers: "string",
    bounded: o.bounded,
    startingOffsets: o.startingOffsets,
    ...(o.group === undefined ? {} : { group: o.group }),
    isolation: o.isolation,
    partitionAssignment: o.partitionAssignment,
  });
}

/** The sink of a `log` or `upsert-log` table with its record encoding. */
function openSink(
  o: SinkOptions,
  enc: {
    value: (v: unknown) => Buffer | string | null;
    key: ((v: unknown) => Buffer | string | null) | undefined;
  },
): Sink<unknown> {
  return logSink<unknown>({
    log: o.log,
    topic: o.topic,
    serializer: enc.value,
    ...(enc.key === undefined ? {} : { key: enc.key }),
    deliveryGuarantee: o.deliveryGuarantee,
    ...(o.transactionalIdPrefix === undefined ? {} : { transactionalIdPrefix: o.transactionalIdPrefix }),
  });
}

/** The "log" connector: topics of the embedded log (`@fleuve/log`). */
export const logConnector = defineConnector({
  name: "log",
  package: "@fleuve/log",
  description: "Topics of Fleuve's embedded log, a local directory of Kafka-style partitions.",
  source: {
    description: "Reads a topic; records carry topic, partition, offset, timestamp, key, value, headers.",
    options: { ...LOG_OPTION, ...TOPIC_SOURCE_OPTIONS },
    create: (o): Source<ConnectorRecord> => openSource(o, o.format),
  },
  sink: {
    description: "Appends values to a topic, at least once or exactly once (log transactions).",
    options: { ...LOG_OPTION, ...TOPIC_SINK_OPTIONS },
    create: (o): Sink<unknown> => openSink(o, plainRecordEncoding(o)),
  },
});

/**
 * The "upsert-log" connector: a topic of the embedded log as a table keyed by its PRIMARY KEY, as
 * Flink's upsert-kafka: the sink writes each change under its key (a delete as a tombstone, a null
 * value), the source reads a tombstone as a delete of its key and any other value as the key's
 * new row.
 */
export const upsertLogConnector = defineConnector({
  name: "upsert-log",
  package: "@fleuve/log",
  description: "A topic of the embedded log as an upsert table keyed by its primary key (as upsert-kafka).",
  source: {
    description:
      "Reads a topic of upserts: a record's value replaces its key's row; a null value deletes it.",
    changelog: "upsert",
    options: { ...LOG_OPTION, ...UPSERT_SOURCE_OPTIONS },
    create: (o): Source<ConnectorRecord> => openSource(o, o.format),
  },
  sink: {
    description: "Writes each change under its primary key; a delete is a tombstone.",
    changelog: "upsert",
    options: { ...LOG_OPTION, ...UPSERT_SINK_OPTIONS },
    create: (o): Sink<unknown> => openSink(o, upsertRecordEncoding(o)),
  },
});

/** Every connector of `@fleuve/log`, for `connectorsOf(...)`. */
export const connectors = [logConnector, upsertLogConnector] as const;
