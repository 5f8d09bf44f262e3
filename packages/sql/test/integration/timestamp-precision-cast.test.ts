// CAST to a TIMESTAMP or TIMESTAMP_LTZ of precision under 3 drops the milliseconds it has no room
// for (toward the past), as Flink 1.20 does, so the value, its CAST to STRING and the print sink's
// text follow the precision. Every expectation is what bench/flink (Flink 1.20, session zone UTC)
// printed for the same query: a view's DESCRIBE, its row, and CAST ... AS STRING.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import { describeAndPrint } from "../fixtures/one-row.js";

const VIEW = `CREATE VIEW v AS SELECT CAST(t3 AS TIMESTAMP(0)) AS a0, CAST(t3 AS TIMESTAMP(1)) AS a1,
  CAST(t3 AS TIMESTAMP(2)) AS a2, CAST(CAST(t3 AS TIMESTAMP(0)) AS STRING) AS s0,
  CAST(CAST(t3 AS TIMESTAMP(1)) AS STRING) AS s1, CAST(CAST(t3 AS TIMESTAMP(2)) AS STRING) AS s2,
  CAST(t3 AS STRING) AS s3, CAST(t0 AS STRING) AS s0b, CAST(l3 AS TIMESTAMP_LTZ(0)) AS l0,
  CAST(l3 AS TIMESTAMP_LTZ(1)) AS l1, CAST(CAST(l3 AS TIMESTAMP_LTZ(0)) AS STRING) AS ls0,
  CAST(CAST(l3 AS TIMESTAMP_LTZ(2)) AS STRING) AS ls2, CAST(t3 AS TIMESTAMP(0)) = t0 AS eq,
  CAST(CAST(t3 AS TIMESTAMP(0)) AS TIMESTAMP(3)) AS back3,
  CAST(TIMESTAMP '2020-01-01 10:20:30.500' AS TIMESTAMP(0)) AS half,
  CAST(TIMESTAMP '1969-12-31 23:59:59.999' AS TIMESTAMP(0)) AS neg, CAST(t3 AS TIMESTAMP_LTZ(0)) AS tl0,
  CAST(l3 AS TIMESTAMP(0)) AS lt0, CAST('2020-01-01 10:20:30.987' AS TIMESTAMP(0)) AS fs0,
  CAST(CAST('2020-01-01 10:20:30.987' AS TIMESTAMP(1)) AS STRING) AS fs1
  FROM (VALUES (TIMESTAMP '2020-01-01 10:20:30.999', TIMESTAMP '2020-01-01 10:20:30',
    TO_TIMESTAMP_LTZ(1577874030987, 3))) AS t (t3, t0, l3)`;

/** Flink 1.20's print of `SELECT * FROM v`, field by field. */
const FLINK_ROW = [
  "2020-01-01T10:20:30",
  "2020-01-01T10:20:30.900",
  "2020-01-01T10:20:30.990",
  "2020-01-01 10:20:30",
  "2020-01-01 10:20:30.9",
  "2020-01-01 10:20:30.99",
  "2020-01-01 10:20:30.999",
  "2020-01-01 10:20:30",
  "2020-01-01T10:20:30Z",
  "2020-01-01T10:20:30.900Z",
  "2020-01-01 10:20:30",
  "2020-01-01 10:20:30.98",
  "true",
  "2020-01-01T10:20:30",
  "2020-01-01T10:20:30",
  "1969-12-31T23:59:59",
  "2020-01-01T10:20:30Z",
  "2020-01-01T10:20:30",
  "2020-01-01T10:20:30",
  "2020-01-01 10:20:30.9",
];

/** Flink 1.20's DESCRIBE v: the type of each column ("?" nullable). */
const FLINK_TYPES = [
  "TIMESTAMP(0)",
  "TIMESTAMP(1)",
  "TIMESTAMP(2)",
  "STRING",
  "STRING",
  "STRING",
  "STRING",
  "STRING",
  "TIMESTAMP_LTZ(0)?",
  "TIMESTAMP_LTZ(1)?",
  "STRING?",
  "STRING?",
  "BOOLEAN",
  "TIMESTAMP(3)",
  "TIMESTAMP(0)",
  "TIMESTAMP(0)",
  "TIMESTAMP_LTZ(0)",
  "TIMESTAMP(0)?",
  "TIMESTAMP(0)",
  "STRING",
];

test("CAST to TIMESTAMP(0..2) and TIMESTAMP_LTZ(0..2) truncates the milliseconds; values, STRING casts and printed text as Flink's", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql(VIEW);
  const { types, printed } = await describeAndPrint(tEnv, "v", { markNullable: true });
  assert.deepEqual(types, FLINK_TYPES);
  assert.deepEqual(printed, FLINK_ROW);
});
