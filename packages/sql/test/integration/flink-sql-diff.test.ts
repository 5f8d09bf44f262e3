// Differences bench/sql-diff found between Fleuve SQL and Apache Flink 1.20 SQL, each fixed and
// pinned here. Expected values are what Flink 1.20 gave for the same query in bench/sql-diff
// (RunSql on a MiniCluster), written out; the Flink source each follows is named per test.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { flinkText, materialize, parseDataType, printType, type Row, sql } from "@fleuve/sql";

const tEnv = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));

/** The final rows of `query` (its changelog applied) and its column types (`name TYPE`). */
async function run(query: string, setup = ""): Promise<{ rows: Row[]; types: string[] }> {
  const env = tEnv();
  if (setup !== "") await env.executeScript(setup);
  const types = env.sqlQuery(query).columns.map((c) => `${c.name} ${c.type ? printType(c.type) : "?"}`);
  const rows = materialize(await (await env.executeSql(query)).collect());
  return { rows, types };
}

test("print writes a DECIMAL as BigDecimal.toString: scientific below 1E-6 (0E-13, 1.200E-7)", () => {
  const text = (v: number, t: string) => flinkText(v, parseDataType(t));
  // Flink 1.20's print of CAST(0.00000012 AS DECIMAL(20, 10)), CAST(-0.0000001 AS DECIMAL(20, 7)),
  // CAST(0.000001 AS DECIMAL(20, 7)), a zero DECIMAL(21, 13), -1.50 * 0.00000001, -1.50 / 3000000.
  assert.equal(text(0.00000012, "DECIMAL(20, 10)"), "1.200E-7");
  assert.equal(text(-0.0000001, "DECIMAL(20, 7)"), "-1E-7");
  assert.equal(text(0.000001, "DECIMAL(20, 7)"), "0.0000010");
  assert.equal(text(0, "DECIMAL(21, 13)"), "0E-13");
  assert.equal(text(-0.000000015, "DECIMAL(23, 10)"), "-1.50E-8");
  assert.equal(text(-0.0000005, "DECIMAL(21, 13)"), "-5.000000E-7");
  assert.equal(text(0.0000034166667, "DECIMAL(21, 13)"), "0.0000034166667");
  assert.equal(text(-1.5, "DECIMAL(10, 2)"), "-1.50");
  assert.equal(text(0, "DECIMAL(10, 0)"), "0");
  assert.equal(text(-0, "DECIMAL(10, 2)"), "0.00");
});
