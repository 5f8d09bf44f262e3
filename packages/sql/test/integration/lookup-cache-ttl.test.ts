// The partial cache of a lookup join ('lookup.cache' = 'PARTIAL',
// 'lookup.partial-cache.expire-after-write'), against the Redis (127.0.0.1:6379) and PostgreSQL
// (127.0.0.1:5432, db test) that run beside the tests: a row changed in the external system is
// not seen while the cached copy is younger than the TTL, and is seen once the TTL has passed.
// No wall clock: the job runs on a ManualProcessingTime, orders arrive in batches at chosen clock
// times, and the clock moves only once the previous batch's joined rows are out.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { CollectSink } from "@fleuve/core/testing";
import type { Row } from "@fleuve/sql";
import { Redis } from "ioredis";
import pg from "pg";
import { until, viewOnManualClock } from "../fixtures/manual-clock.js";

const RUN = `sqlttl_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
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

const T0 = 1_700_000_000_000;
const TTL_MS = 10_000;

interface Order {
  order_id: number;
  customer_id: number;
}

/**
 * Runs the lookup join of orders against `customersDdl` (a cache of TTL_MS): one order of
 * customer 1 at T0, then `change()` alters customer 1 in the external system, then one order at
 * each of `times` (ms after T0). Returns the country each order was joined with, in order.
 */
async function countries(customersDdl: string, change: () => Promise<void>, times: number[]) {
  const { clock, env, source, tEnv } = viewOnManualClock<Order>(
    T0,
    "Orders",
    "order_id INT, customer_id INT, proc_time AS PROCTIME()",
  );
  await tEnv.executeSql(customersDdl);
  const sink = new CollectSink<Row>();
  tEnv
    .sqlQuery(`SELECT o.order_id, c.country
      FROM Orders AS o JOIN Customers FOR SYSTEM_TIME AS OF o.proc_time AS c ON o.customer_id = c.id`)
    .toDataStream()
    .sinkTo(sink);
  const client = env.executeAsync("lookup-cache-ttl");
  const send = async (order_id: number) => {
    source.send([{ order_id, customer_id: 1 }]);
    await until(`order ${order_id} joined`, () => sink.values().length === order_id);
  };
  try {
    await send(1);
    await change();
    for (let i = 0; i < times.length; i++) {
      clock.advanceTo(T0 + (times[i] as number));
      await send(i + 2);
    }
  } finally {
    source.end();
    await client.result;
  }
  return sink.values().map((r) => `${r.order_id}:${r.country}`);
}

const CACHE = `'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.expire-after-write' = '${TTL_MS / 1000} s'`;

test("Redis: a changed hash is not seen before the cache's TTL, and is seen once it has passed", async () => {
  await redis.hset(`${RUN}:1`, { id: "1", country: "FR" });
  const ddl = `CREATE TABLE Customers (id INT, country STRING)
    WITH ('connector' = 'redis', 'key-prefix' = '${RUN}:', ${CACHE})`;
  const got = await countries(ddl, async () => void (await redis.hset(`${RUN}:1`, { country: "IT" })), [
    1,
    TTL_MS - 1,
    TTL_MS,
    TTL_MS + 1,
  ]);
  assert.deepEqual(got, ["1:FR", "2:FR", "3:FR", "4:IT", "5:IT"]);
  // Without the cache, the change is seen at once.
  await redis.hset(`${RUN}:1`, { country: "FR" });
  const uncached = await countries(
    `CREATE TABLE Customers (id INT, country STRING) WITH ('connector' = 'redis', 'key-prefix' = '${RUN}:')`,
    async () => void (await redis.hset(`${RUN}:1`, { country: "IT" })),
    [1],
  );
  assert.deepEqual(uncached, ["1:FR", "2:IT"]);
});

test("PostgreSQL: an updated row is not seen before the cache's TTL, and is seen once it has passed", async () => {
  const table = `${RUN}_customers`;
  await pool.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, country TEXT)`);
  await pool.query(`INSERT INTO ${table} VALUES (1, 'FR')`);
  const ddl = `CREATE TABLE Customers (id INT, country STRING)
    WITH ('connector' = 'jdbc', 'url' = 'jdbc:postgresql://127.0.0.1:5432/test', 'table-name' = '${table}',
      'username' = '${PGUSER}', ${CACHE})`;
  const got = await countries(
    ddl,
    async () => void (await pool.query(`UPDATE ${table} SET country = 'IT' WHERE id = 1`)),
    [TTL_MS - 1, TTL_MS],
  );
  assert.deepEqual(got, ["1:FR", "2:FR", "3:IT"]);
});
