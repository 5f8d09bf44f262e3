/**
 * Idleness crosses Kafka exchanges, against the real broker: a `--group` job reads a topic of two
 * partitions of which one never gets data (its source subtask is marked idle by `withIdleness`),
 * and its windows, one exchange further, fire as they do in one process: the idle subtask does not
 * hold their watermark back. Compared with a brute-force oracle of the windows due. Without
 * idleness in the exchange protocol, no window ever fires and this test times out.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defineJob, TumblingEventTimeWindows, WatermarkStrategy } from "@fleuve/core";
import { KafkaClient, kafkaSource, startGroupWorker } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();
const JOB = "idle-exchange";
const WINDOW = 10;
/** Windows [0, 10), ..., [90, 100) of each key are checked. */
const CHECKED = 10;
const KEYS = 3;

interface Ev {
  k: number;
  ts: number;
}

test("a --group job's windows fire behind an idle source partition, as in one process", {
  ...options,
  timeout: 240_000,
}, async (t) => {
  const input = uniqueTopic("idle-in");
  const group = uniqueTopic("idle");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-exchange-idle-"));
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  await client.createTopics([{ name: input, partitions: 2, config: OLD_TIMESTAMPS }]);
  const producer = client.producer();
  const fired: string[] = [];
  const job = defineJob({
    name: JOB,
    build(env) {
      env
        .fromSource(
          kafkaSource<null, Ev, Buffer>({ bootstrap: BOOTSTRAP, topics: [input], value: "json" }),
          WatermarkStrategy.forBoundedOutOfOrderness<{ value: Ev }>(0)
            .withTimestampAssigner((r) => r.value.ts)
            .withIdleness(300),
          "input",
        )
        .map((r) => ({ k: r.value.k, n: 1, start: Math.floor(r.value.ts / WINDOW) * WINDOW }))
        .keyBy((e) => e.k) // the exchange
        .window(TumblingEventTimeWindows.of(WINDOW))
        .reduce((a, b) => ({ k: a.k, n: a.n + b.n, start: a.start }))
        .forEach((w) => {
          fired.push(`${w.k}@${w.start}=${w.n}`);
        });
    },
  });
  const worker = await startGroupWorker({
    job,
    group,
    bootstrap: BOOTSTRAP,
    checkpointDir: dir,
    checkpointIntervalMs: 200,
    parallelism: 2,
    log: () => {},
  });
  // Partition 0 gets records with increasing timestamps for as long as the test runs, so its
  // subtask stays active and its watermark goes on; partition 1 gets nothing.
  let next = 0;
  let producing = true;
  const produce = (async () => {
    while (producing) {
      const batch = Array.from({ length: 5 }, () => {
        const ts = next++;
        return { topic: input, partition: 0, value: JSON.stringify({ k: ts % KEYS, ts }), timestamp: ts };
      });
      await producer.send(batch);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const due = () => fired.filter((f) => Number(f.split("@")[1]!.split("=")[0]) < CHECKED * WINDOW);
  try {
    while (due().length < CHECKED * KEYS) {
      if (t.signal.aborted) throw new Error(`windows fired so far: ${fired.join(", ") || "none"}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const expected: string[] = [];
    for (let w = 0; w < CHECKED; w++)
      for (let k = 0; k < KEYS; k++) {
        let n = 0;
        for (let ts = w * WINDOW; ts < (w + 1) * WINDOW; ts++) if (ts % KEYS === k) n++;
        expected.push(`${k}@${w * WINDOW}=${n}`);
      }
    assert.deepEqual(due().sort(), expected.sort());
  } finally {
    producing = false;
    await produce.catch(() => {});
    await worker.stop();
    await producer.close().catch(() => {});
    await client.deleteTopics(
      (await client.listTopics()).filter((n) => n === input || n.startsWith(`fleuve-${group}-`)),
    );
    await client.close();
    rmSync(dir, { recursive: true, force: true });
    // as in exchange-purge.test.ts: a stopped worker sometimes leaves broker sockets open
    setTimeout(() => process.exit(), 10_000).unref();
  }
});
