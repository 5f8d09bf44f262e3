// Lookup joins against the Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432, db test) that
// run beside the tests: Flink's joins.md example (orders enriched with their customer's country
// and zip, FOR SYSTEM_TIME AS OF o.proc_time), INNER and LEFT, with unique key prefixes and table
// names so that runs do not see each other's data.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import { Redis } from "ioredis";
import pg from "pg";
import { logWithRows } from "../fixtures/log-table.js";

const RUN = `sqlmr_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
const redis = new Redis("redis://127.0.0.1:6379");
const PGUSER = process.env.PGUSER ?? "postgres";
const pool = new pg.Pool({ connectionString: `postgres://${PGUSER}@127.0.0.1:5432/test` });
after(async () => {
  const keys = await redis.keys(`${RUN}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await pool.query(`DROP TABLE IF EXISTS ${RUN}_customers`);
  await pool.end();
});

const CUSTOMERS = [
  { id: 1, name: "Ann", country: "FR", zip: "75001" },
  { id: 2, name: "Bob", country: "DE", zip: "10115" },
];
const ORDERS = [
  { order_id: 10, total: 5.5, customer_id: 1 },
  { order_id: 11, total: 7, customer_id: 3 },
  { order_id: 12, total: 9.25, customer_id: 2 },
  { order_id: 13, total: 1, customer_id: 1 },
];
const sortRows = (rows: Row[]) => [...rows].sort((a, b) => (a.order_id as number) - (b.order_id as number));

async function env(customers: string) {
  const dir = logWithRows("orders", ORDERS);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 2 }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE Orders (order_id INT, total DOUBLE, customer_id INT, proc_time AS PROCTIME())
      WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'orders', 'bounded' = 'true');
    ${customers}`);
  return tEnv;
}

const QUERY = (join: string) => `SELECT o.order_id, o.total, c.country, c.zip
FROM Orders AS o
  ${join} Customers FOR SYSTEM_TIME AS OF o.proc_time AS c
    ON o.customer_id = c.id`;

const INNER = [
  { order_id: 10, total: 5.5, country: "FR", zip: "75001" },
  { order_id: 12, total: 9.25, country: "DE", zip: "10115" },
  { order_id: 13, total: 1, country: "FR", zip: "75001" },
];
const LEFT = sortRows([...INNER, { order_id: 11, total: 7, country: null, zip: null }]);

test("joins.md lookup join against Redis hashes (INNER and LEFT, with and without cache)", async () => {
  for (const c of CUSTOMERS) await redis.hset(`${RUN}:${c.id}`, { ...c });
  for (const cache of [
    "",
    ", 'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.expire-after-write' = '1 h'",
  ]) {
    const ddl = `CREATE TABLE Customers (id INT, name STRING, country STRING, zip STRING)
      WITH ('connector' = 'redis', 'url' = 'redis://127.0.0.1:6379', 'key-prefix' = '${RUN}:'${cache})`;
    const inner = await (await (await env(ddl)).executeSql(QUERY("JOIN"))).collect();
    assert.deepEqual(sortRows(inner), INNER, cache);
    const left = await (await (await env(ddl)).executeSql(QUERY("LEFT JOIN"))).collect();
    assert.deepEqual(sortRows(left), LEFT, cache);
  }
});

test("joins.md lookup join against a PostgreSQL table through the jdbc connector", async () => {
  await pool.query(`CREATE TABLE ${RUN}_customers (id INT PRIMARY KEY, name TEXT, country TEXT, zip TEXT)`);
  for (const c of CUSTOMERS)
    await pool.query(`INSERT INTO ${RUN}_customers VALUES ($1, $2, $3, $4)`, [
      c.id,
      c.name,
      c.country,
      c.zip,
    ]);
  const ddl = `CREATE TABLE Customers (id INT, name STRING, country STRING, zip STRING)
    WITH ('connector' = 'jdbc', 'url' = 'jdbc:postgresql://127.0.0.1:5432/test', 'table-name' = '${RUN}_customers',
      'username' = '${PGUSER}', 'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '100')`;
  const inner = await (await (await env(ddl)).executeSql(QUERY("JOIN"))).collect();
  assert.deepEqual(sortRows(inner), INNER);
  const left = await (await (await env(ddl)).executeSql(QUERY("LEFT JOIN"))).collect();
  assert.deepEqual(sortRows(left), LEFT);
});

test("PostgreSQL DATE, TIMESTAMP, TIMESTAMPTZ, TIME and NUMERIC columns read as Flink's JDBC connector reads them", async () => {
  // pg would read DATE and TIMESTAMP into a Date in the process's zone; Flink reads the wall clock.
  await pool.query(
    `CREATE TABLE ${RUN}_dated (id INT PRIMARY KEY, d DATE, ts TIMESTAMP, tz TIMESTAMPTZ, t TIME, n NUMERIC(5, 2))`,
  );
  await pool.query(
    `INSERT INTO ${RUN}_dated VALUES (1, '2020-01-02', '2020-01-02 03:04:05.678', '2020-01-02 03:04:05+02', '13:45:30', 1.5)`,
  );
  const tEnv =
    await env(`CREATE TABLE Dated (id INT, d DATE, ts TIMESTAMP(3), tz TIMESTAMP_LTZ(3), t TIME, n DECIMAL(5, 2))
    WITH ('connector' = 'jdbc', 'url' = 'jdbc:postgresql://127.0.0.1:5432/test', 'table-name' = '${RUN}_dated',
      'username' = '${PGUSER}')`);
  const rows = await (
    await tEnv.executeSql(`SELECT o.order_id, CAST(c.d AS STRING) AS d, CAST(c.ts AS STRING) AS ts,
      CAST(c.tz AS STRING) AS tz, CAST(c.t AS STRING) AS t, c.n
      FROM Orders AS o JOIN Dated FOR SYSTEM_TIME AS OF o.proc_time AS c ON o.customer_id = c.id`)
  ).collect();
  const row = {
    d: "2020-01-02",
    ts: "2020-01-02 03:04:05.678",
    tz: "2020-01-02 01:04:05.000",
    t: "13:45:30",
    n: 1.5,
  };
  assert.deepEqual(sortRows(rows), [
    { order_id: 10, ...row },
    { order_id: 13, ...row },
  ]);
  await pool.query(`DROP TABLE ${RUN}_dated`);
});

test("lookup joins Flink refuses, and bad lookup options, are named", async () => {
  const tEnv = await env(`CREATE TABLE Customers (id INT, name STRING, country STRING, zip STRING)
    WITH ('connector' = 'redis', 'key-prefix' = '${RUN}:', 'lookup.cache' = 'FULL')`);
  await assert.rejects(tEnv.executeSql(QUERY("JOIN")), /'lookup.cache' is NONE or PARTIAL, got 'FULL'/);
  const t2 = await env(`CREATE TABLE Customers (id INT, name STRING, country STRING, zip STRING)
    WITH ('connector' = 'redis', 'key-prefix' = '${RUN}:', 'colour' = 'red')`);
  await assert.rejects(t2.executeSql(QUERY("JOIN")), /has no option 'colour'/);
  const t3 = await env(`CREATE TABLE Customers (id INT, name STRING, country STRING, zip STRING)
    WITH ('connector' = 'redis', 'key-prefix' = '${RUN}:')`);
  await assert.rejects(
    t3.executeSql(QUERY("FULL JOIN")),
    (e: Error & { code?: string }) =>
      e.code === "FLEUVE_SQL_UNSUPPORTED" && /FULL JOIN of lookup table Customers/.test(e.message),
  );
  await assert.rejects(
    t3.executeSql(
      "SELECT * FROM Orders AS o JOIN Customers FOR SYSTEM_TIME AS OF o.order_id AS c ON o.customer_id = c.id",
    ),
    /AS OF the left side's processing-time attribute/,
  );
});

test("a LEFT lookup join's looked-up side is nullable (NULL where nothing is found)", async () => {
  const tEnv =
    await env(`CREATE TABLE Customers (id INT NOT NULL, name STRING, country STRING NOT NULL, zip STRING)
    WITH ('connector' = 'redis', 'url' = 'redis://127.0.0.1:6379', 'key-prefix' = '${RUN}:')`);
  const describe = async (name: string, join: string) => {
    await tEnv.executeSql(`CREATE VIEW ${name} AS ${QUERY(join)}`);
    return (await (await tEnv.executeSql(`DESCRIBE ${name}`)).collect()).map((r) => [r.name, r.null]);
  };
  assert.deepEqual(await describe("inner_v", "JOIN"), [
    ["order_id", true],
    ["total", true],
    ["country", false],
    ["zip", true],
  ]);
  assert.deepEqual(await describe("left_v", "LEFT JOIN"), [
    ["order_id", true],
    ["total", true],
    ["country", true],
    ["zip", true],
  ]);
});
