/**
 * The connector conformance suite of `@fleuve/core/testing` against the "kafka" connector
 * (kafkaSource and kafkaSink made from plain options), on the broker at 127.0.0.1:9092. kcat, an
 * independent client, reads the committed output.
 */
import { after, test } from "node:test";
import { type ConformanceTarget, connectorConformanceCases } from "@fleuve/core/testing";
import {
  KafkaClient,
  type KafkaDeadLetterTopic,
  kafkaConnector,
  kafkaDeadLetterTopic,
} from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";
import { readSorted } from "./crash-common.js";
import { settled } from "./settled.js";

const options = await brokerTestOptions();
const client = options.skip ? undefined : await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
const created = new Map<string, number>();
const deadLetterTopics = new Map<string, KafkaDeadLetterTopic>();

after(async () => {
  await client?.deleteTopics([...created.keys()]).catch(() => {});
  await client?.close();
});

const target: ConformanceTarget = {
  connector: kafkaConnector,
  module: "@fleuve/kafka",
  options: { bootstrap: BOOTSTRAP },
  async createTopic(partitions) {
    const name = uniqueTopic("conformance");
    // The suite's timestamps are in 1970: no time retention, or the broker may delete them.
    await client!.createTopics([{ name, partitions, config: OLD_TIMESTAMPS }]);
    created.set(name, partitions);
    return name;
  },
  async append(topic, records) {
    const producer = client!.producer({});
    try {
      await producer.send(
        records.map((r) => ({
          topic,
          partition: r.partition,
          key: r.key,
          value: r.value,
          timestamp: r.timestamp,
        })),
      );
    } finally {
      await producer.close();
    }
  },
  async readCommitted(topic) {
    // EndTxn returns before the broker wrote its commit markers: wait until none is pending.
    await settled(client!, topic, created.get(topic)!);
    return readSorted(BOOTSTRAP, topic);
  },
  // The Kafka dead-letter topic; kcat reads what it holds.
  deadLetters: {
    policy(name) {
      const policy = kafkaDeadLetterTopic({ bootstrap: BOOTSTRAP, topic: name });
      deadLetterTopics.set(name, policy);
      created.set(name, 1);
      return policy;
    },
    async read(name) {
      await deadLetterTopics.get(name)!.flush();
      return readSorted(BOOTSTRAP, name).map((v) => JSON.parse(v));
    },
  },
};

for (const c of connectorConformanceCases(target)) test(c.name, { ...options, timeout: 300_000 }, c.run);
