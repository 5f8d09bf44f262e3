// The key selectors of the keyed SQL operators write the same text as JSON.stringify of the
// list of key values (the format savepoints hold), whatever the values, except that a -0 key
// value is written `-0`: -0.0 and 0.0 are two keys, as in Flink's binary keys.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { columnsKey, jsonKey } from "../../src/planner/keys.js";
import type { Row } from "../../src/planner/values.js";

/** JSON.stringify of the list `values`, but a -0 in it written `-0` (JSON.stringify gives `0`). */
const keyText = (values: readonly unknown[]) =>
  `[${values.map((v) => (Object.is(v, -0) ? "-0" : (JSON.stringify(v) ?? "null"))).join(",")}]`;

const value = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e21, 1e-7),
  fc.string(),
  fc.constantFrom('a"b', "\\", "\u2028", "\n"),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.jsonValue(),
);

test("jsonKey(evals) is JSON.stringify of the list of values (-0 as -0), for 0 to 4 values of any kind", () => {
  fc.assert(
    fc.property(fc.array(value, { maxLength: 4 }), (values) => {
      const key = jsonKey(values.map((v) => () => v));
      const expected = values.length === 0 ? "" : keyText(values);
      assert.equal(key({}), expected);
    }),
    { numRuns: 2000 },
  );
});

test("columnsKey reads the named columns; a missing column is null", () => {
  const row: Row = { a: 1, b: "x" };
  assert.equal(columnsKey(["a", "b", "c"])(row), JSON.stringify([1, "x", null]));
  assert.equal(columnsKey(["b"])(row), '["x"]');
  assert.equal(columnsKey([])(row), "");
});

test("one selector over a sequence of rows gives each row's own key (the last key it remembers never leaks)", () => {
  // Few distinct values, so that consecutive rows often share some or all of their key values.
  const pooled = fc.constantFrom(0, -0, 1, 1.5, Number.NaN, "1", "a", true, null, undefined, 1e21);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.array(fc.array(pooled, { minLength: 3, maxLength: 3 }), { maxLength: 30 }),
      (width, rows) => {
        const key = jsonKey(Array.from({ length: width }, (_, i) => (row: Row) => row[i]));
        for (const values of rows) {
          assert.equal(key({ ...values }), keyText(values.slice(0, width)));
        }
      },
    ),
    { numRuns: 1000 },
  );
});

test("a key value that is an object is read again at each row, even the same object changed", () => {
  const shared = { n: 1 };
  const single = jsonKey([(row: Row) => row.v]);
  const pair = jsonKey([(row: Row) => row.a, (row: Row) => row.v]);
  assert.equal(single({ v: shared }), '[{"n":1}]');
  assert.equal(pair({ a: 1, v: shared }), '[1,{"n":1}]');
  shared.n = 2;
  assert.equal(single({ v: shared }), '[{"n":2}]');
  assert.equal(pair({ a: 1, v: shared }), '[1,{"n":2}]');
});

test("a one-value selector gives the key text for number keys that recur and share its cache's slots", () => {
  // Numbers with the same low bits (the cache's slots) and numbers in every form.
  const num = fc.oneof(
    fc.integer({ min: 0, max: 20 }).map((i) => i * 4096 + 7),
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(
      0,
      -0,
      0.5,
      2 ** 32 + 7,
      2 ** 53,
      -(2 ** 40),
      1e21,
      1e-7,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ),
    fc.double(),
  );
  const v = fc.oneof(num, num, fc.constantFrom("7", null, undefined, true));
  fc.assert(
    fc.property(fc.array(v, { maxLength: 80 }), (values) => {
      const key = jsonKey([(row: Row) => row.v]);
      for (const x of values) assert.equal(key({ v: x }), keyText([x]));
    }),
    { numRuns: 1000 },
  );
});

test("a selector of several values gives the key text for number keys that recur and share its cache's slots", () => {
  // Few numbers, so that keys recur and collide in the cache (q4's `GROUP BY A.id, A.category`),
  // in every form, mixed with keys that are not all finite numbers.
  const num = fc.oneof(
    fc.integer({ min: 0, max: 6 }).map((i) => i * 4096 + 7),
    fc.constantFrom(
      0,
      -0,
      0.5,
      2 ** 32 + 7,
      2 ** 53,
      -(2 ** 40),
      1e21,
      1e-7,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ),
  );
  const v = fc.oneof(num, num, num, fc.constantFrom("7", null, undefined));
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 3 }),
      fc.array(fc.array(v, { minLength: 3, maxLength: 3 }), { maxLength: 80 }),
      (width, rows) => {
        const key = jsonKey(Array.from({ length: width }, (_, i) => (row: Row) => row[i]));
        for (const values of rows) assert.equal(key({ ...values }), keyText(values.slice(0, width)));
      },
    ),
    { numRuns: 1000 },
  );
});
