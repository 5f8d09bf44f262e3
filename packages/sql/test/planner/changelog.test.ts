// Changelog semantics: row kinds travel in rows, materialize() applies a changelog to a table,
// and planned queries state their changelog mode (insert-only for scans, projections, unions,
// window aggregates).
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import {
  describeMode,
  INSERT_ONLY,
  isInsertOnly,
  materialize,
  ROW_KIND,
  rowKind,
  sql,
  withKind,
} from "@fleuve/sql";
import fc from "fast-check";

test("a row without a kind is +I; withKind sets and clears it", () => {
  const row = { a: 1 };
  assert.equal(rowKind(row), "+I");
  assert.equal(rowKind(withKind(row, "-U")), "-U");
  assert.equal(row[ROW_KIND as "a"], "-U");
  assert.equal(rowKind(withKind(row, "+I")), "+I");
  assert.deepEqual(Object.keys(row), ["a"]);
});

test("materialize applies retractions and updates, and refuses a retraction of a row never emitted", () => {
  const rows = materialize([
    { k: "a", n: 1 },
    withKind({ k: "a", n: 1 }, "-U"),
    withKind({ k: "a", n: 2 }, "+U"),
    { k: "b", n: 1 },
    withKind({ k: "b", n: 1 }, "-D"),
  ]);
  assert.deepEqual(rows, [{ k: "a", n: 2 }]);
  assert.throws(
    () => materialize([withKind({ k: "x" }, "-D")]),
    /retracts -D\{"k":"x"\}, which it never emitted/,
  );
});

test("materialize of inserts and their deletes in any order of pairs keeps exactly the rows not deleted", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { maxLength: 40 }),
      (ops) => {
        const changes = ops.flatMap(([v, del]) => (del ? [{ v }, withKind({ v }, "-D")] : [{ v }]));
        const expected = ops.filter(([, del]) => !del).map(([v]) => ({ v }));
        const sort = (r: { v: unknown }[]) => r.map((x) => x.v as number).sort((a, b) => a - b);
        assert.deepEqual(sort(materialize(changes) as { v: unknown }[]), sort(expected));
      },
    ),
  );
});

test("scans, projections, unions and window aggregates are insert-only", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create(), { connectors: logConnectors });
  await tEnv.executeSql(`
    CREATE TABLE t (a INT, b STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
      WITH ('connector' = 'log', 'log' = '/nonexistent/never-opened', 'topic' = 't')`);
  for (const q of [
    "SELECT a, b FROM t WHERE a > 1",
    "SELECT a FROM t UNION ALL SELECT a FROM t",
    "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
  ]) {
    const mode = tEnv.sqlQuery(q).changelogMode;
    assert.ok(isInsertOnly(mode), q);
    assert.deepEqual(mode, INSERT_ONLY);
    assert.equal(describeMode(mode), "[+I]");
  }
});
