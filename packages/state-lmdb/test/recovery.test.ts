/**
 * Recovery on the LMDB backend with incremental checkpoints (recoveryJob of
 * @fleuve/core/testing/suites, as core's checkpoint/recovery.test.ts runs it): injected failures
 * restore base + deltas and the committed output is exact; a corrupt delta makes the restore fall back to an older checkpoint;
 * a savepoint copies the files it builds on and restores at another parallelism.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  recoveryJob as baseJob,
  FakeTransactionalStore as FakeStore,
  memoryCheckpointStorage as memoryStorage,
  recoveryOracle as oracle,
} from "@fleuve/core/testing/suites";
import { lmdbStateBackend } from "../src/index.js";

/** The shared recovery job on the LMDB backend (incremental checkpoints, compaction after 3 deltas). */
function job(
  dir: string,
  store: FakeStore,
  n: number,
  failAt: number[],
  opts: Parameters<typeof baseJob>[4] = {},
) {
  return baseJob(dir, store, n, failAt, {
    ...opts,
    stateBackend: lmdbStateBackend({ dir: join(dir, "..", "work"), cacheEntries: 8, compactAfter: 3 }),
  });
}

function metadataOf(folder: string): { files: Record<string, unknown>; references?: string[] } {
  return JSON.parse(readFileSync(join(folder, "_metadata"), "utf8"));
}

test("LMDB backend: failures mid-job restore base + deltas, the committed output is exact", async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-lmdb-cp-"));
  const dir = join(root, "cp");
  try {
    const n = 40_000;
    const store = new FakeStore();
    const logs: string[] = [];
    await job(dir, store, n, [9_999, 27_777], { log: (l) => logs.push(l) }).executeAsync("lmdb-recovery")
      .result;
    assert.deepEqual(store.committed.slice().sort(), oracle(n));
    assert.equal(logs.filter((l) => l.startsWith("restoring")).length, 2, logs.join("\n"));
    // incremental: retained checkpoints build on earlier folders, which pruning kept
    const folders = readdirSync(dir).filter((f) => f.startsWith("chk-"));
    const refs = folders.flatMap((f) => metadataOf(join(dir, f)).references ?? []);
    assert.ok(refs.length > 0, `some checkpoint is a delta on an earlier one (${folders.join(",")})`);
    for (const r of refs) assert.ok(folders.includes(r), `referenced ${r} kept`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("LMDB backend: a corrupt delta falls back to an older checkpoint (base + fewer deltas)", async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-lmdb-bad-"));
  const dir = join(root, "cp");
  try {
    const n = 30_000;
    await job(dir, new FakeStore(), n, []).executeAsync("lmdb-first").result;
    const folders = readdirSync(dir)
      .filter((f) => f.startsWith("chk-"))
      .sort((a, b) => Number(b.slice(4)) - Number(a.slice(4)));
    // the newest delta checkpoint (newer ones removed): damage its own delta file
    const newest = folders.find((f) => (metadataOf(join(dir, f)).references ?? []).length > 0);
    assert.ok(newest, `a delta checkpoint among ${folders.join(",")}`);
    for (const f of folders.slice(0, folders.indexOf(newest!))) rmSync(join(dir, f), { recursive: true });
    const victim = Object.keys(metadataOf(join(dir, newest!)).files).find((f) => f.includes(".state-"));
    assert.ok(victim, `delta file in ${newest}`);
    writeFileSync(join(dir, newest!, victim!), "garbage");
    const logs: string[] = [];
    const store = new FakeStore();
    await job(join(root, "cp2"), store, n, [], { restoreFrom: dir, log: (l) => logs.push(l) }).executeAsync(
      "lmdb-second",
    ).result;
    assert.ok(
      logs.some((l) => l.includes("unusable") && l.includes("checksum")),
      `fell back with a log line: ${logs.join("\n")}`,
    );
    const restored = logs.find((l) => l.startsWith("restoring"));
    assert.ok(restored, "restored from an older checkpoint");
    // every key's running sum continues from the restored state: the final sums are exact
    const last = new Map<string, string>();
    for (const row of store.committed) {
      if (row.startsWith("timer")) continue;
      const [k, ts, s] = row.split(":");
      if (!last.has(k!) || Number(ts) > Number(last.get(k!)!.split(":")[0])) last.set(k!, `${ts}:${s}`);
    }
    const want = new Map<string, string>();
    for (const row of oracle(n)) {
      if (row.startsWith("timer")) continue;
      const [k, ts, s] = row.split(":");
      if (!want.has(k!) || Number(ts) > Number(want.get(k!)!.split(":")[0])) want.set(k!, `${ts}:${s}`);
    }
    assert.deepEqual(last, want);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("LMDB backend: stop with a savepoint (self-contained), resume at another parallelism: exact output", async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-lmdb-sp-"));
  try {
    const n = 60_000;
    const store = new FakeStore();
    const first = job(join(root, "cp1"), store, n, [], { parallelism: 2 }).executeAsync("first");
    await new Promise((r) => setTimeout(r, 150));
    const sp = await first.stopWithSavepoint(join(root, "sp-1"));
    await first.result;
    assert.ok(store.committed.length < oracle(n).length, "stopped before the end");
    // the savepoint must not depend on the checkpoint folders it was built from
    rmSync(join(root, "cp1"), { recursive: true, force: true });
    assert.deepEqual(metadataOf(sp).references ?? [], []);
    await job(join(root, "cp2"), store, n, [], { parallelism: 3, restoreFrom: sp }).executeAsync("second")
      .result;
    assert.deepEqual(store.committed.slice().sort(), oracle(n));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("LMDB backend on a non-local checkpoint storage: the restore fails clearly instead of starting empty", async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-lmdb-remote-"));
  try {
    const run = job(join(root, "cp"), new FakeStore(), 20_000, [9_999], {
      storage: memoryStorage(),
    }).executeAsync("lmdb-remote");
    await assert.rejects(
      run.result,
      // by code: the job runs on the core's sources here, so its error class is not @fleuve/core's build
      (e: unknown) =>
        (e as { code?: string }).code === "FLEUVE_CONFIG_INVALID" &&
        /local checkpoint storage/.test(String(e)),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
