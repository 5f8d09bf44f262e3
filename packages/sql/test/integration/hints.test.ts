// SQL hints as Flink 1.20 reads them: a hint name Flink does not register is refused, query or
// table hint alike; a table's OPTIONS hint (dynamic table options, on by default) merges its
// options into the table's WITH options for that scan (or that INSERT's sink); OPTIONS on a view,
// without key-value options, or with 'table.dynamic-table-options.enabled' off is refused; a hint
// comment anywhere else is a syntax error. Every expected row and message here is what
// bench/flink (run.sh sql) printed for the same statements.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type SqlEnvironment, sql } from "@fleuve/sql";
import { logWithRows } from "../fixtures/log-table.js";

/** A directory holding one json file of `lines`. */
function dir(lines: string): string {
  const d = mkdtempSync(join(tmpdir(), "sql-hints-"));
  writeFileSync(join(d, "part.json"), lines);
  return d;
}

const T = dir('{"id":1,"name":"a","v":10}\n{"id":2,"name":"b","v":20}\n');
const T2 = dir('{"id":7,"name":"z","v":70}\n');

async function setUp(): Promise<SqlEnvironment> {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql(
    `CREATE TABLE t (id INT, name STRING, v INT) WITH ('connector' = 'filesystem', 'path' = '${T}', 'format' = 'json')`,
  );
  return tEnv;
}

const ids = async (tEnv: SqlEnvironment, query: string) =>
  (await (await tEnv.executeSql(query)).collect()).map((r) => r.id);

test("a hint name Flink does not register is refused, in a query hint or a table hint", async () => {
  const tEnv = await setUp();
  const cases: [string, string][] = [
    ["SELECT /*+ FOO('a'='b') */ id FROM t", "Hint: FOO should be registered in the HintStrategyTable"],
    ["SELECT /*+ FOO */ id FROM t", "Hint: FOO should be registered in the HintStrategyTable"],
    ["SELECT /*+ FOO() */ id FROM t", "Hint: FOO should be registered in the HintStrategyTable"],
    // The name as written.
    ["SELECT /*+ foo('a'='b') */ id FROM t", "Hint: foo should be registered in the HintStrategyTable"],
    // Next to a hint Fleuve reads.
    [
      "SELECT /*+ STATE_TTL('t'='1d'), FOO('x') */ id FROM t",
      "Hint: FOO should be registered in the HintStrategyTable",
    ],
    ["SELECT /*+ FOO, BAR */ id FROM t", "Hint: FOO should be registered in the HintStrategyTable"],
    [
      "SELECT * FROM (SELECT /*+ FOO */ id FROM t)",
      "Hint: FOO should be registered in the HintStrategyTable",
    ],
    [
      `SELECT id FROM t /*+ FOO('path'='${T2}') */`,
      "Hint: FOO should be registered in the HintStrategyTable",
    ],
    [
      `SELECT id FROM t /*+ OPTIONS('path'='${T2}'), FOO */`,
      "Hint: FOO should be registered in the HintStrategyTable",
    ],
    [
      "SELECT /*+ AGG_PHASE('t') */ id FROM t",
      "Hint: AGG_PHASE should be registered in the HintStrategyTable",
    ],
  ];
  for (const [q, message] of cases)
    await assert.rejects(
      async () => tEnv.executeSql(q),
      (e: Error) => e.message.startsWith(message) && /line 1, column \d+/.test(e.message),
      q,
    );
  // Also when a view is created (Flink refuses the CREATE VIEW).
  await assert.rejects(
    async () => tEnv.executeSql("CREATE VIEW vf AS SELECT /*+ FOO */ id FROM t"),
    (e: Error) => e.message.startsWith("Hint: FOO should be registered in the HintStrategyTable"),
  );
  // The hints Flink registers are taken, whatever their case, and have no effect here
  // (Flink: +I[1] +I[2] for each).
  for (const hint of [
    "BROADCAST(t)",
    "SHUFFLE_HASH(t)",
    "SHUFFLE_MERGE(t)",
    "NEST_LOOP(t)",
    "LOOKUP('table'='t')",
    "ALIAS('t')",
    "state_ttl('t'='1d')",
    `OPTIONS('path'='${T2}')`,
  ])
    assert.deepEqual(await ids(tEnv, `SELECT /*+ ${hint} */ id FROM t`), [1, 2], hint);
  for (const hint of ["STATE_TTL('t'='1d')", "BROADCAST(t)"])
    assert.deepEqual(await ids(tEnv, `SELECT id FROM t /*+ ${hint} */`), [1, 2], hint);
});

test("a table's OPTIONS hint merges its options into the table's for that scan", async () => {
  const tEnv = await setUp();
  // Flink: +I[7] each.
  for (const q of [
    `SELECT id FROM t /*+ OPTIONS('path'='${T2}') */`,
    `SELECT id FROM t /*+ options('path'='${T2}') */`,
    `SELECT id FROM t /*+ OPTIONS(path='${T2}') */`,
    `SELECT id FROM t /*+ OPTIONS('path'='${T2}') */ AS x`,
    `SELECT id FROM t /*+ OPTIONS('path'='${T2}') */ WHERE id > 0`,
    `SELECT id FROM default_database.t /*+ OPTIONS('path'='${T2}') */`,
    // The first OPTIONS hint counts (Flink's FlinkHints.getHintedOptions).
    `SELECT id FROM t /*+ OPTIONS('path'='${T2}'), OPTIONS('format'='csv') */`,
  ])
    assert.deepEqual(await ids(tEnv, q), [7], q);
  // Of a key given twice the last counts (Flink: +I[1] +I[2]).
  assert.deepEqual(await ids(tEnv, `SELECT id FROM t /*+ OPTIONS('path'='${T2}', 'path'='${T}') */`), [1, 2]);
  // Each scan has its own options: the unhinted scan of the same table reads the table's path.
  const joined = await (
    await tEnv.executeSql(
      `SELECT a.id AS x, b.id AS y FROM t /*+ OPTIONS('path'='${T2}') */ AS a JOIN t AS b ON a.id = b.id + 6`,
    )
  ).collect();
  assert.deepEqual(
    joined.map((r) => [r.x, r.y]),
    [[7, 1]],
  );
  // A common table expression drops the hint, as Flink does (+I[1] +I[2]).
  assert.deepEqual(
    await ids(tEnv, `WITH c AS (SELECT * FROM t) SELECT id FROM c /*+ OPTIONS('path'='${T2}') */`),
    [1, 2],
  );
  // The merged options are checked as the table's: Flink names the table and all its options.
  await assert.rejects(
    async () => tEnv.executeSql("SELECT id FROM t /*+ OPTIONS('scan.bogus'='1') */"),
    /scan\.bogus/,
  );
});

test("a lookup join's OPTIONS hint merges its options into the looked-up table's", async () => {
  const orders = logWithRows("orders", [
    { order_id: 10, customer_id: 1 },
    { order_id: 11, customer_id: 7 },
  ]);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: logConnectors,
  });
  await tEnv.executeScript(`
    CREATE TABLE Orders (order_id INT, customer_id INT, proc_time AS PROCTIME())
      WITH ('connector' = 'log', 'log' = '${orders}', 'topic' = 'orders', 'bounded' = 'true');
    CREATE TABLE c (id INT, name STRING, v INT) WITH ('connector' = 'filesystem', 'path' = '${T}', 'format' = 'json')`);
  const join = (hint: string) =>
    `SELECT o.order_id, c.name FROM Orders AS o JOIN c ${hint} FOR SYSTEM_TIME AS OF o.proc_time ON o.customer_id = c.id`;
  const rows = async (hint: string) =>
    (await (await tEnv.executeSql(join(hint))).collect()).map((r) => r.name);
  assert.deepEqual(await rows(""), ["a"]);
  assert.deepEqual(await rows(`/*+ OPTIONS('path' = '${T2}') */`), ["z"]);
});

test("OPTIONS hints Flink refuses", async () => {
  const tEnv = await setUp();
  await tEnv.executeSql("CREATE VIEW vv AS SELECT * FROM t");
  const cases: [string, string][] = [
    ["SELECT id FROM t /*+ OPTIONS('path') */", "Hint [OPTIONS] only support non empty key value options"],
    ["SELECT id FROM t /*+ OPTIONS() */", "Hint [OPTIONS] only support non empty key value options"],
    [
      `SELECT id FROM vv /*+ OPTIONS('path'='${T2}') */`,
      "View '`default_catalog`.`default_database`.`vv`' cannot be enriched with new options. Hints can only be applied to tables.",
    ],
  ];
  for (const [q, message] of cases)
    await assert.rejects(
      async () => tEnv.executeSql(q),
      (e: Error) => e.message.startsWith(message),
      q,
    );
  await tEnv.executeSql("SET 'table.dynamic-table-options.enabled' = 'false'");
  await assert.rejects(
    async () => tEnv.executeSql(`SELECT id FROM t /*+ OPTIONS('path'='${T2}') */`),
    (e: Error) =>
      e.message.startsWith(
        "The 'OPTIONS' hint is allowed only when the config option 'table.dynamic-table-options.enabled' is set to true.",
      ),
  );
});

test("an INSERT's OPTIONS hint merges its options into the sink table's", async () => {
  const tEnv = await setUp();
  const out = mkdtempSync(join(tmpdir(), "sql-hints-out-"));
  const other = join(out, "other");
  mkdirSync(other);
  await tEnv.executeSql(
    `CREATE TABLE o (id INT) WITH ('connector' = 'filesystem', 'path' = '${join(out, "main")}', 'format' = 'json')`,
  );
  await (await tEnv.executeSql(`INSERT INTO o /*+ OPTIONS('path'='${other}') */ SELECT id FROM t`)).await();
  const files = readdirSync(other).filter((f) => !f.startsWith("."));
  const written = files.flatMap((f) => readFileSync(join(other, f), "utf8").trim().split("\n"));
  assert.deepEqual(written.sort(), ['{"id":1}', '{"id":2}']);
});

test("a hint comment anywhere but after SELECT or a table's name is a syntax error", async () => {
  const tEnv = await setUp();
  // Flink: SQL parse failed. Encountered "/*+" at line 1, column 23 (and 11; and for two hints
  // in a row, at the second).
  const twice = `SELECT id FROM t /*+ OPTIONS('path'='${T2}') */ /*+ OPTIONS('path'='${T}') */`;
  for (const [q, column] of [
    [`SELECT id FROM t AS x /*+ OPTIONS('path'='${T2}') */`, 23],
    ["SELECT id /*+ BROADCAST(t) */ FROM t", 11],
    ["VALUES (1) /*+ FOO */", 12],
    [twice, twice.lastIndexOf("/*+") + 1],
  ] as const)
    await assert.rejects(
      async () => tEnv.executeSql(q),
      (e: Error & { code?: string }) =>
        e.code === "FLEUVE_SQL_SYNTAX" &&
        e.message.includes(`line 1, column ${column}: unexpected hint '/*+'`),
      q,
    );
  // A plain comment is no hint.
  assert.deepEqual(await ids(tEnv, "SELECT id /* FOO */ FROM t AS x /* OPTIONS('path'='x') */"), [1, 2]);
});
