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
    "SELECT ABS(1 SIMILAR TO 'x')",
    "FLEUVE_SQL_UNSUPPORTED",
    "Fleuve SQL does not run SIMILAR TO yet (line 1, column 8)",
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
