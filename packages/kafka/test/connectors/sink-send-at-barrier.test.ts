// An exactly-once kafkaSink sends a transaction's records at the barrier, not before (its default,
// or an explicit `linger.ms` at least its commit interval; a shorter one set by the user is kept) (what exactly-once exchanges do, issue 11): its transaction is
// then open in a partition only while it commits, and holds back no other writer's committed
// records there (a read_committed reader stops at the oldest open transaction of a partition).
// Proven against the real broker by the client's own requests: records written over several
// broker round trips send no Produce request until prepareCommit, and are committed then. A
// busy machine only leaves more time for a premature send to show, so the check cannot fail
// for being slow.
import assert from "node:assert/strict";
import { tracingChannel } from "node:diagnostics_channel";
import { after, before, describe, test } from "node:test";
import { protocolAPIsById } from "@platformatic/kafka";
import { KafkaClient, kafkaSink } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, committedValues, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();

/** Counts the Produce requests this process's Kafka clients send from now until `stop()`. */
function countProduceRequests(): { readonly count: number; stop(): void } {
  const api = tracingChannel("plt:kafka:connections:api");
  const counter = {
    count: 0,
    stop: () => api.unsubscribe(onApi as never),
  };
  const onApi = {
    start: (d: unknown) => {
      if (protocolAPIsById[(d as { apiKey: number }).apiKey] === "Produce") counter.count++;
    },
  };
  api.subscribe(onApi as never);
  return counter;
}

describe("exactly-once kafkaSink: linger until the barrier", { ...options, timeout: 120_000 }, () => {
  let client: KafkaClient;
  const topics: string[] = [];
  before(async () => {
    client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  });
  after(async () => {
    if (!client) return;
    if (topics.length > 0) await client.deleteTopics(topics).catch(() => {});
    await client.close();
  });

  for (const [name, props] of [
    ["by default", undefined],
    ["with linger.ms at its maximum", { "linger.ms": 2_147_483_647 }],
  ] as const)
    test(`${name}, no record is sent before prepareCommit; all of them are committed after it`, async () => {
      await barrierRounds(props);
    });

  test("an explicit linger.ms is kept: records go before the barrier", async () => {
    const topic = uniqueTopic("send-at-barrier-linger");
    topics.push(topic);
    await client.createTopics([{ name: topic, partitions: 1 }]);
    const sink = kafkaSink<string>({
      bootstrap: BOOTSTRAP,
      topic,
      serializer: "string",
      deliveryGuarantee: "exactly-once",
      transactionalIdPrefix: uniqueTopic("send-at-barrier-linger-txn"),
      props: { "linger.ms": 5 },
    });
    const produced = countProduceRequests();
    const writer = sink.createWriter({ subtaskIndex: 0, parallelism: 1 });
    try {
      await writer.ready?.();
      writer.write("x", undefined);
      // Waits for the condition (the 5 ms timer's send), never for a fixed time.
      for (let i = 0; i < 10_000 && produced.count === 0; i++) await client.describeTopic(topic);
      assert.ok(produced.count > 0, "linger.ms 5 sent the record before any barrier");
      const cs = writer.prepareCommit(1);
      await writer.prepared!();
      await sink.commit(cs);
      assert.deepEqual(committedValues(topic), ["x"]);
    } finally {
      writer.close?.();
      produced.stop();
    }
  });

  async function barrierRounds(props: Record<string, number> | undefined): Promise<void> {
    const topic = uniqueTopic("send-at-barrier");
    topics.push(topic);
    await client.createTopics([{ name: topic, partitions: 2 }]);
    const sink = kafkaSink<string>({
      bootstrap: BOOTSTRAP,
      topic,
      serializer: "string",
      deliveryGuarantee: "exactly-once",
      transactionalIdPrefix: uniqueTopic("send-at-barrier-txn"),
      key: (v) => v,
      ...(props ? { props } : {}),
    });
    const produced = countProduceRequests();
    const writer = sink.createWriter({ subtaskIndex: 0, parallelism: 1 });
    try {
      await writer.ready?.();
      for (let round = 0; round < 2; round++) {
        const values = Array.from({ length: 5 }, (_, i) => `r${round}-${i}`);
        const before = produced.count;
        for (const v of values) {
          writer.write(v, undefined);
          // a broker round trip between writes: time enough for any timer-driven send
          await client.describeTopic(topic);
        }
        assert.equal(produced.count, before, `round ${round}: a Produce request before the barrier`);
        const cs = writer.prepareCommit(round + 1);
        await writer.prepared!();
        assert.ok(produced.count > before, `round ${round}: the barrier sent the records`);
        await sink.commit(cs);
        assert.deepEqual(
          committedValues(topic).filter((v) => v.startsWith(`r${round}-`)),
          values,
          `round ${round}: committed at the barrier`,
        );
      }
    } finally {
      writer.close?.();
      produced.stop();
    }
  }
});
