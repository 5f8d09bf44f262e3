/**
 * Keyed state on the default heap backend (the cases are keyedStateCases of the test kit's suites,
 * shared with the LMDB backend), and the key-group arithmetic rescaling rests on.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  changelogStateBackend,
  HeapKeyedStateBackend,
  type HeapKeyedStateSnapshot,
  keyGroupRangeFor,
  memoryChangelog,
  normalizeKey,
  subtaskForKeyGroup,
} from "../../src/index.js";
import { keyedStateCases } from "../../src/testing/suites/index.js";

keyedStateCases({});

test("key group ranges partition [0, maxParallelism) and agree with subtaskForKeyGroup", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 4096 }), (maxP, pRaw) => {
      const p = Math.min(pRaw, maxP);
      let next = 0;
      for (let i = 0; i < p; i++) {
        const r = keyGroupRangeFor(i, p, maxP);
        assert.equal(r.start, next, "ranges are contiguous");
        assert.ok(r.end >= r.start, "every subtask owns at least one key group");
        assert.equal(subtaskForKeyGroup(r.start, p, maxP), i);
        assert.equal(subtaskForKeyGroup(r.end, p, maxP), i);
        next = r.end + 1;
      }
      assert.equal(next, maxP, "all key groups are owned");
    }),
    { numRuns: 300 },
  );
});

test("heap tables are stable: an entry changed in place through a kept reference, with no get or set under its key, is in the snapshot", () => {
  const b = new HeapKeyedStateBackend(16);
  const t = b.getTable<{ xs: number[] }>("t");
  assert.equal(t.stable, true);
  const kept: { xs: number[] }[] = [];
  for (const k of ["a", "b"]) {
    b.setCurrentKey(k, normalizeKey(k));
    const e = { xs: [0] };
    t.set(e);
    kept.push(e);
  }
  // The current key is "b": change "a"'s entry through the reference alone.
  kept[0]!.xs.push(1);
  b.setCurrentKey("a", normalizeKey("a"));
  assert.equal(t.get(), kept[0], "get returns the live object");
  const snap = b.snapshot() as HeapKeyedStateSnapshot;
  const entries = Object.values(snap.keyGroups).flatMap((g) => g.t ?? []);
  const a = entries.find(([k]) => k === normalizeKey("a"));
  assert.deepEqual(a?.[1], { xs: [0, 1] });
});

test("changelog tables are not stable: they learn a key changed from its get or set", () => {
  const ctx = {
    maxParallelism: 16,
    clock: () => 0,
    jobName: "j",
    operatorId: "op",
    subtaskIndex: 0,
    parallelism: 1,
  };
  const b = changelogStateBackend(memoryChangelog())(ctx);
  assert.notEqual(b.getTable("t").stable, true);
});
