// The 'csv' and 'raw' value formats on the real Kafka broker (127.0.0.1:9092): csv lines that kcat
// produces read as rows of a 'kafka' table, and the raw values a SQL INSERT writes (INT,
// little-endian; NULL a tombstone) are the bytes kcat reads back.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { KafkaClient, connectors as kafkaConnectors } from "@fleuve/kafka";
import { sql } from "@fleuve/sql";

const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const unique = (p: string) => `${p}-${Date.now()}-${randomBytes(4).toString("hex")}`;
const csvTopic = unique("sql-csv");
const rawTopic = unique("sql-raw");

let admin: KafkaClient;
before(async () => {
  admin = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  await admin.createTopics([
    { name: csvTopic, partitions: 1, config: { "retention.ms": "-1" } },
    { name: rawTopic, partitions: 1, config: { "retention.ms": "-1" } },
  ]);
});
after(async () => {
  await admin.deleteTopics([csvTopic, rawTopic]).catch(() => {});
  await admin.close();
});

/** Every record value of `topic` as kcat reads it (null: a tombstone), in offset order. */
function kcatValues(topic: string): (Buffer | null)[] {
  const out = execFileSync("kcat", ["-C", "-b", BOOTSTRAP, "-t", topic, "-e", "-q", "-f", "%S:%s"], {
    maxBuffer: 1 << 24,
  });
  const values: (Buffer | null)[] = [];
  let at = 0;
  while (at < out.length) {
    const colon = out.indexOf(":", at);
    const length = Number(out.subarray(at, colon).toString());
    if (length < 0) {
      values.push(null);
      at = colon + 1;
    } else {
      values.push(Buffer.from(out.subarray(colon + 1, colon + 1 + length)));
      at = colon + 1 + length;
    }
  }
  return values;
}

const tEnv = () =>
  sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), { connectors: kafkaConnectors });

test("csv lines produced by kcat read as rows of a 'kafka' table with 'format' = 'csv'; raw INT values an INSERT writes are the bytes kcat reads", {
  timeout: 300_000,
}, async () => {
  // kcat -P: one record per line.
  execFileSync("kcat", ["-P", "-b", BOOTSTRAP, "-t", csvTopic], {
    input: '1;"two words";2.5;2020-04-15 08:05:00\n# a comment\n2;;-1;2020-04-15 08:05:07.25\n',
  });
  const reader = tEnv();
  await reader.executeSql(`
    CREATE TABLE lines (id INT, name STRING, x DOUBLE, ts TIMESTAMP(3)) WITH (
      'connector' = 'kafka', 'bootstrap' = '${BOOTSTRAP}', 'topic' = '${csvTopic}', 'bounded' = 'true',
      'format' = 'csv', 'csv.field-delimiter' = ';', 'csv.allow-comments' = 'true')`);
  assert.deepEqual(await (await reader.executeSql("SELECT * FROM lines")).collect(), [
    { id: 1, name: "two words", x: 2.5, ts: Date.UTC(2020, 3, 15, 8, 5, 0) },
    { id: 2, name: "", x: -1, ts: Date.UTC(2020, 3, 15, 8, 5, 7, 250) },
  ]);

  const writer = tEnv();
  await writer.executeSql(`
    CREATE TABLE counts (n INT) WITH ('connector' = 'kafka', 'bootstrap' = '${BOOTSTRAP}', 'topic' = '${rawTopic}',
      'value.format' = 'raw', 'value.raw.endianness' = 'little-endian')`);
  await (await writer.executeSql("INSERT INTO counts VALUES (258), (CAST(NULL AS INT)), (-2)")).await();
  assert.deepEqual(
    kcatValues(rawTopic).map((v) => (v === null ? null : v.toString("hex"))),
    ["02010000", null, "feffffff"],
  );
});
