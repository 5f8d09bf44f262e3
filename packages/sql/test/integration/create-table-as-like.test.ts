// CREATE TABLE ... AS SELECT (CTAS) and CREATE TABLE ... LIKE, as Flink 1.20 runs them. CTAS
// creates the table with the query's columns and runs the INSERT of the query into it (a job):
// the rows are read back from the log or filesystem table it wrote. LIKE merges the source
// table's definition by its like options: each feature kind (GENERATED, METADATA, OPTIONS,
// WATERMARKS, CONSTRAINTS, PARTITIONS, ALL) is shown kept, dropped or overwritten through what
// the table then does; conflicts fail with Flink's messages. Expected rows are written out.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors, openLog } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import { logWithRows, readJson } from "../fixtures/log-table.js";

const ORDERS = [
  { id: 1, name: "Ann", amount: 5, ts: 1000 },
  { id: 2, name: "Bob", amount: 1, ts: 2000 },
  { id: 3, name: "Cid", amount: 7, ts: 3000 },
];
const byId = (rows: Row[]) => [...rows].sort((a, b) => (a.id as number) - (b.id as number));

/** An environment with `orders` (the rows above, bounded) in a fresh log, whose directory it returns. */
async function setUp() {
  const dir = logWithRows("orders", ORDERS);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: logConnectors,
  });
  await tEnv.executeSql(`CREATE TABLE orders (id INT, name STRING, amount INT)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'orders', 'bounded' = 'true')`);
  return { tEnv, dir };
}

/** Runs `statement`, expecting a FLEUVE_SQL error whose message contains `text`. */
async function fails(
  tEnv: Awaited<ReturnType<typeof setUp>>["tEnv"],
  statement: string,
  text: string,
): Promise<void> {
  await assert.rejects(
    async () => (await tEnv.executeSql(statement)).collect(),
    (e: unknown) => {
      assert.ok(isFleuveError(e) && e.code.startsWith("FLEUVE_SQL"), String(e));
      assert.ok((e as Error).message.includes(text), `expected "${text}" in: ${(e as Error).message}`);
      return true;
    },
  );
}

/** The name and type columns of DESCRIBE (the others are tested in catalog-statements.test.ts). */
const describe = async (tEnv: Awaited<ReturnType<typeof setUp>>["tEnv"], table: string) =>
  (await (await tEnv.executeSql(`DESCRIBE ${table}`)).collect()).map(({ name, type }) => ({ name, type }));

test("CTAS into a log table: the table takes the query's columns and the job writes its rows", async () => {
  const { tEnv, dir } = await setUp();
  const log = openLog({ dir });
  log.createTopic("big", { partitions: 1 });
  log.close();
  const result = await tEnv.executeSql(`CREATE TABLE big
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'big', 'bounded' = 'true')
    AS SELECT id, UPPER(name) AS shout, amount * 2 AS doubled FROM orders WHERE amount > 1`);
  assert.equal(result.kind, "JOB");
  await result.await();
  assert.deepEqual(await describe(tEnv, "big"), [
    { name: "id", type: "INT" },
    { name: "shout", type: "STRING" },
    { name: "doubled", type: "INT" },
  ]);
  assert.deepEqual(readJson(dir, "big"), [
    { id: 1, shout: "ANN", doubled: 10 },
    { id: 3, shout: "CID", doubled: 14 },
  ]);
  assert.deepEqual(byId(await (await tEnv.executeSql("SELECT * FROM big")).collect()), [
    { id: 1, shout: "ANN", doubled: 10 },
    { id: 3, shout: "CID", doubled: 14 },
  ]);
});

test("CTAS into a filesystem table, read back; IF NOT EXISTS inserts into the table already there", async () => {
  const { tEnv } = await setUp();
  const path = mkdtempSync(join(tmpdir(), "sql-ctas-"));
  await (
    await tEnv.executeSql(`CREATE TABLE files WITH ('connector' = 'filesystem', 'path' = '${path}', 'format' = 'csv')
      AS SELECT id, name FROM orders WHERE id <> 2`)
  ).await();
  assert.deepEqual(byId(await (await tEnv.executeSql("SELECT * FROM files")).collect()), [
    { id: 1, name: "Ann" },
    { id: 3, name: "Cid" },
  ]);
  // Flink: the create is skipped, the INSERT runs into the existing table.
  await (
    await tEnv.executeSql(`CREATE TABLE IF NOT EXISTS files WITH ('connector' = 'filesystem', 'path' = '/nowhere', 'format' = 'csv')
      AS SELECT id, name FROM orders WHERE id = 2`)
  ).await();
  assert.deepEqual(byId(await (await tEnv.executeSql("SELECT * FROM files")).collect()), [
    { id: 1, name: "Ann" },
    { id: 2, name: "Bob" },
    { id: 3, name: "Cid" },
  ]);
  await fails(
    tEnv,
    `CREATE TABLE files WITH ('connector' = 'blackhole') AS SELECT id FROM orders`,
    "a table or view named files already exists",
  );
});

test("CTAS refuses what Flink 1.20 refuses, and leaves no table when its INSERT cannot be planned", async () => {
  const { tEnv, dir } = await setUp();
  const sink = `WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'x')`;
  const refused = "CREATE TABLE AS SELECT syntax does not support";
  await fails(
    tEnv,
    `CREATE TEMPORARY TABLE t ${sink} AS SELECT id FROM orders`,
    `${refused} to create temporary table yet.`,
  );
  await fails(
    tEnv,
    `CREATE TABLE t (id INT) ${sink} AS SELECT id FROM orders`,
    `${refused} to specify explicit columns yet.`,
  );
  await fails(
    tEnv,
    `CREATE TABLE t (PRIMARY KEY (id) NOT ENFORCED) ${sink} AS SELECT id FROM orders`,
    `${refused} primary key constraints yet.`,
  );
  await fails(
    tEnv,
    `CREATE TABLE t (WATERMARK FOR id AS id) ${sink} AS SELECT id FROM orders`,
    `${refused} to specify explicit watermark yet.`,
  );
  await fails(
    tEnv,
    `CREATE TABLE t PARTITIONED BY (id) ${sink} AS SELECT id FROM orders`,
    `${refused} to create partitioned table yet.`,
  );
  // An updating query into an append-only table: planning the INSERT fails, the table goes again.
  await fails(
    tEnv,
    `CREATE TABLE counts ${sink} AS SELECT name, COUNT(*) AS n FROM orders GROUP BY name`,
    "table counts ('log') is an append-only sink",
  );
  assert.deepEqual(await (await tEnv.executeSql("SHOW TABLES")).collect(), [{ "table name": "orders" }]);
});

test("LIKE without options: INCLUDING ALL OVERWRITING OPTIONS (Flink's example: a watermark added, an option replaced)", async () => {
  const { tEnv, dir } = await setUp();
  await tEnv.executeScript(`
    CREATE TABLE events (id INT, name STRING, ts TIMESTAMP(3), total AS id * 10)
      WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'nothing-here', 'bounded' = 'true');
    CREATE TABLE events_wm (WATERMARK FOR ts AS ts - INTERVAL '5' SECOND, extra AS id + 1)
      WITH ('topic' = 'orders')
      LIKE events;`);
  assert.deepEqual(await describe(tEnv, "events_wm"), [
    { name: "id", type: "INT" },
    { name: "name", type: "STRING" },
    { name: "ts", type: "TIMESTAMP(3) *ROWTIME*" },
    { name: "total", type: "INT" },
    { name: "extra", type: "INT" },
  ]);
  // The source's connector and log, with the statement's topic: the rows of `orders`.
  assert.deepEqual(
    byId(await (await tEnv.executeSql("SELECT id, name, total, extra FROM events_wm")).collect()),
    [
      { id: 1, name: "Ann", total: 10, extra: 2 },
      { id: 2, name: "Bob", total: 20, extra: 3 },
      { id: 3, name: "Cid", total: 30, extra: 4 },
    ],
  );
  const plan = (await (await tEnv.executeSql("EXPLAIN SELECT * FROM events_wm")).collect())[0]
    ?.result as string;
  assert.match(plan, /watermark=\[.*INTERVAL '5' SECOND.*\] per partition in the source/);
  await fails(
    tEnv,
    "CREATE TABLE dup (id INT) LIKE events",
    "CREATE TABLE dup LIKE events: A column named 'id' already exists in the base table.",
  );
  await fails(
    tEnv,
    "CREATE TABLE nope LIKE missing",
    "Source table 'missing' of the LIKE clause not found in the catalog",
  );
  await tEnv.executeSql("CREATE VIEW v AS SELECT * FROM orders");
  await fails(tEnv, "CREATE TABLE nope LIKE v", "Source table 'v' of the LIKE clause can not be a VIEW");
});

test("LIKE ... GENERATED and METADATA: included, excluded, overwritten; conflicts name the column", async () => {
  const { tEnv, dir } = await setUp();
  await tEnv.executeSql(`CREATE TABLE src (id INT, name STRING, twice AS id * 2, off BIGINT METADATA FROM 'offset' VIRTUAL)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'orders', 'bounded' = 'true')`);
  await tEnv.executeScript(`
    CREATE TABLE inc LIKE src;
    CREATE TABLE exc LIKE src (EXCLUDING GENERATED EXCLUDING METADATA);
    CREATE TABLE ovr (twice AS id * 3, off INT METADATA FROM 'partition' VIRTUAL) LIKE src (OVERWRITING GENERATED OVERWRITING METADATA);`);
  assert.deepEqual(byId(await (await tEnv.executeSql("SELECT * FROM inc")).collect()), [
    { id: 1, name: "Ann", twice: 2, off: 0 },
    { id: 2, name: "Bob", twice: 4, off: 1 },
    { id: 3, name: "Cid", twice: 6, off: 2 },
  ]);
  assert.deepEqual(byId(await (await tEnv.executeSql("SELECT * FROM exc")).collect()), [
    { id: 1, name: "Ann" },
    { id: 2, name: "Bob" },
    { id: 3, name: "Cid" },
  ]);
  // Overwritten columns keep the source's positions.
  assert.deepEqual(byId(await (await tEnv.executeSql("SELECT * FROM ovr")).collect()), [
    { id: 1, name: "Ann", twice: 3, off: 0 },
    { id: 2, name: "Bob", twice: 6, off: 0 },
    { id: 3, name: "Cid", twice: 9, off: 0 },
  ]);
  await fails(
    tEnv,
    "CREATE TABLE t (twice AS id * 3) LIKE src",
    "A generated column named 'twice' already exists in the base table. You might want to specify EXCLUDING GENERATED or OVERWRITING GENERATED.",
  );
  await fails(
    tEnv,
    "CREATE TABLE t (off BIGINT METADATA FROM 'offset') LIKE src (INCLUDING METADATA)",
    "A metadata column named 'off' already exists in the base table. You might want to specify EXCLUDING METADATA or OVERWRITING METADATA.",
  );
  await fails(
    tEnv,
    "CREATE TABLE t (name AS UPPER(name)) LIKE src (OVERWRITING GENERATED)",
    "A column named 'name' already exists in the table. Duplicate columns exist in the compute column and regular column.",
  );
});

test("LIKE ... OPTIONS: overwriting, including (a duplicate key fails), excluding", async () => {
  const { tEnv, dir } = await setUp();
  const log = openLog({ dir });
  log.createTopic("other", { partitions: 1 });
  log.close();
  await tEnv.executeScript(`
    CREATE TABLE a WITH ('topic' = 'other') LIKE orders (OVERWRITING OPTIONS);
    CREATE TABLE b (id2 AS id + 100) WITH ('isolation' = 'read_uncommitted') LIKE orders (INCLUDING OPTIONS);
    CREATE TABLE c WITH ('connector' = 'blackhole') LIKE orders (EXCLUDING OPTIONS);`);
  // a reads the empty topic 'other' (the statement's topic), b the source's 'orders'.
  assert.deepEqual(await (await tEnv.executeSql("SELECT * FROM a")).collect(), []);
  assert.deepEqual(byId(await (await tEnv.executeSql("SELECT id, id2 FROM b")).collect()), [
    { id: 1, id2: 101 },
    { id: 2, id2: 102 },
    { id: 3, id2: 103 },
  ]);
  assert.deepEqual(await describe(tEnv, "c"), [
    { name: "id", type: "INT" },
    { name: "name", type: "STRING" },
    { name: "amount", type: "INT" },
  ]);
  // c has blackhole's options alone: an INSERT plans (a 'log' option would be refused by it).
  await tEnv.executeSql("INSERT INTO c SELECT * FROM orders");
  await fails(
    tEnv,
    `CREATE TABLE d WITH ('topic' = 'other') LIKE orders (INCLUDING OPTIONS)`,
    "There already exists an option ['topic' -> 'orders'] in the base table. You might want to specify EXCLUDING OPTIONS or OVERWRITING OPTIONS.",
  );
});

test("LIKE ... WATERMARKS: included, excluded, overwritten; two on one column fail", async () => {
  const { tEnv, dir } = await setUp();
  await tEnv.executeSql(`CREATE TABLE ev (id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'orders', 'bounded' = 'true')`);
  await tEnv.executeScript(`
    CREATE TABLE w_inc LIKE ev;
    CREATE TABLE w_exc LIKE ev (EXCLUDING WATERMARKS);
    CREATE TABLE w_ovr (WATERMARK FOR ts AS ts - INTERVAL '9' SECOND) LIKE ev (OVERWRITING WATERMARKS);`);
  const plan = async (t: string) =>
    (await (await tEnv.executeSql(`EXPLAIN SELECT * FROM ${t}`)).collect())[0]?.result as string;
  assert.match(await plan("w_inc"), /watermark=\[.*'1' SECOND.*\] per partition in the source/);
  assert.doesNotMatch(await plan("w_exc"), /watermark=/);
  assert.match(await plan("w_ovr"), /watermark=\[.*'9' SECOND.*\] per partition in the source/);
  await fails(
    tEnv,
    "CREATE TABLE t (WATERMARK FOR ts AS ts) LIKE ev",
    "There already exists a watermark spec for column 'ts' in the base table. You might want to specify EXCLUDING WATERMARKS or OVERWRITING WATERMARKS.",
  );
});

test("LIKE ... CONSTRAINTS, PARTITIONS and ALL; options Flink refuses", async () => {
  const { tEnv, dir } = await setUp();
  const path = mkdtempSync(join(tmpdir(), "sql-like-"));
  await tEnv.executeScript(`
    CREATE TABLE keyed (k STRING, n BIGINT, PRIMARY KEY (k) NOT ENFORCED)
      WITH ('connector' = 'upsert-log', 'log' = '${dir}', 'topic' = 'keyed');
    CREATE TABLE keyed2 WITH ('topic' = 'keyed2') LIKE keyed;
    CREATE TABLE unkeyed WITH ('topic' = 'keyed3') LIKE keyed (EXCLUDING CONSTRAINTS);
    CREATE TABLE parts (id INT, name STRING) PARTITIONED BY (name)
      WITH ('connector' = 'filesystem', 'path' = '${path}', 'format' = 'csv');
    CREATE TABLE parts_bh WITH ('connector' = 'blackhole') LIKE parts (EXCLUDING OPTIONS);
    CREATE TABLE flat_bh WITH ('connector' = 'blackhole') LIKE parts (EXCLUDING ALL);
    CREATE TABLE only_parts WITH ('connector' = 'blackhole') LIKE parts (EXCLUDING ALL INCLUDING PARTITIONS);`);
  const counts = "SELECT name AS k, COUNT(*) AS n FROM orders GROUP BY name";
  // The primary key came along: the upsert table plans; without it, upsert-log wants one.
  await tEnv.executeSql(`INSERT INTO keyed2 ${counts}`);
  await fails(tEnv, `INSERT INTO unkeyed ${counts}`, "needs a PRIMARY KEY");
  // The partitioning came along: blackhole writes no partitions, so Fleuve refuses the INSERT.
  for (const t of ["parts_bh", "only_parts"])
    await fails(tEnv, `INSERT INTO ${t} SELECT id, name FROM orders`, "a table PARTITIONED BY (name)");
  await tEnv.executeSql("INSERT INTO flat_bh SELECT id, name FROM orders");
  await fails(
    tEnv,
    "CREATE TABLE t (PRIMARY KEY (n) NOT ENFORCED) LIKE keyed",
    "The base table already has a primary key. You might want to specify EXCLUDING CONSTRAINTS.",
  );
  await fails(
    tEnv,
    "CREATE TABLE t PARTITIONED BY (id) LIKE parts",
    "The base table already has partitions defined. You might want to specify EXCLUDING PARTITIONS.",
  );
  await fails(
    tEnv,
    "CREATE TABLE t LIKE parts (OVERWRITING ALL)",
    "Illegal merging strategy 'OVERWRITING' for 'ALL' option.",
  );
  await fails(
    tEnv,
    "CREATE TABLE t LIKE parts (OVERWRITING CONSTRAINTS)",
    "Illegal merging strategy 'OVERWRITING' for 'CONSTRAINTS' option.",
  );
  await fails(
    tEnv,
    "CREATE TABLE t LIKE parts (EXCLUDING OPTIONS INCLUDING OPTIONS)",
    "Each like option feature can be declared only once.",
  );
  await fails(tEnv, "CREATE TABLE t LIKE parts (INCLUDING COLUMNS)", "unknown like option INCLUDING COLUMNS");
});
