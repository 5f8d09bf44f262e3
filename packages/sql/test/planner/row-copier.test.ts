// rowCopier (row-builders.ts) against what it replaces in the Top-N: a spread copy with the rank
// number added and the kind set afterwards. Same fields, same order, same values, for any column
// names (JavaScript-unfriendly ones and `__proto__` included) and values (NULL and undefined too).
// kindedProjector (a group aggregation's rows) against projector then withKind, the same way.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ROW_KIND, type RowKind, withKind } from "@fleuve/sql";
import fc from "fast-check";
import { kindedProjector, projector, rowCopier } from "../../src/planner/row-builders.js";

const nameArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s !== ROW_KIND),
  fc.constantFrom("__proto__", "a b", 'q"uote', "0", "constructor"),
);
const valueArb = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.constant(undefined));

/** The fields of `row` as [key, value] pairs, in order (`__proto__` an own field like any). */
const fields = (row: object) =>
  Reflect.ownKeys(row).map((k) => [k, (row as Record<string, unknown>)[k as string]]);

test("rowCopier copies a row with its kind (and rank) as a spread copy with withKind does", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(nameArb, { minLength: 1, maxLength: 8 }),
      fc.array(valueArb, { minLength: 8, maxLength: 8 }),
      fc.constantFrom<RowKind>("+I", "-U", "+U", "-D"),
      fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
      (names, values, kind, rank) => {
        const row: Record<string, unknown> = {};
        names.forEach((n, i) => {
          Object.defineProperty(row, n, {
            value: values[i],
            enumerable: true,
            writable: true,
            configurable: true,
          });
        });
        const extra = rank === undefined || names.includes("rn") ? undefined : "rn";
        const copy = rowCopier(names, extra)(row, kind, rank);
        const spread: Record<string, unknown> = { ...row };
        if (extra !== undefined) spread[extra] = rank;
        const expected = withKind(spread, kind);
        assert.deepEqual(fields(copy), fields(expected));
        assert.notEqual(copy, row);
        assert.equal(ROW_KIND in copy, kind !== "+I");
      },
    ),
    { numRuns: 300 },
  );
});

test("kindedProjector builds the row projector builds, with the kind withKind would set", () => {
  // A group aggregation's -U/+U/-D rows: the kind a field of the literal, a +I row without one.
  fc.assert(
    fc.property(
      fc.uniqueArray(nameArb, { minLength: 1, maxLength: 8 }),
      fc.array(valueArb, { minLength: 8, maxLength: 8 }),
      fc.constantFrom<RowKind>("+I", "-U", "+U", "-D"),
      (names, values, kind) => {
        const evals = names.map((_, i) => (input: readonly unknown[]) => input[i]);
        const row = kindedProjector(names, evals)(values, kind);
        const expected = withKind(projector(names, evals)(values), kind);
        assert.deepEqual(fields(row), fields(expected));
        assert.equal(ROW_KIND in row, kind !== "+I");
      },
    ),
    { numRuns: 300 },
  );
});
