// The long helper (SQL BIGINT) against BigInt.asIntN(64, ...), Java's long arithmetic, on random
// values around the 2^53 edge (where a number becomes a bigint) and the 2^63 edge (where the
// arithmetic wraps around), plus the canonical form: a value that fits safely is always a number.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  jsonWithLongs,
  type Long,
  longAbs,
  longAdd,
  longCompare,
  longDiv,
  longFromText,
  longMod,
  longMul,
  longNeg,
  longOf,
  longSub,
  longToString,
  parseJsonWithLongs,
} from "@fleuve/core";
import fc from "fast-check";

const SAFE = 2n ** 53n - 1n;
const java = (v: bigint) => BigInt.asIntN(64, v);
/** The canonical form of long `v`: a number when it fits safely. */
const canonical = (v: bigint): Long => (v >= -SAFE && v <= SAFE ? Number(v) : v);

/** Longs near 0, ±2^53 and ±2^63 (and anywhere), as bigints. */
const edge = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.bigInt({ min: -1000n, max: 1000n }),
  ...[2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)].map((c) =>
    fc.bigInt({ min: -1000n, max: 1000n }).map((d) => java(c + d)),
  ),
  fc.integer().map(BigInt),
);

test("longAdd, longSub, longMul, longDiv, longMod, longNeg, longAbs equal Java's long arithmetic", () => {
  fc.assert(
    fc.property(edge, edge, (x, y) => {
      const a = canonical(x);
      const b = canonical(y);
      assert.deepEqual(longOf(x), a);
      assert.deepEqual(longAdd(a, b), canonical(java(x + y)));
      assert.deepEqual(longSub(a, b), canonical(java(x - y)));
      assert.deepEqual(longMul(a, b), canonical(java(x * y)));
      assert.deepEqual(longNeg(a), canonical(java(-x)));
      assert.deepEqual(longAbs(a), canonical(java(x < 0n ? -x : x)));
      assert.equal(longCompare(a, b), x < y ? -1 : x > y ? 1 : 0);
      assert.equal(longToString(a), String(x));
      assert.deepEqual(longFromText(String(x)), a);
      if (y !== 0n) {
        assert.deepEqual(longDiv(a, b), canonical(java(x / y)));
        assert.deepEqual(longMod(a, b), canonical(java(x % y)));
      } else {
        assert.throws(() => longDiv(a, b), /\/ by zero/);
        assert.throws(() => longMod(a, b), /\/ by zero/);
      }
      return true;
    }),
    { numRuns: 5000 },
  );
});

test("the canonical form: ±(2^53 - 1) are numbers, ±2^53 bigints; no -0", () => {
  assert.equal(longAdd(9007199254740990, 1), 9007199254740991);
  assert.equal(longAdd(9007199254740991, 1), 9007199254740992n);
  assert.equal(longSub(-9007199254740991, 1), -9007199254740992n);
  assert.equal(longSub(9007199254740992n, 1), 9007199254740991);
  assert.ok(Object.is(longMul(0, -5), 0));
  assert.ok(Object.is(longMod(-4, 2), 0));
  assert.equal(longAdd(9223372036854775807n, 1), -9223372036854775808n);
  assert.equal(longDiv(-9223372036854775808n, -1), -9223372036854775808n);
  assert.equal(longNeg(-9223372036854775808n), -9223372036854775808n);
});

test("json text with exact longs: written with all digits, read back exactly only for long tokens", () => {
  assert.equal(
    jsonWithLongs({ id: 1234567890123456789n, n: 1, s: "x" }),
    '{"id":1234567890123456789,"n":1,"s":"x"}',
  );
  assert.equal(jsonWithLongs([1, "a"]), '[1,"a"]');
  assert.deepEqual(
    parseJsonWithLongs(
      '{"id":1234567890123456789,"s":"12345678901234567890","d":1.5e30,"x":9007199254740991}',
    ),
    {
      id: 1234567890123456789n,
      s: "12345678901234567890",
      d: 1.5e30,
      x: 9007199254740991,
    },
  );
  // Past the range of long: the double JSON.parse gives.
  assert.deepEqual(parseJsonWithLongs("[99999999999999999999]"), [1e20]);
  fc.assert(
    fc.property(edge, (x) => {
      assert.deepEqual(parseJsonWithLongs(jsonWithLongs({ v: canonical(x) }) as string), { v: canonical(x) });
      return true;
    }),
  );
});
