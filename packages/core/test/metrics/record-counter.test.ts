// RecordCounter: records in and out are counted in two fields (a small integer below 2^30 and the
// carried rest) so the per-record increment stays a small-integer add; the count must be exact
// across the carries, whatever mix of per-record increments, batch adds and sets is used.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { RecordCounter } from "../../src/metrics/registry.js";

const SPAN = 2 ** 30;

test("increments carry at 2^30 and past 2^31 with the count exact", () => {
  const c = new RecordCounter();
  c.count = SPAN - 2;
  for (let i = 0; i < 3; i++) c.increment();
  assert.equal(c.count, SPAN + 1);
  assert.equal(c.low, 1, "the per-record field wrapped");
  c.count = 2 ** 31 - 1;
  c.increment();
  assert.equal(c.count, 2 ** 31);
  assert.ok(Number.isInteger(c.low) && c.low < SPAN);
  c.count = 5e12 + 7;
  c.inc(3);
  c.increment();
  assert.equal(c.count, 5e12 + 11);
});

test("any mix of sets, increments and batch adds counts exactly like a plain number (vs a model)", () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant("set" as const), n: fc.integer({ min: 0, max: 2 ** 45 }) }),
    fc.record({ kind: fc.constant("set near a carry" as const), n: fc.integer({ min: -3, max: 3 }) }),
    fc.record({ kind: fc.constant("increment" as const), n: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ kind: fc.constant("inc" as const), n: fc.integer({ min: 0, max: 5000 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const c = new RecordCounter();
      let model = 0;
      for (const o of ops) {
        if (o.kind === "set") c.count = model = o.n;
        else if (o.kind === "set near a carry") c.count = model = Math.max(0, SPAN * 3 + o.n);
        else if (o.kind === "increment") {
          for (let i = 0; i < o.n; i++) c.increment();
          model += o.n;
        } else {
          c.inc(o.n);
          model += o.n;
        }
        assert.equal(c.count, model);
        assert.ok(Number.isInteger(c.low) && c.low >= 0 && c.low < SPAN);
      }
    }),
  );
});

test("a counter that follows another counts what that one counts, keeps its count across follow and unfollow, never goes down", () => {
  // Records in of a chained operator follow the records out of the operator before it; a restarted
  // attempt follows again, a record whose key selector failed is taken back out (inc(-1)).
  const op = fc.oneof(
    fc.record({ kind: fc.constant("source increments" as const), n: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ kind: fc.constant("source batch" as const), n: fc.integer({ min: 0, max: 2 ** 31 }) }),
    fc.constant({ kind: "follow" as const, n: 0 }),
    fc.constant({ kind: "follow a new source" as const, n: 0 }),
    fc.constant({ kind: "unfollow" as const, n: 0 }),
    fc.record({ kind: fc.constant("own increments" as const), n: fc.integer({ min: 1, max: 5 }) }),
    fc.constant({ kind: "take back one" as const, n: 0 }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      let source = new RecordCounter();
      const c = new RecordCounter();
      let following = false;
      let model = 0;
      for (const o of ops) {
        const before = c.count;
        if (o.kind === "source increments" || o.kind === "source batch") {
          if (o.kind === "source batch") source.inc(o.n);
          else for (let i = 0; i < o.n; i++) source.increment();
          if (following) model += o.n;
        } else if (o.kind === "follow") {
          c.follow(source);
          following = true;
        } else if (o.kind === "follow a new source") {
          source = new RecordCounter();
          source.count = 7;
          c.follow(source);
          following = true;
        } else if (o.kind === "unfollow") {
          c.unfollow();
          following = false;
        } else if (o.kind === "own increments") {
          // only a counter that does not follow is incremented (the runtime never does both)
          if (following) continue;
          for (let i = 0; i < o.n; i++) c.increment();
          model += o.n;
        } else {
          // taken back right after the source counted it (what the keyed chaining output does)
          if (!following) continue;
          source.increment();
          assert.equal(c.count, model + 1);
          c.inc(-1);
        }
        assert.equal(c.count, model);
        assert.equal(c.following, following);
        assert.ok(c.count >= before, "never goes down");
        assert.ok(Number.isInteger(c.low) && c.low >= 0 && c.low < SPAN);
      }
    }),
  );
  assert.throws(() => {
    const c = new RecordCounter();
    c.follow(c);
  }, /cannot follow itself/);
});
