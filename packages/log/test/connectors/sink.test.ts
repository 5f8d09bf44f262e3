/**
 * logSink commits its transactions at checkpoints: fed by an unbounded logSource in a job without
 * checkpointing it would commit nothing and leave them open, so the job is refused at start. With
 * checkpoints it commits; at least once (the default) it appends directly and needs none.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { type Log, logSink, logSource, openLog } from "../../src/index.js";

/** A log with topic "in" holding 1..5 and an empty topic "out". */
function setUp(dir: string): Log {
  const log = openLog({ dir });
  log.createTopic("in", { partitions: 1 });
  log.createTopic("out", { partitions: 1 });
  log.topic("in").append([1, 2, 3, 4, 5].map((n) => ({ key: null, value: Buffer.from(String(n)) })));
  return log;
}

/** An unbounded job "in" -> "out" through a logSink. */
function build(
  env: StreamExecutionEnvironment,
  log: Log,
  deliveryGuarantee: "at-least-once" | "exactly-once",
  batchSize: number | undefined = 1,
): void {
  env
    .fromSource(
      logSource<string>({ log, topic: "in", deserialize: (r) => r.value!.toString() }),
      undefined,
      "numbers-in",
    )
    .sinkTo(
      logSink<string>({
        log,
        topic: "out",
        deliveryGuarantee,
        // the at-least-once writer appends when its buffer is full, after lingerMs, or at a checkpoint
        batchSize,
        serialize: (v) => ({ key: null, value: Buffer.from(v) }),
      }),
      "numbers-out",
    );
}

/** Values of "out" a read_committed reader sees. */
function committed(log: Log): string[] {
  return log
    .topic("out")
    .partition(0)
    .fetch(0, { isolation: "read_committed" })
    .records.map((r) => r.value!.toString());
}

/** Runs the job until "out" shows 1..5 to a read_committed reader (or the job fails), then cancels it. */
async function runUntilCommitted(env: StreamExecutionEnvironment, log: Log): Promise<void> {
  const job = env.executeAsync("log-out");
  let failed: unknown;
  job.result.catch((e: unknown) => {
    failed = e;
  });
  while (failed === undefined && committed(log).length < 5) await new Promise((r) => setTimeout(r, 20));
  const failedWhileRunning = failed;
  job.cancel();
  await job.result.catch(() => {});
  assert.equal(failedWhileRunning, undefined, `the job runs: ${String(failedWhileRunning)}`);
  assert.deepEqual(committed(log).sort(), ["1", "2", "3", "4", "5"]);
}

test("exactly-once logSink on an unbounded source without checkpoints: refused at start, naming the sink", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-logsink-nocp-"));
  const log = setUp(join(dir, "log"));
  try {
    const env = StreamExecutionEnvironment.create({ log: () => {} });
    build(env, log, "exactly-once");
    // Refused, or running: then its writer opens a transaction, and the job is cancelled.
    const job = env.executeAsync("log-out");
    let ended = false;
    const outcome = job.result.then(
      () => "finished",
      (e: unknown) => e,
    );
    void outcome.then(() => {
      ended = true;
    });
    while (!ended && log.transactions().length === 0) await new Promise((r) => setTimeout(r, 20));
    job.cancel();
    const e = await outcome;
    assert.ok(isFleuveError(e, "FLEUVE_CONFIG_INVALID"), String(e));
    assert.match(e.message, /sink 'numbers-out' is exactly-once/);
    assert.match(e.message, /source 'numbers-in'/);
    assert.match(e.message, /Enable checkpointing/);
    assert.match(e.message, /use an at-least-once sink \(logSink deliveryGuarantee: "at-least-once"\)/);
    assert.deepEqual(log.transactions(), [], "no transaction was opened");
  } finally {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("exactly-once logSink with checkpoints runs and commits", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-logsink-cp-"));
  const log = setUp(join(dir, "log"));
  try {
    const env = StreamExecutionEnvironment.create({
      checkpointing: { dir: join(dir, "cp"), intervalMs: 20 },
      log: () => {},
    });
    build(env, log, "exactly-once");
    await runUntilCommitted(env, log);
  } finally {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("logSink at least once (the default) runs without checkpoints", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-logsink-plain-"));
  const log = setUp(join(dir, "log"));
  try {
    const env = StreamExecutionEnvironment.create({ log: () => {} });
    build(env, log, "at-least-once");
    await runUntilCommitted(env, log);
  } finally {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("logSink at least once appends a slow input's records after lingerMs, not only when a batch is full", {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-logsink-linger-"));
  const log = setUp(join(dir, "log"));
  try {
    const env = StreamExecutionEnvironment.create({ log: () => {} });
    // 5 records and the default batch of 1024: without the linger they would wait forever
    build(env, log, "at-least-once", undefined);
    await runUntilCommitted(env, log);
  } finally {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("logSink rejects a bad lingerMs when the sink is built, naming the option", () => {
  for (const lingerMs of [-1, Number.NaN, Number.POSITIVE_INFINITY, "5" as unknown as number]) {
    assert.throws(
      () =>
        logSink<string>({
          log: "unused-dir",
          topic: "out",
          deliveryGuarantee: "at-least-once",
          lingerMs,
          serialize: (v) => ({ key: null, value: Buffer.from(v) }),
        }),
      (e: unknown) => isFleuveError(e, "FLEUVE_CONFIG_INVALID") && /'lingerMs'/.test(e.message),
      `lingerMs ${String(lingerMs)}`,
    );
  }
});

test("a linger append that throws does not crash the process: the writer's next call throws it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-logsink-linger-fail-"));
  const log = setUp(join(dir, "log"));
  try {
    const sink = logSink<string>({
      log,
      topic: "out",
      deliveryGuarantee: "at-least-once",
      lingerMs: 0,
      serialize: (v) => ({ key: null, value: Buffer.from(v) }),
    });
    const writer = sink.createWriter({ subtaskIndex: 0, parallelism: 1 } as never);
    // The disk fills up: every append throws from now on.
    const diskFull = new Error("ENOSPC: no space left on device");
    let appends = 0;
    (log as { topic: unknown }).topic = () => ({
      append: () => {
        appends++;
        throw diskFull;
      },
    });
    writer.write("1", undefined);
    while (appends === 0) await new Promise((r) => setTimeout(r, 5)); // the linger timer fired
    // Kept for the task: its next call fails, so the job's restart strategy sees it.
    assert.throws(
      () => writer.write("2", undefined),
      (e: unknown) => e === diskFull,
    );
    assert.throws(
      () => writer.prepareCommit(1),
      (e: unknown) => e === diskFull,
    );
    assert.throws(
      () => writer.finish!(),
      (e: unknown) => e === diskFull,
    );
    assert.throws(
      () => writer.close!(),
      (e: unknown) => e === diskFull,
    );
    assert.equal(appends, 1, "the timer is not re-armed against a failing log");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
