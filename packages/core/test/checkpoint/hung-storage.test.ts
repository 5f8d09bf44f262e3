/**
 * A checkpoint storage whose write never settles (a hung network mount): as in Flink, the
 * checkpoint timeout covers the write. The checkpoint fails (counted), a savepoint rejects naming
 * the timeout and its folder, later checkpoints complete, a write that lands after its checkpoint
 * was aborted is deleted and never counted complete, and cancelling the job does not wait for the
 * hung write. A write that errors fails the savepoint at once, naming the folder; a savepoint into
 * a folder the file system refuses (under /proc, where Node's recursive mkdir never returns) too.
 * All through the CheckpointStorage seam (`checkpointing.storage`) and the public job client.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type CheckpointStorage, isFleuveError, StreamExecutionEnvironment } from "../../src/index.js";
import { memoryCheckpointStorage } from "../../src/testing/suites/index.js";
import { waitUntil } from "../wait-until.js";

/** A write the test holds: released (it then lands in the store) or never. */
interface HeldWrite {
  readonly folder: string;
  release(): void;
  /** True once the released write is in the store. */
  landed: boolean;
}

/** An in-memory storage whose writes hang while `holding` (as on a hung mount), or fail with `failWith`. */
function gatedStorage() {
  const inner = memoryCheckpointStorage();
  const state = { holding: false, failWith: undefined as NodeJS.ErrnoException | undefined };
  const held: HeldWrite[] = [];
  const storage: CheckpointStorage = {
    ...inner,
    async writeFolder(folder, files, metadata) {
      if (state.failWith) throw state.failWith;
      if (state.holding) {
        let release!: () => void;
        const gate = new Promise<void>((r) => {
          release = r;
        });
        const h: HeldWrite = { folder, release, landed: false };
        held.push(h);
        await gate;
        await inner.writeFolder(folder, files, metadata);
        h.landed = true;
        return;
      }
      await inner.writeFolder(folder, files, metadata);
    },
  };
  /** True when the store holds anything of `folder`. */
  const holds = (folder: string) => [...inner.objects.keys()].some((k) => k.startsWith(`${folder}/`));
  return { storage, state, held, holds, objects: inner.objects };
}

/** An endless, slow job checkpointing into `storage` every 10 ms with a 200 ms timeout. */
function endlessJob(storage: CheckpointStorage, dir: string, timeoutMs = 200) {
  const logs: string[] = [];
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    log: (line: string) => logs.push(line),
    checkpointing: { dir, intervalMs: 10, timeoutMs, storage },
  });
  env.fromGenerator((i) => i, { count: Number.POSITIVE_INFINITY, ratePerSecond: 500 }).forEach(() => {});
  return { client: env.executeAsync("hung-storage"), logs };
}

test("a checkpoint write that never settles times out: savepoint rejects, later checkpoints complete, a late write is not kept, cancel ends the job", async () => {
  const { storage, state, held, holds, objects } = gatedStorage();
  const dir = "/hung-mount/job";
  state.holding = true;
  const { client, logs } = endlessJob(storage, dir);
  const job = () => client.snapshot().job;
  try {
    // A periodic checkpoint's write hangs: its timeout fails it, naming the timeout and the folder.
    await waitUntil(() => held.length >= 1, "a checkpoint write to hang");
    const first = held[0]!;
    await waitUntil(() => job().checkpointsFailed >= 1, "the hung checkpoint to time out");
    await waitUntil(
      () => logs.some((l) => /timed out after 200 ms/.test(l) && l.includes(first.folder)),
      "a log line naming the timeout and the folder",
    );
    // It lands late, while every other write still hangs: deleted, never counted complete.
    first.release();
    await waitUntil(() => first.landed && !holds(first.folder), "the late write to land and be deleted");
    assert.equal(job().checkpointsCompleted, 0, "the late-landing checkpoint is not complete");
    assert.ok(
      ![...objects.keys()].some((k) => k.endsWith("/_metadata")),
      "no restorable checkpoint while every write hung",
    );

    // A savepoint whose write hangs rejects with the timeout and its folder.
    const failedBefore = job().checkpointsFailed;
    await assert.rejects(client.triggerSavepoint("/hung-mount/sp-1"), (e: unknown) => {
      assert.ok(isFleuveError(e) && e.code === "FLEUVE_CHECKPOINT_FAILED", String(e));
      assert.match(e.message, /timed out after 200 ms/);
      assert.match(e.message, /\/hung-mount\/sp-1/);
      return true;
    });
    assert.ok(job().checkpointsFailed > failedBefore, "the savepoint counts as a failed checkpoint");

    // The storage answers again: checkpoints complete. Held writes that land late are not kept.
    state.holding = false;
    await waitUntil(() => job().checkpointsCompleted >= 2, "checkpoints after the hung ones");
    for (const h of held) h.release();
    await waitUntil(
      () => held.every((h) => h.landed && !holds(h.folder)),
      "every late write to land and be deleted",
    );
    assert.equal(holds("/hung-mount/sp-1"), false, "the timed-out savepoint left nothing");

    // Shutdown with a write that never settles: cancel ends the job all the same.
    state.holding = true;
    const before = held.length;
    await waitUntil(() => held.length > before, "another checkpoint write to hang");
    client.cancel();
    await assert.rejects(
      client.result,
      (e: unknown) => isFleuveError(e) && e.code === "FLEUVE_JOB_CANCELLED",
    );
  } finally {
    client.cancel();
    await client.result.catch(() => {});
  }
});

test("a savepoint whose write fails (EACCES) rejects without waiting for the timeout, naming the folder", async () => {
  const { storage, state } = gatedStorage();
  // a timeout far beyond the test: the rejection comes from the write's error
  const { client } = endlessJob(storage, "/ro-mount/job", 3_600_000);
  const job = () => client.snapshot().job;
  try {
    await waitUntil(() => job().checkpointsCompleted >= 1, "a first checkpoint");
    state.failWith = Object.assign(new Error("EACCES: permission denied, open '/ro-mount/sp-2/_metadata'"), {
      code: "EACCES",
    });
    await assert.rejects(client.triggerSavepoint("/ro-mount/sp-2"), (e: unknown) => {
      assert.ok(isFleuveError(e) && e.code === "FLEUVE_CHECKPOINT_FAILED", String(e));
      assert.match(e.message, /could not be written to \/ro-mount\/sp-2: EACCES/);
      return true;
    });
    state.failWith = undefined;
    const done = job().checkpointsCompleted;
    await waitUntil(() => job().checkpointsCompleted > done, "a checkpoint after the failed savepoint");
  } finally {
    client.cancel();
    await client.result.catch(() => {});
  }
});

test("a savepoint into a folder under /proc rejects with the file system's error, naming the folder", async () => {
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    log: () => {},
    checkpointing: {
      dir: mkdtempSync(join(tmpdir(), "fleuve-proc-sp-")),
      intervalMs: 10,
      timeoutMs: 3_600_000,
    },
  });
  env.fromGenerator((i) => i, { count: Number.POSITIVE_INFINITY, ratePerSecond: 500 }).forEach(() => {});
  const client = env.executeAsync("proc-savepoint");
  const target = `/proc/fleuve-savepoint-${process.pid}/sp`;
  try {
    await assert.rejects(client.triggerSavepoint(target), (e: unknown) => {
      assert.ok(isFleuveError(e) && e.code === "FLEUVE_CHECKPOINT_FAILED", String(e));
      assert.ok(e.message.includes(target), e.message);
      assert.match(e.message, /ENOENT|EACCES|EROFS|EPERM/);
      return true;
    });
  } finally {
    client.cancel();
    await client.result.catch(() => {});
  }
});
