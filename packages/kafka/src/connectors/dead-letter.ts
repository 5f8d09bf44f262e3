/**
 * A dead-letter topic on Kafka (as Kafka Connect's `errors.deadletterqueue.topic.name`): records
 * rejected by the job's error policy are produced to a topic, one JSON value per letter (the same
 * value as the log's `deadLetterTopic`: job, operator, subtask, error, record, timestamps), keyed by
 * the operator, with the reason and the record's origin in headers (Kafka Connect's
 * `errors.deadletterqueue.context.headers.enable`): `fleuve.errors.job`, `fleuve.errors.operator`,
 * `fleuve.errors.subtask`, `fleuve.errors.exception.message`, and for a record a source could not
 * deserialize `fleuve.errors.topic`, `fleuve.errors.partition`, `fleuve.errors.offset`.
 *
 * At least once: sends are asynchronous, and each checkpoint waits until every letter handed over
 * before it is acknowledged (`DeadLetterPolicy.flush`), so a restored job never skips one; a
 * letter may repeat after a restore, as in Kafka Connect. The producer connects at the first
 * letter and disconnects once every letter sent is acknowledged (letters are rare).
 */
import { type DeadLetter, type DeadLetterPolicy, deadLetterJson, FleuveError } from "@fleuve/core";
import { KafkaClient } from "../client.js";
import type { KafkaProducer } from "../producer.js";
import type { KafkaProperties } from "../properties.js";
import type { ProducerRecord } from "../records.js";

/** Options of {@link kafkaDeadLetterTopic}. */
export interface KafkaDeadLetterTopicOptions {
  /** `bootstrap.servers` (shorthand; `props["bootstrap.servers"]` works too). */
  readonly bootstrap?: string;
  /** Producer properties under Kafka's names. */
  readonly props?: KafkaProperties;
  /** The topic; created with one partition (the broker's replication default) when missing. */
  readonly topic: string;
}

/** A {@link DeadLetterPolicy} writing to a Kafka topic; `flush` is always there. */
export interface KafkaDeadLetterTopic extends DeadLetterPolicy {
  /** Resolves once every letter handed over is acknowledged; rejects if one could not be sent. */
  flush(): Promise<void>;
}

/**
 * An error policy producing rejected records to a Kafka topic, for
 * `StreamExecutionEnvironment.create({ errorPolicy: kafkaDeadLetterTopic({ bootstrap, topic }) })`.
 */
export function kafkaDeadLetterTopic(opts: KafkaDeadLetterTopicOptions): KafkaDeadLetterTopic {
  if (typeof opts.topic !== "string" || opts.topic.length === 0) {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "kafkaDeadLetterTopic: option 'topic' must name a topic", {
      details: { option: "topic" },
    });
  }
  const props: KafkaProperties = {
    ...(opts.bootstrap === undefined ? {} : { "bootstrap.servers": opts.bootstrap }),
    ...opts.props,
  };
  let connection: Promise<{ client: KafkaClient; producer: KafkaProducer }> | undefined;
  let topicReady = false;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const connect = () =>
    (connection ??= (async () => {
      const client = await KafkaClient.connect(props);
      if (!topicReady) {
        await client.createTopics([{ name: opts.topic, partitions: 1 }], { ifNotExists: true });
        topicReady = true;
      }
      return { client, producer: client.producer() };
    })());
  /** Letters are rare: once none is in flight, the connection goes (a finished job must exit). */
  const disconnectWhenIdle = () => {
    if (inFlight.size > 0 || connection === undefined) return;
    const c = connection;
    connection = undefined;
    void c.then(
      async ({ client, producer }) => {
        await producer.close();
        await client.close();
      },
      () => {},
    );
  };
  return {
    deadLetter(letter: DeadLetter) {
      if (failure !== undefined) throw failure;
      const record = toRecord(opts.topic, letter);
      const sent = connect()
        .then(({ producer }) => producer.send([record]))
        .catch((e: unknown) => {
          failure ??= new FleuveError(
            "FLEUVE_SINK_FAILED",
            `kafkaDeadLetterTopic '${opts.topic}': a dead letter could not be sent: ${e instanceof Error ? e.message : String(e)}`,
            { cause: e },
          );
        })
        .finally(() => {
          inFlight.delete(sent);
          disconnectWhenIdle();
        });
      inFlight.add(sent);
    },
    async flush() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      if (failure !== undefined) throw failure;
    },
  };
}

/** The letter as the log's `deadLetterTopic` writes it, with Kafka Connect style headers. */
function toRecord(topic: string, l: DeadLetter): ProducerRecord {
  const value = deadLetterJson(l);
  const headers: Record<string, string> = {
    "fleuve.errors.job": l.jobName,
    "fleuve.errors.operator": l.operator,
    "fleuve.errors.subtask": String(l.subtask),
    "fleuve.errors.exception.message": l.error,
  };
  // A record a source could not deserialize names where it came from.
  const origin = l.record as { topic?: unknown; partition?: unknown; offset?: unknown } | null;
  if (origin !== null && typeof origin === "object" && typeof origin.topic === "string") {
    headers["fleuve.errors.topic"] = origin.topic;
    headers["fleuve.errors.partition"] = String(origin.partition);
    headers["fleuve.errors.offset"] = String(origin.offset);
  }
  return {
    topic,
    key: l.operator,
    value: JSON.stringify(value),
    timestamp: l.failedAt,
    headers,
  };
}
