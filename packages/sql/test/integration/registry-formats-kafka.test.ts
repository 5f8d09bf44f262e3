// The protobuf-confluent and json-confluent formats on the real Kafka broker (127.0.0.1:9092): a SQL
// INSERT writes Protobuf messages into one topic and JSON records into another, Confluent's own
// client (@confluentinc/schemaregistry) decodes both, and SQL tables read them back; an
// upsert-kafka table in avro-confluent takes an updating query's changes (a delete as a tombstone)
// and reads back as the query's final table.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import {
  AvroDeserializer,
  JsonDeserializer,
  ProtobufDeserializer,
  SchemaRegistryClient,
  SerdeType,
} from "@confluentinc/schemaregistry";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { KafkaClient, connectors as kafkaConnectors, kafkaSource } from "@fleuve/kafka";
import { type RunningRegistry, startRegistry } from "@fleuve/registry";
import { materialize, sql } from "@fleuve/sql";

const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const unique = (p: string) => `${p}-${Date.now()}-${randomBytes(4).toString("hex")}`;
const protoTopic = unique("sql-proto");
const jsonTopic = unique("sql-json");
const upsertTopic = unique("sql-upsert-avro");

let r: RunningRegistry;
let admin: KafkaClient;
let client: SchemaRegistryClient;
before(async () => {
  r = await startRegistry({ port: 0 });
  client = new SchemaRegistryClient({ baseURLs: [r.url], maxRetries: 0 });
  admin = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  // No time retention: the records' timestamps are the job's (1970).
  await admin.createTopics([
    { name: protoTopic, partitions: 1, config: { "retention.ms": "-1" } },
    { name: jsonTopic, partitions: 1, config: { "retention.ms": "-1" } },
    { name: upsertTopic, partitions: 1, config: { "retention.ms": "-1" } },
  ]);
});
after(async () => {
  await admin.deleteTopics([protoTopic, jsonTopic, upsertTopic]).catch(() => {});
  await admin.close();
  await client.close();
  await r.close();
});

/** Every value of a Kafka topic, as bytes. */
async function valuesOf(topic: string): Promise<Buffer[]> {
  const raw = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  return raw.executeAndCollect(
    raw
      .fromSource(
        kafkaSource<null, Buffer, Buffer>({
          bootstrap: BOOTSTRAP,
          topics: [topic],
          bounded: true,
          value: "bytes",
        }),
      )
      .map((rec) => rec.value),
  );
}

const kafkaTable = (name: string, topic: string, format: string, bounded: boolean) => `
  CREATE TABLE ${name} (id BIGINT NOT NULL, item STRING, qty INT, day DATE)
    WITH ('connector' = 'kafka', 'bootstrap' = '${BOOTSTRAP}', 'topic' = '${topic}',${bounded ? " 'bounded' = 'true'," : ""}
      'value.format' = '${format}', 'value.${format}.url' = '${r.url}')`;

test("SQL writes protobuf-confluent and json-confluent records to Kafka that Confluent's client decodes, and reads them back", {
  timeout: 300_000,
}, async () => {
  // One environment per INSERT: each runs as a job of its own.
  const insert = async (ddl: string, statement: string) => {
    const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
      connectors: kafkaConnectors,
    });
    await tEnv.executeSql(ddl);
    await (await tEnv.executeSql(statement)).await();
  };
  await insert(
    kafkaTable("orders_pb", protoTopic, "protobuf-confluent", false).replace(", day DATE", ""),
    "INSERT INTO orders_pb SELECT * FROM (VALUES (CAST(1 AS BIGINT), 'book', 2), (CAST(2 AS BIGINT), CAST(NULL AS STRING), 0)) AS t(id, item, qty)",
  );
  await insert(
    kafkaTable("orders_json", jsonTopic, "json-confluent", false),
    "INSERT INTO orders_json SELECT * FROM (VALUES (CAST(1 AS BIGINT), 'book', 2, DATE '2026-05-06'), (CAST(2 AS BIGINT), CAST(NULL AS STRING), CAST(NULL AS INT), DATE '2026-05-07')) AS t(id, item, qty, day)",
  );

  const pb = new ProtobufDeserializer(client, SerdeType.VALUE, {});
  const fromPb = [];
  for (const b of await valuesOf(protoTopic)) {
    const m = (await pb.deserialize(protoTopic, b)) as Record<string, unknown>;
    fromPb.push([String(m.id), m.item, m.qty]);
  }
  assert.deepEqual(fromPb, [
    ["1", "book", 2],
    ["2", undefined, 0],
  ]);
  const js = new JsonDeserializer(client, SerdeType.VALUE, {});
  const fromJson = [];
  for (const b of await valuesOf(jsonTopic)) fromJson.push(await js.deserialize(jsonTopic, b));
  assert.deepEqual(fromJson, [
    { id: 1, item: "book", qty: 2, day: Date.UTC(2026, 4, 6) / 86_400_000 },
    { id: 2, item: null, qty: null, day: Date.UTC(2026, 4, 7) / 86_400_000 },
  ]);

  const read = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: kafkaConnectors,
  });
  await read.executeScript(`
    ${kafkaTable("orders_pb", protoTopic, "protobuf-confluent", true).replace(", day DATE", "")};
    ${kafkaTable("orders_json", jsonTopic, "json-confluent", true)}`);
  assert.deepEqual(await (await read.executeSql("SELECT * FROM orders_pb")).collect(), [
    { id: 1, item: "book", qty: 2 },
    { id: 2, item: null, qty: 0 },
  ]);
  assert.deepEqual(await (await read.executeSql("SELECT * FROM orders_json")).collect(), [
    { id: 1, item: "book", qty: 2, day: Date.UTC(2026, 4, 6) },
    { id: 2, item: null, qty: null, day: Date.UTC(2026, 4, 7) },
  ]);
});

test("an upsert-kafka table in avro-confluent: upserts by key, a delete as a tombstone, read back as the final table", {
  timeout: 300_000,
}, async () => {
  const table = (bounded: boolean) => `
    CREATE TABLE totals (item STRING NOT NULL, n BIGINT, PRIMARY KEY (item) NOT ENFORCED)
      WITH ('connector' = 'upsert-kafka', 'bootstrap' = '${BOOTSTRAP}', 'topic' = '${upsertTopic}',${bounded ? " 'bounded' = 'true'," : ""}
        'key.format' = 'json', 'value.format' = 'avro-confluent', 'value.avro-confluent.url' = '${r.url}')`;
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: kafkaConnectors,
  });
  await tEnv.executeSql(table(false));
  await (
    await tEnv.executeSql(
      "INSERT INTO totals SELECT item, COUNT(*) FROM (VALUES ('pen'), ('ink'), ('pen'), ('ink'), ('ink')) AS t(item) GROUP BY item HAVING COUNT(*) < 3",
    )
  ).await();
  const avro = new AvroDeserializer(client, SerdeType.VALUE, {});
  const values = [];
  for (const b of await valuesOf(upsertTopic))
    values.push(b === null ? null : { ...((await avro.deserialize(upsertTopic, b)) as object) });
  // With HAVING the query declares no unique key (a group leaving HAVING sends a lone -U, as in
  // Flink): each -U is written as a tombstone.
  assert.deepEqual(values, [
    { item: "pen", n: 1 },
    { item: "ink", n: 1 },
    null,
    { item: "pen", n: 2 },
    null,
    { item: "ink", n: 2 },
    null,
  ]);
  const read = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: kafkaConnectors,
  });
  await read.executeSql(table(true));
  assert.deepEqual(materialize(await (await read.executeSql("SELECT * FROM totals")).collect()), [
    { item: "pen", n: 2 },
  ]);
});
