/**
 * A bounded `--group` job ends, against the real broker: its source units end, their end markers
 * cross the Kafka exchange, and the receiving units end too (their exchange source is bounded
 * when the job's sources are) with every key's total, as the same job in one process. Before,
 * an exchange source said it never ends and failed once every sender had ended.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defineJob } from "@fleuve/core";
import { KafkaClient, startGroupWorker } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();
const JOB = "bounded-exchange";
const N = 500;
const KEYS = 5;

test("a bounded --group job ends: end markers cross the exchange and every unit finishes", {
  ...options,
  timeout: 240_000,
}, async (t) => {
  const group = uniqueTopic("ends");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-exchange-end-"));
  const totals = new Map<number, number>();
  const job = defineJob({
    name: JOB,
    build(env) {
      env
        .fromCollection(Array.from({ length: N }, (_, i) => ({ k: i % KEYS, v: i })))
        .keyBy((e) => e.k) // the exchange
        .reduce((a, b) => ({ k: a.k, v: a.v + b.v }))
        .forEach((e) => {
          // running sums only grow: the largest of each key is its total
          totals.set(e.k, Math.max(totals.get(e.k) ?? 0, e.v));
        });
    },
  });
  const failures: unknown[] = [];
  const worker = await startGroupWorker({
    job,
    group,
    bootstrap: BOOTSTRAP,
    checkpointDir: dir,
    checkpointIntervalMs: 200,
    parallelism: 2,
    log: (line) => {
      if (/failed/.test(line)) failures.push(line);
    },
  });
  worker.failed.catch((e: unknown) => failures.push(e));
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  try {
    // every unit started, then finished
    let started = false;
    while (!started || worker.running().length > 0) {
      if (t.signal.aborted) throw new Error(`still running: ${worker.running().join(", ")}`);
      assert.deepEqual(failures, [], "no unit failed");
      if (worker.running().length > 0) started = true;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(failures, [], "no unit failed");
    const expected = new Map<number, number>();
    for (let i = 0; i < N; i++) expected.set(i % KEYS, (expected.get(i % KEYS) ?? 0) + i);
    assert.deepEqual(new Map([...totals].sort()), new Map([...expected].sort()));
  } finally {
    await worker.stop();
    await client.deleteTopics((await client.listTopics()).filter((n) => n.startsWith(`fleuve-${group}-`)));
    await client.close();
    rmSync(dir, { recursive: true, force: true });
    // as in exchange-purge.test.ts: a stopped worker sometimes leaves broker sockets open
    setTimeout(() => process.exit(), 10_000).unref();
  }
});
