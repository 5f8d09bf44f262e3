/**
 * A scale-out unit's hand-over (the old owner's side of a two-phase move): its last checkpoint
 * stops the sources at the barrier, so restoring it replays nothing. Checked with an
 * at-least-once sink, where anything replayed would show twice: the records emitted before the
 * hand-over plus those of a run restored from its checkpoint are each number exactly once.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "../../src/index.js";
import { LocalExecutor } from "../../src/runtime/local-executor.js";

const N = 200_000;

/** The job: numbers, across a keyed channel between subtasks, into `out` (at-least-once). */
function executor(dir: string, out: number[], rate: number | undefined, restoreFrom?: string): LocalExecutor {
  const env = StreamExecutionEnvironment.create({
    parallelism: 2,
    checkpointing: { dir, intervalMs: 50 },
    ...(restoreFrom === undefined ? {} : { restoreFrom }),
    log: () => {},
  });
  env
    .fromGenerator((i) => i, { count: N, ...(rate === undefined ? {} : { ratePerSecond: rate }) })
    .uid("numbers")
    .keyBy((n) => n % 7)
    .map((n) => n)
    .uid("pass")
    .forEach((n) => {
      out.push(n);
    }, "collect");
  return new LocalExecutor(env.getStreamGraph(), env.config, "hand-over");
}

/** Ids of the completed checkpoints in `dir`. */
const completed = (dir: string) =>
  readdirSync(dir)
    .map((n) => /^chk-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(dir, m[0], "_metadata")))
    .map((m) => Number(m[1]));

test("a hand-over checkpoint stops the sources at its barrier: restored from it, nothing is replayed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-hand-over-"));
  try {
    const out: number[] = [];
    const first = executor(join(dir, "a"), out, 20_000);
    const client = first.start();
    // once it runs with checkpoints (a hand-over is not the first checkpoint)
    while (completed(join(dir, "a")).length === 0 || out.length === 0)
      await new Promise((r) => setTimeout(r, 10));
    const id = await first.handOver();
    const handed = out.length;
    client.cancel();
    await client.result.catch(() => {});
    assert.ok(handed < N, `handed over before the end: ${handed} of ${N}`);
    assert.equal(out.length, handed, "nothing emitted after the hand-over");
    assert.equal(Math.max(...completed(join(dir, "a"))), id, "the hand-over is the last checkpoint");

    const second = executor(join(dir, "b"), out, undefined, join(dir, "a", `chk-${id}`));
    await second.start().result;
    assert.equal(out.length, N, "every number once: none replayed, none lost");
    assert.deepEqual(
      out.slice().sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => i),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
