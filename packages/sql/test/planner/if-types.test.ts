// IF(condition, a, b) typed as Flink 1.20 types it: the branches' common type (a TIMESTAMP,
// TIMESTAMP_LTZ or TIME pair the first branch's), nullable when any of the three arguments is,
// the condition too; a condition that is not BOOLEAN, or branches of different families, refused
// with Flink's message. Every expectation is what bench/flink (Flink 1.20) gave for DESCRIBE of a
// view `SELECT <expression> AS r FROM t` over t's columns below (all NOT NULL but n; Flink's x was
// x'01', a BYTES NOT NULL too).
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const T = `(VALUES (1, CAST(1 AS BIGINT), CAST(1.5 AS DECIMAL(10, 2)), 1.0e0, CAST(1 AS SMALLINT), CAST(1 AS TINYINT),
  CAST(1.5 AS FLOAT), CAST(1.5 AS DECIMAL(5, 0)), CAST(NULL AS INT), 'k', TRUE, DATE '2020-01-01',
  TIMESTAMP '2020-01-01 00:00:00.123', CAST('a' AS BYTES), TIME '10:00:00', TO_TIMESTAMP_LTZ(0, 3)))
  AS t (i, b, d, f, si, ti, fl, d0, n, k, z, dt, ts, x, tm, lt)`;

/** [expression, Flink 1.20's "TYPE nullable" or its message (the part before the forms)]. */
const FLINK: [string, string][] = [
  ["IF(i > 0, 1, 2)", "INT false"],
  ["IF(i > 0, CAST(NULL AS INT), 2)", "INT true"],
  ["IF(i > 0, i, b)", "BIGINT false"],
  ["IF(i > 0, d, d0)", "DECIMAL(10, 2) false"],
  ["IF(i > 0, i, d)", "DECIMAL(12, 2) false"],
  ["IF(i > 0, f, i)", "DOUBLE false"],
  ["IF(i > 0, 'ab', 'abc')", "VARCHAR(3) false"],
  ["IF(i > 0, k, 'xyz')", "VARCHAR(3) false"],
  ["IF(CAST(NULL AS BOOLEAN), 1, 2)", "INT true"],
  ["IF(i > 0, si, ti)", "SMALLINT false"],
  ["IF(i > 0, d, 1)", "DECIMAL(12, 2) false"],
  ["IF(i > 0, fl, d)", "DOUBLE false"],
  ["IF(i > 0, CAST('x' AS VARCHAR(3)), CAST('y' AS CHAR(5)))", "VARCHAR(5) false"],
  ["IF(n > 0, 1, 2)", "INT true"],
  ["IF(i > 0, n, 2)", "INT true"],
  ["IF(i > 0, 1, n)", "INT true"],
  ["IF(i > 0, DATE '2020-01-01', DATE '2020-01-02')", "DATE false"],
  ["IF(i > 0, TIMESTAMP '2020-01-01 00:00:00', TIMESTAMP '2020-01-01 00:00:00.123')", "TIMESTAMP(0) false"],
  ["IF(n > 0, CAST(ts AS TIMESTAMP(0)), ts)", "TIMESTAMP(0) true"],
  ["IF(n > 0, ts, CAST(ts AS TIMESTAMP(0)))", "TIMESTAMP(3) true"],
  ["IF(n > 0, CAST(lt AS TIMESTAMP_LTZ(0)), lt)", "TIMESTAMP_LTZ(0) true"],
  ["IF(n > 0, CAST('1' AS DECIMAL(5, 1)), CAST('1' AS DECIMAL(7, 3)))", "DECIMAL(7, 3) true"],
  ["IF(z, x, x)", "BYTES false"],
  ["IF(z, dt, dt)", "DATE false"],
  ["IF(z, i, 1.5e0)", "DOUBLE false"],
  ["IF(z, tm, tm)", "TIME(0) false"],
  ["IF(z, 1, 'a')", "Cannot apply 'IF' to arguments of type 'IF(<BOOLEAN>, <INTEGER>, <CHAR(1)>)'"],
  ["IF(i, 1, 2)", "Cannot apply 'IF' to arguments of type 'IF(<INTEGER>, <INTEGER>, <INTEGER>)'"],
  ["IF(k, 1, 2)", "Cannot apply 'IF' to arguments of type 'IF(<CHAR(1)>, <INTEGER>, <INTEGER>)'"],
  ["IF(z, dt, ts)", "Cannot apply 'IF' to arguments of type 'IF(<BOOLEAN>, <DATE>, <TIMESTAMP(3)>)'"],
  ["IF(z, 1, z)", "Cannot apply 'IF' to arguments of type 'IF(<BOOLEAN>, <INTEGER>, <BOOLEAN>)'"],
  ["IF(z, k, dt)", "Cannot apply 'IF' to arguments of type 'IF(<BOOLEAN>, <CHAR(1)>, <DATE>)'"],
  ["IF(z, ts, k)", "Cannot apply 'IF' to arguments of type 'IF(<BOOLEAN>, <TIMESTAMP(3)>, <CHAR(1)>)'"],
  [
    "IF(z, x, k)",
    "Cannot apply 'IF' to arguments of type 'IF(<BOOLEAN>, <VARBINARY(2147483647)>, <CHAR(1)>)'",
  ],
  [
    "IF(z, ARRAY[1], ARRAY[2])",
    "Cannot apply 'IF' to arguments of type 'IF(<BOOLEAN>, <INTEGER ARRAY>, <INTEGER ARRAY>)'",
  ],
];

const FORMS = `Supported form(s): 'IF(<ANY_TYPE>, <NUMERIC_TYPE>, <NUMERIC_TYPE>)'
'IF(<BOOLEAN>, <CHARACTER>, <CHARACTER>)'
'IF(<BOOLEAN>, <BOOLEAN>, <BOOLEAN>)'
'IF(<BOOLEAN>, <CHARACTER>, <CHARACTER>)'
'IF(<BOOLEAN>, <BINARY>, <BINARY>)'
'IF(<BOOLEAN>, <DATE>, <DATE>)'
'IF(<BOOLEAN>, <TIMESTAMP>, <TIMESTAMP>)'
'IF(<BOOLEAN>, <TIME>, <TIME>)'`;

test("IF's type and nullability, and the argument types it refuses, as Flink 1.20's DESCRIBE", async () => {
  for (const [expression, flink] of FLINK) {
    const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
    const got = await tEnv
      .executeSql(`CREATE VIEW v AS SELECT ${expression} AS r FROM ${T}`)
      .then(() => tEnv.executeSql("DESCRIBE v"))
      .then((r) => r.collect())
      .then(
        (rows) => `${rows[0]?.type} ${rows[0]?.null}`,
        (err: Error) => err.message,
      );
    if (flink.startsWith("Cannot apply")) {
      assert.ok(got.startsWith(`${flink}. ${FORMS}`), `${expression}: ${got}`);
      assert.match(got, /line 1, column \d+/, expression);
    } else assert.equal(got, flink, expression);
  }
});

test("IF picks its branch by the condition, NULL as FALSE", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  const rows = await (
    await tEnv.executeSql(`SELECT IF(i > 0, 1, 2) AS a, IF(n > 0, 1, 2) AS r, IF(i > 0, i, d) AS e FROM ${T}`)
  ).collect();
  // Flink 1.20 printed 1, 2, 1.00 for these.
  assert.deepEqual(
    rows.map(({ a, r, e }) => [a, r, e]),
    [[1, 2, 1]],
  );
});
