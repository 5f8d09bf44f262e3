// Statement sets (Flink 1.20: `EXECUTE STATEMENT SET BEGIN insert; ... END`, the SQL client's
// `BEGIN STATEMENT SET; insert; ... END;`, TableEnvironment.createStatementSet()) and RTAS
// (`[CREATE OR] REPLACE TABLE t WITH (...) AS SELECT ...`). A set's INSERTs run as one job that
// reads a table they share once; each sink gets exactly the rows its INSERT alone would write
// (written out below). Syntax errors point at line and column; RTAS fails as Flink's does.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors, openLog } from "@fleuve/log";
import { sql } from "@fleuve/sql";
import { logWithRows, readJson } from "../fixtures/log-table.js";

const ORDERS = [
  { id: 1, product: "Rubber duck", amount: 5 },
  { id: 2, product: "Glass jar", amount: 1 },
  { id: 3, product: "Rubber band", amount: 7 },
  { id: 4, product: "Glass bead", amount: 2 },
  { id: 5, product: "Paper", amount: 3 },
];
const RUBBER = [
  { product: "Rubber duck", amount: 5 },
  { product: "Rubber band", amount: 7 },
];
const GLASS = [
  { product: "Glass jar", amount: 1 },
  { product: "Glass bead", amount: 2 },
];

/** `orders` (bounded, the rows above) and two empty sink tables, in one fresh log. */
async function setUp() {
  const dir = logWithRows("orders", ORDERS);
  const log = openLog({ dir });
  for (const t of ["rubber", "glass"]) log.createTopic(t, { partitions: 1 });
  log.close();
  const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  const tEnv = sql(env, { connectors: logConnectors });
  const table = (name: string, columns: string) =>
    tEnv.executeSql(`CREATE TABLE ${name} (${columns})
      WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = '${name}', 'bounded' = 'true')`);
  await table("orders", "id INT, product STRING, amount INT");
  await table("rubber", "product STRING, amount INT");
  await table("glass", "product STRING, amount INT");
  return { env, tEnv, dir };
}

const RUBBER_INSERT = "INSERT INTO rubber SELECT product, amount FROM orders WHERE product LIKE 'Rubber%'";
const GLASS_INSERT = "INSERT INTO glass SELECT product, amount FROM orders WHERE product LIKE 'Glass%'";

/** How many source operators of `env`'s graph read table `name`. */
const scansOf = (env: StreamExecutionEnvironment, name: string) =>
  env.graph.nodes.filter((n) => n.kind === "source" && n.name === `Source: ${name}`).length;

test("EXECUTE STATEMENT SET: two INSERTs from one source run as one job, the source read once", async () => {
  const { env, tEnv, dir } = await setUp();
  const result = await tEnv.executeSql(`EXECUTE STATEMENT SET
    BEGIN
      ${RUBBER_INSERT};
      ${GLASS_INSERT};
    END;`);
  assert.equal(result.kind, "JOB");
  assert.equal(scansOf(env, "orders"), 1);
  await result.await();
  assert.deepEqual(readJson(dir, "rubber"), RUBBER);
  assert.deepEqual(readJson(dir, "glass"), GLASS);
});

test("BEGIN STATEMENT SET; ... END; in a script is one statement: one job of both INSERTs", async () => {
  const { env, tEnv, dir } = await setUp();
  const results = await tEnv.executeScript(`BEGIN STATEMENT SET;
    ${RUBBER_INSERT};
    ${GLASS_INSERT};
    END;`);
  assert.equal(results.length, 1);
  assert.equal(scansOf(env, "orders"), 1);
  await results[0]?.await();
  assert.deepEqual(readJson(dir, "rubber"), RUBBER);
  assert.deepEqual(readJson(dir, "glass"), GLASS);
});

test("createStatementSet: addInsertSql and addInsert run together; the set is empty after execute()", async () => {
  const { env, tEnv, dir } = await setUp();
  const set = tEnv.createStatementSet();
  set.addInsertSql(RUBBER_INSERT);
  set.addInsert("glass", tEnv.sqlQuery("SELECT product, amount FROM orders WHERE amount <= 2"));
  await (await set.execute()).await();
  assert.deepEqual(readJson(dir, "rubber"), RUBBER);
  assert.deepEqual(readJson(dir, "glass"), GLASS);
  // Both the sqlQuery's scan and the set's: the Table was planned before the set.
  assert.equal(scansOf(env, "orders"), 2);
  await assert.rejects(set.execute(), /the statement set has no INSERT to run/);
  assert.throws(() => set.addInsertSql("SELECT 1"), /addInsertSql takes one INSERT statement, got a query/);
});

test("EXPLAIN STATEMENT SET: one tree per sink, the shared scan printed once and reused", async () => {
  const { tEnv } = await setUp();
  const rows = await (
    await tEnv.executeSql(`EXPLAIN STATEMENT SET BEGIN ${RUBBER_INSERT}; ${GLASS_INSERT}; END`)
  ).collect();
  const text = String(rows[0]?.result);
  assert.equal(text.split("LogicalSink(table=[").length - 1, 2, text);
  const physical = text.slice(text.indexOf("== Optimized Physical Plan =="), text.indexOf("== Changelog =="));
  assert.equal(physical.split("Source: orders ").length - 1, 1, physical);
  assert.match(physical, /Reused\(reference_id=\[1\]\)/);
  assert.match(text, /INSERT INTO rubber writes \[I\] \(insert-only\)/);
  assert.match(text, /INSERT INTO glass writes \[I\] \(insert-only\)/);
  const set = tEnv.createStatementSet().addInsertSql(RUBBER_INSERT).addInsertSql(GLASS_INSERT);
  assert.equal(set.explain(), text);
});

/** Runs `script`, expecting a FLEUVE_SQL_SYNTAX error at `line`:`column` whose message holds `text`. */
async function syntaxError(script: string, line: number, column: number, text: string) {
  const { tEnv } = await setUp();
  await assert.rejects(tEnv.executeScript(script), (e: unknown) => {
    assert.ok(isFleuveError(e, "FLEUVE_SQL_SYNTAX"), String(e));
    assert.deepEqual([e.details.line, e.details.column], [line, column], e.message);
    assert.ok(e.message.includes(text), `expected "${text}" in: ${e.message}`);
    return true;
  });
}

test("a statement set without INSERT, with another statement inside, or without END fails where it is wrong", async () => {
  await syntaxError("EXECUTE STATEMENT SET BEGIN\nEND;", 2, 1, "unexpected 'END', expected INSERT");
  await syntaxError("BEGIN STATEMENT SET;\nEND;", 2, 1, "unexpected 'END', expected INSERT");
  await syntaxError(
    `BEGIN STATEMENT SET;\n${RUBBER_INSERT};\n  CREATE TABLE x (a INT);\nEND;`,
    3,
    3,
    "unexpected 'CREATE', expected END or INSERT",
  );
  await syntaxError(
    `EXECUTE STATEMENT SET BEGIN\n  ${RUBBER_INSERT};\n  SELECT 1;\nEND;`,
    3,
    3,
    "unexpected 'SELECT', expected END or INSERT",
  );
  await syntaxError(
    `EXECUTE STATEMENT SET BEGIN\n${RUBBER_INSERT};`,
    2,
    RUBBER_INSERT.length + 2,
    "unexpected end of input, expected END or INSERT",
  );
});

test("REPLACE TABLE AS SELECT replaces an existing table's definition and writes the query's rows", async () => {
  const { tEnv, dir } = await setUp();
  await assert.rejects(
    tEnv.executeSql(`REPLACE TABLE missing WITH ('connector' = 'blackhole') AS SELECT id FROM orders`),
    (e: unknown) =>
      isFleuveError(e, "FLEUVE_SQL_VALIDATION") &&
      e.message.startsWith("The table missing to be replaced doesn't exist.") &&
      e.details.table === "missing",
  );
  await (
    await tEnv.executeSql(`REPLACE TABLE glass
      WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'glass', 'bounded' = 'true')
      AS SELECT id, UPPER(product) AS shout FROM orders WHERE amount < 3`)
  ).await();
  assert.deepEqual(await nameAndType(tEnv, "glass"), [
    { name: "id", type: "INT" },
    { name: "shout", type: "STRING" },
  ]);
  assert.deepEqual(readJson(dir, "glass"), [
    { id: 2, shout: "GLASS JAR" },
    { id: 4, shout: "GLASS BEAD" },
  ]);
});

test("CREATE OR REPLACE TABLE AS SELECT creates a missing table, replaces an existing one", async () => {
  const { tEnv, dir } = await setUp();
  const log = openLog({ dir });
  log.createTopic("big", { partitions: 1 });
  log.close();
  const rtas = (where: string) =>
    `CREATE OR REPLACE TABLE big
      WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'big', 'bounded' = 'true')
      AS SELECT id, amount FROM orders WHERE ${where}`;
  await (await tEnv.executeSql(rtas("amount > 4"))).await();
  assert.deepEqual(readJson(dir, "big"), [
    { id: 1, amount: 5 },
    { id: 3, amount: 7 },
  ]);
  await (await tEnv.executeSql(rtas("amount = 3"))).await();
  // The log keeps what the first job wrote: the replaced table is the same topic.
  assert.deepEqual(readJson(dir, "big"), [
    { id: 1, amount: 5 },
    { id: 3, amount: 7 },
    { id: 5, amount: 3 },
  ]);
});

test("RTAS refuses what Flink 1.20 refuses; a replaced table whose INSERT cannot be planned is kept", async () => {
  const { tEnv } = await setUp();
  const fails = async (statement: string, text: string) =>
    assert.rejects(tEnv.executeSql(statement), (e: unknown) => {
      assert.ok(isFleuveError(e) && e.code.startsWith("FLEUVE_SQL"), String(e));
      assert.ok(e.message.includes(text), `expected "${text}" in: ${e.message}`);
      return true;
    });
  await fails(
    "CREATE OR REPLACE TABLE glass (a INT) WITH ('connector' = 'blackhole') AS SELECT id FROM orders",
    "CREATE OR REPLACE TABLE AS SELECT syntax does not support to specify explicit columns yet.",
  );
  await fails(
    "CREATE OR REPLACE TEMPORARY TABLE glass WITH ('connector' = 'blackhole') AS SELECT id FROM orders",
    "CREATE OR REPLACE TABLE AS SELECT syntax does not support temporary table yet.",
  );
  await fails(
    "REPLACE TABLE IF NOT EXISTS glass WITH ('connector' = 'blackhole') AS SELECT id FROM orders",
    "REPLACE TABLE AS SELECT syntax does not support IF NOT EXISTS statements yet.",
  );
  await fails(
    "CREATE OR REPLACE TABLE glass WITH ('connector' = 'blackhole')",
    "CREATE OR REPLACE TABLE glass without AS SELECT",
  );
  // An unknown connector fails planning the INSERT: glass keeps its definition.
  await fails("REPLACE TABLE glass WITH ('connector' = 'nope') AS SELECT id FROM orders", "nope");
  assert.deepEqual(await nameAndType(tEnv, "glass"), [
    { name: "product", type: "STRING" },
    { name: "amount", type: "INT" },
  ]);
});

/** The name and type of each column of `table`, as DESCRIBE gives them. */
async function nameAndType(tEnv: ReturnType<typeof sql>, table: string) {
  const rows = await (await tEnv.executeSql(`DESCRIBE ${table}`)).collect();
  return rows.map((r) => ({ name: r.name, type: r.type }));
}
