/**
 * Incremental snapshots of the LMDB backend, without the runtime: after a completed checkpoint a
 * snapshot holds only the changed and deleted keys, references the earlier files, and base +
 * delta restore exactly the live state (also into other key-group ranges: rescaling).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type ExternalKeyedStateSnapshot,
  keyGroupOf,
  keyGroupRangeFor,
  mapState,
  valueState,
} from "@fleuve/core";
import { lmdbStateBackend } from "../src/index.js";

const MAXP = 32;

/** Plays the coordinator: writes the new files into `<root>/<folder>` and confirms. */
function complete(root: string, folder: string, snap: ExternalKeyedStateSnapshot): void {
  mkdirSync(join(root, folder), { recursive: true });
  snap.files.forEach((f, i) => {
    f.name = `state-${i}`;
    writeFileSync(join(root, folder, f.name), f.data!);
    delete f.data;
  });
  snap.onComplete!(folder);
}

/** Plays loading: absolute paths for every file of the chain. */
function resolved(
  root: string,
  folder: string,
  snap: ExternalKeyedStateSnapshot,
): ExternalKeyedStateSnapshot {
  const copy = structuredClone(snap);
  for (const f of [...copy.references, ...copy.files]) {
    f.folder ??= folder;
    f.path = join(root, f.folder, f.name!);
  }
  return copy;
}

test("a snapshot after a completed checkpoint holds only what changed; base + delta restore the state", () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-lmdb-incr-"));
  try {
    const factory = lmdbStateBackend({ dir: join(root, "work"), cacheEntries: 64 });
    const ctx = { maxParallelism: MAXP, clock: () => 0, jobName: "j", operatorId: "op", parallelism: 1 };
    const b = factory({ ...ctx, subtaskIndex: 0 });
    const v = b.getState(valueState<string>("v"));
    const m = b.getState(mapState<string, number>("m"));
    const model = new Map<number, string>();
    for (let k = 0; k < 2000; k++) {
      b.setCurrentKey(k, k);
      v.update(`value-${k}-${"x".repeat(100)}`);
      model.set(k, `value-${k}-${"x".repeat(100)}`);
      if (k % 10 === 0) m.put("a", k);
    }
    const s1 = b.snapshot() as ExternalKeyedStateSnapshot;
    assert.equal(s1.references.length, 0, "first snapshot is a base");
    const baseBytes = s1.files.reduce((n, f) => n + f.bytes, 0);
    complete(root, "chk-1", s1);

    // change 10 keys, delete 5, read many (reads must not count as changes)
    for (let k = 0; k < 2000; k++) {
      b.setCurrentKey(k, k);
      v.value();
    }
    for (let k = 0; k < 10; k++) {
      b.setCurrentKey(k * 7, k * 7);
      v.update(`changed-${k}`);
      model.set(k * 7, `changed-${k}`);
    }
    for (let k = 1000; k < 1005; k++) {
      b.setCurrentKey(k, k);
      v.clear();
      model.delete(k);
    }
    const s2 = b.snapshot() as ExternalKeyedStateSnapshot;
    assert.deepEqual(
      s2.references.map((r) => r.folder),
      s1.files.map(() => "chk-1"),
    );
    const deltaBytes = s2.files.reduce((n, f) => n + f.bytes, 0);
    assert.ok(deltaBytes < baseBytes / 50, `delta ${deltaBytes} B vs base ${baseBytes} B`);
    complete(root, "chk-2", s2);
    const loaded = resolved(root, "chk-2", s2);

    for (const p of [1, 3]) {
      for (let i = 0; i < p; i++) {
        const r = factory({ ...ctx, parallelism: p, subtaskIndex: i });
        const range = keyGroupRangeFor(i, p, MAXP);
        r.restore([loaded], range);
        const rv = r.getState(valueState<string>("v"));
        const rm = r.getState(mapState<string, number>("m"));
        for (let k = 0; k < 2000; k++) {
          r.setCurrentKey(k, k);
          const mine = keyGroupOf(k, MAXP) >= range.start && keyGroupOf(k, MAXP) <= range.end;
          assert.equal(rv.value(), mine ? model.get(k) : undefined, `key ${k} at p=${p}`);
          assert.equal(rm.get("a"), mine && k % 10 === 0 ? k : undefined);
        }
        r.dispose?.();
      }
    }
    b.dispose?.();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
