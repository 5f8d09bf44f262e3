// Flink's UNIX_TIMESTAMP, FROM_UNIXTIME, TIMESTAMPADD, TIMESTAMPDIFF, REGEXP, REGEXP_REPLACE,
// STR_TO_MAP, MD5/SHA*, UUID, RAND and RAND_INTEGER. Expected values are Flink's documented
// examples, or what the JDK gives for the same call (java.text.SimpleDateFormat in UTC,
// String.replaceAll, String.split, java.util.Random: the values were printed by a Java 17 program
// and are written out here), so seeded RAND sequences equal Flink's.
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
const refused = async (query: string, code: string, ...parts: (string | RegExp)[]) => {
  await assert.rejects(
    async () => rows(query),
    (e: unknown) => {
      assert.ok(e instanceof FleuveError, String(e));
      assert.equal(e.code, code, e.message);
      for (const p of parts) assert.match(e.message, typeof p === "string" ? new RegExp(escapeRe(p)) : p);
      return true;
    },
  );
};
const escapeRe = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
const ts = (text: string) => Date.parse(`${text.replace(" ", "T")}Z`);

test("UNIX_TIMESTAMP reads SimpleDateFormat text in the session zone (UTC) as SimpleDateFormat does", async () => {
  assert.deepEqual(
    await one(`UNIX_TIMESTAMP('1970-01-01 08:00:01') AS a,
      UNIX_TIMESTAMP('1970-01-01 08:00:01.001 +0800', 'yyyy-MM-dd HH:mm:ss.SSS X') AS with_zone,
      UNIX_TIMESTAMP('2020-09-11 13:14:29.153') AS trailing,
      UNIX_TIMESTAMP('2024-02-30 00:00:00') AS lenient,
      UNIX_TIMESTAMP('20240131', 'yyyyMMdd') AS abutting,
      UNIX_TIMESTAMP('1/2/2024 1:05 PM', 'M/d/yyyy h:mm a') AS ampm,
      UNIX_TIMESTAMP('15-Mar-2024', 'dd-MMM-yyyy') AS month_name,
      UNIX_TIMESTAMP('1969-12-31 23:59:59') AS before_epoch,
      UNIX_TIMESTAMP('2024-01-01 10:00:00 -05:30', 'yyyy-MM-dd HH:mm:ss XXX') AS negative_offset,
      UNIX_TIMESTAMP('2025-04-30T19:20:17Z') AS unparseable,
      UNIX_TIMESTAMP(CAST(NULL AS STRING)) AS n1,
      UNIX_TIMESTAMP('2024-01-01', CAST(NULL AS STRING)) AS n2`),
    {
      // Flink's example is 25201 in Europe/Berlin; the session zone here is UTC.
      a: 28801,
      with_zone: 1,
      trailing: 1599830069,
      lenient: 1709251200,
      abutting: 1706659200,
      ampm: 1704200700,
      month_name: 1710460800,
      before_epoch: -1,
      negative_offset: 1704123000,
      // Flink gives Long.MIN_VALUE for text it cannot parse.
      unparseable: -(2 ** 63),
      n1: null,
      n2: null,
    },
  );
});

test("UNIX_TIMESTAMP skips spaces and tabs before a number, and no other white space, as SimpleDateFormat", async () => {
  // bench/flink (Flink 1.20), the same texts read from a json file: +I[1704153600] for the space
  // and the tab, Long.MIN_VALUE for the line feed and the carriage return.
  assert.deepEqual(
    await one(`UNIX_TIMESTAMP('2024/ 01/02', 'yyyy/MM/dd') AS space,
      UNIX_TIMESTAMP(CONCAT('2024/', CHR(9), '01/02'), 'yyyy/MM/dd') AS tab,
      UNIX_TIMESTAMP(CONCAT('2024/', CHR(10), '01/02'), 'yyyy/MM/dd') AS line_feed,
      UNIX_TIMESTAMP(CONCAT('2024/', CHR(13), '01/02'), 'yyyy/MM/dd') AS carriage_return`),
    { space: 1704153600, tab: 1704153600, line_feed: -(2 ** 63), carriage_return: -(2 ** 63) },
  );
});

test("UNIX_TIMESTAMP() is the job clock's time in seconds", async () => {
  const before = Math.floor(Date.now() / 1000);
  const { now } = await one("UNIX_TIMESTAMP() AS now");
  assert.ok(typeof now === "number" && now >= before && now <= Math.floor(Date.now() / 1000), String(now));
});

test("FROM_UNIXTIME formats epoch seconds in the session zone (UTC)", async () => {
  assert.deepEqual(
    await one(`FROM_UNIXTIME(44) AS a, FROM_UNIXTIME(1704200700, 'yyyy/MM/dd HH:mm') AS b,
      FROM_UNIXTIME(-1) AS neg, FROM_UNIXTIME(UNIX_TIMESTAMP('2024-02-29 12:00:00')) AS round_trip,
      FROM_UNIXTIME(CAST(NULL AS BIGINT)) AS n`),
    {
      a: "1970-01-01 00:00:44",
      b: "2024/01/02 13:05",
      neg: "1969-12-31 23:59:59",
      round_trip: "2024-02-29 12:00:00",
      n: null,
    },
  );
});

test("TIMESTAMPADD moves by units; months and years clamp to the month's last day", async () => {
  assert.deepEqual(
    await one(`TIMESTAMPADD(WEEK, 1, DATE '2003-01-02') AS week,
      TIMESTAMPADD(MONTH, 1, TIMESTAMP '2024-01-31 10:00:00') AS month_end,
      TIMESTAMPADD(YEAR, 1, DATE '2024-02-29') AS leap,
      TIMESTAMPADD(QUARTER, -1, TIMESTAMP '2024-05-31 00:00:00') AS quarter_back,
      TIMESTAMPADD(HOUR, 25, TIMESTAMP '2024-12-31 00:00:00') AS hours,
      TIMESTAMPADD(SECOND, -1, DATE '2024-01-01') AS date_seconds,
      TIMESTAMPADD(DAY, CAST(NULL AS INT), DATE '2024-01-01') AS n`),
    {
      week: ts("2003-01-09"),
      month_end: ts("2024-02-29 10:00:00"),
      leap: ts("2025-02-28"),
      quarter_back: ts("2024-02-29"),
      hours: ts("2025-01-01 01:00:00"),
      date_seconds: ts("2023-12-31 23:59:59"),
      n: null,
    },
  );
});

test("TIMESTAMPDIFF counts whole units, truncated toward zero; months as Calcite counts them", async () => {
  assert.deepEqual(
    await one(`TIMESTAMPDIFF(DAY, TIMESTAMP '2003-01-02 10:00:00', TIMESTAMP '2003-01-03 10:00:00') AS day,
      TIMESTAMPDIFF(DAY, TIMESTAMP '2003-01-03 10:00:00', TIMESTAMP '2003-01-02 09:00:00') AS neg_day,
      TIMESTAMPDIFF(HOUR, TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 05:59:59') AS hour,
      TIMESTAMPDIFF(SECOND, TIMESTAMP '2024-01-01 00:00:01', TIMESTAMP '2024-01-01 00:00:00.5') AS neg_second,
      TIMESTAMPDIFF(WEEK, DATE '2024-01-01', DATE '2024-01-14') AS week,
      TIMESTAMPDIFF(MONTH, DATE '2024-01-31', DATE '2024-02-29') AS month_end,
      TIMESTAMPDIFF(MONTH, TIMESTAMP '2024-01-15 10:00:00', TIMESTAMP '2024-02-15 09:59:59') AS month_short,
      TIMESTAMPDIFF(MONTH, TIMESTAMP '2024-03-15 10:00:00', TIMESTAMP '2024-01-15 10:00:01') AS neg_month,
      TIMESTAMPDIFF(YEAR, TIMESTAMP '2019-06-01 07:01:11', TIMESTAMP '2020-06-01 07:01:11') AS year,
      TIMESTAMPDIFF(YEAR, TIMESTAMP '2015-12-31 23:59:59', TIMESTAMP '2017-01-01 00:00:00') AS years,
      TIMESTAMPDIFF(QUARTER, DATE '2024-01-01', DATE '2024-12-31') AS quarter,
      TIMESTAMPDIFF(DAY, DATE '2024-01-01', CAST(NULL AS DATE)) AS n`),
    {
      day: 1,
      neg_day: -1,
      hour: 5,
      neg_second: 0,
      week: 1,
      month_end: 1,
      month_short: 0,
      // Calcite's subtractMonths (Flink's): the day counts first, the time of day only breaks a
      // tie going forward, so 1 month 30 days back is -2 months here.
      neg_month: -2,
      year: 1,
      years: 1,
      quarter: 3,
      n: null,
    },
  );
});

test("TIMESTAMPADD and TIMESTAMPDIFF refuse a bad unit or argument when the query is planned", async () => {
  await refused(
    "SELECT TIMESTAMPADD(FORTNIGHT, 1, DATE '2024-01-01')",
    "FLEUVE_SQL_VALIDATION",
    "TIMESTAMPADD's first argument must be a time unit",
    "not FORTNIGHT",
  );
  await refused(
    "SELECT TIMESTAMPDIFF('DAY', DATE '2024-01-01', DATE '2024-01-02')",
    "FLEUVE_SQL_VALIDATION",
    "TIMESTAMPDIFF's first argument must be a time unit",
  );
  await refused(
    "SELECT TIMESTAMPADD(DAY, 1.5, DATE '2024-01-01')",
    "FLEUVE_SQL_VALIDATION",
    "TIMESTAMPADD's argument 2",
    "integer",
  );
  await refused(
    "SELECT TIMESTAMPDIFF(DAY, 'x', DATE '2024-01-02')",
    "FLEUVE_SQL_VALIDATION",
    "TIMESTAMPDIFF's argument 2 must be a TIMESTAMP",
  );
});

test("REGEXP finds a Java regex anywhere in the string", async () => {
  assert.deepEqual(
    await one(`REGEXP('foothebar', 'the') AS a, REGEXP('abc', '^b') AS b, REGEXP('abc', '') AS empty,
      REGEXP('ABC', '(?i)b') AS flag, REGEXP('a1', '\\p{Digit}') AS posix, REGEXP('x', CAST(NULL AS STRING)) AS n`),
    { a: true, b: false, empty: false, flag: true, posix: true, n: null },
  );
});

test("REGEXP_REPLACE replaces every match by the replacement as it is, as Flink (no $1 group references)", async () => {
  assert.deepEqual(
    await one(`REGEXP_REPLACE('foobar', 'oo|ar', '') AS doc,
      REGEXP_REPLACE('111222333', '(\\d{3})\\d*(\\d{3})', '$1***$2') AS dollar_literal,
      REGEXP_REPLACE('abc', 'b', '\\$') AS backslash_literal,
      REGEXP_REPLACE('abc', 'x*', '-') AS empty_matches,
      REGEXP_REPLACE('a.b.c', '\\Q.\\E', '!') AS quoted,
      REGEXP_REPLACE('AbC', '(?i)[a-c]', 'x') AS flag,
      REGEXP_REPLACE('a]b', '[]]', '-') AS bracket_first,
      REGEXP_REPLACE('x1y22', '\\p{Digit}+', '#') AS posix,
      REGEXP_REPLACE('abc' || CHR(10), 'c$', 'C') = 'abC' || CHR(10) AS dollar_before_newline,
      REGEXP_REPLACE('a\\b', '\\\\', '/') AS backslash_regex,
      REGEXP_REPLACE(CAST(NULL AS STRING), 'a', 'b') AS n`),
    {
      doc: "fb",
      // Flink quotes the replacement (Matcher.quoteReplacement): '$1***$2' is put as it is.
      dollar_literal: "$1***$2",
      backslash_literal: "a\\$c",
      empty_matches: "-a-b-c-",
      quoted: "a!b!c",
      flag: "xxx",
      bracket_first: "a-b",
      posix: "x#y#",
      dollar_before_newline: true,
      backslash_regex: "a/b",
      n: null,
    },
  );
});

test("a regex that is not valid is NULL per row (Flink), refused when it is a literal", async () => {
  assert.deepEqual(
    await rows(`SELECT REGEXP_REPLACE(s, r, p) AS x, REGEXP(s, r) AS m
      FROM (VALUES ('a1', '\\d', '#'), ('b', '(', '#'), ('c', 'c', '$x')) AS t(s, r, p)`),
    [
      { x: "a#", m: true },
      { x: null, m: false },
      { x: "$x", m: true },
    ],
  );
  await refused(
    "SELECT REGEXP_REPLACE('a', '(', 'b')",
    "FLEUVE_SQL_VALIDATION",
    "REGEXP_REPLACE's argument 2 is not a valid regular expression '('",
  );
  await refused(
    "SELECT REGEXP('a', 'a[')",
    "FLEUVE_SQL_VALIDATION",
    "REGEXP's argument 2 is not a valid regular expression",
  );
  for (const [re, what] of [
    ["a++", "possessive quantifier"],
    ["(?>a)", "atomic group"],
    ["[a-z&&[^b]]", "character class intersection &&"],
    ["[a[b]]", "nested character class"],
    ["a(?i)b", "inline flags"],
    ["\\p{L}", "\\p{L}"],
  ] as const)
    await refused(
      `SELECT REGEXP('a', '${re}')`,
      "FLEUVE_SQL_UNSUPPORTED",
      what,
      `REGEXP's argument 2, '${re}'`,
    );
});

test("STR_TO_MAP splits pairs and keys at Java regex delimiters, as String.split", async () => {
  assert.deepEqual(
    await one(`STR_TO_MAP('a=1,b=2') AS doc, STR_TO_MAP('a=1,,b=2,,') AS empties,
      STR_TO_MAP('k=v=w;k2=;k3', ';', '=') AS rest, STR_TO_MAP('a:1|b:2', '\\|', ':') AS regex,
      STR_TO_MAP('') AS empty, STR_TO_MAP('a=1,a=2') AS last_wins, STR_TO_MAP(CAST(NULL AS STRING)) AS n`),
    {
      doc: { a: "1", b: "2" },
      empties: { a: "1", "": null, b: "2" },
      rest: { k: "v=w", k2: "", k3: null },
      regex: { a: "1", b: "2" },
      empty: {},
      last_wins: { a: "2" },
      n: null,
    },
  );
  await refused("SELECT STR_TO_MAP('a', ',')", "FLEUVE_SQL_VALIDATION", "STR_TO_MAP takes 1 or 3 arguments");
  await refused("SELECT STR_TO_MAP('a', '(', '=')", "FLEUVE_SQL_VALIDATION", "STR_TO_MAP's argument 2");
});

test("MD5 and the SHA family give the lower-case hex digest of the UTF-8 bytes", async () => {
  assert.deepEqual(
    await one(`MD5('') AS md5, SHA1('abc') AS sha1, SHA224('') AS sha224,
      SHA256('abc') AS sha256, SHA2('abc', 256) AS sha2, SHA384('') AS sha384, SHA512('') AS sha512,
      MD5('é') AS utf8, SHA2('abc', CAST(NULL AS INT)) AS n`),
    {
      md5: "d41d8cd98f00b204e9800998ecf8427e",
      sha1: "a9993e364706816aba3e25717850c26c9cd0d89d",
      sha224: "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
      sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      sha2: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      sha384:
        "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
      sha512:
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
      utf8: "66ddcd97cfdeabb2f6fb8a999b4bc76f",
      n: null,
    },
  );
  await refused(
    "SELECT SHA2('abc', 100)",
    "FLEUVE_SQL_VALIDATION",
    "SHA2's argument 2 (hashLength) must be 224, 256, 384 or 512, got 100",
  );
});

test("RAND(seed) and RAND_INTEGER(seed, bound) give java.util.Random's sequences, one generator per call site", async () => {
  const r = await rows(`SELECT RAND(42) AS a, RAND(42) AS b, RAND(-7) AS c, RAND_INTEGER(42, 10) AS i,
      RAND_INTEGER(0, 1000) AS j, RAND_INTEGER(3, 16) AS pow2, RAND_INTEGER(1, n) AS big
    FROM (VALUES (2147483647), (1500000000), (1500000000)) AS t(n)`);
  // new java.util.Random(42).nextDouble() three times, and so on.
  assert.deepEqual(r, [
    {
      a: 0.7275636800328681,
      b: 0.7275636800328681,
      c: 0.2691218093260761,
      i: 0,
      j: 360,
      pow2: 11,
      big: 1569548985,
    },
    {
      a: 0.6832234717598454,
      b: 0.6832234717598454,
      c: 0.6731811902798038,
      i: 3,
      j: 948,
      pow2: 8,
      big: 215764588,
    },
    {
      a: 0.30871945533265976,
      b: 0.30871945533265976,
      c: 0.5214896372918163,
      i: 8,
      j: 29,
      pow2: 1,
      big: 880641847,
    },
  ]);
});

test("RAND, RAND_INTEGER and UUID without a seed: in range, and new values per row", async () => {
  const r =
    await rows(`SELECT RAND() AS d, RAND_INTEGER(5) AS i, UUID() AS u, RAND_INTEGER(2, CAST(NULL AS INT)) AS n
    FROM (VALUES (1), (2), (3), (4), (5), (6), (7), (8)) AS t(x)`);
  for (const { d, i, u, n } of r) {
    assert.ok(typeof d === "number" && d >= 0 && d < 1, String(d));
    assert.ok(Number.isInteger(i) && (i as number) >= 0 && (i as number) < 5, String(i));
    assert.match(String(u), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(n, null);
  }
  assert.equal(new Set(r.map((x) => x.u)).size, r.length);
  assert.ok(new Set(r.map((x) => x.d)).size > 1);
});

test("RAND and RAND_INTEGER refuse a seed that is not an integer literal, and a bound that is not positive", async () => {
  await refused(
    "SELECT RAND(x) FROM (VALUES (1)) AS t(x)",
    "FLEUVE_SQL_VALIDATION",
    "RAND's seed (argument 1) must be an integer literal",
  );
  await refused("SELECT RAND(1.5)", "FLEUVE_SQL_VALIDATION", "RAND's seed");
  await refused(
    "SELECT RAND_INTEGER(1, 0)",
    "FLEUVE_SQL_VALIDATION",
    "RAND_INTEGER's bound (argument 2) must be positive, got 0",
  );
  await refused(
    "SELECT RAND_INTEGER(-3)",
    "FLEUVE_SQL_VALIDATION",
    "RAND_INTEGER's bound (argument 1) must be positive",
  );
  await assert.rejects(
    async () => rows("SELECT RAND_INTEGER(b) AS x FROM (VALUES (0)) AS t(b)"),
    /RAND_INTEGER: the bound must be a positive INT, got 0/,
  );
});
