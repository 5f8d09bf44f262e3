/**
 * Per-partition watermarks and idleness on the real broker (as Flink's KafkaSource with
 * `WatermarkStrategy.withIdleness`): a 2-partition topic with records in partition 0 only. The
 * empty partition holds the watermark back, so no window fires, until it has read nothing for the
 * idle timeout of processing time; then partition 0's watermark fires the window. The job runs
 * on a ManualProcessingTime: the test waits for conditions (records read, partition 0's watermark
 * generated) and moves the clock, nothing depends on the wall clock.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type JobClient,
  ManualProcessingTime,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "@fleuve/core";
import { KafkaClient, kafkaSource } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();
const T0 = 1_700_000_000_000;
const IDLE_MS = 10_000;

let client: KafkaClient;
const topics: string[] = [];
before(async () => {
  if (options.skip === undefined) client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
});
after(async () => {
  if (client === undefined) return;
  await client.deleteTopics(topics).catch(() => {});
  await client.close();
});

/** Waits (polling) until `cond` holds, failing after a generous bound naming what it waited for. */
async function until(what: string, cond: () => boolean): Promise<void> {
  for (let waited = 0; !cond(); waited += 20) {
    if (waited > 120_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The source's figures of split `id` (its watermark, idleness), if the source has them. */
function split(job: JobClient, id: string): Readonly<Record<string, number>> | undefined {
  return job.snapshot().operators.find((o) => o.operatorName === "in")?.splits?.[id];
}

test("an empty partition holds the watermark until withIdleness marks it idle", options, async () => {
  const topic = uniqueTopic("idle");
  await client.createTopics([{ name: topic, partitions: 2, config: OLD_TIMESTAMPS }]);
  topics.push(topic);
  const producer = client.producer();
  // Window [0, 10000) is complete once partition 0's watermark (12000 - 1) passes its end.
  await producer.send(
    [1_000, 2_000, 12_000].map((timestamp) => ({ topic, partition: 0, value: "x", timestamp })),
  );
  await producer.close();

  const clock = new ManualProcessingTime(T0);
  const env = StreamExecutionEnvironment.create({ parallelism: 1, processingTime: clock, log: () => {} });
  const fired: string[] = [];
  env
    .fromSource(
      kafkaSource({ bootstrap: BOOTSTRAP, topics: [topic], value: "string" }),
      WatermarkStrategy.forMonotonousTimestamps().withIdleness(IDLE_MS),
      "in",
    )
    .keyBy(() => "all")
    .window(TumblingEventTimeWindows.of(10_000))
    .process({
      process: (_key, ctx, elements, out) =>
        out.collect(`[${ctx.window().start}, ${ctx.window().end}): ${elements.length}`),
    })
    .forEach((s) => {
      fired.push(String(s));
    });
  const job = env.executeAsync("kafka-idleness");
  try {
    await until("the source to read partition 0's 3 records", () =>
      Object.values(job.summary()).some((o) => o.name === "in" && o.recordsOut === 3),
    );
    // The periodic emit after the records: partition 0's watermark is 11999, partition 1 has none.
    clock.advanceTo(T0 + 200);
    await until("partition 0's watermark", () => split(job, `${topic}-0`)?.currentWatermark === 11_999);
    assert.equal(split(job, `${topic}-1`)?.currentWatermark, undefined);
    assert.equal(split(job, `${topic}-1`)?.idle, 0);
    // Before the idle timeout, partition 1 holds the watermark back: no window fired.
    clock.advanceTo(T0 + IDLE_MS - 1);
    await until("another periodic check", () => split(job, `${topic}-0`)?.currentWatermark === 11_999);
    // The source's own watermark (set as it emits one): held back, so no window can fire.
    assert.equal(
      job.snapshot().operators.find((o) => o.operatorName === "in")?.currentInputWatermark,
      Number.NEGATIVE_INFINITY,
    );
    assert.deepEqual(fired, []);
    // Partition 1 read nothing for the idle timeout: idle, partition 0's watermark fires the window
    // (partition 0 saw records at the check of T0 + 200, so it is not idle yet).
    clock.advanceTo(T0 + IDLE_MS);
    await until("the window to fire", () => fired.length === 1);
    assert.deepEqual(fired, ["[0, 10000): 2"]);
    assert.equal(split(job, `${topic}-1`)?.idle, 1);
    assert.equal(
      job.snapshot().operators.find((o) => o.operatorName === "in")?.currentInputWatermark,
      11_999,
    );
  } finally {
    job.cancel();
    await job.result.catch(() => {});
  }
});
