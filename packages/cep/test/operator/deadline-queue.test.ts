/**
 * The CEP runner's queue of deadlines: on random pushes (in order and out of order) and pops
 * interleaved, it pops every item once, in time order, against a sorted list as reference.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DeadlineQueue } from "../../src/operator/deadline-queue.js";

type Op = { push: number } | { popUpTo: number };

test("pops every pushed item once, in time order, whatever the order of pushes", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({ push: fc.integer({ min: 0, max: 6000 }) }),
          fc.record({ popUpTo: fc.integer({ min: 0, max: 6000 }) }),
        ),
        { maxLength: 300 },
      ) as fc.Arbitrary<Op[]>,
      (ops) => {
        const q = new DeadlineQueue<{ id: number }>();
        let pending: { t: number; id: number }[] = [];
        let next = 1;
        let clock = 0;
        const check = (upTo: number) => {
          const due = pending.filter((p) => p.t <= upTo).sort((a, b) => a.t - b.t);
          pending = pending.filter((p) => p.t > upTo);
          const got: { t: number; id: number }[] = [];
          while (q.popDue(upTo)) {
            const t = q.time;
            assert.equal(q.entry.id, q.item, "the entry and item popped together");
            assert.equal(q.key, `k${q.item}`);
            got.push({ t, id: q.item });
          }
          assert.deepEqual(
            got.map((g) => g.t),
            due.map((d) => d.t),
          );
          assert.deepEqual(new Set(got.map((g) => g.id)), new Set(due.map((d) => d.id)));
          assert.equal(q.size, pending.length);
        };
        for (const op of ops) {
          if ("push" in op) {
            // Mostly later than what was popped (deadlines are after the watermark), some earlier.
            const t = clock + op.push;
            const id = next++;
            q.push(t, `k${id}`, `k${id}`, { id }, id);
            pending.push({ t, id });
          } else {
            clock += op.popUpTo;
            check(clock);
          }
        }
        check(Number.POSITIVE_INFINITY);
        assert.equal(q.peek(), Number.POSITIVE_INFINITY);
      },
    ),
    { numRuns: 300 },
  );
});

test("drainAll hands over every queued item once and empties the queue", () => {
  const q = new DeadlineQueue<string>();
  for (const [t, k] of [
    [5, "a"],
    [9, "b"],
    [3, "c"],
    [7, "d"],
    [1, "e"],
  ] as const)
    q.push(t, k, k, k, t);
  assert.ok(q.popDue(1)); // e at 1
  const seen: [number, string][] = [];
  q.drainAll((t, _key, _nk, entry) => seen.push([t, entry]));
  assert.deepEqual(
    seen.sort((x, y) => x[0] - y[0]),
    [
      [3, "c"],
      [5, "a"],
      [7, "d"],
      [9, "b"],
    ],
  );
  assert.equal(q.size, 0);
  assert.equal(q.peek(), Number.POSITIVE_INFINITY);
  q.push(2, "f", "f", "f", 2);
  assert.equal(q.popDue(1), false);
  assert.equal(q.popDue(2), true);
  assert.equal(q.time, 2);
  assert.equal(q.entry, "f");
  assert.equal(q.popDue(Number.POSITIVE_INFINITY), false, "empty");
});

test("compact drops the items not kept and pops the others in time order, whatever was run or heap", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ t: fc.integer({ min: 0, max: 1000 }), keep: fc.boolean() }), { maxLength: 200 }),
      fc.integer({ min: 0, max: 1000 }),
      (items, popUpTo) => {
        const q = new DeadlineQueue<{ keep: boolean }>();
        for (const [i, x] of items.entries()) q.push(x.t, `k${i}`, `k${i}`, { keep: x.keep }, i + 1);
        const popped: number[] = [];
        while (q.popDue(popUpTo)) popped.push(q.item);
        q.compact((entry) => entry.keep);
        const left = items
          .map((x, i) => ({ ...x, item: i + 1 }))
          .filter((x) => x.keep && !popped.includes(x.item))
          .sort((a, b) => a.t - b.t);
        assert.equal(q.size, left.length);
        const times: number[] = [];
        while (q.popDue(Number.MAX_SAFE_INTEGER)) {
          assert.ok(q.entry.keep);
          times.push(q.time);
        }
        assert.deepEqual(
          times,
          left.map((x) => x.t),
        );
      },
    ),
    { numRuns: 300 },
  );
});
