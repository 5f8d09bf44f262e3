// A column reference naming no column is refused with Calcite's words, as Flink 1.20 says them
// (probed on bench/flink over the same table), at its line and column: "Column 'x' not found in
// any table", "... in table 't'" for t.x, "Table 'u' not found" for a qualifier naming no table,
// and "; did you mean 'id'?" when a name differs from one of the table's in case only.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

test("an unknown column's message is Flink's, with its line and column", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql(
    "CREATE TABLE t (id INT, name STRING, v INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1')",
  );
  const cases: [string, string][] = [
    ["SELECT x FROM t", "Column 'x' not found in any table (line 1, column 8)"],
    ["SELECT t.x FROM t", "Column 'x' not found in table 't' (line 1, column 8)"],
    ["SELECT ID FROM t", "Column 'ID' not found in any table; did you mean 'id'? (line 1, column 8)"],
    ["SELECT Name FROM t", "Column 'Name' not found in any table; did you mean 'name'? (line 1, column 8)"],
    ["SELECT nam FROM t", "Column 'nam' not found in any table (line 1, column 8)"],
    ["SELECT t.ID FROM t", "Column 'ID' not found in table 't'; did you mean 'id'? (line 1, column 8)"],
    ["SELECT T.id FROM t", "Table 'T' not found; did you mean 't'? (line 1, column 8)"],
    ["SELECT u.id FROM t", "Table 'u' not found (line 1, column 8)"],
    ["SELECT x.id FROM t AS x2", "Table 'x' not found (line 1, column 8)"],
    [
      "SELECT id FROM t WHERE NAME = 'a'",
      "Column 'NAME' not found in any table; did you mean 'name'? (line 1, column 24)",
    ],
    ["SELECT a.ID FROM t AS a", "Column 'ID' not found in table 'a'; did you mean 'id'? (line 1, column 8)"],
    ["SELECT `ID` FROM t", "Column 'ID' not found in any table; did you mean 'id'? (line 1, column 8)"],
    [
      "SELECT a.id FROM t AS a JOIN t AS b ON a.id = b.ID",
      "Column 'ID' not found in table 'b'; did you mean 'id'? (line 1, column 47)",
    ],
  ];
  for (const [q, message] of cases)
    await assert.rejects(
      async () => tEnv.executeSql(q),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, "FLEUVE_SQL_VALIDATION", q);
        assert.equal(e.message, message, q);
        return true;
      },
    );
});
