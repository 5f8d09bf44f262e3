// The Nexmark queries that need no join, no updating aggregation and no processing time (q0, q1,
// q2) run unchanged: their SQL text is read from bench/nexmark/sql (the scripts bench/flink's
// Queries.java reads) and run against a
// `bid` table on the embedded log, and the rows are compared with the same queries computed
// directly over the input.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const SQL_DIR = new URL("../../../../bench/nexmark/sql/", import.meta.url);

/** The SQL of query `name`: its script without '--' comment lines (these scripts are one query each). */
function nexmarkSql(name: string): string {
  return readFileSync(new URL(`${name}.sql`, SQL_DIR), "utf8")
    .split("\n")
    .filter((l) => !l.trim().startsWith("--"))
    .join("\n")
    .trim();
}

const bid = fc.record({
  auction: fc.integer({ min: 1000, max: 1400 }),
  bidder: fc.integer({ min: 1, max: 500 }),
  price: fc.integer({ min: 1, max: 100_000 }),
  channel: fc.constantFrom("Google", "Facebook", "Baidu", "Apple"),
  url: fc.constant("https://www.nexmark.com/item.htm?query=1"),
  dateTime: fc.integer({ min: 1_600_000_000_000, max: 1_600_000_100_000 }),
  extra: fc.string({ maxLength: 6 }),
});

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

test("Nexmark q0, q1 and q2 (bench/flink's SQL text) run unchanged and give the expected rows", async () => {
  assert.equal(
    nexmarkSql("q2").replace(/\s+/g, " "),
    "SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0",
  );
  await fc.assert(
    fc.asyncProperty(fc.array(bid, { minLength: 1, maxLength: 40 }), async (bids) => {
      const dir = logWithRows("bid", bids);
      const env = StreamExecutionEnvironment.create({ parallelism: 1 });
      const tEnv = sql(env, { connectors: logConnectors });
      await tEnv.executeSql(`CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING,
        dateTime TIMESTAMP(3), extra STRING,
        WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
        WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'bid', 'bounded' = 'true')`);
      const q0 = tEnv
        .sqlQuery(nexmarkSql("q0"))
        .toDataStream()
        .map((r) => ({ q: "q0", ...r }));
      const q1 = tEnv
        .sqlQuery(nexmarkSql("q1"))
        .toDataStream()
        .map((r) => ({ q: "q1", ...r }));
      const q2 = tEnv
        .sqlQuery(nexmarkSql("q2"))
        .toDataStream()
        .map((r) => ({ q: "q2", ...r }));
      const got = await env.executeAndCollect(q0.union(q1, q2));
      const expected = [
        ...bids.map((b) => ({
          q: "q0",
          auction: b.auction,
          bidder: b.bidder,
          price: b.price,
          dateTime: b.dateTime,
          extra: b.extra,
        })),
        ...bids.map((b) => ({
          q: "q1",
          auction: b.auction,
          bidder: b.bidder,
          // Flink's exact DECIMAL(23, 3): 908 * price thousandths (0.908 * 5680 in doubles is 5157.4400000000005).
          price: (908 * b.price) / 1000,
          dateTime: b.dateTime,
          extra: b.extra,
        })),
        ...bids
          .filter((b) => b.auction % 123 === 0)
          .map((b) => ({ q: "q2", auction: b.auction, price: b.price })),
      ];
      assert.deepEqual(sortRows(got), sortRows(expected));
    }),
    { numRuns: 5 },
  );
});
