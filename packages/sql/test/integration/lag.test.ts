// LAG(value [, offset [, default]]) OVER (...) end to end: Flink's OverAggregateITCase
// testLagFunction (its input, its expected rows), ROWS frames and NULL values, a property against a
// brute-force evaluation on random out-of-order input, and the refusals with Flink's messages
// (LEAD in streaming mode, LAG over a bounded frame) and argument errors naming line and column.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type DeadLetter, FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
/** Epoch milliseconds as a TIMESTAMP(3) text. */
const at = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace("Z", "");

async function table(
  rows: Record<string, unknown>[],
  options: Parameters<typeof StreamExecutionEnvironment.create>[0] = {},
) {
  const dir = logWithRows("t1", rows);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {}, ...options }), {
    connectors: logConnectors,
  });
  await tEnv.executeSql(`CREATE TABLE T1 (a INT, b BIGINT, c STRING, rowtime TIMESTAMP(3),
    WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't1', 'bounded' = 'true')`);
  return tEnv;
}

test("Flink's testLagFunction: LAG(b), LAG(b, 2), LAG(b, 2, 10086); rows of one time share their value", async () => {
  const tEnv = await table([
    { a: 1, b: 1, c: "Hi", rowtime: at(14000001) },
    { a: 1, b: 2, c: "Hi", rowtime: at(14000005) },
    { a: 1, b: 3, c: "Hello", rowtime: at(14000002) },
    { a: 1, b: 4, c: "Hello", rowtime: at(14000003) },
    { a: 1, b: 5, c: "Hello", rowtime: at(14000003) },
    { a: 1, b: 6, c: "Hello world", rowtime: at(14000021) },
    { a: 1, b: 7, c: "Hello world", rowtime: at(14000022) },
  ]);
  const rows = await (
    await tEnv.executeSql(`SELECT a, b, c,
      LAG(b) OVER(PARTITION BY a ORDER BY rowtime) AS l1,
      LAG(b, 2) OVER(PARTITION BY a ORDER BY rowtime) AS l2,
      LAG(b, 2, CAST(10086 AS BIGINT)) OVER(PARTITION BY a ORDER BY rowtime) AS l3
    FROM T1`)
  ).collect();
  // Flink's expected rows, "a,b,c,l1,l2,l3".
  const expected = [
    "1,1,Hi,null,null,10086",
    "1,3,Hello,1,null,10086",
    "1,4,Hello,4,3,3",
    "1,5,Hello,4,3,3",
    "1,2,Hi,5,4,4",
    "1,6,Hello world,2,5,5",
    "1,7,Hello world,6,2,2",
  ];
  assert.deepEqual(
    rows.map((r) => [r.a, r.b, r.c, r.l1, r.l2, r.l3].map(String).join(",")).sort(),
    expected.sort(),
  );
});

test("ROWS UNBOUNDED PRECEDING: one row at a time (ties too); NULL values count; offset 0 is the row itself", async () => {
  const tEnv = await table([
    { a: 1, b: 10, c: "x", rowtime: at(1000) },
    { a: 1, b: null, c: "y", rowtime: at(2000) },
    { a: 1, b: 30, c: "z", rowtime: at(2000) },
    { a: 2, b: 40, c: "w", rowtime: at(2500) },
    { a: 1, b: 50, c: "v", rowtime: at(3000) },
  ]);
  const w = "(PARTITION BY a ORDER BY rowtime ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)";
  const rows = await (
    await tEnv.executeSql(`SELECT c, LAG(c) OVER ${w} AS prev, LAG(b) OVER ${w} AS prev_b,
      LAG(b, 0) OVER ${w} AS same, LAG(c, 1, 'none') OVER ${w} AS prev_or_none FROM T1`)
  ).collect();
  assert.deepEqual(
    sortRows(rows),
    sortRows([
      { c: "x", prev: null, prev_b: null, same: 10, prev_or_none: "none" },
      { c: "y", prev: "x", prev_b: 10, same: null, prev_or_none: "x" },
      { c: "z", prev: "y", prev_b: null, same: 30, prev_or_none: "y" },
      { c: "w", prev: null, prev_b: null, same: 40, prev_or_none: "none" },
      { c: "v", prev: "z", prev_b: 30, same: 50, prev_or_none: "z" },
    ]),
  );
});

test("property: LAG(b, n) over ROWS equals the value n rows back in (time, arrival) order per partition", async () => {
  const event = fc.record({
    a: fc.constantFrom(1, 2),
    gap: fc.nat(3),
    b: fc.option(fc.integer({ min: 0, max: 99 }), { nil: null }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(event, { maxLength: 25 }), fc.nat(3), async (events, n) => {
      // Times rise (gaps of 0 give ties, kept in arrival order), so that no row is late.
      let t = 10_000;
      const rows = events.map((e, i) => {
        t += e.gap * 100;
        return { a: e.a, b: e.b, c: `r${i}`, rowtime: at(t) };
      });
      const tEnv = await table(rows);
      const got = await (
        await tEnv.executeSql(`SELECT c, LAG(b, ${n}, CAST(-1 AS BIGINT)) OVER (PARTITION BY a ORDER BY rowtime
          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS l FROM T1`)
      ).collect();
      const want = rows.map((r) => {
        const same = rows.filter((x) => x.a === r.a);
        const i = same.indexOf(r);
        return { c: r.c, l: i - n >= 0 ? (same[i - n] as { b: number | null }).b : -1 };
      });
      assert.deepEqual(sortRows(got), sortRows(want));
    }),
    { numRuns: 25 },
  );
});

test("a negative offset read from a row fails the row with Flink's message", async () => {
  const letters: DeadLetter[] = [];
  const tEnv = await table(
    [
      { a: 1, b: 1, c: "x", rowtime: at(1000) },
      { a: -1, b: 2, c: "y", rowtime: at(2000) },
      { a: 1, b: 3, c: "z", rowtime: at(3000) },
    ],
    { errorPolicy: { deadLetter: (l) => void letters.push(l) } },
  );
  const rows = await (
    await tEnv.executeSql("SELECT c, LAG(b, a) OVER (ORDER BY rowtime) AS l FROM T1")
  ).collect();
  assert.deepEqual(rows, [
    { c: "x", l: null },
    { c: "z", l: 1 },
  ]);
  assert.deepEqual(
    letters.map((l) => l.error),
    ["Offset(-1) should be positive."],
  );
});

test("refusals with Flink's messages, argument errors naming line and column", async () => {
  const tEnv = await table([]);
  const cases: [string, string, RegExp][] = [
    [
      "SELECT LEAD(b) OVER (ORDER BY rowtime) FROM T1",
      "FLEUVE_SQL_UNSUPPORTED",
      /LEAD\(\.\.\.\) OVER \(\.\.\.\) yet \(line 1, column 8\): LEAD Function is not supported in stream mode\./,
    ],
    [
      "SELECT a,\n  LAG(b) OVER (ORDER BY rowtime ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM T1",
      "FLEUVE_SQL_UNSUPPORTED",
      /\(line 2, column 3\): LAG Function with retraction is not supported in stream mode\./,
    ],
    [
      "SELECT LAG(b) OVER (ORDER BY rowtime RANGE BETWEEN INTERVAL '1' SECOND PRECEDING AND CURRENT ROW) FROM T1",
      "FLEUVE_SQL_UNSUPPORTED",
      /LAG Function with retraction is not supported in stream mode\./,
    ],
    [
      "SELECT LAG() OVER (ORDER BY rowtime) FROM T1",
      "FLEUVE_SQL_VALIDATION",
      /LAG takes 1 to 3 arguments, got 0 \(line 1, column 8\)/,
    ],
    [
      "SELECT LAG(b, 1, 2, 3) OVER (ORDER BY rowtime) FROM T1",
      "FLEUVE_SQL_VALIDATION",
      /LAG takes 1 to 3 arguments, got 4/,
    ],
    [
      "SELECT LAG(b, 'x') OVER (ORDER BY rowtime) FROM T1",
      "FLEUVE_SQL_VALIDATION",
      /LAG's offset must be an integer, got CHAR/,
    ],
    [
      "SELECT LAG(b, -1) OVER (ORDER BY rowtime) FROM T1",
      "FLEUVE_SQL_VALIDATION",
      /Offset\(-1\) should be positive\./,
    ],
    [
      "SELECT LAG(b, 1, 10086) OVER (ORDER BY rowtime) FROM T1",
      "FLEUVE_SQL_VALIDATION",
      /LAG's default value has type INT, its value BIGINT: Please explicitly cast default value to BIGINT\. \(line 1, column 8\)/,
    ],
    [
      "SELECT LAG(b) FILTER (WHERE a > 1) OVER (ORDER BY rowtime) FROM T1",
      "FLEUVE_SQL_VALIDATION",
      /FILTER is not valid with LAG/,
    ],
    [
      "SELECT LAG(b) OVER (ORDER BY b) FROM T1",
      "FLEUVE_SQL_UNSUPPORTED",
      /OVER windows not ordered by the event-time attribute/,
    ],
    ["SELECT LAG(b) FROM T1", "FLEUVE_SQL_UNSUPPORTED", /function LAG/],
  ];
  for (const [q, code, message] of cases) {
    await assert.rejects(
      tEnv.executeSql(q),
      (e: unknown) => {
        assert.ok(e instanceof FleuveError, `${q}: ${String(e)}`);
        assert.equal(e.code, code, q);
        assert.match(e.message, message, q);
        return true;
      },
      q,
    );
  }
});
