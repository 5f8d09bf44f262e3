// Rows below the running maximum of their window are dropped early (runtime/running-max.ts):
// before a MAX grouped by the window alone (they change no maximum), and before Nexmark q5's
// window join of a window aggregation's rows with the maxima of those same rows on
// `num >= maxn` (they are in no pair). Both plans must give the rows of the plan without them:
// fast-check on random out-of-order rows (late ones included), ties on the maximum, NULLs,
// several windows, parallelism 1 and 2, against the same queries written so that neither
// applies (MAX(DISTINCT ...), a second count that HAVING keeps from being shared) and against a
// brute force where no row is late.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";
import { q5Oracle } from "../fixtures/q5-oracle.js";

const sorted = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();

/** An environment with bounded log table `bid (auction, v, ts)`, watermark `ts - delay` ms. */
async function bids(
  rows: readonly { auction: number; v?: number | null; ts: number }[],
  parallelism = 1,
  delayMs = 0,
) {
  const dir = logWithRows("bid", rows);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
  await tEnv.executeSql(`CREATE TABLE bid (auction INT, v BIGINT, ts TIMESTAMP(3),
      WATERMARK FOR ts AS ts - INTERVAL '${delayMs / 1000}' SECOND)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'bid', 'bounded' = 'true')`);
  return tEnv;
}

async function run(tEnv: Awaited<ReturnType<typeof bids>>, query: string): Promise<Row[]> {
  return materialize(await (await tEnv.executeSql(query)).collect());
}

async function physical(tEnv: Awaited<ReturnType<typeof bids>>, query: string): Promise<string> {
  const text = (await (await tEnv.executeSql(`EXPLAIN ${query}`)).collect())[0]?.result as string;
  return text.slice(text.indexOf("== Optimized Physical Plan =="), text.indexOf("== Changelog =="));
}

/** A window bound's epoch milliseconds (whole seconds here), as Flink allows: it refuses CAST(timestamp AS BIGINT). */
const epochMs = (column: string) =>
  `TIMESTAMPDIFF(SECOND, TIMESTAMP '1970-01-01 00:00:00', ${column}) * 1000`;

const HOP = "TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND))";

/** q5 as Nexmark writes it, with `max` for the MAX call and `having` on the second count. */
const q5 = (
  max = "MAX(CountBids.num)",
  having = "",
  cond = "AuctionBids.num >= MaxBids.maxn",
  join = "JOIN",
) =>
  `SELECT AuctionBids.auction, AuctionBids.num, ${epochMs("AuctionBids.starttime")} AS s, MaxBids.maxn
FROM (SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime
  FROM ${HOP} GROUP BY auction, window_start, window_end) AS AuctionBids
${join} (SELECT ${max} AS maxn, CountBids.starttime, CountBids.endtime
  FROM (SELECT COUNT(*) AS num, window_start AS starttime, window_end AS endtime
    FROM ${HOP} GROUP BY auction, window_start, window_end ${having}) AS CountBids
  GROUP BY CountBids.starttime, CountBids.endtime) AS MaxBids
ON AuctionBids.starttime = MaxBids.starttime AND AuctionBids.endtime = MaxBids.endtime
  AND ${cond}`;
const Q5 = q5();
/** The same rows without either thinning. */
const Q5_GENERAL = q5("MAX(DISTINCT CountBids.num)", "HAVING COUNT(*) > 0");

const JOIN_THINNING = "num >= its window's running MAX(num)";
const MAX_THINNING = "above its window's running MAX";

/** Rows of a few auctions (ties on the most bids are common), `jitter` ms out of order at most. */
const bidRows = (jitter: number) =>
  fc
    .array(
      fc.record({
        auction: fc.integer({ min: 1, max: 4 }),
        gap: fc.integer({ min: 0, max: 1200 }),
        back: fc.integer({ min: 0, max: jitter }),
      }),
      { minLength: 1, maxLength: 60 },
    )
    .map((raw) => {
      let ts = 20_000;
      return raw.map((r) => ({ auction: r.auction, ts: (ts += r.gap) - r.back }));
    });

test("q5's plan drops counts below their window's running maximum before the MAX and before the join", async () => {
  const tEnv = await bids([{ auction: 1, ts: 1000 }]);
  const plan = await physical(tEnv, Q5);
  assert.ok(plan.includes(JOIN_THINNING), plan);
  assert.ok(plan.includes(MAX_THINNING), plan);
  // Not without the proof: an outer join, another condition, a MAX over rows HAVING filtered
  // (not every row of the left side), MAX(DISTINCT) (not thinned at all).
  for (const other of [
    q5(undefined, undefined, undefined, "LEFT JOIN"),
    q5(undefined, undefined, "AuctionBids.num > MaxBids.maxn"),
    q5(undefined, undefined, "AuctionBids.auction >= MaxBids.maxn"),
    q5(undefined, "HAVING COUNT(*) > 0"),
    Q5_GENERAL,
  ])
    assert.ok(!(await physical(tEnv, other)).includes(JOIN_THINNING), other);
  assert.ok(!(await physical(tEnv, Q5_GENERAL)).includes(MAX_THINNING));
});

test("q5 with the running-maximum filters gives the brute-force rows (rows out of order, none late)", async () => {
  await fc.assert(
    fc.asyncProperty(bidRows(2500), fc.constantFrom(1, 2), async (rows, parallelism) => {
      // A watermark 3 s behind: rows at most 2.5 s out of order are never late.
      const got = await run(await bids(rows, parallelism, 3000), Q5);
      assert.deepEqual(sorted(got), sorted(q5Oracle(rows)));
    }),
    { numRuns: 15 },
  );
});

test("q5 with the running-maximum filters gives the rows of the plan without them (late rows too)", async () => {
  await fc.assert(
    fc.asyncProperty(
      bidRows(8000),
      fc.constantFrom(1, 2),
      fc.constantFrom(0, 1000, 3000),
      async (rows, parallelism, delay) => {
        const fast = await run(await bids(rows, parallelism, delay), Q5);
        const general = await run(await bids(rows, parallelism, delay), Q5_GENERAL);
        assert.deepEqual(sorted(fast), sorted(general));
      },
    ),
    { numRuns: 15 },
  );
});

test("MAX grouped by a window TVF's window alone drops no maximum (NULLs, ties, late rows)", async () => {
  const max = (agg: string) => `SELECT ws, we, ${agg} AS m FROM (
      SELECT window_start AS ws, window_end AS we, v FROM ${HOP}) GROUP BY ws, we`;
  const tEnv = await bids([{ auction: 1, ts: 1000 }]);
  assert.ok((await physical(tEnv, max("MAX(v)"))).includes(MAX_THINNING));
  await fc.assert(
    fc.asyncProperty(
      bidRows(8000),
      fc.array(fc.option(fc.integer({ min: 0, max: 3 })), { minLength: 60, maxLength: 60 }),
      fc.constantFrom(1, 2),
      fc.constantFrom(0, 2000),
      async (times, values, parallelism, delay) => {
        const rows = times.map((r, i) => ({ ...r, v: values[i] ?? null }));
        const fast = await run(await bids(rows, parallelism, delay), max("MAX(v)"));
        const general = await run(await bids(rows, parallelism, delay), max("MAX(DISTINCT v)"));
        assert.deepEqual(sorted(fast), sorted(general));
      },
    ),
    { numRuns: 15 },
  );
});

const SESSION = "TABLE(SESSION(TABLE bid PARTITION BY auction, DESCRIPTOR(ts), INTERVAL '2' SECOND))";
/** Per auction session its bid count, as q5's first count over session windows. */
const sessionCounts = (auction = "auction, ") =>
  `SELECT ${auction}COUNT(*) AS num, window_start AS ws, window_end AS we FROM ${SESSION}
  GROUP BY auction, window_start, window_end`;
/** The most bids of an auction session per session window (start and end). */
const sessionMax = (max: string) =>
  `SELECT ${epochMs("ws")} AS s, ${epochMs("we")} AS e, ${max} AS m FROM (${sessionCounts()}) GROUP BY ws, we`;
/** q5's join over session windows, with `max` for the MAX call and `having` on the second count. */
const sessionQ5 = (max: string, having = "") =>
  `SELECT A.auction, A.num, ${epochMs("A.ws")} AS s, M.maxn FROM (${sessionCounts()}) AS A
  JOIN (SELECT ${max} AS maxn, C.ws, C.we FROM (${sessionCounts("")} ${having}) AS C GROUP BY C.ws, C.we) AS M
  ON A.ws = M.ws AND A.we = M.we AND A.num >= M.maxn`;

/**
 * Bids of a few auctions whose sessions mostly end alike (at 8 s or 9 s) from different starts,
 * each with a few more bids at its end, in any order (late rows too).
 */
const sessionRows = fc
  .array(
    fc.record({
      start: fc.integer({ min: 1, max: 7 }),
      end: fc.constantFrom(8, 9),
      extra: fc.integer({ min: 0, max: 4 }),
    }),
    { minLength: 2, maxLength: 4 },
  )
  .chain((sessions) => {
    const rows = sessions.flatMap(({ start, end, extra }, i) => [
      ...Array.from({ length: end - start + 1 }, (_, k) => ({ auction: i + 1, ts: (start + k) * 1000 })),
      ...Array.from({ length: extra }, () => ({ auction: i + 1, ts: end * 1000 })),
    ]);
    return fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length });
  });

test("session windows of different auctions ending alike keep their own running maximum", async () => {
  // Auction 2's session [2000, 4000) has 3 bids, auction 1's [1000, 4000) 2: both end at 4000.
  for (const [one, two] of [
    [1, 2],
    [2, 1],
  ] as const) {
    const rows = [
      { auction: one, ts: 1000 },
      ...[0, 1, 2].map(() => ({ auction: two, ts: 2000 })),
      { auction: one, ts: 2000 },
    ];
    const tEnv = await bids(rows);
    assert.ok((await physical(tEnv, sessionMax("MAX(num)"))).includes(MAX_THINNING));
    assert.deepEqual(sorted(await run(await bids(rows), sessionMax("MAX(num)"))), [
      JSON.stringify({ s: 1000, e: 4000, m: 2 }),
      JSON.stringify({ s: 2000, e: 4000, m: 3 }),
    ]);
  }
});

test("q5 over session windows pairs a count with the maxima of every window ending alike, as Flink's window join", async () => {
  // Sessions [1000, 4000) of auctions `one` (2 bids) and `three` (4), [2000, 4000) of `two` (1):
  // the window join pairs rows by window end alone (so does Flink's), so `one`'s 2, below its
  // own window's maximum, still meets 1, the other window's.
  for (const [one, two, three] of [
    [1, 2, 3],
    [3, 2, 1],
  ] as const) {
    const rows = [
      { auction: three, ts: 1000 },
      { auction: one, ts: 1000 },
      { auction: three, ts: 1500 },
      { auction: three, ts: 2000 },
      { auction: three, ts: 2000 },
      { auction: one, ts: 2000 },
      { auction: two, ts: 2000 },
    ];
    const got = await run(await bids(rows), sessionQ5("MAX(C.num)"));
    const want = await run(await bids(rows), sessionQ5("MAX(DISTINCT C.num)", "HAVING COUNT(*) > 0"));
    assert.ok(
      want.some((r) => r.auction === one && r.num === 2 && r.maxn === 1),
      JSON.stringify(want),
    );
    assert.deepEqual(sorted(got), sorted(want));
  }
});

test("MAX and q5 over session windows give the rows of the plan without the running-maximum filters", async () => {
  const tEnv = await bids([{ auction: 1, ts: 1000 }]);
  const plan = await physical(tEnv, sessionQ5("MAX(C.num)"));
  assert.ok(plan.includes(MAX_THINNING) && !plan.includes(JOIN_THINNING), plan);
  await fc.assert(
    fc.asyncProperty(
      sessionRows,
      fc.constantFrom(1, 2),
      fc.constantFrom(0, 3000, 12_000),
      async (rows, parallelism, delay) => {
        for (const [fast, general] of [
          [sessionMax("MAX(num)"), sessionMax("MAX(DISTINCT num)")],
          [sessionQ5("MAX(C.num)"), sessionQ5("MAX(DISTINCT C.num)", "HAVING COUNT(*) > 0")],
        ] as const) {
          const got = await run(await bids(rows, parallelism, delay), fast);
          const want = await run(await bids(rows, parallelism, delay), general);
          assert.deepEqual(sorted(got), sorted(want));
        }
      },
    ),
    { numRuns: 15 },
  );
});
