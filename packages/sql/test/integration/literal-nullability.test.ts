// Literals are NOT NULL, as Flink types them (all but NULL): an expression over NOT NULL columns
// and literals is NOT NULL in DESCRIBE of a view and in a CTAS table, while the constructs that
// can give NULL stay nullable (CASE without ELSE, NULLIF, a grouping-set key, a NULL literal).
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors, openLog } from "@fleuve/log";
import { sql } from "@fleuve/sql";
import { logWithRows, readJson } from "../fixtures/log-table.js";

async function setUp() {
  const dir = logWithRows("items", [
    { id: 1, cost: 5, note: "a" },
    { id: 2, cost: 2, note: null },
  ]);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: logConnectors,
  });
  await tEnv.executeSql(`CREATE TABLE items (id INT NOT NULL, cost INT NOT NULL, note STRING)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'items', 'bounded' = 'true')`);
  return { tEnv, dir };
}

const describe = async (tEnv: Awaited<ReturnType<typeof setUp>>["tEnv"], table: string) =>
  (await (await tEnv.executeSql(`DESCRIBE ${table}`)).collect()).map(({ name, type, null: n }) => [
    name,
    type,
    n,
  ]);

test("DESCRIBE of a view: literals and expressions over NOT NULL columns and literals are NOT NULL", async () => {
  const { tEnv } = await setUp();
  await tEnv.executeSql(`CREATE VIEW v AS SELECT
      cost - 1 AS less, cost * 1.5 AS scaled, 'x' AS s, TRUE AS t, 2.50 AS d, 1e3 AS dbl, DATE '2024-01-02' AS dt,
      note || 'y' AS nullable_concat, CAST(NULL AS INT) AS nothing,
      CASE WHEN cost > 3 THEN 'big' END AS no_else, CASE WHEN cost > 3 THEN 'big' ELSE 'small' END AS with_else,
      NULLIF(cost, 5) AS nullif_cost, COALESCE(note, 'none') AS coalesced, IF(cost > 3, 1, 0) AS flag
    FROM items`);
  assert.deepEqual(await describe(tEnv, "v"), [
    ["less", "INT", false],
    ["scaled", "DECIMAL(12, 1)", false],
    ["s", "STRING", false],
    ["t", "BOOLEAN", false],
    ["d", "DECIMAL(3, 2)", false],
    ["dbl", "DOUBLE", false],
    ["dt", "DATE", false],
    ["nullable_concat", "STRING", true],
    ["nothing", "INT", true],
    ["no_else", "STRING", true],
    ["with_else", "STRING", false],
    ["nullif_cost", "INT", true],
    ["coalesced", "STRING", false],
    ["flag", "INT", false],
  ]);
});

test("a CTAS table takes the NOT NULL of `cost - 1`, and its rows are written", async () => {
  const { tEnv, dir } = await setUp();
  const log = openLog({ dir });
  log.createTopic("less", { partitions: 1 });
  log.close();
  const result = await tEnv.executeSql(`CREATE TABLE less
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'less', 'bounded' = 'true')
    AS SELECT id, cost - 1 AS cost, note FROM items`);
  await result.await();
  assert.deepEqual(await describe(tEnv, "less"), [
    ["id", "INT", false],
    ["cost", "INT", false],
    ["note", "STRING", true],
  ]);
  assert.deepEqual(readJson(dir, "less"), [
    { id: 1, cost: 4, note: "a" },
    { id: 2, cost: 1, note: null },
  ]);
});

test("a grouping-set key is nullable even over a NOT NULL column (the sets that aggregate it away give NULL)", async () => {
  const { tEnv } = await setUp();
  await tEnv.executeSql(`CREATE VIEW g AS SELECT id, cost + 0 AS c, COUNT(*) AS n FROM items
    GROUP BY ROLLUP (id, cost + 0)`);
  assert.deepEqual(await describe(tEnv, "g"), [
    ["id", "INT", true],
    ["c", "INT", true],
    ["n", "BIGINT", false],
  ]);
  await tEnv.executeSql("CREATE VIEW plain AS SELECT id, COUNT(*) AS n FROM items GROUP BY id");
  assert.deepEqual(await describe(tEnv, "plain"), [
    ["id", "INT", false],
    ["n", "BIGINT", false],
  ]);
});
