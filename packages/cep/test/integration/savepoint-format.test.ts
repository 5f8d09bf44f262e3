/**
 * Savepoints of the CEP operator taken before its per-key state format changed (commit 5cad13a: a
 * key's one `timer` became the list of its `timers` and its place in the watermark queue) restore
 * and go on: the fixture `fixtures/savepoint-format-1/savepoint` was made by the code before that
 * commit (its README says how), in the middle of partial matches, with events waiting for the
 * watermark and the keys' timers pending. Resumed here, at the same and at another parallelism, the
 * job gives the matches and time-outs worked out by hand for the whole input. The same for the
 * dynamic-pattern operator (`CEP.dynamicPatterns`), whose fixture was taken after a rule replace,
 * with partial matches of the old version finishing under it.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink, ScriptedSource } from "@fleuve/core/testing";
import { expected, firstHalf, job, secondHalf } from "../fixtures/savepoint-format-1/job.js";
import * as dynamic from "../fixtures/savepoint-format-1-dynamic/job.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../fixtures");
const FIXTURE = join(FIXTURES, "savepoint-format-1/savepoint");
const DYNAMIC_FIXTURE = join(FIXTURES, "savepoint-format-1-dynamic/savepoint");

test("the fixture's input gives the expected lines in an uninterrupted run (the expectation is right)", async () => {
  const sink = new CollectSink<string>();
  const env = StreamExecutionEnvironment.create({ parallelism: 2, log: () => {} });
  job(env, new ScriptedSource([...firstHalf, ...secondHalf]), sink);
  await env.execute("uninterrupted");
  assert.deepEqual(sink.values().sort(), expected);
});

/**
 * Runs the second half of a fixture's job, wired by `wire`, at `parallelism` from a copy of its
 * savepoint (the run must not touch the committed fixture), and gives the lines it printed, sorted.
 */
async function resumeFrom(
  fixture: string,
  parallelism: number,
  wire: (env: StreamExecutionEnvironment, sink: CollectSink<string>) => void,
): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-cep-format-"));
  try {
    cpSync(fixture, join(dir, "sp"), { recursive: true });
    const sink = new CollectSink<string>();
    const env = StreamExecutionEnvironment.create({
      parallelism,
      log: () => {},
      checkpointing: { dir: join(dir, "cp"), intervalMs: 3_600_000 },
      restoreFrom: join(dir, "sp"),
    });
    wire(env, sink);
    await env.execute("resumed");
    return sink.values().sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const parallelism of [2, 3]) {
  test(`a savepoint in the state format before 5cad13a restores at parallelism ${parallelism} and completes its partial matches`, {
    timeout: 120_000,
  }, async () => {
    const lines = await resumeFrom(FIXTURE, parallelism, (env, sink) =>
      job(env, new ScriptedSource(secondHalf), sink),
    );
    // Nothing was emitted before the savepoint (the fixture's run printed no line).
    assert.deepEqual(lines, expected);
  });
}

test("the dynamic fixture's input gives the expected lines in an uninterrupted run (the expectation is right)", async () => {
  const sink = new CollectSink<string>();
  const env = StreamExecutionEnvironment.create({ parallelism: 2, log: () => {} });
  dynamic.job(
    env,
    new ScriptedSource([...dynamic.firstHalf, ...dynamic.secondHalf]),
    new ScriptedSource([...dynamic.rulesFirstHalf, ...dynamic.rulesSecondHalf]),
    sink,
  );
  await env.execute("uninterrupted");
  assert.deepEqual(sink.values().sort(), dynamic.expected);
});

for (const parallelism of [2, 3]) {
  test(`a dynamic-pattern savepoint in the state format before 5cad13a restores at parallelism ${parallelism}: both rule versions' partial matches complete`, {
    timeout: 120_000,
  }, async () => {
    const lines = await resumeFrom(DYNAMIC_FIXTURE, parallelism, (env, sink) =>
      dynamic.job(
        env,
        new ScriptedSource(dynamic.secondHalf),
        new ScriptedSource(dynamic.rulesSecondHalf),
        sink,
      ),
    );
    assert.deepEqual(lines, dynamic.expected);
  });
}
