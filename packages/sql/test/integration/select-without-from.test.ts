// SELECT without FROM, as Flink (Calcite) reads it: one row of no columns, so constants, scalar
// and user functions give one bounded row, an aggregate sees that one row, WHERE may drop it, and
// `SELECT *` or a column reference is refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

function env() {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  tEnv.createFunction("f", (a: number, b: number) => a * 10 + b);
  return tEnv;
}
const rowsOf = async (q: string) => (await env().executeSql(q)).collect();

test("SELECT of constants and functions without FROM is one row", async () => {
  assert.deepEqual(await rowsOf("SELECT 1 + 1"), [{ EXPR$0: 2 }]);
  assert.deepEqual(await rowsOf("SELECT f(1, 2) AS x, 'a' || 'b', CAST(NULL AS INT) AS n, UPPER('q') AS u"), [
    { x: 12, EXPR$1: "ab", n: null, u: "Q" },
  ]);
  assert.deepEqual(await rowsOf("SELECT 1 AS a UNION ALL SELECT 2"), [{ a: 1 }, { a: 2 }]);
  // The constant row feeds a subquery like any table.
  assert.deepEqual(await rowsOf("SELECT y * 2 AS z FROM (SELECT f(4, 2) AS y)"), [{ z: 84 }]);
});

test("an aggregate without FROM sees the one row; a false WHERE leaves none", async () => {
  assert.deepEqual(await rowsOf("SELECT COUNT(*) AS c, SUM(3) AS s"), [{ c: 1, s: 3 }]);
  assert.deepEqual(await rowsOf("SELECT 1 AS a WHERE 1 > 2"), []);
  assert.deepEqual(await rowsOf("SELECT 1 AS a WHERE 1 < 2"), [{ a: 1 }]);
});

test("EXPLAIN of a SELECT without FROM shows the one-row Values, as Flink's plan does", async () => {
  const [row] = await rowsOf("EXPLAIN SELECT 1 + 1");
  const plan = String(row?.result);
  assert.match(plan, /LogicalProject\(EXPR\$0=\[1 \+ 1\]\)\n\+- LogicalValues\(tuples=\[\[\{ 0 \}\]\]\)/);
  assert.match(plan, /the query emits \[I\] \(insert-only\)/);
});

test("SELECT * and column references need a FROM clause", async () => {
  await assert.rejects(rowsOf("SELECT *"), (e: unknown) => {
    assert.ok(e instanceof FleuveError);
    assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
    assert.match(e.message, /SELECT \* needs a FROM clause \(line 1, column 1\)/);
    return true;
  });
  await assert.rejects(rowsOf("SELECT a + 1"), (e: unknown) => {
    assert.ok(e instanceof FleuveError);
    assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
    assert.match(e.message, /Column 'a' not found in any table \(line 1, column 8\)/);
    return true;
  });
});
