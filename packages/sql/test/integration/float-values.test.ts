// FLOAT is Java's float in Flink: CAST(... AS FLOAT), FLOAT arithmetic and a FLOAT column read from
// json or csv round to 32 bits, and FLOAT prints as Float.toString (JDK 17's FloatingDecimal,
// which gives a whole float its integer digits: `1.23456792E8`). The expected rows are Flink
// 1.20's print sink output for these queries (bench/flink/run.sh sql, recorded 2026-12-07).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { javaFloatText } from "@fleuve/core";
import { flinkText, sql } from "@fleuve/sql";
import fc from "fast-check";
import { env, flinkChangelog } from "../fixtures/one-row.js";

const dir = mkdtempSync(join(tmpdir(), "fleuve-float-"));
writeFileSync(
  join(dir, "r.jsonl"),
  [
    '{"id":1,"d":3.141592653589793,"e":0.1,"i":3,"st":"2.718281828459045","bg":3.4e38,"dc":1.23456789,"f":3.141592653589793}',
    '{"id":2,"d":1e10,"e":0.2,"i":-7,"st":" 1e-5 ","bg":1e-50,"dc":-0.00012345,"f":16777217}',
    '{"id":3,"d":123456789.0,"e":1e-4,"i":100,"st":"0.1","bg":-0.0,"dc":0.5,"f":0.1}',
  ].join("\n"),
);
writeFileSync(join(dir, "r.csv"), "1,3.141592653589793\n2,0.1\n3,1e10\n");

/** The rows of `query` over the json and csv tables, printed as the print sink does (`+I[..]`), sorted. */
async function printed(query: string): Promise<string[]> {
  const tEnv = sql(env());
  await tEnv.executeSql(
    `CREATE TABLE r (id INT, d DOUBLE, e DOUBLE, i INT, st STRING, bg DOUBLE, dc DECIMAL(10,8), f FLOAT) WITH ('connector'='filesystem','path'='${join(dir, "r.jsonl")}','format'='json')`,
  );
  await tEnv.executeSql(
    `CREATE TABLE c (id INT, f FLOAT) WITH ('connector'='filesystem','path'='${join(dir, "r.csv")}','format'='csv')`,
  );
  const columns = tEnv.sqlQuery(query).columns;
  const rows = await (await tEnv.executeSql(query)).collect();
  return rows.map((r) => `+I[${columns.map((c) => flinkText(r[c.name], c.type)).join(", ")}]`).sort();
}

test("FLOAT casts, arithmetic and json columns round to 32 bits and print as Flink does", async () => {
  const rows = await printed(
    "SELECT id, CAST(d AS FLOAT) AS a, CAST(CAST(d AS FLOAT) AS DOUBLE) AS b, CAST(CAST(d AS FLOAT) AS STRING) AS c, CAST(d AS FLOAT) + CAST(e AS FLOAT) AS r, CAST(CAST(d AS FLOAT) + CAST(e AS FLOAT) AS DOUBLE) AS rd, CAST(e AS FLOAT) * i AS s, CAST(CAST(e AS FLOAT) * i AS DOUBLE) AS sd, CAST(d AS FLOAT) / CAST(e AS FLOAT) AS u, CAST(d AS FLOAT) - i AS v, CAST(d AS FLOAT) + e AS w, CAST(d AS FLOAT) * 0.5 AS x, CAST(i AS FLOAT) AS y, CAST(st AS FLOAT) AS z, CAST(bg AS FLOAT) AS aa, CAST(dc AS FLOAT) AS ab, f, CAST(f AS DOUBLE) AS fd, CAST(f AS STRING) AS fs FROM r",
  );
  assert.deepEqual(rows, [
    "+I[1, 3.1415927, 3.1415927410125732, 3.1415927, 3.2415926, 3.2415926456451416, 0.3, 0.30000001192092896, 31.415928, 0.14159274, 3.2415926, 1.5707963705062866, 3.0, 2.7182817, 3.4E38, 1.2345679, 3.1415927, 3.1415927410125732, 3.1415927]",
    "+I[2, 1.0E10, 1.0E10, 1.0E10, 1.0E10, 1.0E10, -1.4, -1.399999976158142, 4.9999999E10, 1.0E10, 1.0E10, 5.0E9, -7.0, 1.0E-5, 0.0, -1.2345E-4, 1.6777216E7, 1.6777216E7, 1.6777216E7]",
    "+I[3, 1.23456792E8, 1.23456792E8, 1.23456792E8, 1.23456792E8, 1.23456792E8, 0.01, 0.009999999776482582, 1.23456795E12, 1.23456688E8, 1.23456792E8, 6.1728396E7, 100.0, 0.1, -0.0, 0.5, 0.1, 0.10000000149011612, 0.1]",
  ]);
});

test("a FLOAT column read from csv is rounded to 32 bits as Flink reads it", async () => {
  assert.deepEqual(await printed("SELECT id, f, CAST(f AS DOUBLE) AS fd FROM c"), [
    "+I[1, 3.1415927, 3.1415927410125732]",
    "+I[2, 0.1, 0.10000000149011612]",
    "+I[3, 1.0E10, 1.0E10]",
  ]);
});

test("javaFloatText: the text of CAST(x AS FLOAT) reads back as Math.fround(x), in Java's layout", () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true }), (x) => {
      const f = Math.fround(x);
      const text = javaFloatText(f);
      if (!Number.isFinite(f)) return text === (f > 0 ? "Infinity" : "-Infinity");
      assert.match(text, /^-?\d+\.\d+(E-?\d+)?$/, text);
      // Java's layout: plain from 10^-3 to 10^7, else one digit before the point and an exponent.
      const a = Math.abs(f);
      assert.equal(text.includes("E"), a !== 0 && (a < 1e-3 || a >= 1e7), text);
      if (text.includes("E")) assert.match(text, /^-?\d\./, text);
      assert.ok(Object.is(Math.fround(Number(text)), f), `${text} does not read back as ${f}`);
      // No more digits than a float has (9 significant digits besides JDK 17's whole-float ones).
      const digits = text.replace(/E.*$/, "").replace(/[-.]/g, "").replace(/^0+/, "").replace(/0+$/, "");
      assert.ok(digits.length <= (Number.isInteger(f) && a >= 1e7 ? 19 : 9), text);
      return true;
    }),
    { numRuns: 2000 },
  );
});

test("CAST(x AS FLOAT) AS STRING is javaFloatText of Math.fround(x) for random doubles", async () => {
  const xs = [
    -0,
    ...fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true, min: -3e38, max: 3e38 }), 40),
  ];
  const tEnv = sql(env());
  // String(-0) is "0": write minus zero's sign, which fc.double samples too.
  const text = (x: number) => (Object.is(x, -0) ? "-0.0" : String(x));
  const query = `SELECT ${xs.map((x, i) => `CAST(CAST(CAST('${text(x)}' AS DOUBLE) AS FLOAT) AS STRING) AS c${i}`).join(", ")}`;
  const [row] = await (await tEnv.executeSql(query)).collect();
  assert.ok(row !== undefined);
  for (const [i, x] of xs.entries()) assert.equal(row[`c${i}`], javaFloatText(Math.fround(x)), String(x));
});

test("SUM of a FLOAT adds in float arithmetic, AVG's quotient is a float, as Flink's", async () => {
  const sums = mkdtempSync(join(tmpdir(), "fleuve-float-sum-"));
  writeFileSync(join(sums, "s.jsonl"), '{"id":1,"f":16777216.0}\n{"id":2,"f":1.0}\n{"id":3,"f":1.0}\n');
  const ddl = [
    `CREATE TABLE s (id INT, f FLOAT) WITH ('connector'='filesystem','path'='${join(sums, "s.jsonl")}','format'='json')`,
  ];
  const query = "SELECT SUM(f) AS s, AVG(f) AS a, SUM(f) * 1 AS m FROM s";
  // bench/flink (Flink 1.20), this table and query: 16777216f + 1f is 16777216f (ties to even), so
  // SUM stays there; AVG divides a double sum (16777217 / 2, 16777218 / 3) and rounds to a float.
  assert.deepEqual(await flinkChangelog(ddl, query), [
    "+I[1.6777216E7, 1.6777216E7, 1.6777216E7]",
    "-U[1.6777216E7, 1.6777216E7, 1.6777216E7]",
    "+U[1.6777216E7, 8388608.0, 1.6777216E7]",
    "-U[1.6777216E7, 8388608.0, 1.6777216E7]",
    "+U[1.6777216E7, 5592406.0, 1.6777216E7]",
  ]);
  // The values held are floats themselves, not doubles printed as floats.
  const tEnv = sql(env());
  await tEnv.executeSql(ddl[0] as string);
  for (const r of await (await tEnv.executeSql(query)).collect())
    for (const c of ["s", "a", "m"]) assert.equal(Math.fround(r[c] as number), r[c], c);
});

test("SUM(DISTINCT) of a FLOAT adds its distinct values in float arithmetic too", async () => {
  const sums = mkdtempSync(join(tmpdir(), "fleuve-float-distinct-"));
  writeFileSync(join(sums, "s.jsonl"), '{"f":16777216.0}\n{"f":1.0}\n{"f":1.0}\n{"f":2.0}\n');
  const ddl = [
    `CREATE TABLE s (f FLOAT) WITH ('connector'='filesystem','path'='${join(sums, "s.jsonl")}','format'='json')`,
  ];
  const query = "SELECT SUM(DISTINCT f) AS s, AVG(DISTINCT f) AS a FROM s";
  // bench/flink (Flink 1.20), this table and query: 16777216f + 1f + 2f is 16777218f (the double
  // sum, 16777219, prints 1.677722E7); AVG(DISTINCT) is 16777219 / 3 rounded to a float.
  assert.deepEqual(await flinkChangelog(ddl, query), [
    "+I[1.6777216E7, 1.6777216E7]",
    "-U[1.6777216E7, 1.6777216E7]",
    "+U[1.6777216E7, 8388608.0]",
    "-U[1.6777216E7, 8388608.0]",
    "+U[1.6777218E7, 5592406.5]",
  ]);
});
