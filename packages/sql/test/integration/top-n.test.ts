// ROW_NUMBER Top-N and deduplication end to end: Flink's documented examples (window-topn.md and
// window-deduplication.md with their expected rows, topn.md's ShopSales queries and changelogs),
// then on random out-of-order input the final table of each query equals a brute-force
// evaluation of the same SQL over the whole input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { isInsertOnly, materialize, type Row, rowKind, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const sortRows = (rows: readonly Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const text = (r: Row) => `${rowKind(r)}${JSON.stringify({ ...r, $rowkind: undefined })}`;

// window-topn.md's Bid table (the supplier_id variant).
const BIDS = [
  ["08:05", 4, "A", "supplier1"],
  ["08:06", 4, "C", "supplier2"],
  ["08:07", 2, "G", "supplier1"],
  ["08:08", 2, "B", "supplier3"],
  ["08:09", 5, "D", "supplier4"],
  ["08:11", 2, "B", "supplier3"],
  ["08:13", 1, "E", "supplier1"],
  ["08:15", 3, "H", "supplier2"],
  ["08:17", 6, "F", "supplier5"],
].map(([t, price, item, supplier_id]) => ({ bidtime: `2020-04-15 ${t}:00`, price, item, supplier_id }));

async function bidEnv(rows: readonly Record<string, unknown>[] = BIDS, parallelism = 1) {
  const dir = logWithRows("bid", rows);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
  await tEnv.executeSql(`CREATE TABLE Bid (bidtime TIMESTAMP(3), price DECIMAL(10, 2), item STRING, supplier_id STRING,
    WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'bid', 'bounded' = 'true')`);
  return tEnv;
}
const at = (hhmm: string) => Date.UTC(2020, 3, 15, Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5)));

test("window-topn.md: Top 3 suppliers by summed price per 10-minute window, after a window aggregation", async () => {
  const tEnv = await bidEnv();
  const result = await tEnv.executeSql(`SELECT *
    FROM (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) as rownum
      FROM (
        SELECT window_start, window_end, supplier_id, SUM(price) as price, COUNT(*) as cnt
        FROM TABLE(
          TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
        GROUP BY window_start, window_end, supplier_id
      )
    ) WHERE rownum <= 3`);
  assert.deepEqual(result.columns, ["window_start", "window_end", "supplier_id", "price", "cnt", "rownum"]);
  assert.ok(isInsertOnly(result.changelogMode ?? { kinds: [] }));
  const w = (s: string, e: string, supplier_id: string, price: number, cnt: number, rownum: number) => ({
    window_start: at(s),
    window_end: at(e),
    supplier_id,
    price,
    cnt,
    rownum,
  });
  assert.deepEqual(await result.collect(), [
    w("08:00", "08:10", "supplier1", 6, 2, 1),
    w("08:00", "08:10", "supplier4", 5, 1, 2),
    w("08:00", "08:10", "supplier2", 4, 1, 3),
    w("08:10", "08:20", "supplier5", 6, 1, 1),
    w("08:10", "08:20", "supplier2", 3, 1, 2),
    w("08:10", "08:20", "supplier3", 2, 1, 3),
  ]);
});

const tvfRow = (
  t: string,
  price: number,
  item: string,
  supplier_id: string,
  s: string,
  e: string,
  rownum: number,
) => ({
  bidtime: at(t),
  price,
  item,
  supplier_id,
  window_start: at(s),
  window_end: at(e),
  rownum,
});

test("window-topn.md: Top 3 items by price per 10-minute window, directly after the window TVF (ties in arrival order)", async () => {
  const tEnv = await bidEnv();
  const result = await tEnv.executeSql(`SELECT *
    FROM (
      SELECT bidtime, price, item, supplier_id, window_start, window_end,
        ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) as rownum
      FROM TABLE(
                 TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
    ) WHERE rownum <= 3`);
  const rows = await result.collect();
  // Flink's table lists the rows by bidtime; the ranks are what the test checks.
  assert.deepEqual(
    sortRows(rows),
    sortRows([
      tvfRow("08:05", 4, "A", "supplier1", "08:00", "08:10", 2),
      tvfRow("08:06", 4, "C", "supplier2", "08:00", "08:10", 3),
      tvfRow("08:09", 5, "D", "supplier4", "08:00", "08:10", 1),
      tvfRow("08:11", 2, "B", "supplier3", "08:10", "08:20", 3),
      tvfRow("08:15", 3, "H", "supplier2", "08:10", "08:20", 2),
      tvfRow("08:17", 6, "F", "supplier5", "08:10", "08:20", 1),
    ]),
  );
});

test("window-deduplication.md: the last bid of each 10-minute window", async () => {
  const tEnv = await bidEnv();
  const result = await tEnv.executeSql(`SELECT *
    FROM (
      SELECT bidtime, price, item, supplier_id, window_start, window_end,
        ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY bidtime DESC) as rownum
      FROM TABLE(
                 TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
    ) WHERE rownum <= 1`);
  assert.ok(isInsertOnly(result.changelogMode ?? { kinds: [] }));
  assert.deepEqual(await result.collect(), [
    tvfRow("08:09", 5, "D", "supplier4", "08:00", "08:10", 1),
    tvfRow("08:17", 6, "F", "supplier5", "08:10", "08:20", 1),
  ]);
});

// topn.md's ShopSales: the top products per category by sales.
const SALES = [
  { product_id: "p1", category: "book", product_name: "Dune", sales: 10 },
  { product_id: "p2", category: "book", product_name: "Emma", sales: 30 },
  { product_id: "p3", category: "toy", product_name: "Yo-yo", sales: 5 },
  { product_id: "p4", category: "book", product_name: "Ulysses", sales: 20 },
  { product_id: "p5", category: "book", product_name: "Walden", sales: 40 },
];
async function salesEnv() {
  const dir = logWithRows("sales", SALES);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeSql(`CREATE TABLE ShopSales (product_id STRING, category STRING, product_name STRING, sales BIGINT)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'sales', 'bounded' = 'true')`);
  return tEnv;
}

test("topn.md: the top 2 products per category, row_num selected: every rank a new row shifts is updated", async () => {
  const tEnv = await salesEnv();
  const result = await tEnv.executeSql(`SELECT *
    FROM (
      SELECT *,
        ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC) AS row_num
      FROM ShopSales)
    WHERE row_num <= 2`);
  assert.deepEqual(result.columns, ["product_id", "category", "product_name", "sales", "row_num"]);
  assert.deepEqual(result.changelogMode?.kinds, ["+I", "-U", "+U", "-D"]);
  assert.deepEqual(result.changelogMode?.uniqueKey, ["category", "row_num"]);
  assert.match(
    result.changelogMode?.producer ?? "",
    /^Rank\(rankType=\[ROW_NUMBER\], partitionBy=\[category\]/,
  );
  const r = (id: string, name: string, sales: number, n: number, cat = "book") =>
    JSON.stringify({ product_id: id, category: cat, product_name: name, sales, row_num: n });
  const changes = (await result.collect()).map(text);
  // As Flink's AppendOnlyTopNFunction: p2 enters at rank 1 and pushes p1 to rank 2; p4 takes
  // rank 2 from p1 (which leaves); p5 takes rank 1, p2 moves to rank 2, p4 leaves.
  assert.deepEqual(changes, [
    `+I${r("p1", "Dune", 10, 1)}`,
    `-U${r("p1", "Dune", 10, 1)}`,
    `+U${r("p2", "Emma", 30, 1)}`,
    `+I${r("p1", "Dune", 10, 2)}`,
    `+I${r("p3", "Yo-yo", 5, 1, "toy")}`,
    `-U${r("p1", "Dune", 10, 2)}`,
    `+U${r("p4", "Ulysses", 20, 2)}`,
    `-U${r("p2", "Emma", 30, 1)}`,
    `+U${r("p5", "Walden", 40, 1)}`,
    `-U${r("p4", "Ulysses", 20, 2)}`,
    `+U${r("p2", "Emma", 30, 2)}`,
  ]);
  assert.deepEqual(
    sortRows(
      materialize(
        await (
          await tEnv.executeSql(`SELECT * FROM (SELECT *,
      ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC) AS row_num FROM ShopSales) WHERE row_num <= 2`)
        ).collect(),
      ),
    ),
    sortRows([
      JSON.parse(r("p5", "Walden", 40, 1)),
      JSON.parse(r("p2", "Emma", 30, 2)),
      JSON.parse(r("p3", "Yo-yo", 5, 1, "toy")),
    ]),
  );
});

test("topn.md no ranking output optimization: without row_num only rows entering (+I) and leaving (-D) the top are sent", async () => {
  const tEnv = await salesEnv();
  const result = await tEnv.executeSql(`SELECT product_id, category, product_name, sales
    FROM (
      SELECT *,
        ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC) AS row_num
      FROM ShopSales)
    WHERE row_num <= 2`);
  assert.deepEqual(result.columns, ["product_id", "category", "product_name", "sales"]);
  const changes = (await result.collect()).map((c) => `${rowKind(c)}${c.product_id}`);
  assert.deepEqual(changes, ["+Ip1", "+Ip2", "+Ip3", "-Dp1", "+Ip4", "-Dp4", "+Ip5"]);
});

test("Top-N over an updating input (a GROUP BY): retracting a row lets the next one rise", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  const result = await tEnv.executeSql(`SELECT k, total, rn FROM (
      SELECT k, total, ROW_NUMBER() OVER (ORDER BY total DESC) AS rn FROM (
        SELECT k, SUM(v) AS total FROM (VALUES ('a', 5), ('b', 4), ('c', 3), ('a', -4)) AS t (k, v) GROUP BY k))
    WHERE rn <= 2`);
  const changes = await result.collect();
  assert.deepEqual(
    sortRows(materialize(changes)),
    sortRows([
      { k: "b", total: 4, rn: 1 },
      { k: "c", total: 3, rn: 2 },
    ]),
  );
});

test("deduplication.md on event time: keep the first row per key (insert-only) or the last (updating)", async () => {
  const rows = [
    { order_id: 1, product: "x", ts: "2020-04-15 08:00:05" },
    { order_id: 1, product: "y", ts: "2020-04-15 08:00:02" },
    { order_id: 2, product: "z", ts: "2020-04-15 08:00:03" },
    { order_id: 2, product: "v", ts: "2020-04-15 08:00:01" },
    { order_id: 1, product: "w", ts: "2020-04-15 08:00:09" },
  ];
  const dir = logWithRows("orders", rows);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeSql(`CREATE TABLE Orders (order_id INT, product STRING, ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'orders', 'bounded' = 'true')`);
  const first = await tEnv.executeSql(`SELECT order_id, product
    FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY ts ASC) AS row_num FROM Orders)
    WHERE row_num = 1`);
  assert.ok(isInsertOnly(first.changelogMode ?? { kinds: [] }));
  assert.match(first.changelogMode?.producer ?? "Deduplicate", /Deduplicate/);
  // Held until the watermark passes them: the earliest row of each key, each once.
  assert.deepEqual(sortRows(await first.collect()), [
    { order_id: 1, product: "y" },
    { order_id: 2, product: "v" },
  ]);
  const last = await tEnv.executeSql(`SELECT order_id, product
    FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY ts DESC) AS row_num FROM Orders)
    WHERE row_num = 1`);
  assert.deepEqual(last.changelogMode?.kinds, ["+I", "-U", "+U", "-D"]);
  assert.deepEqual(last.changelogMode?.uniqueKey, ["order_id"]);
  // As Flink's RowTimeDeduplicateFunction: a later row replaces at once, an older one is ignored.
  assert.deepEqual(
    (await last.collect()).map((c) => `${rowKind(c)}${c.order_id}${c.product}`),
    ["+I1x", "+I2z", "-U1x", "+U1w"],
  );
});

test("deduplication.md's Orders query on processing time: the first row per order_id to arrive (insert-only), or the last", async () => {
  const rows = [
    { order_id: 1, user: "ann", product: "x", num: 1 },
    { order_id: 2, user: "bob", product: "y", num: 2 },
    { order_id: 1, user: "ann", product: "x2", num: 3 },
    { order_id: 3, user: "cid", product: "z", num: 4 },
    { order_id: 2, user: "bob", product: "y2", num: 5 },
  ];
  const dir = logWithRows("orders", rows);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeSql(`CREATE TABLE Orders (
      order_id    INT,
      \`user\`      STRING,
      product     STRING,
      num         BIGINT,
      proctime AS PROCTIME()
    ) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'orders', 'bounded' = 'true')`);
  const first = await tEnv.executeSql(`SELECT order_id, \`user\`, product, num
    FROM (
      SELECT *,
        ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY proctime ASC) AS row_num
      FROM Orders)
    WHERE row_num = 1`);
  assert.ok(isInsertOnly(first.changelogMode ?? { kinds: [] }));
  assert.deepEqual(await first.collect(), [rows[0], rows[1], rows[3]]);
  const last = await tEnv.executeSql(`SELECT order_id, product
    FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY proctime DESC) AS row_num FROM Orders)
    WHERE row_num = 1`);
  assert.deepEqual(last.changelogMode?.kinds, ["+I", "-U", "+U", "-D"]);
  assert.deepEqual(
    (await last.collect()).map((c) => `${rowKind(c)}${c.order_id}${c.product}`),
    ["+I1x", "+I2y", "-U1x", "+U1x2", "+I3z", "-U2y", "+U2y2"],
  );
});

test("ROW_NUMBER patterns Flink does not translate are refused naming the feature", async () => {
  const tEnv = await salesEnv();
  await assert.rejects(
    tEnv.executeSql("SELECT * FROM (SELECT *, ROW_NUMBER() OVER (ORDER BY sales) AS rn FROM ShopSales)"),
    (e: Error & { code?: string; details?: { feature?: string } }) =>
      e.code === "FLEUVE_SQL_UNSUPPORTED" && /upper bound on rn/.test(e.details?.feature ?? ""),
  );
  await assert.rejects(
    tEnv.executeSql(
      "SELECT * FROM (SELECT *, RANK() OVER (ORDER BY sales) AS rn FROM ShopSales) WHERE rn <= 2",
    ),
    (e: Error & { code?: string; details?: { feature?: string } }) =>
      e.code === "FLEUVE_SQL_UNSUPPORTED" && e.details?.feature === "RANK() OVER (...)",
  );
  await assert.rejects(
    tEnv.executeSql(
      "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (ORDER BY sales) AS rn FROM ShopSales) WHERE rn + 1 <= 2",
    ),
    (e: Error & { code?: string }) => e.code === "FLEUVE_SQL_UNSUPPORTED" && /row number/.test(e.message),
  );
});

// ---------------------------------------------------------------------------------------------
// Properties: random out-of-order input (never later than the watermark's delay, so no row is
// dropped as late), unique sort keys (ties are broken by arrival, which a shuffle reorders).

const DELAY = 30;
const eventArb = fc.record({
  k: fc.constantFrom("a", "b", "c"),
  g: fc.integer({ min: 0, max: 3 }),
  gap: fc.nat(40),
  jitter: fc.nat(DELAY - 1),
  v: fc.integer({ min: -20, max: 20 }),
});
type Ev = { k: string; g: number; ts: number; v: number; id: number };

function events(raw: readonly { k: string; g: number; gap: number; jitter: number; v: number }[]): Ev[] {
  let ts = 1000;
  return raw
    .map((r, i) => ({ k: r.k, g: r.g, ts: (ts += r.gap + 1), v: r.v * 100 + i, id: i, order: ts - r.jitter }))
    .sort((x, y) => x.order - y.order || x.id - y.id)
    .map(({ order: _, ...e }) => e);
}

async function evEnv(evs: readonly Ev[], parallelism: number, autoWatermarkIntervalMs?: number) {
  const dir = logWithRows("ev", evs);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism, autoWatermarkIntervalMs }), {
    connectors: logConnectors,
  });
  await tEnv.executeSql(`CREATE TABLE ev (k STRING, g INT, ts TIMESTAMP(3), v INT, id INT,
    WATERMARK FOR ts AS ts - INTERVAL '0.0${DELAY}' SECOND)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ev', 'bounded' = 'true')`);
  return tEnv;
}

/** Ranks `start..end` of `rows` per partition by `order` (a full order: no ties). */
function topN<T>(
  rows: readonly T[],
  part: (r: T) => string,
  order: (a: T, b: T) => number,
  start: number,
  end: number,
) {
  const out: (T & { rn: number })[] = [];
  for (const p of new Set(rows.map(part))) {
    const sorted = rows.filter((r) => part(r) === p).sort(order);
    sorted.slice(start - 1, end).forEach((r, i) => {
      out.push({ ...r, rn: start + i });
    });
  }
  return out;
}

/** `SET`s mini-batch on `tEnv` with a bundle of `size` rows (undefined: leaves it off). */
async function setMiniBatch(tEnv: Awaited<ReturnType<typeof evEnv>>, size: number | undefined) {
  if (size === undefined) return;
  await tEnv.executeSql("SET 'table.exec.mini-batch.enabled' = 'true'");
  await tEnv.executeSql("SET 'table.exec.mini-batch.allow-latency' = '1 h'");
  await tEnv.executeSql(`SET 'table.exec.mini-batch.size' = '${size}'`);
}
const miniBatchArb = fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined });

test("random Top-N (rank selected or not, rank ranges, mini-batch or not) over an insert-only table equals a brute-force top N", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(eventArb, { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom(1, 2),
      fc.boolean(),
      fc.boolean(),
      fc.constantFrom(1, 2),
      miniBatchArb,
      async (raw, n, start, withRank, desc, parallelism, miniBatch) => {
        const evs = events(raw);
        const tEnv = await evEnv(evs, parallelism);
        await setMiniBatch(tEnv, miniBatch);
        const cols = withRank ? "k, v, id, rn" : "k, v, id";
        const result = await tEnv.executeSql(`SELECT ${cols} FROM (
            SELECT k, v, id, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v ${desc ? "DESC" : "ASC"}) AS rn FROM ev)
          WHERE rn <= ${n} AND rn >= ${start}`);
        const got = materialize(await result.collect());
        const expected = topN(
          evs,
          (e) => e.k,
          (a, b) => (desc ? b.v - a.v : a.v - b.v),
          start,
          n,
        ).map((e) => (withRank ? { k: e.k, v: e.v, id: e.id, rn: e.rn } : { k: e.k, v: e.v, id: e.id }));
        assert.deepEqual(sortRows(got), sortRows(expected));
      },
    ),
    { numRuns: 40 },
  );
});

test("random Top-N over an updating input (a GROUP BY's sums; mini-batch or not) equals a brute-force top N of the final sums", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(eventArb, { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
      fc.constantFrom(1, 2),
      miniBatchArb,
      async (raw, n, withRank, parallelism, miniBatch) => {
        const evs = events(raw).map((e) => ({ ...e, v: Math.trunc(e.v / 100) }));
        const tEnv = await evEnv(evs, parallelism);
        await setMiniBatch(tEnv, miniBatch);
        const result = await tEnv.executeSql(`SELECT k, g, total${withRank ? ", rn" : ""} FROM (
            SELECT k, g, total, ROW_NUMBER() OVER (PARTITION BY k ORDER BY total DESC, g ASC) AS rn
            FROM (SELECT k, g, SUM(v) AS total FROM ev GROUP BY k, g))
          WHERE rn <= ${n}`);
        const got = materialize(await result.collect());
        const sums = new Map<string, { k: string; g: number; total: number }>();
        for (const e of evs) {
          const key = `${e.k}/${e.g}`;
          const s = sums.get(key) ?? { k: e.k, g: e.g, total: 0 };
          s.total += e.v;
          sums.set(key, s);
        }
        const expected = topN(
          [...sums.values()],
          (s) => s.k,
          (a, b) => b.total - a.total || a.g - b.g,
          1,
          n,
        ).map((s) =>
          withRank ? { k: s.k, g: s.g, total: s.total, rn: s.rn } : { k: s.k, g: s.g, total: s.total },
        );
        assert.deepEqual(sortRows(got), sortRows(expected));
      },
    ),
    { numRuns: 30 },
  );
});

test("random deduplication on event time (first row insert-only, last row updating) equals the earliest / latest row per key", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(eventArb, { minLength: 1, maxLength: 40 }),
      fc.boolean(),
      fc.constantFrom(1, 2),
      async (raw, keepLast, parallelism) => {
        const evs = events(raw);
        const tEnv = await evEnv(evs, parallelism);
        const result = await tEnv.executeSql(`SELECT k, g, id FROM (
            SELECT *, ROW_NUMBER() OVER (PARTITION BY k, g ORDER BY ts ${keepLast ? "DESC" : "ASC"}) AS rn FROM ev)
          WHERE rn = 1`);
        const changes = await result.collect();
        if (!keepLast) assert.ok(changes.every((c) => rowKind(c) === "+I"));
        const expected = topN(
          evs,
          (e) => `${e.k}/${e.g}`,
          (a, b) => (keepLast ? b.ts - a.ts : a.ts - b.ts),
          1,
          1,
        ).map((e) => ({ k: e.k, g: e.g, id: e.id }));
        assert.deepEqual(sortRows(materialize(changes)), sortRows(expected));
      },
    ),
    { numRuns: 40 },
  );
});

test("random window Top-N / deduplication over TUMBLE, HOP and CUMULATE rows and after a window aggregation equals a brute force", async () => {
  const SIZE = 60;
  await fc.assert(
    fc.asyncProperty(
      fc.array(eventArb, { minLength: 1, maxLength: 40 }),
      fc.constantFrom("TUMBLE", "HOP", "CUMULATE"),
      fc.constantFrom("rows", "dedup", "aggregate"),
      fc.integer({ min: 1, max: 3 }),
      fc.constantFrom(1, 2),
      async (raw, tvf, shape, n, parallelism) => {
        const evs = events(raw);
        const tEnv = await evEnv(evs, parallelism);
        const slide = tvf === "TUMBLE" ? SIZE : SIZE / 2;
        const ms = (x: number) => `INTERVAL '0.0${x}' SECOND`;
        const call =
          tvf === "HOP"
            ? `HOP(TABLE ev, DESCRIPTOR(ts), ${ms(slide)}, ${ms(SIZE)})`
            : tvf === "CUMULATE"
              ? `CUMULATE(TABLE ev, DESCRIPTOR(ts), ${ms(slide)}, ${ms(SIZE)})`
              : `TUMBLE(TABLE ev, DESCRIPTOR(ts), ${ms(SIZE)})`;
        // [start, end] of every window of a row at ts.
        const windows = (ts: number): [number, number][] => {
          const out: [number, number][] = [];
          if (tvf === "CUMULATE") {
            const s = ts - (ts % SIZE);
            for (let e = s + slide; e <= s + SIZE; e += slide) if (e > ts) out.push([s, e]);
          } else for (let s = ts - (ts % slide); s > ts - SIZE; s -= slide) out.push([s, s + SIZE]);
          return out;
        };
        const rowsOf = evs.flatMap((e) => windows(e.ts).map(([ws, we]) => ({ ...e, ws, we })));
        const windowOf = (r: { ws: number; we: number }) => `${r.ws}/${r.we}`;
        let query: string;
        let expected: Row[];
        if (shape === "aggregate") {
          query = `SELECT window_start, window_end, k, total, rn FROM (
              SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY total DESC, k ASC) AS rn FROM (
                SELECT window_start, window_end, k, SUM(v) AS total FROM TABLE(${call}) GROUP BY window_start, window_end, k))
            WHERE rn <= ${n}`;
          const sums = new Map<string, { ws: number; we: number; k: string; total: number }>();
          for (const r of rowsOf) {
            const key = `${windowOf(r)}/${r.k}`;
            const s = sums.get(key) ?? { ws: r.ws, we: r.we, k: r.k, total: 0 };
            s.total += r.v;
            sums.set(key, s);
          }
          expected = topN(
            [...sums.values()],
            windowOf,
            (a, b) => b.total - a.total || (a.k < b.k ? -1 : 1),
            1,
            n,
          ).map((s) => ({ window_start: s.ws, window_end: s.we, k: s.k, total: s.total, rn: s.rn }));
        } else if (shape === "dedup") {
          query = `SELECT window_start, window_end, k, id FROM (
              SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, k ORDER BY ts DESC) AS rn FROM TABLE(${call}))
            WHERE rn <= 1`;
          expected = topN(
            rowsOf,
            (r) => `${windowOf(r)}/${r.k}`,
            (a, b) => b.ts - a.ts,
            1,
            1,
          ).map((r) => ({
            window_start: r.ws,
            window_end: r.we,
            k: r.k,
            id: r.id,
          }));
        } else {
          query = `SELECT window_start, window_end, k, id, rn FROM (
              SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, k ORDER BY v ASC) AS rn FROM TABLE(${call}))
            WHERE rn <= ${n}`;
          expected = topN(
            rowsOf,
            (r) => `${windowOf(r)}/${r.k}`,
            (a, b) => a.v - b.v,
            1,
            n,
          ).map((r) => ({
            window_start: r.ws,
            window_end: r.we,
            k: r.k,
            id: r.id,
            rn: r.rn,
          }));
        }
        const result = await tEnv.executeSql(query);
        assert.ok(isInsertOnly(result.changelogMode ?? { kinds: [] }));
        const got = await result.collect();
        assert.deepEqual(sortRows(got), sortRows(expected));
      },
    ),
    { numRuns: 50 },
  );
});

test("random deduplication on processing time equals the first / last row per key in arrival order", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(eventArb, { minLength: 1, maxLength: 40 }),
      fc.boolean(),
      fc.constantFrom(1, 2),
      async (raw, keepLast, parallelism) => {
        const evs = events(raw);
        const dir = logWithRows("ev", evs);
        const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
        await tEnv.executeSql(`CREATE TABLE ev (k STRING, g INT, ts TIMESTAMP(3), v INT, id INT, pt AS PROCTIME())
          WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ev', 'bounded' = 'true')`);
        const result = await tEnv.executeSql(`SELECT k, g, id FROM (
            SELECT *, ROW_NUMBER() OVER (PARTITION BY k, g ORDER BY pt ${keepLast ? "DESC" : "ASC"}) AS rn FROM ev)
          WHERE rn = 1`);
        const changes = await result.collect();
        if (!keepLast) assert.ok(changes.every((c) => rowKind(c) === "+I"));
        // The log has one partition: rows arrive per key in the order written.
        const byKey = new Map<string, Ev>();
        for (const e of evs) if (keepLast || !byKey.has(`${e.k}/${e.g}`)) byKey.set(`${e.k}/${e.g}`, e);
        const expected = [...byKey.values()].map((e) => ({ k: e.k, g: e.g, id: e.id }));
        assert.deepEqual(sortRows(materialize(changes)), sortRows(expected));
      },
    ),
    { numRuns: 30 },
  );
});

test("random Top-N over a regular join (q9's shape, NULL join keys), its columns selected as they are or reordered, equals a brute-force top N; every change holds exactly the selected columns", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(eventArb, { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
      fc.boolean(),
      fc.constantFrom(1, 2),
      async (raw, n, withRank, reordered, parallelism) => {
        // g = 3 is NULL: such rows join nothing (NULL = NULL is not true). `| 0`: no -0 values,
        // which the oracle's deepEqual would tell from the 0 the table gives back.
        const evs = events(raw).map((e) => ({ ...e, g: e.g === 3 ? null : e.g, v: (e.v / 100) | 0 }));
        const tEnv = await evEnv(evs as Ev[], parallelism);
        const inner = ["id", "k", "bid_v", "bid_id", ...(withRank ? ["rownum"] : [])];
        // As they are, the outer SELECT passes the Top-N's rows on; reordered, it copies them.
        const cols = reordered ? [...inner].reverse() : inner;
        const result = await tEnv.executeSql(`SELECT ${cols.join(", ")} FROM (
            SELECT A.id, A.k, B.v AS bid_v, B.id AS bid_id,
              ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.v DESC, B.id ASC) AS rownum
            FROM ev A, ev B WHERE A.g = B.g AND B.v >= A.v)
          WHERE rownum <= ${n}`);
        const changes = await result.collect();
        for (const c of changes) {
          const keys = Object.keys(c).filter((k) => k !== "$rowkind");
          assert.deepEqual(keys, cols, `a change with other fields: ${text(c)}`);
          if (rowKind(c) === "+I") assert.equal(c.$rowkind, undefined);
        }
        const pairs = evs.flatMap((a) =>
          evs
            .filter((b) => a.g !== null && a.g === b.g && b.v >= a.v)
            .map((b) => ({ id: a.id, k: a.k, bid_v: b.v, bid_id: b.id })),
        );
        const expected = topN(
          pairs,
          (p) => String(p.id),
          (x, y) => y.bid_v - x.bid_v || x.bid_id - y.bid_id,
          1,
          n,
        ).map((p) =>
          Object.fromEntries(cols.map((c) => [c, c === "rownum" ? p.rn : p[c as keyof typeof p]])),
        );
        assert.deepEqual(sortRows(materialize(changes)), sortRows(expected));
      },
    ),
    { numRuns: 30 },
  );
});

test("with table.exec.mini-batch a Top-N sends a partition's changes of one bundle as one difference; the options are checked as Flink checks them", async () => {
  // Rows of one key, each better than the one before: without mini-batch every one enters the
  // top (and its predecessor leaves); with a bundle larger than the input only the last one.
  const evs = [1, 2, 3, 4, 5].map((v, i) => ({ k: "a", g: 0, ts: 1000 + i, v, id: i }));
  const query = `SELECT k, v FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM ev)
    WHERE rn <= 1`;
  const plain = await (await evEnv(evs, 1)).executeSql(query);
  assert.deepEqual((await plain.collect()).map(text), [
    text({ k: "a", v: 1 }),
    ...[2, 3, 4, 5].flatMap((v) => [`-D${JSON.stringify({ k: "a", v: v - 1 })}`, text({ k: "a", v })]),
  ]);
  // No periodic watermark within the job (each one ends a bundle): one bundle, ended by the input's end.
  const tEnv = await evEnv(evs, 1, 3_600_000);
  await setMiniBatch(tEnv, 100);
  assert.deepEqual((await (await tEnv.executeSql(query)).collect()).map(text), [text({ k: "a", v: 5 })]);

  const wrong = async (sets: readonly string[], option: string, message: RegExp) => {
    const t = await evEnv(evs, 1);
    for (const s of sets) await t.executeSql(s);
    await assert.rejects(
      t.executeSql(query),
      (e: Error & { code?: string; details?: { option?: string } }) =>
        e.code === "FLEUVE_SQL_VALIDATION" && e.details?.option === option && message.test(e.message),
    );
  };
  const on = "SET 'table.exec.mini-batch.enabled' = 'true'";
  await wrong(
    ["SET 'table.exec.mini-batch.enabled' = 'yes'"],
    "table.exec.mini-batch.enabled",
    /not a boolean/,
  );
  // Flink 1.20 refuses any query over a table without a positive latency ("MiniBatch Latency
  // must be greater than 0 ms.")...
  await wrong(
    [on, "SET 'table.exec.mini-batch.size' = '10'"],
    "table.exec.mini-batch.allow-latency",
    /not set/,
  );
  await wrong(
    [on, "SET 'table.exec.mini-batch.allow-latency' = '0 ms'", "SET 'table.exec.mini-batch.size' = '10'"],
    "table.exec.mini-batch.allow-latency",
    /positive duration/,
  );
  await wrong(
    [on, "SET 'table.exec.mini-batch.allow-latency' = '1 s'", "SET 'table.exec.mini-batch.size' = 'ten'"],
    "table.exec.mini-batch.size",
    /whole number/,
  );
  // ... but runs a Top-N, or a filter, without a positive size (its default is -1): only the
  // operators it bundles (group aggregation, regular join, deduplication) need one. Fleuve's
  // Top-N then bundles by latency, watermark, checkpoint and end of input alone.
  for (const size of [[], ["SET 'table.exec.mini-batch.size' = '-1'"]]) {
    const t = await evEnv(evs, 1, 3_600_000);
    for (const s of [on, "SET 'table.exec.mini-batch.allow-latency' = '1 h'", ...size]) await t.executeSql(s);
    assert.deepEqual((await (await t.executeSql(query)).collect()).map(text), [text({ k: "a", v: 5 })]);
    assert.deepEqual((await (await t.executeSql("SELECT k, v FROM ev WHERE v = 5")).collect()).map(text), [
      text({ k: "a", v: 5 }),
    ]);
  }
});
