// `<`, `<=`, `>`, `>=`, BETWEEN and NOT BETWEEN between a number, a date-time or a boolean and a
// character string, as Flink 1.20 (Calcite 1.32) runs them: the validator accepts them
// (SqlTypeUtil.isComparable), and StandardConvertletTable.consistentType (Consistency.COMPARE)
// casts the string to leastRestrictive(the other types, plus BIGINT for numbers): an integer
// compares with the string as BIGINT, a DOUBLE as DOUBLE, a DECIMAL(p, s) as DECIMAL(.., s), a
// timestamp as its TIMESTAMP. `=` between a date-time and a string casts the string
// (ScalarOperatorGens.generateEquals); `<>` there is refused (Flink finds them always different).
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import fc from "fast-check";

const env = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
const rowsOf = async (q: string) => (await env().executeSql(q)).collect();
const value = async (expr: string) => (await rowsOf(`SELECT ${expr} AS v`))[0]?.v;

async function rejects(q: string, code: string, message: RegExp, details: Record<string, unknown> = {}) {
  await assert.rejects(
    async () => rowsOf(q),
    (err: unknown) => {
      assert.ok(err instanceof FleuveError, String(err));
      assert.equal(err.code, code);
      assert.match(err.message, message);
      for (const [k, v] of Object.entries(details)) assert.deepEqual(err.details?.[k], v, k);
      return true;
    },
    q,
  );
}

test("a number against a numeric string compares as numbers (BIGINT for integers), not as text", async () => {
  assert.equal(await value("10 < '9'"), false); // as text, '10' < '9'
  assert.equal(await value("10 > '9'"), true);
  assert.equal(await value("'10' > 9"), true);
  assert.equal(await value("'10' <= 9"), false);
  assert.equal(await value("2 <= ' 2 '"), true); // the string is trimmed, as Flink's CAST does
  assert.equal(await value("-3 >= '-3'"), true);
  // BIGINT: the string's fraction is dropped, as CAST('7.9' AS BIGINT) is 7 in Flink.
  assert.equal(await value("7 < '7.9'"), false);
  assert.equal(await value("7 >= '7.9'"), true);
  assert.equal(await value("CAST(7 AS TINYINT) < '300'"), true); // BIGINT, not TINYINT
  assert.equal(await value("1 > '.5'"), true); // BinaryStringDataUtil.toLong reads '.5' as 0
  assert.equal(await value("5 >= '+5.'"), true);
  const T = "(VALUES (1, '10'), (5, '4'), (20, '3')) AS t(n, s)";
  assert.deepEqual(await rowsOf(`SELECT n FROM ${T} WHERE n > '4'`), [{ n: 5 }, { n: 20 }]);
  assert.deepEqual(await rowsOf(`SELECT n FROM ${T} WHERE s < n`), [{ n: 5 }, { n: 20 }]);
  assert.deepEqual(await rowsOf(`SELECT n FROM ${T} WHERE s >= 4`), [{ n: 1 }, { n: 5 }]);
});

test("DOUBLE and DECIMAL against a string compare as DOUBLE and as DECIMAL with the column's scale", async () => {
  assert.equal(await value("CAST(7 AS DOUBLE) < '7.9'"), true);
  assert.equal(await value("CAST(1.004 AS DOUBLE) > '1.0041'"), false);
  assert.equal(await value("CAST(0.5 AS FLOAT) >= '0.25'"), true);
  // DECIMAL(5, 2) against a string compares as DECIMAL(21, 2): the text is rounded HALF_UP to
  // two digits, as CAST('1.005' AS DECIMAL(21, 2)) is 1.01 in Flink.
  assert.equal(await value("CAST(1.01 AS DECIMAL(5, 2)) <= '1.005'"), true);
  assert.equal(await value("CAST(1.01 AS DECIMAL(5, 2)) > '1.005'"), false);
  assert.equal(await value("CAST(1.00 AS DECIMAL(5, 2)) < '1.004'"), false);
  assert.equal(await value("CAST(-1.01 AS DECIMAL(5, 2)) >= '-1.005'"), true);
  assert.equal(await value("'2.5' > CAST(2.49 AS DECIMAL(3, 2))"), true);
});

test("a string that does not cast: a literal is refused when planned, a column fails on its row", async () => {
  await rejects(
    "SELECT 1 < 'x' AS v",
    "FLEUVE_SQL_VALIDATION",
    /1 < 'x': 'x' does not cast to BIGINT, the type Flink compares it as/,
    { operator: "<" },
  );
  await rejects(
    "SELECT n FROM (VALUES (1)) AS t(n)\n WHERE n BETWEEN 'a' AND 3",
    "FLEUVE_SQL_VALIDATION",
    /n BETWEEN 'a' AND 3: 'a' does not cast to BIGINT.*\(line 2, column 8\)/,
    { operator: "BETWEEN", line: 2, column: 8 },
  );
  // As BIGINT, the text is read as Flink's toLong reads it: no exponent, no hex, within range.
  await rejects("SELECT 1 < '1e3' AS v", "FLEUVE_SQL_VALIDATION", /'1e3' does not cast to BIGINT/);
  await rejects("SELECT 1 < '0x10' AS v", "FLEUVE_SQL_VALIDATION", /'0x10' does not cast to BIGINT/);
  await rejects("SELECT 1 < '99999999999999999999' AS v", "FLEUVE_SQL_VALIDATION", /out of its range/);
  assert.equal(await value("CAST(1 AS DOUBLE) < '1e3'"), true); // Double.valueOf reads exponents
  await rejects(
    "SELECT TIMESTAMP '2024-01-01 00:00:00' > 'soon' AS v",
    "FLEUVE_SQL_VALIDATION",
    /'soon' does not cast to TIMESTAMP/,
  );
  await rejects(
    "SELECT s FROM (VALUES ('5'), ('x')) AS t(s) WHERE s > 3",
    "FLEUVE_USER_FUNCTION_FAILED",
    /cannot cast 'x' to BIGINT/,
  );
  await rejects(
    "SELECT INTERVAL '1' DAY < '1' AS v",
    "FLEUVE_SQL_UNSUPPORTED",
    /an INTERVAL compared with a character string/,
  );
  await rejects(
    "SELECT DATE '2024-01-01' BETWEEN '2024-01-01' AND TIMESTAMP '2024-01-02 00:00:00' AS v",
    "FLEUVE_SQL_VALIDATION",
    /DATE, TIMESTAMP\(\d\) and a character string have no common type/,
    { operator: "BETWEEN" },
  );
});

test("dates, times and timestamps against a string compare as the date-time type", async () => {
  assert.equal(await value("TIMESTAMP '2024-01-01 10:00:00' > '2024-01-01 09:30:00'"), true);
  assert.equal(await value("'2024-01-01 10:00:00' < TIMESTAMP '2024-01-01 09:30:00'"), false);
  assert.equal(await value("TO_TIMESTAMP_LTZ(0, 3) < '1970-01-01 00:00:01'"), true);
  assert.equal(await value("DATE '2024-03-01' <= '2024-03-01'"), true);
  assert.equal(await value("DATE '2024-03-01' > '2024-02-29'"), true); // as text '2024-03-01' > too, so:
  assert.equal(await value("DATE '2024-03-01' > '2024-2-29'"), true); // as text, '2024-03' < '2024-2'
  assert.equal(await value("TIME '10:00:00' < '09:00:00'"), false);
  assert.equal(await value("TIME '10:00:00' >= '9:00:00'"), true); // as text, '10' < '9:'
  const T = "(VALUES (TIMESTAMP '2024-01-01 00:00:00'), (TIMESTAMP '2024-06-01 12:00:00')) AS t(ts)";
  assert.deepEqual(await rowsOf(`SELECT ts FROM ${T} WHERE ts >= '2024-03-01 00:00:00'`), [
    { ts: Date.UTC(2024, 5, 1, 12) },
  ]);
});

test("= between a date-time and a string casts the string; a column's text that does not cast is NULL; <> is refused", async () => {
  assert.equal(await value("DATE '2024-01-02' = '2024-01-02'"), true);
  assert.equal(await value("'2024-01-01 00:00:00' = TIMESTAMP '2024-01-01 00:00:00'"), true);
  assert.equal(await value("TIMESTAMP '2024-01-01 00:00:00' = '2024-01-01 00:00:01'"), false);
  assert.deepEqual(
    await rowsOf(
      "SELECT t = s AS v FROM (VALUES (TIMESTAMP '2024-01-01 00:00:00', '2024-01-01 00:00:00'), (TIMESTAMP '2024-01-01 00:00:00', 'nope')) AS x(t, s)",
    ),
    [{ v: true }, { v: null }],
  );
  await rejects("SELECT DATE '2024-01-01' = 'x' AS v", "FLEUVE_SQL_VALIDATION", /'x' does not cast to DATE/);
  await rejects(
    "SELECT DATE '2024-01-02' <> '2024-01-02' AS v",
    "FLEUVE_SQL_VALIDATION",
    /<> between DATE and CHAR\(10\): Flink 1\.20 does not cast the string here/,
    { operator: "<>", leftType: "DATE", rightType: "CHAR(10)" },
  );
});

test("BETWEEN and NOT BETWEEN with strings, both ways, SYMMETRIC, and NULLs", async () => {
  assert.equal(await value("5 BETWEEN '1' AND '10'"), true); // as text, '5' > '10'
  assert.equal(await value("'5' BETWEEN 1 AND 10"), true);
  assert.equal(await value("5 NOT BETWEEN '6' AND '10'"), true);
  assert.equal(await value("'15' NOT BETWEEN 1 AND 10"), true);
  assert.equal(await value("'9' NOT BETWEEN 1 AND 10"), false);
  assert.equal(await value("5 BETWEEN SYMMETRIC '10' AND '1'"), true);
  assert.equal(await value("5 BETWEEN '10' AND '1'"), false);
  assert.equal(await value("CAST(2.5 AS DOUBLE) BETWEEN '2.4' AND 3"), true);
  assert.equal(await value("DATE '2024-03-01' BETWEEN '2024-02-01' AND '2024-03-01'"), true);
  // NULLs: x >= a AND x <= b, FALSE wins over NULL.
  assert.equal(await value("1 < CAST(NULL AS STRING)"), null);
  assert.equal(await value("CAST(NULL AS INT) < '1'"), null);
  assert.equal(await value("5 BETWEEN CAST(NULL AS STRING) AND '3'"), false);
  assert.equal(await value("5 BETWEEN CAST(NULL AS STRING) AND '7'"), null);
  assert.equal(await value("5 NOT BETWEEN CAST(NULL AS STRING) AND '7'"), null);
  assert.equal(await value("'5' NOT BETWEEN 6 AND CAST(NULL AS INT)"), true);
  // SYMMETRIC is (x >= a AND x <= b) OR (x >= b AND x <= a): NULL when one half is NULL, the other FALSE.
  assert.equal(await value("5 BETWEEN SYMMETRIC '10' AND CAST(NULL AS STRING)"), null);
  assert.equal(await value("5 BETWEEN SYMMETRIC 10 AND CAST(NULL AS INT)"), null);
});

test("a boolean against a string compares as BOOLEAN (FALSE < TRUE)", async () => {
  assert.equal(await value("TRUE > 'false'"), true);
  assert.equal(await value("FALSE >= ' TRUE '"), false);
});

// --- property: the planner against a brute-force evaluation of the documented casts ---

/** A numeric text: optional spaces and sign, whole digits, an optional fraction of 1 to 4 digits. */
const numericText = fc
  .tuple(
    fc.constantFrom("", " "),
    fc.constantFrom("", "-", "+"),
    fc.integer({ min: 0, max: 30 }),
    fc.option(fc.stringMatching(/^\d{1,4}$/), { nil: undefined }),
  )
  .map(([pad, sign, whole, frac]) => `${pad}${sign}${whole}${frac === undefined ? "" : `.${frac}`}${pad}`);

/** [sign, whole, fraction digits] of a numeric text, read independently of the planner. */
function parts(text: string): [number, number, string] {
  const m = /^\s*([+-]?)(\d+)(?:\.(\d+))?\s*$/.exec(text) as RegExpExecArray;
  return [m[1] === "-" ? -1 : 1, Number(m[2]), m[3] ?? ""];
}
const asBigint = (t: string) => {
  const [sign, whole] = parts(t);
  return sign * whole || 0; // CAST(' -7.9' AS BIGINT) is -7: the fraction dropped
};
/** The text as DECIMAL(.., 2), in hundredths, rounded HALF_UP (away from zero on a tie). */
const asCents = (t: string) => {
  const [sign, whole, frac] = parts(t);
  const tenThousandths = whole * 10000 + Number(frac.padEnd(4, "0").slice(0, 4));
  return sign * Math.floor((tenThousandths + 50) / 100) || 0;
};

type Cmp = "<" | "<=" | ">" | ">=";
const holds = (c: number, op: Cmp) =>
  op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
const cmp = (x: number | null, y: number | null, op: Cmp) =>
  x === null || y === null ? null : holds(x - y, op);
const and3 = (a: boolean | null, b: boolean | null) =>
  a === false || b === false ? false : a === null || b === null ? null : true;
const or3 = (a: boolean | null, b: boolean | null) =>
  a === true || b === true ? true : a === null || b === null ? null : false;
const not3 = (a: boolean | null) => (a === null ? null : !a);
const between = (x: number | null, a: number | null, b: number | null, symmetric: boolean) => {
  const inside = and3(cmp(x, a, ">="), cmp(x, b, "<="));
  return symmetric ? or3(inside, and3(cmp(x, b, ">="), cmp(x, a, "<="))) : inside;
};

const sqlInt = (n: number | null) => (n === null ? "CAST(NULL AS INT)" : `CAST(${n} AS INT)`);
const sqlText = (s: string | null) => (s === null ? "CAST(NULL AS STRING)" : `CAST('${s}' AS STRING)`);

test("property: comparisons and BETWEEN of numbers with strings equal a brute-force evaluation of Flink's casts", async () => {
  const row = fc.record({
    n: fc.option(fc.integer({ min: -30, max: 30 }), { nil: null }),
    m: fc.option(fc.integer({ min: -30, max: 30 }), { nil: null }),
    cents: fc.option(fc.integer({ min: -3000, max: 3000 }), { nil: null }),
    quarters: fc.option(fc.integer({ min: -120, max: 120 }), { nil: null }),
    s: fc.option(numericText, { nil: null }),
    t: fc.option(numericText, { nil: null }),
  });
  const ops: Cmp[] = ["<", "<=", ">", ">="];
  await fc.assert(
    fc.asyncProperty(
      fc.array(row, { minLength: 1, maxLength: 12 }),
      fc.constantFrom(...ops),
      async (rows, op) => {
        const values = rows
          .map(
            (r) =>
              `(${sqlInt(r.n)}, ${sqlInt(r.m)}, ${r.cents === null ? "CAST(NULL AS DECIMAL(6, 2))" : `CAST(${(r.cents / 100).toFixed(2)} AS DECIMAL(6, 2))`}, ${r.quarters === null ? "CAST(NULL AS DOUBLE)" : `CAST(${r.quarters / 4} AS DOUBLE)`}, ${sqlText(r.s)}, ${sqlText(r.t)})`,
          )
          .join(", ");
        const got = await rowsOf(
          `SELECT n ${op} s AS a, s ${op} n AS b, c ${op} s AS c, d ${op} s AS d, n BETWEEN s AND t AS e, s NOT BETWEEN n AND m AS f, n BETWEEN SYMMETRIC s AND m AS g, c NOT BETWEEN SYMMETRIC t AND s AS h FROM (VALUES ${values}) AS x(n, m, c, d, s, t)`,
        );
        const expected = rows.map((r) => {
          const s = r.s === null ? null : asBigint(r.s);
          const t = r.t === null ? null : asBigint(r.t);
          const sCents = r.s === null ? null : asCents(r.s);
          const tCents = r.t === null ? null : asCents(r.t);
          const sDouble = r.s === null ? null : Number.parseFloat(r.s.replace(/\s/g, ""));
          return {
            a: cmp(r.n, s, op),
            b: cmp(s, r.n, op),
            c: cmp(r.cents, sCents, op),
            d: cmp(r.quarters === null ? null : r.quarters / 4, sDouble, op),
            e: between(r.n, s, t, false),
            f: not3(between(s, r.n, r.m, false)),
            g: between(r.n, s, r.m, true),
            h: not3(between(r.cents, tCents, sCents, true)),
          };
        });
        assert.deepEqual(got, expected, values);
      },
    ),
    { numRuns: 60 },
  );
});
