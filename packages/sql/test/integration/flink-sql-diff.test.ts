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

test("AVG of a DECIMAL(p, s) is a DECIMAL(38, max(6, s)), rounded half up (Flink's findAvgAggType)", async () => {
  // 32 rows: x is 0.01 in one of them, n -0.01 in one, y 0.0000015 and 0.00000005 in two, z 3 in 4.
  const { rows, types } = await run(`
    SELECT AVG(x) AS ax, AVG(y) AS ay, SUM(x) AS sx, AVG(z) AS az, AVG(n) AS an, SUM(y) AS sy
    FROM (SELECT
        CASE WHEN a = 1 AND b = 1 THEN CAST(0.01 AS DECIMAL(10, 2)) ELSE CAST(0 AS DECIMAL(10, 2)) END AS x,
        CASE WHEN a = 1 AND b = 1 THEN CAST(0.0000015 AS DECIMAL(20, 8))
             WHEN a = 1 AND b = 2 THEN CAST(0.00000005 AS DECIMAL(20, 8)) END AS y,
        CASE WHEN b = 1 THEN CAST(3 AS DECIMAL(5, 0)) END AS z,
        CASE WHEN a = 2 AND b = 1 THEN CAST(-0.01 AS DECIMAL(10, 2)) ELSE CAST(0 AS DECIMAL(10, 2)) END AS n
      FROM (VALUES 1, 2, 3, 4) AS ta(a) CROSS JOIN (VALUES 1, 2, 3, 4, 5, 6, 7, 8) AS tb(b))`);
  assert.deepEqual(types, [
    "ax DECIMAL(38, 6)",
    "ay DECIMAL(38, 8)",
    "sx DECIMAL(38, 2)",
    "az DECIMAL(38, 6)",
    "an DECIMAL(38, 6)",
    "sy DECIMAL(38, 8)",
  ]);
  // Flink 1.20 printed +I[0.000313, 7.8E-7, 0.01, 3.000000, -0.000313, 0.00000155]: 0.01 / 32 is
  // 0.0003125, half up 0.000313 (away from zero for -0.01 / 32), 0.00000155 / 2 is 0.00000078.
  assert.equal(rows.length, 1);
  const row = rows[0] as Row;
  const text = Object.entries(row).map(([k, v], i) =>
    flinkText(v, parseDataType((types[i] as string).slice(k.length + 1))),
  );
  assert.deepEqual(text, ["0.000313", "7.8E-7", "0.01", "3.000000", "-0.000313", "0.00000155"]);
});

test("SUM of only -0.0 is -0.0 (Flink's sum starts NULL), AVG 0.0 (Flink's AvgAggFunction's sum starts at 0)", async () => {
  // A file, not VALUES: Flink's planner folds a constant -0.0 into 0.0 (Calcite's BigDecimal).
  const dir = mkdtempSync(join(tmpdir(), "sql-diff-"));
  writeFileSync(join(dir, "d.json"), '{"k":"z","d":-0.0}\n{"k":"z","d":-0.0}\n{"k":"n","d":null}\n');
  const { rows } = await run(
    "SELECT k, SUM(d) AS s, AVG(d) AS a, SUM(DISTINCT d) AS sd FROM t GROUP BY k",
    `CREATE TABLE t (k STRING, d DOUBLE) WITH ('connector' = 'filesystem', 'path' = '${join(dir, "d.json")}', 'format' = 'json');`,
  );
  const byKey = new Map(rows.map((r) => [r.k, r]));
  // Flink 1.20 (bench/sql-diff case 12, the key '' of one -0.0): SUM -0.0, AVG 0.0.
  assert.ok(Object.is(byKey.get("z")?.s, -0) && Object.is(byKey.get("z")?.sd, -0));
  assert.ok(Object.is(byKey.get("z")?.a, 0));
  assert.deepEqual(byKey.get("n"), { k: "n", s: null, a: null, sd: null });
  assert.equal(flinkText(byKey.get("z")?.s, parseDataType("DOUBLE")), "-0.0");
});

test("ROUND of a TINYINT, SMALLINT or INT keeps the type and wraps (Flink's sround(int, int) is intValue())", async () => {
  const { rows, types } =
    await run(`SELECT ROUND(CAST(127 AS TINYINT), -1) AS t, ROUND(CAST(32767 AS SMALLINT), -1) AS s,
      ROUND(2147483647, -1) AS i, ROUND(CAST(-2147483648 AS INT), -1) AS j, ROUND(2147483647, -2) AS k, TRUNCATE(2147483647, -1) AS u,
      ROUND(v, -1) AS col
    FROM (VALUES (2147483647)) AS t(v)`);
  assert.deepEqual(types, [
    "t TINYINT NOT NULL",
    "s SMALLINT NOT NULL",
    "i INT NOT NULL",
    "j INT NOT NULL",
    "k INT NOT NULL",
    "u INT NOT NULL",
    "col INT NOT NULL",
  ]);
  // Flink 1.20: -126, -32766, -2147483646, 2147483646, 2147483600 (bench/sql-diff case 03 too).
  assert.deepEqual(rows, [
    { t: -126, s: -32766, i: -2147483646, j: 2147483646, k: 2147483600, u: 2147483640, col: -2147483646 },
  ]);
});

test("LIKE '' (a literal, with or without ESCAPE) is TRUE for any non-NULL string, as Flink 1.20's SqlLikeChainChecker", async () => {
  const { rows } =
    await run(`SELECT s, s LIKE '' AS e, s NOT LIKE '' AS ne, s LIKE '' ESCAPE '!' AS ee, s LIKE '%%' AS pp,
      s LIKE 'a%' AS a
    FROM (VALUES ('abc'), (''), (CAST(NULL AS STRING)), ('日')) AS t(s)`);
  assert.deepEqual(rows, [
    { s: "abc", e: true, ne: false, ee: true, pp: true, a: true },
    { s: "", e: true, ne: false, ee: true, pp: true, a: false },
    { s: null, e: null, ne: null, ee: null, pp: null, a: null },
    { s: "日", e: true, ne: false, ee: true, pp: true, a: false },
  ]);
});

test("CAST of NULL to a ROW, ARRAY or MAP, and of a ROW or ARRAY field by field", async () => {
  const { rows, types } =
    await run(`SELECT id, CAST(NULL AS ROW<a INT, b STRING>) AS r, CAST(NULL AS ARRAY<INT>) AS arr,
      CAST(NULL AS MAP<STRING, INT>) AS m, CAST(NULL AS ROW<a INT>) IS NULL AS isnull,
      CAST(ROW(id, s) AS ROW<x BIGINT, y STRING>) AS rr, CAST(ARRAY[id] AS ARRAY<BIGINT>) AS aa
    FROM (VALUES (1, 'Hello'), (2, '')) AS t(id, s)`);
  assert.deepEqual(types.slice(1, 4).concat(types.slice(5)), [
    "r ROW<a INT, b STRING>",
    "arr ARRAY<INT>",
    "m MAP<STRING, INT>",
    "rr ROW<x BIGINT, y STRING> NOT NULL",
    "aa ARRAY<BIGINT> NOT NULL",
  ]);
  // Flink 1.20 printed +I[1, null, null, null, true, +I[1, Hello], [1]] and +I[2, ..., +I[2, ], [2]].
  assert.deepEqual(rows, [
    { id: 1, r: null, arr: null, m: null, isnull: true, rr: [1, "Hello"], aa: [1] },
    { id: 2, r: null, arr: null, m: null, isnull: true, rr: [2, ""], aa: [2] },
  ]);
});

test("ASCII is the first UTF-8 byte as a Java byte (Flink's byteAt(0)), negative past U+007F", async () => {
  const { rows } = await run(
    `SELECT ASCII(s) AS a FROM (VALUES ('abc'), (''), ('日'), ('😀x'), ('é')) AS t(s)`,
  );
  // Flink 1.20: 97, 0, -26 (0xE6), -16 (0xF0); 'é' is 0xC3 0xA9.
  assert.deepEqual(
    rows.map((r) => r.a),
    [97, 0, -26, -16, -61],
  );
});

test("CAST to VARCHAR(n) cuts to n characters, to CHAR(n) cuts or pads with spaces (CharVarCharTrimPadCastRule)", async () => {
  const { rows } =
    await run(`SELECT CAST(p AS VARCHAR(3)) AS v, CAST(s AS CHAR(3)) AS c, CAST(s AS VARCHAR) AS whole,
      CAST(s AS STRING) AS str
    FROM (VALUES (CAST(10.25 AS DECIMAL(10, 2)), 'Hello'), (CAST(-1.50 AS DECIMAL(10, 2)), ''),
      (CAST(99999.99 AS DECIMAL(10, 2)), '  padded  '), (CAST(0 AS DECIMAL(10, 2)), '😀 emoji')) AS t(p, s)`);
  // Flink 1.20 (bench/sql-diff case 40, from a table): 10. Hel, -1. and three spaces, 999 and
  // '  p', 0.0 and '😀 e' (characters are code points).
  assert.deepEqual(rows, [
    { v: "10.", c: "Hel", whole: "Hello", str: "Hello" },
    { v: "-1.", c: "   ", whole: "", str: "" },
    { v: "999", c: "  p", whole: "  padded  ", str: "  padded  " },
    { v: "0.0", c: "😀 e", whole: "😀 emoji", str: "😀 emoji" },
  ]);
});

test("-2147483648 is an INT literal, and negating an INT, SMALLINT or TINYINT wraps as Java's", async () => {
  const { rows, types } =
    await run(`SELECT -2147483648 AS lit, ROUND(-2147483648, -1) AS r, -v AS neg, -CAST(s AS SMALLINT) AS sneg,
      -CAST(t AS TINYINT) AS tneg, -CAST(v AS BIGINT) AS bneg
    FROM (VALUES (-2147483648, -32768, -128)) AS x(v, s, t)`);
  assert.deepEqual(types.slice(0, 2), ["lit INT NOT NULL", "r INT NOT NULL"]);
  // Flink 1.20 printed ROUND(-2147483648, -1) as 2147483646 (an INT, wrapped), -2147483648 as
  // an INT column, and -(v + 1) of the INT v = 2147483647 as -2147483648.
  assert.deepEqual(rows, [
    { lit: -2147483648, r: 2147483646, neg: -2147483648, sneg: -32768, tneg: -128, bneg: 2147483648 },
  ]);
});
