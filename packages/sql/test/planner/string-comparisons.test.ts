// The type a character string is compared as in `<`, `<=`, `>`, `>=` and BETWEEN (Calcite's
// StandardConvertletTable.consistentType with Consistency.COMPARE: leastRestrictive of the other
// types plus BIGINT for numbers), and the reading of the text as BIGINT and DECIMAL(p, s) as
// Flink's CAST reads it.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { printType } from "../../src/parser/printer.js";
import {
  bigintFromText,
  decimalFromText,
  orderedComparisonCast,
} from "../../src/planner/string-comparisons.js";

const t = (name: string, ...args: number[]) => ({ kind: "atomic", name, args, notNull: false }) as const;
const castOf = (...types: ReturnType<typeof t>[]) => {
  const how = orderedComparisonCast(types);
  return how === undefined ? undefined : "cast" in how ? printType(how.cast) : `refused: ${how.refuse}`;
};

test("the type of the comparison is leastRestrictive(other types + BIGINT for numbers), as Calcite 1.32 finds it", () => {
  assert.equal(castOf(t("INT"), t("STRING")), "BIGINT");
  assert.equal(castOf(t("STRING"), t("TINYINT")), "BIGINT");
  assert.equal(castOf(t("BIGINT"), t("VARCHAR", 3), t("INT")), "BIGINT");
  assert.equal(castOf(t("DOUBLE"), t("STRING")), "DOUBLE");
  assert.equal(castOf(t("FLOAT"), t("STRING")), "FLOAT");
  assert.equal(castOf(t("FLOAT"), t("STRING"), t("DECIMAL", 5, 2)), "DOUBLE");
  // DECIMAL: the larger scale and whole digits, BIGINT counting as DECIMAL(19, 0), at most 38.
  assert.equal(castOf(t("DECIMAL", 5, 2), t("STRING")), "DECIMAL(21, 2)");
  assert.equal(castOf(t("DECIMAL", 38, 18), t("STRING")), "DECIMAL(38, 18)");
  assert.equal(castOf(t("DECIMAL", 38, 37), t("STRING")), "DECIMAL(38, 19)");
  assert.equal(castOf(t("DECIMAL", 30, 0), t("STRING")), "DECIMAL(30, 0)");
  assert.equal(castOf(t("TIMESTAMP", 3), t("STRING")), "TIMESTAMP(3)");
  assert.equal(castOf(t("TIMESTAMP", 3), t("STRING"), t("TIMESTAMP", 6)), "TIMESTAMP(6)");
  assert.equal(castOf(t("STRING"), t("DATE")), "DATE");
  assert.equal(castOf(t("BOOLEAN"), t("STRING")), "BOOLEAN");
  // Nothing is cast without a string, or with strings only (areSameFamily).
  assert.equal(castOf(t("INT"), t("DOUBLE")), undefined);
  assert.equal(castOf(t("STRING"), t("VARCHAR", 2)), undefined);
  assert.match(castOf(t("DATE"), t("STRING"), t("TIMESTAMP", 3)) as string, /^refused: DATE, TIMESTAMP\(3\)/);
  assert.match(castOf(t("INT"), t("STRING"), t("DATE")) as string, /^refused: /);
});

test("bigintFromText reads text as Flink's BinaryStringDataUtil.toLong does", () => {
  assert.equal(bigintFromText(" 7 "), 7);
  assert.equal(bigintFromText("-7.9"), -7);
  assert.equal(bigintFromText("+7."), 7);
  assert.equal(bigintFromText(".5"), 0);
  assert.equal(bigintFromText("-9223372036854775808"), -(2 ** 63));
  for (const bad of ["", " ", "-", "1e3", "0x10", "1.2.3", "7a", "9223372036854775808", "1 2"])
    assert.throws(() => bigintFromText(bad), /cannot cast/, JSON.stringify(bad));
});

test("property: decimalFromText rounds the text HALF_UP to the scale and is NULL past the precision", () => {
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
        const expected =
          rounded >= 10n ** BigInt(precision)
            ? null
            : (sign === "-" ? -1 : 1) *
                Number(
                  `${rounded / 10n ** BigInt(scale)}.${String(rounded % 10n ** BigInt(scale)).padStart(scale, "0")}`,
                ) || 0;
        const got = decimalFromText(text, precision, scale);
        assert.equal(got === null ? null : got || 0, expected, `${text} as DECIMAL(${precision}, ${scale})`);
      },
    ),
    { numRuns: 500 },
  );
  assert.throws(() => decimalFromText("x", 10, 2), /cannot cast/);
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
        const expected =
          rounded >= 10n ** BigInt(precision)
            ? null
            : (sign === "-" ? -1 : 1) *
                Number(
                  `${rounded / 10n ** BigInt(scale)}.${String(rounded % 10n ** BigInt(scale)).padStart(scale, "0")}`,
                ) || 0;
        const got = decimalFromText(text, precision, scale);
        assert.equal(got === null ? null : got || 0, expected, `${text} as DECIMAL(${precision}, ${scale})`);
      },
    ),
    { numRuns: 500 },
  );
  // Rounded once from the text: a double's 1.049 would round to 1.05 first, then to 1.1.
  assert.equal(decimalFromText("1.049e0", 5, 1), 1);
  assert.equal(decimalFromText("1e21", 38, 0), 1e21);
  assert.equal(decimalFromText("1e40", 38, 0), null);
  assert.equal(decimalFromText("1e-400", 10, 2), 0);
  for (const bad of ["0x10", "0b1", "1e", "e5", "1e+", "Infinity", "NaN", "1_000"])
    assert.throws(() => decimalFromText(bad, 10, 2), /cannot cast/, bad);
});
