/**
 * Kafka as a connector descriptor ("kafka"): its source and sink made from plain options, for the
 * CLI, a SQL `WITH ('connector' = 'kafka', 'topic' = ...)` clause or a dashboard. The options are
 * the shared topic options of `@fleuve/core` plus `bootstrap`, the cluster's address.
 */
import {
  type ConnectorRecord,
  defineConnector,
  plainRecordEncoding,
  type Sink,
  type Source,
  TOPIC_SINK_OPTIONS,
  TOPIC_SOURCE_OPTIONS,
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
    create: (o): Source<ConnectorRecord> =>
      kafkaSource<string | null, unknown, string>({
        bootstrap: o.bootstrap,
        topics: o.topic.split(";").map((t) => t.trim()),
        key: "string",
        value: o.format,
        headers: "string",
        bounded: o.bounded,
        startingOffsets: o.startingOffsets,
        ...(o.group === undefined ? {} : { group: o.group }),
        props: { "isolation.level": o.isolation },
        partitionAssignment: o.partitionAssignment,
      }),
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
    create: (o): Sink<unknown> => {
      const { value, key } = plainRecordEncoding(o);
      return kafkaSink<unknown>({
        bootstrap: o.bootstrap,
        topic: o.topic,
        serializer: value,
        ...(key === undefined ? {} : { key }),
        deliveryGuarantee: o.deliveryGuarantee,
        ...(o.transactionalIdPrefix === undefined ? {} : { transactionalIdPrefix: o.transactionalIdPrefix }),
      });
    },
  },
});

/** Every connector of `@fleuve/kafka`, for `connectorsOf(...)`. */
export const connectors = [kafkaConnector] as const;
