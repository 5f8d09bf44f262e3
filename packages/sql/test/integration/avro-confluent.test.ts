// The avro-confluent format against our registry: a SQL table reads Avro records written by the
// registry's serializer and by Confluent's own client (@confluentinc/schemaregistry) from the
// embedded log, with nested records, arrays, maps, nullable unions, timestamp-millis and decimal as
// ROW, ARRAY, MAP, NULL and TIMESTAMP(3)/DECIMAL values; records of an evolved schema (a field added
// with a default) are read by the same table; a SQL INSERT writes records Confluent's client decodes,
// under the schema Flink derives from the columns; a payload that does not decode goes to the dead
// letters naming the table, the record and why; an unknown schema id fails the job naming the id
// and the registry.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  AvroDeserializer,
  AvroSerializer,
  SchemaRegistryClient,
  SerdeType,
} from "@confluentinc/schemaregistry";
import { type DeadLetter, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type RunningRegistry, schemaSerializer, startRegistry } from "@fleuve/registry";
import { type Row, sql } from "@fleuve/sql";
import { bytesOf, logWithBytes, logWithRows } from "../fixtures/log-table.js";

let r: RunningRegistry;
let client: SchemaRegistryClient;
before(async () => {
  r = await startRegistry({ port: 0 });
  client = new SchemaRegistryClient({ baseURLs: [r.url], maxRetries: 0 });
});
after(async () => {
  await client.close();
  await r.close();
});

const ORDER = {
  type: "record",
  name: "Order",
  namespace: "shop",
  fields: [
    { name: "id", type: "long" },
    { name: "customer", type: "string" },
    { name: "total", type: { type: "bytes", logicalType: "decimal", precision: 10, scale: 2 } },
    { name: "placed", type: { type: "long", logicalType: "timestamp-millis" } },
    {
      name: "address",
      type: {
        type: "record",
        name: "Address",
        fields: [
          { name: "city", type: "string" },
          { name: "zip", type: ["null", "string"], default: null },
        ],
      },
    },
    { name: "tags", type: { type: "array", items: "string" } },
    { name: "attrs", type: { type: "map", values: "int" } },
    { name: "note", type: ["null", "string"], default: null },
  ],
};

/** Two's complement big-endian bytes of an unscaled decimal. */
const unscaled = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

test("a SQL table reads Avro records of the registry's serializer as typed rows", async () => {
  const ser = await schemaSerializer({ url: r.url, subject: "orders-value", schema: ORDER });
  const dir = logWithBytes("orders", [
    ser.serialize({
      id: 1,
      customer: "ada",
      total: unscaled(1999),
      placed: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      address: { city: "Lyon", zip: "69001" },
      tags: ["new", "vip"],
      attrs: { items: 3 },
      note: "gift",
    }),
    ser.serialize({
      id: 2,
      customer: "bob",
      total: unscaled(-250),
      placed: Date.UTC(2026, 0, 3),
      address: { city: "Nice", zip: null },
      tags: [],
      attrs: {},
      note: null,
    }),
  ]);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeSql(`
    CREATE TABLE orders (
      id BIGINT, customer STRING, total DECIMAL(10, 2), placed TIMESTAMP(3),
      address ROW<city STRING, zip STRING>, tags ARRAY<STRING>, attrs MAP<STRING, INT>, note STRING,
      WATERMARK FOR placed AS placed
    ) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'orders', 'bounded' = 'true',
      'format' = 'avro-confluent', 'avro-confluent.url' = '${r.url}')`);
  const rows = await (
    await tEnv.executeSql("SELECT id, customer, total, placed, address, tags, attrs, note FROM orders")
  ).collect();
  assert.deepEqual(rows, [
    {
      id: 1,
      customer: "ada",
      total: 19.99,
      placed: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      address: { city: "Lyon", zip: "69001" },
      tags: ["new", "vip"],
      attrs: { items: 3 },
      note: "gift",
    },
    {
      id: 2,
      customer: "bob",
      total: -2.5,
      placed: Date.UTC(2026, 0, 3),
      address: { city: "Nice", zip: null },
      tags: [],
      attrs: {},
      note: null,
    },
  ]);
});

const USER_V1 = {
  type: "record",
  name: "User",
  namespace: "acme",
  fields: [
    { name: "id", type: "long" },
    { name: "name", type: "string" },
  ],
};
const USER_V2 = {
  ...USER_V1,
  fields: [...USER_V1.fields, { name: "email", type: "string", default: "none" }],
};

/** Records of Confluent's client: two with v1, then (the subject evolved) two with v2. */
async function confluentUsers(subject: string, topic: string): Promise<Buffer[]> {
  const id1 = await client.register(subject, { schemaType: "AVRO", schema: JSON.stringify(USER_V1) });
  const v1 = new AvroSerializer(client, SerdeType.VALUE, { useSchemaId: id1 });
  const out = [
    await v1.serialize(topic, { id: 1, name: "ada" }),
    await v1.serialize(topic, { id: 2, name: "bob" }),
  ];
  const id2 = await client.register(subject, { schemaType: "AVRO", schema: JSON.stringify(USER_V2) });
  const v2 = new AvroSerializer(client, SerdeType.VALUE, { useSchemaId: id2 });
  out.push(
    await v2.serialize(topic, { id: 3, name: "cy", email: "cy@x.org" }),
    await v2.serialize(topic, { id: 4, name: "di", email: "di@x.org" }),
  );
  return out;
}

test("records of an evolved schema, written by Confluent's client, are read by the same table", async () => {
  const dir = logWithBytes("users", await confluentUsers("users-value", "users"));
  const read = async (extra: string) => {
    const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
    await tEnv.executeSql(`
      CREATE TABLE users (id BIGINT, name STRING, email STRING)
      WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'users', 'bounded' = 'true',
        'value.format' = 'avro-confluent', 'value.avro-confluent.url' = '${r.url}'${extra})`);
    return (await tEnv.executeSql("SELECT id, name, email FROM users")).collect();
  };
  // Each record with its own writer schema: v1 records have no email.
  assert.deepEqual(await read(""), [
    { id: 1, name: "ada", email: null },
    { id: 2, name: "bob", email: null },
    { id: 3, name: "cy", email: "cy@x.org" },
    { id: 4, name: "di", email: "di@x.org" },
  ]);
  // With v2 as the reader schema, v1 records take the field's default (Avro schema resolution).
  assert.deepEqual(await read(`, 'value.avro-confluent.schema' = '${JSON.stringify(USER_V2)}'`), [
    { id: 1, name: "ada", email: "none" },
    { id: 2, name: "bob", email: "none" },
    { id: 3, name: "cy", email: "cy@x.org" },
    { id: 4, name: "di", email: "di@x.org" },
  ]);
});

test("a SQL INSERT writes avro-confluent records that Confluent's client decodes, under Flink's derived schema", async () => {
  const input = logWithRows("src", [
    { id: 1, name: "ada", score: 12.5, at: "2026-01-02 03:04:05.678", city: "Lyon" },
    { id: 2, name: null, score: 3, at: "2026-01-03 00:00:00", city: "Nice" },
  ]);
  const output = logWithRows("people", []);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE src (id INT, name STRING, score DECIMAL(6, 2), at TIMESTAMP(3), city STRING)
      WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 'src', 'bounded' = 'true');
    CREATE TABLE people (id INT NOT NULL, name STRING, score DECIMAL(6, 2), at TIMESTAMP(3), home ROW<city STRING>)
      WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'people',
        'format' = 'avro-confluent', 'avro-confluent.url' = '${r.url}')`);
  await (await tEnv.executeSql("INSERT INTO people SELECT id, name, score, at, ROW(city) FROM src")).await();

  const registered = await client.getLatestSchemaMetadata("people-value");
  assert.deepEqual(JSON.parse(registered.schema), {
    type: "record",
    name: "record",
    namespace: "org.apache.flink.avro.generated",
    fields: [
      { name: "id", type: "int" },
      { name: "name", type: ["null", "string"], default: null },
      {
        name: "score",
        type: ["null", { type: "bytes", logicalType: "decimal", precision: 6, scale: 2 }],
        default: null,
      },
      { name: "at", type: ["null", { type: "long", logicalType: "timestamp-millis" }], default: null },
      {
        name: "home",
        type: [
          "null",
          {
            type: "record",
            name: "record_home",
            fields: [{ name: "city", type: ["null", "string"], default: null }],
          },
        ],
        default: null,
      },
    ],
  });
  const reader = new AvroDeserializer(client, SerdeType.VALUE, {});
  const decoded: Record<string, unknown>[] = [];
  for (const b of bytesOf(output, "people")) {
    const v = (await reader.deserialize("people", b)) as Record<string, unknown>;
    decoded.push({ ...v, at: v.at instanceof Date ? v.at.getTime() : v.at, home: { ...(v.home as object) } });
  }
  // Confluent's client gives a decimal as its bytes: the unscaled two's complement value (scale 2).
  assert.deepEqual(
    decoded.map((d) => ({ ...d, score: (d.score as Buffer).readIntBE(0, (d.score as Buffer).length) })),
    [
      { id: 1, name: "ada", score: 1250, at: Date.UTC(2026, 0, 2, 3, 4, 5, 678), home: { city: "Lyon" } },
      { id: 2, name: null, score: 300, at: Date.UTC(2026, 0, 3), home: { city: "Nice" } },
    ],
  );

  // And a table of the same columns reads them back.
  const again = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await again.executeSql(`
    CREATE TABLE people (id INT NOT NULL, name STRING, score DECIMAL(6, 2), at TIMESTAMP(3), home ROW<city STRING>)
      WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'people', 'bounded' = 'true',
        'format' = 'avro-confluent', 'avro-confluent.url' = '${r.url}')`);
  const back: Row[] = await (await again.executeSql("SELECT * FROM people")).collect();
  assert.deepEqual(back, [
    { id: 1, name: "ada", score: 12.5, at: Date.UTC(2026, 0, 2, 3, 4, 5, 678), home: { city: "Lyon" } },
    { id: 2, name: null, score: 3, at: Date.UTC(2026, 0, 3), home: { city: "Nice" } },
  ]);
});

test("a payload that does not decode goes to the dead letters naming the table, the record and why", async () => {
  const ser = await schemaSerializer({ url: r.url, subject: "pings-value", schema: USER_V1 });
  const good = ser.serialize({ id: 1, name: "ok" });
  const dir = logWithBytes("pings", [
    good,
    Buffer.from("not avro"),
    good.subarray(0, good.length - 2),
    ser.serialize({ id: 2, name: "ok too" }),
  ]);
  const letters: DeadLetter[] = [];
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    errorPolicy: { deadLetter: (l) => void letters.push(l) },
    log: () => {},
  });
  const tEnv = sql(env, { connectors: logConnectors });
  await tEnv.executeSql(`
    CREATE TABLE pings (id BIGINT, name STRING)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'pings', 'bounded' = 'true',
      'format' = 'avro-confluent', 'avro-confluent.url' = '${r.url}')`);
  assert.deepEqual(await (await tEnv.executeSql("SELECT id, name FROM pings")).collect(), [
    { id: 1, name: "ok" },
    { id: 2, name: "ok too" },
  ]);
  assert.deepEqual(
    letters.map((l) => l.error),
    [
      "table pings: cannot decode the avro-confluent value of record pings/0@1: not in Confluent's wire format: magic byte 110, expected 0",
      `table pings: cannot decode the avro-confluent value of record pings/0@2: schema ${ser.id}: truncated buffer`,
    ],
  );
  assert.deepEqual(
    letters.map((l) => (l.record as { offset: number }).offset),
    [1, 2],
  );
});

test("an unknown schema id fails the job naming the id and the registry", async () => {
  const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0x03, 0xe7]), Buffer.from([2, 2, 0x61])]);
  const dir = logWithBytes("ghosts", [bytes]);
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    errorPolicy: { deadLetter: () => {} },
    log: () => {},
  });
  const tEnv = sql(env, { connectors: logConnectors });
  await tEnv.executeSql(`
    CREATE TABLE ghosts (id BIGINT, name STRING)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ghosts', 'bounded' = 'true',
      'format' = 'avro-confluent', 'avro-confluent.url' = '${r.url}')`);
  await assert.rejects((await tEnv.executeSql("SELECT * FROM ghosts")).collect(), (e: Error) => {
    assert.match(
      e.message,
      new RegExp(
        `table ghosts: schema id 999 of record ghosts/0@0 is unknown to the schema registry at ${r.url.replace(/[.]/g, "\\.")}: .*40403`,
      ),
    );
    return true;
  });
});

test("format options are checked: a misspelled one, a connector that cannot carry bytes", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE a (id INT) WITH ('connector' = 'log', 'log' = '/tmp/x', 'topic' = 'a', 'format' = 'avro-confluent', 'avro-confluent.urls' = 'http://x');
    CREATE TABLE b (id INT) WITH ('connector' = 'datagen', 'value.format' = 'avro-confluent', 'value.avro-confluent.url' = 'http://x')`);
  await assert.rejects(
    tEnv.executeSql("SELECT * FROM a"),
    /table a: format 'avro-confluent': unknown option 'urls' \(did you mean 'url'\?\)/,
  );
  await assert.rejects(
    tEnv.executeSql("SELECT * FROM b"),
    /table b: the 'datagen' connector cannot carry format 'avro-confluent'/,
  );
});

test("a MULTISET column round trips as Avro's map of counts (Flink's schema for it)", async () => {
  const input = logWithRows("bags-src", [
    { id: 1, bag: { a: 2, b: 1 } },
    { id: 2, bag: null },
  ]);
  const output = logWithRows("bags", []);
  const ddl = "id INT, bag MULTISET<STRING>";
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE src (${ddl})
      WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 'bags-src', 'bounded' = 'true');
    CREATE TABLE bags (${ddl})
      WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'bags',
        'format' = 'avro-confluent', 'avro-confluent.url' = '${r.url}')`);
  await (await tEnv.executeSql("INSERT INTO bags SELECT * FROM src")).await();
  const reader = new AvroDeserializer(client, SerdeType.VALUE, {});
  const decoded: Record<string, unknown>[] = [];
  for (const b of bytesOf(output, "bags")) {
    const v = (await reader.deserialize("bags", b)) as Record<string, unknown>;
    decoded.push({ ...v, bag: v.bag === null ? null : { ...(v.bag as object) } });
  }
  assert.deepEqual(decoded, [
    { id: 1, bag: { a: 2, b: 1 } },
    { id: 2, bag: null },
  ]);
  // Read back as the MULTISET it was (the format's own recursion read a map of counts as NULL).
  const again = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await again.executeSql(`
    CREATE TABLE bags (${ddl})
      WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'bags', 'bounded' = 'true',
        'format' = 'avro-confluent', 'avro-confluent.url' = '${r.url}')`);
  const back: Row[] = await (await again.executeSql("SELECT * FROM bags")).collect();
  assert.deepEqual(back, [
    { id: 1, bag: { a: 2, b: 1 } },
    { id: 2, bag: null },
  ]);
});
