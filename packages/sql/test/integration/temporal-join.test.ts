// Event-time temporal joins (FOR SYSTEM_TIME AS OF) against a versioned table: Flink's currency
// rates example of joins.md with the rows it prints, the rules Flink states (INNER drops an order
// without a valid rate, LEFT pads it; a version is valid from its own time; later versions never
// change an emitted row), the refusals, and random out-of-order input against a brute force.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const at = (hhmm: string) => `2020-04-15 ${hhmm}:00`;
const ms = (hhmm: string) => Date.parse(`2020-04-15T${hhmm}:00Z`);
const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function tables(
  orders: readonly Record<string, unknown>[],
  rates: readonly Record<string, unknown>[],
  delay = "0",
) {
  const ordersDir = logWithRows("orders", orders);
  const ratesDir = logWithRows("rates", rates);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 2 }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE orders (
        order_id    STRING,
        price       DECIMAL(32,2),
        currency    STRING,
        order_time  TIMESTAMP(3),
        WATERMARK FOR order_time AS order_time - INTERVAL '${delay}' SECOND
    ) WITH ('connector' = 'log', 'log' = '${ordersDir}', 'topic' = 'orders', 'bounded' = 'true');
    CREATE TABLE currency_rates (
        currency STRING,
        conversion_rate DECIMAL(32, 2),
        update_time TIMESTAMP(3),
        WATERMARK FOR update_time AS update_time - INTERVAL '${delay}' SECOND,
        PRIMARY KEY(currency) NOT ENFORCED
    ) WITH ('connector' = 'upsert-log', 'log' = '${ratesDir}', 'topic' = 'rates', 'bounded' = 'true')`);
  return tEnv;
}

test("joins.md, event-time temporal join: each order gets the EUR rate valid at its time", async () => {
  // The page shows the result, not the rates' changelog: these versions give it (1.14 from 11:00,
  // 1.10 from 12:05), and a version after both orders must change nothing.
  const tEnv = await tables(
    [
      { order_id: "o_001", price: 11.11, currency: "EUR", order_time: at("12:00") },
      { order_id: "o_002", price: 12.51, currency: "EUR", order_time: at("12:06") },
    ],
    [
      { currency: "USD", conversion_rate: 1.0, update_time: at("11:00") },
      { currency: "EUR", conversion_rate: 1.14, update_time: at("11:00") },
      { currency: "EUR", conversion_rate: 1.1, update_time: at("12:05") },
      { currency: "EUR", conversion_rate: 1.2, update_time: at("12:30") },
    ],
  );
  const result = await tEnv.executeSql(`SELECT
     order_id,
     price,
     orders.currency,
     conversion_rate,
     order_time
FROM orders
LEFT JOIN currency_rates FOR SYSTEM_TIME AS OF orders.order_time
ON orders.currency = currency_rates.currency`);
  assert.deepEqual(result.columns, ["order_id", "price", "currency", "conversion_rate", "order_time"]);
  // EXPLAIN names the operator, its key and state; its output is insert-only (the rates are not).
  const plan = String(
    (
      await (
        await tEnv.executeSql(`EXPLAIN SELECT order_id, conversion_rate FROM orders
          LEFT JOIN currency_rates FOR SYSTEM_TIME AS OF orders.order_time ON orders.currency = currency_rates.currency`)
      ).collect()
    )[0]?.result,
  );
  assert.match(
    plan,
    /TemporalJoin\(joinType=\[LeftOuterJoin\], table=\[currency_rates\], asOf=\[order_time\], key=\[currency\]\) \[changelogMode=\[I\], state=\[left rows until the watermark/,
  );
  assert.match(plan, /Exchange\(distribution=\[hash\[currency\]\], changelogMode=\[I,UB,UA,D\]\)/);
  assert.deepEqual(sortRows(await result.collect()), [
    { order_id: "o_001", price: 11.11, currency: "EUR", conversion_rate: 1.14, order_time: ms("12:00") },
    { order_id: "o_002", price: 12.51, currency: "EUR", conversion_rate: 1.1, order_time: ms("12:06") },
  ]);
});

test("INNER drops an order without a valid version, LEFT pads it; a version is valid from its own time", async () => {
  const orders = [
    { order_id: "early", price: 1, currency: "EUR", order_time: at("10:00") },
    { order_id: "exact", price: 2, currency: "EUR", order_time: at("11:00") },
    { order_id: "yen", price: 3, currency: "JPY", order_time: at("11:30") },
    { order_id: "cheap", price: 4, currency: "USD", order_time: at("11:40") },
  ];
  const rates = [
    { currency: "EUR", conversion_rate: 1.14, update_time: at("11:00") },
    { currency: "USD", conversion_rate: 1.0, update_time: at("11:00") },
  ];
  const q = (join: string) => `SELECT o.order_id, r.conversion_rate FROM orders AS o
    ${join} currency_rates FOR SYSTEM_TIME AS OF o.order_time AS r
    ON o.currency = r.currency AND r.conversion_rate > 1.05`;
  const inner = await (await (await tables(orders, rates)).executeSql(q("JOIN"))).collect();
  assert.deepEqual(sortRows(inner), [{ order_id: "exact", conversion_rate: 1.14 }]);
  const left = await (await (await tables(orders, rates)).executeSql(q("LEFT JOIN"))).collect();
  // "cheap" has a version (USD 1.0) that fails the rest of ON: padded, as an order with none.
  assert.deepEqual(
    sortRows(left),
    sortRows([
      { order_id: "early", conversion_rate: null },
      { order_id: "exact", conversion_rate: 1.14 },
      { order_id: "yen", conversion_rate: null },
      { order_id: "cheap", conversion_rate: null },
    ]),
  );
});

test("temporal joins that Flink refuses are refused, naming why", async () => {
  const tEnv = await tables([], []);
  await tEnv.executeSql(`CREATE TABLE plain_rates (currency STRING, conversion_rate DOUBLE, update_time TIMESTAMP(3),
    WATERMARK FOR update_time AS update_time) WITH ('connector' = 'datagen', 'number-of-rows' = '1')`);
  const cases: [string, string, RegExp][] = [
    [
      "SELECT * FROM orders FULL JOIN currency_rates FOR SYSTEM_TIME AS OF orders.order_time ON orders.currency = currency_rates.currency",
      "FLEUVE_SQL_UNSUPPORTED",
      /FULL JOIN \.\.\. FOR SYSTEM_TIME AS OF/,
    ],
    [
      "SELECT * FROM orders JOIN currency_rates FOR SYSTEM_TIME AS OF orders.order_time ON orders.price = currency_rates.conversion_rate",
      "FLEUVE_SQL_VALIDATION",
      /requires primary key .* in the join condition/,
    ],
    [
      "SELECT * FROM orders JOIN plain_rates FOR SYSTEM_TIME AS OF orders.order_time ON orders.currency = plain_rates.currency",
      "FLEUVE_SQL_VALIDATION",
      /requires primary key in versioned table/,
    ],
    [
      "SELECT * FROM orders JOIN currency_rates FOR SYSTEM_TIME AS OF orders.currency ON orders.currency = currency_rates.currency",
      "FLEUVE_SQL_VALIDATION",
      /give the left side's event-time attribute/,
    ],
  ];
  for (const [text, code, message] of cases) {
    await assert.rejects(tEnv.executeSql(text), (e: Error & { code?: string }) => {
      assert.equal(e.code, code, `${text}: ${e.message}`);
      assert.match(e.message, message, text);
      return true;
    });
  }
});

test("random orders and rate changes, out of order, equal a brute-force temporal join", async () => {
  const DELAY = 30;
  const order = fc.record({ c: fc.constantFrom("A", "B", "C"), t: fc.nat(100), jitter: fc.nat(DELAY - 1) });
  const rate = fc.record({
    c: fc.constantFrom("A", "B"),
    t: fc.nat(100),
    v: fc.integer({ min: 1, max: 99 }),
    jitter: fc.nat(DELAY - 1),
  });
  const base = ms("09:00");
  const time = (s: number) => new Date(base + s * 1000).toISOString().replace("T", " ").slice(0, 19);
  await fc.assert(
    fc.asyncProperty(
      fc.array(order, { maxLength: 25 }),
      fc.uniqueArray(rate, { maxLength: 20, selector: (r) => `${r.c}@${r.t}` }),
      fc.constantFrom("JOIN", "LEFT JOIN"),
      async (os, rs, join) => {
        const arrive = <T extends { t: number; jitter: number }>(xs: T[]) =>
          xs.map((x, i) => ({ x, i })).sort((a, b) => a.x.t - a.x.jitter - (b.x.t - b.x.jitter) || a.i - b.i);
        const orders = arrive(os).map(({ x, i }) => ({
          order_id: `o${i}`,
          price: 1,
          currency: x.c,
          order_time: time(x.t),
        }));
        const rates = arrive(rs).map(({ x }) => ({
          currency: x.c,
          conversion_rate: x.v,
          update_time: time(x.t),
        }));
        const tEnv = await tables(orders, rates, String(DELAY));
        const result =
          await tEnv.executeSql(`SELECT o.order_id, r.conversion_rate, r.update_time FROM orders AS o
          ${join} currency_rates FOR SYSTEM_TIME AS OF o.order_time AS r ON o.currency = r.currency`);
        const actual = await result.collect();
        const expected: Row[] = [];
        os.forEach((o, i) => {
          const valid = rs.filter((r) => r.c === o.c && r.t <= o.t).sort((a, b) => b.t - a.t)[0];
          if (valid !== undefined)
            expected.push({
              order_id: `o${i}`,
              conversion_rate: valid.v,
              update_time: base + valid.t * 1000,
            });
          else if (join === "LEFT JOIN")
            expected.push({ order_id: `o${i}`, conversion_rate: null, update_time: null });
        });
        assert.deepEqual(sortRows(actual), sortRows(expected));
      },
    ),
    { numRuns: 40 },
  );
});

test("a LEFT temporal join's versioned side is nullable (NOT NULL holds only where a version matched)", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  const dir = logWithRows("rates", []);
  await tEnv.executeScript(`
    CREATE TABLE orders (order_id STRING, currency STRING, order_time TIMESTAMP(3),
        WATERMARK FOR order_time AS order_time)
      WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'rates', 'bounded' = 'true');
    CREATE TABLE currency_rates (currency STRING NOT NULL, conversion_rate DECIMAL(32, 2) NOT NULL,
        update_time TIMESTAMP(3), WATERMARK FOR update_time AS update_time, PRIMARY KEY (currency) NOT ENFORCED)
      WITH ('connector' = 'upsert-log', 'log' = '${dir}', 'topic' = 'rates', 'bounded' = 'true')`);
  const view = (join: string) => `SELECT o.order_id, r.currency, 1 AS one, r.conversion_rate AS rate
    FROM orders AS o ${join} currency_rates FOR SYSTEM_TIME AS OF o.order_time AS r ON o.currency = r.currency`;
  const describe = async (name: string) =>
    (await (await tEnv.executeSql(`DESCRIBE ${name}`)).collect()).map(({ name: n, type, null: nul }) => [
      n,
      type,
      nul,
    ]);
  await tEnv.executeSql(`CREATE VIEW inner_v AS ${view("JOIN")}`);
  await tEnv.executeSql(`CREATE VIEW left_v AS ${view("LEFT JOIN")}`);
  assert.deepEqual(await describe("inner_v"), [
    ["order_id", "STRING", true],
    ["currency", "STRING", false],
    ["one", "INT", false],
    ["rate", "DECIMAL(32, 2)", false],
  ]);
  assert.deepEqual(await describe("left_v"), [
    ["order_id", "STRING", true],
    ["currency", "STRING", true],
    ["one", "INT", false],
    ["rate", "DECIMAL(32, 2)", true],
  ]);
});
