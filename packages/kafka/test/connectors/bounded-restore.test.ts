/**
 * A bounded kafkaSource keeps its stopping offsets in checkpoints (as Flink's splits do): a job
 * restored after more records arrived still ends where the first run would have. Recomputing the
 * end at every start read past it, and right after a broker restart could stop short of it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type SourceOutput, StreamExecutionEnvironment } from "@fleuve/core";
import { heldSource } from "@fleuve/core/testing/suites";
import { KafkaClient, kafkaSource } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();
const N = 1000;
/** Records the first run reads before it holds for a checkpoint (the input has N). */
const HOLD_AFTER = 300;

/**
 * The job; with `failure`, its reader holds after HOLD_AFTER records until a checkpoint taken
 * while it holds (so one holding its stopping offsets and its position) is complete, and the job
 * fails at the next record, whose value goes to `failure.at`. The first run so always fails
 * mid-input with such a checkpoint to restore, however fast or slow the machine.
 */
function job(topic: string, dir: string, failure: { at?: number } | undefined, seen: number[]) {
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    batchSize: 10, // short steps, so checkpoints are taken between them
    checkpointing: { dir, intervalMs: 20 },
    restartStrategy: { type: "none" },
    ...(failure === undefined ? { restoreFrom: dir } : {}),
    log: () => {},
  });
  let released = false;
  const source = kafkaSource<null, number, Buffer>({
    bootstrap: BOOTSTRAP,
    topics: [topic],
    value: "json",
    bounded: true,
  });
  env
    .fromSource(
      failure
        ? heldSource(source, HOLD_AFTER, {
            closed: () => !released,
            onCheckpointWhileHeld: () => {
              released = true;
            },
          })
        : source,
    )
    .map((r) => {
      if (failure && released && failure.at === undefined) {
        failure.at = r.value;
        throw new Error("injected failure");
      }
      return r.value;
    })
    .forEach((v) => {
      seen.push(v);
    });
  return env.execute("bounded-restore");
}

test("bounded kafkaSource restored after more input arrived stops at its checkpointed end", {
  ...options,
  timeout: 300_000,
}, async () => {
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const topic = uniqueTopic("bounded");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-bounded-"));
  try {
    await client.createTopics([{ name: topic, partitions: 2 }]);
    const send = async (from: number, to: number) => {
      const p = client.producer({});
      await p.send(
        Array.from({ length: to - from }, (_, i) => ({
          topic,
          partition: (from + i) % 2,
          value: String(from + i),
        })),
      );
      await p.close();
    };
    await send(0, N);
    const first: number[] = [];
    const failure: { at?: number } = {};
    await assert.rejects(job(topic, dir, failure, first), /injected failure/);
    await send(N, 2 * N); // arrives after the checkpoints of the first run
    const second: number[] = [];
    await job(topic, dir, undefined, second);
    assert.ok(
      second.length > 0,
      `the restored run read the rest of the input (the first failed at ${failure.at})`,
    );
    assert.ok(
      second.every((v) => v < N),
      `the restored run read records beyond the end of the first run: ${second.filter((v) => v >= N).length}`,
    );
    assert.deepEqual(
      [...new Set([...first, ...second])].sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => i),
      "together the two runs read every record up to the end",
    );
  } finally {
    await client.deleteTopics([topic]).catch(() => {});
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bounded kafkaSource polled while it looks for its partitions does not end before reading them", {
  ...options,
  timeout: 300_000,
}, async () => {
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const topic = uniqueTopic("bounded-early");
  try {
    await client.createTopics([{ name: topic, partitions: 2 }]);
    const p = client.producer({});
    await p.send(Array.from({ length: 100 }, (_, i) => ({ topic, partition: i % 2, value: String(i) })));
    await p.close();
    const reader = kafkaSource<null, number, Buffer>({
      bootstrap: BOOTSTRAP,
      topics: [topic],
      value: "json",
      bounded: true,
    }).createReader({ subtaskIndex: 0, parallelism: 1, now: () => Date.now() });
    const got: number[] = [];
    const output: SourceOutput<{ value: number }> = {
      collect: (r) => {
        got.push(r.value);
      },
      emitWatermark() {},
      markIdle() {},
      forSplit: () => output,
      releaseSplit() {},
      reject: (_raw, reason) => assert.fail(reason),
    };
    // Polled as often as the event loop allows (a runtime may poll at any time, e.g. on a timer
    // while connecting takes long on a busy machine): "end" must wait for the partitions' records.
    try {
      const deadline = Date.now() + 120_000;
      while (reader.poll(output, 1000) !== "end") {
        assert.ok(Date.now() < deadline, `no end after reading ${got.length} records`);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      reader.close?.();
    }
    assert.deepEqual(
      got.sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
  } finally {
    await client.deleteTopics([topic]).catch(() => {});
    await client.close();
  }
});
