// SUM and AVG take numbers only, as in Flink 1.20 ("Cannot apply 'SUM' to arguments of type
// 'SUM(<VARCHAR(2147483647)>)'. Supported form(s): 'SUM(<NUMERIC>)'"): a string, a timestamp or
// a boolean is refused when the query is planned, in group, window and OVER aggregation alike,
// where JavaScript's + gave NaN, a string concatenation or a sum of epoch milliseconds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { materialize, sql } from "@fleuve/sql";

const T = `(VALUES (1, 'a', TIMESTAMP '2020-04-15 08:00:01', TRUE, CAST(1.5 AS DECIMAL(5, 2))),
  (2, 'b', TIMESTAMP '2020-04-15 08:00:02', FALSE, CAST(2.5 AS DECIMAL(5, 2)))) AS t (n, s, ts, b, d)`;

const rows = async (query: string) =>
  sql(StreamExecutionEnvironment.create())
    .executeSql(query)
    .then((r) => r.collect());

test("SUM and AVG of a string, a timestamp, a boolean or an interval are refused, naming the call and full type", async () => {
  // The types written in full as Flink 1.20 writes them (checked on bench/flink: 'SUM(<CHAR(1)>)',
  // 'SUM(<INTERVAL SECOND>)').
  for (const f of ["SUM", "AVG"])
    for (const [arg, type] of [
      ["s", "CHAR(1)"],
      ["ts", "TIMESTAMP(0)"],
      ["b", "BOOLEAN"],
      ["DISTINCT s", "CHAR(1)"],
      ["i", "INTERVAL SECOND"],
      ["CAST(s AS STRING)", "VARCHAR(2147483647)"],
    ] as const)
      await assert.rejects(
        rows(`SELECT ${f}(${arg}) FROM ${T} CROSS JOIN (VALUES (INTERVAL '1' SECOND)) AS u (i)`),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, "FLEUVE_SQL_VALIDATION");
          assert.ok(
            err.message.startsWith(
              `Cannot apply '${f}' to arguments of type '${f}(<${type}>)'. Supported form(s): '${f}(<NUMERIC>)'`,
            ),
            err.message,
          );
          assert.match(err.message, /line 1, column 8/);
          return true;
        },
      );
});

test("the refusal holds in group, window and OVER aggregation", async () => {
  const bids = `CREATE TABLE bids (ts TIMESTAMP(3), item STRING, WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen', 'number-of-rows' = '3')`;
  for (const query of [
    "SELECT item, SUM(item) FROM bids GROUP BY item",
    "SELECT window_start, AVG(item) FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
    "SELECT SUM(item) OVER (ORDER BY ts) FROM bids",
  ]) {
    const tEnv = sql(StreamExecutionEnvironment.create());
    await tEnv.executeSql(bids);
    await assert.rejects(
      tEnv.executeSql(query).then((r) => r.collect()),
      /Cannot apply '(SUM|AVG)' to arguments of type '(SUM|AVG)\(<VARCHAR\(2147483647\)>\)'/,
    );
  }
});

test("SUM and AVG of numbers still run", async () => {
  const query = `SELECT SUM(n) AS sn, AVG(n) AS an, SUM(d) AS sd, AVG(CAST(n AS DOUBLE)) AS ad FROM ${T}`;
  assert.deepEqual(materialize(await rows(query)), [{ sn: 3, an: 1, sd: 4, ad: 1.5 }]);
});
