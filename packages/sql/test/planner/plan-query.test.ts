// What does not run yet says so, naming the feature (FLEUVE_SQL_UNSUPPORTED); what is wrong says
// what and where (FLEUVE_SQL_VALIDATION). Planning fails before any job starts, so these tests
// need no data: the table's log directory is never opened.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type SqlEnvironment, sql } from "@fleuve/sql";

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
  ["SELECT * FROM t JOIN t AS t2 ON t.a = t2.a", "INNER JOIN", "Fleuve SQL does not run INNER JOIN yet"],
  ["SELECT a FROM t, t AS t2", "joins (FROM a, b)", "Fleuve SQL does not run joins (FROM a, b) yet"],
  [
    "SELECT a, SUM(a) OVER (PARTITION BY b ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t",
    "OVER aggregation",
    "Fleuve SQL does not run OVER aggregation yet (line 1, column 11)",
  ],
  [
    "SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts MEASURES A.a AS x PATTERN (A B) DEFINE A AS a > 1)",
    "MATCH_RECOGNIZE",
    "Fleuve SQL does not run MATCH_RECOGNIZE yet",
  ],
  [
    "SELECT window_start, SUM(a) FROM TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '10' MINUTE)) GROUP BY window_start, window_end",
    "CUMULATE windows",
    "Fleuve SQL does not run CUMULATE windows yet (line 1, column 40)",
  ],
  [
    "SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))",
    "a window TVF without GROUP BY window_start, window_end",
    "Fleuve SQL does not run a window TVF without GROUP BY window_start, window_end yet (line 1, column 1): window aggregation runs today; window top-N, deduplication and join do not yet",
  ],
  [
    "SELECT JSON_VALUE(b, '$.x') FROM t",
    "function JSON_VALUE",
    "Fleuve SQL does not run function JSON_VALUE yet (line 1, column 8)",
  ],
  [
    "SELECT a FROM t ORDER BY a",
    "ORDER BY",
    "Fleuve SQL does not run ORDER BY yet: a streaming query's result is not sorted",
  ],
  [
    "SELECT DISTINCT COUNT(*) FROM t GROUP BY a",
    "SELECT DISTINCT with GROUP BY or aggregates",
    "Fleuve SQL does not run SELECT DISTINCT with GROUP BY or aggregates yet (line 1, column 1)",
  ],
  ["EXPLAIN SELECT a FROM t", "EXPLAIN", "Fleuve SQL does not run EXPLAIN yet"],
  [
    "SELECT a FROM t WHERE a IN (SELECT a FROM t)",
    "subqueries in expressions",
    "Fleuve SQL does not run subqueries in expressions yet",
  ],
  [
    "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, ROLLUP (a)",
    "GROUPING SETS, ROLLUP and CUBE",
    "Fleuve SQL does not run GROUPING SETS, ROLLUP and CUBE yet (line 1, column 1)",
  ],
  ["CREATE FUNCTION f AS 'my.Fn'", "CREATE FUNCTION", "Fleuve SQL does not run CREATE FUNCTION yet"],
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
  ["SELECT c FROM t", "unknown column c: the input has a, b, ts (line 1, column 8)"],
  ["SELECT FOO(a) FROM t", "unknown function FOO (line 1, column 8)"],
  ["SELECT UPPER(a, b) FROM t", "UPPER takes 1 argument, got 2 (line 1, column 8)"],
  ["SELECT a FROM missing", "unknown table missing; defined: p, t, u (line 1, column 15)"],
  ["SELECT a FROM u", "table u: no connector 'nope'; known: log"],
  [
    "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(a), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
    "TUMBLE: DESCRIPTOR(a) must name the event-time attribute ts of t (line 1, column 42)",
  ],
  [
    "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE p, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
    "TUMBLE: table p has no event-time attribute; declare WATERMARK FOR ts AS ... in its CREATE TABLE (processing-time windows are not supported yet) (line 1, column 42)",
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

test("a WATERMARK on a column that is not a timestamp is refused when the table is read", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create(), { connectors: logConnectors });
  await tEnv.executeSql(
    "CREATE TABLE w (a INT, WATERMARK FOR a AS a) WITH ('connector' = 'log', 'log' = '/nonexistent/never-opened', 'topic' = 'w')",
  );
  await assert.rejects(tEnv.executeSql("SELECT a FROM w"), {
    code: "FLEUVE_SQL_VALIDATION",
    message:
      "table w: WATERMARK FOR a: the column must be TIMESTAMP(3) or TIMESTAMP_LTZ(3) (line 1, column 1)",
  });
});
