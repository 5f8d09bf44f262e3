// The json-confluent and protobuf-confluent formats (and Confluent Cloud's names for the three
// registry formats) against our registry, on the embedded log: a SQL INSERT writes records that
// Confluent's own client (@confluentinc/schemaregistry) decodes, under the schema derived from the
// columns (DATE, TIME, TIMESTAMP, DECIMAL, BYTES, ROW, ARRAY, MAP included), and a table of the same
// columns reads them back; records Confluent's client writes read as rows; a record that does not
// match its schema goes to the dead letters naming the table and why; an unknown id fails naming
// the id and the registry; `auto-register` = false and a pinned `version` write with a schema
// registered beforehand.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import {
  AvroDeserializer,
  JsonDeserializer,
  JsonSerializer,
  ProtobufDeserializer,
  ProtobufSerializer,
  SchemaRegistryClient,
  SerdeType,
} from "@confluentinc/schemaregistry";
import { type DeadLetter, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors, openLog } from "@fleuve/log";
import { type RunningRegistry, startRegistry } from "@fleuve/registry";
import { materialize, type Row, rowKind, sql } from "@fleuve/sql";
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

const tableEnv = (letters?: DeadLetter[]) =>
  sql(
    StreamExecutionEnvironment.create({
      parallelism: 1,
      log: () => {},
      ...(letters ? { errorPolicy: { deadLetter: (l: DeadLetter) => void letters.push(l) } } : {}),
    }),
    { connectors: logConnectors },
  );

const DAY = 86_400_000;
const SOURCE_ROWS = [
  {
    id: 1,
    name: "ada",
    price: 12.5,
    day: "2026-01-02",
    at: "2026-01-02 03:04:05.678",
    city: "Lyon",
    tags: ["new", "vip"],
  },
  { id: 2, name: null, price: null, day: null, at: "2026-01-03 00:00:00", city: "Nice", tags: [] },
];
// The rows SQL holds for them: DATE and TIMESTAMP as epoch milliseconds, TIME as milliseconds of the day.
const EXPECTED = [
  {
    id: 1,
    name: "ada",
    price: 12.5,
    day: Date.UTC(2026, 0, 2),
    at: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    home: { city: "Lyon" },
    tags: ["new", "vip"],
    attrs: { n: 1 },
  },
  {
    id: 2,
    name: null,
    price: null,
    day: null,
    at: Date.UTC(2026, 0, 3),
    home: { city: "Nice" },
    tags: [],
    attrs: { n: 2 },
  },
];

/** Writes SOURCE_ROWS into a table of `format` (its WITH options `with`) and returns the log's dir. */
async function insertInto(topic: string, columns: string, withOptions: string): Promise<string> {
  const input = logWithRows("src", SOURCE_ROWS);
  const output = logWithRows(topic, []);
  const tEnv = tableEnv();
  await tEnv.executeScript(`
    CREATE TABLE src (id INT, name STRING, price DECIMAL(6, 2), day DATE, at TIMESTAMP(3), city STRING, tags ARRAY<STRING>)
      WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 'src', 'bounded' = 'true');
    CREATE TABLE ${topic} (${columns})
      WITH ('connector' = 'log', 'log' = '${output}', 'topic' = '${topic}', ${withOptions})`);
  await (
    await tEnv.executeSql(
      `INSERT INTO ${topic} SELECT id, name, price, day, at, ROW(city), tags, MAP['n', id] FROM src`,
    )
  ).await();
  return output;
}

/** The rows a table of `columns` and `withOptions` reads from the log at `dir`. */
async function readBack(dir: string, topic: string, columns: string, withOptions: string): Promise<Row[]> {
  const tEnv = tableEnv();
  await tEnv.executeSql(`
    CREATE TABLE ${topic} (${columns})
      WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = '${topic}', 'bounded' = 'true', ${withOptions})`);
  return (await tEnv.executeSql(`SELECT * FROM ${topic}`)).collect();
}

const COLUMNS =
  "id INT NOT NULL, name STRING, price DECIMAL(6, 2), day DATE, at TIMESTAMP(3), home ROW<city STRING>, tags ARRAY<STRING>, attrs MAP<STRING, INT>";

test("json-confluent: INSERT writes records Confluent's client decodes, under the derived JSON Schema, and SQL reads them back", async () => {
  const opts = `'format' = 'json-confluent', 'json-confluent.url' = '${r.url}'`;
  const dir = await insertInto("jpeople", COLUMNS, opts);
  const registered = await client.getLatestSchemaMetadata("jpeople-value");
  assert.equal(registered.schemaType, "JSON");
  const schema = JSON.parse(registered.schema);
  assert.deepEqual(schema.required, ["id"]);
  assert.deepEqual(schema.properties.id, { type: "integer", "connect.type": "int32" });
  assert.deepEqual(schema.properties.day, {
    oneOf: [
      { type: "null" },
      {
        type: "integer",
        title: "org.apache.kafka.connect.data.Date",
        "connect.version": 1,
        "connect.type": "int32",
      },
    ],
  });
  assert.equal(schema.properties.at.oneOf[1].title, "org.apache.kafka.connect.data.Timestamp");
  assert.equal(schema.properties.price.oneOf[1].title, "org.apache.kafka.connect.data.Decimal");

  const reader = new JsonDeserializer(client, SerdeType.VALUE, {});
  const decoded: unknown[] = [];
  for (const b of bytesOf(dir, "jpeople")) decoded.push(await reader.deserialize("jpeople", b));
  // On the wire: DATE as days since the epoch, TIMESTAMP as epoch milliseconds (Connect's types).
  assert.deepEqual(
    decoded,
    EXPECTED.map((row) => ({ ...row, day: row.day === null ? null : row.day / DAY })),
  );
  assert.deepEqual(await readBack(dir, "jpeople", COLUMNS, opts), EXPECTED);
});

test("json-registry (Confluent Cloud's name): records Confluent's serializer writes read as rows, bad ones go to the dead letters", async () => {
  const schema = {
    type: "object",
    properties: {
      id: { type: "integer" },
      item: { type: "string", maxLength: 8 },
      t: { type: "integer", title: "org.apache.kafka.connect.data.Time" },
    },
    required: ["id"],
  };
  await client.register("jorders-value", { schemaType: "JSON", schema: JSON.stringify(schema) });
  const theirs = new JsonSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
  const good = await theirs.serialize("jorders", { id: 7, item: "book", t: 3_600_000 });
  const header = good.subarray(0, 5);
  const dir = logWithBytes("jorders", [
    good,
    // Their serializer validates too: write the bad ones by hand, with the same header.
    Buffer.concat([header, Buffer.from(JSON.stringify({ id: "eight", item: "pen" }))]),
    Buffer.concat([header, Buffer.from("{not json")]),
    await theirs.serialize("jorders", { id: 9, item: "ink" }),
  ]);
  const letters: DeadLetter[] = [];
  const tEnv = tableEnv(letters);
  await tEnv.executeSql(`
    CREATE TABLE jorders (id BIGINT, item STRING, t TIME)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'jorders', 'bounded' = 'true',
      'value.format' = 'json-registry', 'value.json-registry.url' = '${r.url}')`);
  assert.deepEqual(await (await tEnv.executeSql("SELECT * FROM jorders")).collect(), [
    { id: 7, item: "book", t: 3_600_000 },
    { id: 9, item: "ink", t: null },
  ]);
  const id = header.readUInt32BE(1);
  assert.equal(letters.length, 2);
  assert.equal(
    letters[0]!.error,
    `table jorders: cannot decode the json-registry value of record jorders/0@1: schema ${id}: value does not match JSON schema ${id}: /id must be integer`,
  );
  // The rest is JSON.parse's message, which varies with Node's version.
  assert.ok(
    letters[1]!.error.startsWith(
      `table jorders: cannot decode the json-registry value of record jorders/0@2: schema ${id}: `,
    ),
    letters[1]!.error,
  );
});

test("json-confluent: a row that does not fit a pinned version goes to the dead letters naming the table and why", async () => {
  const schema = {
    type: "object",
    properties: { id: { type: "integer" }, name: { type: "string", maxLength: 3 } },
    required: ["id", "name"],
  };
  const v = await client.register("short-value", { schemaType: "JSON", schema: JSON.stringify(schema) });
  const input = logWithRows("src", [
    { id: 1, name: "ada" },
    { id: 2, name: "grace" },
    { id: 3, name: null },
  ]);
  const output = logWithRows("short", []);
  const letters: DeadLetter[] = [];
  const tEnv = tableEnv(letters);
  await tEnv.executeScript(`
    CREATE TABLE src (id INT, name STRING) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 'src', 'bounded' = 'true');
    CREATE TABLE short (id INT, name STRING) WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'short',
      'format' = 'json-confluent', 'json-confluent.url' = '${r.url}', 'json-confluent.version' = 'latest')`);
  await (await tEnv.executeSql("INSERT INTO short SELECT * FROM src")).await();
  const reader = new JsonDeserializer(client, SerdeType.VALUE, {});
  const written = bytesOf(output, "short");
  assert.deepEqual(
    written.map((b) => b.readUInt32BE(1)),
    [v],
  );
  assert.deepEqual(await reader.deserialize("short", written[0]!), { id: 1, name: "ada" });
  assert.deepEqual(
    letters.map((l) => l.error),
    [
      `table short: the row does not fit subject short-value: value does not match JSON schema ${v}: /name must NOT have more than 3 characters`,
      `table short: the row does not fit subject short-value: value does not match JSON schema ${v}: /name must be string`,
    ],
  );
});

test("protobuf-confluent: a NULL in a NOT NULL column goes to the dead letters naming the column, not written as the field's default", async () => {
  const input = logWithRows("src", [
    { id: 1, name: "ada", city: "Lyon" },
    { id: 2, name: null, city: "Nice" },
    { id: 3, name: "bo", city: null },
  ]);
  const output = logWithRows("pnn", []);
  const letters: DeadLetter[] = [];
  const tEnv = tableEnv(letters);
  await tEnv.executeScript(`
    CREATE TABLE src (id INT, name STRING, city STRING) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 'src', 'bounded' = 'true');
    CREATE TABLE pnn (id INT NOT NULL, name STRING NOT NULL, home ROW<city STRING NOT NULL>) WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'pnn',
      'format' = 'protobuf-confluent', 'protobuf-confluent.url' = '${r.url}')`);
  await (await tEnv.executeSql("INSERT INTO pnn SELECT id, name, ROW(city) FROM src")).await();
  assert.equal(bytesOf(output, "pnn").length, 1);
  assert.deepEqual(
    letters.map((l) => l.error),
    [
      "table pnn: the row does not fit subject pnn-value: column name is NULL, and it is NOT NULL",
      "table pnn: the row does not fit subject pnn-value: column home.city is NULL, and it is NOT NULL",
    ],
  );
});

const PCOLUMNS =
  "id INT NOT NULL, name STRING, score DOUBLE, big BIGINT, home ROW<city STRING>, tags ARRAY<STRING>, attrs MAP<STRING, INT>";

test("protobuf-confluent: INSERT writes messages Confluent's client decodes, under the derived proto3 schema, and SQL reads them back", async () => {
  const input = logWithRows("src", [
    { id: 1, name: "ada", score: 2.5, big: 2 ** 40, city: "Lyon", tags: ["a", "b"] },
    { id: 0, name: null, score: 0, big: null, city: null, tags: [] },
  ]);
  const output = logWithRows("ppeople", []);
  const opts = `'format' = 'protobuf-confluent', 'protobuf-confluent.url' = '${r.url}'`;
  const tEnv = tableEnv();
  await tEnv.executeScript(`
    CREATE TABLE src (id INT, name STRING, score DOUBLE, big BIGINT, city STRING, tags ARRAY<STRING>)
      WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 'src', 'bounded' = 'true');
    CREATE TABLE ppeople (${PCOLUMNS}) WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'ppeople', ${opts})`);
  await (
    await tEnv.executeSql(
      "INSERT INTO ppeople SELECT id, name, score, big, ROW(city), tags, MAP['n', id] FROM src",
    )
  ).await();
  const registered = await client.getLatestSchemaMetadata("ppeople-value");
  assert.equal(registered.schemaType, "PROTOBUF");
  assert.equal(
    registered.schema,
    [
      'syntax = "proto3";',
      "",
      "message Row {",
      "  message HomeRow {",
      "    optional string city = 1;",
      "  }",
      "  int32 id = 1;",
      "  optional string name = 2;",
      "  optional double score = 3;",
      "  optional int64 big = 4;",
      "  HomeRow home = 5;",
      "  repeated string tags = 6;",
      "  map<string, int32> attrs = 7;",
      "}",
      "",
    ].join("\n"),
  );
  const reader = new ProtobufDeserializer(client, SerdeType.VALUE, {});
  const decoded: Record<string, unknown>[] = [];
  for (const b of bytesOf(output, "ppeople")) {
    const m = (await reader.deserialize("ppeople", b)) as Record<string, unknown>;
    decoded.push({
      id: m.id,
      name: m.name,
      score: m.score,
      big: m.big === undefined ? undefined : String(m.big),
      city: (m.home as { city?: string }).city,
      tags: m.tags,
      attrs: m.attrs,
    });
  }
  assert.deepEqual(decoded, [
    { id: 1, name: "ada", score: 2.5, big: String(2 ** 40), city: "Lyon", tags: ["a", "b"], attrs: { n: 1 } },
    // proto3 without presence: 0 is the default; the optional fields are absent.
    { id: 0, name: undefined, score: 0, big: undefined, city: undefined, tags: [], attrs: { n: 0 } },
  ]);
  assert.deepEqual(await readBack(output, "ppeople", PCOLUMNS, opts), [
    {
      id: 1,
      name: "ada",
      score: 2.5,
      big: 2 ** 40,
      home: { city: "Lyon" },
      tags: ["a", "b"],
      attrs: { n: 1 },
    },
    { id: 0, name: null, score: 0, big: null, home: { city: null }, tags: [], attrs: { n: 0 } },
  ]);
});

test("protobuf-confluent: a MULTISET column is the map<element, int32> of its counts (as Confluent's Flink converter derives it), both ways", async () => {
  const columns = "id INT NOT NULL, bag MULTISET<STRING>, nums MULTISET<BIGINT>";
  const input = logWithRows("bags-src", [
    { id: 1, bag: { a: 2, b: 1 }, nums: { "7": 3, "-1": 1 } },
    { id: 2, bag: null, nums: { "9007199254740993": 1 } },
  ]);
  const output = logWithRows("pbags", []);
  const opts = `'format' = 'protobuf-confluent', 'protobuf-confluent.url' = '${r.url}'`;
  const tEnv = tableEnv();
  await tEnv.executeScript(`
    CREATE TABLE src (${columns}) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 'bags-src', 'bounded' = 'true');
    CREATE TABLE pbags (${columns}) WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'pbags', ${opts})`);
  await (await tEnv.executeSql("INSERT INTO pbags SELECT * FROM src")).await();
  const registered = await client.getLatestSchemaMetadata("pbags-value");
  assert.equal(
    registered.schema,
    [
      'syntax = "proto3";',
      "",
      "message Row {",
      "  int32 id = 1;",
      "  map<string, int32> bag = 2;",
      "  map<int64, int32> nums = 3;",
      "}",
      "",
    ].join("\n"),
  );
  const reader = new ProtobufDeserializer(client, SerdeType.VALUE, {});
  const decoded: Record<string, unknown>[] = [];
  for (const b of bytesOf(output, "pbags")) {
    const m = (await reader.deserialize("pbags", b)) as Record<string, unknown>;
    decoded.push({ id: m.id, bag: { ...(m.bag as object) }, nums: Object.keys(m.nums as object).length });
  }
  assert.deepEqual(decoded, [
    { id: 1, bag: { a: 2, b: 1 }, nums: 2 },
    // proto3 maps have no presence: a NULL MULTISET is no entries, as a NULL MAP.
    { id: 2, bag: {}, nums: 1 },
  ]);
  // Read back as the MULTISET it was (the repeated field of elements it was declared as read NULL),
  // 64-bit elements as their exact text (protobufjs decodes them as hashes of their bits).
  assert.deepEqual(await readBack(output, "pbags", columns, opts), [
    { id: 1, bag: { a: 2, b: 1 }, nums: { "7": 3, "-1": 1 } },
    { id: 2, bag: {}, nums: { "9007199254740993": 1 } },
  ]);
  // A map's keys cannot be DOUBLE: refused when the statement is planned, naming the field and format.
  const refusing = tableEnv();
  await refusing.executeSql(`
    CREATE TABLE fbags (x MULTISET<DOUBLE>) WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'fbags', ${opts})`);
  await assert.rejects(
    refusing.executeSql("INSERT INTO fbags SELECT x FROM (VALUES (CAST(NULL AS MULTISET<DOUBLE>))) AS t(x)"),
    /protobuf-confluent format for a column of type MULTISET \(table fbags\).*field 'x' is written as a map<element, int32>/s,
  );
});

test("protobuf-confluent: DATE, TIME, TIMESTAMP(_LTZ) and DECIMAL as google.type.Date, google.type.TimeOfDay, google.protobuf.Timestamp and confluent.type.Decimal, both ways with Confluent's client", async () => {
  const columns =
    "id INT NOT NULL, day DATE, t TIME, at TIMESTAMP(3), lt TIMESTAMP_LTZ(3), amount DECIMAL(10, 2)";
  const input = logWithRows("src", [
    {
      id: 1,
      day: "2026-03-04",
      t: "10:11:12.345",
      at: "2026-03-04 05:06:07.089",
      lt: "2026-03-04 05:06:07.089",
      amount: -1234.5,
    },
    {
      id: 2,
      day: "1969-12-31",
      t: "00:00:00",
      at: "1969-12-31 23:59:59.500",
      lt: "1970-01-01 00:00:00",
      amount: 0,
    },
    { id: 3, day: null, t: null, at: null, lt: null, amount: null },
  ]);
  const output = logWithRows("pdays", []);
  const opts = `'format' = 'protobuf-confluent', 'protobuf-confluent.url' = '${r.url}'`;
  const tEnv = tableEnv();
  await tEnv.executeScript(`
    CREATE TABLE src (${columns.replace(" NOT NULL", "")}) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 'src', 'bounded' = 'true');
    CREATE TABLE pdays (${columns}) WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'pdays', ${opts})`);
  await (await tEnv.executeSql("INSERT INTO pdays SELECT * FROM src")).await();
  const registered = await client.getLatestSchemaMetadata("pdays-value");
  // The imports are files every registry knows: no references.
  assert.deepEqual(registered.references ?? [], []);
  assert.equal(
    registered.schema,
    [
      'syntax = "proto3";',
      "",
      'import "confluent/type/decimal.proto";',
      'import "google/protobuf/timestamp.proto";',
      'import "google/type/date.proto";',
      'import "google/type/timeofday.proto";',
      "",
      "message Row {",
      "  int32 id = 1;",
      "  .google.type.Date day = 2;",
      "  .google.type.TimeOfDay t = 3;",
      "  .google.protobuf.Timestamp at = 4;",
      "  .google.protobuf.Timestamp lt = 5;",
      "  .confluent.type.Decimal amount = 6;",
      "}",
      "",
    ].join("\n"),
  );
  // Confluent's JavaScript client (1.10.1) resolves the import confluent/type/decimal.proto to its
  // own copy, whose descriptor is named confluent/types/decimal.proto, and then fails to find
  // the import ("Cannot find confluent/type/decimal.proto"); its copy renamed as the import names
  // it (as Confluent's server does) lets its reader decode.
  const theirDecimal = createRequire(import.meta.url)(
    "@confluentinc/schemaregistry/dist/confluent/types/decimal_pb.js",
  ) as { file_confluent_types_decimal: { proto: { name: string } } };
  theirDecimal.file_confluent_types_decimal.proto.name = "confluent/type/decimal.proto";
  const reader = new ProtobufDeserializer(client, SerdeType.VALUE, {});
  const decoded: unknown[] = [];
  for (const b of bytesOf(output, "pdays")) {
    const m = (await reader.deserialize("pdays", b)) as Record<string, any>;
    decoded.push([
      m.id,
      m.day && [m.day.$typeName, m.day.year, m.day.month, m.day.day],
      m.t && [m.t.$typeName, m.t.hours, m.t.minutes, m.t.seconds, m.t.nanos],
      m.at && [m.at.$typeName, m.at.seconds, m.at.nanos],
      m.lt && [m.lt.seconds, m.lt.nanos],
      m.amount && [m.amount.$typeName, [...m.amount.value], m.amount.precision, m.amount.scale],
    ]);
  }
  const ms345 = 345_000_000;
  assert.deepEqual(decoded, [
    [
      1,
      ["google.type.Date", 2026, 3, 4],
      ["google.type.TimeOfDay", 10, 11, 12, ms345],
      ["google.protobuf.Timestamp", BigInt(Date.UTC(2026, 2, 4, 5, 6, 7) / 1000), 89_000_000],
      [BigInt(Date.UTC(2026, 2, 4, 5, 6, 7) / 1000), 89_000_000],
      // -1234.50: unscaled -123450, two's complement 0xfe1dc6, as Java's BigDecimal writes it.
      ["confluent.type.Decimal", [0xfe, 0x1d, 0xc6], 6, 2],
    ],
    [
      2,
      ["google.type.Date", 1969, 12, 31],
      ["google.type.TimeOfDay", 0, 0, 0, 0],
      // Half a second before the epoch: nanos count up from the second before (-1).
      ["google.protobuf.Timestamp", -1n, 500_000_000],
      [0n, 0],
      ["confluent.type.Decimal", [0], 1, 2],
    ],
    [3, undefined, undefined, undefined, undefined, undefined],
  ]);
  const rows = [
    {
      id: 1,
      day: Date.UTC(2026, 2, 4),
      t: ((10 * 60 + 11) * 60 + 12) * 1000 + 345,
      at: Date.UTC(2026, 2, 4, 5, 6, 7, 89),
      lt: Date.UTC(2026, 2, 4, 5, 6, 7, 89),
      amount: -1234.5,
    },
    { id: 2, day: Date.UTC(1969, 11, 31), t: 0, at: -500, lt: 0, amount: 0 },
    { id: 3, day: null, t: null, at: null, lt: null, amount: null },
  ];
  assert.deepEqual(await readBack(output, "pdays", columns, opts), rows);

  // The other way: Confluent's serializer writes the messages (with the descriptors its reader
  // built from our registry's answer), and SQL reads them as the same rows.
  const { create, createMutableRegistry } = await import("@bufbuild/protobuf");
  const file = await (reader as unknown as { toFileDesc(c: unknown, i: unknown): Promise<any> }).toFileDesc(
    client,
    await client.getBySubjectAndId("pdays-value", registered.id!, "serialized"),
  );
  const theirs = new ProtobufSerializer(client, SerdeType.VALUE, {
    useLatestVersion: true,
    registry: createMutableRegistry(file),
  });
  const at = BigInt(Date.UTC(2026, 2, 4, 5, 6, 7) / 1000);
  const theirBytes = [
    await theirs.serialize(
      "pdays",
      create(file.messages[0], {
        id: 1,
        day: { year: 2026, month: 3, day: 4 },
        t: { hours: 10, minutes: 11, seconds: 12, nanos: ms345 },
        at: { seconds: at, nanos: 89_000_000 },
        lt: { seconds: at, nanos: 89_000_000 },
        amount: { value: new Uint8Array([0xfe, 0x1d, 0xc6]), precision: 6, scale: 2 },
      }),
    ),
    await theirs.serialize(
      "pdays",
      create(file.messages[0], {
        id: 2,
        day: { year: 1969, month: 12, day: 31 },
        t: {},
        at: { seconds: -1n, nanos: 500_000_000 },
        lt: {},
        // A scale of its own: 0 at scale 5 reads as 0.
        amount: { value: new Uint8Array([0]), precision: 1, scale: 5 },
      }),
    ),
    await theirs.serialize("pdays", create(file.messages[0], { id: 3 })),
  ];
  const dir = logWithBytes("pdays2", theirBytes);
  assert.deepEqual(await readBack(dir, "pdays2", columns, opts), rows);
});

test("proto-registry (Confluent Cloud's name): messages Confluent's serializer writes, a nested one by its message indexes, read as rows", async () => {
  const proto = `syntax = "proto3";
package acme;
message Click { string page = 1; int64 at = 2; Wrapper.Inner extra = 3; }
message Wrapper { message Inner { string v = 1; } Inner inner = 1; }
`;
  const id = await client.register("pclicks-value", { schemaType: "PROTOBUF", schema: proto });
  const theirReader = new ProtobufDeserializer(client, SerdeType.VALUE, {});
  // Their serializer takes messages of @bufbuild/protobuf, typed by the file descriptor their
  // deserializer builds from our registry's `?format=serialized` answer.
  const { create, createMutableRegistry } = await import("@bufbuild/protobuf");
  const file = await (
    theirReader as unknown as { toFileDesc(c: unknown, i: unknown): Promise<any> }
  ).toFileDesc(client, await client.getBySubjectAndId("pclicks-value", id, "serialized"));
  const theirs = new ProtobufSerializer(client, SerdeType.VALUE, {
    useLatestVersion: true,
    registry: createMutableRegistry(file),
  });
  const dir = logWithBytes("pclicks", [
    await theirs.serialize(
      "pclicks",
      create(file.messages[0], { page: "/home", at: 42n, extra: { v: "x" } }),
    ),
    await theirs.serialize("pclicks", create(file.messages[0], { page: "/cart" })),
    Buffer.from([0, 0, 0, 0, id, 0, 0xff]),
  ]);
  const letters: DeadLetter[] = [];
  const tEnv = tableEnv(letters);
  await tEnv.executeSql(`
    CREATE TABLE pclicks (page STRING, at BIGINT, extra ROW<v STRING>)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'pclicks', 'bounded' = 'true',
      'format' = 'proto-registry', 'proto-registry.url' = '${r.url}')`);
  assert.deepEqual(await (await tEnv.executeSql("SELECT * FROM pclicks")).collect(), [
    { page: "/home", at: 42, extra: { v: "x" } },
    { page: "/cart", at: 0, extra: null },
  ]);
  assert.equal(letters.length, 1);
  assert.match(
    letters[0]!.error,
    new RegExp(
      `^table pclicks: cannot decode the proto-registry value of record pclicks/0@2: schema ${id}: `,
    ),
  );
});

test("avro-registry (Confluent Cloud's name): DATE and TIME as Avro date and time-millis, round trip through Confluent's client", async () => {
  const columns = "id INT NOT NULL, day DATE, t TIME, at TIMESTAMP_LTZ(3)";
  const input = logWithRows("src", [
    { id: 1, day: "2026-03-04", t: "10:11:12.345", at: "2026-03-04 05:06:07.089" },
    { id: 2, day: null, t: null, at: null },
  ]);
  const output = logWithRows("adays", []);
  const opts = `'format' = 'avro-registry', 'avro-registry.url' = '${r.url}'`;
  const tEnv = tableEnv();
  await tEnv.executeScript(`
    CREATE TABLE src (id INT, day DATE, t TIME, at TIMESTAMP_LTZ(3)) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 'src', 'bounded' = 'true');
    CREATE TABLE adays (${columns}) WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'adays', ${opts})`);
  await (await tEnv.executeSql("INSERT INTO adays SELECT id, day, t, at FROM src")).await();
  const schema = JSON.parse((await client.getLatestSchemaMetadata("adays-value")).schema);
  assert.deepEqual(
    schema.fields.map((f: { type: unknown }) => f.type),
    [
      "int",
      ["null", { type: "int", logicalType: "date" }],
      ["null", { type: "int", logicalType: "time-millis" }],
      ["null", { type: "long", logicalType: "timestamp-millis" }],
    ],
  );
  const reader = new AvroDeserializer(client, SerdeType.VALUE, {});
  const ms = (x: unknown) => (x instanceof Date ? x.getTime() : x);
  const decoded: unknown[] = [];
  for (const b of bytesOf(output, "adays")) {
    const m = (await reader.deserialize("adays", b)) as Record<string, unknown>;
    decoded.push([m.id, ms(m.day), m.t, ms(m.at)]);
  }
  const t = ((10 * 60 + 11) * 60 + 12) * 1000 + 345;
  // Their client gives a date as Avro holds it: days since the epoch.
  assert.deepEqual(decoded, [
    [1, Date.UTC(2026, 2, 4) / DAY, t, Date.UTC(2026, 2, 4, 5, 6, 7, 89)],
    [2, null, null, null],
  ]);
  assert.deepEqual(await readBack(output, "adays", columns, opts), [
    { id: 1, day: Date.UTC(2026, 2, 4), t, at: Date.UTC(2026, 2, 4, 5, 6, 7, 89) },
    { id: 2, day: null, t: null, at: null },
  ]);
});

test("an unknown schema id fails the job naming the id and the registry (json-confluent)", async () => {
  const dir = logWithBytes("jghosts", [
    Buffer.concat([Buffer.from([0, 0, 0, 0x03, 0xe7]), Buffer.from("{}")]),
  ]);
  const tEnv = tableEnv([]);
  await tEnv.executeSql(`
    CREATE TABLE jghosts (id BIGINT)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'jghosts', 'bounded' = 'true',
      'format' = 'json-confluent', 'json-confluent.url' = '${r.url}')`);
  await assert.rejects((await tEnv.executeSql("SELECT * FROM jghosts")).collect(), (e: Error) => {
    assert.match(
      e.message,
      new RegExp(
        `table jghosts: schema id 999 of record jghosts/0@0 is unknown to the schema registry at ${r.url.replace(/[.]/g, "\\.")}: .*40403`,
      ),
    );
    return true;
  });
});

test("auto-register = false writes only with a schema registered beforehand; bad options are named", async () => {
  const input = logWithRows("src", [{ id: 1 }]);
  const output = logWithRows("pinned", []);
  const tEnv = tableEnv();
  await tEnv.executeScript(`
    CREATE TABLE src (id INT) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 'src', 'bounded' = 'true');
    CREATE TABLE pinned (id INT) WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'pinned',
      'format' = 'protobuf-confluent', 'protobuf-confluent.url' = '${r.url}', 'protobuf-confluent.auto-register' = 'false');
    CREATE TABLE badv (id INT) WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'pinned',
      'format' = 'json-confluent', 'json-confluent.url' = '${r.url}', 'json-confluent.version' = 'newest');
    CREATE TABLE nested (d ARRAY<ARRAY<INT>>) WITH ('connector' = 'log', 'log' = '${output}', 'topic' = 'pinned',
      'format' = 'protobuf-confluent', 'protobuf-confluent.url' = '${r.url}')`);
  await assert.rejects(
    tEnv.executeSql("INSERT INTO pinned SELECT id FROM src"),
    new RegExp(
      `table pinned: the table's schema is not registered under subject pinned-value at the schema registry at ${r.url.replace(/[.]/g, "\\.")}: `,
    ),
  );
  const id = await client.register("pinned-value", {
    schemaType: "PROTOBUF",
    schema: 'syntax = "proto3";\n\nmessage Row {\n  optional int32 id = 1;\n}\n',
  });
  await (await tEnv.executeSql("INSERT INTO pinned SELECT id FROM src")).await();
  assert.deepEqual(
    bytesOf(output, "pinned").map((b) => b.readUInt32BE(1)),
    [id],
  );
  await assert.rejects(
    tEnv.executeSql("SELECT * FROM badv"),
    /table badv: format 'json-confluent': option 'version' must be 'latest' or a version number, got 'newest'/,
  );
  await assert.rejects(
    tEnv.executeSql("INSERT INTO nested SELECT ARRAY[ARRAY[id]] FROM src"),
    /protobuf-confluent format for a column of type ARRAY \(table nested\).*an ARRAY or MAP inside an ARRAY or MAP/s,
  );
});

test("registry formats on upsert tables: keyed by the primary key, a delete as a tombstone, read back as a changelog", async () => {
  const input = logWithRows("t", [
    { k: "a", v: 1 },
    { k: "b", v: 2 },
    { k: "a", v: 3 },
    { k: "b", v: 4 },
    { k: "b", v: 5 },
  ]);
  const output = logWithRows("totals", []);
  const table = (bounded: string) => `
    CREATE TABLE totals (k STRING NOT NULL, n BIGINT, s INT, PRIMARY KEY (k) NOT ENFORCED)
      WITH ('connector' = 'upsert-log', 'log' = '${output}', 'topic' = 'totals',${bounded}
        'value.format' = 'json-confluent', 'value.json-confluent.url' = '${r.url}')`;
  const tEnv = tableEnv();
  await tEnv.executeScript(`
    CREATE TABLE t (k STRING, v INT) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 't', 'bounded' = 'true');
    ${table("")}`);
  await (
    await tEnv.executeSql(
      "INSERT INTO totals SELECT k, COUNT(*), SUM(v) FROM t GROUP BY k HAVING COUNT(*) < 3",
    )
  ).await();

  // The records: keys the JSON of the primary key, values in the wire format, b's delete a tombstone.
  const log = openLog({ dir: output, readOnly: true });
  const records = log
    .topic("totals")
    .partition(0)
    .fetch(0, { isolation: "read_committed", maxRecords: 100 })
    .records.map((x) => ({ key: (x.key as Buffer).toString("utf8"), value: x.value as Buffer | null }));
  log.close();
  const reader = new JsonDeserializer(client, SerdeType.VALUE, {});
  const decoded = [];
  for (const x of records)
    decoded.push({
      key: x.key,
      value: x.value === null ? null : await reader.deserialize("totals", x.value),
    });
  // With HAVING the query declares no unique key (a group leaving HAVING sends a lone -U, as in
  // Flink): each -U is written as a tombstone.
  assert.deepEqual(decoded, [
    { key: '{"k":"a"}', value: { k: "a", n: 1, s: 1 } },
    { key: '{"k":"b"}', value: { k: "b", n: 1, s: 2 } },
    { key: '{"k":"a"}', value: null },
    { key: '{"k":"a"}', value: { k: "a", n: 2, s: 4 } },
    { key: '{"k":"b"}', value: null },
    { key: '{"k":"b"}', value: { k: "b", n: 2, s: 6 } },
    { key: '{"k":"b"}', value: null },
  ]);

  const back = tableEnv();
  await back.executeSql(table(" 'bounded' = 'true',"));
  const changes = await (await back.executeSql("SELECT k, s FROM totals")).collect();
  assert.deepEqual(
    changes.map((x) => `${rowKind(x)}${x.k}=${x.s}`),
    ["+Ia=1", "+Ib=2", "-Da=1", "+Ia=4", "-Db=2", "+Ib=6", "-Db=6"],
  );
  assert.deepEqual(materialize(changes), [{ k: "a", s: 4 }]);
});
