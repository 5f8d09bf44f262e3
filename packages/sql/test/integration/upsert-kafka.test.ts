// upsert-kafka (json) on the real Kafka broker (127.0.0.1:9092, started by CI): a SQL aggregation
// writes its updates and deletes into an upsert-kafka table; a reader that is not Fleuve's SQL
// (kcat when it is installed, else the Kafka client's group-less partition reader) sees one
// record per upsert keyed by the primary key's JSON, the `-U` halves dropped, and a delete as a
// tombstone (null value); a second SQL job reading the table gets the aggregation's final table.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { KafkaClient, connectors as kafkaConnectors } from "@fleuve/kafka";
import { materialize, sql } from "@fleuve/sql";

const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const topic = `sql-upsert-json-${Date.now()}-${randomBytes(4).toString("hex")}`;

let admin: KafkaClient;
before(async () => {
  admin = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  // No time retention: the records' timestamps may be old.
  await admin.createTopics([{ name: topic, partitions: 1, config: { "retention.ms": "-1" } }]);
});
after(async () => {
  await admin.deleteTopics([topic]).catch(() => {});
  await admin.close();
});

/** kcat's path, or undefined when it is not installed. */
function kcat(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v kcat"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Every record of the topic's one partition, key and value as text (null for none), read outside Fleuve's SQL. */
async function records(): Promise<{ key: string | null; value: string | null }[]> {
  const bin = kcat();
  if (bin !== undefined) {
    // -J: one JSON envelope per record, a null value as "payload": null; -e: stop at the end.
    const out = execFileSync(
      bin,
      ["-C", "-b", BOOTSTRAP, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-J"],
      {
        encoding: "utf8",
      },
    );
    return out
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => {
        const e = JSON.parse(l) as { key: string | null; payload: string | null };
        return { key: e.key, value: e.payload };
      });
  }
  const reader = admin.partitionReader();
  try {
    await reader.assign([{ topic, partition: 0, offset: "earliest" }]);
    const got: { key: string | null; value: string | null }[] = [];
    const text = (b: Buffer | null) => (b === null ? null : b.toString("utf8"));
    for (;;) {
      for (const r of await reader.poll()) got.push({ key: text(r.key), value: text(r.value) });
      const head = reader.heads().get(`${topic}:0`);
      const at = reader.positions()[0]?.offset;
      if (head !== undefined && at !== undefined && at >= head) return got;
    }
  } finally {
    await reader.close();
  }
}

const TABLE = (bounded: boolean) => `
  CREATE TABLE totals (item STRING NOT NULL, n BIGINT, PRIMARY KEY (item) NOT ENFORCED)
    WITH ('connector' = 'upsert-kafka', 'bootstrap' = '${BOOTSTRAP}', 'topic' = '${topic}'${bounded ? ", 'bounded' = 'true'" : ""},
      'key.format' = 'json', 'value.format' = 'json')`;

test("upsert-kafka: an aggregation's updates and deletes are keyed records and tombstones, read back as its final table", {
  timeout: 300_000,
}, async () => {
  const write = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: kafkaConnectors,
  });
  await write.executeSql(TABLE(false));
  // pen: 1, 2 (kept); ink: 1, 2, then 3 leaves the HAVING (a delete); cap: 1 (kept). With HAVING
  // the query declares no unique key (a group leaving HAVING sends a lone -U, as in Flink), so
  // each -U is a tombstone before its +U.
  await (
    await write.executeSql(`INSERT INTO totals
      SELECT item, COUNT(*) FROM (VALUES ('pen'), ('ink'), ('pen'), ('ink'), ('cap'), ('ink')) AS t(item)
      GROUP BY item HAVING COUNT(*) < 3`)
  ).await();

  const key = (item: string) => JSON.stringify({ item });
  const value = (item: string, n: number) => JSON.stringify({ item, n });
  assert.deepEqual(await records(), [
    { key: key("pen"), value: value("pen", 1) },
    { key: key("ink"), value: value("ink", 1) },
    { key: key("pen"), value: null },
    { key: key("pen"), value: value("pen", 2) },
    { key: key("ink"), value: null },
    { key: key("ink"), value: value("ink", 2) },
    { key: key("cap"), value: value("cap", 1) },
    { key: key("ink"), value: null },
  ]);

  const read = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: kafkaConnectors,
  });
  await read.executeSql(TABLE(true));
  const final = materialize(await (await read.executeSql("SELECT * FROM totals")).collect());
  assert.deepEqual(
    [...final].sort((a, b) => String(a.item).localeCompare(String(b.item))),
    [
      { item: "cap", n: 1 },
      { item: "pen", n: 2 },
    ],
  );
});
