// The type a character string is compared as in `<`, `<=`, `>`, `>=` and BETWEEN (Calcite's
// StandardConvertletTable.consistentType with Consistency.COMPARE: leastRestrictive of the other
// types plus BIGINT for numbers). The reading of the text is CAST's: number-text.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { printType } from "../../src/parser/printer.js";
import { orderedComparisonCast } from "../../src/planner/string-comparisons.js";

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
