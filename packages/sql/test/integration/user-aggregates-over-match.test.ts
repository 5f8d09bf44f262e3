// User aggregates (aggregateFunction) in OVER aggregation and in MATCH_RECOGNIZE, as Flink runs
// them: OVER frames accumulate the rows in time order per partition, a bounded frame retracts
// the rows that leave it (so it needs retract); in MATCH_RECOGNIZE an aggregate runs over the
// rows mapped to one variable so far, in MEASURES and in DEFINE. Expected rows written out.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { aggregateFunction, type Row, type SqlEnvironment, sql } from "@fleuve/sql";
import { logWithRows } from "../fixtures/log-table.js";
import { appendOnlyCount, collectList, sumSquares } from "../fixtures/udfs.js";

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The largest minus the smallest value (a user aggregate of its own, with retract). */
const spread = aggregateFunction<number[]>({
  resultType: "INT",
  createAccumulator: () => [],
  accumulate(acc, v: number | null) {
    if (v !== null) acc.push(v);
  },
  retract(acc, v: number | null) {
    const i = v === null ? -1 : acc.indexOf(v);
    if (i >= 0) acc.splice(i, 1);
  },
  getValue: (acc) => (acc.length === 0 ? null : Math.max(...acc) - Math.min(...acc)),
});

async function withTicker(): Promise<SqlEnvironment> {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: logConnectors,
  });
  tEnv.createFunction("sum_squares", sumSquares);
  tEnv.createFunction("collect_list", collectList);
  tEnv.createFunction("append_only_count", appendOnlyCount);
  tEnv.createFunction("spread", spread);
  // Out of order within the 1-minute bound: 10:02 before 10:01.
  const dir = logWithRows("ticker", [
    { symbol: "A", price: 10, t: "2020-04-15 10:00:00" },
    { symbol: "A", price: 12, t: "2020-04-15 10:02:00" },
    { symbol: "A", price: 11, t: "2020-04-15 10:01:00" },
    { symbol: "B", price: 5, t: "2020-04-15 10:00:30" },
    { symbol: "A", price: 9, t: "2020-04-15 10:03:00" },
    { symbol: "A", price: 15, t: "2020-04-15 10:04:00" },
    { symbol: "B", price: 3, t: "2020-04-15 10:05:00" },
  ]);
  await tEnv.executeSql(`CREATE TABLE Ticker (symbol STRING, price INT, t TIMESTAMP(3),
    WATERMARK FOR t AS t - INTERVAL '1' MINUTE)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ticker', 'bounded' = 'true')`);
  return tEnv;
}

test("user aggregates OVER unbounded and bounded frames, in time order per partition", async () => {
  const tEnv = await withTicker();
  const rows = await (
    await tEnv.executeSql(`
    SELECT symbol, price,
      sum_squares(price) OVER (PARTITION BY symbol ORDER BY t) AS sq, COUNT(*) OVER (PARTITION BY symbol ORDER BY t) AS n
    FROM Ticker`)
  ).collect();
  // A in time order: 10, 11, 12, 9, 15; sq adds the squares.
  assert.deepEqual(
    sortRows(rows),
    sortRows([
      { symbol: "A", price: 10, sq: 100, n: 1 },
      { symbol: "A", price: 11, sq: 221, n: 2 },
      { symbol: "A", price: 12, sq: 365, n: 3 },
      { symbol: "A", price: 9, sq: 446, n: 4 },
      { symbol: "A", price: 15, sq: 671, n: 5 },
      { symbol: "B", price: 5, sq: 25, n: 1 },
      { symbol: "B", price: 3, sq: 34, n: 2 },
    ]),
  );
  // ROWS 1 PRECEDING: the spread is |price - previous price|.
  const spreads = await (
    await tEnv.executeSql(`
    SELECT symbol, price, spread(price) OVER (PARTITION BY symbol ORDER BY t ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS sp
    FROM Ticker`)
  ).collect();
  assert.deepEqual(
    sortRows(spreads),
    sortRows([
      { symbol: "A", price: 10, sp: 0 },
      { symbol: "A", price: 11, sp: 1 },
      { symbol: "A", price: 12, sp: 1 },
      { symbol: "A", price: 9, sp: 3 },
      { symbol: "A", price: 15, sp: 6 },
      { symbol: "B", price: 5, sp: 0 },
      { symbol: "B", price: 3, sp: 2 },
    ]),
  );
  // A RANGE frame of 2 minutes: the rows at or after t - 2 min.
  const ranged = await (
    await tEnv.executeSql(`
    SELECT symbol, price, collect_list(price) OVER (PARTITION BY symbol ORDER BY t
      RANGE BETWEEN INTERVAL '2' MINUTE PRECEDING AND CURRENT ROW) AS recent
    FROM Ticker WHERE symbol = 'A'`)
  ).collect();
  assert.deepEqual(
    sortRows(ranged),
    sortRows([
      { symbol: "A", price: 10, recent: [10] },
      { symbol: "A", price: 11, recent: [10, 11] },
      { symbol: "A", price: 12, recent: [10, 11, 12] },
      { symbol: "A", price: 9, recent: [11, 12, 9] },
      { symbol: "A", price: 15, recent: [12, 9, 15] },
    ]),
  );
});

test("a bounded OVER frame needs the user aggregate's retract; an unbounded one does not", async () => {
  const tEnv = await withTicker();
  await assert.rejects(
    tEnv.executeSql(
      "SELECT append_only_count(price) OVER (PARTITION BY symbol ORDER BY t ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM Ticker",
    ),
    (e: unknown) => {
      assert.ok(e instanceof FleuveError);
      assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
      assert.match(
        e.message,
        /user aggregate append_only_count has no retract method.*bounded ROWS OVER frame/,
      );
      return true;
    },
  );
  const rows = await (
    await tEnv.executeSql(
      "SELECT price, append_only_count(price) OVER (PARTITION BY symbol ORDER BY t) AS n FROM Ticker WHERE symbol = 'B'",
    )
  ).collect();
  assert.deepEqual(
    sortRows(rows),
    sortRows([
      { price: 5, n: 1 },
      { price: 3, n: 2 },
    ]),
  );
});

test("user aggregates in MATCH_RECOGNIZE MEASURES and DEFINE run over a variable's rows", async () => {
  const tEnv = await withTicker();
  // A run of rising prices (UP rows, each above the last), then one lower (DOWN); DEFINE keeps
  // the run going while the spread of the UP rows so far (with the row being classified) is < 2.
  const rows = await (
    await tEnv.executeSql(`
    SELECT * FROM Ticker MATCH_RECOGNIZE (
      PARTITION BY symbol ORDER BY t
      MEASURES FIRST(UP.price) AS first_up, collect_list(UP.price) AS ups, sum_squares(UP.price) AS sq,
        spread(DOWN.price) AS down_spread
      ONE ROW PER MATCH
      AFTER MATCH SKIP PAST LAST ROW
      PATTERN (UP+ DOWN)
      DEFINE
        UP AS (LAST(UP.price, 1) IS NULL OR UP.price > LAST(UP.price, 1)) AND spread(UP.price) < 2,
        DOWN AS DOWN.price < LAST(UP.price)
    )`)
  ).collect();
  // A: from 10, 12 would make the UP spread 2, and 12 is no DOWN either: no match; from 11,
  // 11 and 12 rise (spread 1) and 9 falls: a match; 15 starts a run the input ends in.
  // B: 5, then 3 falls.
  assert.deepEqual(sortRows(rows), [
    { symbol: "A", first_up: 11, ups: [11, 12], sq: 265, down_spread: 0 },
    { symbol: "B", first_up: 5, ups: [5], sq: 25, down_spread: 0 },
  ]);
});

test("a user aggregate in MATCH_RECOGNIZE over two variables is refused", async () => {
  const tEnv = await withTicker();
  tEnv.createFunction(
    "pairs",
    aggregateFunction<number>({
      createAccumulator: () => 0,
      accumulate: (acc, a: number, b: number) => acc + a * b,
      getValue: (acc) => acc,
    }),
  );
  await assert.rejects(
    tEnv.executeSql(`
    SELECT * FROM Ticker MATCH_RECOGNIZE (
      PARTITION BY symbol ORDER BY t
      MEASURES pairs(UP.price, DOWN.price) AS p
      PATTERN (UP DOWN)
      DEFINE DOWN AS DOWN.price < UP.price
    )`),
    /pairs in MEASURES refers to UP and DOWN: an aggregate's arguments may refer to one pattern variable only/i,
  );
});
