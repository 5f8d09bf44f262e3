/**
 * A savepoint taken by a job running in one process restores into a scale-out `--group` job at
 * another parallelism, against the real broker: each unit takes its subtask's share of the
 * whole-job savepoint (source positions, keyed state by key group) and ignores the other units'
 * operators; the totals are those of one uninterrupted run, each emitted once (nothing replayed
 * twice, nothing lost).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type AggregateFunction,
  defineJob,
  type ProcessWindowFunction,
  runJob,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "@fleuve/core";
import { KafkaClient, startGroupWorker } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();
const JOB = "group-from-savepoint";
const N = 6000;
const KEYS = 3;

interface Totals {
  count: number;
  sum: number;
}

const totals: AggregateFunction<number, Totals, Totals> = {
  createAccumulator: () => ({ count: 0, sum: 0 }),
  add: (n, acc) => ({ count: acc.count + 1, sum: acc.sum + n }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ count: a.count + b.count, sum: a.sum + b.sum }),
};

const label: ProcessWindowFunction<Totals, string, number, TimeWindow> = {
  process(key, _ctx, [t], out) {
    out.collect(`${key}: ${t!.count} numbers, sum ${t!.sum}`);
  },
};

/** The totals of one uninterrupted run. */
function oracle(): string[] {
  const t = new Map<number, Totals>();
  for (let n = 0; n < N; n++) {
    const acc = t.get(n % KEYS) ?? { count: 0, sum: 0 };
    t.set(n % KEYS, { count: acc.count + 1, sum: acc.sum + n });
  }
  return [...t].map(([k, v]) => `${k}: ${v.count} numbers, sum ${v.sum}`).sort();
}

test("a savepoint of a one-process job restores into a --group job at another parallelism: exact totals", {
  ...options,
  timeout: 300_000,
}, async (t) => {
  const group = uniqueTopic("from-sp");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-group-sp-"));
  let seen = 0;
  const out: string[] = [];
  const job = defineJob({
    name: JOB,
    build(env) {
      return env
        .fromGenerator((i) => i, {
          count: N,
          ratePerSecond: 1000,
          // event time = the number: one window holds them all, so it fires at the end of input
          strategy: WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((n) => n),
        })
        .setParallelism(2) // a position per subtask: the same 2 source subtasks in both runs
        .uid("numbers")
        .map((n) => {
          seen++;
          return n;
        })
        .uid("seen")
        .keyBy((n) => n % KEYS)
        .window(TumblingEventTimeWindows.of<number>(1_000_000))
        .aggregate(totals, label)
        .uid("totals"); // returned: collected, as by `fleuve run`
    },
  });

  // 1. In one process (window parallelism 1), as `fleuve run` runs it: stop it mid-stream with a
  // savepoint.
  const client = await runJob(job, { parallelism: 1 });
  while (seen < 1000) {
    if (t.signal.aborted) throw new Error(`the job saw ${seen} numbers only`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const savepoint = await client.stopWithSavepoint(join(dir, "savepoints"));
  const first = await client.result;
  assert.ok(seen < N, `stopped mid-stream (${seen} of ${N} numbers seen)`);
  assert.deepEqual(first.collected, [], "stopped before the end of input: no totals yet");

  // 2. The same job with --group at parallelism 3 (2 source units, 3 of each other task), from it.
  const failures: unknown[] = [];
  const starts: string[] = [];
  const worker = await startGroupWorker({
    job,
    group,
    bootstrap: BOOTSTRAP,
    checkpointDir: join(dir, "checkpoints"),
    checkpointIntervalMs: 300,
    parallelism: 3,
    restoreFrom: savepoint,
    collect: (line) => out.push(line as string),
    log: (line) => {
      if (/failed/.test(line)) failures.push(line);
      if (/: starting /.test(line)) starts.push(line);
    },
  });
  worker.failed.catch((e: unknown) => failures.push(e));
  const admin = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  try {
    let started = false;
    while (!started || worker.running().length > 0) {
      if (t.signal.aborted) throw new Error(`still running: ${worker.running().join(", ")}`);
      assert.deepEqual(failures, [], "no unit failed");
      if (worker.running().length > 0) started = true;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(failures, [], "no unit failed");
    assert.equal(starts.length, worker.units.length, starts.join("\n"));
    for (const line of starts) assert.ok(line.includes(`starting from ${savepoint}`), line);
    assert.deepEqual([...out].sort(), oracle(), "each total once, exactly");
  } finally {
    await worker.stop();
    await admin.deleteTopics((await admin.listTopics()).filter((n) => n.startsWith(`fleuve-${group}-`)));
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
    // as in exchange-purge.test.ts: a stopped worker sometimes leaves broker sockets open
    setTimeout(() => process.exit(), 10_000).unref();
  }
});
