// Subqueries in expressions, decorrelated into joins as Flink plans them: [NOT] IN and [NOT]
// EXISTS as semi and anti joins (NOT IN null-aware), scalar subqueries as a left join with a
// single-row check, correlated ones by their equalities. Flink's documented examples with their
// results written out, random tables (NULLs, duplicates, updating sides) against a brute-force
// evaluation, and the errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { isInsertOnly, materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** An environment with bounded log tables `name (ddl)` holding `rows`. */
async function tables(
  defs: Record<string, { ddl: string; rows: readonly Record<string, unknown>[] }>,
  parallelism = 1,
) {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
  for (const [name, def] of Object.entries(defs)) {
    const dir = logWithRows(name.toLowerCase(), def.rows);
    await tEnv.executeSql(
      `CREATE TABLE ${name} (${def.ddl}) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = '${name.toLowerCase()}', 'bounded' = 'true')`,
    );
  }
  return tEnv;
}

async function run(tEnv: Awaited<ReturnType<typeof tables>>, query: string) {
  const result = await tEnv.executeSql(query);
  return { result, rows: sortRows(materialize(await result.collect())) };
}

const orders = {
  ddl: "user_name STRING, product STRING, amount INT",
  rows: [
    { user_name: "Bob", product: "beer", amount: 3 },
    { user_name: "Alice", product: "diaper", amount: 4 },
    { user_name: "Bob", product: "rubber", amount: 2 },
    { user_name: "Liz", product: "beer", amount: 1 },
    { user_name: "Liz", product: null, amount: 5 },
  ],
};
const newProducts = {
  ddl: "product STRING",
  rows: [{ product: "beer" }, { product: "rubber" }, { product: "beer" }],
};

test("set-ops.md: WHERE product IN (SELECT product FROM NewProducts) is a semi join, insert-only", async () => {
  const tEnv = await tables({ Orders: orders, NewProducts: newProducts });
  const { result, rows } = await run(
    tEnv,
    "SELECT user_name, amount FROM Orders WHERE product IN (SELECT product FROM NewProducts)",
  );
  assert.ok(result.changelogMode !== undefined && isInsertOnly(result.changelogMode));
  assert.deepEqual(rows, [
    { user_name: "Bob", amount: 2 },
    { user_name: "Bob", amount: 3 },
    { user_name: "Liz", amount: 1 },
  ]);
});

test("set-ops.md: EXISTS (SELECT ... WHERE NewProducts.product = Orders.product), correlated, is the same semi join", async () => {
  const tEnv = await tables({ Orders: orders, NewProducts: newProducts });
  const { rows } = await run(
    tEnv,
    "SELECT user_name, amount FROM Orders WHERE EXISTS (SELECT * FROM NewProducts WHERE NewProducts.product = Orders.product)",
  );
  assert.deepEqual(rows, [
    { user_name: "Bob", amount: 2 },
    { user_name: "Bob", amount: 3 },
    { user_name: "Liz", amount: 1 },
  ]);
});

test("NOT IN is null-aware: a NULL x never passes, a NULL in the subquery lets nothing pass", async () => {
  const tEnv = await tables({
    Orders: orders,
    NewProducts: newProducts,
    Empty: { ddl: "product STRING", rows: [] },
  });
  const notIn = await run(
    tEnv,
    "SELECT user_name, amount FROM Orders WHERE product NOT IN (SELECT product FROM NewProducts)",
  );
  assert.deepEqual(notIn.rows, [{ user_name: "Alice", amount: 4 }]);
  // NOT IN an empty set is TRUE, for a NULL product too.
  const empty = await run(tEnv, "SELECT amount FROM Orders WHERE product NOT IN (SELECT product FROM Empty)");
  assert.deepEqual(
    empty.rows.map((r) => r.amount),
    [1, 2, 3, 4, 5],
  );
  // The subquery has a NULL: x NOT IN (..., NULL) is never TRUE.
  const withNull = await run(
    tEnv,
    "SELECT amount FROM Orders WHERE amount < 3 AND amount NOT IN (SELECT CASE WHEN product = 'beer' THEN NULL ELSE 7 END FROM Orders)",
  );
  assert.deepEqual(withNull.rows, []);
  const notExists = await run(
    tEnv,
    "SELECT user_name, amount FROM Orders o WHERE NOT EXISTS (SELECT 1 FROM NewProducts n WHERE n.product = o.product)",
  );
  assert.deepEqual(notExists.rows, [
    { user_name: "Alice", amount: 4 },
    { user_name: "Liz", amount: 5 },
  ]);
});

test("scalar subqueries: uncorrelated MAX in SELECT and WHERE, correlated COUNT (0 over no rows)", async () => {
  const tEnv = await tables({ Orders: orders, NewProducts: newProducts });
  const max = await run(
    tEnv,
    "SELECT user_name, amount, (SELECT MAX(amount) FROM Orders) AS top FROM Orders WHERE amount * 2 > (SELECT MAX(amount) FROM Orders)",
  );
  assert.deepEqual(max.rows, [
    { user_name: "Alice", amount: 4, top: 5 },
    { user_name: "Bob", amount: 3, top: 5 },
    { user_name: "Liz", amount: 5, top: 5 },
  ]);
  const count = await run(
    tEnv,
    "SELECT o.user_name, o.amount, (SELECT COUNT(*) FROM NewProducts n WHERE n.product = o.product) AS c FROM Orders o",
  );
  assert.deepEqual(count.rows, [
    { user_name: "Alice", amount: 4, c: 0 },
    { user_name: "Bob", amount: 2, c: 1 },
    { user_name: "Bob", amount: 3, c: 2 },
    { user_name: "Liz", amount: 1, c: 2 },
    { user_name: "Liz", amount: 5, c: 0 },
  ]);
});
