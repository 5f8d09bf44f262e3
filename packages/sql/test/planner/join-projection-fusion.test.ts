// A projection of columns right over a regular join is built by the join from each pair (one
// row per pair, not the joined row and then its projection; planner/join.ts fusibleProjection).
// On random tables (NULLs, duplicates, a column name on both sides), the final table of each
// query equals a brute-force evaluation: outer joins' padded rows on either side, an updating
// side whose retractions go through the built rows, renamed and reordered columns, and select
// lists that are not columns only (not fused) beside them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

type L = { k: number | null; a: number | null; s: string | null };
type R = { k: number | null; b: number | null; s: string | null };

const sortRows = (rows: readonly Row[]) => [...rows].map((r) => JSON.stringify(r)).sort();

async function tables(l: readonly L[], r: readonly R[]) {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 2 }), { connectors: logConnectors });
  const opts = (dir: string, topic: string) =>
    `WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = '${topic}', 'bounded' = 'true')`;
  await tEnv.executeSql(`CREATE TABLE l (k INT, a INT, s STRING) ${opts(logWithRows("l", l), "l")}`);
  await tEnv.executeSql(`CREATE TABLE r (k INT, b INT, s STRING) ${opts(logWithRows("r", r), "r")}`);
  return tEnv;
}

const matches = (x: L, y: R) => x.k !== null && x.k === y.k;

const QUERIES: readonly { sql: string; oracle: (l: readonly L[], r: readonly R[]) => Row[] }[] = [
  {
    // Every column, both sides padded; the right side's k and s are k0 and s0.
    sql: "SELECT * FROM l FULL JOIN r ON l.k = r.k",
    oracle: (l, r) => {
      const row = (x: L | null, y: R | null) => ({
        k: x?.k ?? null,
        a: x?.a ?? null,
        s: x?.s ?? null,
        k0: y?.k ?? null,
        b: y?.b ?? null,
        s0: y?.s ?? null,
      });
      return [
        ...l.flatMap((x) => {
          const ys = r.filter((y) => matches(x, y));
          return ys.length === 0 ? [row(x, null)] : ys.map((y) => row(x, y));
        }),
        ...r.filter((y) => !l.some((x) => matches(x, y))).map((y) => row(null, y)),
      ];
    },
  },
  {
    // Renamed and reordered, the right side first, padded on the right.
    sql: "SELECT r.s AS rs, l.s AS ls, l.k FROM l LEFT JOIN r ON l.k = r.k",
    oracle: (l, r) =>
      l.flatMap((x) => {
        const ys = r.filter((y) => matches(x, y));
        return ys.length === 0
          ? [{ rs: null, ls: x.s, k: x.k }]
          : ys.map((y) => ({ rs: y.s, ls: x.s, k: x.k }));
      }),
  },
  {
    // An updating right side: its -U/+U pairs retract and add built rows.
    sql: "SELECT c.n, l.a FROM l JOIN (SELECT k, COUNT(*) AS n FROM r GROUP BY k) c ON l.k = c.k",
    oracle: (l, r) =>
      l.flatMap((x) => {
        const n = r.filter((y) => matches(x, y)).length;
        return n === 0 ? [] : [{ n, a: x.a }];
      }),
  },
  {
    // An expression in the select list: the joined row, then its projection (not fused).
    sql: "SELECT l.a + r.b AS ab, r.s FROM l RIGHT JOIN r ON l.k = r.k",
    oracle: (l, r) =>
      r.flatMap((y) => {
        const xs = l.filter((x) => matches(x, y));
        return xs.length === 0
          ? [{ ab: null, s: y.s }]
          : xs.map((x) => ({ ab: x.a === null || y.b === null ? null : x.a + y.b, s: y.s }));
      }),
  },
];

test("EXPLAIN: the projection over a fused join stays in the plan", async () => {
  const tEnv = await tables([], []);
  const text = (await (await tEnv.executeSql(`EXPLAIN ${QUERIES[1]?.sql}`)).collect())[0]?.result as string;
  assert.match(text, /Calc\(select=\[rs, ls, k\]\)[^\n]*\n\s*\+- Join\(joinType=\[LeftOuterJoin\]/);
});

test("property: a projection built by the join gives the final table of the SQL", async () => {
  const small = fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 6 });
  const str = fc.constantFrom("x", "y", null);
  const lRow = fc.record({ k: small, a: small, s: str });
  const rRow = fc.record({ k: small, b: small, s: str });
  await fc.assert(
    fc.asyncProperty(
      fc.array(lRow, { maxLength: 15 }),
      fc.array(rRow, { maxLength: 15 }),
      fc.integer({ min: 0, max: QUERIES.length - 1 }),
      async (l, r, which) => {
        const q = QUERIES[which] as (typeof QUERIES)[number];
        const tEnv = await tables(l, r);
        const got = materialize(await (await tEnv.executeSql(q.sql)).collect());
        assert.deepEqual(sortRows(got), sortRows(q.oracle(l, r)), q.sql);
      },
    ),
    { numRuns: 60 },
  );
});
