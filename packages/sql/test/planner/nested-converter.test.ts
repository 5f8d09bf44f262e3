// The one walk over ROW, ARRAY and MAP types (nested-converter.ts) as fromExternal uses it: on
// random nested types and values, its compiled converter equals a plain recursive reading of the
// same rules (the recursion fromExternal had, with MAP keys converted to the key type as Flink
// converts them). The registry formats' reading and writing of decoded values (registry-format.ts)
// with the same walk, against the recursions they had.
import assert from "node:assert/strict";
import { test } from "node:test";
import avro from "avsc";
import fc from "fast-check";
import { valueReader, valueWriter } from "../../src/formats/registry-format.js";
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

/** A leaf conversion whose results show that it ran, on which value and type. */
const marked = (v: unknown, t: DataType & { kind: "atomic" }) => `${t.name}(${String(v)})`;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/** The registry formats' reading as their own recursion did it (registry-format.ts readValue). */
function registryRead(v: unknown, t: DataType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case "row":
      if (!isPlainObject(v)) return null;
      return Object.fromEntries(
        t.fields.map((f) => [f.name, registryRead(Object.hasOwn(v, f.name) ? v[f.name] : undefined, f.type)]),
      );
    case "array":
      return Array.isArray(v) ? v.map((x) => registryRead(x, t.element)) : null;
    case "map":
      // (It took an array's indexes as a MAP's keys; now an array is no MAP: NULL.)
      if (!isPlainObject(v)) return null;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, registryRead(x, t.value)]));
    case "atomic":
      return marked(v, t);
    default:
      return v;
  }
}

/** The registry formats' writing as their own recursion did it (registry-format.ts writeValue). */
function registryWrite(v: unknown, t: DataType, nullValue: null | undefined): unknown {
  if (v === null || v === undefined) return nullValue;
  switch (t.kind) {
    case "row": {
      // (It made a ROW of NULLs of a value of another shape; now it is kept, for the encoder to refuse.)
      if (!Array.isArray(v) && !isPlainObject(v)) return v;
      const out: Record<string, unknown> = {};
      t.fields.forEach((f, i) => {
        const field = Array.isArray(v) ? v[i] : Object.hasOwn(v, f.name) ? v[f.name] : undefined;
        const x = registryWrite(field, f.type, nullValue);
        if (x !== undefined) out[f.name] = x;
      });
      return out;
    }
    case "array":
      return Array.isArray(v) ? v.map((x) => registryWrite(x, t.element, nullValue)) : v;
    case "map":
      // (It wrote an array's indexes as a MAP's keys; now it is kept.)
      if (!isPlainObject(v)) return v;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, registryWrite(x, t.value, nullValue)]));
    case "atomic":
      return marked(v, t);
    default:
      return v;
  }
}

test("the registry formats' reader: a missing ROW field and a value of the wrong shape are NULL, MAP keys as they are", () => {
  const row: DataType = {
    kind: "row",
    fields: [
      { name: "a", type: INT },
      { name: "m", type: { kind: "map", key: INT, value: INT, notNull: false } },
    ],
    notNull: false,
  };
  const read = valueReader({ kind: "array", element: row, notNull: false }, marked, "c");
  assert.deepEqual(read([{ m: { "007": 1 } }, "x", { a: 2, m: [3] }, null]), [
    { a: null, m: { "007": "INT(1)" } },
    null,
    { a: "INT(2)", m: null },
    null,
  ]);
  assert.equal(read(undefined), null);
  assert.equal(read({}), null);
  // A MULTISET as connectors give it: an object of element text to count.
  const multiset: DataType = { kind: "multiset", element: INT, notNull: false };
  assert.deepEqual(valueReader(multiset, marked, "c")({ "1": 2 }), { "1": 2 });
});

test("the registry formats' writer: every ROW field, NULL as null or (protobuf) left out, ROW lists as objects", () => {
  const row: DataType = {
    kind: "row",
    fields: [
      { name: "a", type: INT },
      { name: "s", type: { kind: "array", element: INT, notNull: false } },
    ],
    notNull: false,
  };
  assert.deepEqual(valueWriter(row, marked, "c")([1, [2, null]]), { a: "INT(1)", s: ["INT(2)", null] });
  assert.deepEqual(valueWriter(row, marked, "c")({ s: null }), { a: null, s: null });
  assert.deepEqual(valueWriter(row, marked, "c", true)({ s: [null] }), { s: [undefined] });
  assert.equal(valueWriter(row, marked, "c", true)(null), undefined);
  assert.equal(valueWriter(INT, undefined, "c", true)(null), undefined);
  assert.equal(valueWriter(INT, undefined, "c")(7), 7);
});

test("the registry formats' writer: a MAP held as a JS Map (a connector's or a DataStream's value) is written with its entries, not as an empty map", () => {
  const map: DataType = { kind: "map", key: atomic("STRING"), value: INT, notNull: false };
  const nested: DataType = { kind: "row", fields: [{ name: "m", type: map }], notNull: false };
  const value = new Map<string, unknown>([
    ["a", 1],
    ["b", null],
  ]);
  assert.deepEqual(valueWriter(map, marked, "c")(value), { a: "INT(1)", b: null });
  assert.deepEqual(valueWriter(map, marked, "c", true)(value), { a: "INT(1)", b: undefined });
  assert.deepEqual(valueWriter(nested, undefined, "c")({ m: value }), { m: { a: 1, b: null } });
  // What avsc, the Avro encoder, makes of it: a Map would be written as an empty map.
  const avroType = avro.Type.forSchema({
    type: "record",
    name: "r",
    fields: [{ name: "m", type: { type: "map", values: ["null", "int"] } }],
  });
  const written = valueWriter(nested, undefined, "c")({ m: value }) as object;
  assert.deepEqual(
    { ...(avroType.fromBuffer(avroType.toBuffer(written)) as object) },
    { m: { a: 1, b: null } },
  );
});

test("property: the registry formats' reader and writer on the shared walk equal the recursions they had", () => {
  fc.assert(
    fc.property(
      types.chain((t) => fc.tuple(fc.constant(t), fc.array(valueFor(t), { maxLength: 4 }))),
      ([t, values]) => {
        const read = valueReader(t, marked, "c");
        const write = valueWriter(t, marked, "c");
        const writeProto = valueWriter(t, marked, "c", true);
        for (const v of values) {
          assert.deepEqual(read(v), registryRead(v, t));
          assert.deepEqual(write(v), registryWrite(v, t, null));
          assert.deepEqual(writeProto(v), registryWrite(v, t, undefined));
        }
      },
    ),
    { numRuns: 300 },
  );
});
