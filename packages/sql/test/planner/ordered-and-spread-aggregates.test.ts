// LISTAGG, FIRST_VALUE, LAST_VALUE and the variances at the accumulator level: on random
// sequences of accumulations and retractions (retracting only values present, as a changelog
// does) and session merges, the result equals a brute-force evaluation over the values present,
// in arrival order where the function depends on it (a retraction takes out the earliest equal
// value, as Flink's *WithRetractAggFunction do).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type AggAcc,
  type AggregateCall,
  type CallExpr,
  createAcc,
  mergeAcc,
  resultOf,
  updateAcc,
} from "../../src/planner/aggregates.js";

const atomic = (name: string) => ({ kind: "atomic", name, args: [], notNull: false }) as const;

function call(
  name: string,
  type: string,
  opts: { appendOnly?: boolean; distinct?: boolean } = {},
): AggregateCall {
  const c = { kind: "call", name, args: [], distinct: opts.distinct === true } as unknown as CallExpr;
  return {
    call: c,
    arg: { eval: () => null, type: atomic(type) },
    filter: undefined,
    appendOnly: opts.appendOnly === true,
    ...(name === "LISTAGG" ? { separator: ";" } : {}),
  };
}

/**
 * Flink's reduction of the variances over BIGINT, in BigInt with Java's long wrap-around:
 * trunc((q - trunc(s*s/n)) / d), the square root of a negative (wrapped) variance 0.
 */
function longSpread(values: number[], sample: boolean, sqrt: boolean): number | null {
  const n = BigInt(values.length);
  if (n === 0n || (sample && n === 1n)) return null;
  const long = (x: bigint) => BigInt.asIntN(64, x);
  const s = long(values.reduce((x, v) => x + BigInt(v), 0n));
  const q = long(values.reduce((x, v) => x + BigInt(v) * BigInt(v), 0n));
  const variance = long(q - long(s * s) / n) / (sample ? n - 1n : n);
  if (!sqrt) return Number(variance);
  const root = Math.sqrt(Number(variance));
  return Number.isNaN(root) ? 0 : Math.trunc(root);
}
/** Flink's reduction over DOUBLE on values whose sums are exact (quarters): (q - s*s/n) / d. */
function doubleSpread(values: number[], sample: boolean, sqrt: boolean): number | null {
  const n = values.length;
  if (n === 0 || (sample && n === 1)) return null;
  const s = values.reduce((x, v) => x + v, 0);
  const q = values.reduce((x, v) => x + v * v, 0);
  const variance = (q - (s * s) / n) / (sample ? n - 1 : n);
  return sqrt ? Math.sqrt(variance) : variance;
}

const SPREADS: [string, boolean, boolean][] = [
  ["VAR_POP", false, false],
  ["VAR_SAMP", true, false],
  ["VARIANCE", true, false],
  ["STDDEV_POP", false, true],
  ["STDDEV_SAMP", true, true],
  ["STDDEV", true, true],
];

/** Runs `ops` (a value in, or out when `out` and present) through `a`; returns the result and the values present in order. */
function run(a: AggregateCall, ops: { v: number; out: boolean }[]): { result: unknown; present: number[] } {
  let acc: AggAcc = createAcc(a);
  const present: number[] = [];
  for (const { v, out } of ops) {
    if (out) {
      const i = present.indexOf(v);
      if (i < 0) continue;
      present.splice(i, 1);
      acc = updateAcc(a, acc, v, -1);
    } else {
      present.push(v);
      acc = updateAcc(a, acc, v, 1);
    }
    // Checkpointed and restored between any two updates: the accumulator is plain JSON.
    acc = JSON.parse(JSON.stringify(acc));
  }
  return { result: resultOf(a, acc), present };
}

const op = (values: fc.Arbitrary<number>) => fc.record({ v: values, out: fc.boolean() });

test("property: LISTAGG, FIRST_VALUE, LAST_VALUE under retraction equal the values present in arrival order", () => {
  fc.assert(
    fc.property(fc.array(op(fc.integer({ min: 0, max: 5 })), { maxLength: 60 }), (ops) => {
      const ords = ops.map((o) => ({ v: o.v, out: o.out }));
      const l = run(call("LISTAGG", "STRING"), ords);
      assert.equal(l.result, l.present.length === 0 ? null : l.present.join(";"));
      const f = run(call("FIRST_VALUE", "INT"), ords);
      assert.equal(f.result, f.present[0] ?? null);
      const z = run(call("LAST_VALUE", "INT"), ords);
      assert.equal(z.result, z.present.at(-1) ?? null);
      const d = run(call("LISTAGG", "STRING", { distinct: true }), ords);
      const distinct = [...new Set(d.present)].sort().join(";");
      assert.equal(d.result === null ? null : String(d.result).split(";").sort().join(";"), distinct || null);
    }),
    { numRuns: 300 },
  );
});

test("property: the variances over integers under retraction equal Flink's integer formula over the values present", () => {
  // Values up to 2^40: squares beyond 2^53 and their sums beyond 2^63, so they wrap as Java's longs.
  const values = fc.oneof(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }));
  fc.assert(
    fc.property(fc.array(op(values), { maxLength: 40 }), (ops) => {
      for (const [name, sample, sqrt] of SPREADS) {
        const r = run(call(name, "BIGINT"), ops);
        assert.equal(r.result, longSpread(r.present, sample, sqrt), name);
      }
    }),
    { numRuns: 200 },
  );
});

test("property: the variances over doubles under retraction equal Flink's sum-of-squares formula over the values present", () => {
  // Quarters up to 2^20: every square and sum is exact in a double, so the order of the terms
  // does not matter and the result is the formula's over the values present.
  const values = fc.integer({ min: -(2 ** 22), max: 2 ** 22 }).map((x) => x / 4);
  fc.assert(
    fc.property(fc.array(op(values), { maxLength: 40 }), (ops) => {
      for (const [name, sample, sqrt] of SPREADS) {
        const r = run(call(name, "DOUBLE"), ops);
        assert.equal(r.result, doubleSpread(r.present, sample, sqrt), name);
      }
    }),
    { numRuns: 200 },
  );
});

test("property: merging two accumulators (session windows) equals accumulating both halves in order", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: -9, max: 9 })),
      fc.array(fc.integer({ min: -9, max: 9 })),
      (xs, ys) => {
        for (const [name, type] of [
          ["LISTAGG", "STRING"],
          ["VAR_SAMP", "INT"],
          ["STDDEV_POP", "DOUBLE"],
        ] as const) {
          const a = call(name, type, { appendOnly: true });
          const fold = (vs: number[]) => vs.reduce((acc, v) => updateAcc(a, acc, v, 1), createAcc(a));
          const merged = resultOf(a, mergeAcc(a, fold(xs), fold(ys)));
          const whole = resultOf(a, fold([...xs, ...ys]));
          if (typeof whole === "number") assert.ok(Math.abs((merged as number) - whole) < 1e-9, name);
          else assert.equal(merged, whole, name);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test("FIRST_VALUE and LAST_VALUE over an insert-only input keep one value, and read state of the list accumulator", () => {
  const first = call("FIRST_VALUE", "INT", { appendOnly: true });
  const last = call("LAST_VALUE", "INT", { appendOnly: true });
  let f = createAcc(first);
  let l = createAcc(last);
  for (const v of [3, 1, 2]) {
    f = updateAcc(first, f, v, 1);
    l = updateAcc(last, l, v, 1);
  }
  assert.deepEqual([f, l], [[3], [2]]);
  assert.deepEqual([resultOf(first, f), resultOf(last, l)], [3, 2]);
  assert.equal(resultOf(first, { list: [7, 8] }), 7);
  assert.equal(resultOf(last, { list: [7, 8] }), 8);
  assert.throws(() => updateAcc(first, [1], 1, -1), /insert-only input got a retraction/);
});

test("a variance over doubles saved as Welford's { n, mean, m2 } or shifted sums { n, k, s, q } carries on as plain sums", () => {
  const a = call("VAR_POP", "DOUBLE");
  // 1 and 2, as state written before the plain sums: mean 1.5, m2 0.5.
  let acc: AggAcc = { n: 2, mean: 1.5, m2: 0.5 };
  acc = updateAcc(a, acc, 3, 1);
  assert.equal(resultOf(a, acc), 2 / 3);
  acc = updateAcc(a, JSON.parse(JSON.stringify(acc)), 1, -1);
  assert.equal(resultOf(a, acc), 0.25);
  // 5 around the shift 4: Σ(v - k) = 1, Σ(v - k)^2 = 1.
  const merged = mergeAcc(a, { n: 1, k: 4, s: 1, q: 1 }, acc);
  // 2, 3 and 5: mean 10/3, squared deviations 16/9 + 1/9 + 25/9.
  assert.ok(Math.abs((resultOf(a, merged) as number) - 14 / 9) < 1e-12);
});

test("over doubles near 1e9 the sum of squares cancels, as Flink's reduction does (VAR_SAMP of 1e9 + 1, + 2, + 3 is 0)", () => {
  const a = call("VAR_SAMP", "DOUBLE");
  let acc: AggAcc = createAcc(a);
  for (const v of [1000000001, 1000000002, 1000000003]) acc = updateAcc(a, acc, v, 1);
  // Flink 1.20 printed 0.0 for these values (variance-flink.test.ts).
  assert.equal(resultOf(a, acc), 0);
});

/**
 * Changelog ops in any order: each value inserted, and some of them retracted too, the
 * retraction possibly before its insert (as rows of a join or an upsert source arrive).
 */
const unordered = (values: fc.Arbitrary<number>) =>
  fc.array(fc.record({ v: values, retracted: fc.boolean() }), { maxLength: 24 }).chain((vs) => {
    const ops = vs.flatMap(({ v, retracted }) => [
      { v, sign: 1 as const },
      ...(retracted ? [{ v, sign: -1 as const }] : []),
    ]);
    return fc.shuffledSubarray(ops, { minLength: ops.length, maxLength: ops.length });
  });

test("property: the variances over doubles equal the formula over the values present once every retraction has met its insert, in any order", () => {
  // Quarters whose squares and sums are exact (see above): the result does not depend on order.
  const runs = fc.oneof(
    unordered(fc.integer({ min: -(2 ** 22), max: 2 ** 22 }).map((x) => x / 4)),
    unordered(fc.integer({ min: -9, max: 9 })),
  );
  fc.assert(
    fc.property(runs, fc.nat(), (ops, cut) => {
      for (const [name, sample, sqrt] of SPREADS) {
        const a = call(name, "DOUBLE");
        let acc: AggAcc = createAcc(a);
        const count = new Map<number, number>();
        for (const [i, { v, sign }] of ops.entries()) {
          acc = JSON.parse(JSON.stringify(updateAcc(a, acc, v, sign)));
          count.set(v, (count.get(v) ?? 0) + sign);
          // Compared where no retraction waits for its insert: the values present are a multiset.
          if ([...count.values()].some((n) => n < 0)) continue;
          const present = [...count].flatMap(([x, n]) => Array<number>(n).fill(x));
          assert.equal(resultOf(a, acc), doubleSpread(present, sample, sqrt), `${name} after ${i + 1} ops`);
        }
        // Two halves (a retraction and its insert possibly in different ones) merged: the same.
        const at = ops.length === 0 ? 0 : cut % (ops.length + 1);
        const fold = (part: typeof ops) => part.reduce((x, o) => updateAcc(a, x, o.v, o.sign), createAcc(a));
        const merged = resultOf(a, mergeAcc(a, fold(ops.slice(0, at)), fold(ops.slice(at))));
        assert.equal(merged, resultOf(a, acc), `${name} merged`);
      }
    }),
    { numRuns: 300 },
  );
});

test("property: ARRAY_AGG under retraction equals the values present in arrival order (NULLs kept), DISTINCT each from the start of its current presence", () => {
  const value = fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 4 });
  fc.assert(
    fc.property(
      fc.array(fc.record({ v: value, out: fc.boolean() }), { maxLength: 60 }),
      fc.nat(),
      (ops, cut) => {
        const plain = call("ARRAY_AGG", "INT");
        const distinct = call("ARRAY_AGG", "INT", { distinct: true });
        let p: AggAcc = createAcc(plain);
        let d: AggAcc = createAcc(distinct);
        // Brute force: the values present in arrival order (a retraction takes the earliest equal
        // one out), and for each value the op at which its count last rose from 0.
        const present: (number | null)[] = [];
        const since = new Map<number | null, number>();
        for (const [i, { v, out }] of ops.entries()) {
          if (out) {
            const at = present.indexOf(v);
            if (at < 0) continue;
            present.splice(at, 1);
            if (!present.includes(v)) since.delete(v);
          } else {
            if (!present.includes(v)) since.set(v, i);
            present.push(v);
          }
          p = JSON.parse(JSON.stringify(updateAcc(plain, p, v, out ? -1 : 1)));
          d = JSON.parse(JSON.stringify(updateAcc(distinct, d, v, out ? -1 : 1)));
          assert.deepEqual(resultOf(plain, p), present.length === 0 ? null : present);
          const firsts = [...since].sort((x, y) => x[1] - y[1]).map(([x]) => x);
          assert.deepEqual(resultOf(distinct, d), firsts.length === 0 ? null : firsts);
        }
        // Session windows merging two halves of insertions: the halves' lists one after the other,
        // DISTINCT the first half's values then the second's new ones.
        const ins = ops.map((o) => o.v);
        const at = cut % (ins.length + 1);
        for (const a of [plain, distinct]) {
          const fold = (vs: (number | null)[]) => vs.reduce((x, v) => updateAcc(a, x, v, 1), createAcc(a));
          assert.deepEqual(
            resultOf(a, mergeAcc(a, fold(ins.slice(0, at)), fold(ins.slice(at)))),
            resultOf(a, fold(ins)),
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});
