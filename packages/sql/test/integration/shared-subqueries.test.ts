// Structurally identical parts of one statement are planned once, as Flink's sub-plan reuse does:
// Nexmark q5's two counts of bids per auction and window (one selects the auction, the other is
// aggregated further with MAX) keep one window aggregation, and two identical derived tables
// one group aggregation; EXPLAIN prints the shared node once with reuse_id and Reused. The
// results equal a brute-force evaluation. Correlated subqueries are not shared (their rows
// depend on the outer row) and give the rows they did.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";
import { q5Oracle } from "../fixtures/q5-oracle.js";

const sorted = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();
const count = (text: string, part: string) => text.split(part).length - 1;

/** An environment with bounded log table `bid (auction, ts)` holding `rows`. */
async function bids(rows: readonly { auction: number; ts: number }[]) {
  const dir = logWithRows("bid", rows);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeSql(`CREATE TABLE bid (auction INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'bid', 'bounded' = 'true')`);
  return tEnv;
}

async function physical(tEnv: Awaited<ReturnType<typeof bids>>, query: string): Promise<string> {
  const text = (await (await tEnv.executeSql(`EXPLAIN ${query}`)).collect())[0]?.result as string;
  return text.slice(text.indexOf("== Optimized Physical Plan =="), text.indexOf("== Changelog =="));
}

const HOP = "TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND))";
/** q5 as Nexmark writes it: the second count selects no auction. */
const Q5 = `SELECT AuctionBids.auction, AuctionBids.num, AuctionBids.starttime AS s
FROM (SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime
  FROM ${HOP} GROUP BY auction, window_start, window_end) AS AuctionBids
JOIN (SELECT MAX(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
  FROM (SELECT COUNT(*) AS num, window_start AS starttime, window_end AS endtime
    FROM ${HOP} GROUP BY auction, window_start, window_end) AS CountBids
  GROUP BY CountBids.starttime, CountBids.endtime) AS MaxBids
ON AuctionBids.starttime = MaxBids.starttime AND AuctionBids.endtime = MaxBids.endtime
  AND AuctionBids.num >= MaxBids.maxn`;

test("q5: the two counts of bids per auction and window are one window aggregation, read twice", async () => {
  const tEnv = await bids([{ auction: 1, ts: 1000 }]);
  const plan = await physical(tEnv, Q5);
  // The count (read twice) and the MAX over it: two window aggregations, not three.
  assert.equal(count(plan, "SlidingEventTimeWindows") + count(plan, "WindowAggregate("), 2, plan);
  assert.equal(count(plan, "reuse_id=[1]"), 1, plan);
  assert.equal(count(plan, "Reused(reference_id=[1])"), 1, plan);
  assert.match(plan, /Calc\(select=\[num, starttime, endtime\]\)/);
});

test("q5 with one window aggregation gives the brute-force rows", async () => {
  const bid = fc.record({ auction: fc.integer({ min: 1, max: 4 }), gap: fc.integer({ min: 0, max: 1500 }) });
  await fc.assert(
    fc.asyncProperty(fc.array(bid, { minLength: 1, maxLength: 40 }), async (raw) => {
      let ts = 1000;
      const rows = raw.map((r) => ({ auction: r.auction, ts: (ts += r.gap) }));
      const tEnv = await bids(rows);
      const got = materialize(await (await tEnv.executeSql(Q5)).collect());
      assert.deepEqual(sorted(got), sorted(q5Oracle(rows).map(({ maxn, ...r }) => r)));
    }),
    { numRuns: 15 },
  );
});

test("a window aggregation whose columns the first one lacks, or that the first filters with HAVING, is its own", async () => {
  const tEnv = await bids([
    { auction: 1, ts: 1000 },
    { auction: 1, ts: 1500 },
    { auction: 2, ts: 2500 },
  ]);
  const counts = (select: string, having = "") =>
    `SELECT ${select} FROM ${HOP} GROUP BY auction, window_start, window_end ${having}`;
  // The second needs SUM(auction), which the first does not compute.
  const extra = `SELECT a.auction, b.total FROM (${counts("auction, COUNT(*) AS n, window_start AS ws, window_end AS we")}) a
    JOIN (${counts("auction, SUM(auction) AS total, window_start AS ws, window_end AS we")}) b
    ON a.auction = b.auction AND a.ws = b.ws AND a.we = b.we`;
  // The first keeps only the groups with two bids: the second needs every group.
  const filtered = `SELECT a.auction, b.n FROM (${counts("auction, COUNT(*) AS n, window_start AS ws, window_end AS we", "HAVING COUNT(*) > 1")}) a
    JOIN (${counts("auction, COUNT(*) AS n, window_start AS ws, window_end AS we")}) b
    ON a.auction = b.auction AND a.ws = b.ws AND a.we = b.we`;
  for (const q of [extra, filtered]) {
    const plan = await physical(tEnv, q);
    assert.equal(count(plan, "SlidingEventTimeWindows") + count(plan, "WindowAggregate("), 2, plan);
  }
  const rows = materialize(await (await tEnv.executeSql(filtered)).collect());
  // auction 1 has its two bids in the windows starting -8 s, -6 s, -4 s, -2 s and 0 s.
  assert.deepEqual(sorted(rows), sorted(Array.from({ length: 5 }, () => ({ auction: 1, n: 2 }))));
});

/** An environment with bounded log table `t (k, v)` holding `rows`. */
async function kv(rows: readonly { k: number; v: number }[]) {
  const dir = logWithRows("t", rows);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeSql(
    `CREATE TABLE t (k INT, v INT) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`,
  );
  return tEnv;
}
const KV = Array.from({ length: 12 }, (_, i) => ({ k: (i % 3) + 1, v: i }));

test("two identical derived tables are planned once", async () => {
  const tEnv = await kv(KV);
  const c = "SELECT k, COUNT(*) AS n, SUM(v) AS s FROM t GROUP BY k";
  const join = `SELECT a.k, a.n, b.s FROM (${c}) a JOIN (${c}) b ON a.k = b.k`;
  const plan = await physical(tEnv, join);
  assert.equal(count(plan, "GroupAggregate("), 1, plan);
  assert.match(plan, /Reused\(reference_id=\[\d\]\)/);
  const expected = [1, 2, 3].map((k) => {
    const mine = KV.filter((r) => r.k === k);
    return { k, n: mine.length, s: mine.reduce((a, r) => a + r.v, 0) };
  });
  assert.deepEqual(sorted(materialize(await (await tEnv.executeSql(join)).collect())), sorted(expected));
});

test("identical correlated subqueries are not shared: each outer row gets its own count", async () => {
  const tEnv = await kv(KV);
  const sub = "(SELECT COUNT(*) FROM t i WHERE i.k = o.k AND i.v < 6)";
  const q = `SELECT o.v, ${sub} AS a, ${sub} AS b FROM t o WHERE o.v >= 9`;
  const rows = materialize(await (await tEnv.executeSql(q)).collect());
  // k of v = 9, 10, 11 is 1, 2, 3; each k has two values below 6.
  assert.deepEqual(sorted(rows), sorted([9, 10, 11].map((v) => ({ v, a: 2, b: 2 }))));
});
