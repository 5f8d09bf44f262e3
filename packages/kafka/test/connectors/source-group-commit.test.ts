/**
 * kafkaSource commits the offsets of each completed checkpoint to its `group` without joining it
 * (Flink's KafkaSource does the same: OffsetCommit with generation -1 and no member id), against
 * the real broker: the group's offsets as an admin client describes them (what
 * `kafka-consumer-groups.sh --describe` prints) are the checkpointed positions, and the job's
 * snapshot reports the committed lag of every split. Before, the commits went through a consumer
 * that never joined the group, which the broker refused ("Connection closed"), so the group had no
 * offsets and the committed lag never appeared.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { KafkaClient, kafkaSource } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();

/** Polls `check` until it returns a value, within a generous deadline (a busy CI machine). */
async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A job reading `topic` with `group`, checkpointing every 50 ms, that counts what it reads. */
function countingJob(name: string, o: { topic: string; group: string; dir: string; logged: string[] }) {
  let seen = 0;
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    checkpointing: { dir: o.dir, intervalMs: 50 },
    log: (line) => o.logged.push(line),
  });
  env
    .fromSource(
      kafkaSource<null, string, Buffer>({
        bootstrap: BOOTSTRAP,
        topics: [o.topic],
        value: "string",
        group: o.group,
      }),
      WatermarkStrategy.noWatermarks(),
      "In",
    )
    .map(() => {
      seen++;
      return 0;
    });
  const job = env.executeAsync(name);
  return {
    job,
    get seen() {
      return seen;
    },
  };
}

test("kafkaSource commits checkpointed offsets to its group and reports the committed lag", {
  ...options,
  timeout: 300_000,
}, async () => {
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const topic = uniqueTopic("group-commit");
  const group = uniqueTopic("group-commit-g");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-kafka-group-commit-"));
  const producer = client.producer();
  const logged: string[] = [];
  let job: ReturnType<StreamExecutionEnvironment["executeAsync"]> | undefined;
  try {
    await client.createTopics([{ name: topic, partitions: 2 }]);
    const records = (partition: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ topic, partition, value: Buffer.from(`v${i}`) }));
    await producer.send([...records(0, 60), ...records(1, 25)]);
    const counting = countingJob("group-commit", { topic, group, dir, logged });
    job = counting.job;
    const running = job;
    const want = new Map([
      [`${topic}:0`, 60n],
      [`${topic}:1`, 25n],
    ]);
    // The group holds every partition's end once a checkpoint after the last record completed.
    const committed = await until("the group's offsets", async () => {
      const offsets = await client.groupOffsets(group);
      return counting.seen === 85 && offsets.get(`${topic}:0`) === 60n && offsets.get(`${topic}:1`) === 25n
        ? offsets
        : undefined;
    });
    assert.deepEqual(committed, want);
    const splits = await until("the committed lag in the job's snapshot", () => {
      const s = running.snapshot().operators.find((o) => o.operatorName === "In")?.splits;
      return s?.[`${topic}-0`]?.committedRecordsLag !== undefined &&
        s[`${topic}-1`]?.committedRecordsLag !== undefined
        ? s
        : undefined;
    });
    // The lag figures only: the split figures also carry each split's watermark and idleness.
    const lags = Object.fromEntries(
      Object.entries(splits).map(([split, f]) => [
        split,
        { recordsLag: f.recordsLag, committedRecordsLag: f.committedRecordsLag },
      ]),
    );
    assert.deepEqual(lags, {
      [`${topic}-0`]: { recordsLag: 0, committedRecordsLag: 0 },
      [`${topic}-1`]: { recordsLag: 0, committedRecordsLag: 0 },
    });
    // 7 more records on partition 1: read, then committed by a later checkpoint.
    await producer.send(records(1, 7));
    await until("the new offset in the group", async () =>
      (await client.groupOffsets(group)).get(`${topic}:1`) === 32n ? true : undefined,
    );
    assert.equal(counting.seen, 92);
    assert.deepEqual(
      logged.filter((l) => l.includes("committing offsets")),
      [],
      "no commit failed",
    );
    running.cancel();
    await running.result.catch(() => {});
    // A new job starting from the group's offsets reads only what came after them.
    await producer.send(records(0, 3));
    const after: string[] = [];
    const env2 = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
    env2
      .fromSource(
        kafkaSource<null, string, Buffer>({
          bootstrap: BOOTSTRAP,
          topics: [topic],
          value: "string",
          group,
          startingOffsets: "committed",
          bounded: true,
        }),
        WatermarkStrategy.noWatermarks(),
        "Again",
      )
      .map((r) => {
        after.push(`${r.partition}:${r.offset}`);
        return 0;
      });
    await env2.execute("group-commit-again");
    assert.deepEqual(after.sort(), ["0:60", "0:61", "0:62"]);
  } finally {
    job?.cancel();
    await job?.result.catch(() => {});
    await producer.close();
    await client.deleteTopics([topic]).catch(() => {});
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("kafkaSource says why when its group commits fail (a group with running members) and goes on", {
  ...options,
  timeout: 300_000,
}, async () => {
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const topic = uniqueTopic("group-busy");
  const group = uniqueTopic("group-busy-g");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-kafka-group-busy-"));
  const producer = client.producer();
  // A running member of the same group: the broker refuses commits from outside it.
  const member = client.consumer({ "group.id": group });
  const logged: string[] = [];
  let job: ReturnType<StreamExecutionEnvironment["executeAsync"]> | undefined;
  try {
    await client.createTopics([{ name: topic, partitions: 1 }]);
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic, value: `v${i}` })));
    const stream = await member.subscribe([topic]);
    const counting = countingJob("group-busy", { topic, group, dir, logged });
    job = counting.job;
    const running = job;
    const warning = await until("the commit warning", () =>
      logged.find((l) => l.includes(`committing offsets to consumer group "${group}" failed`)),
    );
    assert.match(warning, /^warning: kafkaSource: /);
    // The job goes on: it read everything and keeps checkpointing.
    await until("the records and more checkpoints", () => {
      const done = running.snapshot().job.checkpointsCompleted;
      return counting.seen === 10 && done >= 6 ? true : undefined;
    });
    // Said once per reason (the broker's reason may change as the member's group rebalances), not
    // at every checkpoint.
    const warnings = logged.filter((l) => l.includes("committing offsets"));
    assert.equal(new Set(warnings).size, warnings.length, warnings.join("\n"));
    assert.ok(warnings.length < running.snapshot().job.checkpointsCompleted);
    await stream.close();
  } finally {
    job?.cancel();
    await job?.result.catch(() => {});
    await member.close().catch(() => {});
    await producer.close();
    await client.deleteTopics([topic]).catch(() => {});
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
