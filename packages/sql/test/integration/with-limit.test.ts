// WITH (common table expressions) and LIMIT / OFFSET / FETCH FIRST, as Flink runs them in
// streaming mode: a CTE is planned where it is used, as a view in the scope of its WITH (it sees
// the CTEs before it and the catalog; a catalog view it reads does not see the CTEs); LIMIT
// without ORDER BY forwards the first rows to arrive (Flink's streaming Limit over an
// insert-only input) and is insert-only.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { isInsertOnly, materialize, sql } from "@fleuve/sql";

/** Table `orders` (five rows in id order); with parallelism 1 every operator sees them in that order. */
function tables(parallelism = 2) {
  const env = StreamExecutionEnvironment.create({ parallelism, log: () => {} });
  const tEnv = sql(env);
  tEnv.createTemporaryView(
    "orders",
    env
      .fromCollection([
        { id: 1, customer: "ann", amount: 10 },
        { id: 2, customer: "bob", amount: 25 },
        { id: 3, customer: "ann", amount: 7 },
        { id: 4, customer: "cid", amount: 40 },
        { id: 5, customer: "bob", amount: 3 },
      ])
      .setParallelism(1),
    "id INT, customer STRING, amount INT",
  );
  return tEnv;
}

const byId = (rows: Record<string, unknown>[]) =>
  [...rows].sort((a, b) => (a.id as number) - (b.id as number));

test("WITH: a CTE reads an earlier one, the query reads both (and a column alias list)", async () => {
  const tEnv = tables();
  const rows = await (
    await tEnv.executeSql(`
      WITH big (id, who, amt) AS (SELECT id, customer, amount FROM orders WHERE amount >= 10),
           bobs AS (SELECT id, amt FROM big WHERE who = 'bob')
      SELECT big.id, who, big.amt, bobs.id AS bob_id FROM big LEFT JOIN bobs ON big.id = bobs.id`)
  ).collect();
  assert.deepEqual(
    // A LEFT JOIN is a changelog (a padded row is retracted when its partner comes): its final table.
    byId(materialize(rows)),
    [
      { id: 1, who: "ann", amt: 10, bob_id: null },
      { id: 2, who: "bob", amt: 25, bob_id: 2 },
      { id: 4, who: "cid", amt: 40, bob_id: null },
    ],
  );
});

test("WITH shadows a catalog table in the query, but not inside a catalog view", async () => {
  const tEnv = tables();
  await tEnv.executeSql("CREATE VIEW all_orders AS SELECT id FROM orders");
  const rows = await (
    await tEnv.executeSql("WITH orders AS (SELECT 99 AS id) SELECT id AS shadowed FROM orders")
  ).collect();
  assert.deepEqual(rows, [{ shadowed: 99 }]);
  const viewRows = await (
    await tEnv.executeSql("WITH orders AS (SELECT 99 AS id) SELECT id FROM all_orders")
  ).collect();
  assert.deepEqual(byId(viewRows), [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 5 }]);
});

test("LIMIT, LIMIT ... OFFSET, FETCH FIRST ... ROWS ONLY: the first rows to arrive, insert-only", async () => {
  // One subtask per operator, so "the first rows to arrive" are the first rows of the table.
  const tEnv = tables(1);
  const limit = await tEnv.executeSql("SELECT id, customer FROM orders LIMIT 2");
  assert.ok(limit.changelogMode !== undefined && isInsertOnly(limit.changelogMode));
  assert.deepEqual(await limit.collect(), [
    { id: 1, customer: "ann" },
    { id: 2, customer: "bob" },
  ]);
  assert.deepEqual(await (await tEnv.executeSql("SELECT id FROM orders LIMIT 2 OFFSET 2")).collect(), [
    { id: 3 },
    { id: 4 },
  ]);
  assert.deepEqual(
    await (await tEnv.executeSql("SELECT id FROM orders WHERE amount < 20 FETCH FIRST 1 ROW ONLY")).collect(),
    [{ id: 1 }],
  );
  assert.deepEqual(await (await tEnv.executeSql("SELECT id FROM orders OFFSET 4 ROWS")).collect(), [
    { id: 5 },
  ]);
  assert.deepEqual(await (await tEnv.executeSql("SELECT id FROM orders LIMIT 0")).collect(), []);
  // SQL:2008 order (Calcite's): OFFSET, then FETCH; LIMIT ALL is no limit.
  assert.deepEqual(
    await (await tEnv.executeSql("SELECT id FROM orders OFFSET 1 ROW FETCH NEXT 2 ROWS ONLY")).collect(),
    [{ id: 2 }, { id: 3 }],
  );
  assert.deepEqual(await (await tEnv.executeSql("SELECT id FROM orders LIMIT ALL OFFSET 3")).collect(), [
    { id: 4 },
    { id: 5 },
  ]);
  // In a CTE and a subquery too.
  assert.deepEqual(
    materialize(
      await (
        await tEnv.executeSql(
          "WITH firsts AS (SELECT id, amount FROM orders LIMIT 3) SELECT SUM(amount) AS s FROM (SELECT * FROM firsts LIMIT 2)",
        )
      ).collect(),
    ),
    [{ s: 35 }],
  );
});
