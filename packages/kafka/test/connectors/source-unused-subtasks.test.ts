/**
 * kafkaSource warns, once per job and naming the topic, when its parallelism exceeds what its
 * input topic's partitions can feed (some subtasks read nothing and are only marked idle), and
 * stays quiet when every subtask has a partition. Against the real broker, in one process; the
 * few-partitions test (scale-out/group-few-partitions.test.ts) sees the same warning from
 * `fleuve run` on worker threads and from a `--group`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { KafkaClient, kafkaSource } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();

/** The log lines of a bounded job reading `topic` at `parallelism`, and how many records it read. */
async function run(topic: string, parallelism: number): Promise<{ log: string[]; read: number }> {
  const log: string[] = [];
  let read = 0;
  const env = StreamExecutionEnvironment.create({ parallelism, log: (l) => log.push(l) });
  env
    .fromSource(
      kafkaSource<null, string, Buffer>({
        bootstrap: BOOTSTRAP,
        topics: [topic],
        value: "string",
        bounded: true,
      }),
    )
    .forEach(() => {
      read++;
    });
  await env.execute("unused-subtasks");
  return { log, read };
}

const warnings = (log: string[]) => log.filter((l) => l.includes("subtasks read no partition"));

test("kafkaSource warns once when the topic has fewer partitions than its parallelism, never otherwise", {
  ...options,
  timeout: 300_000,
}, async () => {
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const two = uniqueTopic("unused-2");
  const three = uniqueTopic("unused-3");
  try {
    await client.createTopics([
      { name: two, partitions: 2 },
      { name: three, partitions: 3 },
    ]);
    const producer = client.producer({});
    await producer.send(
      [0, 1, 2].flatMap((partition) =>
        [two, three]
          .filter((t) => t === three || partition < 2)
          .map((topic) => ({ topic, partition, value: "x" })),
      ),
    );
    await producer.close();

    const fewer = await run(two, 4);
    assert.equal(fewer.read, 2);
    assert.deepEqual(warnings(fewer.log), [
      `warning: kafkaSource: 2 of the source's 4 subtasks read no partition of topic "${two}" (2 partitions): ` +
        "they are marked idle so that watermarks still advance, but that parallelism is wasted. " +
        "Add partitions to the topic, or lower the source's parallelism to 2.",
    ]);
    const oneShort = await run(three, 4);
    assert.equal(oneShort.read, 3);
    assert.equal(warnings(oneShort.log).length, 1, oneShort.log.join("\n"));
    assert.match(warnings(oneShort.log)[0]!, /1 of the source's 4 subtasks .* parallelism to 3\.$/);

    for (const [topic, parallelism] of [
      [two, 2],
      [two, 1],
      [three, 3],
    ] as const) {
      const enough = await run(topic, parallelism);
      assert.deepEqual(
        warnings(enough.log),
        [],
        `no warning at parallelism ${parallelism}: ${enough.log.join("\n")}`,
      );
    }
  } finally {
    await client.deleteTopics([two, three]).catch(() => {});
    await client.close();
  }
});
