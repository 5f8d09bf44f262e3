/**
 * Lag per source split of logSource (SourceReader.splitMetrics): offsets between the next record
 * the reader emits and the head of each partition, exact for a known backlog; the consumer
 * group's committed lag as `kafka-consumer-groups --describe` computes it (head minus committed
 * offset); and in a running job, the lag a reporter samples falls to 0 once the job caught up.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type SourceOutput, StreamExecutionEnvironment } from "@fleuve/core";
import { logSource, openLog } from "../../src/index.js";
import { tmpDir } from "../helpers.js";

function append(log: ReturnType<typeof openLog>, topic: string, partition: number, n: number): void {
  log.topic(topic).append(
    Array.from({ length: n }, (_, i) => ({
      partition,
      key: null,
      value: Buffer.from(`v${i}`),
      timestamp: i,
    })),
  );
}

/** A SourceOutput that counts what it is given. */
function countingOutput(): SourceOutput<unknown> & { emitted: number } {
  const out = {
    emitted: 0,
    collect() {
      out.emitted++;
    },
    forSplit: () => out,
    releaseSplit() {},
    markIdle() {},
    markActive() {},
    reject() {},
    emitWatermark() {},
  };
  return out as unknown as SourceOutput<unknown> & { emitted: number };
}

test("a known backlog gives the exact lag per partition, which falls with each record read and rises with each appended", () => {
  const dir = tmpDir("fleuve-log-lag-");
  const log = openLog({ dir });
  try {
    log.createTopic("lag", { partitions: 2 });
    append(log, "lag", 0, 100);
    append(log, "lag", 1, 40);
    const reader = logSource<unknown>({
      log,
      topic: "lag",
      group: "watchers",
      deserialize: (r) => r.value,
      partitionAssignment: "by-index",
    }).createReader({ subtaskIndex: 0, parallelism: 1, now: () => 0 });
    assert.deepEqual(reader.splitMetrics!(), { 0: { recordsLag: 100 }, 1: { recordsLag: 40 } });
    const out = countingOutput();
    let read = 0;
    while (read < 30) {
      reader.poll(out, 30 - read);
      read = out.emitted;
    }
    const lag = reader.splitMetrics!();
    // 30 records read in all, from both partitions: 140 - 30 behind in total
    assert.equal(lag["0"]!.recordsLag! + lag["1"]!.recordsLag!, 110);
    while (reader.poll(out, 1000) === "more") {}
    assert.deepEqual(reader.splitMetrics!(), { 0: { recordsLag: 0 }, 1: { recordsLag: 0 } });
    append(log, "lag", 1, 7);
    assert.deepEqual(reader.splitMetrics!(), { 0: { recordsLag: 0 }, 1: { recordsLag: 7 } });
    // The group commits the positions of a completed checkpoint: its lag is head - committed.
    reader.snapshot!(1);
    reader.notifyCheckpointComplete!(1);
    append(log, "lag", 0, 5);
    assert.deepEqual(reader.splitMetrics!(), {
      0: { recordsLag: 5, committedRecordsLag: 5 },
      1: { recordsLag: 7, committedRecordsLag: 7 },
    });
    reader.close?.();
  } finally {
    log.close();
  }
});

test("in a running job the sampled lag of every partition falls to 0 once the job has read the backlog", async () => {
  const dir = tmpDir("fleuve-log-lag-job-");
  const log = openLog({ dir });
  log.createTopic("backlog", { partitions: 3 });
  for (let p = 0; p < 3; p++) append(log, "backlog", p, 2000 + p);
  log.close();
  let seen = 0;
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  env
    .fromSource(
      logSource<unknown>({ log: dir, topic: "backlog", deserialize: (r) => r.value }),
      undefined,
      "Backlog",
    )
    .map(() => {
      seen++;
      return 0;
    });
  const client = env.executeAsync("log-lag");
  try {
    const deadline = Date.now() + 5 * 60_000;
    let lags: Record<string, number> = {};
    for (;;) {
      const src = client.snapshot().operators.find((o) => o.operatorName === "Backlog");
      lags = Object.fromEntries(Object.entries(src?.splits ?? {}).map(([s, f]) => [s, f.recordsLag!]));
      if (seen === 6003 && Object.keys(lags).length === 3 && Object.values(lags).every((l) => l === 0)) break;
      assert.ok(Date.now() < deadline, `lag never reached 0: ${JSON.stringify(lags)} after ${seen} records`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(lags, { 0: 0, 1: 0, 2: 0 });
  } finally {
    client.cancel();
    await client.result.catch(() => {});
  }
});
