/**
 * kafkaSink's per-record functions (topic, key, partition, headers) against the real broker: one
 * that throws on a record rejects that record, as a throwing serializer does, so under a
 * dead-letter policy the record goes to the dead letters with the reason (naming the sink and the
 * function) and the others reach the topic; under the default policy the job fails naming both.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { type DeadLetter, StreamExecutionEnvironment } from "@fleuve/core";
import { KafkaClient, kafkaSink, kafkaSource } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();
const client = options.skip ? undefined : await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
const topics: string[] = [];

after(async () => {
  await client?.deleteTopics(topics).catch(() => {});
  await client?.close();
});

type Item = { n: number };
/** `f`, except that it throws on record 2. */
const rejecting =
  <R>(what: string, f: (v: Item) => R) =>
  (v: Item): R => {
    if (v.n === 2) throw new Error(`${what} cannot place record 2`);
    return f(v);
  };

/** Reads the values of a bounded topic. */
async function valuesOf(topic: string): Promise<number[]> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  return env.executeAndCollect(
    env
      .fromSource(
        kafkaSource<null, Item, Buffer>({
          bootstrap: BOOTSTRAP,
          topics: [topic],
          bounded: true,
          value: "json",
        }),
      )
      .map((r) => r.value.n),
  );
}

for (const what of ["topic", "key", "partition", "headers"] as const) {
  test(`a throwing ${what} function sends its record to the dead letters with the reason`, {
    ...options,
    timeout: 300_000,
  }, async () => {
    const out = uniqueTopic(`sink-fn-${what}`);
    topics.push(out);
    await client!.createTopics([{ name: out, partitions: 2, config: OLD_TIMESTAMPS }]);
    const fns = {
      topic: rejecting("topic", () => out),
      key: rejecting("key", (v) => String(v.n)),
      partition: rejecting("partition", (v) => v.n % 2),
      headers: rejecting("headers", (v) => ({ n: String(v.n) })),
    };
    const letters: DeadLetter[] = [];
    const env = StreamExecutionEnvironment.create({
      parallelism: 1,
      errorPolicy: { deadLetter: (l) => void letters.push(l) },
      log: () => {},
    });
    env
      .fromElements<Item>({ n: 1 }, { n: 2 }, { n: 3 })
      .sinkTo(kafkaSink<Item>({ bootstrap: BOOTSTRAP, topic: out, [what]: fns[what] }), "out-sink");
    await env.execute(`sink-fn-${what}`);
    assert.deepEqual(
      (await valuesOf(out)).sort((a, b) => a - b),
      [1, 3],
    );
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.operator, "out-sink");
    assert.deepEqual(letters[0]!.record, { n: 2 });
    assert.equal(
      letters[0]!.error,
      `kafkaSink: the ${what} function rejected the record: ${what} cannot place record 2`,
    );
  });
}

test("under the default policy a throwing key function fails the job, naming the sink and the function", {
  ...options,
  timeout: 300_000,
}, async () => {
  const out = uniqueTopic("sink-fn-fail");
  topics.push(out);
  await client!.createTopics([{ name: out, partitions: 1, config: OLD_TIMESTAMPS }]);
  const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  env
    .fromElements<Item>({ n: 2 })
    .sinkTo(
      kafkaSink<Item>({ bootstrap: BOOTSTRAP, topic: out, key: rejecting("key", () => "k") }),
      "out-sink",
    );
  await assert.rejects(
    env.execute("sink-fn-fail"),
    /out-sink[\s\S]*kafkaSink: the key function rejected the record: key cannot place record 2/,
  );
});
