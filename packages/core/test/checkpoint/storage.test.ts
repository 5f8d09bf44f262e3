/**
 * Checkpoint storage is an interface: a job checkpoints into and restores from any
 * CheckpointStorage. Here an in-memory store stands for an object store (folders are key
 * prefixes, nothing touches the disk): failures injected mid-job restore from it and the
 * committed output is exact. (A state backend that reads its files by path, LMDB, is refused on
 * restore there: packages/state-lmdb/test/recovery.test.ts.)
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { type CheckpointStorage, isFleuveError } from "../../src/index.js";
import {
  FakeTransactionalStore as FakeStore,
  recoveryJob as job,
  memoryCheckpointStorage as memoryStorage,
  recoveryOracle as oracle,
} from "../../src/testing/suites/index.js";

test("a job checkpoints into and restores from a non-local CheckpointStorage: exact output", async () => {
  const storage = memoryStorage();
  const dir = join("/nonexistent-bucket", `job-${Date.now()}`);
  const store = new FakeStore();
  const n = 40_000;
  const env = job(dir, store, n, [9_999, 27_777], { storage });
  await env.executeAsync("storage").result;
  assert.deepEqual(store.committed.slice().sort(), oracle(n));
  const folders = await storage.list(dir);
  assert.ok(
    folders.some((f) => /^chk-\d+$/.test(f)),
    `checkpoints in the store: ${folders.join(", ")}`,
  );
  assert.ok(folders.length <= 4, `old checkpoints pruned through the storage (kept ${folders.length})`);
  assert.equal(existsSync(dir), false, "nothing was written to the local disk");
});

test("a CheckpointStorage missing an operation fails at start-up, naming the option", () => {
  const broken = { local: false, writeFolder: async () => {} } as unknown as CheckpointStorage;
  assert.throws(
    () => job("/x", new FakeStore(), 10, [], { storage: broken }),
    (e: unknown) =>
      isFleuveError(e) && e.code === "FLEUVE_CONFIG_INVALID" && /checkpointing.storage/.test(e.message),
  );
});
