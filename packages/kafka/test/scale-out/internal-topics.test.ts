/**
 * Internal topics never lose unread data to time retention, against the real broker: a scale-out
 * job whose records carry 1970 event times writes them through its exchange topic. Were the event
 * times the records' Kafka timestamps under the broker's default retention (7 days), the broker
 * would delete them minutes later, read or not. The created topics (exchange, membership,
 * changelog, savepoint control) must have no time or size retention and broker-set timestamps, as the admin API
 * describes them; and kcat (an independent client) must see append times on the exchange records,
 * so even a retention an operator adds later counts from when they were written.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defineJob, WatermarkStrategy } from "@fleuve/core";
import { Admin, ConfigResourceTypes } from "@platformatic/kafka";
import { KafkaClient, startGroupWorker } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";
import { kcat } from "../connectors/crash-common.js";

const options = await brokerTestOptions();
const N = 500;

/** What retention must never delete unread data by a record's (event) time. */
const SAFE = {
  "retention.ms": "-1",
  "retention.bytes": "-1",
  "message.timestamp.type": "LogAppendTime",
};

/** The configs of `topic` named in SAFE, as the broker describes them. */
async function describe(topic: string): Promise<Record<string, string | null>> {
  const admin = new Admin({ clientId: "fleuve-test-configs", bootstrapBrokers: [BOOTSTRAP] });
  try {
    const [res] = await admin.describeConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configurationKeys: Object.keys(SAFE),
        },
      ],
    });
    return Object.fromEntries(res!.configs.map((c) => [c.name, c.value ?? null]));
  } finally {
    await admin.close();
  }
}

test("internal topics of a scale-out job keep unread records whatever their event times", {
  ...options,
  timeout: 300_000,
}, async () => {
  const group = uniqueTopic("old-times");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-internal-topics-"));
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const prefix = `fleuve-${group}-old-times-`;
  const started = Date.now();
  const seen: number[] = [];
  const job = defineJob({
    name: "old-times",
    build(env) {
      const events = Array.from({ length: N }, (_, i) => ({ k: i % 7, ts: 1000 + i }));
      env
        .fromCollection(events, {
          // event times in January 1970
          strategy: WatermarkStrategy.forMonotonousTimestamps<{
            k: number;
            ts: number;
          }>().withTimestampAssigner((e) => e.ts),
        })
        .keyBy((e) => e.k) // an exchange topic
        .map((e) => e.ts)
        .forEach((ts) => {
          seen.push(ts);
        });
    },
  });
  const worker = await startGroupWorker({
    job,
    group,
    bootstrap: BOOTSTRAP,
    checkpointDir: dir,
    checkpointIntervalMs: 100,
    parallelism: 2,
    log: () => {},
  });
  try {
    // Every record crossed the exchange (the receivers got them all)...
    const deadline = Date.now() + 180_000;
    while (seen.length < N) {
      assert.ok(Date.now() < deadline, `only ${seen.length} of ${N} records crossed the exchange`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(Math.max(...seen) < 2000, "the records carry 1970 event times");
    // ...the internal topics never delete by time or size...
    const topics = (await client.listTopics()).filter((t) => t.startsWith(prefix));
    const exchange = topics.find(
      (t) => !t.endsWith("-units") && !t.endsWith("-changelog") && !t.endsWith("-control"),
    );
    assert.ok(exchange, `an exchange topic among ${topics.join(", ")}`);
    assert.deepEqual(
      topics.filter((t) => t !== exchange).sort(),
      [`${prefix}changelog`, `${prefix}control`, `${prefix}units`],
      "the other internal topics",
    );
    for (const t of topics) assert.deepEqual(await describe(t), SAFE, `configs of ${t}`);

    // ...and the exchange holds them with the times the broker appended them, not their event times.
    const stamps = kcat(BOOTSTRAP, ["-C", "-t", exchange, "-e", "-q", "-f", "%T\\n"])
      .split("\n")
      .filter((l) => l !== "")
      .map(Number);
    assert.ok(stamps.length >= N, `kcat read ${stamps.length} exchange messages`);
    const oldest = Math.min(...stamps);
    assert.ok(
      oldest >= started - 60_000,
      `exchange records are stamped ${new Date(oldest).toISOString()}, before the test started`,
    );
  } finally {
    await worker.stop();
    await client.deleteTopics((await client.listTopics()).filter((t) => t.startsWith(prefix)));
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
