// The bound join's column-by-column rows against a plain list of the same rows: after any mix of
// adds (numbers, -0, NaN, NULL, strings, missing values; growth from a capacity of 1) and
// compactions, every row reads back as it was added, through a new object and the reused cursor.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Row } from "@fleuve/sql";
import fc from "fast-check";
import { RowColumns } from "../../src/runtime/row-columns.js";

const COLUMNS = [
  { name: "n", numeric: true },
  { name: "x", numeric: true },
  { name: "s", numeric: false },
  { name: "__proto__", numeric: false },
] as const;

const value = fc.oneof(
  { weight: 10, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, -0, Number.NaN, "a", "") },
);

const ops = fc.array(
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant("add" as const),
        n: fc.double(),
        x: value,
        s: fc.oneof(fc.string(), fc.constant(null)),
        p: value,
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("keep" as const), mask: fc.array(fc.boolean()) }) },
  ),
  { maxLength: 80 },
);

/** The row of an add step (`__proto__` an own property, as the planner's rows have it). */
function rowOf(op: { n: number; x: unknown; s: unknown; p: unknown }): Row {
  const row: Row = { n: op.n, x: op.x, s: op.s };
  Object.defineProperty(row, "__proto__", {
    value: op.p,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return row;
}

/** The kept columns of `row` as a list that deepEqual compares exactly (Object.is on numbers). */
const values = (row: Row) => COLUMNS.map((c) => Object.getOwnPropertyDescriptor(row, c.name)?.value);

test("rows kept column by column read back exactly as added, across growth and compaction", () => {
  fc.assert(
    fc.property(ops, (steps) => {
      const cols = new RowColumns(COLUMNS, 1);
      const cursor = cols.cursor();
      let model: Row[] = [];
      for (const op of steps) {
        if (op.kind === "add") {
          const row = rowOf(op);
          assert.equal(cols.push(row), model.length);
          model.push(row);
        } else {
          // Compaction as the bound join's sweep does it: kept rows move down in order.
          let n = 0;
          model = model.filter((_, i) => {
            if (op.mask[i % Math.max(1, op.mask.length)] === false) return false;
            cols.move(i, n++);
            return true;
          });
          cols.truncate(n);
        }
        assert.equal(cols.size, model.length);
        model.forEach((row, i) => {
          assert.deepEqual(values(cols.row(i)), values(row));
          cols.fill(i, cursor);
          assert.deepEqual(values(cursor), values(row));
          assert.equal(Object.getPrototypeOf(cols.row(i)), Object.prototype);
        });
      }
    }),
    { numRuns: 300 },
  );
});
