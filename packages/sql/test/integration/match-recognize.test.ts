// MATCH_RECOGNIZE end to end: every example of Flink's "Pattern Recognition" page
// (docs/content/docs/dev/table/sql/queries/match_recognize.md) on its input rows, with the output
// the page prints, and the refusals Flink makes (its error messages where it has them).
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import { logWithRows } from "../fixtures/log-table.js";

const ts = (text: string) => Date.parse(`${text.replace(" ", "T")}Z`);

/** The docs write '01-Apr-11 10:00:00'; the page's year is 2011. */
const apr11 = (time: string) => `2011-04-01 ${time}`;

/** A Ticker table (symbol, price, tax, rowtime) holding `rows`, read with a watermark 1 hour behind. */
async function ticker(rows: readonly [string, string, number, number][], shuffle = false) {
  const data = rows.map(([symbol, rowtime, price, tax]) => ({ symbol, rowtime, price, tax }));
  // Out of order within the watermark delay: the operator must sort rows by rowtime itself.
  if (shuffle) data.reverse();
  const dir = logWithRows("ticker", data);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 2 }), { connectors: logConnectors });
  await tEnv.executeSql(`CREATE TABLE Ticker (symbol STRING, price BIGINT, tax BIGINT, rowtime TIMESTAMP(3),
    WATERMARK FOR rowtime AS rowtime - INTERVAL '1' HOUR)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ticker', 'bounded' = 'true')`);
  return tEnv;
}

async function query(
  tEnv: Awaited<ReturnType<typeof ticker>>,
  text: string,
): Promise<{ columns: string[]; rows: Row[] }> {
  const result = await tEnv.executeSql(text);
  return { columns: [...result.columns], rows: await result.collect() };
}

const byJson = (rows: Row[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const ACME_DECREASING: [string, string, number, number][] = [
  ["ACME", apr11("10:00:00"), 12, 1],
  ["ACME", apr11("10:00:01"), 17, 2],
  ["ACME", apr11("10:00:02"), 19, 1],
  ["ACME", apr11("10:00:03"), 21, 3],
  ["ACME", apr11("10:00:04"), 25, 2],
  ["ACME", apr11("10:00:05"), 18, 1],
  ["ACME", apr11("10:00:06"), 15, 1],
  ["ACME", apr11("10:00:07"), 14, 2],
  ["ACME", apr11("10:00:08"), 24, 2],
  ["ACME", apr11("10:00:09"), 25, 2],
  ["ACME", apr11("10:00:10"), 19, 1],
];

test("match_recognize.md, the introduction: one period of decreasing prices (SKIP TO LAST PRICE_UP)", async () => {
  for (const shuffle of [false, true]) {
    const tEnv = await ticker(ACME_DECREASING, shuffle);
    const out = await query(
      tEnv,
      `SELECT *
FROM Ticker
    MATCH_RECOGNIZE (
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            START_ROW.rowtime AS start_tstamp,
            LAST(PRICE_DOWN.rowtime) AS bottom_tstamp,
            LAST(PRICE_UP.rowtime) AS end_tstamp
        ONE ROW PER MATCH
        AFTER MATCH SKIP TO LAST PRICE_UP
        PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)
        DEFINE
            PRICE_DOWN AS
                (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price) OR
                    PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),
            PRICE_UP AS
                PRICE_UP.price > LAST(PRICE_DOWN.price, 1)
    ) MR;`,
    );
    assert.deepEqual(out.columns, ["symbol", "start_tstamp", "bottom_tstamp", "end_tstamp"]);
    assert.deepEqual(out.rows, [
      {
        symbol: "ACME",
        start_tstamp: ts(apr11("10:00:04")),
        bottom_tstamp: ts(apr11("10:00:07")),
        end_tstamp: ts(apr11("10:00:08")),
      },
    ]);
  }
});

/** The rows of the page's Aggregations example. */
const ACME_AVERAGES: [string, string, number, number][] = [
  ["ACME", apr11("10:00:00"), 12, 1],
  ["ACME", apr11("10:00:01"), 17, 2],
  ["ACME", apr11("10:00:02"), 13, 1],
  ["ACME", apr11("10:00:03"), 16, 3],
  ["ACME", apr11("10:00:04"), 25, 2],
  ["ACME", apr11("10:00:05"), 2, 1],
  ["ACME", apr11("10:00:06"), 4, 1],
  ["ACME", apr11("10:00:07"), 10, 2],
  ["ACME", apr11("10:00:08"), 15, 2],
  ["ACME", apr11("10:00:09"), 25, 2],
  ["ACME", apr11("10:00:10"), 25, 1],
  ["ACME", apr11("10:00:11"), 30, 1],
];

// The page prints avgPrice 14.5 and 13.5; Flink 1.20 computes AVG of a BIGINT as a BIGINT
// (bench/flink: 14 and 13), as it does in GROUP BY.
test("match_recognize.md, Aggregations: the periods whose average price stays below 15", async () => {
  const tEnv = await ticker(ACME_AVERAGES, true);
  const out = await query(
    tEnv,
    `SELECT *
FROM Ticker
    MATCH_RECOGNIZE (
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            FIRST(A.rowtime) AS start_tstamp,
            LAST(A.rowtime) AS end_tstamp,
            AVG(A.price) AS avgPrice
        ONE ROW PER MATCH
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (A+ B)
        DEFINE
            A AS AVG(A.price) < 15
    ) MR;`,
  );
  assert.deepEqual(out.columns, ["symbol", "start_tstamp", "end_tstamp", "avgPrice"]);
  assert.deepEqual(out.rows, [
    {
      symbol: "ACME",
      start_tstamp: ts(apr11("10:00:00")),
      end_tstamp: ts(apr11("10:00:03")),
      avgPrice: 14,
    },
    {
      symbol: "ACME",
      start_tstamp: ts(apr11("10:00:05")),
      end_tstamp: ts(apr11("10:00:10")),
      avgPrice: 13,
    },
  ]);
});

test("aggregates in MEASURES have their GROUP BY types and values: AVG of integers truncates, ARRAY_AGG", async () => {
  const tEnv = await ticker(ACME_AVERAGES);
  // AVG(A.price) <= 14 holds for 12, 17, 13, 16 only truncated (58 / 4 = 14.5 is 14).
  const result = await tEnv.executeSql(`SELECT * FROM Ticker MATCH_RECOGNIZE (
    PARTITION BY symbol ORDER BY rowtime
    MEASURES AVG(A.price) AS a, AVG(CAST(A.price AS DOUBLE)) AS ad, SUM(A.price) AS s,
      MIN(A.price) AS mn, ARRAY_AGG(A.price) AS arr, COUNT(A.price) AS n
    ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A+ B)
    DEFINE A AS AVG(A.price) <= 14
  ) MR`);
  // Flink 1.20 (bench/flink, the same rows from a CSV file) prints
  // +I[ACME, 14, 14.5, 58, 12, [12, 17, 13, 16], 4] and +I[ACME, 13, 13.5, 81, 2, [2, 4, 10, 15, 25, 25], 6].
  assert.deepEqual(await result.collect(), [
    { symbol: "ACME", a: 14, ad: 14.5, s: 58, mn: 12, arr: [12, 17, 13, 16], n: 4 },
    { symbol: "ACME", a: 13, ad: 13.5, s: 81, mn: 2, arr: [2, 4, 10, 15, 25, 25], n: 6 },
  ]);
  const json = tEnv.executeSql(
    "SELECT * FROM Ticker MATCH_RECOGNIZE (ORDER BY rowtime MEASURES JSON_ARRAYAGG(A.price) AS j PATTERN (A B) DEFINE A AS A.price > 0) MR",
  );
  await assert.rejects(json, /JSON_ARRAYAGG in MATCH_RECOGNIZE/);
});

const XYZ_GREEDY: [string, string, number, number][] = [
  ["XYZ", "2018-09-17 10:00:02", 10, 1],
  ["XYZ", "2018-09-17 10:00:03", 11, 2],
  ["XYZ", "2018-09-17 10:00:04", 12, 1],
  ["XYZ", "2018-09-17 10:00:05", 13, 2],
  ["XYZ", "2018-09-17 10:00:06", 14, 1],
  ["XYZ", "2018-09-17 10:00:07", 16, 2],
];

test("match_recognize.md, Greedy & Reluctant Quantifiers: B* swallows rows, B*? takes as few as it can", async () => {
  const q = (b: string) => `SELECT *
FROM Ticker
    MATCH_RECOGNIZE(
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            C.price AS lastPrice
        ONE ROW PER MATCH
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (A ${b} C)
        DEFINE
            A AS A.price > 10,
            B AS B.price < 15,
            C AS C.price > 12
    )`;
  const greedy = await query(await ticker(XYZ_GREEDY), q("B*"));
  assert.deepEqual(greedy.columns, ["symbol", "lastPrice"]);
  assert.deepEqual(greedy.rows, [{ symbol: "XYZ", lastPrice: 16 }]);
  const reluctant = await query(await ticker(XYZ_GREEDY, true), q("B*?"));
  assert.deepEqual(reluctant.rows, [
    { symbol: "XYZ", lastPrice: 13 },
    { symbol: "XYZ", lastPrice: 16 },
  ]);
});

const TIME_CONSTRAINT_ROWS: [string, string, number, number][] = [
  ["ACME", apr11("10:00:00"), 20, 1],
  ["ACME", apr11("10:20:00"), 17, 2],
  ["ACME", apr11("10:40:00"), 18, 1],
  ["ACME", apr11("11:00:00"), 11, 3],
  ["ACME", apr11("11:20:00"), 14, 2],
  ["ACME", apr11("11:40:00"), 9, 1],
  ["ACME", apr11("12:00:00"), 15, 1],
  ["ACME", apr11("12:20:00"), 14, 2],
  ["ACME", apr11("12:40:00"), 24, 2],
  ["ACME", apr11("13:00:00"), 1, 2],
  ["ACME", apr11("13:20:00"), 19, 1],
];

test("match_recognize.md, Time constraint: a drop of 10 WITHIN INTERVAL '1' HOUR", async () => {
  const tEnv = await ticker(TIME_CONSTRAINT_ROWS);
  // The page's DEFINE lacks the comma between B and C; it is added here.
  const q = (within: string) => `SELECT *
FROM Ticker
    MATCH_RECOGNIZE(
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            C.rowtime AS dropTime,
            A.price - C.price AS dropDiff
        ONE ROW PER MATCH
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (A B* C) WITHIN ${within}
        DEFINE
            B AS B.price > A.price - 10,
            C AS C.price < A.price - 10
    )`;
  const out = await query(tEnv, q("INTERVAL '1' HOUR"));
  assert.deepEqual(out.columns, ["symbol", "dropTime", "dropDiff"]);
  // The page prints dropDiff 14 (15 at 12:00 to 1 at 13:00), but that run lasts exactly the hour,
  // and Flink's NFA times a partial match out when `timestamp - start >= within`
  // (NFA.isStateTimedOut; @fleuve/cep is checked against Flink on it). The run from 14 at 12:20
  // is the match Flink returns.
  assert.deepEqual(out.rows, [{ symbol: "ACME", dropTime: ts(apr11("13:00:00")), dropDiff: 13 }]);
  // One minute more and the page's run fits: its match starts first, so SKIP PAST LAST ROW keeps it.
  const longer = await query(await ticker(TIME_CONSTRAINT_ROWS), q("INTERVAL '61' MINUTE"));
  assert.deepEqual(longer.rows, [{ symbol: "ACME", dropTime: ts(apr11("13:00:00")), dropDiff: 14 }]);
});

test("match_recognize.md, Output Mode: partition columns first, then the measures", async () => {
  const rows: [string, string, number, number][] = [
    ["XYZ", "2018-09-17 10:00:02", 10, 1],
    ["XYZ", "2018-09-17 10:00:03", 12, 2],
    ["XYZ", "2018-09-17 10:00:04", 13, 1],
    ["XYZ", "2018-09-17 10:00:05", 11, 2],
  ];
  const q = (after: string) => `SELECT *
FROM Ticker
    MATCH_RECOGNIZE(
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            FIRST(A.price) AS startPrice,
            LAST(A.price) AS topPrice,
            B.price AS lastPrice
        ONE ROW PER MATCH
        ${after}
        PATTERN (A+ B)
        DEFINE
            A AS LAST(A.price, 1) IS NULL OR A.price > LAST(A.price, 1),
            B AS B.price < LAST(A.price)
    )`;
  const past = await query(await ticker(rows), q("AFTER MATCH SKIP PAST LAST ROW"));
  assert.deepEqual(past.columns, ["symbol", "startPrice", "topPrice", "lastPrice"]);
  assert.deepEqual(past.rows, [{ symbol: "XYZ", startPrice: 10, topPrice: 13, lastPrice: 11 }]);
  // The page prints the query without AFTER MATCH and the row above. Calcite's SqlToRelConverter
  // makes a missing clause SKIP TO NEXT ROW, under which the runs that started at 12 and 13 end
  // at 11 too and are not discarded (they did not start with the first match's row).
  const dflt = await query(await ticker(rows), q(""));
  assert.deepEqual(
    byJson(dflt.rows),
    byJson([
      { symbol: "XYZ", startPrice: 10, topPrice: 13, lastPrice: 11 },
      { symbol: "XYZ", startPrice: 12, topPrice: 13, lastPrice: 11 },
      { symbol: "XYZ", startPrice: 13, topPrice: 13, lastPrice: 11 },
    ]),
  );
});

const XYZ_SKIP: [string, string, number, number][] = [
  ["XYZ", "2018-09-17 10:00:01", 7, 1],
  ["XYZ", "2018-09-17 10:00:02", 9, 2],
  ["XYZ", "2018-09-17 10:00:03", 10, 1],
  ["XYZ", "2018-09-17 10:00:04", 5, 2],
  ["XYZ", "2018-09-17 10:00:05", 10, 2],
  ["XYZ", "2018-09-17 10:00:06", 7, 2],
  ["XYZ", "2018-09-17 10:00:07", 14, 2],
];
const skipQuery = (strategy: string) => `SELECT *
FROM Ticker
    MATCH_RECOGNIZE(
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            SUM(A.price) AS sumPrice,
            FIRST(rowtime) AS startTime,
            LAST(rowtime) AS endTime
        ONE ROW PER MATCH
        AFTER MATCH ${strategy}
        PATTERN (A+ C)
        DEFINE
            A AS SUM(A.price) < 30
    )`;
const at = (time: string) => ts(`2018-09-17 ${time}`);

test("match_recognize.md, After Match Strategy: the four strategies on the page's rows", async () => {
  const expected: Record<string, [number, string, string][]> = {
    "SKIP PAST LAST ROW": [
      [26, "10:00:01", "10:00:04"],
      [17, "10:00:05", "10:00:07"],
    ],
    "SKIP TO NEXT ROW": [
      [26, "10:00:01", "10:00:04"],
      [24, "10:00:02", "10:00:05"],
      [25, "10:00:03", "10:00:06"],
      [22, "10:00:04", "10:00:07"],
      [17, "10:00:05", "10:00:07"],
    ],
    "SKIP TO LAST A": [
      [26, "10:00:01", "10:00:04"],
      [25, "10:00:03", "10:00:06"],
      [17, "10:00:05", "10:00:07"],
    ],
  };
  for (const [strategy, rows] of Object.entries(expected)) {
    const out = await query(await ticker(XYZ_SKIP, true), skipQuery(strategy));
    assert.deepEqual(out.columns, ["symbol", "sumPrice", "startTime", "endTime"], strategy);
    assert.deepEqual(
      byJson(out.rows),
      byJson(rows.map(([sumPrice, s, e]) => ({ symbol: "XYZ", sumPrice, startTime: at(s), endTime: at(e) }))),
      strategy,
    );
  }
});

test("match_recognize.md: SKIP TO FIRST A fails at run time (it would start the next match where this one started)", async () => {
  const tEnv = await ticker(XYZ_SKIP);
  await assert.rejects(
    query(tEnv, skipQuery("SKIP TO FIRST A")),
    (e: Error) => /first/i.test(e.message) && /A/.test(e.message),
  );
});

test("MATCH_ROWTIME() is the match's rowtime and the result's event-time attribute", async () => {
  const tEnv = await ticker(XYZ_SKIP);
  const out = await query(
    tEnv,
    `SELECT sym, t, n FROM Ticker
    MATCH_RECOGNIZE(
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES MATCH_ROWTIME() AS t, COUNT(*) AS n, MIN(A.price) AS lo, MAX(price) AS hi
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (A{2} C)
        DEFINE C AS C.price > MAX(A.price)
    ) AS M (sym, t, n, lo, hi)`,
  );
  // 7 9 10 | 5 10 (7: no) ... windows of A{2} C with C above both A's: (7, 9, 10), then (5, 10) fails
  // at 7, (10, 7, 14) matches.
  assert.deepEqual(out.rows, [
    { sym: "XYZ", t: at("10:00:03"), n: 3 },
    { sym: "XYZ", t: at("10:00:07"), n: 3 },
  ]);
});

test("EXPLAIN shows the Match operator, its partition key, order, pattern and state", async () => {
  const tEnv = await ticker(XYZ_SKIP);
  const plan = String(
    (await (await tEnv.executeSql(`EXPLAIN ${skipQuery("SKIP PAST LAST ROW")}`)).collect())[0]?.result,
  );
  assert.match(
    plan,
    /Match\(partitionBy=\[symbol\], orderBy=\[rowtime ASC\], pattern=\[A\+ C\]\) \[changelogMode=\[I\], state=\[rows per partition until the watermark passes them/,
  );
  assert.match(plan, /Exchange\(distribution=\[hash\[symbol\]\]/);
});

test("what Flink refuses is refused with FLEUVE_SQL_UNSUPPORTED naming it", async () => {
  const tEnv = await ticker(XYZ_SKIP);
  const mr = (body: string, rows = "") => `SELECT * FROM Ticker MATCH_RECOGNIZE (
    PARTITION BY symbol ORDER BY rowtime MEASURES A.price AS p ${rows} ${body})`;
  const cases: [string, RegExp][] = [
    [mr("PATTERN (A B) DEFINE A AS A.price > 1", "ALL ROWS PER MATCH"), /ALL ROWS PER MATCH/],
    [mr("PATTERN (A B+) DEFINE A AS A.price > 1"), /Greedy quantifiers are not allowed as the last element/],
    [mr("PATTERN (A* B?) DEFINE A AS A.price > 1"), /empty matches/],
    [mr("PATTERN ((A | B) C) DEFINE A AS A.price > 1"), /alternation/],
    [mr("PATTERN ((A B) | C) DEFINE A AS A.price > 1"), /alternation/],
    [mr("PATTERN (A (B C)+) DEFINE A AS A.price > 1"), /group/],
    [mr("PATTERN (PERMUTE(A, B) C) DEFINE A AS A.price > 1"), /PERMUTE/],
    [mr("PATTERN (A B?? C) DEFINE A AS A.price > 1"), /reluctant optional/],
    [mr("PATTERN (A B) DEFINE B AS B.price > PREV(B.price)"), /PREV \(physical offsets/],
    [mr("PATTERN (A B) SUBSET S = (A, B) DEFINE A AS A.price > 1"), /SUBSET/],
    [mr("PATTERN (A B) DEFINE B AS SUM(DISTINCT B.price) > 1"), /DISTINCT/],
    [mr("PATTERN (A A) DEFINE A AS A.price > 1"), /used twice/],
  ];
  for (const [text, message] of cases) {
    await assert.rejects(tEnv.executeSql(text), (e: Error & { code?: string }) => {
      assert.equal(e.code, "FLEUVE_SQL_UNSUPPORTED", `${text}: ${e.message}`);
      assert.match(e.message, message, text);
      return true;
    });
  }
  // Not valid at all: FLEUVE_SQL_VALIDATION naming what is wrong.
  const invalidCases: [string, RegExp][] = [
    [mr("PATTERN (A B) DEFINE X AS X.price > 1"), /X is not a variable of the PATTERN/],
    [mr("PATTERN (A B) DEFINE B AS B.nope > 1"), /unknown column B.nope/],
    [mr("PATTERN (A B) DEFINE B AS Q.price > 1"), /Q is not a pattern variable/],
    [mr("PATTERN (A B) DEFINE B AS LAST(A.price + B.price) > 1"), /one pattern variable only/],
    [
      `SELECT * FROM Ticker MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY price MEASURES A.price AS p PATTERN (A B) DEFINE A AS A.price > 1)`,
      /ordered by a time attribute ascending first: ORDER BY rowtime/,
    ],
  ];
  for (const [text, message] of invalidCases) {
    await assert.rejects(tEnv.executeSql(text), (e: Error & { code?: string }) => {
      assert.equal(e.code, "FLEUVE_SQL_VALIDATION", `${text}: ${e.message}`);
      assert.match(e.message, message, text);
      return true;
    });
  }
});
