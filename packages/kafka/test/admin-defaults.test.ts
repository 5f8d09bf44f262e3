/**
 * Topics created without partitions or a replication factor take the broker's defaults, as
 * kafka-topics.sh does (CreateTopics with -1): a fixed replication factor of 1 would make topics
 * that reject acks=all writes on a cluster with min.insync.replicas >= 2. Checked on what the
 * client sends (the development broker's defaults are 1 and 1, so its topics cannot tell).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Admin } from "@platformatic/kafka";
import { KafkaClient } from "../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "./broker.js";

const options = await brokerTestOptions();

test("createTopics sends -1 (the broker's defaults) unless partitions or replicationFactor are given", {
  ...options,
  timeout: 60_000,
}, async () => {
  const sent: { topics: string[]; partitions?: number; replicas?: number }[] = [];
  const original = Admin.prototype.createTopics;
  // Records each request, then sends it to the broker unchanged.
  Admin.prototype.createTopics = function (this: Admin, ...args: Parameters<Admin["createTopics"]>) {
    sent.push(args[0] as (typeof sent)[number]);
    return original.apply(this, args);
  } as Admin["createTopics"];
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const plain = uniqueTopic("defaults");
  const explicit = uniqueTopic("explicit");
  try {
    await client.createTopics([{ name: plain }, { name: explicit, partitions: 2, replicationFactor: 1 }]);
    assert.deepEqual(
      sent.map((o) => [o.topics[0], o.partitions, o.replicas]),
      [
        [plain, -1, -1],
        [explicit, 2, 1],
      ],
    );
    assert.equal((await client.describeTopic(explicit))?.partitions.length, 2);
    assert.ok((await client.describeTopic(plain))?.partitions.length, "the broker made the topic");
  } finally {
    Admin.prototype.createTopics = original;
    await client.deleteTopics([plain, explicit]);
    await client.close();
  }
});
