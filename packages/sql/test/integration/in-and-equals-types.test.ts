// `=`, `<>` and IN between numbers and character strings, as Flink 1.20 types them (its validator
// runs without Calcite's implicit type coercion):
// - `=` / `<>` between a number and a string is refused when planned (ScalarOperatorGens'
//   checkImplicitConversionValidity, FLINK-24914; Flink's ImplicitConversionEqualsFunctionITCase
//   expects "implicit type conversion between VARCHAR and INTEGER is not supported now");
// - an IN list mixing numbers and strings is refused (Calcite's SqlInOperator: "Values in
//   expression list must have compatible types");
// - otherwise each IN value of another SQL type name is cast to the left operand's type
//   (SqlToRelConverter.convertInToOr writes `x = CAST(v AS type of x)`), so `int_col IN ('1')` is
//   TRUE for 1, not silently FALSE, and `'1.0' IN (1.0)` TRUE as on Flink 1.20.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import { rejectsValidation } from "../fixtures/validation-error.js";

const env = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
const rowsOf = async (q: string) => (await env().executeSql(q)).collect();
const value = async (expr: string) => (await rowsOf(`SELECT ${expr} AS v`))[0]?.v;
const T = "(VALUES (1, 'a'), (2, '2'), (3, 'c')) AS t(n, s)";

async function rejects(q: string, message: RegExp, details: Record<string, unknown> = {}) {
  await rejectsValidation(async () => rowsOf(q), message, details, q);
}

test("= and <> between a number and a character string are refused, naming both types and the place", async () => {
  // A character literal is a CHAR of its length, as Calcite names it: '1' is CHAR(1).
  await rejects("SELECT 1 = '1' AS v", /1 = '1': = between INT and CHAR\(1\): implicit type conversion/, {
    operator: "=",
    leftType: "INT",
    rightType: "CHAR(1)",
  });
  await rejects(
    `SELECT n FROM ${T}\n WHERE n = '2'`,
    /n = '2': = between INT and CHAR\(1\).*\(line 2, column 8\)/,
    {
      leftType: "INT",
      rightType: "CHAR(1)",
      line: 2,
      column: 8,
    },
  );
  await rejects(`SELECT n FROM ${T} WHERE s <> n`, /s <> n: <> between CHAR\(1\) and INT/, {
    operator: "<>",
    leftType: "CHAR(1)",
    rightType: "INT",
  });
  await rejects("SELECT CAST(1 AS DOUBLE) = '1.0' AS v", /= between DOUBLE and CHAR\(3\)/);
  await rejects(
    "SELECT CAST(1 AS BIGINT) = CAST('1' AS VARCHAR(3)) AS v",
    /= between BIGINT and VARCHAR\(3\)/,
  );
});

test("= between a number and a string compares once either side is CAST, as Flink asks", async () => {
  assert.equal(await value("1 = CAST('1' AS INT)"), true);
  assert.equal(await value("CAST(1 AS STRING) = '1'"), true);
  assert.equal(await value("CAST(1 AS STRING) <> '01'"), true);
  assert.deepEqual(await rowsOf(`SELECT n FROM ${T} WHERE TRY_CAST(s AS INT) = n`), [{ n: 2 }]);
  // Numbers of different types and strings of different types still compare (Flink's
  // implicitConversionBetweenNumeric cases are all TRUE for 1).
  assert.equal(await value("CAST(1 AS TINYINT) = CAST(1 AS DECIMAL(1, 0))"), true);
  assert.equal(await value("CAST(1 AS BIGINT) = CAST(1 AS DOUBLE)"), true);
  assert.equal(await value("CAST('x' AS VARCHAR(3)) = 'x'"), true);
});

test("IN: a list of strings against a number is cast to the number's type", async () => {
  assert.equal(await value("1 IN ('1')"), true);
  assert.equal(await value("2 IN ('1', '3')"), false);
  assert.equal(await value("2 NOT IN ('1', '3')"), true);
  assert.equal(await value("2 IN ('1', CAST(NULL AS STRING))"), null);
  assert.deepEqual(await rowsOf(`SELECT n FROM ${T} WHERE n IN ('2', '3')`), [{ n: 2 }, { n: 3 }]);
  assert.deepEqual(await rowsOf(`SELECT n FROM ${T} WHERE n NOT IN ('2')`), [{ n: 1 }, { n: 3 }]);
  // A string column in the list is cast per row.
  assert.deepEqual(await rowsOf(`SELECT n FROM (VALUES (2, '2'), (3, '4')) AS t(n, s) WHERE n IN (s)`), [
    { n: 2 },
  ]);
});

test("IN: a list of integers against a string is cast to the string's type", async () => {
  assert.equal(await value("'1' IN (1, 2)"), true);
  assert.equal(await value("'a' IN (1)"), false);
  assert.equal(await value("'01' IN (1)"), false);
  assert.deepEqual(await rowsOf(`SELECT n FROM ${T} WHERE s IN (2, 3)`), [{ n: 2 }]);
});

test("IN: numbers and strings mixed in the list, or a value that does not cast, are refused when planned", async () => {
  await rejects(
    "SELECT 1 IN (1, '1') AS v",
    /values in the IN list must have compatible types, got INT and CHAR\(1\)/,
    {
      operator: "IN",
    },
  );
  await rejects(`SELECT n FROM ${T}\nWHERE n IN ('1', 2)`, /compatible types.*\(line 2, column 7\)/, {
    line: 2,
    column: 7,
  });
  await rejects("SELECT 1 IN ('x') AS v", /'x' in an IN list of INT does not cast to INT/);
});

test("IN casts each value of another type to the left operand's, as Flink 1.20 answers (run.sh sql)", async () => {
  // [expression, Flink 1.20's result]: CAST(1 AS CHAR(2)) is '1 ', CAST(123 AS CHAR(2)) '12',
  // CAST(1.0 AS CHAR(1)) '1', CAST(1.5 AS INT) 1, CAST(TRUE AS CHAR(4)) 'TRUE'; a CHAR against a
  // CHAR of another length and a CHAR against a VARCHAR are not cast (Calcite's ensureSqlType).
  const cases: [string, boolean][] = [
    ["'12' IN (1)", false],
    ["'12' IN (123)", true],
    ["'1 ' IN (1)", true],
    ["'12' NOT IN (1)", true],
    ["'1.0' IN (1.0)", true],
    ["'1' IN (1.0)", true],
    ["'1.00' IN (1.0)", false],
    ["'1.0' IN (CAST(1 AS DOUBLE))", true],
    ["'1.0E10' IN (CAST(1e10 AS DOUBLE))", true],
    ["1 IN (1.5)", true],
    ["1.5 IN (1)", false],
    ["1 IN (CAST(1.9 AS DOUBLE))", true],
    ["'true' IN (TRUE)", false],
    ["TRUE IN ('true')", true],
    ["DATE '2024-01-01' IN ('2024-01-01')", true],
    ["TIMESTAMP '2024-01-01 00:00:00' IN ('2024-01-01 00:00:00')", true],
    ["'2024-01-01 00:00:00' IN (TIMESTAMP '2024-01-01 00:00:00')", true],
    ["'abc' IN (CAST('abcde' AS VARCHAR(5)))", true],
    ["'ab' IN ('abc')", false],
    ["CAST('ab' AS VARCHAR(2)) IN ('abc')", false],
  ];
  for (const [expr, expected] of cases) assert.equal(await value(expr), expected, expr);
  // A STRING operand: the values cast to STRING, unpadded (Flink: '1 ' and '12' FALSE, '1' TRUE).
  assert.deepEqual(
    await rowsOf(
      "SELECT s IN (1) AS a, s IN (123) AS b, s IN (1.5) AS c, s IN (TRUE) AS d FROM (VALUES (CAST('1 ' AS STRING)), ('12'), ('1'), ('123'), ('1.5'), ('TRUE')) AS t(s)",
    ),
    [
      { a: false, b: false, c: false, d: false },
      { a: false, b: false, c: false, d: false },
      { a: true, b: false, c: false, d: false },
      { a: false, b: true, c: false, d: false },
      { a: false, b: false, c: true, d: false },
      { a: false, b: false, c: false, d: true },
    ],
  );
});

test("IN is BOOLEAN NOT NULL when its operand and values are (Flink 1.20's TYPEOF and DESCRIBE)", async () => {
  assert.equal(await value("TYPEOF('12' IN (1))"), "BOOLEAN NOT NULL");
  assert.equal(await value("TYPEOF('12' NOT IN (1))"), "BOOLEAN NOT NULL");
  assert.equal(await value("TYPEOF(1 IN (1, CAST(NULL AS INT)))"), "BOOLEAN");
  assert.deepEqual(
    await rowsOf(
      "SELECT TYPEOF(s IN (1)) AS a, TYPEOF(n IN (1)) AS b FROM (VALUES ('1', CAST(NULL AS INT))) AS t(s, n)",
    ),
    [{ a: "BOOLEAN NOT NULL", b: "BOOLEAN" }],
  );
});
