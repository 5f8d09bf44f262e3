/**
 * A scale-out unit's checkpoint epochs keep a zombie owner (a process that lost the unit without
 * knowing yet) from committing output that its new owner replays: whenever the zombie's checkpoint
 * write succeeds (so its sinks and exchanges would commit that checkpoint's transactions), the new
 * owner restores that checkpoint, not an older one. Every interleaving of the zombie's two steps
 * (write `_metadata`, then look for a newer epoch) with the new owner's storage operations is run,
 * step by step, in memory: no broker, no timing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { CheckpointStorage } from "../../src/index.js";
import { ownerStorage, takeEpoch } from "../../src/scale-out/unit-epochs.js";

const ROOT = "/ckpt/job/unit-0";

/** Checkpoint storage in memory: folders are path prefixes. */
function memoryStorage(): CheckpointStorage {
  const files = new Map<string, Buffer>();
  return {
    local: false,
    async writeFolder(folder, contents, metadata) {
      for (const [name, data] of contents) files.set(join(folder, name), data);
      files.set(join(folder, "_metadata"), Buffer.from(metadata));
    },
    async readFile(folder, name) {
      return files.get(join(folder, name));
    },
    async list(root) {
      const names = new Set<string>();
      for (const k of files.keys())
        if (k.startsWith(`${root}/`)) names.add(k.slice(root.length + 1).split("/")[0]!);
      return [...names];
    },
    async remove(folder) {
      for (const k of [...files.keys()]) if (k.startsWith(`${folder}/`)) files.delete(k);
    },
  };
}

/** A promise and its resolve function. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * A storage whose every operation first awaits `before(n)` and, once done, calls `after(n)`; n
 * counts its operations from 0.
 */
function stepped(
  inner: CheckpointStorage,
  before: (n: number) => Promise<void>,
  after: (n: number) => void = () => {},
): CheckpointStorage {
  let count = 0;
  const step = async <R>(op: () => Promise<R>): Promise<R> => {
    const n = count++;
    await before(n);
    try {
      return await op();
    } finally {
      after(n);
    }
  };
  return {
    local: inner.local,
    writeFolder: (f, c, m) => step(() => inner.writeFolder(f, c, m)),
    readFile: (f, name) => step(() => inner.readFile(f, name)),
    list: (r) => step(() => inner.list(r)),
    remove: (f) => step(() => inner.remove(f)),
  };
}

/** A valid, empty checkpoint's `_metadata`. */
const metadata = (id: number) =>
  JSON.stringify({
    version: 1,
    checkpointId: id,
    kind: "checkpoint",
    jobName: "job",
    createdAt: new Date(0).toISOString(),
    maxParallelism: 128,
    operators: {},
    files: {},
  });

interface Outcome {
  /** The zombie's write of chk-2 succeeded: it would commit chk-2's transactions. */
  zombieCommits: boolean;
  superseded: number[];
  restoreFrom: string | undefined;
}

/**
 * The zombie (owner of epoch 1, chk-1 complete) writes chk-2 while the new owner takes epoch 2. The
 * zombie's write lands just before the new owner's operation `writeAt`, its check for a newer epoch
 * just before operation `checkAt` (past the new owner's last operation: after it).
 */
async function race(writeAt: number, checkAt: number): Promise<Outcome & { newOwnerOps: number }> {
  const shared = memoryStorage();
  const first = await takeEpoch(ROOT, shared);
  await shared.writeFolder(join(first.dir, "chk-1"), new Map(), metadata(1));
  // The zombie's storage steps (0: the write, 1: the look for newer epochs) wait for their turn.
  const turns = [deferred(), deferred()];
  const done = [deferred(), deferred()];
  const zombieSide = stepped(
    shared,
    (n) => turns[n]?.promise ?? Promise.resolve(),
    (n) => done[n]?.resolve(),
  );
  const superseded: number[] = [];
  const zombie = ownerStorage(zombieSide, ROOT, first.epoch, (by) => superseded.push(by));
  const write = zombie.writeFolder(join(first.dir, "chk-2"), new Map(), metadata(2)).then(
    () => true,
    () => false,
  );
  const letZombie = async (k: number) => {
    turns[k]!.resolve();
    await done[k]!.promise;
  };
  let ops = 0;
  const newOwnerSide = stepped(shared, async (n) => {
    ops = n + 1;
    if (n === writeAt) await letZombie(0);
    if (n === checkAt) await letZombie(1);
  });
  const taken = await takeEpoch(ROOT, newOwnerSide);
  assert.equal(taken.epoch, 2);
  if (writeAt >= ops) await letZombie(0);
  if (checkAt >= ops) await letZombie(1);
  return { zombieCommits: await write, superseded, restoreFrom: taken.restoreFrom, newOwnerOps: ops };
}

test("a zombie's checkpoint commits only if its new owner restores that checkpoint", async () => {
  const { newOwnerOps } = await race(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  let commits = 0;
  let refused = 0;
  for (let writeAt = 0; writeAt <= newOwnerOps; writeAt++) {
    for (let checkAt = writeAt; checkAt <= newOwnerOps; checkAt++) {
      const o = await race(writeAt, checkAt);
      const at = `zombie writes before op ${writeAt}, checks before op ${checkAt} of ${newOwnerOps}`;
      if (o.zombieCommits) {
        commits++;
        assert.equal(o.restoreFrom, join(ROOT, "epoch-1", "chk-2"), `${at}: committed chk-2 is replayed`);
        assert.deepEqual(o.superseded, [], at);
      } else {
        refused++;
        // refused: the zombie stops; the new owner restores either checkpoint (chk-2 then commits
        // through its recovery, chk-1 replays what chk-2 would have committed)
        assert.deepEqual(o.superseded, [2], at);
        assert.ok(o.restoreFrom?.startsWith(join(ROOT, "epoch-1", "chk-")), at);
      }
    }
  }
  // both outcomes occur, so neither branch above is vacuous
  assert.ok(commits > 0 && refused > 0, `commits ${commits}, refused ${refused}`);
});

test("a superseded owner fails its writes, even into a deleted epoch, and deletes nothing", async () => {
  const shared = memoryStorage();
  const first = await takeEpoch(ROOT, shared);
  const superseded: number[] = [];
  const zombie = ownerStorage(shared, ROOT, first.epoch, (by) => superseded.push(by));
  await zombie.writeFolder(join(first.dir, "chk-1"), new Map(), metadata(1));
  const second = await takeEpoch(ROOT, shared);
  assert.equal(second.restoreFrom, join(first.dir, "chk-1"));
  await assert.rejects(zombie.writeFolder(join(first.dir, "chk-2"), new Map(), metadata(2)), (e: Error) => {
    assert.match(e.message, /taken over since by epoch 2/);
    return true;
  });
  assert.deepEqual(superseded, [2]);
  // the coordinator deletes a failed checkpoint's folder: not the one the new owner may restore
  await zombie.remove(join(first.dir, "chk-1"));
  assert.ok(await shared.readFile(join(first.dir, "chk-1"), "_metadata"));
  // the new owner deleted the old epoch: the zombie's write fails with the take-over as reason
  const failing: CheckpointStorage = {
    ...shared,
    writeFolder: async () => {
      throw new Error("ENOENT: no such file or directory");
    },
  };
  const later: number[] = [];
  const zombie2 = ownerStorage(failing, ROOT, first.epoch, (by) => later.push(by));
  await assert.rejects(zombie2.writeFolder(join(first.dir, "chk-3"), new Map(), metadata(3)), /taken over/);
  assert.deepEqual(later, [2]);
});

test("a unit starts from the whole job's savepoint until it has checkpoints of its own", async () => {
  const storage = memoryStorage();
  const savepoint = "/savepoints/savepoint-job-1";
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  // first start: no epoch yet, so the savepoint
  const first = await takeEpoch(ROOT, storage, log, savepoint);
  assert.equal(first.restoreFrom, savepoint);
  // the owner died before its first checkpoint: the next one starts from the savepoint again
  const second = await takeEpoch(ROOT, storage, log, savepoint);
  assert.equal(second.restoreFrom, savepoint);
  assert.deepEqual(lines, []);
  // once the unit has a checkpoint of its own, it restores from that, never from the savepoint
  await storage.writeFolder(join(second.dir, "chk-3"), new Map(), metadata(3));
  const third = await takeEpoch(ROOT, storage, log, savepoint);
  assert.equal(third.restoreFrom, join(ROOT, "epoch-2", "chk-3"));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /has checkpoint epochs of its own: it restores from those, not from \/savepoints/);
  // a unit started fresh before keeps starting fresh: a savepoint given later does not reset it
  const other = "/ckpt/job/unit-1";
  assert.equal((await takeEpoch(other, storage)).restoreFrom, undefined);
  assert.equal((await takeEpoch(other, storage, log, savepoint)).restoreFrom, undefined);
});
