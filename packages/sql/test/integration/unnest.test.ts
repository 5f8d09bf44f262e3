// UNNEST as Flink runs it: a row for each element of an ARRAY or MULTISET, or entry of a MAP, of
// the row it is joined with (CROSS JOIN UNNEST, FROM t, UNNEST(...), LEFT JOIN UNNEST ... ON TRUE),
// with Calcite's columns (a ROW element's fields, EXPR$0, KEY and VALUE). Expected rows written
// here, and on random input against a brute-force flatMap.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { isInsertOnly, materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const ORDERS = [
  { id: 1, tags: ["a", "b"], items: [{ sku: "x", qty: 2 }], attrs: { color: 1, size: 2 } },
  { id: 2, tags: [], items: [], attrs: {} },
  { id: 3, tags: null, items: null, attrs: null },
  { id: 4, tags: ["c", null], items: [{ sku: "y", qty: 1 }, null], attrs: { w: null } },
];

async function ordersTable(rows: readonly Record<string, unknown>[] = ORDERS, parallelism = 2) {
  const dir = logWithRows("orders", rows);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
  await tEnv.executeSql(`
    CREATE TABLE O (id INT, tags ARRAY<STRING>, items ARRAY<ROW<sku STRING, qty INT>>, attrs MAP<STRING, INT>)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'orders', 'bounded' = 'true')`);
  return tEnv;
}

async function rowsOf(tEnv: Awaited<ReturnType<typeof ordersTable>>, query: string): Promise<Row[]> {
  return sortRows(await (await tEnv.executeSql(query)).collect());
}

test("CROSS JOIN UNNEST and FROM t, UNNEST(...) of an ARRAY: a row per element, none for an empty or NULL array, insert-only", async () => {
  const tEnv = await ordersTable();
  const expected = [
    { id: 1, tag: "a" },
    { id: 1, tag: "b" },
    { id: 4, tag: "c" },
    { id: 4, tag: null },
  ];
  for (const query of [
    "SELECT id, tag FROM O CROSS JOIN UNNEST(tags) AS t (tag)",
    "SELECT id, tag FROM O, UNNEST(O.tags) AS t (tag)",
    "SELECT O.id, t.tag FROM O JOIN UNNEST(O.tags) AS t (tag) ON TRUE",
  ]) {
    const result = await tEnv.executeSql(query);
    assert.ok(result.changelogMode !== undefined && isInsertOnly(result.changelogMode), query);
    assert.deepEqual(sortRows(await result.collect()), expected, query);
  }
  // Without names, Calcite's: EXPR$0 after the table's columns.
  const star = await tEnv.executeSql("SELECT * FROM O CROSS JOIN UNNEST(tags) WHERE id = 1");
  assert.deepEqual(star.columns, ["id", "tags", "items", "attrs", "EXPR$0"]);
  assert.deepEqual(
    (await star.collect()).map((r) => r.EXPR$0),
    ["a", "b"],
  );
});

test("LEFT JOIN UNNEST ... ON TRUE keeps a row whose array is empty or NULL, with NULL", async () => {
  const tEnv = await ordersTable();
  assert.deepEqual(await rowsOf(tEnv, "SELECT id, tag FROM O LEFT JOIN UNNEST(tags) AS t (tag) ON TRUE"), [
    { id: 1, tag: "a" },
    { id: 1, tag: "b" },
    { id: 2, tag: null },
    { id: 3, tag: null },
    { id: 4, tag: "c" },
    { id: 4, tag: null },
  ]);
});

test("JOIN UNNEST ... ON a condition keeps the elements it holds for", async () => {
  const tEnv = await ordersTable();
  assert.deepEqual(await rowsOf(tEnv, "SELECT id, tag FROM O JOIN UNNEST(tags) AS t (tag) ON tag <> 'a'"), [
    { id: 1, tag: "b" },
    { id: 4, tag: "c" },
  ]);
});

test("an ARRAY of ROWs gives the row's fields as columns (a NULL element a row of NULLs)", async () => {
  const tEnv = await ordersTable();
  assert.deepEqual(await rowsOf(tEnv, "SELECT id, sku, qty * 10 AS q FROM O CROSS JOIN UNNEST(items)"), [
    { id: 1, sku: "x", q: 20 },
    { id: 4, sku: "y", q: 10 },
    { id: 4, sku: null, q: null },
  ]);
  assert.deepEqual(
    await rowsOf(tEnv, "SELECT id, s, n FROM O CROSS JOIN UNNEST(items) AS i (s, n) WHERE id = 1"),
    [{ id: 1, s: "x", n: 2 }],
  );
});

test("a MAP gives its entries as KEY and VALUE", async () => {
  const tEnv = await ordersTable();
  assert.deepEqual(await rowsOf(tEnv, "SELECT id, KEY, `VALUE` FROM O CROSS JOIN UNNEST(attrs)"), [
    { id: 1, KEY: "color", VALUE: 1 },
    { id: 1, KEY: "size", VALUE: 2 },
    { id: 4, KEY: "w", VALUE: null },
  ]);
  assert.deepEqual(
    await rowsOf(
      tEnv,
      "SELECT id, k, v + 1 AS v FROM O CROSS JOIN UNNEST(attrs) AS a (k, v) WHERE v IS NOT NULL",
    ),
    [
      { id: 1, k: "color", v: 2 },
      { id: 1, k: "size", v: 3 },
    ],
  );
});

test("UNNEST on its own of a constant collection, and of a MAP constructor with integer keys", async () => {
  const tEnv = await ordersTable([]);
  assert.deepEqual(await rowsOf(tEnv, "SELECT x * 10 AS y FROM UNNEST(ARRAY[1, 2, 3]) AS t (x)"), [
    { y: 10 },
    { y: 20 },
    { y: 30 },
  ]);
  assert.deepEqual(
    await rowsOf(tEnv, "SELECT k + 1 AS k, v FROM UNNEST(MAP[1, 'one', 2, 'two']) AS m (k, v)"),
    [
      { k: 2, v: "one" },
      { k: 3, v: "two" },
    ],
  );
});

test("UNNEST of a MULTISET gives each element as many times as it counts, following the updates of a GROUP BY", async () => {
  const rows = [
    { id: 1, tags: ["a"] },
    { id: 1, tags: ["b"] },
    { id: 2, tags: ["a"] },
    { id: 1, tags: ["a"] },
  ];
  const tEnv = await ordersTable(rows, 2);
  const result = await tEnv.executeSql(
    "SELECT id, tag FROM (SELECT id, COLLECT(tags[1]) AS c FROM O GROUP BY id) CROSS JOIN UNNEST(c) AS t (tag)",
  );
  assert.ok(result.changelogMode !== undefined && !isInsertOnly(result.changelogMode));
  assert.deepEqual(sortRows(materialize(await result.collect())), [
    { id: 1, tag: "a" },
    { id: 1, tag: "a" },
    { id: 1, tag: "b" },
    { id: 2, tag: "a" },
  ]);
});

test("UNNEST errors name what is wrong", async () => {
  const tEnv = await ordersTable([]);
  const fails = async (
    query: string,
    code: "FLEUVE_SQL_VALIDATION" | "FLEUVE_SQL_UNSUPPORTED",
    message: RegExp,
  ) =>
    assert.rejects(tEnv.executeSql(query), (e: unknown) => {
      assert.ok(isFleuveError(e, code), `${query}: ${String(e)}`);
      assert.match((e as Error).message, message, query);
      return true;
    });
  await fails(
    "SELECT * FROM O CROSS JOIN UNNEST(id)",
    "FLEUVE_SQL_VALIDATION",
    /^UNNEST takes an ARRAY, a MAP or a MULTISET, got INT \(line 1, column 35\)$/,
  );
  await fails(
    "SELECT * FROM O CROSS JOIN UNNEST(tags) AS t (a, b)",
    "FLEUVE_SQL_VALIDATION",
    /the alias t names 2 columns, UNNEST returns 1/,
  );
  await fails(
    "SELECT * FROM O RIGHT JOIN UNNEST(tags) AS t (a) ON TRUE",
    "FLEUVE_SQL_UNSUPPORTED",
    /RIGHT JOIN with UNNEST/,
  );
  await fails(
    "SELECT * FROM O LEFT JOIN UNNEST(tags) AS t (a) ON a = 'x'",
    "FLEUVE_SQL_UNSUPPORTED",
    /LEFT JOIN UNNEST\(\.\.\.\) ON a condition/,
  );
  await fails(
    "SELECT * FROM O CROSS JOIN UNNEST(tags, tags)",
    "FLEUVE_SQL_UNSUPPORTED",
    /UNNEST of several collections/,
  );
});

test("EXPLAIN shows UNNEST as a Correlate", async () => {
  const tEnv = await ordersTable([]);
  const plan = String(
    (
      await (
        await tEnv.executeSql("EXPLAIN SELECT id, tag FROM O CROSS JOIN UNNEST(tags) AS t (tag)")
      ).collect()
    )[0]?.result,
  );
  assert.match(plan, /Correlate\(invocation=\[UNNEST\(tags\)\], joinType=\[INNER\]\)/);
});

test("random arrays: CROSS and LEFT JOIN UNNEST equal a brute-force flatMap", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.option(fc.array(fc.option(fc.integer({ min: -5, max: 5 })), { maxLength: 4 })), {
        maxLength: 12,
      }),
      fc.constantFrom("CROSS", "LEFT"),
      fc.constantFrom(1, 2),
      async (arrays, type, parallelism) => {
        const rows = arrays.map((a, id) => ({ id, nums: a }));
        const dir = logWithRows("n", rows);
        const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
        await tEnv.executeSql(
          `CREATE TABLE N (id INT, nums ARRAY<INT>) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'n', 'bounded' = 'true')`,
        );
        const join =
          type === "CROSS" ? "CROSS JOIN UNNEST(nums) AS u (x)" : "LEFT JOIN UNNEST(nums) AS u (x) ON TRUE";
        const got = await (await tEnv.executeSql(`SELECT id, x FROM N ${join}`)).collect();
        const expected = rows.flatMap((r) => {
          const xs = (r.nums ?? []).map((x) => ({ id: r.id, x }));
          return xs.length === 0 && type === "LEFT" ? [{ id: r.id, x: null }] : xs;
        });
        assert.deepEqual(sortRows(got), sortRows(expected));
      },
    ),
    { numRuns: 20 },
  );
});

test("docs/sql.md's UNNEST example runs as printed", async () => {
  const md = readFileSync(new URL("../../../../docs/sql.md", import.meta.url), "utf8");
  const query = /each tag of an order:\n\n\s*```sql\n([\s\S]*?)```/.exec(md)?.[1];
  assert.ok(query !== undefined, "the example is in docs/sql.md");
  const dir = logWithRows("orders", [
    { order_id: 7, tags: ["gift", "fragile"] },
    { order_id: 8, tags: [] },
  ]);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeSql(
    `CREATE TABLE orders (order_id INT, tags ARRAY<STRING>) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'orders', 'bounded' = 'true')`,
  );
  assert.deepEqual(sortRows(await (await tEnv.executeSql(query.replace(/^ {4}/gm, ""))).collect()), [
    { order_id: 7, tag: "fragile" },
    { order_id: 7, tag: "gift" },
  ]);
});
