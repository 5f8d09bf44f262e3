/**
 * Kafka as a connector descriptor ("kafka"): its source and sink made from plain options, for the
 * CLI, a SQL `WITH ('connector' = 'kafka', 'topic' = ...)` clause or a dashboard. The options are
 * the shared topic options of `@fleuve/core` plus `bootstrap`, the cluster's address.
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
import { DEFAULT_BOOTSTRAP_SERVERS } from "../properties.js";
import { kafkaSink } from "./sink.js";
import { kafkaSource } from "./source.js";

const BOOTSTRAP_OPTION = {
  bootstrap: {
    type: "string",
    default: DEFAULT_BOOTSTRAP_SERVERS,
    doc: "bootstrap.servers: comma-separated host:port of the cluster's brokers.",
  },
} as const;

// What the plain and the upsert connectors share (their `format`s differ).
type SourceOptions = ParsedOptions<typeof BOOTSTRAP_OPTION & Omit<typeof UPSERT_SOURCE_OPTIONS, "format">>;
type SinkOptions = ParsedOptions<typeof BOOTSTRAP_OPTION & Omit<typeof UPSERT_SINK_OPTIONS, "format">>;

/** The source of a `kafka` or `upsert-kafka` table, its values decoded by `format`. */
function openSource(o: SourceOptions, format: "json" | "string" | "bytes"): Source<ConnectorRecord> {
  return kafkaSource<string | Buffer | null, unknown, string>({
    bootstrap: o.bootstrap,
    topics: o.topic.split(";").map((t) => t.trim()),
    key: o.keyFormat,
    value: format,
    headers: "string",
    bounded: o.bounded,
    startingOffsets: o.startingOffsets,
    ...(o.group === undefined ? {} : { group: o.group }),
    props: { "isolation.level": o.isolation },
    partitionAssignment: o.partitionAssignment,
  });
}

/** The sink of a `kafka` or `upsert-kafka` table with its record encoding. */
function openSink(
  o: SinkOptions,
  enc: {
    value: (v: unknown) => Buffer | string | null;
    key: ((v: unknown) => Buffer | string | null) | undefined;
  },
): Sink<unknown> {
  return kafkaSink<unknown>({
    bootstrap: o.bootstrap,
    topic: o.topic,
    serializer: enc.value,
    ...(enc.key === undefined ? {} : { key: enc.key }),
    deliveryGuarantee: o.deliveryGuarantee,
    ...(o.transactionalIdPrefix === undefined ? {} : { transactionalIdPrefix: o.transactionalIdPrefix }),
  });
}

/** The "kafka" connector: topics of an Apache Kafka cluster (`@fleuve/kafka`). */
export const kafkaConnector = defineConnector({
  name: "kafka",
  package: "@fleuve/kafka",
  description: "Topics of an Apache Kafka cluster.",
  source: {
    description: "Reads a topic; records carry topic, partition, offset, timestamp, key, value, headers.",
    options: {
      ...BOOTSTRAP_OPTION,
      ...TOPIC_SOURCE_OPTIONS,
      topic: {
        ...TOPIC_SOURCE_OPTIONS.topic,
        doc: "The topic to read; several separated by ';' (as Flink's).",
      },
    },
    create: (o): Source<ConnectorRecord> => openSource(o, o.format),
  },
  sink: {
    description:
      "Writes values to a topic, at least once (idempotent producer) or exactly once (transactions).",
    options: {
      ...BOOTSTRAP_OPTION,
      ...TOPIC_SINK_OPTIONS,
      transactionalIdPrefix: {
        ...TOPIC_SINK_OPTIONS.transactionalIdPrefix,
        doc: "Prefix of the sink's transactional ids, unique per sink and job across the cluster; required for exactly-once.",
      },
    },
    create: (o): Sink<unknown> => openSink(o, plainRecordEncoding(o)),
  },
});

/**
 * The "upsert-kafka" connector (Flink's): a topic as a table keyed by its PRIMARY KEY. The sink
 * writes each change under its key (JSON of the key columns), a delete as a tombstone (null
 * value); the source reads a tombstone as a delete of its key and any other value as its new row.
 */
export const upsertKafkaConnector = defineConnector({
  name: "upsert-kafka",
  package: "@fleuve/kafka",
  description: "A Kafka topic as an upsert table keyed by its primary key (Flink's upsert-kafka).",
  source: {
    description:
      "Reads a topic of upserts: a record's value replaces its key's row; a null value deletes it.",
    changelog: "upsert",
    options: { ...BOOTSTRAP_OPTION, ...UPSERT_SOURCE_OPTIONS },
    create: (o): Source<ConnectorRecord> => openSource(o, o.format),
  },
  sink: {
    description: "Writes each change under its primary key; a delete is a tombstone.",
    changelog: "upsert",
    options: {
      ...BOOTSTRAP_OPTION,
      ...UPSERT_SINK_OPTIONS,
      transactionalIdPrefix: {
        ...UPSERT_SINK_OPTIONS.transactionalIdPrefix,
        doc: "Prefix of the sink's transactional ids, unique per sink and job across the cluster; required for exactly-once.",
      },
    },
    create: (o): Sink<unknown> => openSink(o, upsertRecordEncoding(o)),
  },
});

/** Every connector of `@fleuve/kafka`, for `connectorsOf(...)`. */
export const connectors = [kafkaConnector, upsertKafkaConnector] as const;
