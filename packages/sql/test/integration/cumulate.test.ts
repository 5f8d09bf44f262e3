// CUMULATE windows: window-tvf.md's example (the TVF's rows and the aggregation over them, with
// Flink's documented results), and on random out-of-order input, window aggregation over
// CUMULATE equals a brute-force evaluation of the same SQL over the whole input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { isInsertOnly, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const sortRows = (rows: readonly Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

// window-tvf.md's Bid table.
const BIDS = [
  ["08:05", 4, "C"],
  ["08:07", 2, "A"],
  ["08:09", 5, "D"],
  ["08:11", 3, "B"],
  ["08:13", 1, "E"],
  ["08:17", 6, "F"],
].map(([t, price, item]) => ({ bidtime: `2020-04-15 ${t}:00`, price, item }));

async function bidEnv() {
  const dir = logWithRows("bid", BIDS);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeSql(`CREATE TABLE Bid (bidtime TIMESTAMP(3), price DECIMAL(10, 2), item STRING,
    WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND)
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'bid', 'bounded' = 'true')`);
  return tEnv;
}

test("window-tvf.md: CUMULATE(TABLE Bid, DESCRIPTOR(bidtime), 2 min, 10 min) gives each row its cumulative windows", async () => {
  const tEnv = await bidEnv();
  const rows = await (
    await tEnv.executeSql(`SELECT item, CAST(window_start AS STRING) AS ws, CAST(window_end AS STRING) AS we,
      CAST(window_time AS STRING) AS wt FROM TABLE(
      CUMULATE(
        DATA => TABLE Bid,
        TIMECOL => DESCRIPTOR(bidtime),
        STEP => INTERVAL '2' MINUTES,
        SIZE => INTERVAL '10' MINUTES))`)
  ).collect();
  const w = (item: string, s: string, e: string, t: string) => ({
    item,
    ws: `2020-04-15 ${s}:00.000`,
    we: `2020-04-15 ${e}:00.000`,
    wt: `2020-04-15 ${t}`,
  });
  assert.deepEqual(rows, [
    w("C", "08:00", "08:06", "08:05:59.999"),
    w("C", "08:00", "08:08", "08:07:59.999"),
    w("C", "08:00", "08:10", "08:09:59.999"),
    w("A", "08:00", "08:08", "08:07:59.999"),
    w("A", "08:00", "08:10", "08:09:59.999"),
    w("D", "08:00", "08:10", "08:09:59.999"),
    w("B", "08:10", "08:12", "08:11:59.999"),
    w("B", "08:10", "08:14", "08:13:59.999"),
    w("B", "08:10", "08:16", "08:15:59.999"),
    w("B", "08:10", "08:18", "08:17:59.999"),
    w("B", "08:10", "08:20", "08:19:59.999"),
    w("E", "08:10", "08:14", "08:13:59.999"),
    w("E", "08:10", "08:16", "08:15:59.999"),
    w("E", "08:10", "08:18", "08:17:59.999"),
    w("E", "08:10", "08:20", "08:19:59.999"),
    w("F", "08:10", "08:18", "08:17:59.999"),
    w("F", "08:10", "08:20", "08:19:59.999"),
  ]);
});

test("window-tvf.md: SUM(price) over CUMULATE windows of 2 minutes up to 10", async () => {
  const tEnv = await bidEnv();
  const result = await tEnv.executeSql(`SELECT CAST(window_start AS STRING) AS window_start,
      CAST(window_end AS STRING) AS window_end, SUM(price) AS price
    FROM TABLE(
      CUMULATE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '2' MINUTES, INTERVAL '10' MINUTES))
    GROUP BY window_start, window_end`);
  assert.ok(isInsertOnly(result.changelogMode ?? { kinds: [] }));
  const r = (s: string, e: string, price: number) => ({
    window_start: `2020-04-15 ${s}:00.000`,
    window_end: `2020-04-15 ${e}:00.000`,
    price,
  });
  assert.deepEqual(await result.collect(), [
    r("08:00", "08:06", 4),
    r("08:00", "08:08", 6),
    r("08:00", "08:10", 11),
    r("08:10", "08:12", 3),
    r("08:10", "08:14", 4),
    r("08:10", "08:16", 4),
    r("08:10", "08:18", 10),
    r("08:10", "08:20", 10),
  ]);
});

test("CUMULATE refuses a size that is not a multiple of the step", async () => {
  const tEnv = await bidEnv();
  await assert.rejects(
    tEnv.executeSql(`SELECT window_start, COUNT(*) FROM TABLE(
      CUMULATE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '3' MINUTES, INTERVAL '10' MINUTES)) GROUP BY window_start, window_end`),
    (e: Error & { code?: string }) =>
      e.code === "FLEUVE_SQL_VALIDATION" && /multiple of the step/.test(e.message),
  );
});

test("random window aggregations over CUMULATE (with offsets) equal a brute-force evaluation", async () => {
  const DELAY = 30;
  const event = fc.record({
    k: fc.constantFrom("a", "b"),
    gap: fc.nat(25),
    jitter: fc.nat(DELAY - 1),
    v: fc.integer({ min: -9, max: 9 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(event, { minLength: 1, maxLength: 40 }),
      fc.constantFrom([10, 40], [20, 60], [25, 25]),
      fc.constantFrom(0, 5),
      fc.constantFrom(1, 2),
      async (raw, [step, size], offset, parallelism) => {
        let ts = 1000;
        const events = raw
          .map((r, i) => ({ k: r.k, ts: (ts += r.gap), v: r.v, id: i, order: ts - r.jitter }))
          .sort((x, y) => x.order - y.order || x.id - y.id);
        const dir = logWithRows(
          "ev",
          events.map(({ k, ts, v, id }) => ({ k, ts, v, id })),
        );
        const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
        await tEnv.executeSql(`CREATE TABLE ev (k STRING, ts TIMESTAMP(3), v INT, id INT,
          WATERMARK FOR ts AS ts - INTERVAL '0.0${DELAY}' SECOND)
          WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ev', 'bounded' = 'true')`);
        const ms = (n: number) => `INTERVAL '0.${String(n).padStart(3, "0")}' SECOND`;
        const rows = await (
          await tEnv.executeSql(`SELECT window_start, window_end, k, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi
            FROM TABLE(CUMULATE(TABLE ev, DESCRIPTOR(ts), ${ms(step)}, ${ms(size)}, ${ms(offset)}))
            GROUP BY window_start, window_end, k`)
        ).collect();
        // Brute force: every cumulative window [start, start + j * step) of the aligned window
        // [start, start + size) holding ts, for each row; then the groups.
        const groups = new Map<
          string,
          { window_start: number; window_end: number; k: string; vs: number[] }
        >();
        for (const e of events) {
          const start = e.ts - ((((e.ts - offset) % size) + size) % size);
          for (let end = start + step; end <= start + size; end += step) {
            if (end <= e.ts) continue;
            const key = `${start}/${end}/${e.k}`;
            const g = groups.get(key) ?? { window_start: start, window_end: end, k: e.k, vs: [] };
            g.vs.push(e.v);
            groups.set(key, g);
          }
        }
        const expected = [...groups.values()].map((g) => ({
          window_start: g.window_start,
          window_end: g.window_end,
          k: g.k,
          n: g.vs.length,
          s: g.vs.reduce((a, b) => a + b, 0),
          hi: Math.max(...g.vs),
        }));
        assert.deepEqual(sortRows(rows), sortRows(expected));
      },
    ),
    { numRuns: 40 },
  );
});
