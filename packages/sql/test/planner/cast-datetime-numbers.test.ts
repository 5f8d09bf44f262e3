// CAST between a date or time and a number or BOOLEAN: Flink 1.20's validator refuses them all
// (LogicalTypeCasts; bench/flink/run.sh sql gives each message below), CAST and TRY_CAST alike.
// Fleuve holds dates and times as epoch milliseconds, so before these were refused a query got
// that internal number (CAST(ts AS INT) gave 1704103201000, past INT's range) or a timestamp read
// from a number of seconds as milliseconds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import { env, one } from "../fixtures/one-row.js";

/** Flink 1.20's message for each refused cast (its ValidationException's text). */
const refused: [string, string][] = [
  [
    "CAST(TIMESTAMP '2024-01-01 10:00:01' AS BIGINT)",
    "The cast from TIMESTAMP type to NUMERIC type is not allowed. It's recommended to use UNIX_TIMESTAMP(CAST(timestamp_col AS STRING)) instead",
  ],
  [
    "TRY_CAST(TIMESTAMP '2024-01-01 10:00:01' AS INT)",
    "The cast from TIMESTAMP type to NUMERIC type is not allowed",
  ],
  [
    "CAST(TO_TIMESTAMP_LTZ(0, 3) AS BIGINT)",
    "The cast from TIMESTAMP_LTZ type to NUMERIC type is not allowed",
  ],
  [
    "CAST(TO_TIMESTAMP_LTZ(0, 3) AS DOUBLE)",
    "The cast from TIMESTAMP_LTZ type to NUMERIC type is not allowed",
  ],
  [
    "CAST(1704103201 AS TIMESTAMP(3))",
    "The cast from NUMERIC type to TIMESTAMP type is not allowed. It's recommended to use TO_TIMESTAMP(FROM_UNIXTIME(numeric_col)) instead",
  ],
  [
    "CAST(1.5 AS TIMESTAMP_LTZ(3))",
    "The cast from NUMERIC type to TIMESTAMP_LTZ type is not allowed. It's recommended to use TO_TIMESTAMP_LTZ(numeric_col, precision) instead",
  ],
  ["CAST(DATE '2024-01-01' AS INT)", "Cast function cannot convert value of type DATE to type INT"],
  [
    "CAST(DATE '2024-01-01' AS DECIMAL(10, 0))",
    "Cast function cannot convert value of type DATE to type DECIMAL",
  ],
  ["CAST(TIME '10:00:00' AS BIGINT)", "Cast function cannot convert value of type TIME to type BIGINT"],
  [
    "CAST(TIMESTAMP '2024-01-01 10:00:01' AS BOOLEAN)",
    "Cast function cannot convert value of type TIMESTAMP to type BOOLEAN",
  ],
  ["CAST(TRUE AS TIMESTAMP(3))", "Cast function cannot convert value of type BOOLEAN to type TIMESTAMP"],
];

for (const [cast, message] of refused) {
  test(`${cast} is refused when planned, as Flink refuses it`, () => {
    const tEnv = sql(env());
    assert.throws(
      () => tEnv.sqlQuery(`SELECT ${cast} AS x`),
      (err: unknown) =>
        err instanceof FleuveError &&
        err.code === "FLEUVE_SQL_VALIDATION" &&
        err.message.includes(message) &&
        err.details?.column === 8,
    );
  });
}

test("a column of a timestamp type is refused too, naming both types", async () => {
  const e = env();
  const tEnv = sql(e);
  tEnv.createTemporaryView("t", e.fromCollection([{ id: 1, ts: 1704103201000 }]), "id INT, ts TIMESTAMP(3)");
  await assert.rejects(
    async () => tEnv.executeSql("SELECT id,\n  CAST(ts AS INT) FROM t"),
    (err: unknown) =>
      err instanceof FleuveError &&
      err.message.startsWith("CAST from TIMESTAMP to INT: The cast from TIMESTAMP type to NUMERIC type") &&
      err.details?.line === 2 &&
      err.details?.column === 3,
  );
});

test("the casts Flink takes between these types still run", async () => {
  // Flink: BOOLEAN and numbers cast both ways, a DATE to a timestamp, a timestamp to a DATE, TIME
  // or STRING, and text to each.
  const { row } = await one(
    `SELECT CAST(TRUE AS INT) AS bi, CAST(0 AS BOOLEAN) AS ib,
       CAST(CAST(DATE '2024-01-01' AS TIMESTAMP(3)) AS STRING) AS dts,
       CAST(CAST(TIMESTAMP '2024-01-01 10:00:01' AS DATE) AS STRING) AS tsd,
       CAST(CAST(TIMESTAMP '2024-01-01 10:00:01' AS TIME) AS STRING) AS tst,
       CAST(CAST('2024-01-01 10:00:01' AS TIMESTAMP_LTZ(3)) AS STRING) AS sltz`,
  );
  assert.deepEqual(row, {
    bi: 1,
    ib: false,
    dts: "2024-01-01 00:00:00.000",
    tsd: "2024-01-01",
    tst: "10:00:01",
    sltz: "2024-01-01 10:00:01.000",
  });
});
