// The type of a DECIMAL quotient, as Flink's LogicalTypeMerging.findDivisionDecimalType derives it
// (scale max(6, s1 + p2 + 1), precision p1 - s1 + s2 + scale, past 38 digits the scale gives way).
// Expected types: Flink's LogicalTypeMergingTest and bench/sql-diff case 03 (DECIMAL(10, 2) / INT
// printed 3.4166666666667 by Flink 1.20).
import assert from "node:assert/strict";
import { test } from "node:test";
import { one } from "../fixtures/one-row.js";

test("a DECIMAL quotient is typed as Flink's findDivisionDecimalType", async () => {
  const { row, types } = await one(
    "SELECT CAST(10.25 AS DECIMAL(10, 2)) / 3 AS a, CAST(1 AS DECIMAL(32, 8)) / CAST(3 AS DECIMAL(38, 8)) AS b, " +
      "CAST(1 AS DECIMAL(30, 20)) / CAST(4 AS DECIMAL(30, 20)) AS c, CAST(7 AS DECIMAL(5, 0)) / 2.0 AS d, " +
      "CAST(7 AS DECIMAL(5, 0)) / CAST(2 AS DOUBLE) AS e",
  );
  assert.deepEqual(types, [
    "a DECIMAL(21, 13) NOT NULL",
    "b DECIMAL(38, 6) NOT NULL",
    "c DECIMAL(38, 8) NOT NULL",
    "d DECIMAL(12, 6) NOT NULL",
    "e DOUBLE NOT NULL",
  ]);
  assert.equal(row.c, 0.25);
  assert.equal(row.d, 3.5);
  assert.equal(row.e, 3.5);
  assert.ok(Math.abs((row.a as number) - 10.25 / 3) < 1e-12);
});

test("DECIMAL +, -, * and / give Flink's exact DecimalData values: no binary rounding left, / rounded HALF_UP to its scale", async () => {
  // Flink 1.20: 1.43 + 8.87 is 10.30, 0.23 - 0.15 is 0.08, 1.1 * 1.1 is 1.21, 0.908 * 1234567 is
  // 1120986.836, 1 / 3 of DECIMAL(5, 0)s is 0.333333 (scale 6) and 2 / 3 is 0.666667 (HALF_UP).
  const { row } = await one(
    "SELECT CAST(1.43 AS DECIMAL(10, 2)) + CAST(8.87 AS DECIMAL(10, 2)) AS s, " +
      "CAST(0.23 AS DECIMAL(10, 2)) - CAST(0.15 AS DECIMAL(10, 2)) AS d, " +
      "CAST(1.1 AS DECIMAL(5, 1)) * CAST(1.1 AS DECIMAL(5, 1)) AS m, 0.908 * 1234567 AS q1, " +
      "CAST(1 AS DECIMAL(5, 0)) / CAST(3 AS DECIMAL(5, 0)) AS third, CAST(2 AS DECIMAL(5, 0)) / CAST(3 AS DECIMAL(5, 0)) AS twoThirds, " +
      "CAST(-2 AS DECIMAL(5, 0)) / CAST(3 AS DECIMAL(5, 0)) AS negative, " +
      "CAST(1.43 AS DECIMAL(10, 2)) + CAST(8.87 AS DECIMAL(10, 2)) = 10.30 AS equal",
  );
  assert.deepEqual(row, {
    s: 10.3,
    d: 0.08,
    m: 1.21,
    q1: 1120986.836,
    third: 0.333333,
    twoThirds: 0.666667,
    negative: -0.666667,
    equal: true,
  });
});
