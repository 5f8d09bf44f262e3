// ABS of an integer type keeps the type and wraps at its minimum as Java's Math.abs does; results
// checked on Flink 1.20 (bench/flink/run.sh sql): ABS(-2147483648) is -2147483648 (INT NOT NULL),
// ABS(CAST(-128 AS TINYINT)) is -128, ABS(CAST(-32768 AS SMALLINT)) is -32768 and ABS of
// BIGINT's minimum is that minimum.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

async function row(select: string): Promise<Record<string, unknown>> {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  const rows = (await (await tEnv.executeSql(`SELECT ${select}`)).collect()) as Record<string, unknown>[];
  return rows[0] ?? {};
}

test("ABS wraps at the minimum of INT, TINYINT, SMALLINT and BIGINT, as in Flink", async () => {
  assert.deepEqual(
    await row(
      "ABS(-2147483648) AS i, TYPEOF(ABS(-2147483648)) AS it, ABS(CAST(-128 AS TINYINT)) AS t, ABS(CAST(-32768 AS SMALLINT)) AS s, ABS(-9223372036854775808) AS b",
    ),
    { i: -2147483648, it: "INT NOT NULL", t: -128, s: -32768, b: -(2n ** 63n) },
  );
});

test("ABS elsewhere is the absolute value, of the argument's type", async () => {
  assert.deepEqual(
    await row(
      "ABS(-2147483647) AS i, ABS(CAST(-127 AS TINYINT)) AS t, ABS(-2147483649) AS b, TYPEOF(ABS(-2147483649)) AS bt, ABS(-1.5) AS d, ABS(CAST(-2.5 AS DOUBLE)) AS f",
    ),
    { i: 2147483647, t: 127, b: 2147483649, bt: "BIGINT NOT NULL", d: 1.5, f: 2.5 },
  );
});
