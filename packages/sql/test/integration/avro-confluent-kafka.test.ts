// The avro-confluent format on the real Kafka broker (127.0.0.1:9092): a SQL table reads Avro
// records a Fleuve job wrote with the registry's serializer, and a SQL INSERT into another topic
// writes records that Confluent's own client (@confluentinc/schemaregistry) decodes.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { AvroDeserializer, SchemaRegistryClient, SerdeType } from "@confluentinc/schemaregistry";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { KafkaClient, connectors as kafkaConnectors, kafkaSink, kafkaSource } from "@fleuve/kafka";
import { type RunningRegistry, schemaSerializer, startRegistry } from "@fleuve/registry";
import { sql } from "@fleuve/sql";

const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const unique = (p: string) => `${p}-${Date.now()}-${randomBytes(4).toString("hex")}`;
const input = unique("sql-avro-in");
const output = unique("sql-avro-out");

let r: RunningRegistry;
let admin: KafkaClient;
let client: SchemaRegistryClient;
before(async () => {
  r = await startRegistry({ port: 0 });
  client = new SchemaRegistryClient({ baseURLs: [r.url], maxRetries: 0 });
  admin = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  // No time retention: the records' timestamps are the job's (1970).
  await admin.createTopics([
    { name: input, partitions: 1, config: { "retention.ms": "-1" } },
    { name: output, partitions: 1, config: { "retention.ms": "-1" } },
  ]);
});
after(async () => {
  await admin.deleteTopics([input, output]).catch(() => {});
  await admin.close();
  await client.close();
  await r.close();
});

const PAYMENT = {
  type: "record",
  name: "Payment",
  namespace: "shop",
  fields: [
    { name: "id", type: "long" },
    { name: "amount", type: "double" },
    { name: "currency", type: ["null", "string"], default: null },
  ],
};

test("SQL reads avro-confluent records from Kafka and INSERT writes records Confluent's client decodes", {
  timeout: 300_000,
}, async () => {
  const ser = await schemaSerializer({ url: r.url, subject: `${input}-value`, schema: PAYMENT });
  const produce = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  produce
    .fromElements(
      { id: 1, amount: 12.5, currency: "EUR" },
      { id: 2, amount: 3, currency: null },
      { id: 3, amount: 40, currency: "USD" },
    )
    .sinkTo(kafkaSink({ bootstrap: BOOTSTRAP, topic: input, serializer: (p) => ser.serialize(p) }));
  await produce.execute("produce-avro");

  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: kafkaConnectors,
  });
  await tEnv.executeScript(`
    CREATE TABLE payments (id BIGINT, amount DOUBLE, currency STRING)
      WITH ('connector' = 'kafka', 'bootstrap' = '${BOOTSTRAP}', 'topic' = '${input}', 'bounded' = 'true',
        'format' = 'avro-confluent', 'avro-confluent.url' = '${r.url}');
    CREATE TABLE big (id BIGINT NOT NULL, amount DOUBLE, currency STRING)
      WITH ('connector' = 'kafka', 'bootstrap' = '${BOOTSTRAP}', 'topic' = '${output}',
        'format' = 'avro-confluent', 'avro-confluent.url' = '${r.url}')`);
  const read = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: kafkaConnectors,
  });
  await read.executeSql(`
    CREATE TABLE payments (id BIGINT, amount DOUBLE, currency STRING)
      WITH ('connector' = 'kafka', 'bootstrap' = '${BOOTSTRAP}', 'topic' = '${input}', 'bounded' = 'true',
        'format' = 'avro-confluent', 'avro-confluent.url' = '${r.url}')`);
  assert.deepEqual(await (await read.executeSql("SELECT id, amount, currency FROM payments")).collect(), [
    { id: 1, amount: 12.5, currency: "EUR" },
    { id: 2, amount: 3, currency: null },
    { id: 3, amount: 40, currency: "USD" },
  ]);

  await (
    await tEnv.executeSql("INSERT INTO big SELECT id, amount, currency FROM payments WHERE amount > 10")
  ).await();
  const raw = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  const bytes = await raw.executeAndCollect(
    raw
      .fromSource(
        kafkaSource<null, Buffer, Buffer>({
          bootstrap: BOOTSTRAP,
          topics: [output],
          bounded: true,
          value: "bytes",
        }),
      )
      .map((rec) => rec.value),
  );
  const reader = new AvroDeserializer(client, SerdeType.VALUE, {});
  const decoded = [];
  for (const b of bytes) decoded.push({ ...((await reader.deserialize(output, b)) as object) });
  assert.deepEqual(decoded, [
    { id: 1, amount: 12.5, currency: "EUR" },
    { id: 3, amount: 40, currency: "USD" },
  ]);
  assert.deepEqual(await client.getAllSubjects(), [`${input}-value`, `${output}-value`].sort());
});
