// 'key.format' on the real Kafka broker (127.0.0.1:9092): a 'kafka' table with avro-confluent keys
// ('key.fields') and values writes records that kcat reads back as bytes, in the partition Kafka's
// default partitioner gives their key bytes (murmur2), and that Confluent's own client
// (@confluentinc/schemaregistry) decodes under <topic>-key and <topic>-value; the same table reads
// them back as rows. An upsert-kafka table with json keys writes the primary key's JSON as keys.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { AvroDeserializer, SchemaRegistryClient, SerdeType } from "@confluentinc/schemaregistry";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { KafkaClient, connectors as kafkaConnectors } from "@fleuve/kafka";
import { partitionForKey } from "@fleuve/log";
import { type RunningRegistry, startRegistry } from "@fleuve/registry";
import { materialize, sql } from "@fleuve/sql";

const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const unique = (p: string) => `${p}-${Date.now()}-${randomBytes(4).toString("hex")}`;
const ordersTopic = unique("sql-key-avro");
const totalsTopic = unique("sql-key-upsert");

let r: RunningRegistry;
let admin: KafkaClient;
let client: SchemaRegistryClient;
before(async () => {
  r = await startRegistry({ port: 0 });
  client = new SchemaRegistryClient({ baseURLs: [r.url], maxRetries: 0 });
  admin = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  // No time retention: the records' timestamps may be the job's (1970).
  await admin.createTopics([
    { name: ordersTopic, partitions: 3, config: { "retention.ms": "-1" } },
    { name: totalsTopic, partitions: 1, config: { "retention.ms": "-1" } },
  ]);
});
after(async () => {
  await admin.deleteTopics([ordersTopic, totalsTopic]).catch(() => {});
  await admin.close();
  await client.close();
  await r.close();
});

/**
 * Every record of `topic` as kcat reads it: partition, key and value bytes (null for none). kcat
 * prints each as `partition,keyLength,valueLength:` then the raw key and value bytes.
 */
function kcat(topic: string): { partition: number; key: Buffer | null; value: Buffer | null }[] {
  const out = execFileSync("kcat", ["-C", "-b", BOOTSTRAP, "-t", topic, "-e", "-q", "-f", "%p,%K,%S:%k%s"], {
    maxBuffer: 1 << 24,
  });
  const records = [];
  let at = 0;
  while (at < out.length) {
    const colon = out.indexOf(":", at);
    const [partition, keyLength, valueLength] = out.subarray(at, colon).toString().split(",").map(Number);
    let pos = colon + 1;
    const take = (n: number) => {
      if (n < 0) return null;
      const b = Buffer.from(out.subarray(pos, pos + n));
      pos += n;
      return b;
    };
    const key = take(keyLength as number);
    const value = take(valueLength as number);
    records.push({ partition: partition as number, key, value });
    at = pos;
  }
  return records;
}

const tEnv = () =>
  sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), { connectors: kafkaConnectors });

test("a kafka table with avro-confluent keys and values: kcat reads keys in their murmur2 partition, Confluent's client decodes them, SQL reads the rows back", {
  timeout: 300_000,
}, async () => {
  const orders = (bounded: string) => `
    CREATE TABLE orders (id BIGINT NOT NULL, region STRING NOT NULL, item STRING, qty INT) WITH (
      'connector' = 'kafka', 'bootstrap' = '${BOOTSTRAP}', 'topic' = '${ordersTopic}',${bounded}
      'key.format' = 'avro-confluent', 'key.avro-confluent.url' = '${r.url}', 'key.fields' = 'region;id',
      'value.format' = 'avro-confluent', 'value.avro-confluent.url' = '${r.url}')`;
  const writer = tEnv();
  await writer.executeSql(orders(""));
  await (
    await writer.executeSql(`INSERT INTO orders VALUES
      (CAST(1 AS BIGINT), 'eu', 'book', 2), (CAST(2 AS BIGINT), 'us', CAST(NULL AS STRING), 1),
      (CAST(3 AS BIGINT), 'eu', 'pen', 5), (CAST(4 AS BIGINT), 'apac', 'ink', 3)`)
  ).await();

  const keySchema = await client.getLatestSchemaMetadata(`${ordersTopic}-key`);
  assert.deepEqual(JSON.parse(keySchema.schema).fields, [
    { name: "region", type: "string" },
    { name: "id", type: "long" },
  ]);
  // 'value.fields-include' is ALL: the value holds the key columns too.
  const valueSchema = await client.getLatestSchemaMetadata(`${ordersTopic}-value`);
  assert.deepEqual(
    JSON.parse(valueSchema.schema).fields.map((f: { name: string }) => f.name),
    ["id", "region", "item", "qty"],
  );

  const keys = new AvroDeserializer(client, SerdeType.KEY, {});
  const values = new AvroDeserializer(client, SerdeType.VALUE, {});
  const read = kcat(ordersTopic);
  assert.equal(read.length, 4);
  const decoded = [];
  for (const x of read) {
    assert.ok(x.key !== null && x.value !== null);
    assert.equal(x.key[0], 0, "Confluent's magic byte");
    assert.equal(x.key.readInt32BE(1), keySchema.id, "the key's schema id");
    assert.equal(x.partition, partitionForKey(x.key, 3), "the partition of the key bytes (murmur2)");
    decoded.push({
      key: { ...((await keys.deserialize(ordersTopic, x.key)) as object) },
      value: { ...((await values.deserialize(ordersTopic, x.value)) as object) },
    });
  }
  assert.deepEqual(
    decoded.sort((a, b) => (a.value as { id: number }).id - (b.value as { id: number }).id),
    [
      { key: { region: "eu", id: 1 }, value: { id: 1, region: "eu", item: "book", qty: 2 } },
      { key: { region: "us", id: 2 }, value: { id: 2, region: "us", item: null, qty: 1 } },
      { key: { region: "eu", id: 3 }, value: { id: 3, region: "eu", item: "pen", qty: 5 } },
      { key: { region: "apac", id: 4 }, value: { id: 4, region: "apac", item: "ink", qty: 3 } },
    ],
  );

  const reader = tEnv();
  await reader.executeSql(orders(" 'bounded' = 'true',"));
  const rows = await (await reader.executeSql("SELECT * FROM orders")).collect();
  assert.deepEqual(
    rows.sort((a, b) => Number(a.id) - Number(b.id)),
    [
      { id: 1, region: "eu", item: "book", qty: 2 },
      { id: 2, region: "us", item: null, qty: 1 },
      { id: 3, region: "eu", item: "pen", qty: 5 },
      { id: 4, region: "apac", item: "ink", qty: 3 },
    ],
  );
});

test("an upsert-kafka table with 'key.format' = 'json': keys the JSON of the primary key, a delete a tombstone, read back as the final table", {
  timeout: 300_000,
}, async () => {
  const totals = (bounded: string) => `
    CREATE TABLE totals (item STRING NOT NULL, n BIGINT, PRIMARY KEY (item) NOT ENFORCED)
      WITH ('connector' = 'upsert-kafka', 'bootstrap' = '${BOOTSTRAP}', 'topic' = '${totalsTopic}',${bounded}
        'key.format' = 'json', 'value.format' = 'json', 'value.fields-include' = 'EXCEPT_KEY')`;
  const writer = tEnv();
  await writer.executeSql(totals(""));
  await (
    await writer.executeSql(
      "INSERT INTO totals SELECT item, COUNT(*) FROM (VALUES ('pen'), ('ink'), ('pen'), ('ink'), ('ink')) AS t(item) GROUP BY item HAVING COUNT(*) < 3",
    )
  ).await();
  assert.deepEqual(
    kcat(totalsTopic).map((x) => [x.key?.toString() ?? null, x.value?.toString() ?? null]),
    [
      // With HAVING the query declares no unique key (a group leaving HAVING sends a lone -U,
      // as in Flink): each -U is written as a tombstone.
      ['{"item":"pen"}', '{"n":1}'],
      ['{"item":"ink"}', '{"n":1}'],
      ['{"item":"pen"}', null],
      ['{"item":"pen"}', '{"n":2}'],
      ['{"item":"ink"}', null],
      ['{"item":"ink"}', '{"n":2}'],
      ['{"item":"ink"}', null],
    ],
  );
  const reader = tEnv();
  await reader.executeSql(totals(" 'bounded' = 'true',"));
  assert.deepEqual(materialize(await (await reader.executeSql("SELECT * FROM totals")).collect()), [
    { item: "pen", n: 2 },
  ]);
});
