// A projection of columns right over a regular join is built by the join from each pair (one
// row per pair, not the joined row and then its projection; planner/join.ts fusibleProjection).
// On random tables (NULLs, duplicates, a column name on both sides), the final table of each
// query equals a brute-force evaluation: outer joins' padded rows on either side, an updating
// side whose retractions go through the built rows, renamed and reordered columns, and select
// lists that are not columns only (not fused) beside them.
// A group aggregation right over a regular join has the join build each pair's row with only the
// columns the aggregation reads (its keys, aggregate arguments and FILTERs; group-aggregate.ts),
// as q4's `GROUP BY A.id, A.category` with MAX(B.price): the same check for q4's two levels, a
// column read only by a FILTER, one only by HAVING's aggregate, outer joins' padded columns, an
// updating side, COUNT(*) alone (no column read) and a renamed duplicate column (not fused).
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

/** The inner join's pairs. */
const pairs = (l: readonly L[], r: readonly R[]) =>
  l.flatMap((x) => r.filter((y) => matches(x, y)).map((y) => ({ x, y })));

/** Rows grouped by the JSON text of `key`, in first-seen order. */
function groups<T>(rows: readonly T[], key: (r: T) => unknown): T[][] {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = JSON.stringify(key(r));
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return [...m.values()];
}

const nonNull = (vs: readonly (number | null)[]) => vs.filter((v): v is number => v !== null);
const max = (vs: readonly (number | null)[]) => (nonNull(vs).length === 0 ? null : Math.max(...nonNull(vs)));
const sum = (vs: readonly (number | null)[]) =>
  nonNull(vs).length === 0 ? null : nonNull(vs).reduce((p, q) => p + q, 0);
const avg = (vs: readonly (number | null)[]) =>
  nonNull(vs).length === 0 ? null : Math.trunc((sum(vs) as number) / nonNull(vs).length) + 0; // no -0, as Java's longs

const AGG_QUERIES: readonly { sql: string; oracle: (l: readonly L[], r: readonly R[]) => Row[] }[] = [
  {
    // q4's shape: MAX per (left key, left column) over an inner join with a range condition,
    // then AVG of it per left column (an updating input of -U/+U pairs).
    sql: `SELECT Q.s, AVG(Q.m) AS am FROM (SELECT MAX(r.b) AS m, l.s FROM l, r
      WHERE l.k = r.k AND r.b BETWEEN l.a AND l.a + 2 GROUP BY l.k, l.s) Q GROUP BY Q.s`,
    oracle: (l, r) => {
      const inRange = pairs(l, r).filter(
        ({ x, y }) => y.b !== null && x.a !== null && y.b >= x.a && y.b <= x.a + 2,
      );
      const inner = groups(inRange, ({ x }) => [x.k, x.s]).map((g) => ({
        m: max(g.map(({ y }) => y.b)),
        s: g[0]?.x.s ?? null,
      }));
      return groups(inner, (q) => q.s).map((g) => ({ s: g[0]?.s ?? null, am: avg(g.map((q) => q.m)) }));
    },
  },
  {
    // A column read only by a FILTER (r.s), one only by HAVING's aggregate (l.a).
    sql: `SELECT l.k, COUNT(r.b) FILTER (WHERE r.s = 'x') AS c FROM l JOIN r ON l.k = r.k
      GROUP BY l.k HAVING SUM(l.a) > 1`,
    oracle: (l, r) =>
      groups(pairs(l, r), ({ x }) => x.k)
        .filter((g) => (sum(g.map(({ x }) => x.a)) ?? 0) > 1)
        .map((g) => ({
          k: g[0]?.x.k ?? null,
          c: g.filter(({ y }) => y.s === "x" && y.b !== null).length,
        })),
  },
  {
    // Padded columns of both sides in the keys and arguments.
    sql: "SELECT r.b, COUNT(*) AS n, MAX(l.a) AS ma FROM l FULL JOIN r ON l.k = r.k GROUP BY r.b",
    oracle: (l, r) => {
      const rows = [
        ...l.flatMap((x) => {
          const ys = r.filter((y) => matches(x, y));
          return ys.length === 0 ? [{ a: x.a, b: null }] : ys.map((y) => ({ a: x.a, b: y.b }));
        }),
        ...r.filter((y) => !l.some((x) => matches(x, y))).map((y) => ({ a: null, b: y.b })),
      ];
      return groups(rows, (p) => p.b).map((g) => ({
        b: g[0]?.b ?? null,
        n: g.length,
        ma: max(g.map((p) => p.a)),
      }));
    },
  },
  {
    // An updating right side: its -U/+U pairs retract and add the built rows.
    sql: `SELECT c.n, SUM(l.a) AS sa FROM l JOIN (SELECT k, COUNT(*) AS n FROM r GROUP BY k) c
      ON l.k = c.k GROUP BY c.n`,
    oracle: (l, r) => {
      const rows = l.flatMap((x) => {
        const n = r.filter((y) => matches(x, y)).length;
        return n === 0 ? [] : [{ n, a: x.a }];
      });
      return groups(rows, (p) => p.n).map((g) => ({ n: g[0]?.n ?? null, sa: sum(g.map((p) => p.a)) }));
    },
  },
  {
    // No column read at all: the pairs' rows have none.
    sql: "SELECT COUNT(*) AS n FROM l JOIN r ON l.k = r.k",
    oracle: (l, r) => (pairs(l, r).length === 0 ? [] : [{ n: pairs(l, r).length }]),
  },
  {
    // The right side's k (k0 in the joined row, not a column of its side as it is): not fused.
    sql: "SELECT r.k, MAX(r.s) AS ms FROM l LEFT JOIN r ON l.k = r.k GROUP BY r.k",
    oracle: (l, r) => {
      const rows = l.flatMap((x) => {
        const ys = r.filter((y) => matches(x, y));
        return ys.length === 0 ? [{ k: null, s: null }] : ys.map((y) => ({ k: y.k, s: y.s }));
      });
      return groups(rows, (p) => p.k).map((g) => {
        const ss = g.map((p) => p.s).filter((s): s is string => s !== null);
        return { k: g[0]?.k ?? null, ms: ss.length === 0 ? null : ss.sort().at(-1) };
      });
    },
  },
];

test("EXPLAIN: the projection over a fused join stays in the plan", async () => {
  const tEnv = await tables([], []);
  const text = (await (await tEnv.executeSql(`EXPLAIN ${QUERIES[1]?.sql}`)).collect())[0]?.result as string;
  assert.match(text, /Calc\(select=\[rs, ls, k\]\)[^\n]*\n\s*\+- Join\(joinType=\[LeftOuterJoin\]/);
});

/** Random tables, one of `queries` each run: its final table equals its brute force. */
async function finalTablesMatch(queries: typeof QUERIES, numRuns: number): Promise<void> {
  const small = fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 6 });
  const str = fc.constantFrom("x", "y", null);
  const lRow = fc.record({ k: small, a: small, s: str });
  const rRow = fc.record({ k: small, b: small, s: str });
  await fc.assert(
    fc.asyncProperty(
      fc.array(lRow, { maxLength: 15 }),
      fc.array(rRow, { maxLength: 15 }),
      fc.integer({ min: 0, max: queries.length - 1 }),
      async (l, r, which) => {
        const q = queries[which] as (typeof queries)[number];
        const tEnv = await tables(l, r);
        const got = materialize(await (await tEnv.executeSql(q.sql)).collect());
        assert.deepEqual(sortRows(got), sortRows(q.oracle(l, r)), q.sql);
      },
    ),
    { numRuns },
  );
}

test("property: a projection built by the join gives the final table of the SQL", async () => {
  await finalTablesMatch(QUERIES, 60);
});

test("property: a group aggregation whose join builds only the columns it reads gives the final table of the SQL", async () => {
  await finalTablesMatch(AGG_QUERIES, 80);
});
