import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isFleuveError } from "../../src/index.js";
import {
  FakeTransactionalStore as FakeStore,
  recoveryJob as job,
  recoveryOracle as oracle,
} from "../../src/testing/suites/index.js";

test("failures in the middle of a job: restored from checkpoints, the committed output is exact", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-cp-"));
  try {
    const n = 60_000;
    const store = new FakeStore();
    const env = job(dir, store, n, [11_111, 30_333, 52_222]);
    const logs: string[] = [];
    const client = env.executeAsync("recovery");
    await client.result;
    const got = store.committed.slice().sort();
    const want = oracle(n);
    assert.equal(got.length, want.length, "no record lost or doubled");
    assert.deepEqual(got, want);
    assert.ok(store.commits > 3, `several checkpoints committed (${store.commits})`);
    void logs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rescale through savepoints 2 -> 3 -> 1: the output is exact", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sp-"));
  try {
    const n = 80_000;
    const want = oracle(n);
    const store = new FakeStore();
    // stop each run after `ms` with a savepoint; the next run resumes from it at another parallelism
    let restoreFrom: string | undefined;
    for (const [k, [parallelism, ms]] of (
      [
        [2, 60],
        [3, 60],
      ] as const
    ).entries()) {
      const run = job(join(dir, `cp${k}`), store, n, [], { parallelism, restoreFrom }).executeAsync(
        `p${parallelism}`,
      );
      await new Promise((r) => setTimeout(r, ms));
      restoreFrom = await run.stopWithSavepoint(join(dir, `sp-${k}`));
      await run.result;
    }
    assert.ok(
      store.committed.length < want.length,
      `stopped before the end: ${store.committed.length} of ${want.length}`,
    );
    const last = job(join(dir, "cp-last"), store, n, [], { parallelism: 1, restoreFrom }).executeAsync("p1");
    await last.result;
    assert.deepEqual(store.committed.slice().sort(), want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a corrupt latest checkpoint is skipped and the previous one is used", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-corrupt-"));
  try {
    const n = 2_000_000; // long enough to be stopped once two checkpoints are complete
    const store = new FakeStore();
    const client = job(dir, store, n, []).executeAsync("c1");
    const complete = () =>
      readdirSync(dir).filter((d) => d.startsWith("chk-") && readdirSync(join(dir, d)).includes("_metadata"))
        .length;
    for (let waited = 0; complete() < 2 && waited < 20_000; waited += 10)
      await new Promise((r) => setTimeout(r, 10));
    await client.stopWithSavepoint(join(dir, "ignored-sp"));
    const cps = readdirSync(dir)
      .filter((d) => d.startsWith("chk-"))
      .sort((a, b) => Number(b.slice(4)) - Number(a.slice(4)));
    assert.ok(cps.length >= 2, `several checkpoints retained: ${cps}`);
    // corrupt the newest checkpoint's first task file
    const newest = join(dir, cps[0]!);
    const f = readdirSync(newest).find((x) => x.endsWith(".bin"))!;
    writeFileSync(join(newest, f), "garbage");
    const lines: string[] = [];
    const store2 = new FakeStore();
    const env = job(join(dir, "next"), store2, n, [], { restoreFrom: dir, log: (l) => lines.push(l) });
    const c2 = env.executeAsync("c2");
    for (let waited = 0; !lines.some((l) => l.startsWith("restoring")) && waited < 20_000; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await c2.stopWithSavepoint(join(dir, "sp-2"));
    assert.ok(
      lines.some((l) => l.includes(`checkpoint ${cps[0]!.slice(4)}`) && l.includes("falling back")),
      `a log line says the newest checkpoint was skipped: ${lines.join(" | ")}`,
    );
    assert.ok(
      lines.some((l) => l.startsWith(`restoring checkpoint ${cps[1]!.slice(4)} `)),
      `the previous checkpoint was restored: ${lines.join(" | ")}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("restoring from a path without checkpoints fails with FLEUVE_CHECKPOINT_NOT_FOUND", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-none-"));
  try {
    const env = job(join(dir, "cp"), new FakeStore(), 10, [], { restoreFrom: join(dir, "nothing-here") });
    await assert.rejects(env.execute(), (e) => isFleuveError(e, "FLEUVE_CHECKPOINT_NOT_FOUND"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
