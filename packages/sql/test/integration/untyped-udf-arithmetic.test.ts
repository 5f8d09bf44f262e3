// Arithmetic with a user function's result. Flink always knows a UDF's result type (extracted
// from its Java signature: a double is DOUBLE, so DECIMAL(10, 2) * f() is DOUBLE, 1.9994999999999998
// for 1.50 * 1.333 on Flink 1.20). A TypeScript function without `resultType` has an unknown
// result type: the arithmetic is then on JavaScript numbers (as DOUBLE) and of unknown type, never
// rounded to the DECIMAL operand's scale (it was: 1.00 * third(1) gave 0.33). A declared
// DECIMAL(p, s) result is converted to that type as Flink converts a UDF's BigDecimal (HALF_UP to
// s digits), and arithmetic on it follows Flink's DECIMAL rules.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { materialize, scalarFunction, sql } from "@fleuve/sql";

function session() {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  tEnv.createFunction("third", (x: number) => x / 3);
  tEnv.createFunction("third_double", scalarFunction({ resultType: "DOUBLE", eval: (x: number) => x / 3 }));
  tEnv.createFunction(
    "third_dec",
    scalarFunction({ resultType: "DECIMAL(10, 4)", eval: (x: number) => x / 3 }),
  );
  return tEnv;
}

const rowsOf = async (q: string) => materialize(await (await session().executeSql(q)).collect());

test("DECIMAL with an untyped UDF's result is not rounded to the DECIMAL's scale, nor INT arithmetic wrapped", async () => {
  const third = 1 / 3;
  assert.deepEqual(
    await rowsOf(
      `SELECT CAST(1.00 AS DECIMAL(10, 2)) * third(1) AS m, third(1) * CAST(1.00 AS DECIMAL(10, 2)) AS m2,
        CAST(1.00 AS DECIMAL(10, 2)) + third(1) AS p, CAST(1.00 AS DECIMAL(10, 2)) - third(1) AS s,
        CAST(1.00 AS DECIMAL(10, 2)) / third(2) AS d, 1 + third(1) AS i,
        CAST(2147483647 AS INT) + third(3) AS w`,
    ),
    [{ m: third, m2: third, p: 1 + third, s: 1 - third, d: 1 / (2 / 3), i: 1 + third, w: 2147483648 }],
  );
  // Summed per row as computed: 1/3 + 2/3 (a DECIMAL rounding would give 0.33 + 0.67).
  assert.deepEqual(
    await rowsOf(
      "SELECT SUM(CAST(1.00 AS DECIMAL(10, 2)) * third(x)) AS s FROM (VALUES (1), (2)) AS t(x)",
    ).then((rows) => rows.at(-1)),
    { s: 1 / 3 + 2 / 3 },
  );
});

test("its type is unknown (TYPEOF says so); a declared result type gives Flink's typing", async () => {
  await assert.rejects(
    rowsOf("SELECT TYPEOF(CAST(1.00 AS DECIMAL(10, 2)) * third(1)) AS t"),
    /TYPEOF cannot tell the type of its argument/,
  );
  // Flink 1.20: DECIMAL(10, 2) * DOUBLE is DOUBLE (TYPEOF on Flink: DOUBLE NOT NULL for two literals).
  assert.deepEqual(
    await rowsOf(
      "SELECT TYPEOF(CAST(1.00 AS DECIMAL(10, 2)) * third_double(1)) AS t, CAST(1.00 AS DECIMAL(10, 2)) * third_double(1) AS v",
    ),
    [{ t: "DOUBLE", v: 1 / 3 }],
  );
  // DECIMAL(10, 4): the result 0.3333 (HALF_UP), times DECIMAL(10, 2) 1.50 is DECIMAL(20, 6) 0.49995.
  assert.deepEqual(
    await rowsOf(
      "SELECT third_dec(1) AS r, TYPEOF(CAST(1.50 AS DECIMAL(10, 2)) * third_dec(1)) AS t, CAST(1.50 AS DECIMAL(10, 2)) * third_dec(1) AS v, third_dec(2) AS h",
    ),
    [{ r: 0.3333, t: "DECIMAL(20, 6)", v: 0.49995, h: 0.6667 }],
  );
});
