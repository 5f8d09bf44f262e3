// LIMIT / OFFSET / FETCH in Calcite's order (Parser.jj, which Flink uses):
// [LIMIT n | ALL] [OFFSET m [ROW | ROWS]] [FETCH FIRST | NEXT n ROW | ROWS ONLY].
import assert from "node:assert/strict";
import { test } from "node:test";
import { isFleuveError } from "@fleuve/core";
import { type Expr, parseStatement, type Query } from "@fleuve/sql";

/** The query's limit and offset literals (undefined when absent). */
function limits(sqlText: string): { limit?: unknown; offset?: unknown } {
  const q = (parseStatement(sqlText) as unknown as { query: Query }).query;
  const lit = (e: Expr | undefined) => (e === undefined ? undefined : Number((e as { text?: string }).text));
  const out: { limit?: unknown; offset?: unknown } = {};
  if (q.limit !== undefined) out.limit = lit(q.limit);
  if (q.offset !== undefined) out.offset = lit(q.offset);
  return out;
}

test("SQL:2008 OFFSET ... FETCH and the other accepted orders", () => {
  assert.deepEqual(limits("SELECT a FROM t OFFSET 2 ROWS FETCH NEXT 3 ROWS ONLY"), { limit: 3, offset: 2 });
  assert.deepEqual(limits("SELECT a FROM t ORDER BY a OFFSET 2 ROW FETCH FIRST 1 ROW ONLY"), {
    limit: 1,
    offset: 2,
  });
  assert.deepEqual(limits("SELECT a FROM t OFFSET 2 ROW"), { offset: 2 });
  assert.deepEqual(limits("SELECT a FROM t OFFSET 2"), { offset: 2 });
  assert.deepEqual(limits("SELECT a FROM t LIMIT 4 OFFSET 1 ROWS"), { limit: 4, offset: 1 });
  assert.deepEqual(limits("SELECT a FROM t FETCH FIRST 5 ROWS ONLY"), { limit: 5 });
});

test("LIMIT ALL is no limit", () => {
  assert.deepEqual(limits("SELECT a FROM t LIMIT ALL"), {});
  assert.deepEqual(limits("SELECT a FROM t LIMIT ALL OFFSET 3"), { offset: 3 });
});

test("LIMIT and FETCH both given: FETCH wins, as in Calcite", () => {
  assert.deepEqual(limits("SELECT a FROM t LIMIT 9 OFFSET 1 FETCH FIRST 2 ROWS ONLY"), {
    limit: 2,
    offset: 1,
  });
});

test("FETCH before OFFSET is a syntax error (Calcite's order is OFFSET, then FETCH)", () => {
  assert.throws(
    () => parseStatement("SELECT a FROM t FETCH FIRST 1 ROW ONLY OFFSET 2"),
    (e: unknown) =>
      isFleuveError(e, "FLEUVE_SQL_SYNTAX") && /line 1, column 40: unexpected 'OFFSET'/.test(e.message),
  );
  assert.throws(
    () => parseStatement("SELECT a FROM t OFFSET 2 LIMIT 1"),
    (e: unknown) => isFleuveError(e, "FLEUVE_SQL_SYNTAX") && /unexpected 'LIMIT'/.test(e.message),
  );
});
