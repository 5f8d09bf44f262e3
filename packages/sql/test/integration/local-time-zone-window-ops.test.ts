// Window join, window Top-N and window deduplication over windows of a TIMESTAMP_LTZ time
// attribute in a session time zone, as Flink 1.20 runs them: the windows are those a window
// aggregation assigns (cut in the zone's wall clock: a 1-day window starts at local midnight),
// window_start and window_end are wall-clock TIMESTAMPs, window_time the TIMESTAMP_LTZ instant of
// the window's last millisecond, and a window fires (rows of a fired window are late) where
// Flink's TimeWindowUtil puts it: a window ending in the spring gap when the clocks jump, one
// ending in the first pass of the repeated autumn hour after its second pass.
// Expected results are written out (Asia/Shanghai days, Europe/Paris's 2024 spring-forward and
// fall-back days, with scripted watermarks); a property compares Top-N and window joins over
// TUMBLE, HOP and CUMULATE windows in random zones with a brute-force assignment from Intl's
// offsets.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { ScriptedSource, type ScriptStep } from "@fleuve/core/testing";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { bruteInstant, bruteOffset, firstTransition, ZONES } from "../fixtures/zone-offsets.js";

const sortRows = (rows: Row[]) =>
  rows.map((r) => ({ ...r })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

interface Ev {
  k: string;
  v: number;
  ts: number;
}

const utc = (iso: string) => Date.parse(`${iso}Z`);
const ev = (k: string, v: number, iso: string): ScriptStep<Ev> => ({
  value: { k, v, ts: utc(iso) },
  timestamp: utc(iso),
});
const watermark = (iso: string): ScriptStep<Ev> => ({ watermark: utc(iso) });

/**
 * Runs `query` in session zone `zone` over views `name (k STRING, v INT, ts TIMESTAMP_LTZ(3))`
 * whose rows and watermarks are exactly the steps given (ts is the event-time attribute).
 */
async function run(zone: string, inputs: Record<string, ScriptStep<Ev>[]>, query: string): Promise<Row[]> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  const tEnv = sql(env);
  for (const [name, steps] of Object.entries(inputs)) {
    tEnv.createTemporaryView(
      name,
      env.fromSource(new ScriptedSource(steps), undefined, name).setParallelism(1),
      "k STRING, v INT, ts TIMESTAMP_LTZ(3), WATERMARK FOR ts AS SOURCE_WATERMARK()",
    );
  }
  await tEnv.executeSql(`SET 'table.local-time-zone' = '${zone}'`);
  return sortRows(await (await tEnv.executeSql(query)).collect());
}

// ---------------------------------------------------------------------------------------------
// Asia/Shanghai (UTC+8): local days start at 16:00 UTC the day before.

const SHANGHAI = [
  ev("a", 5, "2021-04-15T15:00:00"), // 23:00 on the 15th in Shanghai
  ev("b", 7, "2021-04-15T15:59:59.999"), // 23:59:59.999 on the 15th
  ev("a", 1, "2021-04-15T16:00:00"), // 00:00 on the 16th (still the 15th in UTC)
  ev("b", 9, "2021-04-16T01:00:00"), // 09:00 on the 16th
  ev("a", 3, "2021-04-15T02:00:00"), // 10:00 on the 15th, out of order
];
const DAY15 = { ws: "2021-04-15 00:00:00.000", we: "2021-04-16 00:00:00.000" };
const DAY16 = { ws: "2021-04-16 00:00:00.000", we: "2021-04-17 00:00:00.000" };
const WT15 = utc("2021-04-15T15:59:59.999");
const WT16 = utc("2021-04-16T15:59:59.999");

test("Asia/Shanghai: window Top-N of 1-day TUMBLE rows ranks each Shanghai day (window_time a TIMESTAMP_LTZ)", async () => {
  const got = await run(
    "Asia/Shanghai",
    { ev: SHANGHAI },
    `SELECT k, v, CAST(window_start AS STRING) AS ws, CAST(window_end AS STRING) AS we,
       CAST(window_time AS STRING) AS wt_text, window_time AS wt, rn
     FROM (
       SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY v DESC) AS rn
       FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' DAY))
     ) WHERE rn <= 2`,
  );
  const t15 = { ...DAY15, wt_text: "2021-04-15 23:59:59.999", wt: WT15 };
  const t16 = { ...DAY16, wt_text: "2021-04-16 23:59:59.999", wt: WT16 };
  assert.deepEqual(
    got,
    sortRows([
      { k: "b", v: 7, ...t15, rn: 1 },
      { k: "a", v: 5, ...t15, rn: 2 },
      // 16:00 UTC on the 15th is Shanghai's 16th: ranked with the 16th's row, not the 15th's three.
      { k: "b", v: 9, ...t16, rn: 1 },
      { k: "a", v: 1, ...t16, rn: 2 },
    ]),
  );
});

test("Asia/Shanghai: window Top-N and a cascading window aggregation after a window aggregation of Shanghai days", async () => {
  const got = await run(
    "Asia/Shanghai",
    { ev: SHANGHAI },
    `SELECT CAST(window_start AS STRING) AS ws, k, s, window_time AS wt FROM (
       SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY s DESC) AS rn FROM (
         SELECT window_start, window_end, window_time, k, SUM(v) AS s
         FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' DAY))
         GROUP BY window_start, window_end, window_time, k)
     ) WHERE rn <= 1`,
  );
  // The 15th: a 5 + 3, b 7; the 16th: a 1, b 9.
  assert.deepEqual(
    got,
    sortRows([
      { ws: DAY15.ws, k: "a", s: 8, wt: WT15 },
      { ws: DAY16.ws, k: "b", s: 9, wt: WT16 },
    ]),
  );
  // A window aggregation of its windows (cascading) is one row per Shanghai day too.
  const cascaded = await run(
    "Asia/Shanghai",
    { ev: SHANGHAI },
    `SELECT CAST(window_start AS STRING) AS ws, SUM(s) AS total, COUNT(*) AS keys FROM (
       SELECT window_start, window_end, k, SUM(v) AS s
       FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' DAY))
       GROUP BY window_start, window_end, k)
     GROUP BY window_start, window_end`,
  );
  assert.deepEqual(
    cascaded,
    sortRows([
      { ws: DAY15.ws, total: 15, keys: 2 },
      { ws: DAY16.ws, total: 10, keys: 2 },
    ]),
  );
});

test("Asia/Shanghai: window deduplication keeps the first or last row per key of each Shanghai day", async () => {
  const dedup = (direction: string) =>
    run(
      "Asia/Shanghai",
      { ev: SHANGHAI },
      `SELECT k, v, CAST(window_start AS STRING) AS ws FROM (
         SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, k ORDER BY ts ${direction}) AS rn
         FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' DAY))
       ) WHERE rn = 1`,
    );
  assert.deepEqual(
    await dedup("ASC"),
    sortRows([
      { k: "a", v: 3, ws: DAY15.ws },
      { k: "b", v: 7, ws: DAY15.ws },
      { k: "a", v: 1, ws: DAY16.ws },
      { k: "b", v: 9, ws: DAY16.ws },
    ]),
  );
  assert.deepEqual(
    await dedup("DESC"),
    sortRows([
      { k: "a", v: 5, ws: DAY15.ws },
      { k: "b", v: 7, ws: DAY15.ws },
      { k: "a", v: 1, ws: DAY16.ws },
      { k: "b", v: 9, ws: DAY16.ws },
    ]),
  );
});

test("Asia/Shanghai: a FULL window join pairs rows of the same Shanghai day", async () => {
  const got = await run(
    "Asia/Shanghai",
    {
      l: [ev("a", 1, "2021-04-15T15:30:00"), ev("b", 2, "2021-04-15T16:30:00")],
      r: [
        ev("a", 10, "2021-04-15T16:10:00"),
        ev("b", 20, "2021-04-15T23:00:00"),
        ev("a", 30, "2021-04-15T01:00:00"),
      ],
    },
    `SELECT L.k AS lk, L.v AS lv, R.k AS rk, R.v AS rv,
       CAST(COALESCE(L.window_start, R.window_start) AS STRING) AS ws,
       COALESCE(L.window_time, R.window_time) AS wt
     FROM (SELECT * FROM TABLE(TUMBLE(TABLE l, DESCRIPTOR(ts), INTERVAL '1' DAY))) L
     FULL JOIN (SELECT * FROM TABLE(TUMBLE(TABLE r, DESCRIPTOR(ts), INTERVAL '1' DAY))) R
     ON L.k = R.k AND L.window_start = R.window_start AND L.window_end = R.window_end`,
  );
  // In UTC all five rows would be of the 15th: (a 1, a 10), (a 1, a 30), (b 2, b 20).
  assert.deepEqual(
    got,
    sortRows([
      { lk: "a", lv: 1, rk: "a", rv: 30, ws: DAY15.ws, wt: WT15 },
      { lk: "b", lv: 2, rk: "b", rv: 20, ws: DAY16.ws, wt: WT16 },
      { lk: null, lv: null, rk: "a", rv: 10, ws: DAY16.ws, wt: WT16 },
    ]),
  );
});

// ---------------------------------------------------------------------------------------------
// Europe/Paris: on 31 March 2024 clocks went from 02:00 CET to 03:00 CEST (01:00 UTC); on
// 27 October 2024 from 03:00 CEST back to 02:00 CET (01:00 UTC), 02:00-03:00 passing twice.

test("Europe/Paris spring forward: window Top-N of HOP rows; the window ending in the gap fires when the clocks jump", async () => {
  const got = await run(
    "Europe/Paris",
    {
      ev: [
        ev("a", 1, "2024-03-31T00:59:00"), // 01:59 CET: windows 01:00-02:00 and 01:30-02:30
        ev("a", 2, "2024-03-31T01:00:00"), // 03:00 CEST: windows 02:30-03:30 and 03:00-04:00
        watermark("2024-03-31T01:00:00"),
        // 01:40 CET: its windows have fired. 01:30-02:30 ends in the gap, so it fired at the jump
        // (01:00 UTC), though its window_time is 03:29:59.999 CEST (01:29:59.999 UTC).
        ev("a", 3, "2024-03-31T00:40:00"),
        ev("a", 4, "2024-03-31T01:20:00"), // 03:20 CEST: in time for 02:30-03:30 and 03:00-04:00
      ],
    },
    `SELECT v, CAST(window_start AS STRING) AS ws, CAST(window_end AS STRING) AS we, window_time AS wt
     FROM (
       SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY v DESC) AS rn
       FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '30' MINUTE, INTERVAL '1' HOUR))
     ) WHERE rn = 1`,
  );
  const w = (from: string, to: string) => ({
    ws: `2024-03-31 ${from}:00.000`,
    we: `2024-03-31 ${to}:00.000`,
  });
  assert.deepEqual(
    got,
    sortRows([
      { v: 1, ...w("01:00", "02:00"), wt: utc("2024-03-31T00:59:59.999") },
      { v: 1, ...w("01:30", "02:30"), wt: utc("2024-03-31T01:29:59.999") },
      { v: 4, ...w("02:30", "03:30"), wt: utc("2024-03-31T01:29:59.999") },
      { v: 4, ...w("03:00", "04:00"), wt: utc("2024-03-31T01:59:59.999") },
    ]),
  );
});

test("Europe/Paris fall back: a window join of the repeated 02:00-03:00 hour waits for its second pass", async () => {
  const got = await run(
    "Europe/Paris",
    {
      ev: [
        ev("l", 1, "2024-10-27T00:30:00"), // 02:30 CEST, the first pass
        watermark("2024-10-27T01:10:00"), // past the window's window_time, not its firing
        ev("r", 10, "2024-10-27T01:30:00"), // 02:30 CET, the second pass: the same window
        ev("l", 5, "2024-10-27T01:05:00"), // 02:05 CET
      ],
    },
    `SELECT L.v AS lv, R.v AS rv, CAST(L.window_start AS STRING) AS ws, CAST(L.window_end AS STRING) AS we,
       L.window_time AS wt
     FROM (SELECT * FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' HOUR)) WHERE k = 'l') L
     JOIN (SELECT * FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' HOUR)) WHERE k = 'r') R
     ON L.window_start = R.window_start AND L.window_end = R.window_end`,
  );
  // window_time is the first pass of 02:59:59.999 (as Java's atZone reads it).
  const w = {
    ws: "2024-10-27 02:00:00.000",
    we: "2024-10-27 03:00:00.000",
    wt: utc("2024-10-27T00:59:59.999"),
  };
  assert.deepEqual(
    got,
    sortRows([
      { lv: 1, rv: 10, ...w },
      { lv: 5, rv: 10, ...w },
    ]),
  );
});

test("Europe/Paris fall back: window deduplication of the repeated 02:00-03:00 hour fires after its second pass, then drops late rows", async () => {
  const dedup = (direction: string) =>
    run(
      "Europe/Paris",
      {
        ev: [
          ev("a", 1, "2024-10-27T00:30:00"), // 02:30 CEST, the first pass
          watermark("2024-10-27T01:10:00"), // past the window's window_time, not its firing
          ev("a", 2, "2024-10-27T01:30:00"), // 02:30 CET, the second pass: the same window
          watermark("2024-10-27T02:00:00"), // the window has fired (at 01:59:59.999 UTC)
          ev("a", 3, "2024-10-27T00:10:00"), // 02:10 CEST: late, though the earliest
        ],
      },
      `SELECT k, v, CAST(window_start AS STRING) AS ws, window_time AS wt FROM (
         SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, k ORDER BY ts ${direction}) AS rn
         FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' HOUR))
       ) WHERE rn = 1`,
    );
  const w = { ws: "2024-10-27 02:00:00.000", wt: utc("2024-10-27T00:59:59.999") };
  assert.deepEqual(await dedup("ASC"), [{ k: "a", v: 1, ...w }]);
  assert.deepEqual(await dedup("DESC"), [{ k: "a", v: 2, ...w }]);
});

// ---------------------------------------------------------------------------------------------
// Property: window Top-N and window joins in a random zone over random out-of-order rows (no
// watermark before the end: none late), against windows assigned from Intl's offsets.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
interface Shape {
  readonly sql: string;
  /** The windows `[start, end)` of wall-clock time `local`. */
  readonly windows: (local: number) => [number, number][];
}
const tumble = (text: string, size: number): Shape => ({
  sql: `TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL ${text})`,
  windows: (t) => [[Math.floor(t / size) * size, Math.floor(t / size) * size + size]],
});
const hop = (slideText: string, slide: number, sizeText: string, size: number): Shape => ({
  sql: `HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL ${slideText}, INTERVAL ${sizeText})`,
  windows: (t) => {
    const out: [number, number][] = [];
    for (let s = Math.floor(t / slide) * slide; s > t - size; s -= slide) out.push([s, s + size]);
    return out;
  },
});
const cumulate = (stepText: string, step: number, sizeText: string, size: number): Shape => ({
  sql: `CUMULATE(TABLE ev, DESCRIPTOR(ts), INTERVAL ${stepText}, INTERVAL ${sizeText})`,
  windows: (t) => {
    const start = Math.floor(t / size) * size;
    const out: [number, number][] = [];
    for (let e = start + step; e <= start + size; e += step) if (e > t) out.push([start, e]);
    return out;
  },
});
const SHAPES: Shape[] = [
  tumble("'1' HOUR", HOUR),
  tumble("'1' DAY", DAY),
  hop("'30' MINUTE", HOUR / 2, "'2' HOUR", 2 * HOUR),
  hop("'12' HOUR", 12 * HOUR, "'1' DAY", DAY),
  cumulate("'6' HOUR", 6 * HOUR, "'1' DAY", DAY),
];

test("property: window Top-N and window joins in a random zone over random rows match a brute-force assignment", async () => {
  let overDst = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        zone: fc.constantFrom(...ZONES),
        year: fc.integer({ min: 2000, max: 2030 }),
        pick: fc.nat(),
        shape: fc.constantFrom(...SHAPES),
        // Rows within a day and a half of a transition (when the year has one), in any order.
        rows: fc.array(
          fc.record({
            left: fc.boolean(),
            delta: fc.integer({ min: -36 * HOUR, max: 36 * HOUR }),
          }),
          { minLength: 1, maxLength: 20 },
        ),
      }),
      async ({ zone, year, pick, shape, rows }) => {
        const around = firstTransition(zone, year, pick) ?? Date.UTC(year, 5, 1);
        const evs: Ev[] = rows.map((r, i) => ({ k: r.left ? "a" : "b", v: i + 1, ts: around + r.delta }));
        // Each window's rows, by window start and end.
        const byWindow = new Map<string, { ws: number; we: number; rows: Ev[] }>();
        for (const e of evs) {
          for (const [ws, we] of shape.windows(e.ts + bruteOffset(zone, e.ts))) {
            const w = byWindow.get(`${ws}:${we}`) ?? { ws, we, rows: [] };
            w.rows.push(e);
            byWindow.set(`${ws}:${we}`, w);
          }
        }
        const topN: Row[] = [];
        const joined: Row[] = [];
        for (const { ws, we, rows: inWindow } of byWindow.values()) {
          const wt = bruteInstant(zone, we - 1);
          [...inWindow]
            .sort((a, b) => b.v - a.v)
            .slice(0, 2)
            .forEach((e, i) => {
              topN.push({ v: e.v, ws, we, wt, rn: i + 1 });
            });
          for (const l of inWindow.filter((e) => e.k === "a"))
            for (const r of inWindow.filter((e) => e.k === "b")) joined.push({ lv: l.v, rv: r.v, ws, wt });
        }
        if (new Set(evs.map((e) => bruteOffset(zone, e.ts))).size > 1) overDst++;
        const steps = evs.map((e) => ({ value: e, timestamp: e.ts }));
        const label = `${zone} around ${new Date(around).toISOString()}: ${shape.sql}`;
        assert.deepEqual(
          await run(
            zone,
            { ev: steps },
            `SELECT v, window_start AS ws, window_end AS we, window_time AS wt, rn FROM (
               SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY v DESC) AS rn
               FROM TABLE(${shape.sql})
             ) WHERE rn <= 2`,
          ),
          sortRows(topN),
          label,
        );
        assert.deepEqual(
          await run(
            zone,
            { ev: steps },
            `SELECT L.v AS lv, R.v AS rv, L.window_start AS ws, R.window_time AS wt
             FROM (SELECT * FROM TABLE(${shape.sql}) WHERE k = 'a') L
             JOIN (SELECT * FROM TABLE(${shape.sql}) WHERE k = 'b') R
             ON L.window_start = R.window_start AND L.window_end = R.window_end`,
          ),
          sortRows(joined),
          label,
        );
      },
    ),
    { numRuns: 12 },
  );
  // Some cases crossed an offset change (6 of the 8 zones have transitions), or the property
  // proved little.
  assert.ok(overDst >= 1, `${overDst} cases crossed a transition`);
});
