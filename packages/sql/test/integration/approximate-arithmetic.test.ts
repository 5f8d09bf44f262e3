// Arithmetic with a FLOAT or DOUBLE operand typed as Flink 1.20 types it: beside an integer, the
// approximate operand's type whichever side it is on (INT * FLOAT is FLOAT, BIGINT + DOUBLE is
// DOUBLE; Fleuve took the left operand's, so INT / DOUBLE was an INT holding 0.888...), between
// FLOAT and DOUBLE the left operand's; `%` of an approximate number refused. The expected types
// and rows are what bench/flink (Flink 1.20) gave on 2026-12-07 for DESCRIBE of the view below and
// its print sink, over the same json row (a table, not literals: Flink folds constants in double).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { sql } from "@fleuve/sql";
import { assertFlinkColumns, env } from "../fixtures/one-row.js";

const dir = mkdtempSync(join(tmpdir(), "fleuve-approx-"));
writeFileSync(join(dir, "t.jsonl"), '{"i":2,"bi":3,"si":4,"f":1.5,"d":2.25}\n');
const TABLE = `CREATE TABLE t (i INT, bi BIGINT, si SMALLINT, f FLOAT, d DOUBLE) WITH ('connector' = 'filesystem', 'path' = '${join(dir, "t.jsonl")}', 'format' = 'json')`;

/** [expression, Flink 1.20's DESCRIBE type, its printed value]. */
const FLINK: [string, string, string][] = [
  ["i + f", "FLOAT", "3.5"],
  ["f + i", "FLOAT", "3.5"],
  ["i * f", "FLOAT", "3.0"],
  ["i - d", "DOUBLE", "-0.25"],
  ["d - i", "DOUBLE", "0.25"],
  ["f + d", "FLOAT", "3.75"],
  ["d + f", "DOUBLE", "3.75"],
  ["i / f", "FLOAT", "1.3333334"],
  ["i / d", "DOUBLE", "0.8888888888888888"],
  ["bi * f", "FLOAT", "4.5"],
  ["si + d", "DOUBLE", "6.25"],
  ["MOD(i, 2)", "INT", "0"],
  ["f * d", "FLOAT", "3.375"],
  ["bi + d", "DOUBLE", "5.25"],
];

test("arithmetic with FLOAT or DOUBLE has Flink 1.20's type and value", async () => {
  const tEnv = sql(env());
  await tEnv.executeSql(TABLE);
  await assertFlinkColumns(tEnv, "t", FLINK);
});

test("% of a FLOAT or DOUBLE is refused with Flink's message", async () => {
  const tEnv = sql(env());
  await tEnv.executeSql(TABLE);
  for (const [expression, types] of [
    ["i % f", "<INTEGER> % <FLOAT>"],
    ["d % i", "<DOUBLE> % <INTEGER>"],
  ]) {
    await assert.rejects(tEnv.executeSql(`SELECT ${expression} FROM t`), (err: Error) => {
      assert.ok(
        err.message.includes(
          `Cannot apply '%' to arguments of type '${types}'. Supported form(s): '<EXACT_NUMERIC> % <EXACT_NUMERIC>'`,
        ),
        err.message,
      );
      return true;
    });
  }
});
