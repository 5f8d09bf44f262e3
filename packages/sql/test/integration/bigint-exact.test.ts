// BIGINT is exact over Java's long range (-2^63 .. 2^63-1), as in Flink 1.20: a value past 2^53
// is held as a bigint (@fleuve/core's long.ts), read exactly from json and csv, printed and
// written with all its digits, compared, grouped and joined by value, and its arithmetic wraps
// around as Java's long arithmetic does. The expected rows are Flink 1.20's print sink output for
// these queries over the same files (bench/flink/run.sh sql, recorded 2026-12-08).
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { flinkText, ROW_KIND, sql } from "@fleuve/sql";
import { env } from "../fixtures/one-row.js";

const dir = mkdtempSync(join(tmpdir(), "fleuve-bigint-"));
writeFileSync(
  join(dir, "t.json"),
  [
    '{"id": 1234567890123456789, "s": "9223372036854775807", "k": 1}',
    '{"id": 9223372036854775807, "s": "-9223372036854775808", "k": 2}',
    '{"id": -9223372036854775808, "s": "9007199254740993", "k": 3}',
    '{"id": 9007199254740993, "s": " 12 ", "k": 4}',
    '{"id": 1234567890123456789, "s": "1234567890123456789", "k": 5}',
    '{"id": 9007199254740992, "s": "7", "k": 6}',
  ].join("\n"),
);
writeFileSync(join(dir, "t.csv"), "1234567890123456789,a\n9223372036854775807,b\n-9223372036854775808,c\n");

async function tables() {
  const tEnv = sql(env());
  await tEnv.executeSql(
    `CREATE TABLE t (id BIGINT, s STRING, k INT) WITH ('connector'='filesystem','path'='${join(dir, "t.json")}','format'='json')`,
  );
  await tEnv.executeSql(
    `CREATE TABLE c (id BIGINT, n STRING) WITH ('connector'='filesystem','path'='${join(dir, "t.csv")}','format'='csv')`,
  );
  return tEnv;
}

/** The changes of `query`, printed as the print sink does (`+I[..]`, `-U[..]`...), sorted. */
async function printed(query: string): Promise<string[]> {
  const tEnv = await tables();
  const columns = tEnv.sqlQuery(query).columns;
  const rows = await (await tEnv.executeSql(query)).collect();
  return rows
    .map(
      (r) =>
        `${(r as Record<string, string>)[ROW_KIND] ?? "+I"}[${columns.map((c) => flinkText(r[c.name], c.type)).join(", ")}]`,
    )
    .sort();
}

test("json and csv BIGINT columns past 2^53 read exactly; CAST to STRING, ||, CONCAT, = and > as in Flink", async () => {
  assert.deepEqual(
    await printed(
      "SELECT k, id, CAST(s AS BIGINT) AS cs, CAST(id AS STRING) AS str, 'x' || CAST(id AS STRING) AS cat, CONCAT('y', CAST(id AS STRING)) AS cat2, id = 9007199254740993 AS eq, id > 9007199254740992 AS gt FROM t",
    ),
    [
      "+I[1, 1234567890123456789, 9223372036854775807, 1234567890123456789, x1234567890123456789, y1234567890123456789, false, true]",
      "+I[2, 9223372036854775807, -9223372036854775808, 9223372036854775807, x9223372036854775807, y9223372036854775807, false, true]",
      "+I[3, -9223372036854775808, 9007199254740993, -9223372036854775808, x-9223372036854775808, y-9223372036854775808, false, false]",
      "+I[4, 9007199254740993, 12, 9007199254740993, x9007199254740993, y9007199254740993, true, true]",
      "+I[5, 1234567890123456789, 1234567890123456789, 1234567890123456789, x1234567890123456789, y1234567890123456789, false, true]",
      "+I[6, 9007199254740992, 7, 9007199254740992, x9007199254740992, y9007199254740992, false, false]",
    ],
  );
  assert.deepEqual(await printed("SELECT id, n FROM c"), [
    "+I[-9223372036854775808, c]",
    "+I[1234567890123456789, a]",
    "+I[9223372036854775807, b]",
  ]);
});

test("a value that fits a double safely stays a number; one past 2^53 is a bigint", async () => {
  const tEnv = await tables();
  const rows = await (await tEnv.executeSql("SELECT k, id FROM t WHERE k IN (4, 6)")).collect();
  const byK = Object.fromEntries(rows.map((r) => [r.k, r.id]));
  assert.equal(byK[4], 9007199254740993n);
  assert.equal(byK[6], 9007199254740992n);
  const small = await (await tEnv.executeSql("SELECT CAST('9007199254740991' AS BIGINT) AS v")).collect();
  assert.equal(small[0]?.v, 9007199254740991);
});

test("BIGINT literals past 2^53 are exact, and + wraps around as Java's long", async () => {
  assert.deepEqual(
    await printed(
      "SELECT 9223372036854775807 AS a, 9223372036854775807 + 1 AS b, -9223372036854775808 AS c, CAST('9223372036854775807' AS BIGINT) AS d, 1234567890123456789 * 10 AS e, 9007199254740993 AS f",
    ),
    [
      "+I[9223372036854775807, -9223372036854775808, -9223372036854775808, 9223372036854775807, -6101065172474983726, 9007199254740993]",
    ],
  );
});

test("GROUP BY, DISTINCT, a join and Top-N on BIGINT values past 2^53 key them by exact value", async () => {
  assert.deepEqual(await printed("SELECT id, COUNT(*) AS n FROM t GROUP BY id"), [
    "+I[-9223372036854775808, 1]",
    "+I[1234567890123456789, 1]",
    "+I[9007199254740992, 1]",
    "+I[9007199254740993, 1]",
    "+I[9223372036854775807, 1]",
    "+U[1234567890123456789, 2]",
    "-U[1234567890123456789, 1]",
  ]);
  assert.deepEqual(await printed("SELECT DISTINCT id FROM t"), [
    "+I[-9223372036854775808]",
    "+I[1234567890123456789]",
    "+I[9007199254740992]",
    "+I[9007199254740993]",
    "+I[9223372036854775807]",
  ]);
  assert.deepEqual(
    await printed("SELECT a.k, b.k AS k2, a.id FROM t a JOIN t b ON a.id = b.id WHERE a.k < b.k"),
    ["+I[1, 5, 1234567890123456789]"],
  );
  assert.deepEqual(
    await printed(
      "SELECT * FROM (SELECT id, k, ROW_NUMBER() OVER (ORDER BY id DESC) AS rn FROM t) WHERE rn <= 3",
    ),
    [
      "+I[-9223372036854775808, 3, 3]",
      "+I[1234567890123456789, 1, 1]",
      "+I[1234567890123456789, 1, 2]",
      "+U[1234567890123456789, 5, 3]",
      "+U[9007199254740993, 4, 3]",
      "+U[9223372036854775807, 2, 1]",
      "-U[-9223372036854775808, 3, 3]",
      "-U[1234567890123456789, 1, 1]",
      "-U[9007199254740993, 4, 3]",
    ],
  );
});

test("SUM, AVG, MIN, MAX and COUNT(DISTINCT) of BIGINT: exact, the sum wrapping as Flink's", async () => {
  assert.deepEqual(
    await printed(
      "SELECT SUM(id) AS s, MIN(id) AS mn, MAX(id) AS mx, COUNT(DISTINCT id) AS cd, AVG(id) AS av FROM t",
    ),
    [
      "+I[1234567890123456789, 1234567890123456789, 1234567890123456789, 1, 1234567890123456789]",
      "+U[-7988804146731319020, 1234567890123456789, 9223372036854775807, 2, -3994402073365659510]",
      "+U[1234567890123456788, -9223372036854775808, 9223372036854775807, 3, 411522630041152262]",
      "+U[1243575089378197781, -9223372036854775808, 9223372036854775807, 4, 310893772344549445]",
      "+U[2478142979501654570, -9223372036854775808, 9223372036854775807, 4, 495628595900330914]",
      "+U[2487150178756395562, -9223372036854775808, 9223372036854775807, 5, 414525029792732593]",
      "-U[-7988804146731319020, 1234567890123456789, 9223372036854775807, 2, -3994402073365659510]",
      "-U[1234567890123456788, -9223372036854775808, 9223372036854775807, 3, 411522630041152262]",
      "-U[1234567890123456789, 1234567890123456789, 1234567890123456789, 1, 1234567890123456789]",
      "-U[1243575089378197781, -9223372036854775808, 9223372036854775807, 4, 310893772344549445]",
      "-U[2478142979501654570, -9223372036854775808, 9223372036854775807, 4, 495628595900330914]",
    ],
  );
  assert.deepEqual(await printed("SELECT SUM(id) AS s FROM t WHERE k IN (1, 5)"), [
    "+I[1234567890123456789]",
    "+U[2469135780246913578]",
    "-U[1234567890123456789]",
  ]);
});

// Not checked here (left): a DECIMAL is held as a double, so CAST(id AS DECIMAL(20, 0)) past 2^53
// is rounded (Flink: 1234567890123456789); and the text of a DOUBLE differs in its last digits
// from JDK 17's Double.toString (Flink: 1.23456789012345677E18).
test("BIGINT + - * / % unary minus, ABS and casts to DOUBLE and INT as in Flink", async () => {
  assert.deepEqual(
    await printed(
      "SELECT k, id + 1 AS p1, id - 1 AS m1, id * 2 AS t2, id / 3 AS d3, id % 7 AS r7, -id AS neg, ABS(id) AS ab, CAST(id AS DOUBLE) = 9.223372036854776E18 AS dbl, CAST(id AS INT) AS i FROM t",
    ),
    [
      "+I[1, 1234567890123456790, 1234567890123456788, 2469135780246913578, 411522630041152263, 5, -1234567890123456789, 1234567890123456789, false, 2112454933]",
      "+I[2, -9223372036854775808, 9223372036854775806, -2, 3074457345618258602, 0, -9223372036854775807, 9223372036854775807, true, -1]",
      "+I[3, -9223372036854775807, 9223372036854775807, 0, -3074457345618258602, -1, -9223372036854775808, -9223372036854775808, false, 0]",
      "+I[4, 9007199254740994, 9007199254740992, 18014398509481986, 3002399751580331, 5, -9007199254740993, 9007199254740993, false, 1]",
      "+I[5, 1234567890123456790, 1234567890123456788, 2469135780246913578, 411522630041152263, 5, -1234567890123456789, 1234567890123456789, false, 2112454933]",
      "+I[6, 9007199254740993, 9007199254740991, 18014398509481984, 3002399751580330, 4, -9007199254740992, 9007199254740992, false, 0]",
    ],
  );
});

test("a json sink writes a BIGINT past 2^53 with all its digits, as Flink's", async () => {
  const out = mkdtempSync(join(tmpdir(), "fleuve-bigint-out-"));
  const tEnv = await tables();
  await tEnv.executeSql(
    `CREATE TABLE o (id BIGINT, k INT, txt STRING) WITH ('connector'='filesystem','path'='${out}','format'='json')`,
  );
  await (await tEnv.executeSql("INSERT INTO o SELECT id, k, CAST(id AS STRING) FROM t")).await();
  const text = readdirSync(out, { recursive: true })
    .map(String)
    .filter((f) => !f.startsWith(".") && !f.includes("/."))
    .map((f) => {
      try {
        return readFileSync(join(out, f), "utf8");
      } catch {
        return "";
      }
    })
    .join("");
  assert.deepEqual(text.trim().split("\n").sort(), [
    '{"id":-9223372036854775808,"k":3,"txt":"-9223372036854775808"}',
    '{"id":1234567890123456789,"k":1,"txt":"1234567890123456789"}',
    '{"id":1234567890123456789,"k":5,"txt":"1234567890123456789"}',
    '{"id":9007199254740992,"k":6,"txt":"9007199254740992"}',
    '{"id":9007199254740993,"k":4,"txt":"9007199254740993"}',
    '{"id":9223372036854775807,"k":2,"txt":"9223372036854775807"}',
  ]);
});

test("MOD and % of a BIGINT past 2^53 by an INT: exact, of the divisor's type (Flink's id % 7 above)", async () => {
  assert.deepEqual(await printed("SELECT k, MOD(id, 7) AS a, id % CAST(7 AS INT) AS b FROM t WHERE k <= 4"), [
    "+I[1, 5, 5]",
    "+I[2, 0, 0]",
    "+I[3, -1, -1]",
    "+I[4, 5, 5]",
  ]);
});

test("a temporal join keyed by a BIGINT past 2^53 joins by exact value (its key text failed: 'Do not know how to serialize a BigInt')", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-bigint-temporal-"));
  writeFileSync(
    join(dir, "o.json"),
    '{"id":1234567890123456789,"v":1,"ts":"2024-01-01 00:00:10"}\n{"id":1234567890123456788,"v":2,"ts":"2024-01-01 00:00:11"}\n',
  );
  writeFileSync(join(dir, "r.json"), '{"id":1234567890123456789,"rate":7,"ts":"2024-01-01 00:00:00"}\n');
  const tEnv = sql(env());
  await tEnv.executeSql(
    `CREATE TABLE o (id BIGINT, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = '${join(dir, "o.json")}', 'format' = 'json')`,
  );
  await tEnv.executeSql(
    `CREATE TABLE r (id BIGINT, rate INT, ts TIMESTAMP(3), PRIMARY KEY (id) NOT ENFORCED, WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = '${join(dir, "r.json")}', 'format' = 'json')`,
  );
  const rows = await (
    await tEnv.executeSql("SELECT o.id, o.v, r.rate FROM o JOIN r FOR SYSTEM_TIME AS OF o.ts ON o.id = r.id")
  ).collect();
  assert.deepEqual(
    rows.map((r) => `${r.id} ${r.v} ${r.rate}`),
    ["1234567890123456789 1 7"],
  );
});
