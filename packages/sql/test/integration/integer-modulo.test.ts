// `%` and MOD of two integer types as Flink 1.20 types them: the divisor's type (Calcite's
// NULLABLE_MOD: MOD(BIGINT, INT) is an INT, MOD(INT, TINYINT) a TINYINT), NOT NULL when both
// operands are; the remainder always fits it, and arithmetic on it wraps at that type (a TINYINT
// MOD plus a TINYINT wraps at 8 bits). The types and rows are what bench/flink (Flink 1.20,
// DESCRIBE of the view and its SELECT) printed on 2026-12-08 over the same json row.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { sql } from "@fleuve/sql";
import { assertFlinkColumns, env } from "../fixtures/one-row.js";

const dir = mkdtempSync(join(tmpdir(), "fleuve-integer-mod-"));
writeFileSync(join(dir, "t.json"), '{"id":1,"name":"a","v":10}\n');
const TABLE = `CREATE TABLE t (id INT, name STRING, v INT) WITH ('connector'='filesystem','path'='${dir}','format'='json')`;

/** [expression, Flink 1.20's DESCRIBE type ("?": nullable), its printed value]. */
const FLINK: [string, string, string][] = [
  ["MOD(CAST(7 AS TINYINT), CAST(3 AS TINYINT))", "TINYINT", "1"],
  ["MOD(CAST(7 AS TINYINT), CAST(3 AS SMALLINT))", "SMALLINT", "1"],
  ["MOD(CAST(7 AS TINYINT), 3)", "INT", "1"],
  ["MOD(CAST(7 AS TINYINT), CAST(3 AS BIGINT))", "BIGINT", "1"],
  ["MOD(CAST(7 AS SMALLINT), CAST(3 AS TINYINT))", "TINYINT", "1"],
  ["MOD(CAST(7 AS SMALLINT), 3)", "INT", "1"],
  ["MOD(CAST(7 AS SMALLINT), CAST(3 AS BIGINT))", "BIGINT", "1"],
  ["MOD(7, CAST(3 AS TINYINT))", "TINYINT", "1"],
  ["MOD(7, CAST(3 AS SMALLINT))", "SMALLINT", "1"],
  ["MOD(7, 3)", "INT", "1"],
  ["MOD(7, CAST(3 AS BIGINT))", "BIGINT", "1"],
  ["MOD(CAST(7 AS BIGINT), CAST(3 AS TINYINT))", "TINYINT", "1"],
  ["MOD(CAST(7 AS BIGINT), CAST(3 AS SMALLINT))", "SMALLINT", "1"],
  ["MOD(CAST(7 AS BIGINT), 3)", "INT", "1"],
  ["MOD(CAST(7 AS BIGINT), CAST(3 AS BIGINT))", "BIGINT", "1"],
  ["CAST(7 AS BIGINT) % 3", "INT", "1"],
  ["v % CAST(3 AS TINYINT)", "TINYINT?", "1"],
  ["MOD(id, v)", "INT?", "1"],
  ["MOD(CAST(10000000007 AS BIGINT), 10)", "INT", "7"],
  ["MOD(CAST(-10000000007 AS BIGINT), CAST(10 AS TINYINT))", "TINYINT", "-7"],
  ["MOD(-7, 3)", "INT", "-1"],
  ["MOD(7, -3)", "INT", "1"],
  ["MOD(CAST(-128 AS TINYINT), CAST(-1 AS TINYINT))", "TINYINT", "0"],
  ["MOD(CAST(300 AS INT), CAST(7 AS TINYINT)) + CAST(127 AS TINYINT)", "TINYINT", "-123"],
];

test("% and MOD of integers have the divisor's type, as in Flink 1.20", async () => {
  const tEnv = sql(env());
  await tEnv.executeSql(TABLE);
  await assertFlinkColumns(tEnv, "t", FLINK, { markNullable: true });
});
