// ALTER TABLE RENAME TO, SET and RESET change the catalog entry as Flink 1.20 does (the SHOW
// CREATE TABLE texts and messages below are Flink's, from bench/flink/run.sh sql); Flink's ALTER
// forms that Fleuve does not run are refused by name, pointing at where the form starts (the
// column forms are in alter-table-columns.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

async function environment() {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql("CREATE TABLE users (id INT) WITH ('connector' = 'datagen')");
  await tEnv.executeSql("CREATE TABLE other (id INT) WITH ('connector' = 'datagen')");
  await tEnv.executeSql("CREATE VIEW v AS SELECT * FROM users");
  return tEnv;
}

async function showCreate(tEnv: Awaited<ReturnType<typeof environment>>, name: string): Promise<string> {
  const rows = (await (await tEnv.executeSql(`SHOW CREATE TABLE ${name}`)).collect()) as { result: string }[];
  return rows[0]?.result ?? "";
}

test("ALTER TABLE RENAME TO renames the table: the old name is gone", async () => {
  const tEnv = await environment();
  await tEnv.executeSql("ALTER TABLE users RENAME TO people");
  const tables = (await (await tEnv.executeSql("SHOW TABLES")).collect()) as Record<string, string>[];
  assert.deepEqual(
    tables.map((r) => r["table name"]),
    ["other", "people", "v"],
  );
  assert.equal(
    await showCreate(tEnv, "people"),
    "CREATE TABLE `default_catalog`.`default_database`.`people` (\n  `id` INT\n) WITH (\n  'connector' = 'datagen'\n)\n",
  );
  await assert.rejects(tEnv.executeSql("SHOW CREATE TABLE users"), /doesn't exist/);
});

test("ALTER TABLE SET adds or replaces options, RESET removes them", async () => {
  const tEnv = await environment();
  await tEnv.executeSql("ALTER TABLE users SET ('rows-per-second' = '5')");
  assert.equal(
    await showCreate(tEnv, "users"),
    "CREATE TABLE `default_catalog`.`default_database`.`users` (\n  `id` INT\n) WITH (\n  'connector' = 'datagen',\n  'rows-per-second' = '5'\n)\n",
  );
  // The last of a key written twice wins, as in Flink.
  await tEnv.executeSql("ALTER TABLE users SET ('rows-per-second' = '7', 'rows-per-second' = '9')");
  assert.match(await showCreate(tEnv, "users"), /'rows-per-second' = '9'/);
  await tEnv.executeSql("ALTER TABLE users RESET ('rows-per-second')");
  assert.equal(
    await showCreate(tEnv, "users"),
    "CREATE TABLE `default_catalog`.`default_database`.`users` (\n  `id` INT\n) WITH (\n  'connector' = 'datagen'\n)\n",
  );
  // The table reads with its new options: SET then a bounded datagen.
  await tEnv.executeSql("ALTER TABLE users SET ('number-of-rows' = '3')");
  const rows = (await (await tEnv.executeSql("SELECT COUNT(*) AS n FROM users")).collect()) as {
    n: number;
  }[];
  assert.equal(rows.at(-1)?.n, 3);
});

test("ALTER TABLE IF EXISTS of a missing table does nothing", async () => {
  const tEnv = await environment();
  await tEnv.executeSql("ALTER TABLE IF EXISTS nope SET ('a' = 'b')");
  await assert.rejects(tEnv.executeSql("SHOW CREATE TABLE nope"), /doesn't exist/);
});

const refusals: [string, string, string][] = [
  [
    "ALTER TABLE nope RENAME TO x",
    "FLEUVE_SQL_VALIDATION",
    "Table `default_catalog`.`default_database`.`nope` doesn't exist or is a temporary table. (line 1, column 1)",
  ],
  [
    "ALTER TABLE v RENAME TO w",
    "FLEUVE_SQL_VALIDATION",
    "ALTER TABLE for a view is not allowed (line 1, column 1)",
  ],
  [
    "ALTER TABLE users RENAME TO other",
    "FLEUVE_SQL_VALIDATION",
    "Could not execute ALTER TABLE default_catalog.default_database.users RENAME TO default_catalog.default_database.other. Table (or view) default_database.other already exists in Catalog default_catalog. (line 1, column 1)",
  ],
  [
    "ALTER TABLE users RESET ('connector')",
    "FLEUVE_SQL_VALIDATION",
    "ALTER TABLE RESET does not support changing 'connector' (line 1, column 1)",
  ],
  // The column forms run (alter-table-columns.test.ts); partitions and distributions do not.
  [
    "ALTER TABLE users ADD PARTITION (p = '1')",
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run ALTER TABLE ... ADD PARTITION yet (line 1, column 19)",
  ],
  [
    "ALTER TABLE IF EXISTS default_database.users\n  DROP IF EXISTS PARTITION (p = '1')",
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run ALTER TABLE ... DROP PARTITION yet (line 2, column 3)",
  ],
  [
    "ALTER TABLE users MODIFY DISTRIBUTION INTO 4 BUCKETS",
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run ALTER TABLE ... MODIFY DISTRIBUTION yet (line 1, column 19)",
  ],
  [
    "ALTER TABLE users COMPACT",
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run ALTER TABLE ... COMPACT yet (line 1, column 19)",
  ],
  [
    "ALTER VIEW v RENAME TO w",
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run ALTER VIEW yet (line 1, column 7)",
  ],
  [
    "SELECT 1; ALTER DATABASE d SET ('a' = 'b')",
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run ALTER DATABASE yet (line 1, column 17)",
  ],
  // Not one of Flink's forms: a syntax error listing what may follow the name.
  [
    "ALTER TABLE users FOO",
    "FLEUVE_SQL_SYNTAX",
    "SQL syntax error at line 1, column 19: unexpected 'FOO', expected one of '.', ADD, DROP, MODIFY, RENAME, RESET, SET",
  ],
];

for (const [q, code, message] of refusals) {
  test(`${code}: ${q.replace(/\n/g, " ")}`, async () => {
    const tEnv = await environment();
    await assert.rejects(tEnv.executeSql(q), (e: unknown) => {
      assert.ok(e instanceof FleuveError);
      assert.equal(e.code, code);
      // A refusal goes on with a hint (how to do it instead), a syntax error with the caret lines.
      if (code === "FLEUVE_SQL_UNSUPPORTED") assert.ok(e.message.startsWith(`${message}: `), e.message);
      else assert.equal(e.message.split("\n")[0], message);
      assert.equal(typeof e.details.line, "number");
      assert.equal(typeof e.details.column, "number");
      return true;
    });
  });
}
