// The key selectors of the keyed SQL operators write the same text as JSON.stringify of the
// list of key values (the format savepoints hold), whatever the values.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { columnsKey, jsonKey } from "../../src/planner/keys.js";
import type { Row } from "../../src/planner/values.js";

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

test("jsonKey(evals) is JSON.stringify of the list of values, for 0 to 4 values of any kind", () => {
  fc.assert(
    fc.property(fc.array(value, { maxLength: 4 }), (values) => {
      const key = jsonKey(values.map((v) => () => v));
      const expected = values.length === 0 ? "" : JSON.stringify(values);
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
