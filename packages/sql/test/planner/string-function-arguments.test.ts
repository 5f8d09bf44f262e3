// The argument types the built-in string functions take, as Flink 1.20 checks them (no implicit
// coercion): UPPER(id) of a BIGINT id is refused, CONCAT('a', 1) too; an integer argument takes
// any integer type; MD5, SHA*, TO_BASE64, FROM_BASE64 take BYTES; IS_DIGIT and co. take numbers.
// Every expected message is what bench/flink (Flink 1.20) printed for DESCRIBE of a view
// `SELECT <expression> AS r FROM t` over columns s STRING, b BIGINT, i INT, d DECIMAL(3, 1),
// f DOUBLE, z BOOLEAN, dt DATE, x BYTES, ti TINYINT, c CHAR(3) (null: Flink accepted it), each
// pointing at the call ("From line 1, column 25 to ..."); Fleuve's message ends with the call's
// line and column. SPLIT's (Flink's new type inference) is its message and its cause's, joined.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const COLUMNS =
  "CAST(NULL AS STRING) AS s, CAST(NULL AS BIGINT) AS b, CAST(NULL AS INT) AS i, CAST(NULL AS DECIMAL(3, 1)) AS d, CAST(NULL AS DOUBLE) AS f, CAST(NULL AS BOOLEAN) AS z, CAST(NULL AS DATE) AS dt, CAST(NULL AS BYTES) AS x, CAST(NULL AS TINYINT) AS ti, CAST(NULL AS CHAR(3)) AS c";

/** [expression over t's columns, Flink 1.20's message (null when it accepts the call)]. */
const FLINK: [string, string | null][] = [
  [
    "UPPER(b)",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<BIGINT>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(x)",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<VARBINARY(2147483647)>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  ["UPPER(c)", null],
  [
    "LOWER(b)",
    "Cannot apply 'LOWER' to arguments of type 'LOWER(<BIGINT>)'. Supported form(s): 'LOWER(<CHARACTER>)'",
  ],
  [
    "LOWER(x)",
    "Cannot apply 'LOWER' to arguments of type 'LOWER(<VARBINARY(2147483647)>)'. Supported form(s): 'LOWER(<CHARACTER>)'",
  ],
  ["LOWER(c)", null],
  [
    "INITCAP(b)",
    "Cannot apply 'INITCAP' to arguments of type 'INITCAP(<BIGINT>)'. Supported form(s): 'INITCAP(<CHARACTER>)'",
  ],
  [
    "INITCAP(x)",
    "Cannot apply 'INITCAP' to arguments of type 'INITCAP(<VARBINARY(2147483647)>)'. Supported form(s): 'INITCAP(<CHARACTER>)'",
  ],
  ["INITCAP(c)", null],
  [
    "CHAR_LENGTH(b)",
    "Cannot apply 'CHAR_LENGTH' to arguments of type 'CHAR_LENGTH(<BIGINT>)'. Supported form(s): 'CHAR_LENGTH(<CHARACTER>)'",
  ],
  [
    "CHAR_LENGTH(x)",
    "Cannot apply 'CHAR_LENGTH' to arguments of type 'CHAR_LENGTH(<VARBINARY(2147483647)>)'. Supported form(s): 'CHAR_LENGTH(<CHARACTER>)'",
  ],
  ["CHAR_LENGTH(c)", null],
  [
    "CHARACTER_LENGTH(b)",
    "Cannot apply 'CHARACTER_LENGTH' to arguments of type 'CHARACTER_LENGTH(<BIGINT>)'. Supported form(s): 'CHARACTER_LENGTH(<CHARACTER>)'",
  ],
  [
    "CHARACTER_LENGTH(x)",
    "Cannot apply 'CHARACTER_LENGTH' to arguments of type 'CHARACTER_LENGTH(<VARBINARY(2147483647)>)'. Supported form(s): 'CHARACTER_LENGTH(<CHARACTER>)'",
  ],
  ["CHARACTER_LENGTH(c)", null],
  [
    "TRIM(b)",
    "Cannot apply 'TRIM' to arguments of type 'TRIM([BOTH|LEADING|TRAILING] <SYMBOL> FROM <CHAR(1)>)'. Supported form(s): 'TRIM([BOTH|LEADING|TRAILING] <ANY> FROM <STRING>)'",
  ],
  [
    "TRIM(x)",
    "Cannot apply 'TRIM' to arguments of type 'TRIM([BOTH|LEADING|TRAILING] <SYMBOL> FROM <CHAR(1)>)'. Supported form(s): 'TRIM([BOTH|LEADING|TRAILING] <ANY> FROM <STRING>)'",
  ],
  ["TRIM(c)", null],
  [
    "TRIM(BOTH b FROM s)",
    "Cannot apply 'TRIM' to arguments of type 'TRIM([BOTH|LEADING|TRAILING] <SYMBOL> FROM <BIGINT>)'. Supported form(s): 'TRIM([BOTH|LEADING|TRAILING] <ANY> FROM <STRING>)'",
  ],
  [
    "TRIM(BOTH x FROM s)",
    "Cannot apply 'TRIM' to arguments of type 'TRIM([BOTH|LEADING|TRAILING] <SYMBOL> FROM <VARBINARY(2147483647)>)'. Supported form(s): 'TRIM([BOTH|LEADING|TRAILING] <ANY> FROM <STRING>)'",
  ],
  ["TRIM(BOTH c FROM s)", null],
  [
    "TRIM(BOTH s FROM b)",
    "Cannot apply 'TRIM' to arguments of type 'TRIM([BOTH|LEADING|TRAILING] <SYMBOL> FROM <VARCHAR(2147483647)>)'. Supported form(s): 'TRIM([BOTH|LEADING|TRAILING] <ANY> FROM <STRING>)'",
  ],
  [
    "TRIM(BOTH s FROM x)",
    "Cannot apply 'TRIM' to arguments of type 'TRIM([BOTH|LEADING|TRAILING] <SYMBOL> FROM <VARCHAR(2147483647)>)'. Supported form(s): 'TRIM([BOTH|LEADING|TRAILING] <ANY> FROM <STRING>)'",
  ],
  ["TRIM(BOTH s FROM c)", null],
  [
    "LTRIM(b)",
    "Cannot apply 'LTRIM' to arguments of type 'LTRIM(<BIGINT>)'. Supported form(s): 'LTRIM(<CHARACTER>)' 'LTRIM(<CHARACTER>, <CHARACTER>)'",
  ],
  [
    "LTRIM(x)",
    "Cannot apply 'LTRIM' to arguments of type 'LTRIM(<VARBINARY(2147483647)>)'. Supported form(s): 'LTRIM(<CHARACTER>)' 'LTRIM(<CHARACTER>, <CHARACTER>)'",
  ],
  ["LTRIM(c)", null],
  [
    "RTRIM(b)",
    "Cannot apply 'RTRIM' to arguments of type 'RTRIM(<BIGINT>)'. Supported form(s): 'RTRIM(<CHARACTER>)' 'RTRIM(<CHARACTER>, <CHARACTER>)'",
  ],
  [
    "RTRIM(x)",
    "Cannot apply 'RTRIM' to arguments of type 'RTRIM(<VARBINARY(2147483647)>)'. Supported form(s): 'RTRIM(<CHARACTER>)' 'RTRIM(<CHARACTER>, <CHARACTER>)'",
  ],
  ["RTRIM(c)", null],
  [
    "SUBSTRING(b, i, i)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<BIGINT>, <INTEGER>, <INTEGER>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "SUBSTRING(x, i, i)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<VARBINARY(2147483647)>, <INTEGER>, <INTEGER>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  ["SUBSTRING(c, i, i)", null],
  ["SUBSTRING(s, b, i)", null],
  ["SUBSTRING(s, ti, i)", null],
  [
    "SUBSTRING(s, d, i)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<VARCHAR(2147483647)>, <DECIMAL(3, 1)>, <INTEGER>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "SUBSTRING(s, s, i)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <INTEGER>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  ["SUBSTRING(s, i, b)", null],
  ["SUBSTRING(s, i, ti)", null],
  [
    "SUBSTRING(s, i, d)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<VARCHAR(2147483647)>, <INTEGER>, <DECIMAL(3, 1)>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "SUBSTRING(s, i, s)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<VARCHAR(2147483647)>, <INTEGER>, <VARCHAR(2147483647)>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "SUBSTRING(b FROM i FOR i)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<BIGINT>, <INTEGER>, <INTEGER>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "SUBSTRING(x FROM i FOR i)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<VARBINARY(2147483647)>, <INTEGER>, <INTEGER>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  ["SUBSTRING(c FROM i FOR i)", null],
  ["SUBSTRING(s FROM b FOR i)", null],
  ["SUBSTRING(s FROM ti FOR i)", null],
  [
    "SUBSTRING(s FROM d FOR i)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<VARCHAR(2147483647)>, <DECIMAL(3, 1)>, <INTEGER>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "SUBSTRING(s FROM s FOR i)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <INTEGER>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  ["SUBSTRING(s FROM i FOR b)", null],
  ["SUBSTRING(s FROM i FOR ti)", null],
  [
    "SUBSTRING(s FROM i FOR d)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<VARCHAR(2147483647)>, <INTEGER>, <DECIMAL(3, 1)>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "SUBSTRING(s FROM i FOR s)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<VARCHAR(2147483647)>, <INTEGER>, <VARCHAR(2147483647)>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "SUBSTR(b, i, i)",
    "Cannot apply 'SUBSTR' to arguments of type 'SUBSTR(<BIGINT>, <INTEGER>, <INTEGER>)'. Supported form(s): 'SUBSTR(<CHARACTER>, <INTEGER>)' 'SUBSTR(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "SUBSTR(x, i, i)",
    "Cannot apply 'SUBSTR' to arguments of type 'SUBSTR(<VARBINARY(2147483647)>, <INTEGER>, <INTEGER>)'. Supported form(s): 'SUBSTR(<CHARACTER>, <INTEGER>)' 'SUBSTR(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  ["SUBSTR(c, i, i)", null],
  ["SUBSTR(s, b, i)", null],
  ["SUBSTR(s, ti, i)", null],
  [
    "SUBSTR(s, d, i)",
    "Cannot apply 'SUBSTR' to arguments of type 'SUBSTR(<VARCHAR(2147483647)>, <DECIMAL(3, 1)>, <INTEGER>)'. Supported form(s): 'SUBSTR(<CHARACTER>, <INTEGER>)' 'SUBSTR(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "SUBSTR(s, s, i)",
    "Cannot apply 'SUBSTR' to arguments of type 'SUBSTR(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <INTEGER>)'. Supported form(s): 'SUBSTR(<CHARACTER>, <INTEGER>)' 'SUBSTR(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  ["SUBSTR(s, i, b)", null],
  ["SUBSTR(s, i, ti)", null],
  [
    "SUBSTR(s, i, d)",
    "Cannot apply 'SUBSTR' to arguments of type 'SUBSTR(<VARCHAR(2147483647)>, <INTEGER>, <DECIMAL(3, 1)>)'. Supported form(s): 'SUBSTR(<CHARACTER>, <INTEGER>)' 'SUBSTR(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "SUBSTR(s, i, s)",
    "Cannot apply 'SUBSTR' to arguments of type 'SUBSTR(<VARCHAR(2147483647)>, <INTEGER>, <VARCHAR(2147483647)>)'. Supported form(s): 'SUBSTR(<CHARACTER>, <INTEGER>)' 'SUBSTR(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "REPLACE(b, s, s)",
    "Cannot apply 'REPLACE' to arguments of type 'REPLACE(<BIGINT>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'REPLACE(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "REPLACE(x, s, s)",
    "Cannot apply 'REPLACE' to arguments of type 'REPLACE(<VARBINARY(2147483647)>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'REPLACE(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["REPLACE(c, s, s)", null],
  [
    "REPLACE(s, b, s)",
    "Cannot apply 'REPLACE' to arguments of type 'REPLACE(<VARCHAR(2147483647)>, <BIGINT>, <VARCHAR(2147483647)>)'. Supported form(s): 'REPLACE(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "REPLACE(s, x, s)",
    "Cannot apply 'REPLACE' to arguments of type 'REPLACE(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'REPLACE(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["REPLACE(s, c, s)", null],
  [
    "REPLACE(s, s, b)",
    "Cannot apply 'REPLACE' to arguments of type 'REPLACE(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <BIGINT>)'. Supported form(s): 'REPLACE(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "REPLACE(s, s, x)",
    "Cannot apply 'REPLACE' to arguments of type 'REPLACE(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <VARBINARY(2147483647)>)'. Supported form(s): 'REPLACE(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["REPLACE(s, s, c)", null],
  [
    "CONCAT(b, s)",
    "Cannot apply 'CONCAT' to arguments of type 'CONCAT(<BIGINT>, <VARCHAR(2147483647)>)'. Supported form(s): 'CONCAT(<CHARACTER>)'",
  ],
  [
    "CONCAT(x, s)",
    "Cannot apply 'CONCAT' to arguments of type 'CONCAT(<VARBINARY(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'CONCAT(<CHARACTER>)'",
  ],
  ["CONCAT(c, s)", null],
  [
    "CONCAT(s, b)",
    "Cannot apply 'CONCAT' to arguments of type 'CONCAT(<VARCHAR(2147483647)>, <BIGINT>)'. Supported form(s): 'CONCAT(<CHARACTER>)'",
  ],
  [
    "CONCAT(s, x)",
    "Cannot apply 'CONCAT' to arguments of type 'CONCAT(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>)'. Supported form(s): 'CONCAT(<CHARACTER>)'",
  ],
  ["CONCAT(s, c)", null],
  [
    "CONCAT_WS(b, s, s)",
    "Cannot apply 'CONCAT_WS' to arguments of type 'CONCAT_WS(<BIGINT>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'CONCAT_WS(<CHARACTER>)'",
  ],
  [
    "CONCAT_WS(x, s, s)",
    "Cannot apply 'CONCAT_WS' to arguments of type 'CONCAT_WS(<VARBINARY(2147483647)>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'CONCAT_WS(<CHARACTER>)'",
  ],
  ["CONCAT_WS(c, s, s)", null],
  [
    "CONCAT_WS(s, b, s)",
    "Cannot apply 'CONCAT_WS' to arguments of type 'CONCAT_WS(<VARCHAR(2147483647)>, <BIGINT>, <VARCHAR(2147483647)>)'. Supported form(s): 'CONCAT_WS(<CHARACTER>)'",
  ],
  [
    "CONCAT_WS(s, x, s)",
    "Cannot apply 'CONCAT_WS' to arguments of type 'CONCAT_WS(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'CONCAT_WS(<CHARACTER>)'",
  ],
  ["CONCAT_WS(s, c, s)", null],
  [
    "CONCAT_WS(s, s, b)",
    "Cannot apply 'CONCAT_WS' to arguments of type 'CONCAT_WS(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <BIGINT>)'. Supported form(s): 'CONCAT_WS(<CHARACTER>)'",
  ],
  [
    "CONCAT_WS(s, s, x)",
    "Cannot apply 'CONCAT_WS' to arguments of type 'CONCAT_WS(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <VARBINARY(2147483647)>)'. Supported form(s): 'CONCAT_WS(<CHARACTER>)'",
  ],
  ["CONCAT_WS(s, s, c)", null],
  [
    "LPAD(b, i, s)",
    "Cannot apply 'LPAD' to arguments of type 'LPAD(<BIGINT>, <INTEGER>, <VARCHAR(2147483647)>)'. Supported form(s): 'LPAD(<CHARACTER>, <INTEGER>, <CHARACTER>)'",
  ],
  [
    "LPAD(x, i, s)",
    "Cannot apply 'LPAD' to arguments of type 'LPAD(<VARBINARY(2147483647)>, <INTEGER>, <VARCHAR(2147483647)>)'. Supported form(s): 'LPAD(<CHARACTER>, <INTEGER>, <CHARACTER>)'",
  ],
  ["LPAD(c, i, s)", null],
  ["LPAD(s, b, s)", null],
  ["LPAD(s, ti, s)", null],
  [
    "LPAD(s, d, s)",
    "Cannot apply 'LPAD' to arguments of type 'LPAD(<VARCHAR(2147483647)>, <DECIMAL(3, 1)>, <VARCHAR(2147483647)>)'. Supported form(s): 'LPAD(<CHARACTER>, <INTEGER>, <CHARACTER>)'",
  ],
  [
    "LPAD(s, s, s)",
    "Cannot apply 'LPAD' to arguments of type 'LPAD(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'LPAD(<CHARACTER>, <INTEGER>, <CHARACTER>)'",
  ],
  [
    "LPAD(s, i, b)",
    "Cannot apply 'LPAD' to arguments of type 'LPAD(<VARCHAR(2147483647)>, <INTEGER>, <BIGINT>)'. Supported form(s): 'LPAD(<CHARACTER>, <INTEGER>, <CHARACTER>)'",
  ],
  [
    "LPAD(s, i, x)",
    "Cannot apply 'LPAD' to arguments of type 'LPAD(<VARCHAR(2147483647)>, <INTEGER>, <VARBINARY(2147483647)>)'. Supported form(s): 'LPAD(<CHARACTER>, <INTEGER>, <CHARACTER>)'",
  ],
  ["LPAD(s, i, c)", null],
  [
    "RPAD(b, i, s)",
    "Cannot apply 'RPAD' to arguments of type 'RPAD(<BIGINT>, <INTEGER>, <VARCHAR(2147483647)>)'. Supported form(s): 'RPAD(<CHARACTER>, <INTEGER>, <CHARACTER>)'",
  ],
  [
    "RPAD(x, i, s)",
    "Cannot apply 'RPAD' to arguments of type 'RPAD(<VARBINARY(2147483647)>, <INTEGER>, <VARCHAR(2147483647)>)'. Supported form(s): 'RPAD(<CHARACTER>, <INTEGER>, <CHARACTER>)'",
  ],
  ["RPAD(c, i, s)", null],
  ["RPAD(s, b, s)", null],
  ["RPAD(s, ti, s)", null],
  [
    "RPAD(s, d, s)",
    "Cannot apply 'RPAD' to arguments of type 'RPAD(<VARCHAR(2147483647)>, <DECIMAL(3, 1)>, <VARCHAR(2147483647)>)'. Supported form(s): 'RPAD(<CHARACTER>, <INTEGER>, <CHARACTER>)'",
  ],
  [
    "RPAD(s, s, s)",
    "Cannot apply 'RPAD' to arguments of type 'RPAD(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'RPAD(<CHARACTER>, <INTEGER>, <CHARACTER>)'",
  ],
  [
    "RPAD(s, i, b)",
    "Cannot apply 'RPAD' to arguments of type 'RPAD(<VARCHAR(2147483647)>, <INTEGER>, <BIGINT>)'. Supported form(s): 'RPAD(<CHARACTER>, <INTEGER>, <CHARACTER>)'",
  ],
  [
    "RPAD(s, i, x)",
    "Cannot apply 'RPAD' to arguments of type 'RPAD(<VARCHAR(2147483647)>, <INTEGER>, <VARBINARY(2147483647)>)'. Supported form(s): 'RPAD(<CHARACTER>, <INTEGER>, <CHARACTER>)'",
  ],
  ["RPAD(s, i, c)", null],
  ["CHR(b)", null],
  ["CHR(ti)", null],
  [
    "CHR(d)",
    "Cannot apply 'CHR' to arguments of type 'CHR(<DECIMAL(3, 1)>)'. Supported form(s): 'CHR(<INTEGER>)'",
  ],
  [
    "CHR(s)",
    "Cannot apply 'CHR' to arguments of type 'CHR(<VARCHAR(2147483647)>)'. Supported form(s): 'CHR(<INTEGER>)'",
  ],
  // HEX (recorded 2026-12-07 over a json table with the same column types).
  ["HEX(b)", null],
  ["HEX(ti)", null],
  ["HEX(s)", null],
  [
    "HEX(d)",
    "Cannot apply 'HEX' to arguments of type 'HEX(<DECIMAL(3, 1)>)'. Supported form(s): 'HEX(<INTEGER>)' 'HEX(<CHARACTER>)'",
  ],
  [
    "HEX(f)",
    "Cannot apply 'HEX' to arguments of type 'HEX(<DOUBLE>)'. Supported form(s): 'HEX(<INTEGER>)' 'HEX(<CHARACTER>)'",
  ],
  [
    "HEX(x)",
    "Cannot apply 'HEX' to arguments of type 'HEX(<VARBINARY(2147483647)>)'. Supported form(s): 'HEX(<INTEGER>)' 'HEX(<CHARACTER>)'",
  ],
  // CONVERT_TZ (recorded 2026-12-08 over a json table of columns n INT, s STRING, b BOOLEAN;
  // CONVERT_TZ(CAST(s AS CHAR(3)), 'UTC', 'UTC') ran).
  [
    "CONVERT_TZ(i, s, s)",
    "Cannot apply 'CONVERT_TZ' to arguments of type 'CONVERT_TZ(<INTEGER>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'CONVERT_TZ(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "CONVERT_TZ(s, i, s)",
    "Cannot apply 'CONVERT_TZ' to arguments of type 'CONVERT_TZ(<VARCHAR(2147483647)>, <INTEGER>, <VARCHAR(2147483647)>)'. Supported form(s): 'CONVERT_TZ(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "CONVERT_TZ(s, s, z)",
    "Cannot apply 'CONVERT_TZ' to arguments of type 'CONVERT_TZ(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <BOOLEAN>)'. Supported form(s): 'CONVERT_TZ(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["CONVERT_TZ(c, 'UTC', 'UTC')", null],
  [
    "ASCII(b)",
    "Cannot apply 'ASCII' to arguments of type 'ASCII(<BIGINT>)'. Supported form(s): 'ASCII(<CHARACTER>)'",
  ],
  [
    "ASCII(x)",
    "Cannot apply 'ASCII' to arguments of type 'ASCII(<VARBINARY(2147483647)>)'. Supported form(s): 'ASCII(<CHARACTER>)'",
  ],
  ["ASCII(c)", null],
  [
    "REVERSE(b)",
    "Cannot apply 'REVERSE' to arguments of type 'REVERSE(<BIGINT>)'. Supported form(s): 'REVERSE(<CHARACTER>)'",
  ],
  [
    "REVERSE(x)",
    "Cannot apply 'REVERSE' to arguments of type 'REVERSE(<VARBINARY(2147483647)>)'. Supported form(s): 'REVERSE(<CHARACTER>)'",
  ],
  ["REVERSE(c)", null],
  [
    "REGEXP_EXTRACT(b, s, i)",
    "Cannot apply 'REGEXP_EXTRACT' to arguments of type 'REGEXP_EXTRACT(<BIGINT>, <VARCHAR(2147483647)>, <INTEGER>)'. Supported form(s): 'REGEXP_EXTRACT(<CHARACTER>, <CHARACTER>, <INTEGER>)' 'REGEXP_EXTRACT(<CHARACTER>, <CHARACTER>)'",
  ],
  [
    "REGEXP_EXTRACT(x, s, i)",
    "Cannot apply 'REGEXP_EXTRACT' to arguments of type 'REGEXP_EXTRACT(<VARBINARY(2147483647)>, <VARCHAR(2147483647)>, <INTEGER>)'. Supported form(s): 'REGEXP_EXTRACT(<CHARACTER>, <CHARACTER>, <INTEGER>)' 'REGEXP_EXTRACT(<CHARACTER>, <CHARACTER>)'",
  ],
  ["REGEXP_EXTRACT(c, s, i)", null],
  [
    "REGEXP_EXTRACT(s, b, i)",
    "Cannot apply 'REGEXP_EXTRACT' to arguments of type 'REGEXP_EXTRACT(<VARCHAR(2147483647)>, <BIGINT>, <INTEGER>)'. Supported form(s): 'REGEXP_EXTRACT(<CHARACTER>, <CHARACTER>, <INTEGER>)' 'REGEXP_EXTRACT(<CHARACTER>, <CHARACTER>)'",
  ],
  [
    "REGEXP_EXTRACT(s, x, i)",
    "Cannot apply 'REGEXP_EXTRACT' to arguments of type 'REGEXP_EXTRACT(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>, <INTEGER>)'. Supported form(s): 'REGEXP_EXTRACT(<CHARACTER>, <CHARACTER>, <INTEGER>)' 'REGEXP_EXTRACT(<CHARACTER>, <CHARACTER>)'",
  ],
  ["REGEXP_EXTRACT(s, c, i)", null],
  ["REGEXP_EXTRACT(s, s, b)", null],
  ["REGEXP_EXTRACT(s, s, ti)", null],
  [
    "REGEXP_EXTRACT(s, s, d)",
    "Cannot apply 'REGEXP_EXTRACT' to arguments of type 'REGEXP_EXTRACT(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <DECIMAL(3, 1)>)'. Supported form(s): 'REGEXP_EXTRACT(<CHARACTER>, <CHARACTER>, <INTEGER>)' 'REGEXP_EXTRACT(<CHARACTER>, <CHARACTER>)'",
  ],
  [
    "REGEXP_EXTRACT(s, s, s)",
    "Cannot apply 'REGEXP_EXTRACT' to arguments of type 'REGEXP_EXTRACT(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'REGEXP_EXTRACT(<CHARACTER>, <CHARACTER>, <INTEGER>)' 'REGEXP_EXTRACT(<CHARACTER>, <CHARACTER>)'",
  ],
  [
    "SPLIT_INDEX(b, s, i)",
    "Cannot apply 'SPLIT_INDEX' to arguments of type 'SPLIT_INDEX(<BIGINT>, <VARCHAR(2147483647)>, <INTEGER>)'. Supported form(s): 'SPLIT_INDEX(<CHARACTER>, <INTEGER>, <INTEGER>)' 'SPLIT_INDEX(<CHARACTER>, <CHARACTER>, <INTEGER>)'",
  ],
  [
    "SPLIT_INDEX(x, s, i)",
    "Cannot apply 'SPLIT_INDEX' to arguments of type 'SPLIT_INDEX(<VARBINARY(2147483647)>, <VARCHAR(2147483647)>, <INTEGER>)'. Supported form(s): 'SPLIT_INDEX(<CHARACTER>, <INTEGER>, <INTEGER>)' 'SPLIT_INDEX(<CHARACTER>, <CHARACTER>, <INTEGER>)'",
  ],
  ["SPLIT_INDEX(c, s, i)", null],
  ["SPLIT_INDEX(s, b, i)", null],
  ["SPLIT_INDEX(s, i, i)", null],
  [
    "SPLIT_INDEX(s, x, i)",
    "Cannot apply 'SPLIT_INDEX' to arguments of type 'SPLIT_INDEX(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>, <INTEGER>)'. Supported form(s): 'SPLIT_INDEX(<CHARACTER>, <INTEGER>, <INTEGER>)' 'SPLIT_INDEX(<CHARACTER>, <CHARACTER>, <INTEGER>)'",
  ],
  ["SPLIT_INDEX(s, c, i)", null],
  ["SPLIT_INDEX(s, s, b)", null],
  ["SPLIT_INDEX(s, s, ti)", null],
  [
    "SPLIT_INDEX(s, s, d)",
    "Cannot apply 'SPLIT_INDEX' to arguments of type 'SPLIT_INDEX(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <DECIMAL(3, 1)>)'. Supported form(s): 'SPLIT_INDEX(<CHARACTER>, <INTEGER>, <INTEGER>)' 'SPLIT_INDEX(<CHARACTER>, <CHARACTER>, <INTEGER>)'",
  ],
  [
    "SPLIT_INDEX(s, s, s)",
    "Cannot apply 'SPLIT_INDEX' to arguments of type 'SPLIT_INDEX(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'SPLIT_INDEX(<CHARACTER>, <INTEGER>, <INTEGER>)' 'SPLIT_INDEX(<CHARACTER>, <CHARACTER>, <INTEGER>)'",
  ],
  [
    "REGEXP(b, s)",
    "Cannot apply 'REGEXP' to arguments of type 'REGEXP(<BIGINT>, <VARCHAR(2147483647)>)'. Supported form(s): 'REGEXP(<CHARACTER>, <CHARACTER>)'",
  ],
  [
    "REGEXP(x, s)",
    "Cannot apply 'REGEXP' to arguments of type 'REGEXP(<VARBINARY(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'REGEXP(<CHARACTER>, <CHARACTER>)'",
  ],
  ["REGEXP(c, s)", null],
  [
    "REGEXP(s, b)",
    "Cannot apply 'REGEXP' to arguments of type 'REGEXP(<VARCHAR(2147483647)>, <BIGINT>)'. Supported form(s): 'REGEXP(<CHARACTER>, <CHARACTER>)'",
  ],
  [
    "REGEXP(s, x)",
    "Cannot apply 'REGEXP' to arguments of type 'REGEXP(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>)'. Supported form(s): 'REGEXP(<CHARACTER>, <CHARACTER>)'",
  ],
  ["REGEXP(s, c)", null],
  [
    "REGEXP_REPLACE(b, s, s)",
    "Cannot apply 'REGEXP_REPLACE' to arguments of type 'REGEXP_REPLACE(<BIGINT>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'REGEXP_REPLACE(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "REGEXP_REPLACE(x, s, s)",
    "Cannot apply 'REGEXP_REPLACE' to arguments of type 'REGEXP_REPLACE(<VARBINARY(2147483647)>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'REGEXP_REPLACE(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["REGEXP_REPLACE(c, s, s)", null],
  [
    "REGEXP_REPLACE(s, b, s)",
    "Cannot apply 'REGEXP_REPLACE' to arguments of type 'REGEXP_REPLACE(<VARCHAR(2147483647)>, <BIGINT>, <VARCHAR(2147483647)>)'. Supported form(s): 'REGEXP_REPLACE(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "REGEXP_REPLACE(s, x, s)",
    "Cannot apply 'REGEXP_REPLACE' to arguments of type 'REGEXP_REPLACE(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'REGEXP_REPLACE(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["REGEXP_REPLACE(s, c, s)", null],
  [
    "REGEXP_REPLACE(s, s, b)",
    "Cannot apply 'REGEXP_REPLACE' to arguments of type 'REGEXP_REPLACE(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <BIGINT>)'. Supported form(s): 'REGEXP_REPLACE(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "REGEXP_REPLACE(s, s, x)",
    "Cannot apply 'REGEXP_REPLACE' to arguments of type 'REGEXP_REPLACE(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <VARBINARY(2147483647)>)'. Supported form(s): 'REGEXP_REPLACE(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["REGEXP_REPLACE(s, s, c)", null],
  [
    "STR_TO_MAP(b, s, s)",
    "Cannot apply 'STR_TO_MAP' to arguments of type 'STR_TO_MAP(<BIGINT>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'STR_TO_MAP(<CHARACTER>)' 'STR_TO_MAP(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "STR_TO_MAP(x, s, s)",
    "Cannot apply 'STR_TO_MAP' to arguments of type 'STR_TO_MAP(<VARBINARY(2147483647)>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'STR_TO_MAP(<CHARACTER>)' 'STR_TO_MAP(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["STR_TO_MAP(c, s, s)", null],
  [
    "STR_TO_MAP(s, b, s)",
    "Cannot apply 'STR_TO_MAP' to arguments of type 'STR_TO_MAP(<VARCHAR(2147483647)>, <BIGINT>, <VARCHAR(2147483647)>)'. Supported form(s): 'STR_TO_MAP(<CHARACTER>)' 'STR_TO_MAP(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "STR_TO_MAP(s, x, s)",
    "Cannot apply 'STR_TO_MAP' to arguments of type 'STR_TO_MAP(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'STR_TO_MAP(<CHARACTER>)' 'STR_TO_MAP(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["STR_TO_MAP(s, c, s)", null],
  [
    "STR_TO_MAP(s, s, b)",
    "Cannot apply 'STR_TO_MAP' to arguments of type 'STR_TO_MAP(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <BIGINT>)'. Supported form(s): 'STR_TO_MAP(<CHARACTER>)' 'STR_TO_MAP(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "STR_TO_MAP(s, s, x)",
    "Cannot apply 'STR_TO_MAP' to arguments of type 'STR_TO_MAP(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <VARBINARY(2147483647)>)'. Supported form(s): 'STR_TO_MAP(<CHARACTER>)' 'STR_TO_MAP(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["STR_TO_MAP(s, s, c)", null],
  ["MD5(b)", "Cannot apply 'MD5' to arguments of type 'MD5(<BIGINT>)'. Supported form(s): 'MD5(<STRING>)'"],
  ["MD5(x)", null],
  ["MD5(c)", null],
  [
    "SHA1(b)",
    "Cannot apply 'SHA1' to arguments of type 'SHA1(<BIGINT>)'. Supported form(s): 'SHA1(<STRING>)'",
  ],
  ["SHA1(x)", null],
  ["SHA1(c)", null],
  [
    "SHA256(b)",
    "Cannot apply 'SHA256' to arguments of type 'SHA256(<BIGINT>)'. Supported form(s): 'SHA256(<STRING>)'",
  ],
  ["SHA256(x)", null],
  ["SHA256(c)", null],
  [
    "SHA2(b, i)",
    "Cannot apply 'SHA2' to arguments of type 'SHA2(<BIGINT>, <INTEGER>)'. Supported form(s): 'SHA2(DATA, HASH_LENGTH)'",
  ],
  ["SHA2(x, i)", null],
  ["SHA2(c, i)", null],
  ["SHA2(s, b)", null],
  ["SHA2(s, ti)", null],
  ["SHA2(s, d)", null],
  ["SHA2(s, f)", null],
  [
    "SHA2(s, s)",
    "Cannot apply 'SHA2' to arguments of type 'SHA2(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'SHA2(DATA, HASH_LENGTH)'",
  ],
  [
    "TO_BASE64(b)",
    "Cannot apply 'TO_BASE64' to arguments of type 'TO_BASE64(<BIGINT>)'. Supported form(s): 'TO_BASE64(<STRING>)'",
  ],
  ["TO_BASE64(x)", null],
  ["TO_BASE64(c)", null],
  [
    "FROM_BASE64(b)",
    "Cannot apply 'FROM_BASE64' to arguments of type 'FROM_BASE64(<BIGINT>)'. Supported form(s): 'FROM_BASE64(<STRING>)'",
  ],
  ["FROM_BASE64(x)", null],
  ["FROM_BASE64(c)", null],
  [
    "INSTR(b, s)",
    "Cannot apply 'INSTR' to arguments of type 'INSTR(<BIGINT>, <VARCHAR(2147483647)>)'. Supported form(s): 'INSTR(<CHARACTER>, <CHARACTER>)' 'INSTR(<CHARACTER>, <CHARACTER>, <INTEGER>)' 'INSTR(<CHARACTER>, <CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "INSTR(x, s)",
    "Cannot apply 'INSTR' to arguments of type 'INSTR(<VARBINARY(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'INSTR(<CHARACTER>, <CHARACTER>)' 'INSTR(<CHARACTER>, <CHARACTER>, <INTEGER>)' 'INSTR(<CHARACTER>, <CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  ["INSTR(c, s)", null],
  [
    "INSTR(s, b)",
    "Cannot apply 'INSTR' to arguments of type 'INSTR(<VARCHAR(2147483647)>, <BIGINT>)'. Supported form(s): 'INSTR(<CHARACTER>, <CHARACTER>)' 'INSTR(<CHARACTER>, <CHARACTER>, <INTEGER>)' 'INSTR(<CHARACTER>, <CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  [
    "INSTR(s, x)",
    "Cannot apply 'INSTR' to arguments of type 'INSTR(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>)'. Supported form(s): 'INSTR(<CHARACTER>, <CHARACTER>)' 'INSTR(<CHARACTER>, <CHARACTER>, <INTEGER>)' 'INSTR(<CHARACTER>, <CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  ["INSTR(s, c)", null],
  ["IS_DIGIT(b)", null],
  ["IS_DIGIT(i)", null],
  ["IS_DIGIT(d)", null],
  ["IS_DIGIT(f)", null],
  [
    "IS_DIGIT(x)",
    "Cannot apply 'IS_DIGIT' to arguments of type 'IS_DIGIT(<VARBINARY(2147483647)>)'. Supported form(s): 'IS_DIGIT(<CHARACTER>)' 'IS_DIGIT(<NUMERIC>)'",
  ],
  ["IS_DIGIT(c)", null],
  ["IS_ALPHA(b)", null],
  ["IS_ALPHA(i)", null],
  ["IS_ALPHA(d)", null],
  ["IS_ALPHA(f)", null],
  [
    "IS_ALPHA(x)",
    "Cannot apply 'IS_ALPHA' to arguments of type 'IS_ALPHA(<VARBINARY(2147483647)>)'. Supported form(s): 'IS_ALPHA(<CHARACTER>)' 'IS_ALPHA(<NUMERIC>)'",
  ],
  ["IS_ALPHA(c)", null],
  ["IS_DECIMAL(b)", null],
  ["IS_DECIMAL(i)", null],
  ["IS_DECIMAL(d)", null],
  ["IS_DECIMAL(f)", null],
  [
    "IS_DECIMAL(x)",
    "Cannot apply 'IS_DECIMAL' to arguments of type 'IS_DECIMAL(<VARBINARY(2147483647)>)'. Supported form(s): 'IS_DECIMAL(<CHARACTER>)' 'IS_DECIMAL(<NUMERIC>)'",
  ],
  ["IS_DECIMAL(c)", null],
  [
    "LEFT(b, i)",
    "Cannot apply 'LEFT' to arguments of type 'LEFT(<BIGINT>, <INTEGER>)'. Supported form(s): 'LEFT(<CHARACTER>, <INTEGER>)'",
  ],
  [
    "LEFT(x, i)",
    "Cannot apply 'LEFT' to arguments of type 'LEFT(<VARBINARY(2147483647)>, <INTEGER>)'. Supported form(s): 'LEFT(<CHARACTER>, <INTEGER>)'",
  ],
  ["LEFT(c, i)", null],
  ["LEFT(s, b)", null],
  ["LEFT(s, ti)", null],
  [
    "LEFT(s, d)",
    "Cannot apply 'LEFT' to arguments of type 'LEFT(<VARCHAR(2147483647)>, <DECIMAL(3, 1)>)'. Supported form(s): 'LEFT(<CHARACTER>, <INTEGER>)'",
  ],
  [
    "LEFT(s, s)",
    "Cannot apply 'LEFT' to arguments of type 'LEFT(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'LEFT(<CHARACTER>, <INTEGER>)'",
  ],
  [
    "RIGHT(b, i)",
    "Cannot apply 'RIGHT' to arguments of type 'RIGHT(<BIGINT>, <INTEGER>)'. Supported form(s): 'RIGHT(<CHARACTER>, <INTEGER>)'",
  ],
  [
    "RIGHT(x, i)",
    "Cannot apply 'RIGHT' to arguments of type 'RIGHT(<VARBINARY(2147483647)>, <INTEGER>)'. Supported form(s): 'RIGHT(<CHARACTER>, <INTEGER>)'",
  ],
  ["RIGHT(c, i)", null],
  ["RIGHT(s, b)", null],
  ["RIGHT(s, ti)", null],
  [
    "RIGHT(s, d)",
    "Cannot apply 'RIGHT' to arguments of type 'RIGHT(<VARCHAR(2147483647)>, <DECIMAL(3, 1)>)'. Supported form(s): 'RIGHT(<CHARACTER>, <INTEGER>)'",
  ],
  [
    "RIGHT(s, s)",
    "Cannot apply 'RIGHT' to arguments of type 'RIGHT(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'RIGHT(<CHARACTER>, <INTEGER>)'",
  ],
  [
    "OVERLAY(b PLACING s FROM i FOR i)",
    "Cannot apply 'OVERLAY' to arguments of type 'OVERLAY(<BIGINT> PLACING <VARCHAR(2147483647)> FROM <INTEGER> FOR <INTEGER>)'. Supported form(s): 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER>)' 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER> FOR <INTEGER>)'",
  ],
  ["OVERLAY(c PLACING s FROM i FOR i)", null],
  [
    "OVERLAY(s PLACING b FROM i FOR i)",
    "Cannot apply 'OVERLAY' to arguments of type 'OVERLAY(<VARCHAR(2147483647)> PLACING <BIGINT> FROM <INTEGER> FOR <INTEGER>)'. Supported form(s): 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER>)' 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER> FOR <INTEGER>)'",
  ],
  [
    "OVERLAY(s PLACING x FROM i FOR i)",
    'VARCHAR(2147483647) CHARACTER SET "UTF-16LE" is not comparable to VARBINARY(2147483647)',
  ],
  ["OVERLAY(s PLACING c FROM i FOR i)", null],
  ["OVERLAY(s PLACING s FROM b FOR i)", null],
  ["OVERLAY(s PLACING s FROM ti FOR i)", null],
  [
    "OVERLAY(s PLACING s FROM d FOR i)",
    "Cannot apply 'OVERLAY' to arguments of type 'OVERLAY(<VARCHAR(2147483647)> PLACING <VARCHAR(2147483647)> FROM <DECIMAL(3, 1)> FOR <INTEGER>)'. Supported form(s): 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER>)' 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER> FOR <INTEGER>)'",
  ],
  [
    "OVERLAY(s PLACING s FROM s FOR i)",
    "Cannot apply 'OVERLAY' to arguments of type 'OVERLAY(<VARCHAR(2147483647)> PLACING <VARCHAR(2147483647)> FROM <VARCHAR(2147483647)> FOR <INTEGER>)'. Supported form(s): 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER>)' 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER> FOR <INTEGER>)'",
  ],
  ["OVERLAY(s PLACING s FROM i FOR b)", null],
  ["OVERLAY(s PLACING s FROM i FOR ti)", null],
  [
    "OVERLAY(s PLACING s FROM i FOR d)",
    "Cannot apply 'OVERLAY' to arguments of type 'OVERLAY(<VARCHAR(2147483647)> PLACING <VARCHAR(2147483647)> FROM <INTEGER> FOR <DECIMAL(3, 1)>)'. Supported form(s): 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER>)' 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER> FOR <INTEGER>)'",
  ],
  [
    "OVERLAY(s PLACING s FROM i FOR s)",
    "Cannot apply 'OVERLAY' to arguments of type 'OVERLAY(<VARCHAR(2147483647)> PLACING <VARCHAR(2147483647)> FROM <INTEGER> FOR <VARCHAR(2147483647)>)'. Supported form(s): 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER>)' 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER> FOR <INTEGER>)'",
  ],
  [
    "PARSE_URL(b, s, s)",
    "Cannot apply 'PARSE_URL' to arguments of type 'PARSE_URL(<BIGINT>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'PARSE_URL(<CHARACTER>, <CHARACTER>)' 'PARSE_URL(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "PARSE_URL(x, s, s)",
    "Cannot apply 'PARSE_URL' to arguments of type 'PARSE_URL(<VARBINARY(2147483647)>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'PARSE_URL(<CHARACTER>, <CHARACTER>)' 'PARSE_URL(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["PARSE_URL(c, s, s)", null],
  [
    "PARSE_URL(s, b, s)",
    "Cannot apply 'PARSE_URL' to arguments of type 'PARSE_URL(<VARCHAR(2147483647)>, <BIGINT>, <VARCHAR(2147483647)>)'. Supported form(s): 'PARSE_URL(<CHARACTER>, <CHARACTER>)' 'PARSE_URL(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "PARSE_URL(s, x, s)",
    "Cannot apply 'PARSE_URL' to arguments of type 'PARSE_URL(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'PARSE_URL(<CHARACTER>, <CHARACTER>)' 'PARSE_URL(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["PARSE_URL(s, c, s)", null],
  [
    "PARSE_URL(s, s, b)",
    "Cannot apply 'PARSE_URL' to arguments of type 'PARSE_URL(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <BIGINT>)'. Supported form(s): 'PARSE_URL(<CHARACTER>, <CHARACTER>)' 'PARSE_URL(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  [
    "PARSE_URL(s, s, x)",
    "Cannot apply 'PARSE_URL' to arguments of type 'PARSE_URL(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <VARBINARY(2147483647)>)'. Supported form(s): 'PARSE_URL(<CHARACTER>, <CHARACTER>)' 'PARSE_URL(<CHARACTER>, <CHARACTER>, <CHARACTER>)'",
  ],
  ["PARSE_URL(s, s, c)", null],
  [
    "POSITION(b IN s)",
    "Cannot apply 'POSITION' to arguments of type 'POSITION(<BIGINT> IN <VARCHAR(2147483647)>)'. Supported form(s): 'POSITION(<STRING> IN <STRING>)' 'POSITION(<STRING> IN <STRING> FROM <INTEGER>)'",
  ],
  ["POSITION(x IN s)", "Parameters must be of the same type"],
  ["POSITION(c IN s)", null],
  [
    "POSITION(s IN b)",
    "Cannot apply 'POSITION' to arguments of type 'POSITION(<VARCHAR(2147483647)> IN <BIGINT>)'. Supported form(s): 'POSITION(<STRING> IN <STRING>)' 'POSITION(<STRING> IN <STRING> FROM <INTEGER>)'",
  ],
  ["POSITION(s IN x)", "Parameters must be of the same type"],
  ["POSITION(s IN c)", null],
  [
    "LOCATE(b, s, i)",
    "Cannot apply 'LOCATE' to arguments of type 'LOCATE(<BIGINT>, <VARCHAR(2147483647)>, <INTEGER>)'. Supported form(s): 'LOCATE(<CHARACTER>, <CHARACTER>)' 'LOCATE(<CHARACTER>, <CHARACTER>, <INTEGER>)'",
  ],
  [
    "LOCATE(x, s, i)",
    "Cannot apply 'LOCATE' to arguments of type 'LOCATE(<VARBINARY(2147483647)>, <VARCHAR(2147483647)>, <INTEGER>)'. Supported form(s): 'LOCATE(<CHARACTER>, <CHARACTER>)' 'LOCATE(<CHARACTER>, <CHARACTER>, <INTEGER>)'",
  ],
  ["LOCATE(c, s, i)", null],
  [
    "LOCATE(s, b, i)",
    "Cannot apply 'LOCATE' to arguments of type 'LOCATE(<VARCHAR(2147483647)>, <BIGINT>, <INTEGER>)'. Supported form(s): 'LOCATE(<CHARACTER>, <CHARACTER>)' 'LOCATE(<CHARACTER>, <CHARACTER>, <INTEGER>)'",
  ],
  [
    "LOCATE(s, x, i)",
    "Cannot apply 'LOCATE' to arguments of type 'LOCATE(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>, <INTEGER>)'. Supported form(s): 'LOCATE(<CHARACTER>, <CHARACTER>)' 'LOCATE(<CHARACTER>, <CHARACTER>, <INTEGER>)'",
  ],
  ["LOCATE(s, c, i)", null],
  ["LOCATE(s, s, b)", null],
  ["LOCATE(s, s, ti)", null],
  [
    "LOCATE(s, s, d)",
    "Cannot apply 'LOCATE' to arguments of type 'LOCATE(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <DECIMAL(3, 1)>)'. Supported form(s): 'LOCATE(<CHARACTER>, <CHARACTER>)' 'LOCATE(<CHARACTER>, <CHARACTER>, <INTEGER>)'",
  ],
  [
    "LOCATE(s, s, s)",
    "Cannot apply 'LOCATE' to arguments of type 'LOCATE(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'LOCATE(<CHARACTER>, <CHARACTER>)' 'LOCATE(<CHARACTER>, <CHARACTER>, <INTEGER>)'",
  ],
  [
    "REPEAT(b, i)",
    "Cannot apply 'REPEAT' to arguments of type 'REPEAT(<BIGINT>, <INTEGER>)'. Supported form(s): 'REPEAT(<CHARACTER>, <INTEGER>)'",
  ],
  [
    "REPEAT(x, i)",
    "Cannot apply 'REPEAT' to arguments of type 'REPEAT(<VARBINARY(2147483647)>, <INTEGER>)'. Supported form(s): 'REPEAT(<CHARACTER>, <INTEGER>)'",
  ],
  ["REPEAT(c, i)", null],
  ["REPEAT(s, b)", null],
  ["REPEAT(s, ti)", null],
  [
    "REPEAT(s, d)",
    "Cannot apply 'REPEAT' to arguments of type 'REPEAT(<VARCHAR(2147483647)>, <DECIMAL(3, 1)>)'. Supported form(s): 'REPEAT(<CHARACTER>, <INTEGER>)'",
  ],
  [
    "REPEAT(s, s)",
    "Cannot apply 'REPEAT' to arguments of type 'REPEAT(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'REPEAT(<CHARACTER>, <INTEGER>)'",
  ],
  [
    "ENCODE(b, s)",
    "Cannot apply 'ENCODE' to arguments of type 'ENCODE(<BIGINT>, <VARCHAR(2147483647)>)'. Supported form(s): 'ENCODE(<CHARACTER>, <CHARACTER>)'",
  ],
  [
    "ENCODE(x, s)",
    "Cannot apply 'ENCODE' to arguments of type 'ENCODE(<VARBINARY(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'ENCODE(<CHARACTER>, <CHARACTER>)'",
  ],
  ["ENCODE(c, s)", null],
  [
    "ENCODE(s, b)",
    "Cannot apply 'ENCODE' to arguments of type 'ENCODE(<VARCHAR(2147483647)>, <BIGINT>)'. Supported form(s): 'ENCODE(<CHARACTER>, <CHARACTER>)'",
  ],
  [
    "ENCODE(s, x)",
    "Cannot apply 'ENCODE' to arguments of type 'ENCODE(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>)'. Supported form(s): 'ENCODE(<CHARACTER>, <CHARACTER>)'",
  ],
  ["ENCODE(s, c)", null],
  [
    "DECODE(s, s)",
    "Cannot apply 'DECODE' to arguments of type 'DECODE(<VARCHAR(2147483647)>, <VARCHAR(2147483647)>)'. Supported form(s): 'DECODE(<BINARY>, <CHARACTER>)'",
  ],
  [
    "DECODE(x, b)",
    "Cannot apply 'DECODE' to arguments of type 'DECODE(<VARBINARY(2147483647)>, <BIGINT>)'. Supported form(s): 'DECODE(<BINARY>, <CHARACTER>)'",
  ],
  [
    "DECODE(x, x)",
    "Cannot apply 'DECODE' to arguments of type 'DECODE(<VARBINARY(2147483647)>, <VARBINARY(2147483647)>)'. Supported form(s): 'DECODE(<BINARY>, <CHARACTER>)'",
  ],
  ["DECODE(x, c)", null],
  [
    "SPLIT(b, s)",
    "Invalid function call: SPLIT(BIGINT, STRING). Unsupported argument type. Expected type of family 'CHARACTER_STRING' but actual type was 'BIGINT'.",
  ],
  [
    "SPLIT(x, s)",
    "Invalid function call: SPLIT(BYTES, STRING). Unsupported argument type. Expected type of family 'CHARACTER_STRING' but actual type was 'BYTES'.",
  ],
  ["SPLIT(c, s)", null],
  [
    "SPLIT(s, b)",
    "Invalid function call: SPLIT(STRING, BIGINT). Unsupported argument type. Expected type of family 'CHARACTER_STRING' but actual type was 'BIGINT'.",
  ],
  [
    "SPLIT(s, x)",
    "Invalid function call: SPLIT(STRING, BYTES). Unsupported argument type. Expected type of family 'CHARACTER_STRING' but actual type was 'BYTES'.",
  ],
  ["SPLIT(s, c)", null],
  // Probed apart: other argument types as Calcite writes them, literals, and the || operator.
  [
    "UPPER(CAST(NULL AS FLOAT))",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<FLOAT>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(CAST(NULL AS SMALLINT))",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<SMALLINT>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(CAST(NULL AS TIME))",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<TIME(0)>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(CAST(NULL AS TIMESTAMP(3)))",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<TIMESTAMP(3)>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(CAST(NULL AS TIMESTAMP_LTZ(3)))",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<TIMESTAMP_WITH_LOCAL_TIME_ZONE(3)>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(CAST(NULL AS ARRAY<INT>))",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<INTEGER ARRAY>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(CAST(NULL AS MAP<STRING, INT>))",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<(VARCHAR(2147483647), INTEGER) MAP>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(CAST(NULL AS ROW<a INT, b STRING>))",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<RECORDTYPE:PEEK_NO_EXPAND(INTEGER A, VARCHAR(2147483647) B)>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(CAST(NULL AS VARBINARY(4)))",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<VARBINARY(4)>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(1)",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<INTEGER>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(TRUE)",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<BOOLEAN>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(1.5)",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<DECIMAL(2, 1)>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(ARRAY[1])",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<INTEGER ARRAY>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(MAP['a', 1])",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<(CHAR(1), INTEGER) MAP>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "UPPER(ROW(1, 'a'))",
    "Cannot apply 'UPPER' to arguments of type 'UPPER(<RECORDTYPE:PEEK_NO_EXPAND(INTEGER EXPR$0, CHAR(1) EXPR$1)>)'. Supported form(s): 'UPPER(<CHARACTER>)'",
  ],
  [
    "SUBSTRING(s FROM 1.5)",
    "Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING(<VARCHAR(2147483647)>, <DECIMAL(2, 1)>)'. Supported form(s): 'SUBSTRING(<CHARACTER>, <INTEGER>)' 'SUBSTRING(<CHARACTER>, <INTEGER>, <INTEGER>)'",
  ],
  ["SUBSTRING(s, CAST(1 AS SMALLINT))", null],
  [
    "TRIM(LEADING 'a' FROM i)",
    "Cannot apply 'TRIM' to arguments of type 'TRIM([BOTH|LEADING|TRAILING] <SYMBOL> FROM <CHAR(1)>)'. Supported form(s): 'TRIM([BOTH|LEADING|TRAILING] <ANY> FROM <STRING>)'",
  ],
  [
    "TRIM(TRAILING i FROM s)",
    "Cannot apply 'TRIM' to arguments of type 'TRIM([BOTH|LEADING|TRAILING] <SYMBOL> FROM <INTEGER>)'. Supported form(s): 'TRIM([BOTH|LEADING|TRAILING] <ANY> FROM <STRING>)'",
  ],
  ["CHR(CAST(NULL AS SMALLINT))", null],
  ["IS_DIGIT(ti)", null],
  ["REPEAT(s, CAST(NULL AS SMALLINT))", null],
  ["CONCAT(s)", null],
  [
    "CONCAT(s, x)",
    "Cannot apply 'CONCAT' to arguments of type 'CONCAT(<VARCHAR(2147483647)>, <VARBINARY(2147483647)>)'. Supported form(s): 'CONCAT(<CHARACTER>)'",
  ],
  [
    "SPLIT(s, x)",
    "Invalid function call: SPLIT(STRING, BYTES). Unsupported argument type. Expected type of family 'CHARACTER_STRING' but actual type was 'BYTES'.",
  ],
  [
    "b || s",
    "Cannot apply '||' to arguments of type '<BIGINT> || <VARCHAR(2147483647)>'. Supported form(s): '<STRING> || <STRING>' '<EQUIVALENT_TYPE> || <EQUIVALENT_TYPE>'",
  ],
  [
    "s || b",
    "Cannot apply '||' to arguments of type '<VARCHAR(2147483647)> || <BIGINT>'. Supported form(s): '<STRING> || <STRING>' '<EQUIVALENT_TYPE> || <EQUIVALENT_TYPE>'",
  ],
  [
    "i || i",
    "Cannot apply '||' to arguments of type '<INTEGER> || <INTEGER>'. Supported form(s): '<STRING> || <STRING>' '<EQUIVALENT_TYPE> || <EQUIVALENT_TYPE>'",
  ],
  [
    "s || x",
    "Cannot apply '||' to arguments of type '<VARCHAR(2147483647)> || <VARBINARY(2147483647)>'. Supported form(s): '<STRING> || <STRING>' '<EQUIVALENT_TYPE> || <EQUIVALENT_TYPE>'",
  ],
  [
    "c || z",
    "Cannot apply '||' to arguments of type '<CHAR(3)> || <BOOLEAN>'. Supported form(s): '<STRING> || <STRING>' '<EQUIVALENT_TYPE> || <EQUIVALENT_TYPE>'",
  ],
  ["c || s", null],
];

test("string functions take the argument types Flink 1.20 takes, and refuse the others with its message at the call", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql(`CREATE VIEW t AS SELECT ${COLUMNS}`);
  const got: [string, string | null][] = [];
  for (const [i, [e]] of FLINK.entries()) {
    try {
      // Planned, not run: DESCRIBE plans the view's query (its positions are the view's text).
      await tEnv.executeSql(`CREATE VIEW v${i} AS SELECT ${e} AS r FROM t`);
      await tEnv.executeSql(`DESCRIBE v${i}`);
      got.push([e, null]);
    } catch (err) {
      assert.ok(err instanceof FleuveError, String(err));
      assert.equal(err.code, "FLEUVE_SQL_VALIDATION");
      // The call is the first thing after SELECT: column 25 of the CREATE VIEW, as in Flink's message.
      const at = ` (line 1, column ${`CREATE VIEW v${i} AS SELECT `.length + 1})`;
      assert.ok(err.message.endsWith(at), `${e}: ${err.message}`);
      got.push([e, err.message.slice(0, -at.length)]);
    }
  }
  assert.deepEqual(got, FLINK);
});

test("a refused argument is reported at its call's line and column, as Flink 1.20 reports it", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql(`CREATE VIEW t AS SELECT ${COLUMNS}`);
  // Flink 1.20: "From line 2, column 15 to line 3, column 3: Cannot apply 'UPPER' to arguments of
  // type 'UPPER(<BIGINT>)'. Supported form(s): 'UPPER(<CHARACTER>)'".
  await assert.rejects(tEnv.executeSql("SELECT s,\n  LOWER(s) || UPPER(\n b) AS r FROM t"), (e: unknown) => {
    assert.ok(e instanceof FleuveError);
    assert.equal(
      e.message,
      "Cannot apply 'UPPER' to arguments of type 'UPPER(<BIGINT>)'. Supported form(s): 'UPPER(<CHARACTER>)' (line 2, column 15)",
    );
    assert.deepEqual([e.details.line, e.details.column, e.details.function], [2, 15, "UPPER"]);
    return true;
  });
});

test("the numbers these functions take give Flink 1.20's values", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  // Flink 1.20 (bench/flink), each SELECTed alone: 'b', 'b', TRUE, TRUE, FALSE, FALSE, FALSE,
  // FALSE, TRUE, TRUE, 'A', 'b' (IS_DIGIT and IS_DECIMAL of a number go by its type, as
  // SqlFunctionUtils.isDigit / isDecimal(Object); an integer separator is a character code).
  const rows = await (
    await tEnv.executeSql(
      "SELECT SPLIT_INDEX('a,b,c', 44, 1) AS a, SPLIT_INDEX('a,b,c', CAST(44 AS TINYINT), 1) AS b, IS_DIGIT(123) AS c, IS_DIGIT(-1) AS d, IS_DIGIT(1.5) AS e, IS_DIGIT(CAST(1 AS DOUBLE)) AS f, IS_ALPHA(12) AS g, IS_DECIMAL(1.5) AS h, IS_DECIMAL(CAST(-2 AS BIGINT)) AS i, IS_DECIMAL(CAST(1.5 AS DOUBLE)) AS j, CHR(CAST(65 AS BIGINT)) AS k, REGEXP_EXTRACT('abc', '(b)', CAST(1 AS BIGINT)) AS l",
    )
  ).collect();
  assert.deepEqual(rows, [
    {
      a: "b",
      b: "b",
      c: true,
      d: true,
      e: false,
      f: false,
      g: false,
      h: false,
      i: true,
      j: true,
      k: "A",
      l: "b",
    },
  ]);
});

test("|| of two binary strings or two arrays, which Flink 1.20 validates and then fails to run, is refused", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  for (const e of ["CAST('a' AS BYTES) || CAST('b' AS BYTES)", "ARRAY[1] || ARRAY[2]"])
    await assert.rejects(
      tEnv.executeSql(`SELECT ${e}`),
      (err: unknown) =>
        err instanceof FleuveError &&
        err.code === "FLEUVE_SQL_UNSUPPORTED" &&
        err.message.includes("String expression type expected."),
    );
});
