// Registry serdes on record keys in a DataStream job: `logSink` writes each record's key with a
// registry serializer (Avro key schema under `<topic>-key`, Confluent's TopicNameStrategy for keys)
// and its value with another (`<topic>-value`); `logSource` reads them back, decoding the key with
// the registry deserializer. The key's wire-format bytes decide the partition (murmur2, as Kafka's
// default partitioner), so equal keys share a partition.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { logSink, logSource, openLog, partitionForKey } from "@fleuve/log";
import {
  type RunningRegistry,
  readWireHeader,
  schemaDeserializer,
  schemaSerializer,
  startRegistry,
} from "../../src/index.js";
import { tmpDir } from "../fixtures/http.js";

const KEY = { type: "record", name: "OrderKey", fields: [{ name: "region", type: "string" }] };
const VALUE = {
  type: "record",
  name: "Order",
  fields: [
    { name: "region", type: "string" },
    { name: "amount", type: "int" },
  ],
};
const ORDERS = [
  { region: "eu", amount: 3 },
  { region: "us", amount: 5 },
  { region: "eu", amount: 7 },
  { region: "apac", amount: 11 },
  { region: "us", amount: 13 },
  { region: "latam", amount: 17 },
];

let r: RunningRegistry;
before(async () => {
  r = await startRegistry({ port: 0 });
});
after(() => r.close());

it("a job writes registry-encoded keys and values, and a source decodes both", async () => {
  const logDir = join(tmpDir(), "log");
  const log = openLog({ dir: logDir });
  log.createTopic("orders", { partitions: 3 });
  log.close();

  const keys = await schemaSerializer<{ region: string }>({ url: r.url, subject: "orders-key", schema: KEY });
  const values = await schemaSerializer<(typeof ORDERS)[number]>({
    url: r.url,
    subject: "orders-value",
    schema: VALUE,
  });
  assert.notEqual(keys.id, values.id);
  const write = StreamExecutionEnvironment.create({ log: () => {} });
  write.fromElements(...ORDERS).sinkTo(
    logSink<(typeof ORDERS)[number]>({
      log: logDir,
      topic: "orders",
      key: (o) => keys.serialize({ region: o.region }),
      serializer: (o) => values.serialize(o),
    }),
    "orders",
  );
  await write.execute("write-orders");

  const reader = schemaDeserializer<Record<string, unknown>>({ url: r.url });
  const read = StreamExecutionEnvironment.create({ log: () => {} });
  const got = await read
    .fromSource(
      logSource({
        log: logDir,
        topic: "orders",
        bounded: true,
        deserialize: (rec, partition) => ({
          partition,
          keyId: readWireHeader(rec.key!).id,
          expectedPartition: partitionForKey(rec.key!, 3),
          key: { ...reader.deserialize(rec.key) },
          value: { ...reader.deserialize(rec.value) },
        }),
      }),
      WatermarkStrategy.noWatermarks(),
      "orders",
    )
    .executeAndCollect();

  assert.equal(got.length, ORDERS.length);
  for (const g of got) {
    assert.equal(g.keyId, keys.id, "keys carry the key schema's id");
    assert.equal(g.partition, g.expectedPartition, "the key's bytes decide the partition");
    assert.deepEqual(g.key, { region: g.value.region });
  }
  // Each partition keeps its records in the order written.
  const byPartition = (rows: { partition: number; value: object }[]) =>
    [0, 1, 2].map((p) => rows.filter((x) => x.partition === p).map((x) => x.value));
  const expected = ORDERS.map((o) => ({
    partition: partitionForKey(keys.serialize({ region: o.region }), 3),
    value: o,
  }));
  assert.deepEqual(byPartition(got), byPartition(expected));

  // The key schema is registered under `<topic>-key`, the value's under `<topic>-value`.
  const subject = async (s: string) =>
    ((await (await fetch(`${r.url}/subjects/${s}/versions/latest`)).json()) as { id: number }).id;
  assert.equal(await subject("orders-key"), keys.id);
  assert.equal(await subject("orders-value"), values.id);
});
