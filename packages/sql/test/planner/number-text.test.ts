// The readers of text as numbers behind CAST (and the comparisons of numbers with strings), as
// Flink 1.20 reads text: integers as BinaryStringDataUtil.toByte/toShort/toInt/toLong, DECIMAL as
// toDecimal (BigDecimal, HALF_UP, refused past the precision), DOUBLE/FLOAT as Java's parseDouble.
// SQL-level cases are in test/integration/cast-numbers-from-text.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  decimalFromText,
  floatingFromText,
  integerFromText,
  onDecimalScale,
} from "../../src/planner/number-text.js";

test("integerFromText reads text as Flink's BinaryStringDataUtil.toLong does, within each type's range", () => {
  assert.equal(integerFromText(" 7 ", "BIGINT"), 7);
  assert.equal(integerFromText("-7.9", "BIGINT"), -7);
  assert.equal(integerFromText("+7.", "BIGINT"), 7);
  assert.equal(integerFromText(".5", "BIGINT"), 0);
  assert.ok(Object.is(integerFromText("-0.5", "INT"), 0));
  // Exact past 2^53: a bigint (Flink's long).
  assert.equal(integerFromText("-9223372036854775808", "BIGINT"), -(2n ** 63n));
  assert.equal(integerFromText("9007199254740993", "BIGINT"), 9007199254740993n);
  assert.equal(integerFromText("9007199254740991", "BIGINT"), 9007199254740991);
  assert.equal(integerFromText("000000000000000000000127", "TINYINT"), 127);
  assert.equal(integerFromText("-128.99", "TINYINT"), -128);
  for (const bad of ["", " ", "-", "1e3", "0x10", "1.2.3", "7a", "1 2", "\t1", "1.5e0"])
    assert.throws(() => integerFromText(bad, "BIGINT"), /cannot cast/, JSON.stringify(bad));
  for (const [text, type] of [
    ["9223372036854775808", "BIGINT"],
    ["128", "TINYINT"],
    ["-32769", "SMALLINT"],
    ["2147483648", "INT"],
  ] as const)
    assert.throws(() => integerFromText(text, type), /out of its range/, `${text} ${type}`);
});

test("floatingFromText reads text as Java's Double.parseDouble and Float.parseFloat do", () => {
  assert.equal(floatingFromText(" 1e3 ", "DOUBLE"), 1000);
  assert.equal(floatingFromText("\t.5\n", "DOUBLE"), 0.5);
  assert.equal(floatingFromText("5.", "DOUBLE"), 5);
  assert.equal(floatingFromText("1.5d", "DOUBLE"), 1.5);
  assert.equal(floatingFromText("-2F", "FLOAT"), -2);
  assert.equal(floatingFromText("0x1.8p1", "DOUBLE"), 3);
  assert.equal(floatingFromText("-0x.8P-1", "DOUBLE"), -0.25);
  assert.ok(Number.isNaN(floatingFromText("NaN", "DOUBLE")));
  assert.equal(floatingFromText("-Infinity", "DOUBLE"), -Infinity);
  assert.equal(floatingFromText("1e39", "FLOAT"), Infinity);
  assert.equal(floatingFromText("1e39", "DOUBLE"), 1e39);
  assert.equal(floatingFromText("1e-50", "FLOAT"), 0);
  assert.equal(floatingFromText("0.1", "FLOAT"), Math.fround(0.1)); // a Java float, rounded to 32 bits
  for (const bad of ["", "nan", "inf", "Infinityd", "1e", "e5", ".", "0x10", "1_000", "1,5", "1.5dd"])
    assert.throws(() => floatingFromText(bad, "DOUBLE"), /cannot cast/, bad);
});

/** `rounded` (units of 10^-scale, HALF_UP already applied) as a number with `sign`. */
const decimalValue = (sign: string, rounded: bigint, scale: number) =>
  (sign === "-" ? -1 : 1) *
    Number(
      `${rounded / 10n ** BigInt(scale)}.${String(rounded % 10n ** BigInt(scale)).padStart(scale, "0")}`,
    ) || 0;
/** decimalFromText's value, or "refused" when it throws. */
const decimalOrRefused = (text: string, precision: number, scale: number) => {
  try {
    return decimalFromText(text, precision, scale) || 0;
  } catch {
    return "refused";
  }
};

test("property: decimalFromText rounds the text HALF_UP to the scale and refuses it past the precision", () => {
  fc.assert(
    fc.property(
      fc.constantFrom("", "-", "+"),
      fc.stringMatching(/^\d{0,25}$/),
      fc.stringMatching(/^\d{0,12}$/),
      fc.integer({ min: 0, max: 6 }),
      fc.integer({ min: 1, max: 38 }),
      (sign, whole, frac, scale, p) => {
        fc.pre(whole !== "" || frac !== "");
        const precision = Math.max(p, scale);
        const text = `${sign}${whole}${frac === "" ? "" : `.${frac}`}`;
        // The magnitude in units of 10^-(scale + 1), then rounded to units of 10^-scale.
        const units = BigInt(`${whole || "0"}${frac.padEnd(scale + 1, "0").slice(0, scale + 1)}`);
        const rounded = (units + 5n) / 10n;
        const expected = rounded >= 10n ** BigInt(precision) ? "refused" : decimalValue(sign, rounded, scale);
        assert.equal(
          decimalOrRefused(text, precision, scale),
          expected,
          `${text} as DECIMAL(${precision}, ${scale})`,
        );
      },
    ),
    { numRuns: 500 },
  );
  assert.throws(
    () => decimalFromText("x", 10, 2),
    /cannot cast 'x' to DECIMAL\(10, 2\): not a decimal number/,
  );
  assert.throws(() => decimalFromText("1000", 5, 2), /more than 3 digits before the point/);
  assert.equal(decimalFromText("1.5e1", 10, 0), 15);
});

test("property: decimalFromText reads an exponent as BigDecimal does, rounding once", () => {
  fc.assert(
    fc.property(
      fc.constantFrom("", "-"),
      fc.stringMatching(/^\d{0,8}$/),
      fc.stringMatching(/^\d{0,8}$/),
      fc.integer({ min: -30, max: 30 }),
      fc.constantFrom("e", "E"),
      fc.integer({ min: 0, max: 6 }),
      fc.integer({ min: 1, max: 38 }),
      (sign, whole, frac, exp, e, scale, p) => {
        fc.pre(whole !== "" || frac !== "");
        const precision = Math.max(p, scale);
        const text = `${sign}${whole}${frac === "" ? "" : `.${frac}`}${e}${exp}`;
        // The value is N * 10^shift; times 10^scale, rounded HALF_UP, by BigInt only.
        const n = BigInt(`${whole}${frac}` || "0");
        const shift = exp - frac.length + scale;
        const d = shift >= 0 ? 1n : 10n ** BigInt(-shift);
        const rounded = shift >= 0 ? n * 10n ** BigInt(shift) : (n + d / 2n) / d;
        const expected = rounded >= 10n ** BigInt(precision) ? "refused" : decimalValue(sign, rounded, scale);
        assert.equal(
          decimalOrRefused(text, precision, scale),
          expected,
          `${text} as DECIMAL(${precision}, ${scale})`,
        );
      },
    ),
    { numRuns: 500 },
  );
  // Rounded once from the text: a double's 1.049 would round to 1.05 first, then to 1.1.
  assert.equal(decimalFromText("1.049e0", 5, 1), 1);
  assert.equal(decimalFromText("1e21", 38, 0), 1e21);
  assert.throws(() => decimalFromText("1e40", 38, 0), /more than 38 digits before the point/);
  assert.equal(decimalFromText("1e-400", 10, 2), 0);
  assert.equal(decimalFromText(" \t1.5\n", 10, 1), 1.5); // toDecimal trims spaces, tabs and newlines
  for (const bad of [
    "0x10",
    "0b1",
    "1e",
    "e5",
    "1e+",
    "Infinity",
    "NaN",
    "1_000",
    ".",
    "1e99999999999",
    "\r1",
  ])
    assert.throws(() => decimalFromText(bad, 10, 2), /cannot cast/, bad);
});

test("property: onDecimalScale gives the exact DECIMAL of a sum or product of DECIMALs computed in doubles", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -1e7, max: 1e7 }),
      fc.integer({ min: -1e7, max: 1e7 }),
      fc.integer({ min: 0, max: 6 }),
      (i, j, s) => {
        // i and j thousandths-or-finer: their exact sum is (i + j) units of 10^-s.
        const x = Number(`${i}e-${s}`);
        const y = Number(`${j}e-${s}`);
        assert.equal(onDecimalScale(x + y, s), Number(`${i + j}e-${s}`));
        assert.equal(onDecimalScale(x * y, 2 * s), Number(`${BigInt(i) * BigInt(j)}e-${2 * s}`) || 0);
      },
    ),
    { numRuns: 300 },
  );
  // Past 10^22 the shift is made on the text: 1e-24 at scale 24 is one unit.
  assert.equal(onDecimalScale(1e-24 + 1e-24, 24), 2e-24);
});
