// The result types of string functions of CHAR(n) and VARCHAR(n) arguments, as Flink 1.20 gives
// them (TYPEOF of each on Flink 1.20 via bench/flink run.sh sql, over c = 'abc' CHAR(3) NOT NULL,
// v = CAST('abc' AS VARCHAR(5)) NOT NULL and n a nullable CHAR(3)): Calcite's ARG0_NULLABLE for
// UPPER / LOWER / INITCAP, ARG0_NULLABLE_VARYING for TRIM, ARG0_VARYING and FORCE_NULLABLE for
// SUBSTRING / LEFT / RIGHT, DYADIC_STRING_SUM_PRECISION for ||, STRING for CONCAT, REPLACE, LPAD...
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { materialize, sql } from "@fleuve/sql";

const FROM =
  "FROM (SELECT 'abc' AS c, CAST('abc' AS VARCHAR(5)) AS v, CAST(x AS CHAR(3)) AS n FROM (VALUES ('abc'), (CAST(NULL AS STRING))) AS t(x))";

/** [expression, Flink 1.20's TYPEOF]. */
const FLINK_TYPES: [string, string][] = [
  ["UPPER(c)", "CHAR(3) NOT NULL"],
  ["LOWER(c)", "CHAR(3) NOT NULL"],
  ["INITCAP(c)", "CHAR(3) NOT NULL"],
  ["UPPER(v)", "VARCHAR(5) NOT NULL"],
  ["UPPER(n)", "CHAR(3)"],
  ["TRIM(c)", "VARCHAR(3) NOT NULL"],
  ["LTRIM(c)", "VARCHAR(3) NOT NULL"],
  ["RTRIM(c)", "VARCHAR(3) NOT NULL"],
  ["TRIM(BOTH 'a' FROM c)", "VARCHAR(3) NOT NULL"],
  ["TRIM(v)", "VARCHAR(5) NOT NULL"],
  ["TRIM(n)", "VARCHAR(3)"],
  ["c || c", "CHAR(6) NOT NULL"],
  ["c || 'x'", "CHAR(4) NOT NULL"],
  ["v || c", "VARCHAR(8) NOT NULL"],
  ["n || n", "CHAR(6)"],
  ["CONCAT(c, c)", "STRING NOT NULL"],
  ["CONCAT(c, v)", "STRING NOT NULL"],
  ["CONCAT(n, c)", "STRING"],
  ["CONCAT_WS('-', c, c)", "STRING NOT NULL"],
  ["SUBSTRING(c, 1, 2)", "VARCHAR(3)"],
  ["SUBSTRING(c FROM 2)", "VARCHAR(3)"],
  ["SUBSTR(c, 1, 2)", "VARCHAR(3)"],
  ["SUBSTRING(v, 1, 2)", "VARCHAR(5)"],
  ["LEFT(c, 2)", "VARCHAR(3)"],
  ["RIGHT(c, 2)", "VARCHAR(3)"],
  ["REPLACE(c, 'b', 'x')", "STRING NOT NULL"],
  ["REPLACE(n, 'b', 'x')", "STRING"],
  ["LPAD(c, 5, 'x')", "STRING NOT NULL"],
  ["RPAD(c, 5, 'x')", "STRING NOT NULL"],
  ["LPAD(n, 5, 'x')", "STRING"],
  ["REGEXP_REPLACE(c, 'b', 'x')", "STRING NOT NULL"],
  ["REPEAT(c, 2)", "STRING NOT NULL"],
  ["OVERLAY(c PLACING 'x' FROM 1)", "VARCHAR(4) NOT NULL"],
  ["OVERLAY(c PLACING 'xyz' FROM 1 FOR 1)", "VARCHAR(6) NOT NULL"],
  ["MD5(c)", "CHAR(32) NOT NULL"],
  ["TO_BASE64(c)", "STRING NOT NULL"],
  ["FROM_BASE64(c)", "STRING NOT NULL"],
  ["CHAR_LENGTH(c)", "INT NOT NULL"],
  ["LOCATE('b', c)", "INT NOT NULL"],
  ["ASCII(c)", "INT NOT NULL"],
  ["REVERSE(c)", "STRING"],
  ["SPLIT_INDEX(c, 'b', 0)", "STRING"],
  ["REGEXP_EXTRACT(c, 'a', 0)", "STRING"],
  ["IFNULL(c, 'x')", "CHAR(3) NOT NULL"],
  ["COALESCE(c, 'xy')", "VARCHAR(3) NOT NULL"],
];

test("string functions of CHAR(n) and VARCHAR(n) are typed as Flink 1.20 types them", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  const items = FLINK_TYPES.map(([e], i) => `TYPEOF(${e}) AS t${i}`).join(", ");
  const rows = await (await tEnv.executeSql(`SELECT ${items} ${FROM}`)).collect();
  // The row of x = 'abc' (the NULL row's n gives the same types: TYPEOF reads the compiled type).
  const row = rows[0] as Record<string, unknown>;
  const got = FLINK_TYPES.map(([e], i) => [e, row[`t${i}`]]);
  assert.deepEqual(got, FLINK_TYPES);
});

test("the values are as before and as Flink 1.20 gives them: a CHAR(3) keeps its padding through UPPER, || and SUBSTRING", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  const rows = await (
    await tEnv.executeSql(
      "SELECT UPPER(n) AS u, n || 'x' AS j, TRIM(n) AS t, SUBSTRING(n, 2) AS s, OVERLAY(n PLACING 'Z' FROM 2) AS o FROM (SELECT CAST(x AS CHAR(3)) AS n FROM (VALUES ('ab'), (CAST(NULL AS STRING))) AS t(x))",
    )
  ).collect();
  assert.deepEqual(materialize(rows), [
    { u: "AB ", j: "ab x", t: "ab", s: "b ", o: "aZ " },
    { u: null, j: null, t: null, s: null, o: null },
  ]);
});
