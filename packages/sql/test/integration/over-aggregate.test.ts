// OVER aggregation end to end: over-agg.md's query (SUM(amount) OVER (PARTITION BY product ORDER
// BY order_time RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW)) on written-out rows,
// and on random out-of-order input, ROWS and RANGE frames (bounded and unbounded) compared with a
// brute-force evaluation over the whole input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

test("over-agg.md: a one-hour RANGE sum per product, each order once, in time order per product", async () => {
  const dir = logWithRows("orders", [
    { order_id: 1, product: "a", amount: 10, order_time: "2020-04-15 08:00:00" },
    { order_id: 2, product: "b", amount: 5, order_time: "2020-04-15 08:10:00" },
    { order_id: 3, product: "a", amount: 20, order_time: "2020-04-15 08:30:00" },
    { order_id: 4, product: "a", amount: 1, order_time: "2020-04-15 09:15:00" },
    { order_id: 5, product: "a", amount: 2, order_time: "2020-04-15 09:15:00" },
    { order_id: 6, product: "b", amount: 7, order_time: "2020-04-15 09:11:00" },
  ]);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeSql(`CREATE TABLE Orders (order_id INT, product STRING, amount INT, order_time TIMESTAMP(3),
    WATERMARK FOR order_time AS order_time - INTERVAL '10' MINUTE)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'orders', 'bounded' = 'true')`);
  const result = await tEnv.executeSql(`
    SELECT order_id, amount,
      SUM(amount) OVER (
        PARTITION BY product
        ORDER BY order_time
        RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW
      ) AS one_hour_prod_amount_sum
    FROM Orders`);
  assert.deepEqual(result.columns, ["order_id", "amount", "one_hour_prod_amount_sum"]);
  const rows = await result.collect();
  // 08:00 a: 10; 08:30 a: 30; 09:15 a (both rows share their time): 20 + 1 + 2 (08:00 left the hour)
  assert.deepEqual(
    sortRows(rows),
    sortRows([
      { order_id: 1, amount: 10, one_hour_prod_amount_sum: 10 },
      { order_id: 2, amount: 5, one_hour_prod_amount_sum: 5 },
      { order_id: 3, amount: 20, one_hour_prod_amount_sum: 30 },
      { order_id: 4, amount: 1, one_hour_prod_amount_sum: 23 },
      { order_id: 5, amount: 2, one_hour_prod_amount_sum: 23 },
      { order_id: 6, amount: 7, one_hour_prod_amount_sum: 7 },
    ]),
  );
  // Per product, rows come out in time order.
  const a = rows.filter((r) => [1, 3, 4, 5].includes(r.order_id as number)).map((r) => r.order_id);
  assert.deepEqual(a.slice(0, 2), [1, 3]);
});

test("random OVER aggregations (ROWS / RANGE, bounded / unbounded) equal a brute-force evaluation", async () => {
  const DELAY = 30;
  const event = fc.record({
    k: fc.constantFrom("a", "b"),
    gap: fc.nat(12),
    jitter: fc.nat(DELAY - 1),
    v: fc.integer({ min: -9, max: 9 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(event, { minLength: 1, maxLength: 40 }),
      fc.constantFrom("ROWS", "RANGE"),
      fc.constantFrom(undefined, 0, 2, 25),
      fc.constantFrom(1, 2),
      async (raw, unit, preceding, parallelism) => {
        let ts = 1000;
        const events = raw
          .map((r, i) => ({ k: r.k, ts: (ts += r.gap), v: r.v, id: i, order: ts - r.jitter }))
          .sort((x, y) => x.order - y.order || x.id - y.id);
        const dir = logWithRows(
          "ev",
          events.map(({ k, ts, v, id }) => ({ k, ts, v, id })),
        );
        const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
        await tEnv.executeSql(`CREATE TABLE ev (k STRING, ts TIMESTAMP(3), v INT, id INT,
          WATERMARK FOR ts AS ts - INTERVAL '0.0${DELAY}' SECOND)
          WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ev', 'bounded' = 'true')`);
        const bound =
          preceding === undefined
            ? "UNBOUNDED PRECEDING"
            : unit === "ROWS"
              ? `${preceding} PRECEDING`
              : `INTERVAL '0.${String(preceding).padStart(3, "0")}' SECOND PRECEDING`;
        const w = `(PARTITION BY k ORDER BY ts ${unit} BETWEEN ${bound} AND CURRENT ROW)`;
        const rows = await (
          await tEnv.executeSql(`SELECT id, SUM(v) OVER ${w} AS s, COUNT(*) OVER ${w} AS n,
            MIN(v) OVER ${w} AS lo, MAX(v) OVER ${w} AS hi FROM ev`)
        ).collect();
        // Brute force: per partition, rows in (time, arrival) order; each row's frame.
        const expected: Row[] = [];
        for (const k of ["a", "b"]) {
          const part = events.filter((e) => e.k === k).sort((x, y) => x.ts - y.ts);
          part.forEach((e, i) => {
            const frame =
              unit === "ROWS"
                ? part.slice(preceding === undefined ? 0 : Math.max(0, i - preceding), i + 1)
                : part.filter((x) => x.ts <= e.ts && (preceding === undefined || x.ts >= e.ts - preceding));
            const vs = frame.map((x) => x.v);
            expected.push({
              id: e.id,
              s: vs.reduce((p, q) => p + q, 0),
              n: vs.length,
              lo: Math.min(...vs),
              hi: Math.max(...vs),
            });
          });
        }
        assert.deepEqual(sortRows(rows), sortRows(expected));
      },
    ),
    { numRuns: 30 },
  );
});
