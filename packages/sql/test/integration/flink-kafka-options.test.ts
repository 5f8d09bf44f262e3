// A 'kafka' table written with Flink's Kafka connector options ('properties.bootstrap.servers',
// 'scan.startup.mode', 'scan.bounded.mode', 'sink.delivery-guarantee'...), on the real broker
// (127.0.0.1:9092): an INSERT writes rows that a bounded scan reads back; values Fleuve has no
// equivalent for are refused naming the option.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { KafkaClient, connectors as kafkaConnectors } from "@fleuve/kafka";
import { type Row, sql } from "@fleuve/sql";

const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const topic = `sql-flink-options-${Date.now()}-${randomBytes(4).toString("hex")}`;

let admin: KafkaClient;
before(async () => {
  admin = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  await admin.createTopics([{ name: topic, partitions: 2, config: { "retention.ms": "-1" } }]);
});
after(async () => {
  await admin.deleteTopics([topic]).catch(() => {});
  await admin.close();
});

const tEnv = () =>
  sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), { connectors: kafkaConnectors });

const table = (options: string) => `CREATE TABLE k (id INT, name STRING) WITH (
  'connector' = 'kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${BOOTSTRAP}',
  'format' = 'json'${options})`;

test("Flink's Kafka options: an INSERT with a delivery guarantee, then a bounded scan from the earliest offset", {
  timeout: 300_000,
}, async () => {
  const writer = tEnv();
  await writer.executeSql(table(", 'sink.delivery-guarantee' = 'at-least-once'"));
  await (
    await writer.executeSql(
      "INSERT INTO k SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) AS t (id, name)",
    )
  ).await();
  const reader = tEnv();
  await reader.executeSql(
    table(`, 'properties.group.id' = 'g-${topic}', 'scan.startup.mode' = 'earliest-offset',
      'scan.bounded.mode' = 'latest-offset'`),
  );
  const rows = (await (await reader.executeSql("SELECT id, name FROM k")).collect()) as Row[];
  assert.deepEqual(
    [...rows].sort((a, b) => (a.id as number) - (b.id as number)),
    [
      { id: 1, name: "a" },
      { id: 2, name: "b" },
      { id: 3, name: "c" },
    ],
  );
});

test("a Flink Kafka option value without an equivalent is refused naming the option and the values read", async () => {
  const t = tEnv();
  await t.executeSql(table(", 'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '0'"));
  await assert.rejects(
    async () => (await t.executeSql("SELECT * FROM k")).collect(),
    (e: unknown) => {
      assert.ok(e instanceof FleuveError, String(e));
      assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
      assert.match(
        e.message,
        /table k: 'scan.startup.mode' = 'timestamp' is not supported; it takes 'earliest-offset', 'latest-offset', 'group-offsets'/,
      );
      return true;
    },
  );
});

// Flink 1.20 refuses a Kafka table without a value format when a query reads or writes it
// (probed on bench/flink: "Unable to create a source for reading table ... Could not find
// required scan format 'value.format'."; a sink's "... required sink format ..."; upsert-kafka
// asks for 'key.format' first). Fleuve took such a table and its job read nothing, for ever.
test("a kafka or upsert-kafka table without its formats is refused with Flink's message", async () => {
  const t = tEnv();
  const servers = `'topic' = '${topic}', 'properties.bootstrap.servers' = '${BOOTSTRAP}'`;
  await t.executeScript(`
    CREATE TABLE k1 (id INT, name STRING) WITH ('connector' = 'kafka', ${servers}, 'scan.startup.mode' = 'earliest-offset');
    CREATE TABLE k2 (id INT, name STRING) WITH ('connector' = 'kafka', ${servers}, 'key.format' = 'json', 'key.fields' = 'id');
    CREATE TABLE u1 (id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', ${servers});
    CREATE TABLE u2 (id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', ${servers}, 'key.format' = 'json');
    CREATE TABLE u3 (id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', ${servers}, 'value.format' = 'json')`);
  const cases: [string, string][] = [
    ["SELECT * FROM k1", "table k1: Could not find required scan format 'value.format'."],
    ["SELECT * FROM k2", "table k2: Could not find required scan format 'value.format'."],
    ["SELECT * FROM u1", "table u1: Could not find required scan format 'key.format'."],
    ["SELECT * FROM u2", "table u2: Could not find required scan format 'value.format'."],
    ["SELECT * FROM u3", "table u3: Could not find required scan format 'key.format'."],
    ["INSERT INTO k1 VALUES (1, 'a')", "table k1: Could not find required sink format 'value.format'."],
    ["INSERT INTO u1 VALUES (1, 'a')", "table u1: Could not find required sink format 'key.format'."],
  ];
  for (const [statement, message] of cases)
    await assert.rejects(
      async () => (await t.executeSql(statement)).collect(),
      (e: unknown) => {
        assert.ok(e instanceof FleuveError, String(e));
        assert.equal(e.code, "FLEUVE_SQL_VALIDATION", statement);
        assert.ok(e.message.startsWith(message), `${statement}: ${e.message}`);
        return true;
      },
    );
});
