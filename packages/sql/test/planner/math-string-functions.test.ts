// Flink's PI, LOG, LOG2, SIN, COS, TAN, ASIN, ACOS, ATAN, ATAN2, DEGREES, RADIANS, BIN, HEX,
// TO_BASE64, FROM_BASE64, INSTR, IS_DIGIT, IS_ALPHA, IS_DECIMAL. Expected values are Flink's
// documented examples, or what the JDK gives for the same call (Math.log(x) / Math.log(2),
// Long.toBinaryString, Long.toHexString, java.util.Base64, commons-lang StringUtils.isNumeric /
// isAlpha, Double.parseDouble), written out here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const tEnv = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
const rows = async (query: string) =>
  (await (await tEnv().executeSql(query)).collect()) as Record<string, unknown>[];
const one = async (select: string) => {
  const r = await rows(`SELECT ${select}`);
  assert.equal(r.length, 1);
  return r[0] as Record<string, unknown>;
};

test("PI, LOG, LOG2 and the trigonometric functions give Java's doubles, NULL for a NULL argument", async () => {
  assert.deepEqual(
    await one(`PI() AS pi, LOG2(8) AS log2, LOG2(1024) AS log2b, LOG(EXP(1)) AS ln, LOG(10, 100) AS log_b,
      LOG2(0) AS log2_zero, SIN(0) AS sin, COS(0) AS cos, TAN(0) AS tan, ASIN(1) AS asin, ACOS(1) AS acos,
      ATAN(1) AS atan, ATAN2(1, 1) AS atan2, DEGREES(PI()) AS deg, RADIANS(180) AS rad,
      LOG2(CAST(NULL AS DOUBLE)) AS n1, LOG(CAST(NULL AS DOUBLE)) AS n2, LOG(2, CAST(NULL AS DOUBLE)) AS n3,
      LOG(CAST(NULL AS DOUBLE), 8) AS n4, SIN(CAST(NULL AS DOUBLE)) AS n5, ATAN2(1, CAST(NULL AS DOUBLE)) AS n6,
      DEGREES(CAST(NULL AS INT)) AS n7, RADIANS(CAST(NULL AS INT)) AS n8`),
    {
      pi: Math.PI,
      log2: 3,
      log2b: 10,
      ln: 1,
      log_b: 2,
      // Flink's runtime has no domain check: Math.log(0) / Math.log(2).
      log2_zero: Number.NEGATIVE_INFINITY,
      sin: 0,
      cos: 1,
      tan: 0,
      asin: 1.5707963267948966,
      acos: 0,
      atan: 0.7853981633974483,
      atan2: 0.7853981633974483,
      deg: 180,
      rad: Math.PI,
      n1: null,
      n2: null,
      n3: null,
      n4: null,
      n5: null,
      n6: null,
      n7: null,
      n8: null,
    },
  );
});

test("BIN and HEX write integers as Long.toBinaryString / toHexString, HEX a string's UTF-8 bytes", async () => {
  assert.deepEqual(
    await one(`BIN(4) AS b4, BIN(12) AS b12, BIN(0) AS b0, BIN(-1) AS bneg, BIN(CAST(NULL AS INT)) AS bn,
      HEX(20) AS h20, HEX(100) AS h100, HEX('hello,world') AS hs, HEX('é') AS hutf8, HEX(-1) AS hneg,
      HEX(CAST(NULL AS INT)) AS hn1, HEX(CAST(NULL AS STRING)) AS hn2`),
    {
      b4: "100",
      b12: "1100",
      b0: "0",
      bneg: "1".repeat(64),
      bn: null,
      h20: "14",
      h100: "64",
      hs: "68656C6C6F2C776F726C64",
      hutf8: "C3A9",
      hneg: "FFFFFFFFFFFFFFFF",
      hn1: null,
      hn2: null,
    },
  );
});

test("TO_BASE64 and FROM_BASE64 encode a string's UTF-8 bytes; FROM_BASE64 refuses text outside the alphabet", async () => {
  assert.deepEqual(
    await one(`TO_BASE64('hello world') AS enc, FROM_BASE64('aGVsbG8gd29ybGQ=') AS dec, TO_BASE64('') AS empty,
      FROM_BASE64(TO_BASE64('héllo')) AS round_trip, FROM_BASE64('aGk') AS unpadded,
      TO_BASE64(CAST(NULL AS STRING)) AS n1, FROM_BASE64(CAST(NULL AS STRING)) AS n2`),
    {
      enc: "aGVsbG8gd29ybGQ=",
      dec: "hello world",
      empty: "",
      round_trip: "héllo",
      unpadded: "hi",
      n1: null,
      n2: null,
    },
  );
  await assert.rejects(
    () => rows("SELECT FROM_BASE64('not base64!')"),
    (e: unknown) => {
      assert.match(String(e instanceof Error ? e.message : e), /FROM_BASE64.*not base64!/);
      return true;
    },
  );
});

test("INSTR gives the 1-based character position of the first occurrence, 0 when there is none", async () => {
  assert.deepEqual(
    await one(`INSTR('hello world', 'o') AS first, INSTR('hello', 'xyz') AS none, INSTR('hello', '') AS empty,
      INSTR('héllo wörld', 'w') AS after_accents, INSTR('😀ab', 'b') AS after_emoji,
      INSTR(CAST(NULL AS STRING), 'a') AS n1, INSTR('a', CAST(NULL AS STRING)) AS n2`),
    { first: 5, none: 0, empty: 1, after_accents: 7, after_emoji: 3, n1: null, n2: null },
  );
});

test("IS_DIGIT, IS_ALPHA and IS_DECIMAL are false, not NULL, for NULL and the empty string", async () => {
  assert.deepEqual(
    await one(`IS_DIGIT('12345') AS d1, IS_DIGIT('123a') AS d2, IS_DIGIT('-1') AS d3, IS_DIGIT('') AS d4,
      IS_DIGIT(CAST(NULL AS STRING)) AS d5, IS_DIGIT('١٢٣') AS d6,
      IS_ALPHA('abcXYZ') AS a1, IS_ALPHA('abc1') AS a2, IS_ALPHA('a b') AS a3, IS_ALPHA('') AS a4,
      IS_ALPHA(CAST(NULL AS STRING)) AS a5, IS_ALPHA('éà') AS a6,
      IS_DECIMAL('123') AS m1, IS_DECIMAL('-1.5') AS m2, IS_DECIMAL('1e10') AS m3, IS_DECIMAL('.5') AS m4,
      IS_DECIMAL('1.5f') AS m5, IS_DECIMAL('NaN') AS m6, IS_DECIMAL(' 2 ') AS m7, IS_DECIMAL('1.2.3') AS m8,
      IS_DECIMAL('abc') AS m9, IS_DECIMAL('') AS m10, IS_DECIMAL(CAST(NULL AS STRING)) AS m11`),
    {
      d1: true,
      d2: false,
      d3: false,
      d4: false,
      d5: false,
      d6: true,
      a1: true,
      a2: false,
      a3: false,
      a4: false,
      a5: false,
      a6: true,
      m1: true,
      m2: true,
      m3: true,
      m4: true,
      // Double.parseDouble takes a float suffix, NaN, and surrounding blanks.
      m5: true,
      m6: true,
      m7: true,
      m8: false,
      m9: false,
      m10: false,
      m11: false,
    },
  );
});

test("the new functions check their argument counts when the query is planned", async () => {
  for (const call of ["PI(1)", "LOG()", "LOG(1, 2, 3)", "ATAN2(1)", "INSTR('a')", "IS_DIGIT('a', 'b')"])
    await assert.rejects(
      () => rows(`SELECT ${call}`),
      (e: unknown) => {
        assert.ok(e instanceof FleuveError, String(e));
        assert.equal(e.code, "FLEUVE_SQL_VALIDATION", e.message);
        return true;
      },
    );
});

test("TO_DATE reads y-m-d as Flink's parseDate, or a SimpleDateFormat pattern; NULL for text it cannot read", async () => {
  const day = (text: string) => Date.parse(`${text}T00:00:00Z`);
  assert.deepEqual(
    await one(`TO_DATE('2024-03-15') AS d1, TO_DATE('2024-3-5') AS short_parts, TO_DATE('2024-03-15 10:20:30') AS ts,
      TO_DATE('2024') AS year_only, TO_DATE('2024-02') AS year_month, TO_DATE(' 2024 - 02 - 01 ') AS blanks,
      TO_DATE('2024-02-29') AS leap, TO_DATE('2023-02-29') AS not_leap, TO_DATE('2024-04-31') AS april31,
      TO_DATE('2024-13-01') AS month13, TO_DATE('2024/03/15') AS slashes, TO_DATE('abc') AS word,
      TO_DATE('15/03/2024', 'dd/MM/yyyy') AS fmt, TO_DATE('20240131', 'yyyyMMdd') AS abutting,
      TO_DATE('2024-01-01 23:59:59', 'yyyy-MM-dd HH:mm:ss') AS fmt_time, TO_DATE('x', 'yyyy') AS fmt_bad,
      TO_DATE(CAST(NULL AS STRING)) AS n1, TO_DATE('2024', CAST(NULL AS STRING)) AS n2`),
    {
      d1: day("2024-03-15"),
      short_parts: day("2024-03-05"),
      ts: day("2024-03-15"),
      year_only: day("2024-01-01"),
      year_month: day("2024-02-01"),
      // The first blank is at index 0, so nothing is cut; each part is trimmed.
      blanks: day("2024-02-01"),
      leap: day("2024-02-29"),
      not_leap: null,
      april31: null,
      month13: null,
      slashes: null,
      word: null,
      fmt: day("2024-03-15"),
      abutting: day("2024-01-31"),
      fmt_time: day("2024-01-01"),
      fmt_bad: null,
      n1: null,
      n2: null,
    },
  );
});
