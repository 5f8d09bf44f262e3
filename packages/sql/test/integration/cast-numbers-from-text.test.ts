// CAST and TRY_CAST of character strings to numbers, as Flink 1.20 reads the text:
// - TINYINT, SMALLINT, INT, BIGINT (StringToNumericPrimitiveCastRule: the text trimmed of spaces,
//   then BinaryStringDataUtil.toByte/toShort/toInt/toLong): an optional sign, digits and an
//   optional fraction that is dropped; no exponent; a value outside the type's range is refused
//   ("Overflow."), not wrapped;
// - DECIMAL(p, s) (StringToDecimalCastRule, BinaryStringDataUtil.toDecimal): BigDecimal's text,
//   rounded HALF_UP to s digits, refused when it then needs more than p digits;
// - DOUBLE and FLOAT: Java's Double.parseDouble / Float.parseFloat (exponents, NaN, Infinity).
// CAST of text that does not read fails the job naming the record; TRY_CAST gives NULL.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError } from "@fleuve/core";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { env, one } from "../fixtures/one-row.js";

/** The rows of `query` over a view `t` of the texts `s` (with their index `id`). */
async function overTexts(texts: readonly (string | null)[], query: string): Promise<Row[]> {
  const e = env();
  const tEnv = sql(e);
  tEnv.createTemporaryView("t", e.fromCollection(texts.map((s, id) => ({ id, s }))), "id INT, s STRING");
  return (await tEnv.executeSql(query)).collect();
}

/** Asserts that `query` fails its job with FLEUVE_USER_FUNCTION_FAILED and a message matching `message`. */
async function failsWith(run: () => Promise<unknown>, message: RegExp): Promise<FleuveError> {
  let caught: unknown;
  await assert.rejects(run(), (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof FleuveError, String(caught));
  assert.equal(caught.code, "FLEUVE_USER_FUNCTION_FAILED");
  assert.match(caught.message, message);
  return caught;
}

test("CAST of text to each integer type: range edges, sign, spaces, a dropped fraction", async () => {
  const { row, types } = await one(
    `SELECT CAST('127' AS TINYINT) AS t1, CAST('-128' AS TINYINT) AS t2,
       CAST('32767' AS SMALLINT) AS s1, CAST('-32768' AS SMALLINT) AS s2,
       CAST('2147483647' AS INT) AS i1, CAST('-2147483648' AS INT) AS i2,
       CAST('9007199254740991' AS BIGINT) AS b1, CAST('-9223372036854775808' AS BIGINT) AS b2,
       CAST('+42' AS INT) AS plus, CAST('  -42  ' AS INT) AS spaced, CAST('7.9' AS INT) AS frac,
       CAST('-7.9' AS INT) AS negfrac, CAST('.5' AS INT) AS point5, CAST('5.' AS SMALLINT) AS five,
       CAST('-0' AS INT) AS zero, CAST('000127.999' AS TINYINT) AS zeros, CAST('127.9' AS TINYINT) AS edgefrac`,
  );
  assert.deepEqual(types.slice(0, 8), [
    "t1 TINYINT NOT NULL",
    "t2 TINYINT NOT NULL",
    "s1 SMALLINT NOT NULL",
    "s2 SMALLINT NOT NULL",
    "i1 INT NOT NULL",
    "i2 INT NOT NULL",
    "b1 BIGINT NOT NULL",
    "b2 BIGINT NOT NULL",
  ]);
  assert.deepEqual(row, {
    t1: 127,
    t2: -128,
    s1: 32767,
    s2: -32768,
    i1: 2147483647,
    i2: -2147483648,
    b1: 9007199254740991,
    b2: -(2n ** 63n), // a BIGINT past 2^53 is held exactly, as a bigint
    plus: 42,
    spaced: -42,
    frac: 7,
    negfrac: -7,
    point5: 0,
    five: 5,
    zero: 0,
    zeros: 127,
    edgefrac: 127, // the fraction is dropped before the range is checked
  });
});

test("CAST of text past an integer type's range, with an exponent or other text fails; TRY_CAST gives NULL", async () => {
  const cases: [string, string, RegExp][] = [
    ["128", "TINYINT", /cannot cast '128' to TINYINT: out of its range \(-128 to 127\)/],
    ["-129", "TINYINT", /out of its range \(-128 to 127\)/],
    ["32768", "SMALLINT", /out of its range \(-32768 to 32767\)/],
    ["-32769", "SMALLINT", /out of its range/],
    ["2147483648", "INT", /out of its range \(-2147483648 to 2147483647\)/],
    ["-2147483649", "INT", /out of its range/],
    ["9223372036854775808", "BIGINT", /out of its range \(-9223372036854775808 to 9223372036854775807\)/],
    ["-9223372036854775809", "BIGINT", /out of its range/],
    ["1e3", "INT", /cannot cast '1e3' to INT: Flink reads an optional sign, digits and a fraction it drops/],
    ["1.5e2", "BIGINT", /cannot cast '1.5e2' to BIGINT/],
    ["0x10", "INT", /cannot cast '0x10' to INT/],
    ["", "INT", /cannot cast '' to INT/],
    ["-", "SMALLINT", /cannot cast '-' to SMALLINT/],
    ["1 000", "INT", /cannot cast '1 000' to INT/],
    ["\t5", "INT", /cannot cast '\t5' to INT/], // Flink trims spaces (U+0020) only
    ["1.2.3", "INT", /cannot cast '1.2.3' to INT/],
    ["abc", "TINYINT", /cannot cast 'abc' to TINYINT/],
  ];
  const texts = cases.map(([text]) => text);
  for (const [i, [text, type, message]] of cases.entries()) {
    const err = await failsWith(
      () => overTexts(texts, `SELECT id, CAST(s AS ${type}) AS v FROM t WHERE id = ${i}`),
      message,
    );
    // The error names the record that did not cast.
    assert.deepEqual(err.details?.record, { id: i, s: text }, `${JSON.stringify(text)} AS ${type}`);
  }
  const rows = await overTexts(
    texts,
    `SELECT id, ${cases.map(([, type], i) => `CASE WHEN id = ${i} THEN TRY_CAST(s AS ${type}) END AS v${i}`).join(", ")} FROM t`,
  );
  for (const [i, r] of rows.entries()) assert.equal(r[`v${i}`], null, JSON.stringify(cases[i]));
  // A literal fails the job too (on its row, as in Flink), naming the value.
  await failsWith(
    async () => (await sql(env()).executeSql("SELECT CAST('300' AS TINYINT) AS v")).collect(),
    /cannot cast '300' to TINYINT: out of its range/,
  );
  assert.deepEqual((await one("SELECT TRY_CAST('300' AS TINYINT) AS v")).row, { v: null });
});

test("CAST of text to DECIMAL rounds HALF_UP to the scale from the text and fails past the precision", async () => {
  const { row, types } = await one(
    `SELECT CAST('1.005' AS DECIMAL(5, 2)) AS up, CAST('-1.005' AS DECIMAL(5, 2)) AS down,
       CAST('1.004999' AS DECIMAL(5, 2)) AS below, CAST('999.994' AS DECIMAL(5, 2)) AS top,
       CAST(' 1.2 ' AS DECIMAL(5, 3)) AS spaced, CAST('.2' AS DECIMAL(5, 3)) AS point,
       CAST('1.5e2' AS DECIMAL(5, 1)) AS exp, CAST('125E-2' AS DECIMAL(3, 1)) AS negexp,
       CAST('0.50000000000000000000' AS DECIMAL(1, 1)) AS fraction_only, CAST('7' AS DECIMAL) AS default_type,
       CAST('12345678901234567890.125' AS DECIMAL(38, 2)) AS wide`,
  );
  assert.deepEqual(types.slice(0, 2), ["up DECIMAL(5, 2) NOT NULL", "down DECIMAL(5, 2) NOT NULL"]);
  assert.deepEqual(row, {
    up: 1.01,
    down: -1.01,
    below: 1,
    top: 999.99,
    spaced: 1.2,
    point: 0.2,
    exp: 150,
    negexp: 1.3,
    // Text longer than 18 bytes takes Flink's BigDecimal path; its compact reader (shorter text,
    // p <= 18) would refuse '0.5' here, counting the leading zero: a difference documented in
    // docs/sql.md, since Fleuve reads all text as the BigDecimal path does.
    fraction_only: 0.5,
    default_type: 7,
    wide: Number("12345678901234567890.13"), // as a JavaScript number
  });
  // Past the precision (after rounding) CAST fails the job and TRY_CAST gives NULL, as Flink's
  // toDecimal throws "Overflow." (CastFunctionITCase: '12345.6789' AS DECIMAL(8, 4)).
  // ('999.995', short text, gives 1000.00 in Flink's compact reader: the documented difference.)
  const over: [string, string][] = [
    ["999.99500000000000000", "DECIMAL(5, 2)"],
    ["1000", "DECIMAL(5, 2)"],
    ["12345.6789", "DECIMAL(8, 4)"],
    ["1e10", "DECIMAL(10, 0)"],
    ["1.5", "DECIMAL(1, 1)"],
  ];
  for (const [text, type] of over) {
    await failsWith(
      async () => (await sql(env()).executeSql(`SELECT CAST('${text}' AS ${type}) AS v`)).collect(),
      new RegExp(
        `cannot cast '${text}' to ${type.replace(/[()]/g, "\\$&")}: more than \\d+ digits before the point`,
      ),
    );
    assert.deepEqual((await one(`SELECT TRY_CAST('${text}' AS ${type}) AS v`)).row, { v: null }, text);
  }
  for (const bad of ["abc", "1e", ".", "0x10", "NaN", "1,5"]) {
    await failsWith(
      async () => (await sql(env()).executeSql(`SELECT CAST('${bad}' AS DECIMAL(5, 2)) AS v`)).collect(),
      /to DECIMAL\(5, 2\): not a decimal number/,
    );
    assert.deepEqual((await one(`SELECT TRY_CAST('${bad}' AS DECIMAL(5, 2)) AS v`)).row, { v: null }, bad);
  }
});

test("CAST of text to DOUBLE and FLOAT reads it as Java's parseDouble: exponents, NaN, Infinity", async () => {
  const { row } = await one(
    `SELECT CAST('1e3' AS DOUBLE) AS exp, CAST(' -.5 ' AS DOUBLE) AS half, CAST('5.' AS DOUBLE) AS five,
       CAST('1.5d' AS DOUBLE) AS suffix, CAST('0x1.8p1' AS DOUBLE) AS hex, CAST('-Infinity' AS DOUBLE) AS inf,
       CAST('1e400' AS DOUBLE) AS big, CAST('1e39' AS FLOAT) AS fbig, CAST('2.5' AS FLOAT) AS f`,
  );
  assert.deepEqual(row, {
    exp: 1000,
    half: -0.5,
    five: 5,
    suffix: 1.5,
    hex: 3,
    inf: -Infinity,
    big: Infinity,
    fbig: Infinity, // past FLOAT's range, as Float.parseFloat gives it
    f: 2.5,
  });
  assert.ok(Number.isNaN((await one("SELECT CAST('NaN' AS DOUBLE) AS v")).row.v));
  for (const bad of ["abc", "nan", "1e", "", "1,5"]) {
    await failsWith(
      async () => (await sql(env()).executeSql(`SELECT CAST('${bad}' AS DOUBLE) AS v`)).collect(),
      new RegExp(`cannot cast '${bad}' to DOUBLE: not a number as Java's Double.parseDouble reads it`),
    );
    assert.deepEqual((await one(`SELECT TRY_CAST('${bad}' AS FLOAT) AS v`)).row, { v: null }, bad);
  }
});

test("a column's text is cast per record: CAST fails the job naming the record, TRY_CAST gives NULL", async () => {
  const texts = ["12", " -3.7 ", "1e2", "99999", null];
  const err = await failsWith(
    () => overTexts(texts, "SELECT id, CAST(s AS SMALLINT) AS v FROM t"),
    /failed on record \{"id":2,"s":"1e2"\}: cannot cast '1e2' to SMALLINT/,
  );
  assert.deepEqual(err.details?.record, { id: 2, s: "1e2" });
  assert.deepEqual(
    await overTexts(
      texts,
      "SELECT id, TRY_CAST(s AS SMALLINT) AS n, TRY_CAST(s AS DECIMAL(4, 1)) AS d, TRY_CAST(s AS DOUBLE) AS x FROM t",
    ),
    [
      { id: 0, n: 12, d: 12, x: 12 },
      { id: 1, n: -3, d: -3.7, x: -3.7 },
      { id: 2, n: null, d: 100, x: 100 },
      { id: 3, n: null, d: null, x: 99999 },
      { id: 4, n: null, d: null, x: null },
    ],
  );
});

test("comparisons of numbers with strings read the text as CAST does (one reading path)", async () => {
  // `int < string` compares as BIGINT, `decimal < string` as DECIMAL with the decimal's scale.
  const { row } = await one(
    "SELECT 7 >= '7.9' AS a, CAST(1.01 AS DECIMAL(5, 2)) <= '1.005' AS b, CAST(1 AS DOUBLE) < '1e3' AS c",
  );
  assert.deepEqual(row, { a: true, b: true, c: true });
  await failsWith(
    () => overTexts(["5", "1e3"], "SELECT id FROM t WHERE id < s"),
    /failed on record \{"id":1,"s":"1e3"\}: cannot cast '1e3' to BIGINT/,
  );
});

// --- property: CAST of random numeric text against a brute-force reading of Flink's rules ---
// (DECIMAL as Flink's BigDecimal path reads text; see the note on its compact reader above.)

const RANGES: Record<string, [bigint, bigint]> = {
  TINYINT: [-(2n ** 7n), 2n ** 7n - 1n],
  SMALLINT: [-(2n ** 15n), 2n ** 15n - 1n],
  INT: [-(2n ** 31n), 2n ** 31n - 1n],
  BIGINT: [-(2n ** 63n), 2n ** 63n - 1n],
};

/**
 * The text as Flink's toLong/toInt read it, character by character: spaces trimmed, a sign, digits
 * up to a '.', then only digits; null where Flink throws (bad text or outside `type`'s range).
 */
function referenceInteger(text: string, type: string): number | null {
  let start = 0;
  let end = text.length;
  while (start < end && text[start] === " ") start++;
  while (end > start && text[end - 1] === " ") end--;
  if (start === end) return null;
  let i = start;
  const negative = text[i] === "-";
  if (negative || text[i] === "+") {
    i++;
    if (i === end) return null;
  }
  let n = 0n;
  for (; i < end && text[i] !== "."; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10n + BigInt(c);
  }
  for (i++; i < end; i++) if (!/[0-9]/.test(text[i] as string)) return null;
  const value = negative ? -n : n;
  const [min, max] = RANGES[type] as [bigint, bigint];
  if (value < min || value > max) return null;
  // A BIGINT past 2^53 is a bigint (the canonical long of @fleuve/core's long.ts).
  return Number.isSafeInteger(Number(value)) ? Number(value) || 0 : (value as unknown as number);
}

/** [negative, digits, exponent of the last digit] of decimal text, or null if BigDecimal refuses it. */
function decimalParts(text: string): [boolean, bigint, number] | null {
  const s = text.replace(/^[ \t\n]+|[ \t\n]+$/g, "");
  let i = 0;
  const negative = s[i] === "-";
  if (negative || s[i] === "+") i++;
  let digits = "";
  let afterPoint = -1;
  for (; i < s.length && s[i] !== "e" && s[i] !== "E"; i++) {
    if (s[i] === ".") {
      if (afterPoint >= 0) return null;
      afterPoint = 0;
    } else if (/[0-9]/.test(s[i] as string)) {
      digits += s[i];
      if (afterPoint >= 0) afterPoint++;
    } else return null;
  }
  if (digits === "") return null;
  let exp = 0;
  if (i < s.length) {
    const e = s.slice(i + 1);
    if (!/^[+-]?[0-9]+$/.test(e)) return null;
    exp = Number(e);
  }
  return [negative, BigInt(digits), exp - Math.max(afterPoint, 0)];
}

/** The text as DECIMAL(p, s): scaled by BigInt, rounded half away from zero, null past p digits. */
function referenceDecimal(text: string, p: number, s: number): number | null {
  const parts = decimalParts(text);
  if (parts === null) return null;
  const [negative, digits, exp] = parts;
  const shift = exp + s;
  let units: bigint;
  if (shift >= 0) units = digits * 10n ** BigInt(shift);
  else {
    const d = 10n ** BigInt(-shift);
    units = digits / d + ((digits % d) * 2n >= d ? 1n : 0n);
  }
  if (units >= 10n ** BigInt(p)) return null;
  const whole = units / 10n ** BigInt(s);
  const frac = String(units % 10n ** BigInt(s)).padStart(s, "0");
  const value = Number(s === 0 ? `${whole}` : `${whole}.${frac}`);
  return negative ? -value || 0 : value;
}

/** The text as DOUBLE: the decimal forms generated here are read as JavaScript's parseFloat reads them. */
function referenceDouble(text: string): number | null {
  const s = text.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number.parseFloat(s) : null;
}

/** Numeric text: spaces or a tab around, a sign, digits (many, to pass BIGINT), a fraction, an exponent. */
const numericText = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("", " ", "  ", "\t"),
      fc.constantFrom("", "-", "+"),
      fc.stringMatching(/^\d{0,21}$/),
      fc.option(fc.stringMatching(/^\d{0,5}$/), { nil: undefined }),
      fc.option(fc.integer({ min: -4, max: 4 }), { nil: undefined }),
      fc.constantFrom("", " "),
    )
    .map(
      ([pre, sign, whole, frac, exp, post]) =>
        `${pre}${sign}${whole}${frac === undefined ? "" : `.${frac}`}${exp === undefined ? "" : `e${exp}`}${post}`,
    ),
  // Around each integer type's edges, with a fraction sometimes.
  fc
    .tuple(
      fc.constantFrom(...Object.values(RANGES).flat()),
      fc.integer({ min: -2, max: 2 }),
      fc.constantFrom("", ".5", ".99"),
    )
    .map(([edge, delta, frac]) => `${edge + BigInt(delta)}${frac}`),
);

test("property: CAST and TRY_CAST of random numeric text equal a brute-force reading of Flink's rules", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(numericText, { minLength: 1, maxLength: 15 }),
      fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 1, max: 22 }),
      async (texts, scale, wholeDigits) => {
        const precision = wholeDigits + scale;
        const decimal = `DECIMAL(${precision}, ${scale})`;
        const got = await overTexts(
          texts,
          `SELECT id, TRY_CAST(s AS TINYINT) AS t, TRY_CAST(s AS SMALLINT) AS sm, TRY_CAST(s AS INT) AS i,
             TRY_CAST(s AS BIGINT) AS b, TRY_CAST(s AS ${decimal}) AS d, TRY_CAST(s AS DOUBLE) AS x FROM t`,
        );
        const expected = texts.map((s, id) => ({
          id,
          t: referenceInteger(s, "TINYINT"),
          sm: referenceInteger(s, "SMALLINT"),
          i: referenceInteger(s, "INT"),
          b: referenceInteger(s, "BIGINT"),
          d: referenceDecimal(s, precision, scale),
          x: referenceDouble(s),
        }));
        assert.deepEqual(got, expected, `${JSON.stringify(texts)} ${decimal}`);
        // CAST gives the same values where the reference reads the text (and TRY_CAST is not NULL).
        const readable = texts.filter(
          (s) => referenceInteger(s, "INT") !== null && referenceDecimal(s, precision, scale) !== null,
        );
        if (readable.length > 0) {
          const cast = await overTexts(
            readable,
            `SELECT id, CAST(s AS INT) AS i, CAST(s AS ${decimal}) AS d FROM t`,
          );
          assert.deepEqual(
            cast,
            readable.map((s, id) => ({
              id,
              i: referenceInteger(s, "INT"),
              d: referenceDecimal(s, precision, scale),
            })),
          );
        }
      },
    ),
    { numRuns: 40 },
  );
});
