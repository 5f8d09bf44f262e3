// The WINDOW clause: `OVER w` and `OVER (w frame)` name a window of `WINDOW w AS (...)`, as in
// Flink (Calcite expands them). The rows equal the same query with the window written in each
// OVER, and are written out; unknown and conflicting windows are refused naming them.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { materialize, type Row, sql } from "@fleuve/sql";

const TICKS = join(mkdtempSync(join(tmpdir(), "sql-named-windows-")), "ticks.csv");
writeFileSync(
  TICKS,
  [
    "ACME,2024-01-01 10:00:00,12",
    "ACME,2024-01-01 10:00:01,17",
    "BETA,2024-01-01 10:00:01,5",
    "ACME,2024-01-01 10:00:02,13",
    "BETA,2024-01-01 10:00:03,4",
    "ACME,2024-01-01 10:00:03,11",
  ].join("\n"),
);

async function rows(query: string): Promise<Row[]> {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql(`CREATE TABLE ticker (symbol STRING, rowtime TIMESTAMP(3), price INT,
    WATERMARK FOR rowtime AS rowtime) WITH ('connector' = 'filesystem', 'path' = '${TICKS}', 'format' = 'csv')`);
  // The final rows (a Top-N's changelog applied).
  const out = materialize((await (await tEnv.executeSql(query)).collect()) as Row[]);
  return [...out].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

test("OVER w and OVER (w ROWS ...) run as the window written in each OVER", async () => {
  // One SELECT computes one window (as in Flink): w here, its refinement in a second query.
  const named = await rows(`SELECT symbol, price, SUM(price) OVER w AS s, MIN(price) OVER w AS mn
    FROM ticker
    WINDOW v AS (PARTITION BY symbol ORDER BY rowtime),
      w AS (v ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)`);
  const inline = await rows(`SELECT symbol, price,
      SUM(price) OVER (PARTITION BY symbol ORDER BY rowtime ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s,
      MIN(price) OVER (PARTITION BY symbol ORDER BY rowtime ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS mn
    FROM ticker`);
  assert.deepEqual(named, inline);
  assert.deepEqual(named, [
    { symbol: "ACME", price: 11, s: 41, mn: 11 },
    { symbol: "ACME", price: 12, s: 12, mn: 12 },
    { symbol: "ACME", price: 13, s: 42, mn: 12 },
    { symbol: "ACME", price: 17, s: 29, mn: 12 },
    { symbol: "BETA", price: 4, s: 9, mn: 4 },
    { symbol: "BETA", price: 5, s: 5, mn: 5 },
  ]);
  assert.deepEqual(
    await rows(`SELECT symbol, price, COUNT(*) OVER (v ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS c
      FROM ticker WINDOW v AS (PARTITION BY symbol ORDER BY rowtime)`),
    [
      { symbol: "ACME", price: 11, c: 2 },
      { symbol: "ACME", price: 12, c: 1 },
      { symbol: "ACME", price: 13, c: 2 },
      { symbol: "ACME", price: 17, c: 2 },
      { symbol: "BETA", price: 4, c: 2 },
      { symbol: "BETA", price: 5, c: 1 },
    ],
  );
});

test("ROW_NUMBER() OVER w is a Top-N", async () => {
  assert.deepEqual(
    await rows(`SELECT symbol, price FROM (
      SELECT symbol, price, ROW_NUMBER() OVER w AS rn FROM ticker
      WINDOW w AS (PARTITION BY symbol ORDER BY price DESC)) WHERE rn <= 1`),
    [
      { symbol: "ACME", price: 17 },
      { symbol: "BETA", price: 5 },
    ],
  );
});

test("an unknown window, a second PARTITION BY and a second ORDER BY are refused naming the window", async () => {
  const refused = async (query: string, message: RegExp) =>
    assert.rejects(rows(query), (e: unknown) => {
      assert.ok(e instanceof FleuveError, String(e));
      assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
      assert.match(e.message, message);
      return true;
    });
  await refused(
    "SELECT SUM(price) OVER v FROM ticker WINDOW w AS (PARTITION BY symbol ORDER BY rowtime)",
    /unknown window v: the WINDOW clause defines w \(line 1, column 8\)/,
  );
  await refused("SELECT SUM(price) OVER v FROM ticker", /unknown window v: the query has no WINDOW clause/);
  await refused(
    "SELECT SUM(price) OVER (w PARTITION BY price) FROM ticker WINDOW w AS (PARTITION BY symbol ORDER BY rowtime)",
    /a window refining w cannot set PARTITION BY/,
  );
  await refused(
    "SELECT SUM(price) OVER (w ORDER BY price) FROM ticker WINDOW w AS (PARTITION BY symbol ORDER BY rowtime)",
    /window w has an ORDER BY already/,
  );
});
