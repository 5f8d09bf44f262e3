/**
 * Interop with kcat (librdkafka), a client Fleuve does not share code with: records written by one
 * side must read back identically on the other, and transactions must mean the same thing to both.
 * Needs `kcat` on PATH (`apt-get install -y kcat`) and a broker (`npm run services:up`).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { KafkaClient } from "../src/index.js";
import { BOOTSTRAP, brokerTestOptions, Closer, readUntil, readValuesUntil, uniqueTopic } from "./broker.js";

const options = await brokerTestOptions();

function kcat(args: string[], input?: string): string {
  const r = spawnSync("kcat", ["-b", BOOTSTRAP, ...args], { input, encoding: "utf8", timeout: 120_000 });
  if (r.error) {
    throw new Error(
      `cannot run kcat (${r.error.message}). Install it: apt-get install -y kcat (CI installs it in .ci/run).`,
    );
  }
  assert.equal(r.status, 0, `kcat ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describe("interop with kcat", { ...options, timeout: 300_000 }, () => {
  let client: KafkaClient;
  const closer = new Closer();
  const topics: string[] = [];

  before(async () => {
    client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  });
  after(async () => {
    await closer.closeAll();
    if (!client) return;
    await client.deleteTopics(topics);
    await client.close();
  });

  test("kcat produces keyed records, our consumer reads them in order", async () => {
    const topic = uniqueTopic("kcat-in");
    await client.createTopics([{ name: topic }]);
    topics.push(topic);
    const lines = Array.from({ length: 50 }, (_, i) => `key-${i % 5}:value ${i} é`);
    kcat(["-P", "-t", topic, "-K", ":"], `${lines.join("\n")}\n`);

    const consumer = closer.track(
      client.consumer({ "group.id": uniqueTopic("g"), "auto.offset.reset": "earliest" }),
    );
    const got = await readUntil(await consumer.subscribe([topic]), (s) => s.length === lines.length);
    assert.deepEqual(
      got.map((r) => `${r.key?.toString("utf8")}:${r.value?.toString("utf8")}`),
      lines,
    );
  });

  test("our transactions: kcat read_committed sees exactly the committed records", async () => {
    const topic = uniqueTopic("kcat-tx");
    await client.createTopics([{ name: topic }]);
    topics.push(topic);
    const producer = closer.track(client.producer({ "transactional.id": uniqueTopic("kcat-txid") }));
    let tx = await producer.beginTransaction();
    await tx.send([
      { topic, value: "committed-1" },
      { topic, value: "committed-2" },
    ]);
    await tx.commit();
    tx = await producer.beginTransaction();
    await tx.send([
      { topic, value: "aborted-1" },
      { topic, value: "aborted-2" },
    ]);
    await tx.abort();
    tx = await producer.beginTransaction();
    await tx.send([{ topic, value: "committed-3" }]);
    await tx.commit();

    // Commit markers are written just after commit() returns; wait until the last one is readable
    // so kcat's "-e" (exit at end of partition) cannot stop before it.
    await readValuesUntil(client, topic, "committed-3");

    const consume = (isolation: string) =>
      kcat([
        "-C",
        "-t",
        topic,
        "-o",
        "beginning",
        "-e",
        "-q",
        "-f",
        "%s\\n",
        "-X",
        `isolation.level=${isolation}`,
      ])
        .split("\n")
        .filter((l) => l !== "");
    assert.deepEqual(consume("read_committed"), ["committed-1", "committed-2", "committed-3"]);
    // The aborted records are in the log; kcat's read_uncommitted shows them, so the check above is real.
    assert.deepEqual(consume("read_uncommitted"), [
      "committed-1",
      "committed-2",
      "aborted-1",
      "aborted-2",
      "committed-3",
    ]);
  });
});
