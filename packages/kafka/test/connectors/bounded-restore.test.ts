/**
 * A bounded kafkaSource keeps its stopping offsets in checkpoints (as Flink's splits do): a job
 * restored after more records arrived still ends where the first run would have. Recomputing the
 * end at every start read past it, and right after a broker restart could stop short of it.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { KafkaClient, kafkaSource } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();
const N = 1000;

/** Ids of the checkpoints in `dir`; only complete ones (`_metadata` is written last) with `complete`. */
const checkpointIds = (dir: string, complete: boolean) =>
  readdirSync(dir)
    .map((d) => /^chk-(\d+)$/.exec(d))
    .filter(
      (m): m is RegExpExecArray => m !== null && (!complete || existsSync(join(dir, m[0], "_metadata"))),
    )
    .map((m) => Number(m[1]));

/**
 * The job; with `failure`, it fails at the first record it maps once a checkpoint triggered after
 * its first record is complete (so one that holds the source's stopping offsets: one taken before
 * the source found its partitions holds none, as in Flink), and records that value in
 * `failure.at`. The first run so always fails mid-input with such a checkpoint to restore.
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
  let after: number | undefined;
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
      // Checkpoints are taken one at a time: at most one with an id above the highest folder
      // seen now was triggered before this first record.
      after ??= Math.max(0, ...checkpointIds(dir, false)) + 2;
      // Slow enough that checkpoints complete while the first run reads (the failure waits for one
      // anyway: this only keeps the first run from reading all its input first).
      const until = Date.now() + 1;
      while (Date.now() < until) {}
      if (failure && failure.at === undefined && checkpointIds(dir, true).some((id) => id >= after!)) {
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
