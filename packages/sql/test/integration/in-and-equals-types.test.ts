// `=`, `<>` and IN between numbers and character strings, as Flink 1.20 types them (its validator
// runs without Calcite's implicit type coercion):
// - `=` / `<>` between a number and a string is refused when planned (ScalarOperatorGens'
//   checkImplicitConversionValidity, FLINK-24914; Flink's ImplicitConversionEqualsFunctionITCase
//   expects "implicit type conversion between VARCHAR and INTEGER is not supported now");
// - an IN list mixing numbers and strings is refused (Calcite's SqlInOperator: "Values in
//   expression list must have compatible types");
// - otherwise each IN value is cast to the left operand's type (SqlToRelConverter.convertInToOr
//   writes `x = CAST(v AS type of x)`), so `int_col IN ('1')` is TRUE for 1, not silently FALSE.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const env = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
const rowsOf = async (q: string) => (await env().executeSql(q)).collect();
const value = async (expr: string) => (await rowsOf(`SELECT ${expr} AS v`))[0]?.v;
const T = "(VALUES (1, 'a'), (2, '2'), (3, 'c')) AS t(n, s)";

async function rejects(q: string, message: RegExp, details: Record<string, unknown> = {}) {
  await assert.rejects(
    async () => rowsOf(q),
    (err: unknown) => {
      assert.ok(err instanceof FleuveError, String(err));
      assert.equal(err.code, "FLEUVE_SQL_VALIDATION");
      assert.match(err.message, message);
      for (const [k, v] of Object.entries(details)) assert.deepEqual(err.details?.[k], v, k);
      return true;
    },
    q,
  );
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
  await rejects(
    "SELECT '1.0' IN (1.0) AS v",
    /1\.0 \(DECIMAL\(2, 1\)\) in an IN list of CHAR\(3\): .*CAST it explicitly/,
  );
});
