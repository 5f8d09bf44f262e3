// A Kafka table's WATERMARK is generated per partition in the source, as Flink 1.20's Kafka table
// source does (watermark push-down): on the real broker, a 2-partition topic with rows in
// partition 0 only holds a TUMBLE window back (the empty partition's watermark is the lowest)
// until the partition is idle, after 'scan.watermark.idle-timeout' (table option) or
// 'table.exec.source.idle-timeout' (SET) of processing time without a record. A duration that is
// not one is refused naming its option. The job runs on a ManualProcessingTime; the test waits
// for conditions (rows read, partition 0's watermark generated) before it moves the clock.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { type JobClient, ManualProcessingTime, StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink } from "@fleuve/core/testing";
import { KafkaClient, connectors as kafkaConnectors } from "@fleuve/kafka";
import { type Row, sql } from "@fleuve/sql";
import { until } from "../fixtures/manual-clock.js";

const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const topic = `sql-idleness-${Date.now()}-${randomBytes(4).toString("hex")}`;
const T0 = 1_700_000_000_000;

let admin: KafkaClient;
before(async () => {
  admin = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  await admin.createTopics([{ name: topic, partitions: 2, config: { "retention.ms": "-1" } }]);
  const producer = admin.producer();
  // Window [00:00, 00:10) is complete once partition 0's watermark (00:12 - 1 s) passes its end.
  await producer.send(
    ["00:01", "00:02", "00:12"].map((t, id) => ({
      topic,
      partition: 0,
      value: JSON.stringify({ id, ts: `2024-01-01 00:${t}` }),
    })),
  );
  await producer.close();
});
after(async () => {
  await admin.deleteTopics([topic]).catch(() => {});
  await admin.close();
});

const table = (options: string) => `CREATE TABLE k (id INT, ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (
  'connector' = 'kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${BOOTSTRAP}',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'json'${options})`;

const WINDOWS =
  "SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE k, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end";

/** The source's figures of partition `p` (its watermark, idleness). */
function partition(job: JobClient, p: number): Readonly<Record<string, number>> | undefined {
  return source(job)?.splits?.[`${topic}-${p}`];
}

/** The source's own metrics. */
function source(job: JobClient) {
  return job.snapshot().operators.find((o) => o.operatorName === "Source: k");
}

/** Runs WINDOWS over the table with `options` after `setup`; the window fires after `idleMs`. */
async function firesAfterIdleTimeout(options: string, idleMs: number, setup = ""): Promise<void> {
  const clock = new ManualProcessingTime(T0);
  const env = StreamExecutionEnvironment.create({ parallelism: 1, processingTime: clock, log: () => {} });
  const tEnv = sql(env, { connectors: kafkaConnectors });
  if (setup !== "") await tEnv.executeSql(setup);
  await tEnv.executeSql(table(options));
  const sink = new CollectSink<Row>();
  tEnv.sqlQuery(WINDOWS).toDataStream().sinkTo(sink);
  const job = env.executeAsync("kafka-idleness");
  try {
    await until("the source to read partition 0's 3 rows", () =>
      Object.values(job.summary()).some((o) => o.name === "Source: k" && o.recordsOut === 3),
    );
    // The periodic emit after the rows: partition 0's watermark is 00:11, partition 1 has none.
    clock.advanceTo(T0 + 200);
    const p0 = Date.UTC(2024, 0, 1, 0, 0, 11);
    await until("partition 0's watermark", () => partition(job, 0)?.currentWatermark === p0);
    assert.equal(partition(job, 1)?.currentWatermark, undefined);
    // Just before the idle timeout partition 1 still holds the source's watermark back (the
    // source's own watermark, set as it emits, so no window downstream can fire).
    clock.advanceTo(T0 + idleMs - 1);
    await until("a periodic check at the new time", () => partition(job, 0)?.idle === 0);
    assert.equal(partition(job, 1)?.idle, 0);
    assert.equal(source(job)?.currentInputWatermark, Number.NEGATIVE_INFINITY);
    assert.deepEqual(sink.values(), []);
    // Idle: partition 0's watermark fires the window (partition 0 was active at T0 + 200).
    clock.advanceTo(T0 + idleMs);
    await until("the window to fire", () => sink.values().length === 1);
    assert.equal(partition(job, 1)?.idle, 1);
    assert.equal(source(job)?.currentInputWatermark, p0);
    assert.deepEqual(
      sink.values().map((r) => ({ ...r })),
      [{ window_start: Date.UTC(2024, 0, 1), n: 2 }],
    );
  } finally {
    job.cancel();
    await job.result.catch(() => {});
  }
}

test("'scan.watermark.idle-timeout': an empty partition holds the window until it is idle", async () => {
  await firesAfterIdleTimeout(", 'scan.watermark.idle-timeout' = '10 s'", 10_000);
});

test("SET 'table.exec.source.idle-timeout' marks the empty partition idle too", async () => {
  await firesAfterIdleTimeout("", 5_000, "SET 'table.exec.source.idle-timeout' = '5 s'");
});

test("the table option wins over the SET option", async () => {
  await firesAfterIdleTimeout(
    ", 'scan.watermark.idle-timeout' = '3 s'",
    3_000,
    "SET 'table.exec.source.idle-timeout' = '1 h'",
  );
});

test("an idle timeout that is not a duration fails naming its option", async () => {
  for (const [setup, options, option] of [
    [
      "",
      ", 'scan.watermark.idle-timeout' = 'soon'",
      /table k: 'scan.watermark.idle-timeout' = 'soon': not a duration/,
    ],
    [
      "SET 'table.exec.source.idle-timeout' = 'soon'",
      "",
      /SET 'table.exec.source.idle-timeout' = 'soon': not a duration/,
    ],
  ] as const) {
    const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
      connectors: kafkaConnectors,
    });
    if (setup !== "") await tEnv.executeSql(setup);
    await tEnv.executeSql(table(options));
    await assert.rejects(async () => (await tEnv.executeSql("SELECT * FROM k")).collect(), option);
  }
});
