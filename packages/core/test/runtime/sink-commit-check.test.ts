/**
 * An exactly-once (two-phase-commit) sink commits only at checkpoints, or once when its input ends.
 * Fed by an unbounded source in a job without checkpointing it would commit nothing: the job is
 * refused at start, naming the sink and the fix. With checkpoints, or on bounded input, it runs.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  fileSink,
  isFleuveError,
  type PreCommitSinkWriter,
  StreamExecutionEnvironment,
  type TwoPhaseCommitSink,
} from "../../src/index.js";
import { committedLines } from "../sinks/committed-lines.js";

/** Resolves once `check` holds, polling; the test's own timeout bounds the wait. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Runs `env`'s job and says how it began: refused (the error) before any record reached the map in
 * front of the sink, or "records flowed". Cancels a job that runs.
 */
async function outcome(env: StreamExecutionEnvironment, seen: () => number): Promise<unknown> {
  const client = env.executeAsync("unbounded-to-exactly-once");
  let ended = false;
  const refused = client.result.then(
    () => "finished",
    (e: unknown) => e,
  );
  void refused.then(() => {
    ended = true;
  });
  const flowed = until(() => ended || seen() > 0).then(() => "records flowed");
  const first = await Promise.race([refused, flowed]);
  client.cancel();
  await client.result.catch(() => {});
  return first;
}

test("fileSink on an unbounded source without checkpoints: refused at start, naming the sink and the fix", async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-eos-nocp-"));
  try {
    let seen = 0;
    const env = StreamExecutionEnvironment.create({ log: () => {} });
    env
      .fromGenerator((i) => i, { count: Number.POSITIVE_INFINITY, name: "numbers" })
      .map((i) => {
        seen++;
        return i;
      })
      .sinkTo(fileSink<number>({ dir: join(root, "out") }), "files-out");
    const e = await outcome(env, () => seen);
    assert.ok(
      isFleuveError(e, "FLEUVE_CONFIG_INVALID"),
      `refused with FLEUVE_CONFIG_INVALID, got ${String(e)}`,
    );
    assert.match(e.message, /sink 'files-out' is exactly-once/);
    assert.match(e.message, /source 'numbers'/);
    assert.match(e.message, /Enable checkpointing/);
    assert.match(e.message, /at-least-once/);
    // The core names no connector: hints come from the sink itself.
    assert.doesNotMatch(e.message, /kafkaSink|logSink|--checkpoint-dir/);
    assert.deepEqual(e.details, { option: "checkpointing", sink: "files-out", source: "numbers" });
    assert.equal(seen, 0, "no record was processed");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a custom two-phase-commit sink defaults to needing checkpoints; needsCheckpoints: false runs", async () => {
  const sink = (needsCheckpoints: boolean | undefined): TwoPhaseCommitSink<number, number> => ({
    ...(needsCheckpoints === undefined ? {} : { needsCheckpoints }),
    createWriter: (): PreCommitSinkWriter<number, number> => ({
      write() {},
      prepareCommit: () => [],
    }),
    commit() {},
  });
  for (const needs of [undefined, true, false]) {
    let seen = 0;
    const env = StreamExecutionEnvironment.create({ log: () => {} });
    env
      .fromGenerator((i) => i, { count: Number.POSITIVE_INFINITY })
      .map((i) => {
        seen++;
        return i;
      })
      .sinkTo(sink(needs), "custom");
    const e = await outcome(env, () => seen);
    if (needs === false) assert.equal(e, "records flowed");
    else assert.ok(isFleuveError(e, "FLEUVE_CONFIG_INVALID"), `needsCheckpoints ${needs}: ${String(e)}`);
  }
});

test("the refusal carries the sink's own at-least-once hint", async () => {
  let seen = 0;
  const hinted: TwoPhaseCommitSink<number, number> = {
    atLeastOnceHint: "mySink option plain: true",
    createWriter: (): PreCommitSinkWriter<number, number> => ({ write() {}, prepareCommit: () => [] }),
    commit() {},
  };
  const env = StreamExecutionEnvironment.create({ log: () => {} });
  env
    .fromGenerator((i) => i, { count: Number.POSITIVE_INFINITY })
    .map((i) => {
      seen++;
      return i;
    })
    .sinkTo(hinted, "hinted");
  const e = await outcome(env, () => seen);
  assert.ok(isFleuveError(e, "FLEUVE_CONFIG_INVALID"), String(e));
  assert.match(e.message, /use an at-least-once sink \(mySink option plain: true\)/);
});

test("fileSink on an unbounded source with checkpoints runs and commits", async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-eos-cp-"));
  try {
    const env = StreamExecutionEnvironment.create({
      checkpointing: { dir: join(root, "cp"), intervalMs: 20 },
      log: () => {},
    });
    env
      .fromGenerator((i) => i, { count: Number.POSITIVE_INFINITY, ratePerSecond: 10_000 })
      .sinkTo(fileSink<number>({ dir: join(root, "out") }), "files-out");
    const client = env.executeAsync("unbounded-with-checkpoints");
    let failed: unknown;
    client.result.catch((e: unknown) => {
      failed = e;
    });
    await until(() => failed !== undefined || committedLines(join(root, "out")).length > 0);
    assert.equal(failed, undefined, "the job runs");
    client.cancel();
    await client.result.catch(() => {});
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("fileSink on bounded input without checkpoints runs and commits everything at the end (as Flink)", async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-eos-bounded-"));
  try {
    const env = StreamExecutionEnvironment.create({ parallelism: 2, log: () => {} });
    env.fromSequence(0, 999).sinkTo(fileSink<number>({ dir: join(root, "out") }), "files-out");
    await env.execute("bounded-no-checkpoints");
    const got = committedLines(join(root, "out"))
      .map(Number)
      .sort((a, b) => a - b);
    assert.deepEqual(
      got,
      Array.from({ length: 1000 }, (_, i) => i),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
