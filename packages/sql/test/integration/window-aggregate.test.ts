// End to end: CREATE TABLE on the embedded log with a WATERMARK, then TUMBLE / HOP / SESSION
// window aggregations run as jobs, compared with Flink's documented results and, on random
// inputs, with a brute-force evaluation of the same query over the whole input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

function env() {
  return StreamExecutionEnvironment.create({ parallelism: 1 });
}

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The Bid table of Flink's window-agg.md / window-tvf.md. */
const BID = [
  { bidtime: "2020-04-15 08:05:00", price: 4.0, item: "C", supplier_id: "supplier1" },
  { bidtime: "2020-04-15 08:07:00", price: 2.0, item: "A", supplier_id: "supplier1" },
  { bidtime: "2020-04-15 08:09:00", price: 5.0, item: "D", supplier_id: "supplier2" },
  { bidtime: "2020-04-15 08:11:00", price: 3.0, item: "B", supplier_id: "supplier2" },
  { bidtime: "2020-04-15 08:13:00", price: 1.0, item: "E", supplier_id: "supplier1" },
  { bidtime: "2020-04-15 08:17:00", price: 6.0, item: "F", supplier_id: "supplier2" },
];

async function bidEnvironment(rows: readonly Record<string, unknown>[] = BID) {
  const dir = logWithRows("bid", rows);
  const tEnv = sql(env(), { connectors: logConnectors });
  await tEnv.executeSql(`
    CREATE TABLE Bid (
      bidtime TIMESTAMP(3),
      price DECIMAL(10, 2),
      item STRING,
      supplier_id STRING,
      WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND
    ) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'bid', 'bounded' = 'true')`);
  return tEnv;
}

test("window-agg.md: tumbling window SUM gives Flink's documented rows", async () => {
  const tEnv = await bidEnvironment();
  const result = await tEnv.executeSql(`
    SELECT CAST(window_start AS STRING) AS window_start, CAST(window_end AS STRING) AS window_end, SUM(price) AS price
      FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end`);
  assert.deepEqual(result.columns, ["window_start", "window_end", "price"]);
  assert.deepEqual(sortRows(await result.collect()), [
    { window_start: "2020-04-15 08:00:00.000", window_end: "2020-04-15 08:10:00.000", price: 11 },
    { window_start: "2020-04-15 08:10:00.000", window_end: "2020-04-15 08:20:00.000", price: 10 },
  ]);
});

test("GROUP BY the window columns of a window aggregation is a window aggregation, and a join on them a window join (q5's shape)", async () => {
  const tEnv = await bidEnvironment();
  // Per window, the suppliers with the most bids: 08:00-08:10 has supplier1 2, supplier2 1;
  // 08:10-08:20 supplier2 2, supplier1 1. As Flink plans it (WindowAttachedWindowingStrategy),
  // the outer GROUP BY of the window columns is a window aggregation, insert-only, and the join
  // on both window columns a window join: each row comes out once, with no -U/+U.
  const counts = `SELECT supplier_id, COUNT(*) AS n, window_start AS ws, window_end AS we
      FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      GROUP BY supplier_id, window_start, window_end`;
  const query = `SELECT S.supplier_id, S.n, CAST(S.ws AS STRING) AS ws
    FROM (${counts}) AS S
    JOIN (SELECT MAX(C.n) AS maxn, C.ws, C.we FROM (${counts}) AS C GROUP BY C.ws, C.we) AS M
    ON S.ws = M.ws AND S.we = M.we AND S.n >= M.maxn`;
  const plan = (await (await tEnv.executeSql(`EXPLAIN ${query}`)).collect())[0]?.result as string;
  assert.match(plan, /WindowJoin\(INNER, TUMBLE\(size 600000/);
  assert.match(
    plan,
    /WindowAggregate\(groupBy=\[C\.ws, C\.we\], window=\[TUMBLE\(size 600000, slide 600000, offset 0 ms\), win_start=\[ws\], win_end=\[we\]\]/,
  );
  assert.match(plan, /the query emits \[I\]/);
  assert.deepEqual(sortRows(await (await tEnv.executeSql(query)).collect()), [
    { supplier_id: "supplier1", n: 2, ws: "2020-04-15 08:00:00.000" },
    { supplier_id: "supplier2", n: 2, ws: "2020-04-15 08:10:00.000" },
  ]);
});

test("a window aggregation over a window aggregation's columns applies HAVING once per window", async () => {
  const tEnv = await bidEnvironment();
  const rows = await (
    await tEnv.executeSql(`
    SELECT CAST(ws AS STRING) AS ws, SUM(total) AS total, COUNT(*) AS suppliers
      FROM (SELECT supplier_id, SUM(price) AS total, window_start AS ws, window_end AS we
        FROM TABLE(HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
        GROUP BY supplier_id, window_start, window_end)
      GROUP BY ws, we HAVING SUM(total) > 10`)
  ).collect();
  // The hopping windows' sums are 11, 15, 10 and 6 (the test above): two pass HAVING.
  assert.deepEqual(sortRows(rows), [
    { ws: "2020-04-15 08:00:00.000", total: 11, suppliers: 2 },
    { ws: "2020-04-15 08:05:00.000", total: 15, suppliers: 2 },
  ]);
});

test("window-agg.md: hopping window SUM gives Flink's documented rows", async () => {
  const tEnv = await bidEnvironment();
  const rows = await (
    await tEnv.executeSql(`
    SELECT CAST(window_start AS STRING) AS s, SUM(price) AS price
      FROM TABLE(HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end`)
  ).collect();
  assert.deepEqual(sortRows(rows), [
    { s: "2020-04-15 08:00:00.000", price: 11 },
    { s: "2020-04-15 08:05:00.000", price: 15 },
    { s: "2020-04-15 08:10:00.000", price: 10 },
    { s: "2020-04-15 08:15:00.000", price: 6 },
  ]);
});

test("window-tvf.md: session windows partitioned by item give Flink's documented rows", async () => {
  // The session example's input (Flink 1.19+ docs) has 08:06 after 08:07 and 08:08 after 08:09:
  // the watermark delay is 2 minutes here (not the docs' 1 s) so that no row is late.
  const dir = logWithRows("bid", [
    { bidtime: "2020-04-15 08:07:00", price: 4.0, item: "A" },
    { bidtime: "2020-04-15 08:06:00", price: 2.0, item: "A" },
    { bidtime: "2020-04-15 08:09:00", price: 5.0, item: "B" },
    { bidtime: "2020-04-15 08:08:00", price: 3.0, item: "A" },
    { bidtime: "2020-04-15 08:17:00", price: 1.0, item: "B" },
  ]);
  const tEnv = sql(env(), { connectors: logConnectors });
  await tEnv.executeSql(`
    CREATE TABLE Bid (bidtime TIMESTAMP(3), price DECIMAL(10, 2), item STRING,
      WATERMARK FOR bidtime AS bidtime - INTERVAL '2' MINUTES
    ) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'bid', 'bounded' = 'true')`);
  const rows = await (
    await tEnv.executeSql(`
    SELECT CAST(window_start AS STRING) AS window_start, CAST(window_end AS STRING) AS window_end, item, SUM(price) AS total_price
      FROM TABLE(SESSION(TABLE Bid PARTITION BY item, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))
      GROUP BY item, window_start, window_end`)
  ).collect();
  assert.deepEqual(sortRows(rows), [
    {
      window_start: "2020-04-15 08:06:00.000",
      window_end: "2020-04-15 08:13:00.000",
      item: "A",
      total_price: 9,
    },
    {
      window_start: "2020-04-15 08:09:00.000",
      window_end: "2020-04-15 08:14:00.000",
      item: "B",
      total_price: 5,
    },
    {
      window_start: "2020-04-15 08:17:00.000",
      window_end: "2020-04-15 08:22:00.000",
      item: "B",
      total_price: 1,
    },
  ]);
});

test("window TVF aggregation with keys, every aggregate, DISTINCT, FILTER, HAVING and expressions over aggregates", async () => {
  const tEnv = await bidEnvironment();
  const rows = await (
    await tEnv.executeSql(`
    SELECT supplier_id, window_end, COUNT(*) AS n, COUNT(DISTINCT item) AS items, MIN(price) AS lo, MAX(price) AS hi,
           AVG(price) AS mean, SUM(price) FILTER (WHERE price > 2) AS big, SUM(price) * 2 AS twice
      FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      WHERE item <> 'Z'
      GROUP BY window_start, window_end, supplier_id
      HAVING COUNT(*) >= 1`)
  ).collect();
  const t = (s: string) => Date.parse(`${s}Z`);
  assert.deepEqual(
    sortRows(rows),
    sortRows([
      {
        supplier_id: "supplier1",
        window_end: t("2020-04-15T08:10:00"),
        n: 2,
        items: 2,
        lo: 2,
        hi: 4,
        mean: 3,
        big: 4,
        twice: 12,
      },
      {
        supplier_id: "supplier2",
        window_end: t("2020-04-15T08:10:00"),
        n: 1,
        items: 1,
        lo: 5,
        hi: 5,
        mean: 5,
        big: 5,
        twice: 10,
      },
      {
        supplier_id: "supplier1",
        window_end: t("2020-04-15T08:20:00"),
        n: 1,
        items: 1,
        lo: 1,
        hi: 1,
        mean: 1,
        big: null,
        twice: 2,
      },
      {
        supplier_id: "supplier2",
        window_end: t("2020-04-15T08:20:00"),
        n: 2,
        items: 2,
        lo: 3,
        hi: 6,
        mean: 4.5,
        big: 9,
        twice: 18,
      },
    ]),
  );
});

/**
 * Brute force: the same window aggregation computed over the whole input at once, each event in
 * every window of `size` sliding by `slide` (tumbling when equal) that contains it.
 */
function bruteForce(
  events: readonly { k: string; ts: number; v: number }[],
  size: number,
  slide = size,
): Row[] {
  const groups = new Map<string, { k: string; start: number; vs: number[] }>();
  for (const e of events) {
    for (let start = Math.floor(e.ts / slide) * slide; start > e.ts - size; start -= slide) {
      const id = `${e.k}|${start}`;
      const g = groups.get(id) ?? { k: e.k, start, vs: [] };
      g.vs.push(e.v);
      groups.set(id, g);
    }
  }
  return [...groups.values()].map((g) => ({
    k: g.k,
    ws: g.start,
    we: g.start + size,
    n: g.vs.length,
    total: g.vs.reduce((a, b) => a + b, 0),
    lo: Math.min(...g.vs),
    hi: Math.max(...g.vs),
    // AVG of an INT is an INT (Flink): the quotient truncated toward zero.
    mean: Math.trunc(g.vs.reduce((a, b) => a + b, 0) / g.vs.length) + 0, // no -0, as Java's longs
  }));
}

test("random tumbling window aggregations equal a brute-force evaluation of the same SQL", async () => {
  const DELAY = 50;
  const event = fc.record({
    k: fc.constantFrom("a", "b", "c"),
    gap: fc.nat(40),
    jitter: fc.nat(DELAY - 1),
    v: fc.integer({ min: -50, max: 50 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(event, { minLength: 1, maxLength: 60 }),
      fc.constantFrom(10, 25, 100),
      async (raw, size) => {
        // Timestamps rise by `gap`; each event is emitted at ts - jitter order, so no event is
        // later than the watermark delay allows (no late data to drop).
        let ts = 1_000;
        const events = raw.map((r) => ({ k: r.k, ts: (ts += r.gap), v: r.v, order: ts - r.jitter }));
        const emitted = [...events].sort((a, b) => a.order - b.order);
        const dir = logWithRows(
          "ev",
          emitted.map((e) => ({ k: e.k, ts: e.ts, v: e.v })),
        );
        const tEnv = sql(env(), { connectors: logConnectors });
        await tEnv.executeSql(`CREATE TABLE ev (k STRING, ts TIMESTAMP(3), v INT,
        WATERMARK FOR ts AS ts - INTERVAL '0.${String(DELAY).padStart(3, "0")}' SECOND)
        WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ev', 'bounded' = 'true')`);
        const rows = await (
          await tEnv.executeSql(`SELECT k, window_start AS ws, window_end AS we, COUNT(*) AS n, SUM(v) AS total,
          MIN(v) AS lo, MAX(v) AS hi, AVG(v) AS mean
          FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '${size / 1000}' SECOND))
          GROUP BY k, window_start, window_end`)
        ).collect();
        assert.deepEqual(sortRows(rows), sortRows(bruteForce(events, size)));
      },
    ),
    { numRuns: 12 },
  );
});

test("projection and filter with scalar functions over VALUES", async () => {
  const tEnv = sql(env());
  const result = await tEnv.executeSql(`
    SELECT UPPER(name) AS n, price * 2 AS p, CASE WHEN price > 2 THEN 'big' ELSE 'small' END AS size,
           COALESCE(note, '-') AS note, CHAR_LENGTH(name) AS len
      FROM (VALUES ('apple', 1, 'x'), ('pear', 3, CAST(NULL AS STRING)), ('fig', 2, 'y')) AS t (name, price, note)
      WHERE name LIKE '%p%' OR price BETWEEN 2 AND 2`);
  assert.deepEqual(result.columns, ["n", "p", "size", "note", "len"]);
  assert.deepEqual(
    sortRows(await result.collect()),
    sortRows([
      { n: "APPLE", p: 2, size: "small", note: "x", len: 5 },
      { n: "PEAR", p: 6, size: "big", note: "-", len: 4 },
      { n: "FIG", p: 4, size: "small", note: "y", len: 3 },
    ]),
  );
});

test("a view over a table, then a projection of the view, with computed and metadata columns", async () => {
  const dir = logWithRows("orders", [
    { id: 1, amount: 10, ts: 1000 },
    { id: 2, amount: 25, ts: 2000 },
  ]);
  const tEnv = sql(env(), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE orders (id BIGINT, amount INT, ts TIMESTAMP_LTZ(3), off BIGINT METADATA FROM 'offset' VIRTUAL,
      doubled AS amount * 2)
      WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'orders', 'bounded' = 'true');
    CREATE TEMPORARY VIEW big AS SELECT id, doubled, off FROM orders WHERE amount > 20;`);
  const rows = await (await tEnv.executeSql("SELECT id + 100 AS id, doubled, off FROM big")).collect();
  assert.deepEqual(rows, [{ id: 102, doubled: 50, off: 1 }]);
  const described = await (await tEnv.executeSql("DESCRIBE orders")).collect();
  // Flink's DESCRIBE: the metadata column's extras, the computed column's type and expression.
  assert.deepEqual(described, [
    { name: "id", type: "BIGINT", null: true, key: null, extras: null, watermark: null },
    { name: "amount", type: "INT", null: true, key: null, extras: null, watermark: null },
    { name: "ts", type: "TIMESTAMP_LTZ(3)", null: true, key: null, extras: null, watermark: null },
    {
      name: "off",
      type: "BIGINT",
      null: true,
      key: null,
      extras: "METADATA FROM 'offset' VIRTUAL",
      watermark: null,
    },
    { name: "doubled", type: "INT", null: true, key: null, extras: "AS `amount` * 2", watermark: null },
  ]);
  assert.deepEqual(await (await tEnv.executeSql("SHOW TABLES")).collect(), [
    { "table name": "big" },
    { "table name": "orders" },
  ]);
});

test("random hopping window aggregations (slices merged at each firing) equal a brute-force evaluation of the same SQL", async () => {
  const DELAY = 50;
  const event = fc.record({
    k: fc.constantFrom("a", "b", "c"),
    gap: fc.nat(30),
    jitter: fc.nat(DELAY - 1),
    v: fc.integer({ min: -50, max: 50 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(event, { minLength: 1, maxLength: 60 }),
      // (size, slide): slices of the slide, or of their gcd when the slide does not divide the size.
      fc.constantFrom([30, 10], [100, 20], [25, 10], [40, 40]),
      async (raw, [size, slide]) => {
        let ts = 1_000;
        const events = raw.map((r) => ({ k: r.k, ts: (ts += r.gap), v: r.v, order: ts - r.jitter }));
        const emitted = [...events].sort((a, b) => a.order - b.order);
        const dir = logWithRows(
          "ev",
          emitted.map((e) => ({ k: e.k, ts: e.ts, v: e.v })),
        );
        const tEnv = sql(env(), { connectors: logConnectors });
        await tEnv.executeSql(`CREATE TABLE ev (k STRING, ts TIMESTAMP(3), v INT,
        WATERMARK FOR ts AS ts - INTERVAL '0.${String(DELAY).padStart(3, "0")}' SECOND)
        WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ev', 'bounded' = 'true')`);
        const rows = await (
          await tEnv.executeSql(`SELECT k, window_start AS ws, window_end AS we, COUNT(*) AS n, SUM(v) AS total,
          MIN(v) AS lo, MAX(v) AS hi, AVG(v) AS mean
          FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '0.${String(slide).padStart(3, "0")}' SECOND,
            INTERVAL '0.${String(size).padStart(3, "0")}' SECOND))
          GROUP BY k, window_start, window_end`)
        ).collect();
        assert.deepEqual(sortRows(rows), sortRows(bruteForce(events, size, slide)));
      },
    ),
    { numRuns: 16 },
  );
});
