/**
 * Keyed state on the default heap backend (the cases are keyedStateCases of the test kit's suites,
 * shared with the LMDB backend), and the key-group arithmetic rescaling rests on.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { keyGroupRangeFor, subtaskForKeyGroup } from "../../src/index.js";
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
