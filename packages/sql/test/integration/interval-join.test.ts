// Interval joins end to end: Flink's documented query (`FROM Orders o, Shipments s WHERE o.id =
// s.order_id AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time`), the outer
// joins, a window aggregation downstream of a join (the join holds its watermark back), and, on
// random out-of-order input, every join type compared with a brute-force evaluation of the same
// SQL over the whole input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { bruteForceJoin } from "../fixtures/brute-force-join.js";
import { logWithRows } from "../fixtures/log-table.js";

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function ordersAndShipments(
  orders: Record<string, unknown>[],
  shipments: Record<string, unknown>[],
  delay = "1' MINUTE",
  parallelism = 1,
) {
  const o = logWithRows("orders", orders);
  const s = logWithRows("shipments", shipments);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE Orders (id INT, order_time TIMESTAMP(3), amount INT,
      WATERMARK FOR order_time AS order_time - INTERVAL '${delay})
      WITH ('connector' = 'log', 'log' = '${o}', 'topic' = 'orders', 'bounded' = 'true');
    CREATE TABLE Shipments (id INT, order_id INT, ship_time TIMESTAMP(3),
      WATERMARK FOR ship_time AS ship_time - INTERVAL '${delay})
      WITH ('connector' = 'log', 'log' = '${s}', 'topic' = 'shipments', 'bounded' = 'true');`);
  return tEnv;
}

const ORDERS = [
  { id: 1, order_time: "2020-04-15 08:00:00", amount: 10 },
  { id: 2, order_time: "2020-04-15 09:00:00", amount: 20 },
  { id: 3, order_time: "2020-04-15 10:00:00", amount: 30 },
  { id: 4, order_time: "2020-04-15 11:00:00", amount: 40 },
];
const SHIPMENTS = [
  { id: 100, order_id: 1, ship_time: "2020-04-15 09:30:00" }, // 1.5 h after order 1: joins
  { id: 101, order_id: 2, ship_time: "2020-04-15 14:00:00" }, // 5 h after order 2: too late
  { id: 102, order_id: 3, ship_time: "2020-04-15 12:00:00" }, // 2 h after order 3: joins
  { id: 103, order_id: 3, ship_time: "2020-04-15 13:59:00" }, // 3 h 59 after order 3: joins
  { id: 104, order_id: 9, ship_time: "2020-04-15 15:00:00" }, // no such order
];

test("joins.md: the interval join of Orders and Shipments (FROM a, b WHERE ...) pairs orders shipped within 4 hours", async () => {
  const tEnv = await ordersAndShipments(ORDERS, SHIPMENTS);
  const result = await tEnv.executeSql(`
    SELECT o.id, CAST(o.order_time AS STRING) AS order_time, s.id AS ship_id, CAST(s.ship_time AS STRING) AS ship_time
    FROM Orders o, Shipments s
    WHERE o.id = s.order_id
    AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time`);
  assert.deepEqual(result.columns, ["id", "order_time", "ship_id", "ship_time"]);
  assert.deepEqual(sortRows(await result.collect()), [
    { id: 1, order_time: "2020-04-15 08:00:00.000", ship_id: 100, ship_time: "2020-04-15 09:30:00.000" },
    { id: 3, order_time: "2020-04-15 10:00:00.000", ship_id: 102, ship_time: "2020-04-15 12:00:00.000" },
    { id: 3, order_time: "2020-04-15 10:00:00.000", ship_id: 103, ship_time: "2020-04-15 13:59:00.000" },
  ]);
});

test("outer interval joins pad the rows that found no partner in time, and SELECT * names the right side's id id0", async () => {
  const tEnv = await ordersAndShipments(ORDERS, SHIPMENTS);
  const q = (type: string) => `
    SELECT o.id, s.id AS ship_id FROM Orders o ${type} JOIN Shipments s
    ON o.id = s.order_id AND o.order_time <= s.ship_time AND s.ship_time < o.order_time + INTERVAL '4' HOUR`;
  const full = await (await tEnv.executeSql(q("FULL OUTER"))).collect();
  assert.deepEqual(sortRows(full), [
    { id: 1, ship_id: 100 },
    { id: 2, ship_id: null },
    { id: 3, ship_id: 102 },
    { id: 3, ship_id: 103 },
    { id: 4, ship_id: null },
    { id: null, ship_id: 101 },
    { id: null, ship_id: 104 },
  ]);
  const tEnv2 = await ordersAndShipments(ORDERS, SHIPMENTS);
  const star = await tEnv2.executeSql(`
    SELECT * FROM Orders o LEFT JOIN Shipments s
    ON o.id = s.order_id AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time WHERE o.id <> 3`);
  assert.deepEqual(star.columns, ["id", "order_time", "amount", "id0", "order_id", "ship_time"]);
  const rows = sortRows(await star.collect()).map((r) => [r.id, r.id0]);
  assert.deepEqual(rows, [
    [1, 100],
    [2, null],
    [4, null],
  ]);
});

test("a window aggregation over a view of an interval join counts every joined row (the join's rows keep the left side's time)", async () => {
  // Orders every minute, each shipped 0-9 minutes later. (That the join holds its watermark
  // back is checked on the operator itself: test/runtime/interval-join.test.ts.)
  const orders = Array.from({ length: 200 }, (_, i) => ({
    id: i,
    order_time: 1_000_000 + i * 60_000,
    amount: i,
  }));
  const shipments = orders.map((o, i) => ({
    id: 1000 + i,
    order_id: o.id,
    ship_time: o.order_time + (i % 10) * 60_000,
  }));
  const tEnv = await ordersAndShipments(orders, shipments, "10' MINUTE");
  await tEnv.executeSql(`
    CREATE TEMPORARY VIEW shipped AS
    SELECT o.order_time, o.amount, s.ship_time FROM Orders o JOIN Shipments s
    ON o.id = s.order_id AND s.ship_time BETWEEN o.order_time AND o.order_time + INTERVAL '10' MINUTE`);
  const rows = await (
    await tEnv.executeSql(`
    SELECT window_start, COUNT(*) AS n, SUM(amount) AS total
    FROM TABLE(TUMBLE(TABLE shipped, DESCRIPTOR(order_time), INTERVAL '5' MINUTE))
    GROUP BY window_start, window_end`)
  ).collect();
  const expected = new Map<number, { n: number; total: number }>();
  for (const o of orders) {
    const ws = o.order_time - (o.order_time % 300_000);
    const e = expected.get(ws) ?? { n: 0, total: 0 };
    e.n++;
    e.total += o.amount;
    expected.set(ws, e);
  }
  assert.deepEqual(
    sortRows(rows),
    sortRows([...expected].map(([window_start, e]) => ({ window_start, n: e.n, total: e.total }))),
  );
});

type Ev = {
  k: string;
  ts: number;
  v: number;
};

/** Events with rising times, each emitted up to `delay - 1` ms early or late: never behind the watermark. */
function shuffled(raw: { k: string; gap: number; jitter: number; v: number }[], delay: number): Ev[] {
  let ts = 10_000;
  const events = raw.map((r) => ({ k: r.k, ts: (ts += r.gap), v: r.v, order: ts - (r.jitter % delay) }));
  return [...events].sort((a, b) => a.order - b.order).map(({ k, ts, v }) => ({ k, ts, v }));
}

/** The join of the whole input, pair by pair, with NULL-padded rows for outer joins. */
function bruteForce(
  left: Ev[],
  right: Ev[],
  type: string,
  lower: number,
  upper: number,
  residual: boolean,
): Row[] {
  return bruteForceJoin(
    left,
    right,
    type,
    (l, r) => l.k === r.k && l.ts >= r.ts + lower && l.ts <= r.ts + upper && (!residual || l.v < r.v),
    (l, r) => ({
      lk: l?.k ?? null,
      lts: l?.ts ?? null,
      lv: l?.v ?? null,
      rk: r?.k ?? null,
      rts: r?.ts ?? null,
      rv: r?.v ?? null,
    }),
  );
}

const secs = (ms: number) => `INTERVAL '${(Math.abs(ms) / 1000).toFixed(3)}' SECOND`;

test("random interval joins (inner, left, right, full; random bounds) equal a brute-force join of the whole input", async () => {
  const DELAY = 50;
  const event = fc.record({
    k: fc.constantFrom("a", "b", "c"),
    gap: fc.nat(30),
    jitter: fc.nat(1000),
    v: fc.integer({ min: 0, max: 9 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(event, { maxLength: 40 }),
      fc.array(event, { maxLength: 40 }),
      fc.constantFrom("INNER", "LEFT", "RIGHT", "FULL"),
      fc.constantFrom(-80, -20, 0, 15),
      fc.nat(100),
      fc.boolean(),
      fc.constantFrom(1, 2),
      async (rawL, rawR, type, lower, width, residual, parallelism) => {
        const upper = lower + width;
        const left = shuffled(rawL, DELAY);
        const right = shuffled(rawR, DELAY);
        const l = logWithRows("l", left);
        const r = logWithRows("r", right);
        const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
        const wm = `WATERMARK FOR ts AS ts - ${secs(DELAY)}`;
        await tEnv.executeScript(`
          CREATE TABLE L (k STRING, ts TIMESTAMP(3), v INT, ${wm})
            WITH ('connector' = 'log', 'log' = '${l}', 'topic' = 'l', 'bounded' = 'true');
          CREATE TABLE R (k STRING, ts TIMESTAMP(3), v INT, ${wm})
            WITH ('connector' = 'log', 'log' = '${r}', 'topic' = 'r', 'bounded' = 'true');`);
        // l.ts BETWEEN r.ts + lower AND r.ts + upper, written with + / - as a user would.
        const at = (ms: number) => (ms < 0 ? `r.ts - ${secs(ms)}` : `r.ts + ${secs(ms)}`);
        const rows = await (
          await tEnv.executeSql(`
          SELECT l.k AS lk, l.ts AS lts, l.v AS lv, r.k AS rk, r.ts AS rts, r.v AS rv
          FROM L l ${type} JOIN R r
          ON l.k = r.k AND l.ts BETWEEN ${at(lower)} AND ${at(upper)}${residual ? " AND l.v < r.v" : ""}`)
        ).collect();
        assert.deepEqual(sortRows(rows), sortRows(bruteForce(left, right, type, lower, upper, residual)));
      },
    ),
    { numRuns: 25 },
  );
});

test("an outer interval join's padded side is nullable, the kept side keeps NOT NULL", async () => {
  const tEnv = await ordersAndShipments([], []);
  const view = (
    join: string,
  ) => `SELECT o.id, 1 AS o_one, s.one AS s_one FROM (SELECT id, order_time, 1 AS one FROM Orders) o
    ${join} (SELECT order_id, ship_time, 1 AS one FROM Shipments) s
    ON o.id = s.order_id AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time`;
  const types = async (join: string, name: string) => {
    await tEnv.executeSql(`CREATE VIEW ${name} AS ${view(join)}`);
    return (await (await tEnv.executeSql(`DESCRIBE ${name}`)).collect()).map((r) => [r.name, r.null]);
  };
  assert.deepEqual(await types("JOIN", "i"), [
    ["id", true],
    ["o_one", false],
    ["s_one", false],
  ]);
  assert.deepEqual(await types("LEFT JOIN", "l"), [
    ["id", true],
    ["o_one", false],
    ["s_one", true],
  ]);
});
