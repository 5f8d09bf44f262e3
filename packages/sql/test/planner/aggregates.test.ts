// MIN, MAX and the DISTINCT aggregates keep their result up to date per value (the summary of
// the multiset); on random sequences of accumulations and retractions (and session merges) the
// result equals a brute-force evaluation over the values present, and state written as a bare
// multiset (before the summary existed) still reads and updates.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type AggAcc,
  type AggregateCall,
  type CallExpr,
  createAcc,
  type Multiset,
  mergeAcc,
  plainAccumulators,
  resultOf,
  resultReader,
  updateAcc,
} from "../../src/planner/aggregates.js";

const BIGINT = { kind: "atomic", name: "BIGINT", args: [], notNull: false } as const;
const DOUBLE = { kind: "atomic", name: "DOUBLE", args: [], notNull: false } as const;
const INT = { kind: "atomic", name: "INT", args: [], notNull: false } as const;
const FLOAT = { kind: "atomic", name: "FLOAT", args: [], notNull: false } as const;
const DECIMAL = { kind: "atomic", name: "DECIMAL", args: [10, 2], notNull: false } as const;

function call(
  name: string,
  distinct: boolean,
  type: typeof BIGINT | typeof DOUBLE | typeof INT | typeof FLOAT | typeof DECIMAL = BIGINT,
): AggregateCall {
  const c = { kind: "call", name, args: [], distinct } as unknown as CallExpr;
  return { call: c, arg: { eval: () => null, type }, filter: undefined };
}

const CALLS: [string, AggregateCall][] = [
  ["MIN", call("MIN", false)],
  ["MAX", call("MAX", false)],
  ["MIN(DISTINCT)", call("MIN", true)],
  ["MAX(DISTINCT)", call("MAX", true)],
  ["COUNT(DISTINCT)", call("COUNT", true)],
  ["SUM(DISTINCT)", call("SUM", true)],
  ["AVG(DISTINCT)", call("AVG", true)],
];

/** The aggregate of the multiset `counts` (value -> multiplicity > 0), computed from scratch. */
function bruteForce(name: string, counts: Map<number, number>): unknown {
  const values = [...counts.keys()];
  if (name.startsWith("COUNT")) return values.length;
  if (values.length === 0) return null;
  if (name.startsWith("MIN")) return Math.min(...values);
  if (name.startsWith("MAX")) return Math.max(...values);
  const sum = values.reduce((a, b) => a + b, 0);
  return name.startsWith("SUM") ? sum : Math.trunc(sum / values.length) + 0; // no -0, as Java's longs
}

/** Steps: a value to add (sign 1) or to take out (-1, only values present, as a changelog does). */
const steps = fc.array(fc.tuple(fc.integer({ min: -20, max: 20 }), fc.boolean()), { maxLength: 80 });

test("incremental MIN, MAX and DISTINCT results equal a brute-force evaluation after every step", () => {
  for (const [name, a] of CALLS) {
    fc.assert(
      fc.property(steps, (ops) => {
        let acc: AggAcc = createAcc(a);
        const counts = new Map<number, number>();
        for (const [v, retract] of ops) {
          const n = counts.get(v) ?? 0;
          if (retract && n > 0) {
            acc = updateAcc(a, acc, v, -1);
            if (n === 1) counts.delete(v);
            else counts.set(v, n - 1);
          } else {
            acc = updateAcc(a, acc, v, 1);
            counts.set(v, n + 1);
          }
          assert.deepEqual(resultOf(a, acc), bruteForce(name, counts), name);
        }
      }),
      { numRuns: 200 },
    );
  }
});

test("merging two accumulators (session windows) gives the result of the union", () => {
  for (const [name, a] of CALLS) {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -9, max: 9 })),
        fc.array(fc.integer({ min: -9, max: 9 })),
        (xs, ys) => {
          let x = createAcc(a);
          for (const v of xs) x = updateAcc(a, x, v, 1);
          let y = createAcc(a);
          for (const v of ys) y = updateAcc(a, y, v, 1);
          const counts = new Map<number, number>();
          for (const v of [...xs, ...ys]) counts.set(v, (counts.get(v) ?? 0) + 1);
          assert.deepEqual(resultOf(a, mergeAcc(a, x, y)), bruteForce(name, counts), name);
        },
      ),
      { numRuns: 100 },
    );
  }
});

test("an accumulator held as a bare multiset (older state) reads and updates as before", () => {
  const old: Multiset = { "3": [3, 2], "7": [7, 1], "-1": [-1, 1] };
  const max = call("MAX", false);
  assert.equal(resultOf(max, structuredClone(old)), 7);
  let acc = updateAcc(max, structuredClone(old), 7, -1);
  assert.equal(resultOf(max, acc), 3);
  acc = updateAcc(max, acc, 9, 1);
  assert.equal(resultOf(max, acc), 9);
  const count = call("COUNT", true);
  assert.equal(resultOf(count, structuredClone(old)), 3);
  assert.equal(resultOf(count, updateAcc(count, structuredClone(old), 5, 1)), 4);
  const avg = call("AVG", true, DOUBLE);
  assert.equal(resultOf(avg, structuredClone(old)), 3);
});

test("the accumulator stays JSON data (any state backend keeps it): a round trip through JSON changes no result", () => {
  const a = call("MAX", false);
  let acc = createAcc(a);
  for (const v of [5, 1, 5, 9]) acc = updateAcc(a, acc, v, 1);
  acc = updateAcc(a, acc, 9, -1);
  const copy = JSON.parse(JSON.stringify(acc)) as AggAcc;
  assert.equal(resultOf(a, copy), 5);
  assert.equal(resultOf(a, updateAcc(a, copy, 5, -1)), 5);
  assert.equal(resultOf(a, updateAcc(a, copy, 5, -1)), 1);
});

test("append-only MIN and MAX (windows, insert-only inputs) keep one value: its results and merges equal a brute-force evaluation", () => {
  for (const name of ["MIN", "MAX"]) {
    const a: AggregateCall = { ...call(name, false), appendOnly: true };
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 })),
        fc.array(fc.integer({ min: -50, max: 50 })),
        (xs, ys) => {
          let x = createAcc(a);
          const counts = new Map<number, number>();
          for (const v of xs) {
            x = updateAcc(a, x, v, 1);
            counts.set(v, 1);
            assert.equal(resultOf(a, x), bruteForce(name, counts));
          }
          let y = createAcc(a);
          for (const v of ys) y = updateAcc(a, y, v, 1);
          for (const v of ys) counts.set(v, 1);
          assert.equal(resultOf(a, mergeAcc(a, x, y)), bruteForce(name, counts));
          assert.ok(JSON.stringify(x).length < 40, "one value, not the values seen");
        },
      ),
      { numRuns: 200 },
    );
  }
});

test("an append-only MAX reads state written by the multiset accumulator (older state), summarized or bare", () => {
  const a: AggregateCall = { ...call("MAX", false), appendOnly: true };
  const old: Multiset = { "3": [3, 2], "7": [7, 1] };
  assert.equal(resultOf(a, structuredClone(old)), 7);
  assert.equal(resultOf(a, updateAcc(a, structuredClone(old), 9, 1)), 9);
  let summarized = createAcc(call("MAX", false));
  for (const v of [4, 8, 2]) summarized = updateAcc(call("MAX", false), summarized, v, 1);
  assert.equal(resultOf(a, summarized), 8);
  assert.equal(resultOf(a, updateAcc(a, summarized, 5, 1)), 8);
  assert.throws(() => updateAcc(a, createAcc(a), 1, -1), /MAX of an insert-only input got a retraction/);
});

test("plain accumulators (COUNT, SUM, AVG, append-only MIN/MAX) create, merge and read as the generic functions do", () => {
  const plainCalls: [string, AggregateCall][] = [
    ["COUNT", call("COUNT", false)],
    ["SUM", call("SUM", false)],
    ["AVG", call("AVG", false)],
    ["SUM DOUBLE", call("SUM", false, DOUBLE)],
    ["AVG DOUBLE", call("AVG", false, DOUBLE)],
    ["MIN", { ...call("MIN", false), appendOnly: true }],
    ["MAX", { ...call("MAX", false), appendOnly: true }],
  ];
  const values = fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 6 });
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(...plainCalls), { minLength: 1, maxLength: 4 }),
      // Slices: the values each one accumulated; merged in order as a window merges its slices.
      fc.array(values, { maxLength: 6 }),
      (named, slices) => {
        const calls = named.map(([, a]) => a);
        const plain = plainAccumulators(calls);
        assert.ok(plain !== undefined);
        const fill = (vs: readonly number[]) =>
          calls.map((a) => vs.reduce((acc: AggAcc, v) => updateAcc(a, acc, v, 1), createAcc(a)));
        const accs = slices.map(fill);
        // Generic: new accumulators merged pairwise; plain: merged in place into created ones.
        const generic = accs.reduce(
          (x, y) => calls.map((a, i) => mergeAcc(a, x[i] as AggAcc, y[i] as AggAcc)),
          calls.map(createAcc),
        );
        const before = JSON.stringify(accs);
        const x = plain.create();
        assert.deepEqual(x, calls.map(createAcc));
        for (const y of accs) plain.mergeInto(x, y);
        assert.equal(JSON.stringify(accs), before, "the merged accumulators stay as they were");
        assert.deepEqual(
          plain.results(x, []),
          calls.map((a, i) => resultOf(a, generic[i] as AggAcc)),
        );
        // Merging more into x changes none of the slices' arrays (none adopted).
        for (const y of accs) plain.mergeInto(x, y);
        assert.equal(JSON.stringify(accs), before);
      },
    ),
    { numRuns: 300 },
  );
  // MIN/MAX state written by the multiset accumulator (older versions) merges as before.
  const max: AggregateCall = { ...call("MAX", false), appendOnly: true };
  const plain = plainAccumulators([max]);
  assert.ok(plain !== undefined);
  const x = plain.create();
  plain.mergeInto(x, [{ "3": [3, 2], "7": [7, 1] } as unknown as AggAcc]);
  assert.deepEqual(plain.results(x, []), [7]);
  // Not plain: DISTINCT, a MIN/MAX that retracts, the ordered and spread aggregates.
  for (const a of [call("COUNT", true), call("MAX", false), call("LISTAGG", false), call("VAR_POP", false)])
    assert.equal(plainAccumulators([a]), undefined, a.call.name);
});

test("resultReader of SUM and AVG (the AVG of a non-DECIMAL type specialised once) reads as resultOf", () => {
  // AVG over integers truncates toward zero, over DOUBLE and FLOAT it does not, over DECIMAL it
  // rounds on the exact digits: each type's reader against the generic resultOf, on accumulators
  // built by updateAcc from random values (retractions included, so sums and counts cross 0).
  const calls = [BIGINT, INT, DOUBLE, FLOAT, DECIMAL].flatMap((t) => [
    call("AVG", false, t),
    call("SUM", false, t),
  ]);
  const value = fc.oneof(
    fc.integer({ min: -1000, max: 1000 }),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...calls),
      fc.array(fc.tuple(value, fc.boolean()), { maxLength: 12 }),
      (a, ops) => {
        const integral = a.arg?.type?.kind === "atomic" && ["BIGINT", "INT"].includes(a.arg.type.name);
        const read = resultReader(a);
        let acc: AggAcc = createAcc(a);
        assert.deepEqual(read(acc), resultOf(a, acc));
        for (const [v, retract] of ops) {
          acc = updateAcc(a, acc, integral ? Math.trunc(v) : v, retract ? -1 : 1);
          assert.deepEqual(read(acc), resultOf(a, acc), JSON.stringify({ name: a.call.name, acc }));
        }
      },
    ),
    { numRuns: 500 },
  );
});
