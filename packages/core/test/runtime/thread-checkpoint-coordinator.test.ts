/**
 * The main thread's coordinator of a job on worker threads, driven by hand (no threads): the two
 * trigger phases, `_metadata` written last once every worker acked its part (and restorable as
 * any checkpoint), completion and abort sent to every worker, subsumption and timeouts, the
 * `_metadata` write included (a hung storage: the savepoint rejects, a late write is not kept, stop
 * does not wait for it).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { serialize } from "node:v8";
import {
  type CheckpointStorage,
  loadCheckpoint,
  localCheckpointStorage,
  writeCheckpointPart,
} from "../../src/checkpoint/storage.js";
import { isFleuveError } from "../../src/index.js";
import {
  type CheckpointCommand,
  ThreadCheckpointCoordinator,
} from "../../src/runtime/thread-checkpoint-coordinator.js";
import { waitUntil } from "../wait-until.js";

/** Two workers, each holding subtask w of operator "op" (file task-0-w.bin). */
function coordinator(dir: string, timeoutMs = 600_000, storage: CheckpointStorage = localCheckpointStorage) {
  const sent: [number, CheckpointCommand][] = [];
  const lines: string[] = [];
  const co = new ThreadCheckpointCoordinator({
    checkpointing: {
      dir,
      intervalMs: 1_000_000,
      minPauseMs: 0,
      timeoutMs,
      maxConcurrent: 1,
      retained: 3,
      storage,
    },
    jobName: "protocol",
    maxParallelism: 128,
    operators: { op: { parallelism: 2, source: false, files: ["task-0-0.bin", "task-0-1.bin"] } },
    workers: 2,
    firstId: 7,
    send: (w, c) => sent.push([w, c]),
    log: (l) => lines.push(l),
  });
  return { co, sent, lines };
}

/** What worker `w` writes for checkpoint folder `folder`: its subtask's snapshot of "op". */
async function part(folder: string, w: number) {
  const files = new Map([[`task-0-${w}.bin`, serialize({ op: { custom: [`state of ${w}`] } })]]);
  return writeCheckpointPart(folder, files);
}

test("a savepoint: prepare on every worker, then start; _metadata once both acked; complete to both", async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-tcc-"));
  try {
    const { co, sent } = coordinator(join(root, "cp"));
    const sp = join(root, "sp");
    const done = co.savepoint(sp);
    // Phase 1 only: no worker starts its sources before every worker knows checkpoint 7.
    assert.deepEqual(sent.splice(0), [
      [0, { type: "prepare", id: 7, savepointDir: sp }],
      [1, { type: "prepare", id: 7, savepointDir: sp }],
    ]);
    co.prepared(1, 7);
    assert.deepEqual(sent, [], "one worker prepared: nothing starts yet");
    co.prepared(0, 7);
    assert.deepEqual(sent.splice(0), [
      [0, { type: "start", id: 7, stopSources: false }],
      [1, { type: "start", id: 7, stopSources: false }],
    ]);
    co.acked(0, 7, await part(sp, 0), []);
    // one part written: the folder is not a checkpoint yet
    await new Promise((r) => setImmediate(r));
    assert.ok(!existsSync(join(sp, "_metadata")), "no _metadata before every worker acked");
    co.acked(1, 7, await part(sp, 1), []);
    assert.equal(await done, sp);
    assert.deepEqual(sent.splice(0), [
      [0, { type: "complete", id: 7 }],
      [1, { type: "complete", id: 7 }],
    ]);
    // restorable like a one-thread savepoint: both subtasks' state, by file
    const cp = await loadCheckpoint(sp);
    assert.equal(cp.metadata.kind, "savepoint");
    assert.equal(cp.metadata.checkpointId, 7);
    assert.deepEqual(
      cp.operators.get("op")!.map((s) => s.custom),
      [["state of 0"], ["state of 1"]],
    );
    assert.equal(co.latestCompleted, 7);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a newer trigger subsumes a checkpoint not acked by every worker: abort to both, savepoint rejected", async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-tcc-"));
  try {
    const { co, sent } = coordinator(join(root, "cp"));
    const first = co.savepoint(join(root, "sp1"));
    co.prepared(0, 7);
    co.prepared(1, 7);
    co.acked(0, 7, await part(join(root, "sp1"), 0), []);
    sent.length = 0;
    const second = co.savepoint(join(root, "sp2"), true);
    await assert.rejects(
      first,
      (e) => isFleuveError(e, "FLEUVE_CHECKPOINT_FAILED") && /subsumed/.test(String(e)),
    );
    assert.deepEqual(sent.splice(0, 2), [
      [0, { type: "abort", id: 7 }],
      [1, { type: "abort", id: 7 }],
    ]);
    assert.deepEqual(sent.splice(0), [
      [0, { type: "prepare", id: 8, savepointDir: join(root, "sp2") }],
      [1, { type: "prepare", id: 8, savepointDir: join(root, "sp2") }],
    ]);
    co.prepared(0, 8);
    co.prepared(1, 8);
    assert.deepEqual(sent.splice(0), [
      [0, { type: "start", id: 8, stopSources: true }],
      [1, { type: "start", id: 8, stopSources: true }],
    ]);
    co.acked(1, 7, await part(join(root, "sp1"), 1), []); // late ack of the aborted one: ignored
    co.declined(0, 8, "disk full");
    await assert.rejects(
      second,
      (e) => isFleuveError(e, "FLEUVE_CHECKPOINT_FAILED") && /disk full/.test(String(e)),
    );
    assert.ok(!existsSync(join(root, "sp1", "_metadata")), "the aborted savepoint never completes");
    assert.equal(co.latestCompleted, 0);
    await co.stop("test over");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a `_metadata` write that hangs times out: savepoint rejected, abort to both, the late write deleted, stop returns", async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-tcc-"));
  // `_metadata` writes wait for the test (a hung mount); the workers' parts are written as usual
  const held: (() => void)[] = [];
  let landed = 0;
  const hung: CheckpointStorage = {
    ...localCheckpointStorage,
    async writeFolder(folder, files, metadata) {
      await new Promise<void>((r) => held.push(r));
      await localCheckpointStorage.writeFolder(folder, files, metadata);
      landed++;
    },
  };
  try {
    const { co, sent, lines } = coordinator(join(root, "cp"), 100, hung);
    const sp = join(root, "sp");
    const first = co.savepoint(sp);
    co.prepared(0, 7);
    co.prepared(1, 7);
    co.acked(0, 7, await part(sp, 0), []);
    co.acked(1, 7, await part(sp, 1), []);
    sent.length = 0;
    await assert.rejects(first, (e: unknown) => {
      assert.ok(isFleuveError(e, "FLEUVE_CHECKPOINT_FAILED"), String(e));
      assert.match(e.message, /timed out after 100 ms: its write to .*sp had not finished/);
      return true;
    });
    assert.deepEqual(sent.splice(0), [
      [0, { type: "abort", id: 7 }],
      [1, { type: "abort", id: 7 }],
    ]);
    // it lands late: never complete, and its folder goes
    held.shift()!();
    await waitUntil(() => landed === 1 && !existsSync(sp), "the late write to land and be deleted");
    assert.equal(co.latestCompleted, 0);
    assert.ok(
      lines.some((l) => /finished after it was aborted/.test(l)),
      lines.join("\n"),
    );
    // a second one hangs for ever: stop gives up on it after the timeout
    const second = co.savepoint(join(root, "sp2"));
    co.prepared(0, 8);
    co.prepared(1, 8);
    co.acked(0, 8, await part(join(root, "sp2"), 0), []);
    co.acked(1, 8, await part(join(root, "sp2"), 1), []);
    assert.equal(await co.stop("test over"), 0);
    await assert.rejects(second, /timed out after 100 ms/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
