// The SQL environment's statements beyond queries: INSERT INTO a sink table, sqlQuery into the
// DataStream API, DROP, SET and RESET, one statement per executeSql.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors, openLog } from "@fleuve/log";
import { sql } from "@fleuve/sql";
import { logWithRows, readJson } from "./fixtures/log-table.js";

test("INSERT INTO a log table writes the query's rows under the table's column names", async () => {
  const dir = logWithRows("in", [
    { id: 1, name: "ann", ts: 1_000 },
    { id: 2, name: "bob", ts: 2_000 },
    { id: 3, name: "cy", ts: 3_000 },
  ]);
  const log = openLog({ dir });
  log.createTopic("out", { partitions: 1 });
  log.close();
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE src (id INT, name STRING, ts TIMESTAMP(3)) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'in', 'bounded' = 'true');
    CREATE TABLE dst (user_id INT, shout STRING) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'out');`);
  const insert = await tEnv.executeSql(
    "INSERT INTO dst SELECT id * 10, UPPER(name) || '!' FROM src WHERE id <> 2",
  );
  assert.equal(insert.kind, "JOB");
  await insert.await();
  assert.deepEqual(readJson(dir, "out"), [
    { user_id: 10, shout: "ANN!" },
    { user_id: 30, shout: "CY!" },
  ]);
});

test("each INSERT's job runs only its own pipeline: a second INSERT or a query on the same environment does not run the first again", async () => {
  const dir = logWithRows("in", [
    { id: 1, name: "ann", ts: 1_000 },
    { id: 2, name: "bob", ts: 2_000 },
  ]);
  const log = openLog({ dir });
  log.createTopic("a", { partitions: 1 });
  log.createTopic("b", { partitions: 1 });
  log.close();
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE src (id INT, name STRING, ts TIMESTAMP(3)) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'in', 'bounded' = 'true');
    CREATE TABLE a (id INT) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'a');
    CREATE TABLE b (name STRING) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'b');`);
  await (await tEnv.executeSql("INSERT INTO a SELECT id FROM src")).await();
  await (await tEnv.executeSql("INSERT INTO b SELECT name FROM src WHERE id = 2")).await();
  const rows = await (await tEnv.executeSql("SELECT id FROM src")).collect();
  assert.deepEqual(readJson(dir, "a"), [{ id: 1 }, { id: 2 }]);
  assert.deepEqual(readJson(dir, "b"), [{ name: "bob" }]);
  assert.deepEqual(rows, [{ id: 1 }, { id: 2 }]);
  // Statements planned but never run (no await) do not ride along with a later job either.
  await tEnv.executeSql("INSERT INTO b SELECT name FROM src WHERE id = 1");
  await (await tEnv.executeSql("INSERT INTO a SELECT id + 10 FROM src WHERE id = 1")).await();
  assert.deepEqual(readJson(dir, "a"), [{ id: 1 }, { id: 2 }, { id: 11 }]);
  assert.deepEqual(readJson(dir, "b"), [{ name: "bob" }]);
});

test("sqlQuery gives a Table whose rows continue as a DataStream", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const tEnv = sql(env);
  const table = tEnv.sqlQuery("SELECT x, x * x AS sq FROM (VALUES (1), (2), (3)) AS t (x) WHERE x > 1");
  assert.deepEqual(
    table.columns.map((c) => c.name),
    ["x", "sq"],
  );
  const sums = await env.executeAndCollect(
    table.toDataStream().map((row) => (row.x as number) + (row.sq as number)),
  );
  assert.deepEqual(sums.sort(), [12, 6]);
});

test("the DataStream of an updating Table is refused as a DataStream table: its rows are not inserts only", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const tEnv = sql(env);
  const totals = tEnv.sqlQuery("SELECT x, SUM(y) AS s FROM (VALUES (1, 2), (1, 5)) AS t (x, y) GROUP BY x");
  assert.throws(
    () => tEnv.createTemporaryView("totals", totals.toDataStream(), "x INT, s INT"),
    /createTemporaryView totals: the stream is the changelog of an updating query.*Conversion expects insert-only records/,
  );
  // An insert-only Table's stream is a DataStream table as any other.
  const doubled = tEnv.sqlQuery("SELECT x * 2 AS d FROM (VALUES (1), (2)) AS t (x)");
  tEnv.createTemporaryView("doubled", doubled.toDataStream(), "d INT");
  const rows = await (await tEnv.executeSql("SELECT d + 1 AS e FROM doubled")).collect();
  assert.deepEqual(rows, [{ e: 3 }, { e: 5 }]);
});

test("DROP removes a table; SET and RESET keep settings; executeSql takes one statement", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create());
  await tEnv.executeSql("CREATE TABLE t (a INT) WITH ('connector' = 'log')");
  await tEnv.executeSql("CREATE TABLE IF NOT EXISTS t (a INT) WITH ('connector' = 'log')");
  await assert.rejects(tEnv.executeSql("CREATE TABLE t (a INT) WITH ('connector' = 'log')"), {
    code: "FLEUVE_SQL_VALIDATION",
    message: "a table or view named t already exists",
  });
  await tEnv.executeSql("DROP TABLE t");
  assert.deepEqual(await (await tEnv.executeSql("SHOW TABLES")).collect(), []);
  // Flink 1.20's messages (bench/flink).
  await assert.rejects(tEnv.executeSql("DROP TABLE t"), {
    code: "FLEUVE_SQL_VALIDATION",
    message: "Table with identifier 'default_catalog.default_database.t' does not exist.",
  });
  await assert.rejects(tEnv.executeSql("DROP VIEW t"), {
    code: "FLEUVE_SQL_VALIDATION",
    message: "View with identifier 'default_catalog.default_database.t' does not exist.",
  });
  await tEnv.executeSql("DROP TABLE IF EXISTS t");
  await tEnv.executeSql("SET 'table.exec.state.ttl' = '1 h'");
  assert.deepEqual([...tEnv.settings], [["table.exec.state.ttl", "1 h"]]);
  await tEnv.executeSql("RESET 'table.exec.state.ttl'");
  assert.deepEqual([...tEnv.settings], []);
  await assert.rejects(tEnv.executeSql("SHOW TABLES; SHOW TABLES"), {
    code: "FLEUVE_SQL_VALIDATION",
    message: "executeSql takes one statement, got 2; use executeScript for several",
  });
});

test("SHOW VIEWS lists the views alone; SHOW TABLES lists tables and views, as Flink's", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create());
  await tEnv.executeSql("CREATE TABLE t (a INT) WITH ('connector' = 'log')");
  await tEnv.executeSql("CREATE VIEW w AS SELECT a FROM t");
  await tEnv.executeSql("CREATE VIEW v AS SELECT a FROM w");
  assert.deepEqual(await (await tEnv.executeSql("SHOW VIEWS")).collect(), [
    { "view name": "v" },
    { "view name": "w" },
  ]);
  assert.deepEqual(
    (await (await tEnv.executeSql("SHOW TABLES")).collect()).map((r) => r["table name"]),
    ["t", "v", "w"],
  );
});

test("CREATE TABLE ... LIKE base: base's columns, watermark and options, the new ones added or overwriting (Flink's INCLUDING ALL OVERWRITING OPTIONS)", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql(`CREATE TABLE base (id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
    WITH ('connector' = 'datagen', 'rows-per-second' = '0', 'number-of-rows' = '9',
      'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '9')`);
  await tEnv.executeSql(
    "CREATE TABLE derived (s STRING) WITH ('number-of-rows' = '2', 'fields.id.end' = '2', 'fields.s.length' = '1') LIKE base",
  );
  assert.deepEqual(await (await tEnv.executeSql("DESCRIBE derived")).collect(), [
    { name: "id", type: "INT", null: true, key: null, extras: null, watermark: null },
    { name: "ts", type: "TIMESTAMP(3) *ROWTIME*", null: true, key: null, extras: null, watermark: "`ts`" },
    { name: "s", type: "STRING", null: true, key: null, extras: null, watermark: null },
  ]);
  const rows = await (await tEnv.executeSql("SELECT id, CHAR_LENGTH(s) AS n FROM derived")).collect();
  assert.deepEqual(rows, [
    { id: 1, n: 1 },
    { id: 2, n: 1 },
  ]);
  await assert.rejects(tEnv.executeSql("CREATE TABLE again (id INT) LIKE base"), {
    code: "FLEUVE_SQL_VALIDATION",
    message:
      "CREATE TABLE again LIKE base: A column named 'id' already exists in the base table. (line 1, column 1)",
  });
  await assert.rejects(tEnv.executeSql("CREATE TABLE w (WATERMARK FOR ts AS ts) LIKE base"), {
    code: "FLEUVE_SQL_VALIDATION",
  });
  await assert.rejects(tEnv.executeSql("CREATE TABLE x WITH ('connector' = 'print') LIKE nope"), {
    code: "FLEUVE_SQL_VALIDATION",
    message:
      "CREATE TABLE x LIKE nope: Source table 'nope' of the LIKE clause not found in the catalog (line 1, column 1)",
  });
});
