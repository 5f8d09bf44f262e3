// Record keys of SQL tables as Flink 1.20's Kafka connectors define them, on the embedded log:
// 'key.format' (json, raw, a registry format) with 'key.fields', 'key.fields-prefix',
// 'value.format' / 'format' and 'value.fields-include' (ALL, EXCEPT_KEY). Writing, the key bytes
// come from the key columns (and decide the partition, Kafka's murmur2), the value from the value
// columns; reading, the key columns come from the key and the others from the value. Keys and
// values in avro-confluent decode with Confluent's own client (@confluentinc/schemaregistry) under
// the subjects <topic>-key and <topic>-value, and records it writes read back as rows. Every
// validation error, with Flink's message where Flink has one.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  AvroDeserializer,
  AvroSerializer,
  SchemaRegistryClient,
  SerdeType,
} from "@confluentinc/schemaregistry";
import { type DeadLetter, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as kafkaConnectors } from "@fleuve/kafka";
import { connectors as logConnectors, openLog, partitionForKey } from "@fleuve/log";
import { type RunningRegistry, startRegistry } from "@fleuve/registry";
import { materialize, type Row, rowKind, sql } from "@fleuve/sql";
import { logWithRows } from "../fixtures/log-table.js";

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
    { connectors: [...logConnectors, ...kafkaConnectors] },
  );

/** A fresh log with an empty topic of `partitions` partitions. */
function emptyTopic(topic: string, partitions: number): string {
  const dir = logWithRows(`unused-${topic}`, []);
  const log = openLog({ dir });
  log.createTopic(topic, { partitions });
  log.close();
  return dir;
}

/** Appends records (keys and values as given: text, bytes or null) to partition 0 of `topic`. */
function append(
  dir: string,
  topic: string,
  records: { key: string | Buffer | null; value: string | Buffer | null }[],
) {
  const log = openLog({ dir });
  log.topic(topic).append(
    records.map((x) => ({
      partition: 0,
      key: typeof x.key === "string" ? Buffer.from(x.key) : x.key,
      value: typeof x.value === "string" ? Buffer.from(x.value) : x.value,
    })),
  );
  log.close();
}

/** Every committed record of `topic`, with its partition, key and value bytes. */
function recordsOf(
  dir: string,
  topic: string,
): { partition: number; key: Buffer | null; value: Buffer | null }[] {
  const log = openLog({ dir, readOnly: true });
  try {
    const t = log.topic(topic);
    const out: { partition: number; key: Buffer | null; value: Buffer | null }[] = [];
    for (let p = 0; p < t.numPartitions; p++)
      for (const x of t.partition(p).fetch(0, { isolation: "read_committed", maxRecords: 10_000 }).records)
        out.push({ partition: p, key: x.key as Buffer | null, value: x.value as Buffer | null });
    return out;
  } finally {
    log.close();
  }
}

const text = (b: Buffer | null) => (b === null ? null : b.toString("utf8"));

/** Runs an INSERT in an environment of its own (each INSERT is a job) after the DDL. */
async function insert(ddl: string, statement: string, letters?: DeadLetter[]): Promise<void> {
  const tEnv = tableEnv(letters);
  await tEnv.executeScript(ddl);
  await (await tEnv.executeSql(statement)).await();
}

/** The rows of `query` after the DDL. */
async function select(ddl: string, query: string, letters?: DeadLetter[]): Promise<Row[]> {
  const tEnv = tableEnv(letters);
  await tEnv.executeScript(ddl);
  return (await tEnv.executeSql(query)).collect();
}

const byN = (a: Row, b: Row) => Number(a.n) - Number(b.n);

test("'key.format' = 'json' with 'key.fields': the key is the JSON of the key fields in their order and decides the partition; the value holds every column", async () => {
  const src = logWithRows("src", [
    { id: 1, region: "eu", n: 10 },
    { id: 2, region: "us", n: 20 },
    { id: 1, region: "eu", n: 30 },
    { id: 3, region: null, n: 40 },
  ]);
  const dir = emptyTopic("orders", 4);
  const orders = (bounded: string) => `
    CREATE TABLE orders (id BIGINT, region STRING, n INT) WITH ('connector' = 'log', 'log' = '${dir}',
      'topic' = 'orders',${bounded} 'key.format' = 'json', 'key.fields' = 'region;id', 'value.format' = 'json')`;
  await insert(
    `CREATE TABLE src (id BIGINT, region STRING, n INT) WITH ('connector' = 'log', 'log' = '${src}', 'topic' = 'src', 'bounded' = 'true');
     ${orders("")}`,
    "INSERT INTO orders SELECT * FROM src",
  );
  const written = recordsOf(dir, "orders")
    .map((x) => ({ partition: x.partition, key: text(x.key), value: text(x.value) }))
    .sort((a, b) => JSON.parse(a.value as string).n - JSON.parse(b.value as string).n);
  const expected = [
    { key: '{"region":"eu","id":1}', value: '{"id":1,"region":"eu","n":10}' },
    { key: '{"region":"us","id":2}', value: '{"id":2,"region":"us","n":20}' },
    { key: '{"region":"eu","id":1}', value: '{"id":1,"region":"eu","n":30}' },
    { key: '{"region":null,"id":3}', value: '{"id":3,"region":null,"n":40}' },
  ].map((x) => ({ partition: partitionForKey(Buffer.from(x.key), 4), ...x }));
  assert.deepEqual(written, expected);

  assert.deepEqual((await select(orders(" 'bounded' = 'true',"), "SELECT * FROM orders")).sort(byN), [
    { id: 1, region: "eu", n: 10 },
    { id: 2, region: "us", n: 20 },
    { id: 1, region: "eu", n: 30 },
    { id: 3, region: null, n: 40 },
  ]);
});

test("'key.fields-prefix' with 'value.fields-include' = 'EXCEPT_KEY': the key format sees the names without the prefix, the value only the other columns, and reading takes the key columns from the key alone", async () => {
  const dir = emptyTopic("users", 1);
  const users = `
    CREATE TABLE users (k_id BIGINT, name STRING, k_org STRING) WITH ('connector' = 'log', 'log' = '${dir}',
      'topic' = 'users', 'bounded' = 'true', 'key.format' = 'json', 'key.fields' = 'k_org; k_id',
      'key.fields-prefix' = 'k_', 'value.fields-include' = 'except_key', 'format' = 'json')`;
  await insert(
    users,
    "INSERT INTO users VALUES (CAST(1 AS BIGINT), 'ada', 'acme'), (CAST(2 AS BIGINT), CAST(NULL AS STRING), 'acme')",
  );
  assert.deepEqual(
    recordsOf(dir, "users").map((x) => [text(x.key), text(x.value)]),
    [
      ['{"org":"acme","id":1}', '{"name":"ada"}'],
      ['{"org":"acme","id":2}', '{"name":null}'],
    ],
  );
  // A value carrying a key column's name: EXCEPT_KEY reads the key column from the key only.
  append(dir, "users", [{ key: '{"org":"x","id":9}', value: '{"name":"eve","k_id":100,"k_org":"y"}' }]);
  assert.deepEqual(await select(users, "SELECT * FROM users"), [
    { k_id: 1, name: "ada", k_org: "acme" },
    { k_id: 2, name: null, k_org: "acme" },
    { k_id: 9, name: "eve", k_org: "x" },
  ]);
});

test("'value.fields-include' = 'ALL' (the default): a key column is in the value too, and the value's wins, as Flink sets the key's fields first", async () => {
  const dir = emptyTopic("t", 1);
  append(dir, "t", [
    { key: '{"id":5}', value: '{"id":6,"v":"a"}' },
    { key: '{"id":7}', value: '{"v":"b"}' },
  ]);
  assert.deepEqual(
    await select(
      `CREATE TABLE t (id INT, v STRING) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true',
        'key.format' = 'json', 'key.fields' = 'id', 'value.fields-include' = 'ALL')`,
      "SELECT * FROM t",
    ),
    [
      { id: 6, v: "a" },
      { id: null, v: "b" },
    ],
  );
});

test("'key.format' = 'raw': one STRING key column as the key's UTF-8 bytes; a record without a key reads the column as NULL", async () => {
  const dir = emptyTopic("clicks", 3);
  const clicks = (bounded: string) => `
    CREATE TABLE clicks (n INT, who STRING, k STRING METADATA FROM 'key' VIRTUAL) WITH ('connector' = 'log', 'log' = '${dir}',
      'topic' = 'clicks',${bounded} 'key.format' = 'raw', 'key.fields' = 'who', 'value.fields-include' = 'EXCEPT_KEY')`;
  await insert(
    clicks(""),
    "INSERT INTO clicks (n, who) VALUES (1, 'ada'), (2, 'bob'), (3, CAST(NULL AS STRING))",
  );
  const written = recordsOf(dir, "clicks").map((x) => [text(x.key), text(x.value)]);
  assert.deepEqual(
    written.sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    [
      ["ada", '{"n":1}'],
      ["bob", '{"n":2}'],
      [null, '{"n":3}'],
    ],
  );
  for (const x of recordsOf(dir, "clicks"))
    if (x.key !== null) assert.equal(x.partition, partitionForKey(x.key, 3), `${x.key} in its partition`);
  const rows = await select(clicks(" 'bounded' = 'true',"), "SELECT * FROM clicks");
  assert.deepEqual(rows.sort(byN), [
    { n: 1, who: "ada", k: "ada" },
    { n: 2, who: "bob", k: "bob" },
    { n: 3, who: null, k: null },
  ]);
});

test("json keys as Flink reads them: no key skips the record, a bad key or a key field that does not convert fails it (dead letter) unless 'key.json.ignore-parse-errors', a missing field is NULL unless 'key.json.fail-on-missing-field'", async () => {
  const dir = emptyTopic("keys", 1);
  append(dir, "keys", [
    { key: null, value: '{"v":"no key"}' },
    { key: '{"id":2}', value: '{"v":"good"}' },
    { key: "not json", value: '{"v":"bad key"}' },
    { key: '{"other":1}', value: '{"v":"missing id"}' },
    { key: "[2]", value: '{"v":"an array"}' },
    { key: '{"id":"x"}', value: '{"v":"bad id"}' },
  ]);
  const table = (extra: string) => `
    CREATE TABLE keys (id INT, v STRING) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'keys', 'bounded' = 'true',
      'key.format' = 'json', 'key.fields' = 'id', 'value.fields-include' = 'EXCEPT_KEY'${extra})`;

  const letters: DeadLetter[] = [];
  assert.deepEqual(await select(table(""), "SELECT * FROM keys", letters), [
    { id: 2, v: "good" },
    { id: null, v: "missing id" },
  ]);
  assert.deepEqual(
    letters.map((l) => l.error.replace(/: Unexpected token.*$/, ": Unexpected token ...")),
    [
      "table keys: cannot decode the json key of record keys/0@2 (not json): not JSON: Unexpected token ...",
      "table keys: cannot decode the json key of record keys/0@4 ([2]): not a JSON object",
      `table keys: cannot decode the json key of record keys/0@5 ({"id":"x"}): field 'id': 'x' is not a INT`,
    ],
  );

  const ignored: DeadLetter[] = [];
  assert.deepEqual(
    await select(table(", 'key.json.ignore-parse-errors' = 'true'"), "SELECT * FROM keys", ignored),
    [
      { id: 2, v: "good" },
      { id: null, v: "missing id" },
      { id: null, v: "bad id" },
    ],
  );
  assert.deepEqual(ignored, []);

  const strict: DeadLetter[] = [];
  assert.deepEqual(
    await select(table(", 'key.json.fail-on-missing-field' = 'true'"), "SELECT * FROM keys", strict),
    [{ id: 2, v: "good" }],
  );
  assert.deepEqual(
    strict.map((l) => l.error.replace(/: Unexpected token.*$/, ": Unexpected token ...")),
    [
      "table keys: cannot decode the json key of record keys/0@2 (not json): not JSON: Unexpected token ...",
      `table keys: cannot decode the json key of record keys/0@3 ({"other":1}): field 'id' is missing`,
      "table keys: cannot decode the json key of record keys/0@4 ([2]): not a JSON object",
      `table keys: cannot decode the json key of record keys/0@5 ({"id":"x"}): field 'id': 'x' is not a INT`,
    ],
  );
});

const ORDERS_KEY_SCHEMA = {
  type: "record",
  name: "record",
  namespace: "org.apache.flink.avro.generated",
  fields: [
    { name: "id", type: "long" },
    { name: "region", type: "string" },
  ],
};

test("avro-confluent keys and values: subjects <topic>-key and <topic>-value, bytes Confluent's client decodes, and records it writes read back", async () => {
  const dir = emptyTopic("orders", 2);
  const orders = (bounded: string) => `
    CREATE TABLE orders (id BIGINT NOT NULL, item STRING, region STRING NOT NULL, qty INT) WITH (
      'connector' = 'log', 'log' = '${dir}', 'topic' = 'orders',${bounded}
      'key.format' = 'avro-confluent', 'key.avro-confluent.url' = '${r.url}', 'key.fields' = 'id;region',
      'value.format' = 'avro-confluent', 'value.avro-confluent.url' = '${r.url}', 'value.fields-include' = 'EXCEPT_KEY')`;
  await insert(
    orders(""),
    "INSERT INTO orders VALUES (CAST(1 AS BIGINT), 'book', 'eu', 2), (CAST(2 AS BIGINT), CAST(NULL AS STRING), 'us', 1)",
  );
  const key = await client.getLatestSchemaMetadata("orders-key");
  assert.deepEqual(JSON.parse(key.schema), ORDERS_KEY_SCHEMA);
  const value = await client.getLatestSchemaMetadata("orders-value");
  assert.deepEqual(JSON.parse(value.schema), {
    type: "record",
    name: "record",
    namespace: "org.apache.flink.avro.generated",
    fields: [
      { name: "item", type: ["null", "string"], default: null },
      { name: "qty", type: ["null", "int"], default: null },
    ],
  });

  const keys = new AvroDeserializer(client, SerdeType.KEY, {});
  const values = new AvroDeserializer(client, SerdeType.VALUE, {});
  const decoded = [];
  for (const x of recordsOf(dir, "orders")) {
    const k = { ...((await keys.deserialize("orders", x.key as Buffer)) as object) };
    assert.equal(x.partition, partitionForKey(x.key as Buffer, 2), "the key bytes decide the partition");
    assert.equal((x.key as Buffer).readInt32BE(1), key.id, "the key carries the key schema's id");
    decoded.push([k, { ...((await values.deserialize("orders", x.value as Buffer)) as object) }]);
  }
  assert.deepEqual(
    decoded.sort((a, b) => (a[0] as { id: number }).id - (b[0] as { id: number }).id),
    [
      [
        { id: 1, region: "eu" },
        { item: "book", qty: 2 },
      ],
      [
        { id: 2, region: "us" },
        { item: null, qty: 1 },
      ],
    ],
  );

  // A record Confluent's serializers write, key and value, reads as a row.
  const keySer = new AvroSerializer(client, SerdeType.KEY, { useLatestVersion: true });
  const valueSer = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
  append(dir, "orders", [
    {
      key: await keySer.serialize("orders", { id: 3, region: "apac" }),
      value: await valueSer.serialize("orders", { item: "pen", qty: 7 }),
    },
  ]);
  const rows = await select(orders(" 'bounded' = 'true',"), "SELECT * FROM orders");
  assert.deepEqual(
    rows.sort((a, b) => Number(a.id) - Number(b.id)),
    [
      { id: 1, item: "book", region: "eu", qty: 2 },
      { id: 2, item: null, region: "us", qty: 1 },
      { id: 3, item: "pen", region: "apac", qty: 7 },
    ],
  );
});

test("an upsert-log table with avro-confluent keys (under 'key.avro-confluent.subject') and EXCEPT_KEY values: upserts by key, a delete as a tombstone, read back as a changelog", async () => {
  const input = logWithRows("t", [
    { k: "a", v: 1 },
    { k: "b", v: 2 },
    { k: "a", v: 3 },
    { k: "b", v: 4 },
    { k: "b", v: 5 },
  ]);
  const output = emptyTopic("totals", 1);
  const totals = (bounded: string) => `
    CREATE TABLE totals (k STRING NOT NULL, n BIGINT, s INT, PRIMARY KEY (k) NOT ENFORCED)
      WITH ('connector' = 'upsert-log', 'log' = '${output}', 'topic' = 'totals',${bounded}
        'key.format' = 'avro-confluent', 'key.avro-confluent.url' = '${r.url}', 'key.avro-confluent.subject' = 'totals-by-k',
        'value.format' = 'avro-confluent', 'value.avro-confluent.url' = '${r.url}', 'value.fields-include' = 'EXCEPT_KEY')`;
  await insert(
    `CREATE TABLE t (k STRING, v INT) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 't', 'bounded' = 'true');
     ${totals("")}`,
    "INSERT INTO totals SELECT k, COUNT(*), SUM(v) FROM t GROUP BY k HAVING COUNT(*) < 3",
  );
  assert.deepEqual(JSON.parse((await client.getLatestSchemaMetadata("totals-by-k")).schema).fields, [
    { name: "k", type: "string" },
  ]);
  assert.deepEqual((await client.getAllSubjects()).filter((s) => s.startsWith("totals")).sort(), [
    "totals-by-k",
    "totals-value",
  ]);
  const keys = new AvroDeserializer(client, SerdeType.KEY, {});
  const values = new AvroDeserializer(client, SerdeType.VALUE, {});
  const decoded = [];
  for (const x of recordsOf(output, "totals"))
    decoded.push([
      { ...((await keys.deserialize("totals", x.key as Buffer)) as object) },
      x.value === null ? null : { ...((await values.deserialize("totals", x.value)) as object) },
    ]);
  // With HAVING the query declares no unique key (a group leaving HAVING sends a lone -U, as in
  // Flink): each -U is written as a tombstone.
  assert.deepEqual(decoded, [
    [{ k: "a" }, { n: 1, s: 1 }],
    [{ k: "b" }, { n: 1, s: 2 }],
    [{ k: "a" }, null],
    [{ k: "a" }, { n: 2, s: 4 }],
    [{ k: "b" }, null],
    [{ k: "b" }, { n: 2, s: 6 }],
    [{ k: "b" }, null],
  ]);
  const changes = await select(totals(" 'bounded' = 'true',"), "SELECT k, n, s FROM totals");
  assert.deepEqual(
    changes.map((x) => `${rowKind(x)}${x.k}=${x.n},${x.s}`),
    ["+Ia=1,1", "+Ib=1,2", "-Da=1,1", "+Ia=2,4", "-Db=1,2", "+Ib=2,6", "-Db=2,6"],
  );
  assert.deepEqual(materialize(changes), [{ k: "a", n: 2, s: 4 }]);
});

test("an upsert-log table with 'key.format' = 'json' writes the same keys as one without (the JSON of the primary key)", async () => {
  const input = logWithRows("t", [
    { k: "a", v: 1 },
    { k: "a", v: 2 },
  ]);
  const keysOf = async (extra: string) => {
    const output = emptyTopic("totals", 1);
    await insert(
      `CREATE TABLE t (k STRING, v INT) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 't', 'bounded' = 'true');
       CREATE TABLE totals (k STRING NOT NULL, s INT, PRIMARY KEY (k) NOT ENFORCED)
         WITH ('connector' = 'upsert-log', 'log' = '${output}', 'topic' = 'totals'${extra})`,
      "INSERT INTO totals SELECT k, SUM(v) FROM t GROUP BY k",
    );
    return recordsOf(output, "totals").map((x) => [text(x.key), text(x.value)]);
  };
  const expected = [
    ['{"k":"a"}', '{"k":"a","s":1}'],
    ['{"k":"a"}', '{"k":"a","s":3}'],
  ];
  assert.deepEqual(await keysOf(""), expected);
  assert.deepEqual(await keysOf(", 'key.format' = 'json', 'value.format' = 'json'"), expected);
});

test("the key options' errors, as Flink words them where it has the rule", async () => {
  const dir = emptyTopic("t", 1);
  const log = `'connector' = 'log', 'log' = '${dir}', 'topic' = 't'`;
  const fails = async (ddl: string, statement: string, code: string, message: string) => {
    const tEnv = tableEnv();
    await tEnv.executeScript(ddl);
    await assert.rejects(tEnv.executeSql(statement), (e: Error & { code?: string }) => {
      assert.equal(e.code, code, e.message);
      // The position is the option's in the WITH clause (its column varies with the log's directory).
      const text = e.message.replace(/ \(line 1, column \d+\)/, "");
      assert.ok(text.startsWith(message), `${e.message}\n  does not start with\n${message}`);
      return true;
    });
  };
  const V = "FLEUVE_SQL_VALIDATION";
  const refused = (name: string, columns: string, options: string, message: string, code = V) =>
    fails(`CREATE TABLE ${name} (${columns}) WITH (${options})`, `SELECT * FROM ${name}`, code, message);

  await refused(
    "t1",
    "id INT, v STRING",
    `${log}, 'key.fields' = 'id'`,
    "table t1: The option 'key.fields' can only be declared if a key format is defined using 'key.format'.",
  );
  await refused(
    "t2",
    "id INT, v STRING",
    `${log}, 'key.format' = 'json'`,
    "table t2: A key format 'key.format' requires the declaration of one or more of key fields using 'key.fields'.",
  );
  await refused(
    "t3",
    "id INT, v STRING, off BIGINT METADATA FROM 'offset', c AS id + 1",
    `${log}, 'key.format' = 'json', 'key.fields' = 'off'`,
    "table t3: Could not find the field 'off' in the table schema for usage in the key format. A key field must be a regular, physical column. The following columns can be selected in the 'key.fields' option: [id, v]",
  );
  await refused(
    "t4",
    "k_id INT, id INT",
    `${log}, 'key.format' = 'json', 'key.fields' = 'id', 'key.fields-prefix' = 'k_', 'value.fields-include' = 'EXCEPT_KEY'`,
    "table t4: All fields in 'key.fields' must be prefixed with 'k_' when option 'key.fields-prefix' is set but field 'id' is not prefixed.",
  );
  await refused(
    "t5",
    "k_id INT, v STRING",
    `${log}, 'key.format' = 'json', 'key.fields' = 'k_id', 'key.fields-prefix' = 'k_'`,
    "table t5: A key prefix is not allowed when option 'value.fields-include' is set to 'ALL'. Set it to 'EXCEPT_KEY' instead to avoid field overlaps.",
  );
  await refused(
    "t6",
    "id INT, v STRING",
    `${log}, 'key.format' = 'json', 'key.fields' = 'id', 'value.fields-include' = 'SOME'`,
    "table t6: option 'value.fields-include' must be ALL or EXCEPT_KEY, got 'SOME'",
  );
  await refused(
    "t7",
    "id INT, v STRING, PRIMARY KEY (id) NOT ENFORCED",
    "'connector' = 'upsert-kafka', 'topic' = 't', 'value.format' = 'json'",
    // Flink 1.20's message (probed on bench/flink), the key's format asked for first.
    "table t7: Could not find required scan format 'key.format'.",
  );
  await refused(
    "t7b",
    "id INT, v STRING, PRIMARY KEY (id) NOT ENFORCED",
    "'connector' = 'upsert-kafka', 'topic' = 't'",
    "table t7b: Could not find required scan format 'key.format'.",
  );
  await refused(
    "t8",
    "id INT, v STRING, PRIMARY KEY (id) NOT ENFORCED",
    `'connector' = 'upsert-log', 'log' = '${dir}', 'topic' = 't', 'key.format' = 'json', 'key.fields' = 'id'`,
    "table t8: the 'upsert-log' connector does not take option 'key.fields': an upsert table's key fields are its PRIMARY KEY columns",
  );
  await refused(
    "t9",
    "id STRING, v STRING",
    `${log}, 'key.format' = 'raw', 'key.fields' = 'id;v'`,
    "table t9: The 'raw' format only supports single physical column. However the defined schema contains multiple physical columns: [`id` STRING, `v` STRING] (the key fields)",
  );
  await refused(
    "t10",
    "id DECIMAL(10, 2), v STRING",
    `${log}, 'key.format' = 'raw', 'key.fields' = 'id'`,
    "table t10: The 'raw' format doesn't supports 'DECIMAL(10, 2)' as column type (column id; raw holds CHAR, VARCHAR, STRING, BINARY, VARBINARY, BYTES, BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE).",
  );
  await refused(
    "t11",
    "id INT, v STRING",
    `${log}, 'key.format' = 'csv', 'key.fields' = 'id'`,
    "Fleuve SQL does not run 'key.format' = 'csv' (table t11) yet: the key formats are json, raw, avro-confluent, json-confluent, protobuf-confluent, avro-registry, json-registry, proto-registry",
    "FLEUVE_SQL_UNSUPPORTED",
  );
  await refused(
    "t12",
    "id INT, v STRING",
    `${log}, 'key.format' = 'json', 'key.fields' = 'id', 'key.json.nope' = 'x'`,
    "table t12: 'key.format' = 'json' (its options 'key.json.*'): unknown option 'nope': the options are fail-on-missing-field, ignore-parse-errors",
  );
  await refused(
    "t13",
    "id INT, v STRING",
    `${log}, 'key.format' = 'json', 'key.fields' = 'id', 'key.avro-confluent.url' = 'http://x'`,
    "table t13: unknown option 'key.avro-confluent.url' (the options of key format 'json' are 'key.json.<option>')",
  );
  await refused(
    "t14",
    "id INT, v STRING",
    `${log}, 'key.format' = 'json', 'key.fields' = 'id', 'key.json.ignore-parse-errors' = 'true', 'key.json.fail-on-missing-field' = 'true'`,
    "table t14: 'key.json.fail-on-missing-field' and 'key.json.ignore-parse-errors' shouldn't both be true.",
  );
  await refused(
    "t15",
    "id INT, v STRING",
    `${log}, 'key.format' = 'avro-confluent', 'key.fields' = 'id'`,
    "table t15: 'key.format' = 'avro-confluent' (its options 'key.avro-confluent.*'): missing option 'url': expected a non-empty string, got nothing",
  );
  await refused(
    "t16",
    "id INT, v STRING",
    `${log}, 'key.raw.charsets' = 'UTF-8', 'key.format' = 'raw', 'key.fields' = 'v'`,
    "table t16: the raw format: unknown option 'key.raw.charsets' (did you mean 'key.raw.charset'?): the options are key.raw.charset, key.raw.endianness",
  );
  await refused(
    "t17",
    "id INT, v STRING",
    "'connector' = 'datagen', 'number-of-rows' = '1', 'key.format' = 'json', 'key.fields' = 'id'",
    "table t17: the 'datagen' connector reads no record keys, so it cannot take 'key.format' = 'json'; use 'log', 'kafka', 'upsert-log' or 'upsert-kafka'",
  );
  await refused(
    "t18",
    "id INT, v STRING",
    `${log}, 'key.fields-prefix' = 'k_', 'key.format' = 'json', 'key.fields' = 'id'`,
    "table t18: All fields in 'key.fields' must be prefixed with 'k_' when option 'key.fields-prefix' is set but field 'id' is not prefixed.",
  );
  await fails(
    `CREATE TABLE p (id INT, v STRING) WITH ('connector' = 'print', 'key.format' = 'json', 'key.fields' = 'id')`,
    "INSERT INTO p VALUES (1, 'a')",
    V,
    "table p: the 'print' connector writes no record keys, so it cannot take 'key.format' = 'json'; use 'log', 'kafka', 'upsert-log' or 'upsert-kafka'",
  );
  await fails(
    `CREATE TABLE i (id INT, v STRING) WITH (${log}, 'key.format' = 'json', 'key.fields' = 'nope')`,
    "INSERT INTO i VALUES (1, 'a')",
    V,
    "table i: Could not find the field 'nope' in the table schema for usage in the key format. A key field must be a regular, physical column. The following columns can be selected in the 'key.fields' option: [id, v]",
  );
});
