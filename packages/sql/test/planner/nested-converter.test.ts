// The one walk over ROW, ARRAY and MAP types (nested-converter.ts) as fromExternal uses it: on
// random nested types and values, its compiled converter equals a plain recursive reading of the
// same rules (the recursion fromExternal had, with MAP keys converted to the key type as Flink
// converts them).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { DataType } from "../../src/parser/ast.js";
import { externalConverter, fromExternal } from "../../src/planner/values.js";

const atomic = (name: string, args: number[] = []): DataType => ({
  kind: "atomic",
  name,
  args,
  notNull: false,
});
const INT = atomic("INT");

test("fromExternal converts MAP keys to the key type (held as their text), in objects, Maps and at any depth", () => {
  const m: DataType = { kind: "map", key: INT, value: atomic("TIMESTAMP", [3]), notNull: false };
  assert.deepEqual(fromExternal({ "007": "1970-01-01 00:00:01", " 8": 2 }, m), { "7": 1000, "8": 2 });
  assert.deepEqual(fromExternal(new Map([["007", 5]]), m), new Map([[7, 5]]));
  const b: DataType = { kind: "map", key: atomic("BOOLEAN"), value: INT, notNull: false };
  assert.deepEqual(fromExternal({ true: "1", false: 2 }, b), { true: 1, false: 2 });
  const row: DataType = { kind: "row", fields: [{ name: "m", type: m }], notNull: false };
  const arr: DataType = { kind: "array", element: row, notNull: false };
  assert.deepEqual(fromExternal([[{ "01": 0 }], { m: { "2": null } }, null], arr), [
    [{ "1": 0 }],
    { m: { "2": null } },
    null,
  ]);
  // Text keys stay as they are; a key that is no INT is NULL's text, as a MAP[...] of a NULL key.
  const s: DataType = { kind: "map", key: atomic("STRING"), value: INT, notNull: false };
  assert.deepEqual(fromExternal({ "007": 1 }, s), { "007": 1 });
  assert.deepEqual(fromExternal({ x: 1 }, m), { null: 1 });
});

/** The reference: fromExternal's rules as a plain recursion over the type, per value. */
function reference(v: unknown, t: DataType): unknown {
  if (v === null || v === undefined) return null;
  if (t.kind === "atomic") return fromExternal(v, t);
  if (typeof v !== "object" || v instanceof Uint8Array) return v;
  switch (t.kind) {
    case "row":
      if (Array.isArray(v)) return t.fields.map((f, i) => reference(v[i], f.type));
      return Object.fromEntries(
        t.fields
          .filter((f) => Object.hasOwn(v, f.name))
          .map((f) => [f.name, reference((v as any)[f.name], f.type)]),
      );
    case "array":
      return Array.isArray(v) ? v.map((x) => reference(x, t.element)) : v;
    case "map":
      if (Array.isArray(v)) return v;
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [
          t.key.kind === "atomic" && t.key.name !== "STRING" ? String(reference(k, t.key)) : k,
          reference(x, t.value),
        ]),
      );
    default:
      return v;
  }
}

const leafTypes = fc.constantFrom(
  INT,
  atomic("DOUBLE"),
  atomic("STRING"),
  atomic("BOOLEAN"),
  atomic("DATE"),
  atomic("BYTES"),
);
const types: fc.Arbitrary<DataType> = fc.letrec<{ t: DataType }>((tie) => ({
  t: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafTypes,
    tie("t").map((element) => ({ kind: "array", element, notNull: false }) as DataType),
    fc
      .tuple(fc.constantFrom(INT, atomic("STRING"), atomic("BOOLEAN")), tie("t"))
      .map(([key, value]) => ({ kind: "map", key, value, notNull: false }) as DataType),
    fc.array(tie("t"), { minLength: 1, maxLength: 3 }).map(
      (ts) =>
        ({
          kind: "row",
          fields: ts.map((type, i) => ({ name: `f${i}`, type })),
          notNull: false,
        }) as DataType,
    ),
  ),
})).t;
const leafValues = fc.oneof(
  fc.integer({ min: -99, max: 99 }),
  fc.constantFrom("7", "007", "x", "true", "2020-01-02", null),
);
/** A value of roughly type `t` (sometimes of the wrong shape, or a ROW as a list). */
function valueFor(t: DataType): fc.Arbitrary<unknown> {
  switch (t.kind) {
    case "array":
      return fc.oneof(fc.array(valueFor(t.element), { maxLength: 3 }), leafValues);
    case "map":
      return fc.oneof(
        fc.dictionary(fc.constantFrom("1", "007", "x", "true", "__proto__"), valueFor(t.value)),
        leafValues,
      );
    case "row":
      return fc.oneof(
        fc.tuple(...t.fields.map((f) => valueFor(f.type))),
        fc.record(Object.fromEntries(t.fields.map((f) => [f.name, valueFor(f.type)])), { requiredKeys: [] }),
        leafValues,
      );
    default:
      return leafValues;
  }
}

test("property: the compiled converter of a nested type equals the recursive reading of every value", () => {
  fc.assert(
    fc.property(
      types.chain((t) => fc.tuple(fc.constant(t), fc.array(valueFor(t), { maxLength: 4 }))),
      ([t, values]) => {
        const convert = externalConverter(t);
        for (const v of values) assert.deepEqual(convert(v), reference(v, t));
      },
    ),
    { numRuns: 300 },
  );
});
