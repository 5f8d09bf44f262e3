// What does not run yet says so, naming the feature (FLEUVE_SQL_UNSUPPORTED); what is wrong says
// what and where (FLEUVE_SQL_VALIDATION). Planning fails before any job starts, so these tests
// need no data: the table's log directory is never opened.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type SqlEnvironment, sql } from "@fleuve/sql";
import { columnReader } from "../../src/planner/row-builders.js";

async function environment(): Promise<SqlEnvironment> {
  const tEnv = sql(StreamExecutionEnvironment.create(), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE t (a INT, b STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
      WITH ('connector' = 'log', 'log' = '/nonexistent/never-opened', 'topic' = 't');
    CREATE TABLE u (a INT) WITH ('connector' = 'nope');
    CREATE TABLE p (a INT, ts TIMESTAMP(3)) WITH ('connector' = 'log', 'log' = '/nonexistent/never-opened', 'topic' = 'p');`);
  return tEnv;
}

const unsupportedCases: [string, string, string][] = [
  [
    "SELECT L.a FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) L JOIN TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) R ON L.a = R.a AND L.window_start = R.window_start",
    "a window join on only one of window_start and window_end",
    "Fleuve SQL does not run a window join on only one of window_start and window_end yet (line 1, column 1): join on both l.window_start = r.window_start and l.window_end = r.window_end",
  ],
  [
    "SELECT a, SUM(a) OVER (PARTITION BY b ORDER BY a ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t",
    "OVER windows not ordered by the event-time attribute",
    "Fleuve SQL does not run OVER windows not ordered by the event-time attribute yet (line 1, column 11): ORDER BY ts (ascending)",
  ],
  [
    "SELECT a FROM t WHERE SUM(a) OVER (ORDER BY ts) > 1",
    "OVER aggregation outside the select list of a query without GROUP BY",
    "Fleuve SQL does not run OVER aggregation outside the select list of a query without GROUP BY yet (line 1, column 23)",
  ],
  [
    "SELECT SUM(a) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t",
    "an OVER frame that ends after the current row",
    "Fleuve SQL does not run an OVER frame that ends after the current row yet (line 1, column 8): end the frame AND CURRENT ROW",
  ],
  [
    "SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts MEASURES A.a AS x ALL ROWS PER MATCH PATTERN (A B) DEFINE A AS a > 1)",
    "ALL ROWS PER MATCH",
    "Fleuve SQL does not run ALL ROWS PER MATCH yet (line 1, column 64): Flink supports ONE ROW PER MATCH only",
  ],
  [
    "SELECT * FROM (SELECT a, ROW_NUMBER() OVER (ORDER BY a) AS rn FROM t)",
    "ROW_NUMBER() without an upper bound on rn",
    "Fleuve SQL does not run ROW_NUMBER() without an upper bound on rn yet (line 1, column 26): a streaming Top-N needs WHERE rn <= N",
  ],
  [
    "SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY a, DESCRIPTOR(ts), INTERVAL '1' MINUTE))",
    "SESSION window rows without GROUP BY",
    "Fleuve SQL does not run SESSION window rows without GROUP BY yet (line 1, column 21): aggregate session windows with GROUP BY window_start, window_end",
  ],
  [
    "SELECT CARDINALITY(COLLECT(b)) FROM t",
    "CARDINALITY of a MULTISET",
    'Fleuve SQL does not run CARDINALITY of a MULTISET yet (line 1, column 8): Flink 1.20 refuses it ("Expect an array or a map."); COUNT(x) is CARDINALITY(COLLECT(x)) with duplicates, COUNT(DISTINCT x) without',
  ],
  [
    "SELECT a FROM t ORDER BY a",
    "ORDER BY without LIMIT",
    "Fleuve SQL does not run ORDER BY without LIMIT yet (line 1, column 26): Sort on a non-time-attribute field is not supported. A streaming ORDER BY needs a LIMIT (a Top-N), or a time attribute (event or processing time) ascending first",
  ],
  [
    "SELECT DISTINCT COUNT(*) FROM t GROUP BY a",
    "SELECT DISTINCT with GROUP BY or aggregates",
    "Fleuve SQL does not run SELECT DISTINCT with GROUP BY or aggregates yet (line 1, column 1)",
  ],
  [
    "SELECT a, COUNT(*) FROM t GROUP BY a HAVING a IN (SELECT a FROM t)",
    "the IN subquery (SELECT a FROM t) in this place",
    "Fleuve SQL does not run the IN subquery (SELECT a FROM t) in this place yet (line 1, column 50): Fleuve SQL runs [NOT] IN and [NOT] EXISTS subqueries ANDed in WHERE, and scalar subqueries in WHERE and in the select list of a query without GROUP BY",
  ],
  [
    "SELECT window_start, COUNT(*) FROM TABLE(SESSION(TABLE t PARTITION BY a, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, ROLLUP (a)",
    "GROUPING SETS over SESSION windows",
    "Fleuve SQL does not run GROUPING SETS over SESSION windows yet (line 1, column 1)",
  ],
  [
    "CREATE FUNCTION f AS 'my.Fn' LANGUAGE PYTHON",
    "CREATE FUNCTION ... LANGUAGE PYTHON",
    "Fleuve SQL does not run CREATE FUNCTION ... LANGUAGE PYTHON yet: Fleuve's functions are TypeScript or JavaScript modules: AS 'path/to/module.ts#export'",
  ],
  [
    "SELECT a FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2020-01-01 00:00:00'",
    "FOR SYSTEM_TIME AS OF (temporal joins)",
    "Fleuve SQL does not run FOR SYSTEM_TIME AS OF (temporal joins) yet (line 1, column 15)",
  ],
];

for (const [query, feature, message] of unsupportedCases) {
  test(`unsupported: ${feature}`, async () => {
    const tEnv = await environment();
    await assert.rejects(tEnv.executeSql(query), (e: unknown) => {
      assert.ok(isFleuveError(e, "FLEUVE_SQL_UNSUPPORTED"), String(e));
      assert.equal(e.message, message);
      assert.equal(e.details.feature, feature);
      return true;
    });
  });
}

const invalidCases: [string, string][] = [
  ["SELECT c FROM t", "Column 'c' not found in any table (line 1, column 8)"],
  ["SELECT FOO(a) FROM t", "unknown function FOO (line 1, column 8)"],
  ["SELECT UPPER(a, b) FROM t", "UPPER takes 1 argument, got 2 (line 1, column 8)"],
  ["SELECT a FROM missing", "unknown table missing; defined: p, t, u (line 1, column 15)"],
  [
    "SELECT a FROM u",
    // At the 'connector' option of u's CREATE TABLE.
    "table u: no connector 'nope'; known: blackhole, datagen, file, filesystem, log, nexmark, print, upsert-log (line 4, column 34)",
  ],
  [
    "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(a), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
    "TUMBLE: DESCRIPTOR(a) must name the event-time attribute ts of t (line 1, column 42)",
  ],
  [
    "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE p, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
    "TUMBLE: table p has no time attribute ts; declare WATERMARK FOR ts AS ... (event time) or ts AS PROCTIME() (processing time) in its CREATE TABLE (line 1, column 42)",
  ],
  [
    "SELECT b, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
    "column b must be in GROUP BY or inside an aggregate function (line 1, column 8)",
  ],
  [
    "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), SIZE => INTERVAL '1' MINUTE, STEP => INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
    "TUMBLE has no parameter STEP; its parameters are DATA, TIMECOL, SIZE, OFFSET (line 1, column 42)",
  ],
  [
    "SELECT a FROM t WHERE COUNT(*) > 1",
    "aggregate COUNT(...) is only allowed in the select list or HAVING of a query with GROUP BY (line 1, column 23)",
  ],
  [
    "SELECT a FROM t JOIN t AS t2 ON t.ts BETWEEN t2.ts AND t2.ts + INTERVAL '1' SECOND",
    "column a is ambiguous: t.a or t2.a; qualify it (line 1, column 8)",
  ],
  [
    "SELECT t.a FROM t JOIN t AS t2 ON t.ts BETWEEN t2.ts AND t2.ts - INTERVAL '1' SECOND",
    "the time bounds of the join admit no pair (0 > -1000 ms) (line 1, column 1)",
  ],
  [
    "SELECT L.a FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) L JOIN TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '2' MINUTE)) R ON L.window_start = R.window_start AND L.window_end = R.window_end",
    "a window join needs the same window TVF on both sides: TUMBLE(size 60000, slide 60000, offset 0 ms) and TUMBLE(size 120000, slide 120000, offset 0 ms) (line 1, column 1)",
  ],
  [
    "INSERT INTO t SELECT a FROM t",
    "INSERT INTO t: the query has 1 columns, the table takes 3 (a, b, ts) (line 1, column 1)",
  ],
];

for (const [query, message] of invalidCases) {
  test(`invalid: ${query}`, async () => {
    const tEnv = await environment();
    await assert.rejects(tEnv.executeSql(query), (e: unknown) => {
      assert.ok(isFleuveError(e, "FLEUVE_SQL_VALIDATION"), String(e));
      assert.equal(e.message, message);
      return true;
    });
  });
}

test("a WATERMARK on a column that is not a timestamp is refused when the table is created", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create(), { connectors: logConnectors });
  const create = tEnv.executeSql(
    "CREATE TABLE w (a INT, WATERMARK FOR a AS a) WITH ('connector' = 'log', 'log' = '/nonexistent/never-opened', 'topic' = 'w')",
  );
  await assert.rejects(create, {
    code: "FLEUVE_SQL_VALIDATION",
    message:
      "Invalid data type of time field for watermark definition. The field must be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p), the supported precision 'p' is from 0 to 3, but the time field type is INT (line 1, column 38)",
  });
});

test("a column reader reads the one column it was made for, whatever its name; a missing value is NULL", () => {
  for (const name of ["price", 'a"b', "back\\slash", "`x`\n", "__proto__", ""]) {
    // defineProperty: an own property even for __proto__, as the generated row literals make it.
    const row = Object.defineProperty({ other: 1 }, name, { value: 42, enumerable: true });
    assert.equal(columnReader(name)(row), 42, name);
  }
  assert.equal(columnReader("price")({ other: 1 }), null);
  assert.equal(columnReader("price")({ price: undefined }), null);
});
