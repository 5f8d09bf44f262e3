// `%` and MOD with a DECIMAL operand as Flink 1.20 types and computes them: the type is
// findModuloDecimalType's (the larger scale, the fewer whole digits), the remainder exact on the
// decimal values (MOD(0.3, 0.1) is 0.0, not the doubles' 0.09999999999999998) with the dividend's
// sign; `%` whose type is not its divisor's fails to plan in Flink and is refused; a zero divisor
// fails the job (BigDecimal's "Division by zero", Java's "/ by zero" for integers). The types and
// rows are what bench/flink (Flink 1.20, DESCRIBE of the view and its SELECT) printed on
// 2026-12-08 over the same json row.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { sql } from "@fleuve/sql";
import { assertFlinkColumns, env } from "../fixtures/one-row.js";

const dir = mkdtempSync(join(tmpdir(), "fleuve-decimal-mod-"));
writeFileSync(
  join(dir, "t.json"),
  '{"a":"7.5","b":"2","c":"-7.5","i":7,"e":"1234567890123.123","f":"0.007","g":"0.3","h":"0.1","n":"-0.3","z":"0","j":0}\n',
);
const TABLE = `CREATE TABLE t (a DECIMAL(5,1), b DECIMAL(10,0), c DECIMAL(5,1), i INT, e DECIMAL(23,3), f DECIMAL(4,3), g DECIMAL(5,1), h DECIMAL(5,1), n DECIMAL(5,1), z DECIMAL(3,0), j INT) WITH ('connector'='filesystem','path'='${join(dir, "t.json")}','format'='json')`;

/** [expression, Flink 1.20's DESCRIBE type, its printed value]. */
const FLINK: [string, string, string][] = [
  ["MOD(a, b)", "DECIMAL(5, 1)", "1.5"],
  ["MOD(c, b)", "DECIMAL(5, 1)", "-1.5"],
  ["MOD(i, a)", "DECIMAL(5, 1)", "7.0"],
  ["MOD(a, i)", "DECIMAL(5, 1)", "0.5"],
  ["MOD(e, f)", "DECIMAL(4, 3)", "0.003"],
  ["MOD(e, a)", "DECIMAL(7, 3)", "3.123"],
  ["MOD(c, f)", "DECIMAL(4, 3)", "-0.003"],
  ["i % a", "DECIMAL(5, 1)", "7.0"],
  ["e % f", "DECIMAL(4, 3)", "0.003"],
  ["c % f", "DECIMAL(4, 3)", "-0.003"],
  ["g % h", "DECIMAL(5, 1)", "0.0"],
  ["MOD(g, h)", "DECIMAL(5, 1)", "0.0"],
  ["MOD(n, h)", "DECIMAL(5, 1)", "0.0"],
  ["n % h", "DECIMAL(5, 1)", "0.0"],
  ["MOD(e, b)", "DECIMAL(13, 3)", "1.123"],
  ["MOD(b, e)", "DECIMAL(13, 3)", "2.000"],
  ["MOD(f, a)", "DECIMAL(4, 3)", "0.007"],
];

test("% and MOD of DECIMALs have Flink 1.20's type and exact value", async () => {
  const tEnv = sql(env());
  await tEnv.executeSql(TABLE);
  await assertFlinkColumns(tEnv, "t", FLINK);
  // CAST to STRING writes the scale: Flink printed 0.0, 0.003, 0.5.
  const cast = await (
    await tEnv.executeSql(
      "SELECT CAST(g % h AS STRING) AS x, CAST(MOD(e, f) AS STRING) AS y, CAST(MOD(a, i) AS STRING) AS w FROM t",
    )
  ).collect();
  assert.deepEqual(cast, [{ x: "0.0", y: "0.003", w: "0.5" }]);
});

test("% whose Flink type is not its divisor's is refused, as Flink fails to plan it; MOD takes them", async () => {
  const tEnv = sql(env());
  await tEnv.executeSql(TABLE);
  // Flink: "Conversion to relational algebra failed to preserve datatypes: validated type:
  // RecordType(DECIMAL(10, 0) EXPR$0) NOT NULL converted type: RecordType(DECIMAL(5, 1) EXPR$0)".
  for (const [expr, validated] of [
    ["a % b", "DECIMAL(10, 0)"],
    ["a % i", "INTEGER"],
  ] as const) {
    assert.throws(
      () => tEnv.sqlQuery(`SELECT ${expr} FROM t`),
      (e: Error) => e.message.includes(`its validator types it ${validated}`) && e.message.includes("MOD("),
      expr,
    );
  }
});

test("a zero divisor fails the job, DECIMAL or integer", async () => {
  // Flink: "Division by zero" for MOD(a, z) and i % z, "/ by zero" for i % j and MOD(i, j).
  for (const expr of ["MOD(a, z)", "i % z", "i % j", "MOD(i, j)"]) {
    const tEnv = sql(env());
    await tEnv.executeSql(TABLE);
    await assert.rejects(
      async () => (await tEnv.executeSql(`SELECT ${expr} AS r FROM t`)).collect(),
      /division by zero/,
      expr,
    );
  }
});
