// A table named with the default catalog and database (`default_database.t`,
// `default_catalog.default_database.t`) is the table named alone in every statement, as in Flink
// 1.20; a name in another catalog or database fails with the message Flink gives that statement.
// Every expected row and message here is what bench/flink (run.sh sql) printed for the statement.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { type SqlEnvironment, sql } from "@fleuve/sql";

const SOURCE =
  "CREATE TABLE t (id INT, s STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '2', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '2')";

async function setUp(): Promise<SqlEnvironment> {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql(SOURCE);
  return tEnv;
}

const rows = async (tEnv: SqlEnvironment, statement: string) => (await tEnv.executeSql(statement)).collect();

/** The `+I[...]` lines the print sinks write while `run` runs (stdout kept meanwhile). */
async function printed(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = String(chunk);
    if (/^[+-][IUD]\[/.test(text)) lines.push(...text.trimEnd().split("\n"));
    else write.call(process.stdout, chunk, ...rest);
    return true;
  }) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

test("INSERT INTO and SELECT FROM a name with the default database or catalog and database", async () => {
  const tEnv = await setUp();
  await tEnv.executeSql("CREATE TABLE o (id INT, s STRING) WITH ('connector' = 'print')");
  const out = await printed(async () => {
    for (const statement of [
      "INSERT INTO default_database.o SELECT id, 'a' FROM t",
      "INSERT INTO default_catalog.default_database.o SELECT id, 'b' FROM default_catalog.default_database.t",
      "INSERT INTO default_catalog.default_database.o SELECT id, 'c' FROM default_database.t",
    ])
      await (await tEnv.executeSql(statement)).await();
  });
  // Flink 1.20: +I[1, a] +I[2, a] +I[1, b] +I[2, b] +I[1, c] +I[2, c]
  assert.deepEqual(out, ["+I[1, a]", "+I[2, a]", "+I[1, b]", "+I[2, b]", "+I[1, c]", "+I[2, c]"]);
  // The table's alias is its own name, whatever the name's prefix (Flink: +I[1] +I[2]).
  assert.deepEqual(await rows(tEnv, "SELECT t.id FROM default_catalog.default_database.t"), [
    { id: 1 },
    { id: 2 },
  ]);
});

test("CREATE, DESCRIBE, ALTER, DROP of TABLE and VIEW take the qualified names", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  const a = { type: "INT", null: true, key: null, extras: null, watermark: null };
  await tEnv.executeSql("CREATE TABLE default_database.x (a INT) WITH ('connector' = 'print')");
  await tEnv.executeSql(
    "CREATE TABLE default_catalog.default_database.y (a INT) WITH ('connector' = 'print')",
  );
  assert.deepEqual(await rows(tEnv, "DESCRIBE default_database.x"), [{ name: "a", ...a }]);
  assert.deepEqual(await rows(tEnv, "DESCRIBE default_catalog.default_database.y"), [{ name: "a", ...a }]);
  await tEnv.executeSql("ALTER TABLE default_catalog.default_database.y ADD b STRING");
  assert.deepEqual(await rows(tEnv, "DESCRIBE y"), [
    { name: "a", ...a },
    { name: "b", ...a, type: "STRING" },
  ]);
  // Flink renames within the table's database, whatever the new name's prefix.
  await tEnv.executeSql("ALTER TABLE default_database.y RENAME TO z");
  await tEnv.executeSql("ALTER TABLE z RENAME TO nodb.w");
  assert.deepEqual(await rows(tEnv, "SHOW TABLES"), [{ "table name": "w" }, { "table name": "x" }]);
  await tEnv.executeSql("DROP TABLE default_catalog.default_database.w");
  await tEnv.executeSql("DROP TABLE default_database.x");
  assert.deepEqual(await rows(tEnv, "SHOW TABLES"), []);
  await tEnv.executeSql("CREATE VIEW default_database.v AS SELECT 1 AS a");
  assert.deepEqual(await rows(tEnv, "SELECT * FROM default_catalog.default_database.v"), [{ a: 1 }]);
  await tEnv.executeSql("DROP VIEW default_catalog.default_database.v");
  // IF EXISTS: nothing there, nothing done (Flink prints no error).
  await tEnv.executeSql("DROP TABLE IF EXISTS nodb.x");
  await tEnv.executeSql("DROP TABLE IF EXISTS nocat.default_database.x");
  await tEnv.executeSql("ALTER TABLE IF EXISTS nodb.x ADD b INT");
  assert.deepEqual(await rows(tEnv, "SHOW TABLES"), []);
});

test("a table in another catalog or database is refused with Flink 1.20's message for the statement", async () => {
  const tEnv = await setUp();
  const cases: [string, string][] = [
    [
      "INSERT INTO nodb.o SELECT id, 'a' FROM t",
      "Cannot find table '`default_catalog`.`nodb`.`o`' in any of the catalogs [default_catalog], nor as a temporary table. (line 1, column 1)",
    ],
    [
      "INSERT INTO nocat.default_database.o SELECT id, 'a' FROM t",
      "Cannot find table '`nocat`.`default_database`.`o`' in any of the catalogs [default_catalog], nor as a temporary table. (line 1, column 1)",
    ],
    [
      "INSERT INTO nosuch SELECT 1",
      "Cannot find table '`default_catalog`.`default_database`.`nosuch`' in any of the catalogs [default_catalog], nor as a temporary table. (line 1, column 1)",
    ],
    ["SELECT * FROM nodb.t", "Object 'nodb' not found (line 1, column 15)"],
    ["SELECT * FROM nocat.default_database.t", "Object 'nocat' not found (line 1, column 15)"],
    [
      "SELECT * FROM default_catalog.nodb.t",
      "Object 'nodb' not found within 'default_catalog' (line 1, column 15)",
    ],
    ["SELECT * FROM default_catalog.t", "Object 't' not found within 'default_catalog' (line 1, column 15)"],
    [
      "SELECT * FROM default_database.t.x",
      "Object 'x' not found within 'default_catalog.default_database.t' (line 1, column 15)",
    ],
    ["SELECT * FROM a.b.c.d", "Object 'a' not found (line 1, column 15)"],
    [
      "CREATE TABLE nodb.x (a INT) WITH ('connector' = 'print')",
      "Could not execute CreateTable in path `default_catalog`.`nodb`.`x`: Database nodb does not exist in Catalog default_catalog.",
    ],
    [
      "CREATE TABLE nocat.default_database.x (a INT) WITH ('connector' = 'print')",
      "Catalog nocat does not exist.",
    ],
    [
      "CREATE TABLE a.b.c.d (x INT) WITH ('connector' = 'print')",
      "Object identifier must consist of 1 to 3 parts.",
    ],
    [
      "CREATE VIEW nodb.v AS SELECT 1",
      "Could not execute CreateTable in path `default_catalog`.`nodb`.`v`: Database nodb does not exist in Catalog default_catalog.",
    ],
    ["CREATE VIEW nocat.default_database.v AS SELECT 1", "Catalog nocat does not exist."],
    [
      "CREATE TABLE l LIKE nodb.t",
      "Source table '`default_catalog`.`nodb`.`t`' of the LIKE clause not found in the catalog.",
    ],
    ["DROP TABLE nodb.x", "Table with identifier 'default_catalog.nodb.x' does not exist."],
    [
      "DROP TABLE nocat.default_database.x",
      "Table with identifier 'nocat.default_database.x' does not exist.",
    ],
    ["DROP VIEW nodb.v", "View with identifier 'default_catalog.nodb.v' does not exist."],
    ["DESCRIBE nodb.x", "Tables or views with the identifier 'default_catalog.nodb.x' doesn't exist."],
    [
      "DESCRIBE nocat.default_database.x",
      "Tables or views with the identifier 'nocat.default_database.x' doesn't exist.",
    ],
    ["SHOW COLUMNS FROM nocat.db.x", "Tables or views with the identifier 'nocat.db.x' doesn't exist."],
    [
      "SHOW CREATE TABLE nodb.x",
      "Could not execute SHOW CREATE TABLE. Table with identifier `default_catalog`.`nodb`.`x` does not exist.",
    ],
    [
      "SHOW PARTITIONS nodb.t",
      "Could not execute SHOW PARTITIONS default_catalog.nodb.t. Table (or view) nodb.t does not exist in Catalog default_catalog.",
    ],
    [
      "ALTER TABLE nodb.x ADD b INT",
      "Table `default_catalog`.`nodb`.`x` doesn't exist or is a temporary table. (line 1, column 1)",
    ],
    [
      "ALTER TABLE nocat.default_database.x ADD b INT",
      "Table `nocat`.`default_database`.`x` doesn't exist or is a temporary table. (line 1, column 1)",
    ],
    [
      "ALTER TABLE nodb.x RENAME TO y",
      "Table `default_catalog`.`nodb`.`x` doesn't exist or is a temporary table. (line 1, column 1)",
    ],
  ];
  for (const [statement, message] of cases)
    await assert.rejects(tEnv.executeSql(statement), { code: "FLEUVE_SQL_VALIDATION", message }, statement);
});

test("column references qualified by the table's database, or catalog and database, as Flink 1.20 resolves them", async () => {
  const tEnv = await setUp();
  const ids = async (q: string) => (await rows(tEnv, q)).map((r) => r.id).sort();
  // Flink 1.20 printed +I[1] +I[2] for each: the qualifier names the FROM's table under its own
  // name, however the FROM wrote it.
  for (const q of [
    "SELECT default_database.t.id FROM default_database.t",
    "SELECT default_catalog.default_database.t.id FROM default_catalog.default_database.t",
    "SELECT default_database.t.id FROM t",
    "SELECT default_database.t.id FROM default_catalog.default_database.t",
    "SELECT default_catalog.default_database.t.id FROM default_database.t",
  ])
    assert.deepEqual(await ids(q), [1, 2], q);
  // +I[1, a] +I[2, b] there (datagen's strings here): the qualified column and `*` in the select
  // list, in WHERE (+I[1] alone).
  const both = await rows(tEnv, "SELECT default_catalog.default_database.t.id, default_database.t.s FROM t");
  assert.deepEqual(
    both.map((r) => Object.keys(r).filter((k) => k !== "$rowkind")),
    [
      ["id", "s"],
      ["id", "s"],
    ],
  );
  assert.deepEqual((await rows(tEnv, "SELECT default_database.t.* FROM t")).map((r) => r.id).sort(), [1, 2]);
  assert.deepEqual(await ids("SELECT t.id FROM t WHERE default_database.t.id = 1"), [1]);
  // In a join, the table's columns (Flink: +I[2] +I[1] +I[2] +I[1] for two rows on each side).
  await tEnv.executeSql(SOURCE.replace("TABLE t", "TABLE u"));
  assert.deepEqual(await ids("SELECT default_database.t.id FROM t, u"), [1, 1, 2, 2]);
});

test("a column qualifier that names no table of the FROM: Calcite's 'Table ... not found', as in Flink 1.20", async () => {
  const tEnv = await setUp();
  // Flink 1.20 (run.sh sql), each "SQL validation failed. From line 1, column 8 to ...: <message>".
  const cases: [string, string][] = [
    // Under an alias the table's own name qualifies nothing.
    ["SELECT default_database.t.id FROM t AS x", "Table 'default_database.t' not found"],
    ["SELECT default_database.u.id FROM t", "Table 'default_database.u' not found"],
    ["SELECT otherdb.t.id FROM t", "Table 'otherdb.t' not found"],
    [
      "SELECT other_catalog.default_database.t.id FROM t",
      "Table 'other_catalog.default_database.t' not found",
    ],
    // Flink adds "; did you mean 't'?" here.
    ["SELECT DEFAULT_DATABASE.T.ID FROM t", "Table 'DEFAULT_DATABASE.T' not found"],
  ];
  for (const [q, message] of cases)
    await assert.rejects(
      () => tEnv.executeSql(q),
      (e: Error) => e.message.startsWith(`${message} (line 1, column 8)`),
      q,
    );
});
