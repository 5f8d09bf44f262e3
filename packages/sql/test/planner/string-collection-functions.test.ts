// LEFT, RIGHT, OVERLAY, LOCATE, REPEAT, SPLIT, IFNULL, E, SINH, COSH, TANH, COT, ELEMENT and the
// ARRAY_ and MAP_ functions. Expected values: the examples of Flink's systemFunctions docs
// (OVERLAY('xxxxxtest' PLACING 'xxxx' FROM 6) is 'xxxxxxxxx', FOR 2 'xxxxxxxxxst'; REPEAT; SPLIT;
// ARRAY_SLICE...), and the rules of Flink's runtime (StringCallGen.generateLeft / generateRight,
// SqlFunctionUtils.overlay / position, ArraySliceFunction...) worked out by hand in the comments.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const tEnv = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
const one = async (select: string) => {
  const r = (await (await tEnv().executeSql(`SELECT ${select}`)).collect()) as Record<string, unknown>[];
  assert.equal(r.length, 1);
  return r[0] as Record<string, unknown>;
};
const refused = async (select: string, message: RegExp) =>
  assert.rejects(
    async () => one(select),
    (e: unknown) => e instanceof FleuveError && e.code === "FLEUVE_SQL_VALIDATION" && message.test(e.message),
  );
const NULL_S = "CAST(NULL AS STRING)";
const NULL_I = "CAST(NULL AS INT)";
// A NULL array or map of a known type (CAST to ARRAY or MAP does not run yet).

test("LEFT and RIGHT: characters from either end, '' for a length of 0 or less, NULL in NULL out", async () => {
  assert.deepEqual(
    await one(`LEFT('hello', 2) AS l, LEFT('hello', 9) AS l_all, LEFT('hello', 0) AS l0, LEFT('hello', -1) AS lneg,
      RIGHT('hello', 3) AS r, RIGHT('hello', 9) AS r_all, RIGHT('hello', -2) AS rneg, LEFT('héllo', 2) AS l_utf,
      LEFT(${NULL_S}, 1) AS n1, RIGHT('a', ${NULL_I}) AS n2`),
    {
      l: "he",
      l_all: "hello",
      l0: "",
      lneg: "",
      r: "llo",
      r_all: "hello",
      rneg: "",
      l_utf: "hé",
      n1: null,
      n2: null,
    },
  );
  await refused(
    "LEFT(12, 1)",
    /^Cannot apply 'LEFT' to arguments of type 'LEFT\(<INTEGER>, <INTEGER>\)'\. Supported form\(s\): 'LEFT\(<CHARACTER>, <INTEGER>\)'/,
  );
  await refused(
    "RIGHT('a', 'b')",
    /^Cannot apply 'RIGHT' to arguments of type 'RIGHT\(<CHAR\(1\)>, <CHAR\(1\)>\)'\. Supported form\(s\): 'RIGHT\(<CHARACTER>, <INTEGER>\)'/,
  );
});

test("OVERLAY(s PLACING r FROM p [FOR n]), as Flink's docs and SqlFunctionUtils.overlay", async () => {
  assert.deepEqual(
    await one(`OVERLAY('xxxxxtest' PLACING 'xxxx' FROM 6) AS doc1, OVERLAY('xxxxxtest' PLACING 'xxxx' FROM 6 FOR 2) AS doc2,
      OVERLAY('abcdef' PLACING 'ZZ' FROM 1 FOR 0) AS insert_only, OVERLAY('abcdef' PLACING 'Z' FROM 0) AS start0,
      OVERLAY('abcdef' PLACING 'Z' FROM 7) AS past_end, OVERLAY('abcdef' PLACING 'Z' FROM 5 FOR 9) AS long_len,
      OVERLAY(${NULL_S} PLACING 'a' FROM 1) AS n`),
    {
      doc1: "xxxxxxxxx",
      doc2: "xxxxxxxxxst",
      // A length of 0 keeps nothing after the start (overlay appends the rest only for a length > 0).
      insert_only: "ZZ",
      start0: "abcdef",
      past_end: "abcdef",
      long_len: "abcdZ",
      n: null,
    },
  );
  await refused(
    "OVERLAY('a' PLACING 1 FROM 1)",
    /^Cannot apply 'OVERLAY' to arguments of type 'OVERLAY\(<CHAR\(1\)> PLACING <INTEGER> FROM <INTEGER>\)'\. Supported form\(s\): 'OVERLAY\(<STRING> PLACING <STRING> FROM <INTEGER>\)' 'OVERLAY\(<STRING> PLACING <STRING> FROM <INTEGER> FOR <INTEGER>\)'/,
  );
});

test("LOCATE and REPEAT", async () => {
  assert.deepEqual(
    await one(`LOCATE('l', 'hello') AS l1, LOCATE('l', 'hello', 4) AS l2, LOCATE('l', 'hello', 5) AS l3,
      LOCATE('z', 'hello') AS none, LOCATE('', 'hello', 3) AS empty, LOCATE('l', 'hello', -2) AS neg_from,
      LOCATE('ü', 'grüß', 1) AS utf, LOCATE('a', ${NULL_S}) AS n1,
      REPEAT('This is a test String.', 2) AS doc, REPEAT('ab', 0) AS r0, REPEAT('ab', -1) AS rneg, REPEAT(${NULL_S}, 2) AS n2`),
    {
      l1: 3,
      l2: 4,
      l3: 0,
      none: 0,
      empty: 1,
      neg_from: 3,
      utf: 3,
      n1: null,
      doc: "This is a test String.This is a test String.",
      r0: "",
      rneg: "",
      n2: null,
    },
  );
  await refused(
    "LOCATE(1, 'a')",
    /^Cannot apply 'LOCATE' to arguments of type 'LOCATE\(<INTEGER>, <CHAR\(1\)>\)'\. Supported form\(s\): 'LOCATE\(<CHARACTER>, <CHARACTER>\)' 'LOCATE\(<CHARACTER>, <CHARACTER>, <INTEGER>\)'/,
  );
  await refused(
    "REPEAT('a', 1.5)",
    /^Cannot apply 'REPEAT' to arguments of type 'REPEAT\(<CHAR\(1\)>, <DECIMAL\(2, 1\)>\)'\. Supported form\(s\): 'REPEAT\(<CHARACTER>, <INTEGER>\)'/,
  );
});

test("SPLIT, IFNULL, E and the hyperbolic functions", async () => {
  assert.deepEqual(
    await one(`SPLIT('a,b,,c', ',') AS s, SPLIT(',a,', ',') AS edges, SPLIT('abc', '') AS chars, SPLIT('abc', ';') AS whole,
      SPLIT(${NULL_S}, ',') AS n1, IFNULL(${NULL_I}, 5) AS if1, IFNULL(3, 5) AS if2, E() AS e,
      SINH(0) AS sinh, COSH(0) AS cosh, TANH(0) AS tanh, COT(1) AS cot, SINH(CAST(NULL AS DOUBLE)) AS n2`),
    {
      s: ["a", "b", "", "c"],
      edges: ["", "a", ""],
      chars: ["a", "b", "c"],
      whole: ["abc"],
      n1: null,
      if1: 5,
      if2: 3,
      e: Math.E,
      sinh: 0,
      cosh: 1,
      tanh: 0,
      // 1 / Math.tan(1.0) in Java.
      cot: 0.6420926159343306,
      n2: null,
    },
  );
  await refused(
    "SPLIT(1, ',')",
    /^Invalid function call: SPLIT\(INT NOT NULL, CHAR\(1\) NOT NULL\)\. Unsupported argument type\. Expected type of family 'CHARACTER_STRING' but actual type was 'INT NOT NULL'\./,
  );
  await refused("COT('x')", /COT's argument 1 must be a number, not CHAR/);
});

test("ARRAY_ functions, as Flink's docs describe them", async () => {
  assert.deepEqual(
    await one(`ARRAY_APPEND(ARRAY[1, 2], 3) AS app, ARRAY_PREPEND(ARRAY[1, 2], 0) AS pre,
      ARRAY_CONCAT(ARRAY[1], ARRAY[2, 3], ARRAY[4]) AS cat, ARRAY_CONCAT(ARRAY[1], CASE WHEN 1 = 0 THEN ARRAY[1] END) AS cat_null,
      ARRAY_CONTAINS(ARRAY[1, 2], 2) AS c1, ARRAY_CONTAINS(ARRAY[1, CAST(NULL AS INT)], CAST(NULL AS INT)) AS c_null,
      ARRAY_CONTAINS(CASE WHEN 1 = 0 THEN ARRAY[1] END, 1) AS c_n,
      ARRAY_DISTINCT(ARRAY[1, 2, 1, CAST(NULL AS INT), 3, CAST(NULL AS INT)]) AS dist,
      ARRAY_POSITION(ARRAY[5, 6, 5], 5) AS pos, ARRAY_POSITION(ARRAY[5, 6], 7) AS pos0,
      ARRAY_REMOVE(ARRAY[1, 2, 1, 3], 1) AS rem, ARRAY_REVERSE(ARRAY['a', 'b', 'c']) AS rev,
      ARRAY_MAX(ARRAY[3, CAST(NULL AS INT), 7, 1]) AS mx, ARRAY_MIN(ARRAY['b', 'a', 'c']) AS mn,
      ARRAY_JOIN(ARRAY['a', CAST(NULL AS STRING), 'b'], '-') AS j1, ARRAY_JOIN(ARRAY['a', CAST(NULL AS STRING), 'b'], '-', 'x') AS j2,
      ELEMENT(ARRAY[42]) AS el`),
    {
      app: [1, 2, 3],
      pre: [0, 1, 2],
      cat: [1, 2, 3, 4],
      cat_null: null,
      c1: true,
      c_null: true,
      c_n: null,
      dist: [1, 2, null, 3],
      pos: 1,
      pos0: 0,
      rem: [2, 3],
      rev: ["c", "b", "a"],
      mx: 7,
      mn: "a",
      j1: "a-b",
      j2: "a-x-b",
      el: 42,
    },
  );
  await refused("ARRAY_CONTAINS('abc', 'a')", /ARRAY_CONTAINS's argument 1 must be an ARRAY, not CHAR/);
  await refused(
    "ARRAY_JOIN(ARRAY[1, 2], ',')",
    /ARRAY_JOIN's argument 1 must be an ARRAY of strings, not of INT/,
  );
});

test("ARRAY_SLICE: 1-based inclusive offsets, negative from the end, 0 the start, as Flink's ArraySliceFunction", async () => {
  const a = "ARRAY[1, 2, 3, 4, 5]";
  assert.deepEqual(
    await one(`ARRAY_SLICE(${a}, 2, 4) AS mid, ARRAY_SLICE(${a}, 0, 2) AS from0, ARRAY_SLICE(${a}, -2) AS tail,
      ARRAY_SLICE(${a}, -3, -2) AS neg, ARRAY_SLICE(${a}, 4, 2) AS empty, ARRAY_SLICE(${a}, 3, 99) AS past,
      ARRAY_SLICE(${a}, 0, 0) AS zero, ARRAY_SLICE(${a}, 2, ${NULL_I}) AS n`),
    {
      mid: [2, 3, 4],
      from0: [1, 2],
      tail: [4, 5],
      neg: [3, 4],
      empty: [],
      past: [3, 4, 5],
      zero: [1],
      n: null,
    },
  );
  await refused(`ARRAY_SLICE(${a}, 'x')`, /ARRAY_SLICE's argument 2 must be an integer, not CHAR/);
});

test("MAP_KEYS, MAP_VALUES, MAP_ENTRIES and MAP_FROM_ARRAYS", async () => {
  assert.deepEqual(
    await one(`MAP_KEYS(MAP['a', 1, 'b', 2]) AS k, MAP_KEYS(MAP[1, 'x', 2, 'y']) AS int_keys, MAP_VALUES(MAP['a', 1, 'b', 2]) AS v,
      MAP_ENTRIES(MAP['a', 1]) AS e, MAP_FROM_ARRAYS(ARRAY['a', 'b'], ARRAY[1, 2])['b'] AS fa,
      CARDINALITY(MAP_FROM_ARRAYS(ARRAY['a', 'b'], ARRAY[1, 2])) AS fa_size,
      MAP_KEYS(CASE WHEN 1 = 0 THEN MAP['a', 1] END) AS n`),
    { k: ["a", "b"], int_keys: [1, 2], v: [1, 2], e: [["a", 1]], fa: 2, fa_size: 2, n: null },
  );
  await refused("MAP_KEYS(ARRAY[1])", /MAP_KEYS's argument 1 must be a MAP, not array/);
  await assert.rejects(
    async () => one("MAP_FROM_ARRAYS(ARRAY['a'], ARRAY[1, 2]) AS m"),
    /the length of the keys array 1 is not equal to the length of the values array 2/,
  );
});

test("POSITION(a IN b), SUBSTRING(s FROM i [FOR n]) and TRIM([BOTH | LEADING | TRAILING] [chars] FROM s)", async () => {
  assert.deepEqual(
    await one(`POSITION('l' IN 'hello') AS p, POSITION('z' IN 'hello') AS p0, POSITION('' IN 'hello') AS p_empty,
      POSITION('l' IN ('hello')) AS p_paren, POSITION(${NULL_S} IN 'a') AS pn,
      SUBSTRING('hello' FROM 2 FOR 3) AS s1, SUBSTRING('hello' FROM 3) AS s2,
      TRIM(BOTH 'xy' FROM 'xyaxbyx') AS tb, TRIM(LEADING 'x' FROM 'xxaxx') AS tl, TRIM(TRAILING 'x' FROM 'xxaxx') AS tt,
      TRIM('x' FROM 'xax') AS tdefault, TRIM(LEADING FROM '  a  ') AS tspace, TRIM('  a  ') AS tplain,
      TRIM(BOTH 'x' FROM ${NULL_S}) AS tn`),
    {
      p: 3,
      p0: 0,
      p_empty: 1,
      p_paren: 3,
      pn: null,
      s1: "ell",
      s2: "llo",
      // The characters of the set, not the string: 'xy' removes every x and y at the ends.
      tb: "axb",
      tl: "axx",
      tt: "xxa",
      tdefault: "a",
      tspace: "a  ",
      tplain: "a",
      tn: null,
    },
  );
  await refused("TRIM('a', 'b')", /TRIM takes one argument, or is written TRIM\(\[BOTH/);
  await refused(
    "POSITION(1 IN 'a')",
    /^Cannot apply 'POSITION' to arguments of type 'POSITION\(<INTEGER> IN <CHAR\(1\)>\)'\. Supported form\(s\): 'POSITION\(<STRING> IN <STRING>\)' 'POSITION\(<STRING> IN <STRING> FROM <INTEGER>\)'/,
  );
});

test("PARSE_URL reads a URL as java.net.URL does, as Flink's SqlFunctionUtils.parseUrl", async () => {
  const u = "'http://facebook.com/path1/p.php?k1=v1&k2=v2#Ref1'";
  const v = "'https://user:pw@Example.com:8080/a?x=1'";
  assert.deepEqual(
    await one(`PARSE_URL(${u}, 'HOST') AS host, PARSE_URL(${u}, 'QUERY', 'k1') AS k1, PARSE_URL(${u}, 'QUERY', 'k3') AS k3,
      PARSE_URL(${u}, 'PATH') AS path, PARSE_URL(${u}, 'QUERY') AS query, PARSE_URL(${u}, 'REF') AS ref,
      PARSE_URL(${u}, 'PROTOCOL') AS protocol, PARSE_URL(${u}, 'FILE') AS file, PARSE_URL(${u}, 'AUTHORITY') AS authority,
      PARSE_URL(${u}, 'USERINFO') AS no_userinfo, PARSE_URL(${v}, 'USERINFO') AS userinfo, PARSE_URL(${v}, 'HOST') AS host2,
      PARSE_URL(${v}, 'AUTHORITY') AS authority2, PARSE_URL(${v}, 'REF') AS no_ref, PARSE_URL(${u}, 'PATH', 'k1') AS key_not_query,
      PARSE_URL('not a url', 'HOST') AS bad, PARSE_URL('foo://x/y', 'HOST') AS unknown_protocol,
      PARSE_URL(${u}, 'PORT') AS unknown_part, PARSE_URL(${NULL_S}, 'HOST') AS n`),
    {
      // host and k1 are Flink's documented examples; the other parts java.net.URL's getters.
      host: "facebook.com",
      k1: "v1",
      k3: null,
      path: "/path1/p.php",
      query: "k1=v1&k2=v2",
      ref: "Ref1",
      protocol: "http",
      file: "/path1/p.php?k1=v1&k2=v2",
      authority: "facebook.com",
      no_userinfo: null,
      userinfo: "user:pw",
      // java.net.URL keeps the host's case and the port in the authority.
      host2: "Example.com",
      authority2: "user:pw@Example.com:8080",
      no_ref: null,
      key_not_query: null,
      bad: null,
      unknown_protocol: null,
      unknown_part: null,
      n: null,
    },
  );
  await refused(
    "PARSE_URL(1, 'HOST')",
    /^Cannot apply 'PARSE_URL' to arguments of type 'PARSE_URL\(<INTEGER>, <CHAR\(4\)>\)'\. Supported form\(s\): 'PARSE_URL\(<CHARACTER>, <CHARACTER>\)' 'PARSE_URL\(<CHARACTER>, <CHARACTER>, <CHARACTER>\)'/,
  );
});
