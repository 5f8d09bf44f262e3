// floorMod (floor-mod.ts) gives what `((x % m) + m) % m` gives, by a division for integers up to
// 2^52 and by `%` beyond: the window-maximum thinning computes it for every row.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { floorMod } from "../../src/planner/floor-mod.js";

const byRemainder = (x: number, m: number) => ((x % m) + m) % m;

test("floorMod equals ((x % m) + m) % m for integers of any size, fractions and edge values", () => {
  const x = fc.oneof(
    fc.integer(),
    fc.maxSafeInteger(),
    fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
    fc.constantFrom(2 ** 52, -(2 ** 52), 2 ** 52 + 2, -(2 ** 53), 2 ** 60, -0, 0),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );
  const m = fc.oneof(
    fc.integer({ min: 1, max: 100_000 }),
    fc.constantFrom(1, 1000, 2000, 10_000, 86_400_000, 2 ** 31, 2 ** 52, 2 ** 52 + 1),
    fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    fc.double({ min: 0.001, max: 1e6, noNaN: true }),
  );
  fc.assert(
    fc.property(x, m, (a, b) => {
      assert.ok(Object.is(floorMod(a, b) + 0, byRemainder(a, b) + 0), `${a} mod ${b}`);
    }),
    { numRuns: 5000 },
  );
  // Around multiples, where the quotient's rounding may be off by one.
  fc.assert(
    fc.property(
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      fc.integer({ min: 1, max: 4096 }),
      fc.integer({ min: -2, max: 2 }),
      (q, b, d) => {
        const a = q * b + d;
        assert.equal(floorMod(a, b), byRemainder(a, b), `${a} mod ${b}`);
      },
    ),
    { numRuns: 2000 },
  );
});
