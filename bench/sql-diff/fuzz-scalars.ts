/**
 * Random differential test of scalar functions and CASTs: Fleuve SQL vs Apache Flink 1.20.
 *
 *   node --import tsx bench/sql-diff/fuzz-scalars.ts [--seed 1] [--queries 8] [--exprs 80]
 *        [--rows 40] [--keep DIR] [--rounds 6]
 *
 * Writes random typed rows (INT, BIGINT within ±2^53, DOUBLE with -0.0 and other edge values but
 * no NaN, DECIMAL(10, 3), STRING with unicode / empty / blank / NULL, BOOLEAN, DATE,
 * TIMESTAMP(3), TIMESTAMP_LTZ(3)) into a filesystem json table, then `--queries` queries of
 * `--exprs` random well-typed expressions each (functions of docs/sql.md, CAST / TRY_CAST
 * between the types). Each query runs as `CREATE TABLE __out WITH ('connector' = 'print') AS
 * SELECT id, e1, '¦', e2, ...` on both engines (Flink through bench/flink/run.sh,
 * all queries in one JVM, each its own job; Fleuve through `fleuve sql -f`), and the printed
 * rows are compared per row id and per expression.
 *
 * A query that one side refuses or fails is narrowed in later rounds: an expression Flink's
 * validator names by line (each expression is on its own line) is taken out and tried alone;
 * otherwise the query is cut in two. A single expression that fails on one side only is
 * reported as such. The same seed gives the same rows and expressions.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { flinkOutputByFile } from "./flink-output.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const FLINK = process.env.FLINK_RUN ?? join(here, "../flink/run.sh");
const SEP = "¦";

/** mulberry32: a small seeded PRNG, so a seed gives the same run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let rand = prng(1);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const chance = (p: number) => rand() < p;

// ---------------------------------------------------------------- rows

const INTS = [
  0, 1, -1, 2, 7, 10, -10, 42, 100, 255, 256, -129, 1000, 65535, 2147483647, -2147483648, 123456789,
];
const BIGS = [
  0,
  1,
  -1,
  1000,
  86400000,
  -86400000,
  1700000000000,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 - 1,
  -(2 ** 53 - 1),
  1234567890123,
];
const DOUBLES = [
  0,
  -0,
  1,
  -1,
  0.5,
  1.5,
  2.5,
  -2.5,
  0.1,
  0.30000000000000004,
  1e-7,
  1e7,
  1e21,
  1.23e-10,
  123.456,
  -987.654321,
  Math.PI,
  1e300,
  -1e-300,
  4.35,
  0.001,
  2 ** 53 + 2,
  100,
];
const DECIMALS = [
  "0",
  "0.001",
  "-0.001",
  "1.005",
  "2.5",
  "-2.5",
  "123.456",
  "-987.654",
  "9999999.999",
  "-9999999.999",
  "1",
  "100",
  "0.5",
  "42.420",
];
const STRINGS = [
  "",
  " ",
  "  a b  ",
  "Hello",
  "hello world",
  "HELLO_WORLD",
  "héllo wörld",
  "日本語テキスト",
  "emoji 😀 x",
  "a,b,,c",
  "1",
  "-12",
  "3.5",
  "1e3",
  " 42 ",
  "2024-03-15",
  "2024-03-15 10:20:30",
  "2024-03-15 10:20:30.123",
  "2024-02-30",
  "true",
  "FALSE",
  '{"a":1,"b":[1,2,{"c":"x"}],"d":null}',
  '{"a":"text"}',
  "[1,2,3]",
  "null",
  "abcabc",
  "\tTab\n",
  "MiXeD cAsE wOrDs",
  "ßtraße",
  "x",
  "0.0",
  "9223372036854775807",
  "NaN",
  "İstanbul",
  "a-b_c d",
];
const DATES = [
  "2024-03-15",
  "2024-02-29",
  "1970-01-01",
  "1969-12-31",
  "2000-01-01",
  "1999-12-31",
  "2023-01-01",
  "2024-12-31",
  "1900-03-01",
  "2038-01-19",
];
const TIMES = ["00:00:00", "10:20:30.123", "23:59:59.999", "12:00:00", "08:05:09.007", "00:00:00.001"];

function row(id: number): Record<string, unknown> {
  const n = (p = 0.12) => chance(p);
  const ts = () => `${pick(DATES)} ${pick(TIMES).padEnd(12, ".000").slice(0, 12).replace(/\.$/, "")}`;
  const r: Record<string, unknown> = { id };
  const allNull = id === 1;
  r.i = allNull || n() ? null : pick(INTS);
  r.j = allNull || n() ? null : pick(INTS.slice(0, 12));
  r.b = allNull || n() ? null : pick(BIGS);
  r.d = allNull || n() ? null : pick(DOUBLES);
  r.m = allNull || n() ? null : Number(pick(DECIMALS));
  r.s = allNull || n() ? null : pick(STRINGS);
  r.s2 = allNull || n() ? null : pick(STRINGS);
  r.bo = allNull || n() ? null : chance(0.5);
  r.dt = allNull || n() ? null : pick(DATES);
  r.ts = allNull || n() ? null : ts();
  r.lms =
    allNull || n()
      ? null
      : Date.parse(`${(r.ts as string | null) ?? ts()}Z`.replace(" ", "T")) + pick([0, 1, -1, 3600000]);
  return r;
}

const TABLE = (path: string) => `CREATE TABLE t (
  id INT, i INT, j INT, b BIGINT, d DOUBLE, m DECIMAL(10, 3), s STRING, s2 STRING, bo BOOLEAN,
  dt DATE, ts TIMESTAMP(3), lms BIGINT, lt AS TO_TIMESTAMP_LTZ(lms, 3)
) WITH ('connector' = 'filesystem', 'path' = '${path}', 'format' = 'json')`;

// ---------------------------------------------------------------- expressions

type T = "I" | "L" | "D" | "M" | "S" | "B" | "DT" | "TS" | "LTZ" | "SI";
const TYPES: T[] = ["I", "L", "D", "M", "S", "B", "DT", "TS", "LTZ"];
const CAST_TARGETS = [
  "INT",
  "BIGINT",
  "TINYINT",
  "SMALLINT",
  "DOUBLE",
  "FLOAT",
  "DECIMAL(10, 2)",
  "DECIMAL(5, 0)",
  "DECIMAL(38, 10)",
  "STRING",
  "VARCHAR(3)",
  "CHAR(5)",
  "BOOLEAN",
  "DATE",
  "TIMESTAMP(3)",
  "TIMESTAMP(0)",
  "TIMESTAMP_LTZ(3)",
];

const LEAVES: Record<T, () => string> = {
  I: () => (chance(0.7) ? pick(["i", "j", "id"]) : String(pick(INTS.filter((x) => x !== -2147483648)))),
  SI: () =>
    chance(0.6)
      ? String(pick([-2, -1, 0, 1, 2, 3, 4, 5, 7, 10]))
      : pick(["MOD(j, 7)", "MOD(i, 5)", "MOD(id, 9)"]),
  L: () => (chance(0.75) ? "b" : pick(["CAST(0 AS BIGINT)", "9007199254740991", "-1234567890123"])),
  D: () =>
    chance(0.75) ? "d" : pick(["1.5E0", "-0.0E0", "2.5E0", "1.0E-7", "0.1E0", "1.0E21", "CAST(3 AS DOUBLE)"]),
  M: () => (chance(0.75) ? "m" : pick(["1.005", "-2.5", "0.000", "123.456", "99999.99"])),
  S: () =>
    chance(0.75)
      ? pick(["s", "s2", "s"])
      : `'${pick(["", " ", "abc", "a,b", "日本", "Hello World", "l", "o", "2024-03-15", "x"])}'`,
  B: () => (chance(0.8) ? "bo" : pick(["TRUE", "FALSE"])),
  DT: () => (chance(0.8) ? "dt" : "DATE '2024-02-29'"),
  TS: () => (chance(0.8) ? "ts" : "TIMESTAMP '2024-03-15 10:20:30.123'"),
  LTZ: () => "lt",
};

const RE = [
  "'([a-z]+)'",
  "'(\\d+)'",
  "'[aeiou]'",
  "'^\\s+'",
  "'(.)(.)'",
  "'l+'",
  "'[^a-z]'",
  "'(\\w+) (\\w+)'",
  "''",
];
const FMT_TS = [
  "'yyyy-MM-dd'",
  "'yyyy/MM/dd HH:mm:ss'",
  "'EEE MMM d yyyy'",
  "'D w'",
  "'HH:mm:ss.SSS'",
  "'yy-M-d h a'",
  "'yyyyMMddHHmmss'",
  "'MMMM'",
  "'u E'",
  "'yyyy-MM-dd''T''HH:mm'",
];
const FMT_PARSE = [
  "'yyyy-MM-dd'",
  "'yyyy-MM-dd HH:mm:ss'",
  "'yyyyMMdd'",
  "'dd/MM/yyyy'",
  "'yyyy-MM-dd HH:mm:ss.SSS'",
];
const UNITS_EXTRACT = [
  "YEAR",
  "QUARTER",
  "MONTH",
  "WEEK",
  "DAY",
  "DOY",
  "DOW",
  "HOUR",
  "MINUTE",
  "SECOND",
  "MILLISECOND",
  "EPOCH",
  "ISODOW",
  "ISOYEAR",
  "DECADE",
  "CENTURY",
  "MILLENNIUM",
  "MICROSECOND",
];
const UNITS_DIFF = ["SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"];
const UNITS_FLOOR = ["YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND"];

type Gen = (g: (t: T) => string) => string;
/** Per result type, the ways to make one (each given a generator of sub-expressions). */
const FUNCS: Record<T, Gen[]> = {
  S: [
    (g) => `UPPER(${g("S")})`,
    (g) => `LOWER(${g("S")})`,
    (g) => `TRIM(${g("S")})`,
    (g) => `LTRIM(${g("S")})`,
    (g) => `RTRIM(${g("S")})`,
    (g) => `TRIM(BOTH '${pick(["a", "x", " a", "l"])}' FROM ${g("S")})`,
    (g) => `TRIM(LEADING ${g("S")} FROM ${g("S")})`,
    (g) => `TRIM(TRAILING '${pick(["o", "d ", "c"])}' FROM ${g("S")})`,
    (g) => `SUBSTRING(${g("S")}, ${g("SI")})`,
    (g) => `SUBSTRING(${g("S")}, ${g("SI")}, ${g("SI")})`,
    (g) => `SUBSTRING(${g("S")} FROM ${g("SI")} FOR ${g("SI")})`,
    (g) => `SUBSTR(${g("S")}, ${g("SI")})`,
    (g) => `LPAD(${g("S")}, ${g("SI")}, ${g("S")})`,
    (g) => `RPAD(${g("S")}, ${g("SI")}, ${g("S")})`,
    (g) => `REPLACE(${g("S")}, ${g("S")}, ${g("S")})`,
    (g) => `REGEXP_REPLACE(${g("S")}, ${pick(RE)}, ${g("S")})`,
    (g) => `REGEXP_EXTRACT(${g("S")}, ${pick(RE)})`,
    (g) => `REGEXP_EXTRACT(${g("S")}, ${pick(RE)}, ${g("SI")})`,
    (g) => `SPLIT_INDEX(${g("S")}, '${pick([",", " ", "l", "", "-"])}', ${g("SI")})`,
    (g) => `SPLIT_INDEX(${g("S")}, ${g("S")}, ${g("SI")})`,
    (g) => `INITCAP(${g("S")})`,
    (g) => `REVERSE(${g("S")})`,
    (g) => `CONCAT(${g("S")}, ${g("S")})`,
    (g) => `CONCAT(${g("S")}, ${g("S")}, ${g("S")})`,
    (g) => `CONCAT_WS(${g("S")}, ${g("S")}, ${g("S")})`,
    (g) => `CONCAT_WS('-', ${g("S")}, ${g("S")})`,
    (g) => `OVERLAY(${g("S")} PLACING ${g("S")} FROM ${g("SI")})`,
    (g) => `OVERLAY(${g("S")} PLACING ${g("S")} FROM ${g("SI")} FOR ${g("SI")})`,
    (g) => `REPEAT(${g("S")}, ${g("SI")})`,
    (g) => `LEFT(${g("S")}, ${g("SI")})`,
    (g) => `RIGHT(${g("S")}, ${g("SI")})`,
    (g) => `HEX(${g("S")})`,
    (g) => `HEX(${g(pick(["I", "L"]))})`,
    (g) => `BIN(${g(pick(["I", "L"]))})`,
    (g) => `TO_BASE64(${g("S")})`,
    (g) => `CHR(${g("SI")} + 64)`,
    (g) => `DATE_FORMAT(${g("TS")}, ${pick(FMT_TS)})`,
    (g) => `DATE_FORMAT(${g("S")}, ${pick(FMT_TS)})`,
    (g) => `DATE_FORMAT(${g("LTZ")}, ${pick(FMT_TS)})`,
    (g) => `CAST(${g(pick(TYPES))} AS STRING)`,
    (g) => `CAST(${g(pick(TYPES))} AS ${pick(["VARCHAR(3)", "CHAR(5)", "VARCHAR(10)"])})`,
    (g) => `JSON_VALUE(${g("S")}, '${pick(["$.a", "$.b[1]", "$.b[2].c", "$.d", "$", "$.x", "$[0]"])}')`,
    (g) => `JSON_QUERY(${g("S")}, '${pick(["$.a", "$.b", "$.b[2]", "$", "$.x", "$[1]"])}')`,
    (g) => `JSON_OBJECT('k' VALUE ${g(pick(TYPES))})`,
    (g) => `JSON_OBJECT('k' VALUE ${g(pick(TYPES))} ${pick(["NULL ON NULL", "ABSENT ON NULL"])})`,
    (g) => `JSON_ARRAY(${g(pick(TYPES))}, ${g(pick(TYPES))})`,
    (g) => `JSON_STRING(${g(pick(TYPES))})`,
    (g) => `IF(${g("B")}, ${g("S")}, ${g("S")})`,
    (g) => `COALESCE(${g("S")}, ${g("S")})`,
    (g) => `IFNULL(${g("S")}, ${g("S")})`,
    (g) => `NULLIF(${g("S")}, ${g("S")})`,
    (g) => `CASE WHEN ${g("B")} THEN ${g("S")} WHEN ${g("B")} THEN ${g("S")} ELSE ${g("S")} END`,
    (g) => `CASE ${g("S")} WHEN 'Hello' THEN 'H' WHEN '' THEN 'empty' ELSE ${g("S")} END`,
    (g) => `GREATEST(${g("S")}, ${g("S")})`,
    (g) => `LEAST(${g("S")}, ${g("S")})`,
    (g) => `FROM_UNIXTIME(MOD(${g("L")}, 4000000000))`,
    (g) => `FROM_UNIXTIME(MOD(${g("L")}, 4000000000), ${pick(FMT_TS)})`,
    (g) => `MD5(${g("S")})`,
    (g) => `PARSE_URL(CONCAT('http://h.com/p?q=', ${g("S")}), 'QUERY', 'q')`,
    (g) => `CONVERT_TZ(${g("S")}, 'UTC', 'Asia/Shanghai')`,
  ],
  I: [
    (g) => `CHAR_LENGTH(${g("S")})`,
    (g) => `POSITION(${g("S")} IN ${g("S")})`,
    (g) => `LOCATE(${g("S")}, ${g("S")})`,
    (g) => `LOCATE(${g("S")}, ${g("S")}, ${g("SI")})`,
    (g) => `INSTR(${g("S")}, ${g("S")})`,
    (g) => `ASCII(${g("S")})`,
    (g) => `${g("I")} + ${g("I")}`,
    (g) => `${g("I")} - ${g("I")}`,
    (g) => `${g("I")} * ${g("I")}`,
    (g) => `-${g("I")}`,
    (g) => `ABS(${g("I")})`,
    (g) => `MOD(${g("I")}, ${pick(["3", "-7", "10", "2147483647"])})`,
    (g) => `${g("I")} % ${pick(["3", "-7", "10"])}`,
    (g) => `SIGN(${g("I")})`,
    (g) => `ROUND(${g("I")}, ${g("SI")})`,
    (g) => `TRUNCATE(${g("I")}, ${g("SI")})`,
    (g) => `FLOOR(${g("I")})`,
    (g) => `CEIL(${g("I")})`,
    (g) => `ROUND(${g("I")})`,
    (g) => `EXTRACT(${pick(UNITS_EXTRACT)} FROM ${g("TS")})`,
    (g) => `EXTRACT(${pick(UNITS_EXTRACT.slice(0, 7))} FROM ${g("DT")})`,
    (g) =>
      `${pick(["YEAR", "QUARTER", "MONTH", "WEEK", "DAYOFYEAR", "DAYOFMONTH", "DAYOFWEEK"])}(${g(pick(["DT", "TS"]))})`,
    (g) => `${pick(["HOUR", "MINUTE", "SECOND"])}(${g("TS")})`,
    (g) => `TIMESTAMPDIFF(${pick(UNITS_DIFF)}, ${g("TS")}, ${g("TS")})`,
    (g) => `TIMESTAMPDIFF(${pick(UNITS_DIFF)}, ${g("DT")}, ${g("DT")})`,
    (g) => `CAST(${g(pick(["I", "L", "D", "M", "B"]))} AS INT)`,
    (g) => `TRY_CAST(${g("S")} AS INT)`,
    (g) => `CAST(${g(pick(["I", "L", "D", "M"]))} AS ${pick(["TINYINT", "SMALLINT"])})`,
    (g) => `IF(${g("B")}, ${g("I")}, ${g("I")})`,
    (g) => `COALESCE(${g("I")}, ${g("I")}, 0)`,
    (g) => `NULLIF(${g("I")}, ${g("I")})`,
    (g) => `GREATEST(${g("I")}, ${g("I")})`,
    (g) => `LEAST(${g("I")}, ${g("I")}, ${g("I")})`,
    (g) => `CASE WHEN ${g("B")} THEN ${g("I")} ELSE ${g("I")} END`,
    (g) => `${g("I")} / ${pick(["3", "-2", "7"])}`,
    (g) => `HASH_CODE(${g("S")})`,
    (g) => `CARDINALITY(SPLIT(${g("S")}, ','))`,
  ],
  L: [
    (g) => `${g("L")} + ${g("I")}`,
    (g) => `${g("L")} - ${g("L")}`,
    (g) => `${g("L")} * ${pick(["2", "-3", "1000"])}`,
    (g) => `ABS(${g("L")})`,
    (g) => `MOD(${g("L")}, ${pick(["7", "1000", "-86400000"])})`,
    (g) => `${g("L")} / ${pick(["7", "1000", "-3"])}`,
    (g) => `CAST(${g(pick(["I", "L", "D", "M", "B"]))} AS BIGINT)`,
    (g) => `TRY_CAST(${g("S")} AS BIGINT)`,
    (g) => `UNIX_TIMESTAMP(${g("S")})`,
    (g) => `UNIX_TIMESTAMP(${g("S")}, ${pick(FMT_PARSE)})`,
    (g) => `ROUND(${g("L")}, ${g("SI")})`,
    (g) => `SIGN(${g("L")})`,
    (g) => `GREATEST(${g("L")}, ${g("I")})`,
    (g) => `COALESCE(${g("L")}, ${g("I")})`,
    (g) => `TRUNCATE(${g("L")}, ${g("SI")})`,
  ],
  D: [
    (g) => `${g("D")} + ${g("D")}`,
    (g) => `${g("D")} * ${g("D")}`,
    (g) => `${g("D")} / ${g("D")}`,
    (g) => `${g("D")} - ${g("I")}`,
    (g) => `SQRT(${g("D")})`,
    (g) => `LN(${g("D")})`,
    (g) => `LOG10(${g("D")})`,
    (g) => `LOG2(${g("D")})`,
    (g) => `LOG(${g("D")})`,
    (g) => `LOG(${g("D")}, ${g("D")})`,
    (g) => `EXP(${g("D")})`,
    (g) => `POWER(${g("D")}, ${g("D")})`,
    (g) => `POWER(${g("I")}, ${g("SI")})`,
    (g) =>
      `${pick(["SIN", "COS", "TAN", "ATAN", "ASIN", "ACOS", "SINH", "COSH", "TANH", "COT", "DEGREES", "RADIANS", "CBRT"])}(${g("D")})`,
    (g) => `ATAN2(${g("D")}, ${g("D")})`,
    (g) => `ROUND(${g("D")}, ${g("SI")})`,
    (g) => `ROUND(${g("D")})`,
    (g) => `TRUNCATE(${g("D")}, ${g("SI")})`,
    (g) => `TRUNCATE(${g("D")})`,
    (g) => `FLOOR(${g("D")})`,
    (g) => `CEIL(${g("D")})`,
    (g) => `ABS(${g("D")})`,
    (g) => `SIGN(${g("D")})`,
    (g) => `-${g("D")}`,
    (g) => `CAST(${g(pick(["I", "L", "D", "M", "B"]))} AS DOUBLE)`,
    (g) => `CAST(${g(pick(["I", "L", "D", "M"]))} AS FLOAT)`,
    (g) => `TRY_CAST(${g("S")} AS DOUBLE)`,
    (g) => `${g("I")} / ${g("D")}`,
    (g) => `${g("M")} * ${g("D")}`,
    (g) => `GREATEST(${g("D")}, ${g("I")})`,
    (g) => `COALESCE(${g("D")}, ${g("M")})`,
    (g) => `IF(${g("B")}, ${g("D")}, ${g("I")})`,
  ],
  M: [
    (g) => `${g("M")} + ${g("M")}`,
    (g) => `${g("M")} - ${g("I")}`,
    (g) => `${g("M")} * ${g("M")}`,
    (g) => `${g("M")} / ${pick(["3", "7.0", "-0.5", "1000"])}`,
    (g) => `${g("I")} * ${g("M")}`,
    (g) => `ROUND(${g("M")}, ${g("SI")})`,
    (g) => `ROUND(${g("M")})`,
    (g) => `TRUNCATE(${g("M")}, ${g("SI")})`,
    (g) => `TRUNCATE(${g("M")})`,
    (g) => `FLOOR(${g("M")})`,
    (g) => `CEIL(${g("M")})`,
    (g) => `ABS(${g("M")})`,
    (g) => `SIGN(${g("M")})`,
    (g) => `-${g("M")}`,
    (g) => `MOD(${g("M")}, ${pick(["0.7", "3", "-2.5"])})`,
    (g) =>
      `CAST(${g(pick(["I", "L", "D", "M"]))} AS ${pick(["DECIMAL(10, 2)", "DECIMAL(5, 0)", "DECIMAL(38, 10)", "DECIMAL(4, 3)"])})`,
    (g) => `TRY_CAST(${g("S")} AS DECIMAL(10, 2))`,
    (g) => `CAST(${g("B")} AS DECIMAL(3, 1))`,
    (g) => `GREATEST(${g("M")}, ${g("I")})`,
    (g) => `LEAST(${g("M")}, ${g("M")})`,
    (g) => `COALESCE(${g("M")}, ${g("I")})`,
    (g) => `CASE WHEN ${g("B")} THEN ${g("M")} ELSE ${g("I")} END`,
    (g) => `NULLIF(${g("M")}, ${g("M")})`,
  ],
  B: [
    (g) => {
      const t = pick(TYPES.filter((x) => x !== "LTZ"));
      return `${g(t)} ${pick(["=", "<>", "<", "<=", ">", ">="])} ${g(t)}`;
    },
    (g) => `${g("S")} LIKE '${pick(["%l%", "H%", "_", "%", "a\\_%", "%o", "%,%"])}'`,
    (g) => `${g("S")} NOT LIKE '${pick(["%l%", "H%", "_"])}'`,
    (g) => `${g("S")} SIMILAR TO '${pick(["[a-z]+", "%(b|c)%", "H.*"])}'`,
    (g) => `REGEXP(${g("S")}, ${pick(RE)})`,
    (g) => `${pick(["IS_DIGIT", "IS_ALPHA", "IS_DECIMAL"])}(${g("S")})`,
    (g) => `${g("B")} ${pick(["AND", "OR"])} ${g("B")}`,
    (g) => `NOT ${g("B")}`,
    (g) => `${g(pick(TYPES))} IS ${pick(["", "NOT "])}NULL`,
    (g) => `${g("B")} IS ${pick(["", "NOT "])}${pick(["TRUE", "FALSE", "UNKNOWN"])}`,
    (g) => {
      const t = pick(["I", "S", "D", "M"] as T[]);
      return `${g(t)} IS ${pick(["", "NOT "])}DISTINCT FROM ${g(t)}`;
    },
    (g) => {
      const t = pick(["I", "S", "D", "DT"] as T[]);
      return `${g(t)} ${pick(["", "NOT "])}BETWEEN ${pick(["", "SYMMETRIC "])}${g(t)} AND ${g(t)}`;
    },
    (g) => {
      const t = pick(["I", "S", "L"] as T[]);
      return `${g(t)} ${pick(["", "NOT "])}IN (${g(t)}, ${g(t)}, ${g(t)})`;
    },
    (g) => `TRY_CAST(${g("S")} AS BOOLEAN)`,
    (g) => `CAST(${g(pick(["I", "L", "B"]))} AS BOOLEAN)`,
    (g) => `${g("S")} IS JSON${pick(["", " OBJECT", " ARRAY", " SCALAR", " VALUE"])}`,
    (g) => `JSON_EXISTS(${g("S")}, '${pick(["$.a", "$.b[5]", "$", "$.d"])}')`,
    (g) => `COALESCE(${g("B")}, ${g("B")})`,
  ],
  DT: [
    (g) => `CAST(${g(pick(["TS", "LTZ"]))} AS DATE)`,
    (g) => `TO_DATE(${g("S")})`,
    (g) => `TO_DATE(${g("S")}, ${pick(FMT_PARSE)})`,
    (g) => `TRY_CAST(${g("S")} AS DATE)`,
    (g) => `${g("DT")} + INTERVAL '${pick(["1", "30", "-1", "365"])}' DAY`,
    (g) => `${g("DT")} - INTERVAL '${pick(["1", "13", "-25"])}' MONTH`,
    (g) => `${g("DT")} + INTERVAL '1' YEAR`,
    (g) => `FLOOR(${g("DT")} TO ${pick(["YEAR", "QUARTER", "MONTH", "WEEK", "DAY"])})`,
    (g) => `CEIL(${g("DT")} TO ${pick(["YEAR", "QUARTER", "MONTH", "WEEK", "DAY"])})`,
    (g) => `COALESCE(${g("DT")}, DATE '2000-01-01')`,
    (g) => `GREATEST(${g("DT")}, ${g("DT")})`,
    (g) => `CAST(${g("S")} AS DATE)`,
  ],
  TS: [
    (g) => `TO_TIMESTAMP(${g("S")})`,
    (g) => `TO_TIMESTAMP(${g("S")}, ${pick(FMT_PARSE)})`,
    (g) => `TIMESTAMPADD(${pick(UNITS_DIFF)}, ${g("SI")}, ${g("TS")})`,
    (g) => `TIMESTAMPADD(${pick(UNITS_DIFF)}, ${g("SI")}, ${g("DT")})`,
    (g) =>
      `${g("TS")} + INTERVAL '${pick(["1", "59", "-1"])}' ${pick(["SECOND", "MINUTE", "HOUR", "DAY"])}`
        .replace("'1:30' SECOND", "'1:30' MINUTE TO SECOND")
        .replace("'1:30' DAY", "'1 1' DAY TO HOUR"),
    (g) => `${g("TS")} - INTERVAL '${pick(["1", "14", "-2"])}' MONTH`,
    (g) => `FLOOR(${g("TS")} TO ${pick(UNITS_FLOOR)})`,
    (g) => `CEIL(${g("TS")} TO ${pick(UNITS_FLOOR)})`,
    (g) => `CAST(${g(pick(["DT", "LTZ"]))} AS TIMESTAMP(3))`,
    (g) => `TRY_CAST(${g("S")} AS TIMESTAMP(3))`,
    (g) => `CAST(${g("TS")} AS TIMESTAMP(0))`,
    (g) => `COALESCE(${g("TS")}, ${g("TS")})`,
    (g) => `LEAST(${g("TS")}, ${g("TS")})`,
    (g) => `IF(${g("B")}, ${g("TS")}, ${g("TS")})`,
    (g) => `TO_TIMESTAMP(FROM_UNIXTIME(MOD(${g("L")}, 4000000000)))`,
  ],
  LTZ: [
    (g) => `CAST(${g("TS")} AS TIMESTAMP_LTZ(3))`,
    (g) => `TO_TIMESTAMP_LTZ(MOD(${g("L")}, 100000000000000), 3)`,
    (g) => `TO_TIMESTAMP_LTZ(MOD(${g("L")}, 10000000000), 0)`,
    (g) => `${g("LTZ")} + INTERVAL '1' HOUR`,
    (g) => `TIMESTAMPADD(${pick(UNITS_DIFF)}, ${g("SI")}, ${g("LTZ")})`,
    (g) => `FLOOR(${g("LTZ")} TO ${pick(UNITS_FLOOR)})`,
    (g) => `TRY_CAST(${g("S")} AS TIMESTAMP_LTZ(3))`,
  ],
  SI: [],
};

/** A random expression of type `t`, at most `depth` calls deep. */
function gen(t: T, depth: number): string {
  const leaf = depth <= 0 || t === "SI" || FUNCS[t].length === 0 || chance(0.2);
  if (leaf) return LEAVES[t]();
  // In parentheses, so that an operand's operators and interval units never run into its
  // caller's syntax (`FLOOR(x + INTERVAL '1' HOUR TO DAY)`).
  return `(${pick(FUNCS[t])((u) => gen(u, depth - 1))})`;
}

/** A top-level expression: mostly a function over leaves, sometimes nested, sometimes a cast. */
function topExpr(): string {
  if (chance(0.2)) {
    let from: T;
    let to: string;
    // Only the pairs Flink 1.20 casts: no number or boolean to or from a date or timestamp.
    const temporal = (x: string) => /^(DT|TS|LTZ|DATE|TIMESTAMP)/.test(x);
    do {
      from = pick(TYPES);
      to = pick(CAST_TARGETS);
    } while (from !== "S" && to !== "STRING" && !/CHAR/.test(to) && temporal(from) !== temporal(to));
    const op = from === "S" || chance(0.3) ? "TRY_CAST" : "CAST";
    return `${op}(${gen(from, chance(0.5) ? 0 : 1)} AS ${to})`;
  }
  const t = pick(TYPES);
  return pick(FUNCS[t])((u) => gen(u, chance(0.75) ? 0 : 1));
}

// ---------------------------------------------------------------- running

interface Group {
  exprs: string[];
}
interface Outcome {
  rows?: string[];
  error?: string;
}

function querySql(table: string, g: Group): string {
  // Each expression on a line of its own, so that Flink's "From line N" names it (line 1 is the
  // CTAS head and `id`).
  const cols = g.exprs.map((e, k) => (k === 0 ? `  ${e}` : `  '${SEP}', ${e}`));
  return `${table};\nCREATE TABLE __out WITH ('connector' = 'print') AS SELECT id,\n${cols.join(",\n")}\nFROM t;\n`;
}

function parsePrinted(lines: readonly string[]): string[] {
  return lines.map((l) => l.trimEnd()).filter((l) => /^\+I\[.*\]$/.test(l));
}

function runFlink(files: readonly string[]): Map<string, Outcome> {
  const res = spawnSync(FLINK, ["sql", ...files.flatMap((f) => ["--file", f])], {
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
  });
  const out = new Map<string, Outcome>();
  for (const [file, o] of flinkOutputByFile(res.stdout, files))
    out.set(file, "error" in o ? { error: o.error } : { rows: parsePrinted(o.lines) });
  // One file that failed has no `!ERROR` line: the exception is on stderr.
  if (files.length === 1 && res.status !== 0)
    out.set(files[0] as string, {
      error: (res.stderr.split("\n").find((l) => /Exception|Error/.test(l)) ?? `exit ${res.status}`).trim(),
    });
  return out;
}

function runFleuve(file: string): Outcome {
  const res = spawnSync(
    process.execPath,
    [join(root, "packages/cli/bin/fleuve.js"), "sql", "-f", file, "--no-metrics"],
    {
      encoding: "utf8",
      maxBuffer: 512 * 1024 * 1024,
      cwd: dirname(file),
    },
  );
  if (res.status !== 0) {
    const lines = (res.stderr || res.stdout).split("\n").filter((l) => l.trim());
    return { error: lines.find((l) => /error|fail/i.test(l)) ?? lines[0] ?? `exit ${res.status}` };
  }
  return { rows: parsePrinted(res.stdout.split("\n")) };
}

/** Splits a printed row `+I[id, v1, ¦, v2, ...]` into its id and expression values. */
function cells(row: string): { id: string; vals: string[] } {
  const inner = row.slice(3, -1);
  const comma = inner.indexOf(", ");
  return { id: inner.slice(0, comma), vals: inner.slice(comma + 2).split(`, ${SEP}, `) };
}

interface Difference {
  expr: string;
  kind: "value" | "error";
  detail: string;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      seed: { type: "string", default: "1" },
      queries: { type: "string", default: "8" },
      exprs: { type: "string", default: "80" },
      rows: { type: "string", default: "40" },
      rounds: { type: "string", default: "6" },
      keep: { type: "string" },
    },
  });
  rand = prng(Number(values.seed));
  const work = values.keep ?? mkdtempSync(join(tmpdir(), "sql-fuzz-"));
  mkdirSync(work, { recursive: true });
  const dataPath = join(work, "rows.jsonl");
  const rows = Array.from({ length: Number(values.rows) }, (_, k) => row(k + 1));
  writeFileSync(dataPath, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  const table = TABLE(dataPath);
  let pending: Group[] = Array.from({ length: Number(values.queries) }, () => ({
    exprs: Array.from({ length: Number(values.exprs) }, topExpr),
  }));
  const total = pending.reduce((n, g) => n + g.exprs.length, 0);
  const diffs: Difference[] = [];
  let compared = 0;
  let bothRefuse = 0;
  for (let round = 0; round < Number(values.rounds) && pending.length > 0; round++) {
    const files = pending.map((g, k) => {
      const f = join(work, `r${round}-q${k}.sql`);
      writeFileSync(f, querySql(table, g));
      return f;
    });
    console.error(
      `round ${round}: ${pending.length} queries, ${pending.reduce((n, g) => n + g.exprs.length, 0)} expressions`,
    );
    const flink = runFlink(files);
    const next: Group[] = [];
    for (const [k, g] of pending.entries()) {
      const file = files[k] as string;
      const f = flink.get(file) ?? { error: "Flink printed nothing" };
      const v = runFleuve(file);
      appendFileSync(
        join(work, "log.txt"),
        `${file} (${g.exprs.length})\n  flink: ${f.error ?? "ok"}\n  fleuve: ${v.error ?? "ok"}\n`,
      );
      if (f.rows && v.rows) {
        compared += g.exprs.length;
        const fl = new Map(f.rows.map((r) => [cells(r).id, cells(r).vals]));
        const fv = new Map(v.rows.map((r) => [cells(r).id, cells(r).vals]));
        for (const [e, expr] of g.exprs.entries()) {
          const bad: string[] = [];
          for (const [id, fvals] of fl) {
            const a = fvals[e];
            const b = fv.get(id)?.[e];
            if (a !== b) bad.push(`id ${id}: flink ${a} | fleuve ${b}`);
          }
          if (fl.size !== fv.size) bad.push(`row counts: flink ${fl.size}, fleuve ${fv.size}`);
          if (bad.length > 0)
            diffs.push({
              expr,
              kind: "value",
              detail:
                bad.slice(0, 6).join("\n    ") +
                (bad.length > 6 ? `\n    ... ${bad.length - 6} more rows` : ""),
            });
        }
        continue;
      }
      if (g.exprs.length === 1) {
        if (f.error && v.error) {
          bothRefuse++;
          continue;
        }
        compared++;
        diffs.push({
          expr: g.exprs[0] as string,
          kind: "error",
          detail: `flink: ${f.error ?? `${f.rows?.length} rows`}\n    fleuve: ${v.error ?? `${v.rows?.length} rows`}`,
        });
        continue;
      }
      // The expressions each side's message names by line: Flink's validator counts from the
      // CTAS (line 2 is the first expression), Fleuve from the file (the table takes 4 lines).
      const at = new Set<number>();
      const fl = f.error ? /From line (\d+), column \d+/.exec(f.error) : null;
      if (fl) at.add(Number(fl[1]) - 2);
      const vl = v.error ? /\.sql:(\d+):\d+:/.exec(v.error) : null;
      if (vl) at.add(Number(vl[1]) - 6);
      const named = [...at].filter((x) => x >= 0 && x < g.exprs.length);
      if (named.length > 0) {
        for (const x of named) next.push({ exprs: [g.exprs[x] as string] });
        next.push({ exprs: g.exprs.filter((_, x) => !named.includes(x)) });
      } else {
        const half = Math.ceil(g.exprs.length / 2);
        next.push({ exprs: g.exprs.slice(0, half) }, { exprs: g.exprs.slice(half) });
      }
    }
    pending = next;
  }
  const left = pending.reduce((n, g) => n + g.exprs.length, 0);
  for (const d of diffs) console.log(`DIFFERS (${d.kind}) ${d.expr}\n    ${d.detail}`);
  console.log(
    `seed ${values.seed}: ${total} expressions over ${rows.length} rows; ${compared} compared, ${bothRefuse} refused by both, ${left} not narrowed down; ${diffs.length} differ (work dir ${work})`,
  );
  process.exitCode = diffs.length > 0 ? 1 : 0;
}

main();
