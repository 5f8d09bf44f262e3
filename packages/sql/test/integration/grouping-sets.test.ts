// GROUPING SETS, ROLLUP and CUBE: the examples of Flink's group-agg.md (on VALUES) and
// window-agg.md (on the Bid table) with their documented results, GROUPING() / GROUPING_ID(),
// and on random out-of-order input the final table of grouping-set aggregations (group and
// window) equals a brute-force evaluation of the same SQL over the whole input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const sortRows = (rows: readonly Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const PRODUCTS = `(VALUES
    ('supplier1', 'product1', 4),
    ('supplier1', 'product2', 3),
    ('supplier2', 'product3', 3),
    ('supplier2', 'product4', 4))
AS Products(supplier_id, product_id, rating)`;

// group-agg.md's documented result for GROUPING SETS ((supplier_id, rating), (supplier_id), ()).
const GROUP_AGG_RESULT = [
  { supplier_id: "supplier1", rating: 4, total: 1 },
  { supplier_id: "supplier1", rating: null, total: 2 },
  { supplier_id: null, rating: null, total: 4 },
  { supplier_id: "supplier1", rating: 3, total: 1 },
  { supplier_id: "supplier2", rating: 3, total: 1 },
  { supplier_id: "supplier2", rating: null, total: 2 },
  { supplier_id: "supplier2", rating: 4, total: 1 },
];

test("group-agg.md: GROUP BY GROUPING SETS ((supplier_id, rating), (supplier_id), ())", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  const result = await tEnv.executeSql(`SELECT supplier_id, rating, COUNT(*) AS total
    FROM ${PRODUCTS}
    GROUP BY GROUPING SETS ((supplier_id, rating), (supplier_id), ())`);
  assert.deepEqual(sortRows(materialize(await result.collect())), sortRows(GROUP_AGG_RESULT));
});

test("group-agg.md: GROUP BY ROLLUP (supplier_id, rating) is the same query", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  const result = await tEnv.executeSql(`SELECT supplier_id, rating, COUNT(*) AS total
    FROM ${PRODUCTS}
    GROUP BY ROLLUP (supplier_id, rating)`);
  assert.deepEqual(sortRows(materialize(await result.collect())), sortRows(GROUP_AGG_RESULT));
});

test("group-agg.md: CUBE (supplier_id, rating, product_id) equals its eight grouping sets", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  const cube = materialize(
    await (
      await tEnv.executeSql(`SELECT supplier_id, rating, product_id, COUNT(*) AS n
        FROM ${PRODUCTS}
        GROUP BY CUBE (supplier_id, rating, product_id)`)
    ).collect(),
  );
  const sets = materialize(
    await (
      await tEnv.executeSql(`SELECT supplier_id, rating, product_id, COUNT(*) AS n
        FROM ${PRODUCTS}
        GROUP BY GROUPING SETS (
            ( supplier_id, product_id, rating ),
            ( supplier_id, product_id         ),
            ( supplier_id,             rating ),
            ( supplier_id                     ),
            (              product_id, rating ),
            (              product_id         ),
            (                          rating ),
            (                                 ))`)
    ).collect(),
  );
  assert.deepEqual(sortRows(cube), sortRows(sets));
  // 4 products (each its own group in the 4 sets with product_id), 4 (supplier, rating) pairs,
  // 2 suppliers, 2 ratings, 1 total: 4 * 4 + 4 + 2 + 2 + 1.
  assert.equal(cube.length, 25);
  assert.deepEqual(
    cube.find((r) => r.supplier_id === null && r.rating === 3 && r.product_id === null),
    { supplier_id: null, rating: 3, product_id: null, n: 2 },
  );
});

test("GROUPING() and GROUPING_ID() tell a grouped-away key from a NULL value", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  const result = await tEnv.executeSql(`SELECT supplier_id, GROUPING(supplier_id) AS g,
      GROUPING_ID(supplier_id, rating) AS gid, COUNT(*) AS n
    FROM ${PRODUCTS}
    GROUP BY ROLLUP (supplier_id, rating) HAVING GROUPING(rating) = 1`);
  assert.deepEqual(
    sortRows(materialize(await result.collect())),
    sortRows([
      { supplier_id: "supplier1", g: 0, gid: 1, n: 2 },
      { supplier_id: "supplier2", g: 0, gid: 1, n: 2 },
      { supplier_id: null, g: 1, gid: 3, n: 4 },
    ]),
  );
});

// Flink's GroupingSetsITCase emp table (ename, deptno, gender).
const EMP = `(VALUES
    ('Adam', 50, 'M'), ('Alice', 30, 'F'), ('Bob', 10, 'M'), ('Eric', 20, 'M'), ('Eve', 50, 'F'),
    ('Grace', 60, 'F'), ('Jane', 10, 'F'), ('Susan', 30, 'F'), ('Wilma', CAST(NULL AS INT), 'F'))
  AS emp(ename, deptno, gender)`;

test("GroupingSetsITCase: GROUPING, GROUPING_ID (first argument the high bit) and GROUP_ID over CUBE", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  const rows = materialize(
    await (
      await tEnv.executeSql(`SELECT deptno, gender, GROUPING(deptno) gd, GROUPING(gender) gg,
        GROUPING_ID(deptno, gender) dg, GROUPING_ID(gender, deptno) gdr, GROUP_ID() gid, COUNT(*) c
      FROM ${EMP} GROUP BY CUBE (deptno, gender)`)
    ).collect(),
  );
  const expected = [
    [10, "F", 0, 0, 0, 0, 0, 1],
    [10, "M", 0, 0, 0, 0, 0, 1],
    [20, "M", 0, 0, 0, 0, 0, 1],
    [30, "F", 0, 0, 0, 0, 0, 2],
    [50, "F", 0, 0, 0, 0, 0, 1],
    [50, "M", 0, 0, 0, 0, 0, 1],
    [60, "F", 0, 0, 0, 0, 0, 1],
    [null, "F", 0, 0, 0, 0, 0, 1],
    [null, null, 1, 1, 3, 3, 0, 9],
    [10, null, 0, 1, 1, 2, 0, 2],
    [20, null, 0, 1, 1, 2, 0, 1],
    [30, null, 0, 1, 1, 2, 0, 2],
    [50, null, 0, 1, 1, 2, 0, 2],
    [60, null, 0, 1, 1, 2, 0, 1],
    [null, "F", 1, 0, 2, 1, 0, 6],
    [null, "M", 1, 0, 2, 1, 0, 3],
    [null, null, 0, 1, 1, 2, 0, 1],
  ].map(([deptno, gender, gd, gg, dg, gdr, gid, c]) => ({ deptno, gender, gd, gg, dg, gdr, gid, c }));
  assert.deepEqual(sortRows(rows), sortRows(expected));
});

test("GroupingSetsITCase: GROUPING_ID with a repeated argument, and GROUP_ID 0 without grouping sets", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  const rows = materialize(
    await (
      await tEnv.executeSql(`SELECT deptno, gender, GROUPING_ID(deptno, gender, deptno) AS gi, COUNT(*) AS c
      FROM ${EMP} WHERE deptno = 10 GROUP BY ROLLUP (gender, deptno)`)
    ).collect(),
  );
  assert.deepEqual(
    sortRows(rows),
    sortRows([
      { deptno: 10, gender: "F", gi: 0, c: 1 },
      { deptno: 10, gender: "M", gi: 0, c: 1 },
      { deptno: null, gender: "F", gi: 5, c: 1 },
      { deptno: null, gender: "M", gi: 5, c: 1 },
      { deptno: null, gender: null, gi: 7, c: 2 },
    ]),
  );
  const plain = materialize(
    await (
      await tEnv.executeSql(
        `SELECT gender, GROUP_ID() AS g, GROUPING(gender) AS gg FROM ${EMP} GROUP BY gender`,
      )
    ).collect(),
  );
  assert.deepEqual(
    sortRows(plain),
    sortRows([
      { gender: "F", g: 0, gg: 0 },
      { gender: "M", g: 0, gg: 0 },
    ]),
  );
});

test("a grouping set listed twice aggregates twice, GROUP_ID() numbering the copies", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  // Both sets duplicated: each copy is its own row, 0 for the first occurrence (Calcite/Oracle).
  const rows = materialize(
    await (
      await tEnv.executeSql(`SELECT deptno, GROUP_ID() AS g, COUNT(*) AS c
      FROM ${EMP} WHERE deptno IS NOT NULL GROUP BY GROUPING SETS ((deptno), (), (deptno))`)
    ).collect(),
  );
  const perDept = [
    [10, 2],
    [20, 1],
    [30, 2],
    [50, 2],
    [60, 1],
  ].flatMap(([deptno, c]) => [0, 1].map((g) => ({ deptno, g, c })));
  assert.deepEqual(sortRows(rows), sortRows([...perDept, { deptno: null, g: 0, c: 8 }]));
  // Flink's testCALCITE1824 (`GROUPING SETS (deptno, (), ())`): the grand total twice, g 0 and 1.
  // (Flink 1.20's own run of it returns the deptno groups twice instead: when one set alone is
  // duplicated, its second copy is planned as a plain GROUP BY of all keys. Fleuve follows the
  // semantics DecomposeGroupingSetsRule documents, not that planner slip.)
  const total = materialize(
    await (
      await tEnv.executeSql(`SELECT deptno, GROUP_ID() AS g, COUNT(*) AS c
      FROM ${EMP} GROUP BY GROUPING SETS (deptno, (), ()) HAVING GROUPING(deptno) = 1`)
    ).collect(),
  );
  assert.deepEqual(
    sortRows(total),
    sortRows([
      { deptno: null, g: 0, c: 9 },
      { deptno: null, g: 1, c: 9 },
    ]),
  );
});

test("GROUP_ID with arguments is refused naming the function", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  await assert.rejects(
    tEnv.executeSql(`SELECT gender, GROUP_ID(gender) FROM ${EMP} GROUP BY ROLLUP (gender)`),
    /GROUP_ID takes no arguments/,
  );
});

// window-agg.md's Bid table.
const BIDS = [
  ["08:05", 4, "C", "supplier1"],
  ["08:07", 2, "A", "supplier1"],
  ["08:09", 5, "D", "supplier2"],
  ["08:11", 3, "B", "supplier2"],
  ["08:13", 1, "E", "supplier1"],
  ["08:17", 6, "F", "supplier2"],
].map(([t, price, item, supplier_id]) => ({ bidtime: `2020-04-15 ${t}:00`, price, item, supplier_id }));

async function bidEnv() {
  const dir = logWithRows("bid", BIDS);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeSql(`CREATE TABLE Bid (bidtime TIMESTAMP(3), price DECIMAL(10, 2), item STRING, supplier_id STRING,
    WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'bid', 'bounded' = 'true')`);
  return tEnv;
}

const WINDOW_RESULT = [
  ["08:00", "08:10", null, 11],
  ["08:00", "08:10", "supplier2", 5],
  ["08:00", "08:10", "supplier1", 6],
  ["08:10", "08:20", null, 10],
  ["08:10", "08:20", "supplier2", 9],
  ["08:10", "08:20", "supplier1", 1],
].map(([s, e, supplier_id, total_price]) => ({
  window_start: `2020-04-15 ${s}:00.000`,
  window_end: `2020-04-15 ${e}:00.000`,
  supplier_id,
  total_price,
}));

for (const grouping of ["GROUPING SETS ((supplier_id), ())", "ROLLUP (supplier_id)"]) {
  test(`window-agg.md: GROUP BY window_start, window_end, ${grouping} over TUMBLE`, async () => {
    const tEnv = await bidEnv();
    const rows = await (
      await tEnv.executeSql(`SELECT CAST(window_start AS STRING) AS window_start, CAST(window_end AS STRING) AS window_end,
        supplier_id, SUM(price) AS total_price
      FROM TABLE(
        TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end, ${grouping}`)
    ).collect();
    assert.deepEqual(sortRows(rows), sortRows(WINDOW_RESULT));
  });
}

test("a window grouping set without the window columns is refused naming the feature", async () => {
  const tEnv = await bidEnv();
  await assert.rejects(
    tEnv.executeSql(`SELECT supplier_id, SUM(price) FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      GROUP BY GROUPING SETS ((window_start, window_end, supplier_id), ())`),
    (e: Error & { code?: string; details?: { feature?: string } }) =>
      e.code === "FLEUVE_SQL_UNSUPPORTED" && /^a grouping set without window_/.test(e.details?.feature ?? ""),
  );
});

// ---------------------------------------------------------------------------------------------
// Properties.

const DELAY = 30;
const eventArb = fc.record({
  k: fc.constantFrom("a", "b", null),
  g: fc.integer({ min: 0, max: 2 }),
  gap: fc.nat(25),
  jitter: fc.nat(DELAY - 1),
  v: fc.integer({ min: -9, max: 9 }),
});
type Ev = { k: string | null; g: number; ts: number; v: number; id: number };
const GROUPINGS: [string, string[][]][] = [
  ["GROUPING SETS ((k, g), (k), ())", [["k", "g"], ["k"], []]],
  ["ROLLUP (k, g)", [["k", "g"], ["k"], []]],
  ["CUBE (k, g)", [["k", "g"], ["k"], ["g"], []]],
  ["GROUPING SETS ((g), (k))", [["g"], ["k"]]],
  ["k, ROLLUP (g)", [["k", "g"], ["k"]]],
  // A duplicate set aggregates once per listing.
  ["GROUPING SETS ((k), (g, k), (k))", [["k"], ["k", "g"], ["k"]]],
];

async function evEnv(
  raw: readonly { k: string | null; g: number; gap: number; jitter: number; v: number }[],
  parallelism: number,
) {
  let ts = 1000;
  const evs: Ev[] = raw
    .map((r, i) => ({ k: r.k, g: r.g, ts: (ts += r.gap), v: r.v, id: i, order: ts - r.jitter }))
    .sort((x, y) => x.order - y.order || x.id - y.id)
    .map(({ order: _, ...e }) => e);
  const dir = logWithRows("ev", evs);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
  await tEnv.executeSql(`CREATE TABLE ev (k STRING, g INT, ts TIMESTAMP(3), v INT, id INT,
    WATERMARK FOR ts AS ts - INTERVAL '0.0${DELAY}' SECOND)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ev', 'bounded' = 'true')`);
  return { tEnv, evs };
}

/** The brute force: per grouping set, per group of the set's keys (others NULL), the aggregates. */
function bruteForce(rows: readonly (Ev & { w?: number })[], sets: string[][], windowed: boolean): Row[] {
  const groups = new Map<string, Row & { vs: number[] }>();
  sets.forEach((set, i) => {
    for (const r of rows) {
      const key: Row = windowed ? { window_start: r.w } : {};
      key.k = set.includes("k") ? r.k : null;
      key.g = set.includes("g") ? r.g : null;
      const text = JSON.stringify([i, key]);
      const grp = groups.get(text) ?? { ...key, vs: [] };
      grp.vs.push(r.v);
      groups.set(text, grp);
    }
  });
  return [...groups.values()].map(({ vs, ...key }) => ({
    ...key,
    n: vs.length,
    s: vs.reduce((a, b) => a + b, 0),
    lo: Math.min(...vs),
  }));
}

test("random GROUPING SETS / ROLLUP / CUBE group aggregations equal a brute-force evaluation of the final table", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(eventArb, { minLength: 1, maxLength: 40 }),
      fc.constantFrom(...GROUPINGS),
      fc.constantFrom(1, 2),
      async (raw, [grouping, sets], parallelism) => {
        const { tEnv, evs } = await evEnv(raw, parallelism);
        const result = await tEnv.executeSql(
          `SELECT k, g, COUNT(*) AS n, SUM(v) AS s, MIN(v) AS lo FROM ev GROUP BY ${grouping}`,
        );
        assert.deepEqual(
          sortRows(materialize(await result.collect())),
          sortRows(bruteForce(evs, sets, false)),
        );
      },
    ),
    { numRuns: 30 },
  );
});

test("random GROUPING SETS / ROLLUP / CUBE window aggregations over TUMBLE equal a brute-force evaluation", async () => {
  const SIZE = 50;
  await fc.assert(
    fc.asyncProperty(
      fc.array(eventArb, { minLength: 1, maxLength: 40 }),
      fc.constantFrom(...GROUPINGS),
      fc.constantFrom(1, 2),
      async (raw, [grouping, sets], parallelism) => {
        const { tEnv, evs } = await evEnv(raw, parallelism);
        const result =
          await tEnv.executeSql(`SELECT window_start, k, g, COUNT(*) AS n, SUM(v) AS s, MIN(v) AS lo
          FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '0.0${SIZE}' SECOND))
          GROUP BY window_start, window_end, ${grouping}`);
        const rows = evs.map((e) => ({ ...e, w: e.ts - (e.ts % SIZE) }));
        assert.deepEqual(sortRows(await result.collect()), sortRows(bruteForce(rows, sets, true)));
      },
    ),
    { numRuns: 30 },
  );
});
