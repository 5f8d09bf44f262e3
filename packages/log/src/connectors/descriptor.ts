/**
 * The embedded log as a connector descriptor ("log"): its source and sink made from plain
 * options, for the CLI, a SQL `WITH ('connector' = 'log', ...)` clause or a dashboard. The options
 * are the shared topic options of `@fleuve/core` plus `log`, the log's directory.
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
import { logSink } from "./sink.js";
import { logSource } from "./source.js";

const LOG_OPTION = {
  log: { type: "string", required: true, doc: "The embedded log's directory (e.g. .fleuve/log)." },
} as const;

/** The "log" connector: topics of the embedded log (`@fleuve/log`). */
export const logConnector = defineConnector({
  name: "log",
  package: "@fleuve/log",
  description: "Topics of Fleuve's embedded log, a local directory of Kafka-style partitions.",
  source: {
    description: "Reads a topic; records carry topic, partition, offset, timestamp, key, value, headers.",
    options: { ...LOG_OPTION, ...TOPIC_SOURCE_OPTIONS },
    create: (o): Source<ConnectorRecord> =>
      logSource<string | null, unknown, string>({
        log: o.log,
        topic: o.topic,
        key: "string",
        value: o.format,
        headers: "string",
        bounded: o.bounded,
        startingOffsets: o.startingOffsets,
        ...(o.group === undefined ? {} : { group: o.group }),
        isolation: o.isolation,
        partitionAssignment: o.partitionAssignment,
      }),
  },
  sink: {
    description: "Appends values to a topic, at least once or exactly once (log transactions).",
    options: { ...LOG_OPTION, ...TOPIC_SINK_OPTIONS },
    create: (o): Sink<unknown> => {
      const { value, key } = plainRecordEncoding(o);
      return logSink<unknown>({
        log: o.log,
        topic: o.topic,
        serializer: value,
        ...(key === undefined ? {} : { key }),
        deliveryGuarantee: o.deliveryGuarantee,
        ...(o.transactionalIdPrefix === undefined ? {} : { transactionalIdPrefix: o.transactionalIdPrefix }),
      });
    },
  },
});

/** Every connector of `@fleuve/log`, for `connectorsOf(...)`. */
export const connectors = [logConnector] as const;
