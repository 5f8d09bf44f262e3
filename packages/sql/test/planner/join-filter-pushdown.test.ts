// Filter push-down below an inner regular join: the conditions of WHERE (and ON) that read one
// side filter that side before the join, as Flink's planner pushes them, while the whole
// condition is still applied where it was written. On random tables (NULLs, duplicates, updating
// inputs), the final table of each query equals a brute-force evaluation of the same SQL; and
// the generated ORDER BY comparator of Top-N and sorts orders as the rules say (NULLs lowest),
// and Top-N reads its ORDER BY from the selected columns where it can.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import type { OrderItem } from "../../src/parser/ast.js";
import { rankComparator } from "../../src/planner/rank.js";
import { logWithRows } from "../fixtures/log-table.js";

type L = { k: number | null; a: number | null; s: string | null };
type R = { k: number | null; b: number | null };

const sortRows = (rows: readonly Row[]) => [...rows].map((r) => JSON.stringify(r)).sort();

async function tables(l: readonly L[], r: readonly R[]) {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 2 }), { connectors: logConnectors });
  const opts = (dir: string, topic: string) =>
    `WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = '${topic}', 'bounded' = 'true')`;
  await tEnv.executeSql(`CREATE TABLE l (k INT, a INT, s STRING) ${opts(logWithRows("l", l), "l")}`);
  await tEnv.executeSql(`CREATE TABLE r (k INT, b INT) ${opts(logWithRows("r", r), "r")}`);
  return tEnv;
}

/** The pairs of `l` and `r` with equal non-NULL keys that `keep` accepts (SQL's inner join). */
function pairs(l: readonly L[], r: readonly R[], keep: (x: L, y: R) => boolean): [L, R][] {
  const out: [L, R][] = [];
  for (const x of l) for (const y of r) if (x.k !== null && x.k === y.k && keep(x, y)) out.push([x, y]);
  return out;
}

const QUERIES: readonly { sql: string; oracle: (l: readonly L[], r: readonly R[]) => Row[] }[] = [
  {
    // WHERE conditions on each side over a JOIN ... ON.
    sql: "SELECT l.k, l.a, r.b FROM l JOIN r ON l.k = r.k WHERE l.a > 2 AND (r.b = 1 OR r.b IS NULL) AND l.a <> r.b",
    oracle: (l, r) =>
      pairs(
        l,
        r,
        (x, y) => x.a !== null && x.a > 2 && (y.b === 1 || y.b === null) && y.b !== null && x.a !== y.b,
      ).map(([x, y]) => ({ k: x.k, a: x.a, b: y.b })),
  },
  {
    // FROM l, r WHERE ...: the whole WHERE is the join's ON; its one-side parts go below it.
    sql: "SELECT l.s, r.b FROM l, r WHERE l.k = r.k AND l.s IN ('x', 'y') AND NOT (r.b BETWEEN 2 AND 4)",
    oracle: (l, r) =>
      pairs(l, r, (x, y) => (x.s === "x" || x.s === "y") && y.b !== null && !(y.b >= 2 && y.b <= 4)).map(
        ([x, y]) => ({ s: x.s, b: y.b }),
      ),
  },
  {
    // An updating left side (+I, -U, +U): a filter on the count lets through only some of a
    // key's changes, and the join still ends with the right rows.
    sql: "SELECT c.k, c.n, r.b FROM (SELECT k, COUNT(*) AS n FROM l GROUP BY k) c JOIN r ON c.k = r.k AND r.b <> 0 WHERE c.n >= 2",
    oracle: (l, r) => {
      const counts = new Map<number | null, number>();
      for (const x of l) counts.set(x.k, (counts.get(x.k) ?? 0) + 1);
      const c = [...counts].map(([k, n]) => ({ k, a: n, s: null }));
      return pairs(c, r, (x, y) => (x.a as number) >= 2 && y.b !== null && y.b !== 0).map(([x, y]) => ({
        k: x.k,
        n: x.a,
        b: y.b,
      }));
    },
  },
  {
    // An aggregation over the filtered join.
    sql: "SELECT l.k, COUNT(*) AS n, MAX(r.b) AS m FROM l JOIN r ON l.k = r.k WHERE l.s = 'x' AND r.b >= 1 GROUP BY l.k",
    oracle: (l, r) => {
      const by = new Map<number | null, { n: number; m: number }>();
      for (const [x, y] of pairs(l, r, (x, y) => x.s === "x" && y.b !== null && y.b >= 1)) {
        const g = by.get(x.k) ?? { n: 0, m: Number.NEGATIVE_INFINITY };
        g.n += 1;
        g.m = Math.max(g.m, y.b as number);
        by.set(x.k, g);
      }
      return [...by].map(([k, g]) => ({ k, n: g.n, m: g.m }));
    },
  },
];

test("EXPLAIN: the one-side conditions of WHERE filter each side below the join, the WHERE stays after it", async () => {
  const tEnv = await tables([], []);
  const result = await tEnv.executeSql(`EXPLAIN ${QUERIES[0]?.sql}`);
  const text = (await result.collect())[0]?.result as string;
  const plan = text.slice(text.indexOf("== Optimized Physical Plan =="));
  assert.match(plan, /Calc\(where=\[l\.a > 2 AND \(r\.b = 1 OR r\.b IS NULL\) AND l\.a <> r\.b\]\)/);
  assert.match(plan, /\+- Calc\(where=\[l\.a > 2\]\)/);
  assert.match(plan, /\+- Calc\(where=\[r\.b = 1 OR r\.b IS NULL\]\)/);
  // The condition on both sides is not pushed.
  assert.doesNotMatch(plan, /\+- Calc\(where=\[l\.a <> r\.b\]\)/);
});

test("property: inner joins with conditions pushed below them give the final table of the SQL over the whole input", async () => {
  const small = fc.option(fc.integer({ min: 0, max: 5 }), { nil: null, freq: 6 });
  const lRow = fc.record({ k: small, a: small, s: fc.constantFrom("x", "y", "z", null) });
  const rRow = fc.record({ k: small, b: small });
  await fc.assert(
    fc.asyncProperty(
      fc.array(lRow, { maxLength: 25 }),
      fc.array(rRow, { maxLength: 25 }),
      fc.integer({ min: 0, max: QUERIES.length - 1 }),
      async (l, r, which) => {
        const q = QUERIES[which] as (typeof QUERIES)[number];
        const tEnv = await tables(l, r);
        const changes = await (await tEnv.executeSql(q.sql)).collect();
        assert.deepEqual(sortRows(materialize(changes)), sortRows(q.oracle(l, r)), q.sql);
      },
    ),
    { numRuns: 40 },
  );
});

/** The `n` first rows of each `k` by `a` DESC (NULLs last), then `s` ASC (NULLs first). */
function topByKey(l: readonly L[], n: number): L[] {
  const cmp = (x: L, y: L) => {
    if (x.a !== y.a) return x.a === null ? 1 : y.a === null ? -1 : y.a - x.a;
    if (x.s !== y.s) return x.s === null ? -1 : y.s === null ? 1 : x.s < y.s ? -1 : 1;
    return 0;
  };
  const by = new Map<number | null, L[]>();
  for (const x of l) by.set(x.k, [...(by.get(x.k) ?? []), x]);
  return [...by.values()].flatMap((rows) => [...rows].sort(cmp).slice(0, n));
}

test("property: Top-N reading its ORDER BY from selected columns (one renamed, one hidden) keeps the right rows", async () => {
  const small = fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 5 });
  const lRow = fc.record({ k: small, a: small, s: fc.constantFrom("x", "y", null) });
  const queries = [
    {
      sql: "SELECT k, a, s FROM (SELECT k, a, s, ROW_NUMBER() OVER (PARTITION BY k ORDER BY a DESC, s) AS rn FROM l) WHERE rn <= 2",
      oracle: (l: readonly L[]) => topByKey(l, 2).map((x) => ({ k: x.k, a: x.a, s: x.s })),
    },
    {
      // Two items named a (the second is a0), s not selected: read from a hidden column.
      sql: "SELECT k, a0 FROM (SELECT k, a, a, ROW_NUMBER() OVER (PARTITION BY k ORDER BY a DESC, s) AS rn FROM l) WHERE rn <= 1",
      oracle: (l: readonly L[]) => topByKey(l, 1).map((x) => ({ k: x.k, a0: x.a })),
    },
  ];
  await fc.assert(
    fc.asyncProperty(fc.array(lRow, { maxLength: 30 }), fc.constantFrom(0, 1), async (l, which) => {
      const q = queries[which] as (typeof queries)[number];
      const tEnv = await tables(l, []);
      const changes = await (await tEnv.executeSql(q.sql)).collect();
      assert.deepEqual(sortRows(materialize(changes)), sortRows(q.oracle(l)), q.sql);
    }),
    { numRuns: 30 },
  );
});

test("property: the generated ORDER BY comparator orders as the rules say (NULLs lowest, ties 0)", () => {
  const item = fc.record({
    direction: fc.constantFrom("ASC", "DESC", undefined),
    nulls: fc.constantFrom("FIRST", "LAST", undefined),
  });
  const value = fc.option(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom("a", "b")), {
    nil: null,
  });
  fc.assert(
    fc.property(
      fc.array(item, { minLength: 1, maxLength: 3 }),
      fc.array(fc.array(value, { minLength: 3, maxLength: 3 }), { minLength: 2, maxLength: 2 }),
      (items, [xs, ys]) => {
        const orderBy = items.map((i) => ({ expr: { kind: "literal", type: "null" }, ...i })) as OrderItem[];
        const names = items.map((_, i) => `c${i}`);
        const row = (vs: readonly unknown[]) => Object.fromEntries(names.map((n, i) => [n, vs[i]]));
        const a = row(xs as unknown[]);
        const b = row(ys as unknown[]);
        // The rules, written out: per key, NULLs lowest (first ASC, last DESC unless NULLS says).
        let expected = 0;
        for (const [i, it] of items.entries()) {
          const x = a[names[i] as string] ?? null;
          const y = b[names[i] as string] ?? null;
          if (x === y) continue;
          const desc = it.direction === "DESC";
          const nullsFirst = it.nulls === undefined ? !desc : it.nulls === "FIRST";
          if (x === null) expected = nullsFirst ? -1 : 1;
          else if (y === null) expected = nullsFirst ? 1 : -1;
          else if ((x as number) < (y as number)) expected = desc ? 1 : -1;
          else if ((x as number) > (y as number)) expected = desc ? -1 : 1;
          else continue;
          break;
        }
        assert.equal(rankComparator(orderBy, names)(a, b), expected);
      },
    ),
    { numRuns: 300 },
  );
});
