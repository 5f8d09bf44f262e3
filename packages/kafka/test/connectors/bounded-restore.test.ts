/**
 * A bounded kafkaSource keeps its stopping offsets in checkpoints (as Flink's splits do): a job
 * restored after more records arrived still ends where the first run would have. Recomputing the
 * end at every start read past it, and right after a broker restart could stop short of it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { KafkaClient, kafkaSource } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();
const N = 1000;

function job(topic: string, dir: string, failAt: number | undefined, seen: number[]) {
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    batchSize: 10, // short steps, so checkpoints are taken between them
    checkpointing: { dir, intervalMs: 20 },
    restartStrategy: { type: "none" },
    ...(failAt === undefined ? { restoreFrom: dir } : {}),
    log: () => {},
  });
  env
    .fromSource(
      kafkaSource<null, number, Buffer>({
        bootstrap: BOOTSTRAP,
        topics: [topic],
        value: "json",
        bounded: true,
      }),
    )
    .map((r) => {
      // Slow enough that checkpoints complete while the first run reads.
      const until = Date.now() + 1;
      while (Date.now() < until) {}
      if (r.value === failAt) throw new Error("injected failure");
      return r.value;
    })
    .forEach((v) => {
      seen.push(v);
    });
  return env.execute("bounded-restore");
}

test("bounded kafkaSource restored after more input arrived stops at its checkpointed end", {
  ...options,
  timeout: 60_000,
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
    await assert.rejects(job(topic, dir, 700, first), /injected failure/);
    assert.ok(readdirSync(dir).length > 1, "the first run completed checkpoints while reading");
    await send(N, 2 * N); // arrives after the checkpoints of the first run
    const second: number[] = [];
    await job(topic, dir, undefined, second);
    assert.ok(second.length > 0, "the restored run read the rest of the input");
    assert.ok(
      second.every((v) => v < N),
      `the restored run read records beyond the end of the first run: ${second.filter((v) => v >= N).length}`,
    );
    assert.deepEqual(
      [...new Set([...first.filter((v) => v < 700), ...second])].sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => i),
      "together the two runs read every record up to the end",
    );
  } finally {
    await client.deleteTopics([topic]).catch(() => {});
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
