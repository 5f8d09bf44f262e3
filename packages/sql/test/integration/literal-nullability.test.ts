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
    ["s", "CHAR(1)", false],
    ["t", "BOOLEAN", false],
    ["d", "DECIMAL(3, 2)", false],
    ["dbl", "DOUBLE", false],
    ["dt", "DATE", false],
    ["nullable_concat", "STRING", true],
    ["nothing", "INT", true],
    ["no_else", "CHAR(3)", true],
    // 'big' and 'small': CHARs of different lengths give VARCHAR (Flink's type system).
    ["with_else", "VARCHAR(5)", false],
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

/** `items` and `other` (k, w: both NOT NULL; k = 1 matches item 1, k = 3 matches no item). */
async function withOther() {
  const { tEnv, dir } = await setUp();
  const log = openLog({ dir });
  log.createTopic("other", { partitions: 1 });
  log.topic("other").append(
    [
      { k: 1, w: 10 },
      { k: 3, w: 30 },
    ].map((r) => ({ key: null, value: Buffer.from(JSON.stringify(r)) })),
  );
  log.close();
  await tEnv.executeSql(`CREATE TABLE other (k INT NOT NULL, w INT NOT NULL)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'other', 'bounded' = 'true')`);
  return { tEnv, dir };
}

test("an outer join's padded side is nullable (Calcite's join row type); the kept side keeps NOT NULL", async () => {
  const { tEnv } = await withOther();
  await tEnv.executeSql(`CREATE VIEW l AS SELECT a.id, b.one, b.k FROM items a
    LEFT JOIN (SELECT k, 1 AS one FROM other) b ON a.id = b.k`);
  assert.deepEqual(await describe(tEnv, "l"), [
    ["id", "INT", false],
    ["one", "INT", true],
    ["k", "INT", true],
  ]);
  await tEnv.executeSql("CREATE VIEW r AS SELECT a.cost, b.w FROM items a RIGHT JOIN other b ON a.id = b.k");
  assert.deepEqual(await describe(tEnv, "r"), [
    ["cost", "INT", true],
    ["w", "INT", false],
  ]);
  await tEnv.executeSql("CREATE VIEW f AS SELECT a.cost, b.w FROM items a FULL JOIN other b ON a.id = b.k");
  assert.deepEqual(await describe(tEnv, "f"), [
    ["cost", "INT", true],
    ["w", "INT", true],
  ]);
  await tEnv.executeSql("CREATE VIEW i AS SELECT a.cost, b.w FROM items a JOIN other b ON a.id = b.k");
  assert.deepEqual(await describe(tEnv, "i"), [
    ["cost", "INT", false],
    ["w", "INT", false],
  ]);
  // USING: the common column is the kept side's (LEFT: the left's, NOT NULL); the right's own nullable.
  await tEnv.executeSql(
    "CREATE VIEW u AS SELECT * FROM items LEFT JOIN (SELECT k AS id, w FROM other) AS o USING (id)",
  );
  assert.deepEqual(await describe(tEnv, "u"), [
    ["id", "INT", false],
    ["cost", "INT", false],
    ["note", "STRING", true],
    ["w", "INT", true],
  ]);
  // LEFT JOIN ... ON TRUE of a correlated right side: padded with NULLs for an empty array.
  await tEnv.executeSql(
    `CREATE VIEW lat AS SELECT id, x FROM items LEFT JOIN UNNEST(ARRAY[1, 2]) AS t(x) ON TRUE`,
  );
  assert.deepEqual(await describe(tEnv, "lat"), [
    ["id", "INT", false],
    ["x", "INT", true],
  ]);
});

test("a CTAS from a LEFT JOIN creates no NOT NULL column for the padded side, and writes its NULLs", async () => {
  const { tEnv } = await withOther();
  const lines: string[] = [];
  const write = process.stdout.write;
  // Only the print sink's lines (by their identifier) are taken: the test runner reports on stdout too.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : "";
    if (!text.startsWith("joined> "))
      return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    lines.push(text.slice("joined> ".length).trimEnd());
    return true;
  }) as typeof process.stdout.write;
  try {
    // A regular LEFT JOIN updates (an append-only log cannot take it): the print sink can.
    const result =
      await tEnv.executeSql(`CREATE TABLE joined WITH ('connector' = 'print', 'print-identifier' = 'joined')
      AS SELECT a.id, b.one FROM items a LEFT JOIN (SELECT k, 1 AS one FROM other) b ON a.id = b.k`);
    await result.await();
  } finally {
    process.stdout.write = write;
  }
  assert.deepEqual(await describe(tEnv, "joined"), [
    ["id", "INT", false],
    ["one", "INT", true],
  ]);
  // Item 2 has no match: padded with NULL; item 1 ends joined (its padded row may come and go first).
  assert.ok(lines.includes("+I[2, null]"), lines.join("; "));
  assert.ok(lines.includes("+I[1, 1]"), lines.join("; "));
});

test("a CTAS from LEFT JOIN UNNEST ... ON TRUE: a nullable column, NULL for an empty array", async () => {
  const { tEnv, dir } = await setUp();
  const log = openLog({ dir });
  log.createTopic("unnested", { partitions: 1 });
  log.close();
  const result = await tEnv.executeSql(`CREATE TABLE unnested
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'unnested', 'bounded' = 'true')
    AS SELECT id, x FROM items
      LEFT JOIN UNNEST(CASE WHEN id = 1 THEN ARRAY[7] ELSE ARRAY_REMOVE(ARRAY[7], 7) END) AS t(x) ON TRUE`);
  await result.await();
  assert.deepEqual(await describe(tEnv, "unnested"), [
    ["id", "INT", false],
    ["x", "INT", true],
  ]);
  assert.deepEqual(readJson(dir, "unnested"), [
    { id: 1, x: 7 },
    { id: 2, x: null },
  ]);
});
