// Arithmetic as Flink 1.20 computes it: `/` of two integer types is Java's integer division (the
// wider type, truncated toward zero, `/ 0` fails); ROUND / TRUNCATE work on the decimal text of
// the number (Flink's BigDecimal), with Flink's result type for a DECIMAL
// (LogicalTypeMerging.findRoundDecimalType); arithmetic on a character string is refused, as
// Flink's validator refuses it. Expected values are Flink's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import fc from "fast-check";

const tEnv = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
const one = async (select: string) => {
  const r = (await (await tEnv().executeSql(`SELECT ${select}`)).collect()) as Record<string, unknown>[];
  assert.equal(r.length, 1);
  return r[0] as Record<string, unknown>;
};

test("an integer divided by an integer is truncated toward zero, of the wider type", async () => {
  assert.deepEqual(
    await one(`7 / 2 AS a, -7 / 2 AS b, CAST(7 AS BIGINT) / 2 AS c, 1 / 3 AS d,
      CAST(7 AS TINYINT) / CAST(2 AS SMALLINT) AS e, CAST(NULL AS INT) / 2 AS f`),
    { a: 3, b: -3, c: 3, d: 0, e: 3, f: null },
  );
  const table = tEnv().sqlQuery(
    "SELECT CAST(7 AS BIGINT) / 2 AS c, CAST(7 AS TINYINT) / CAST(2 AS SMALLINT) AS e",
  );
  assert.deepEqual(
    table.columns.map((c) => c.type?.kind === "atomic" && c.type.name),
    ["BIGINT", "SMALLINT"],
  );
  // A DECIMAL or a DOUBLE in the division keeps its fraction.
  assert.deepEqual(await one("7.0 / 2 AS a, CAST(7 AS DOUBLE) / 2 AS b, 7 / 2.0 AS c"), {
    a: 3.5,
    b: 3.5,
    c: 3.5,
  });
});

test("an integer divided by zero fails the job, as Java's ArithmeticException fails Flink's", async () => {
  await assert.rejects(one("x / y AS q FROM (VALUES (1, 0)) AS t (x, y)"), /division by zero: 1 \/ 0/);
});

test("random integer divisions equal Java's (truncated) division", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: -1000, max: 1000 }),
      fc.integer({ min: -50, max: 50 }).filter((y) => y !== 0),
      async (x, y) => {
        const r = await one(`x / y AS q FROM (VALUES (${x}, ${y})) AS t (x, y)`);
        // Java's int division: the quotient truncated toward zero.
        const q = (x - (x % y)) / y;
        assert.equal(r.q, q === 0 ? 0 : q);
      },
    ),
    { numRuns: 30 },
  );
});

test("ROUND and TRUNCATE round the decimal text (ROUND(1.005, 2) is 1.01) with Flink's DECIMAL scale", async () => {
  assert.deepEqual(
    await one(`CAST(ROUND(1.005, 2) AS STRING) AS a, CAST(ROUND(2.5) AS STRING) AS b,
      CAST(ROUND(-2.5) AS STRING) AS c, CAST(ROUND(1234.5678, -2) AS STRING) AS d,
      CAST(ROUND(1.5, 3) AS STRING) AS e, ROUND(CAST(1.005 AS DOUBLE), 2) AS f, ROUND(17, -1) AS g,
      CAST(TRUNCATE(1.99, 1) AS STRING) AS h, CAST(TRUNCATE(-1.99) AS STRING) AS i,
      TRUNCATE(CAST(-1.99 AS DOUBLE), 1) AS j, ROUND(CAST(1e-7 AS DOUBLE), 7) AS k, ROUND(0.4) AS l`),
    {
      a: "1.01",
      b: "3",
      c: "-3",
      d: "1200",
      e: "1.5",
      f: 1.01,
      g: 20,
      h: "1.9",
      i: "-1",
      j: -1.9,
      k: 1e-7,
      l: 0,
    },
  );
});

test("arithmetic on a character string is refused when planned, as Flink's validator refuses it", async () => {
  for (const [expr, op, types] of [
    // Character literals (and a VALUES column of them) are CHAR(n), as Calcite names them.
    ["x + 'a'", "+", "<INT> + <CHAR(1)>"],
    ["'2' * x", "*", "<CHAR(1)> * <INT>"],
    ["s - s", "-", "<CHAR(1)> - <CHAR(1)>"],
  ] as const) {
    await assert.rejects(one(`${expr} AS v FROM (VALUES (1, 'b')) AS t (x, s)`), (e: unknown) => {
      assert.ok(e instanceof FleuveError, String(e));
      assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
      assert.ok(
        e.message.startsWith(`${expr}: Cannot apply '${op}' to arguments of type '${types}'`),
        e.message,
      );
      assert.match(e.message, /\(line 1, column \d+\)$/);
      return true;
    });
  }
  // Concatenation is ||.
  assert.deepEqual(await one("s || CAST(x AS STRING) AS v FROM (VALUES (1, 'b')) AS t (x, s)"), { v: "b1" });
});
