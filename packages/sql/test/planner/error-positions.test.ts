// Planner errors raised for a node the parser gives no position (MAP[...], a typed literal, LIKE's
// SIMILAR TO form) point at the nearest enclosing node that has one, with the same code.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const cases: [string, string, string][] = [
  [
    "SELECT UPPER(MAP['a'])",
    "FLEUVE_SQL_VALIDATION",
    "MAP[...] needs key, value pairs: it has an odd number of entries (line 1, column 8)",
  ],
  [
    "SELECT 1,\n  CHAR_LENGTH(CAST(TIMESTAMP 'nope' AS STRING))",
    "FLEUVE_SQL_VALIDATION",
    // The nearest node with a position: the CAST (which has one since CAST errors point at it).
    "TIMESTAMP 'nope' is not a valid timestamp (line 2, column 15)",
  ],
  [
    "SELECT ABS('a' SIMILAR TO 'a]')",
    "FLEUVE_SQL_VALIDATION",
    "Invalid regular expression 'a]', index 1 (line 1, column 8)",
  ],
  // Exact numeric literals whose digits do not fit a long (Calcite's validateLiteral, checked on
  // Flink 1.20), with or without a point; the sign is read with the digits.
  [
    "SELECT 12345678901234567890",
    "FLEUVE_SQL_VALIDATION",
    "Numeric literal '12345678901234567890' out of range (line 1, column 8)",
  ],
  [
    "SELECT 1,\n  1234567890123456789.5",
    "FLEUVE_SQL_VALIDATION",
    "Numeric literal '1234567890123456789.5' out of range (line 2, column 3)",
  ],
  [
    "SELECT ABS(9223372036854775808)",
    "FLEUVE_SQL_VALIDATION",
    "Numeric literal '9223372036854775808' out of range (line 1, column 12)",
  ],
  [
    "SELECT -9223372036854775809",
    "FLEUVE_SQL_VALIDATION",
    "Numeric literal '-9223372036854775809' out of range (line 1, column 9)",
  ],
];

for (const [q, code, message] of cases) {
  test(`${code}: ${q.replace(/\n/g, " ")} points at the SQL`, async () => {
    const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
    await assert.rejects(tEnv.executeSql(q), (e: unknown) => {
      assert.ok(e instanceof FleuveError);
      assert.equal(e.code, code);
      assert.equal(e.message, message);
      assert.equal(typeof e.details.line, "number");
      assert.equal(typeof e.details.column, "number");
      return true;
    });
  });
}

// Errors inside WITH (CTE) bodies, LIMIT / OFFSET, ROLLUP / CUBE / GROUPING SETS and
// MATCH_RECOGNIZE's DEFINE and WITHIN point at the offending text and name the problem.
const DDL =
  "CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen')";
const MATCH = (pattern: string, define: string) =>
  `SELECT * FROM t MATCH_RECOGNIZE (\n  PARTITION BY k\n  ORDER BY ts\n  MEASURES A.v AS av\n  ${pattern}\n  DEFINE ${define}\n)`;

const tableCases: [string, string, string | RegExp][] = [
  // WITH
  [
    "WITH a AS (\n  SELECT k, nope FROM t\n)\nSELECT * FROM a",
    "FLEUVE_SQL_VALIDATION",
    "Column 'nope' not found in any table (line 2, column 13)",
  ],
  [
    "WITH a AS (SELECT k FROM t),\n  b AS (SELECT * FROM a JOIN missing ON TRUE)\nSELECT * FROM b",
    "FLEUVE_SQL_VALIDATION",
    // b's body sees t and a (defined before it), not b itself.
    "unknown table missing; defined: a, t (line 2, column 30)",
  ],
  [
    "WITH a AS (SELECT k FROM t)\nSELECT k, v FROM a",
    "FLEUVE_SQL_VALIDATION",
    "Column 'v' not found in any table (line 2, column 11)",
  ],
  [
    "WITH a AS (SELECT k FROM t), a AS (SELECT v FROM t) SELECT * FROM a",
    "FLEUVE_SQL_VALIDATION",
    "WITH names a twice (line 1, column 30)",
  ],
  // LIMIT and OFFSET
  [
    "SELECT k FROM t\nLIMIT -1",
    "FLEUVE_SQL_VALIDATION",
    "LIMIT -1: the number of rows must be an integer literal >= 0 (line 2, column 1)",
  ],
  [
    "SELECT k FROM t LIMIT 'a'",
    "FLEUVE_SQL_VALIDATION",
    "LIMIT 'a': the number of rows must be an integer literal >= 0 (line 1, column 17)",
  ],
  [
    "SELECT k FROM t FETCH FIRST 2.5 ROWS ONLY",
    "FLEUVE_SQL_VALIDATION",
    "LIMIT 2.5: the number of rows must be an integer literal >= 0 (line 1, column 17)",
  ],
  [
    "SELECT k FROM t LIMIT 2 OFFSET k",
    "FLEUVE_SQL_VALIDATION",
    "OFFSET k: the number of rows must be an integer literal >= 0 (line 1, column 25)",
  ],
  [
    "SELECT k FROM t ORDER BY 2 LIMIT 3",
    "FLEUVE_SQL_VALIDATION",
    "ORDER BY 2: the ordinal is out of range 1..1 (line 1, column 28)",
  ],
  [
    "SELECT k FROM t\nORDER BY k",
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run ORDER BY without LIMIT yet (line 2, column 10): Sort on a non-time-attribute field is not supported. A streaming ORDER BY needs a LIMIT (a Top-N), or a time attribute (event or processing time) ascending first",
  ],
  // ROLLUP, CUBE, GROUPING SETS
  [
    "SELECT k, COUNT(*) AS n\nFROM t GROUP BY ROLLUP (k, nope)",
    "FLEUVE_SQL_VALIDATION",
    "Column 'nope' not found in any table (line 2, column 28)",
  ],
  [
    "SELECT k, COUNT(*) AS n FROM t GROUP BY CUBE ((k, nope))",
    "FLEUVE_SQL_VALIDATION",
    "Column 'nope' not found in any table (line 1, column 51)",
  ],
  [
    "SELECT k, COUNT(*) AS n FROM t GROUP BY GROUPING SETS ((k), (nope), ())",
    "FLEUVE_SQL_VALIDATION",
    "Column 'nope' not found in any table (line 1, column 62)",
  ],
  [
    "SELECT window_start, k, COUNT(*) AS n\nFROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))\nGROUP BY window_start, window_end, ROLLUP (k, nope)",
    "FLEUVE_SQL_VALIDATION",
    "Column 'nope' not found in any table (line 3, column 47)",
  ],
  // MATCH_RECOGNIZE: DEFINE and WITHIN
  [
    MATCH("PATTERN (A B)", "A AS A.v > 0,\n    C AS C.v > 1"),
    "FLEUVE_SQL_VALIDATION",
    "DEFINE C: C is not a variable of the PATTERN (A, B) (line 7, column 5)",
  ],
  [
    MATCH("PATTERN (A B)", "A AS A.v > 0, B AS B.nope > A.v"),
    "FLEUVE_SQL_VALIDATION",
    "unknown column B.nope in DEFINE B: the input has k, v, ts (line 6, column 29)",
  ],
  [
    MATCH("PATTERN (A B)", "A AS A.v > 0, B AS X.v > A.v"),
    "FLEUVE_SQL_VALIDATION",
    "X.v in DEFINE B: X is not a pattern variable (A, B) (line 6, column 29)",
  ],
  [
    // No node of the condition has a position: the error points at the variable defined.
    MATCH("PATTERN (A B)", "A AS A.v > 0, B AS MAP['a'] IS NULL"),
    "FLEUVE_SQL_VALIDATION",
    "MAP[...] needs key, value pairs: it has an odd number of entries (line 6, column 24)",
  ],
  [
    MATCH("PATTERN (A B) WITHIN INTERVAL 'x' SECOND", "A AS A.v > 0"),
    "FLEUVE_SQL_VALIDATION",
    "WITHIN INTERVAL 'x' SECOND: interval value 'x' is not a number (line 5, column 24)",
  ],
  [
    MATCH("PATTERN (A B) WITHIN INTERVAL '0' SECOND", "A AS A.v > 0"),
    "FLEUVE_SQL_VALIDATION",
    "WITHIN INTERVAL '0' SECOND: the interval must be positive (line 5, column 24)",
  ],
  [
    MATCH("PATTERN (A B) WITHIN INTERVAL '1' YEAR", "A AS A.v > 0"),
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run INTERVAL ... YEAR as a duration yet (line 5, column 24): a year-month interval has no fixed length (months differ); use a unit of week or less here, as Flink takes only day-time intervals for durations",
  ],
  // MATCH_RECOGNIZE: what Flink refuses points at its clause (the pattern's terms have no
  // position: their errors point at PATTERN).
  [
    MATCH("ALL ROWS PER MATCH\n  PATTERN (A B)", "A AS A.v > 0"),
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run ALL ROWS PER MATCH yet (line 5, column 3): Flink supports ONE ROW PER MATCH only",
  ],
  [
    MATCH("PATTERN (A B)\n  SUBSET S = (A, B)", "A AS A.v > 0"),
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run SUBSET in MATCH_RECOGNIZE yet (line 6, column 3): Flink does not support it",
  ],
  [
    MATCH("PATTERN (A B+)", "A AS A.v > 0"),
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run a greedy quantifier on the last variable (B+) yet (line 5, column 3): Greedy quantifiers are not allowed as the last element of a Pattern yet. Finish your pattern with either a simple variable or reluctant quantifier (as in Flink)",
  ],
  [
    MATCH("PATTERN (A | B)", "A AS A.v > 0"),
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run pattern alternation (A | B) yet (line 5, column 3): Flink's CEP does not support branching patterns",
  ],
  [
    MATCH("PATTERN (A B A)", "A AS A.v > 0"),
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run pattern variable A used twice yet (line 5, column 3): pattern variables must be unique (as in Flink)",
  ],
  [
    "SELECT * FROM (SELECT k, MAX(ts) AS ts FROM t GROUP BY k)\n  MATCH_RECOGNIZE (ORDER BY ts MEASURES A.k AS ak PATTERN (A) DEFINE A AS TRUE)",
    "FLEUVE_SQL_UNSUPPORTED",
    /^Fleuve SQL does not run MATCH_RECOGNIZE over an updating input yet \(line 2, column 3\): GroupAggregate/,
  ],
];

for (const [q, code, message] of tableCases) {
  test(`${code}: ${q.replace(/\n\s*/g, " ")} points at the SQL`, async () => {
    const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
    await tEnv.executeSql(DDL);
    await assert.rejects(tEnv.executeSql(q), (e: unknown) => {
      assert.ok(e instanceof FleuveError, String(e));
      assert.equal(e.code, code);
      if (typeof message === "string") assert.equal(e.message, message);
      else assert.match(e.message, message);
      assert.equal(typeof e.details.line, "number");
      assert.equal(typeof e.details.column, "number");
      return true;
    });
  });
}

// A column's name and the position's column are distinct details: `column` is where in the SQL
// text (as for every SQL error), `columnName` the column the error is about.
test("FLEUVE_SQL_VALIDATION about a column: details.columnName names it, details.line / column say where", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql(DDL);
  const details = async (q: string) => {
    let caught: unknown;
    await tEnv.executeSql(q).catch((e: unknown) => {
      caught = e;
    });
    assert.ok(caught instanceof FleuveError && caught.code === "FLEUVE_SQL_VALIDATION", String(caught));
    return caught.details;
  };
  const unknown = await details("SELECT k,\n  nope FROM t");
  assert.equal(unknown.columnName, "nope");
  assert.equal(unknown.line, 2);
  assert.equal(unknown.column, 3);
  assert.deepEqual(unknown.columns, ["k", "v", "ts"]);
  const notGrouped = await details("SELECT k, v FROM t GROUP BY k");
  assert.deepEqual([notGrouped.columnName, notGrouped.line, notGrouped.column], ["v", 1, 11]);
  // Checked when the table is created, at the WATERMARK's column.
  const watermark = await details(
    "CREATE TABLE w (k STRING, v INT, WATERMARK FOR v AS v) WITH ('connector' = 'datagen')",
  );
  assert.equal(watermark.table, "w");
  assert.equal(watermark.columnName, "v");
  assert.deepEqual([watermark.line, watermark.column], [1, 48]);
});
