// Windows over a TIMESTAMP_LTZ time attribute in a session time zone, and TIMESTAMPADD /
// TIMESTAMPDIFF of TIMESTAMP_LTZ values, as Flink 1.20 computes them. Windows are cut in the
// zone's wall-clock time (a 1-day TUMBLE starts at local midnight, and is 23 or 25 hours long on
// a daylight-saving day); window_start and window_end are those wall-clock times (TIMESTAMP);
// window_time is a TIMESTAMP_LTZ, the instant of the window's last wall-clock millisecond (read
// as Java's LocalDateTime.atZone: in a gap moved forward, in an overlap the earlier instant).
// A window fires when the watermark or the clock reaches Flink's TimeWindowUtil
// .toEpochMillsForTimer of that millisecond (checked on Flink's own test vectors, and by
// processing-time jobs on a manual clock: a window ending in the spring gap fires at the jump, the
// repeated autumn hour after its second pass).
// Expected results are written out: the Flink docs' Timezone page example (Asia/Shanghai), and
// Europe/Paris's 2024 spring-forward (31 March) and fall-back (27 October) days worked by hand.
// A property compares TUMBLE windows in random zones over random out-of-order rows with a
// brute-force assignment from Intl's offsets.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, ManualProcessingTime, StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink } from "@fleuve/core/testing";
import { connectors as logConnectors } from "@fleuve/log";
import { fireInstant, parseZone, type Row, sql, usesDaylightTime } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";
import { BatchSource, recordsIn, until } from "../fixtures/manual-clock.js";
import { bruteInstant, bruteOffset, firstTransition, ZONES } from "../fixtures/zone-offsets.js";

const sortRows = (rows: Row[]) =>
  rows.map((r) => ({ ...r })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

interface Ev {
  k: string;
  v: number;
  ts: number;
}

/**
 * Runs `query` in session zone `zone` over table `ev (k, v, ts BIGINT, ts_ltz AS
 * TO_TIMESTAMP_LTZ(ts, 3))` with a watermark `delay` behind ts_ltz (long enough here that no row
 * is late), read from a bounded log in the order given.
 */
async function run(zone: string, rows: readonly Ev[], query: string, delay = "1' DAY"): Promise<Row[]> {
  const dir = logWithRows("ev", rows as unknown as Record<string, unknown>[]);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: logConnectors,
  });
  await tEnv.executeSql(`
    CREATE TABLE ev (
      k STRING,
      v INT,
      ts BIGINT,
      ts_ltz AS TO_TIMESTAMP_LTZ(ts, 3),
      WATERMARK FOR ts_ltz AS ts_ltz - INTERVAL '${delay}
    ) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ev', 'bounded' = 'true')`);
  await tEnv.executeSql(`SET 'table.local-time-zone' = '${zone}'`);
  return sortRows(await (await tEnv.executeSql(query)).collect());
}

const utc = (iso: string) => Date.parse(`${iso}Z`);

// ---------------------------------------------------------------------------------------------
// The Flink docs' Timezone page: "Event Time Attribute on TIMESTAMP_LTZ" (MyTable3 / MyView5).

const DOCS_ROWS: Ev[] = [
  { k: "A", v: 11, ts: 1618495260000 }, // 2021-04-15 14:01:00 UTC
  { k: "B", v: 12, ts: 1618495320000 }, // 14:02
  { k: "A", v: 18, ts: 1618495380000 }, // 14:03
  { k: "B", v: 25, ts: 1618495440000 }, // 14:04
  { k: "C", v: 38, ts: 1618495500000 }, // 14:05
  { k: "C", v: 38, ts: 1618495860000 }, // 14:11
];
// The docs' prices are 1.1 ... 3.8; here tenths, as integers. Their source is a socket that never
// ends, so they show the 14:00-14:10 window only; this bounded input also closes 14:10-14:20.
// The docs' view MyView5, its timestamps cast to text outside it (as the SQL client prints them).
const DOCS_QUERY = `
  SELECT CAST(window_start AS STRING) AS window_start, CAST(window_end AS STRING) AS window_end,
    CAST(window_rowtime AS STRING) AS window_rowtime, window_rowtime AS rowtime_instant, item, max_price
  FROM (
    SELECT
      TUMBLE_START(ts_ltz, INTERVAL '10' MINUTES) AS window_start,
      TUMBLE_END(ts_ltz, INTERVAL '10' MINUTES) AS window_end,
      TUMBLE_ROWTIME(ts_ltz, INTERVAL '10' MINUTES) AS window_rowtime,
      k AS item,
      MAX(v) AS max_price
    FROM ev
    GROUP BY TUMBLE(ts_ltz, INTERVAL '10' MINUTES), k
  ) AS MyView5`;

test("Flink docs (Timezone): a TUMBLE over a TIMESTAMP_LTZ rowtime in UTC and in Asia/Shanghai", async () => {
  const row = (
    day: string,
    from: string,
    to: string,
    rowtime: string,
    instant: number,
    item: string,
    max: number,
  ) => ({
    window_start: `${day} ${from}:00.000`,
    window_end: `${day} ${to}:00.000`,
    window_rowtime: `${day} ${rowtime}`,
    rowtime_instant: instant,
    item,
    max_price: max,
  });
  const first = utc("2021-04-15T14:09:59.999");
  const second = utc("2021-04-15T14:19:59.999");
  assert.deepEqual(
    await run("UTC", DOCS_ROWS, DOCS_QUERY, "10' SECOND"),
    sortRows([
      row("2021-04-15", "14:00", "14:10", "14:09:59.999", first, "A", 18),
      row("2021-04-15", "14:00", "14:10", "14:09:59.999", first, "B", 25),
      row("2021-04-15", "14:00", "14:10", "14:09:59.999", first, "C", 38),
      row("2021-04-15", "14:10", "14:20", "14:19:59.999", second, "C", 38),
    ]),
  );
  // "Returns the different window start, window end and window rowtime compared to calculation
  // in UTC timezone": the same instants, shown in Shanghai's wall clock.
  assert.deepEqual(
    await run("Asia/Shanghai", DOCS_ROWS, DOCS_QUERY, "10' SECOND"),
    sortRows([
      row("2021-04-15", "22:00", "22:10", "22:09:59.999", first, "A", 18),
      row("2021-04-15", "22:00", "22:10", "22:09:59.999", first, "B", 25),
      row("2021-04-15", "22:00", "22:10", "22:09:59.999", first, "C", 38),
      row("2021-04-15", "22:10", "22:20", "22:19:59.999", second, "C", 38),
    ]),
  );
});

test("a 1-day TUMBLE in Asia/Shanghai starts at Shanghai's midnight (16:00 UTC), not UTC's", async () => {
  const rows: Ev[] = [
    { k: "a", v: 1, ts: utc("2021-04-15T15:59:59.999") }, // 23:59:59.999 on the 15th in Shanghai
    { k: "a", v: 2, ts: utc("2021-04-15T16:00:00") }, // 00:00 on the 16th
    { k: "a", v: 4, ts: utc("2021-04-16T01:00:00") }, // 09:00 on the 16th
  ];
  const q = `SELECT CAST(window_start AS STRING) AS ws, CAST(window_end AS STRING) AS we, window_time AS wt, SUM(v) AS s
    FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts_ltz), INTERVAL '1' DAY)) GROUP BY window_start, window_end, window_time`;
  assert.deepEqual(
    await run("Asia/Shanghai", rows, q),
    sortRows([
      {
        ws: "2021-04-15 00:00:00.000",
        we: "2021-04-16 00:00:00.000",
        wt: utc("2021-04-15T15:59:59.999"),
        s: 1,
      },
      {
        ws: "2021-04-16 00:00:00.000",
        we: "2021-04-17 00:00:00.000",
        wt: utc("2021-04-16T15:59:59.999"),
        s: 6,
      },
    ]),
  );
  // The same rows in UTC: the first two on the 15th.
  assert.deepEqual(
    await run("UTC", rows, q),
    sortRows([
      {
        ws: "2021-04-15 00:00:00.000",
        we: "2021-04-16 00:00:00.000",
        wt: utc("2021-04-15T23:59:59.999"),
        s: 3,
      },
      {
        ws: "2021-04-16 00:00:00.000",
        we: "2021-04-17 00:00:00.000",
        wt: utc("2021-04-16T23:59:59.999"),
        s: 4,
      },
    ]),
  );
});

// ---------------------------------------------------------------------------------------------
// Europe/Paris, 2024-03-31: at 01:00 UTC the clocks jump from 02:00 (CET, +01:00) to 03:00
// (CEST, +02:00). The values of v are powers of two: a sum names the rows of a window.

const SPRING: Ev[] = [
  { k: "a", v: 2, ts: utc("2024-03-30T23:30:00") }, // 00:30 CET
  { k: "a", v: 16, ts: utc("2024-03-31T02:10:00") }, // 04:10 CEST
  { k: "a", v: 1, ts: utc("2024-03-30T22:59:59.999") }, // 23:59:59.999 on the 30th
  { k: "a", v: 8, ts: utc("2024-03-31T01:30:00") }, // 03:30 CEST
  { k: "a", v: 4, ts: utc("2024-03-31T00:30:00") }, // 01:30 CET
];
const WINDOW_COLUMNS = `CAST(window_start AS STRING) AS ws, CAST(window_end AS STRING) AS we,
  CAST(window_time AS STRING) AS wt_text, window_time AS wt, SUM(v) AS s`;
const w = (ws: string, we: string, wtText: string, wt: string, s: number) => ({
  ws: `${ws}:00.000`,
  we: `${we}:00.000`,
  wt_text: wtText,
  wt: utc(wt),
  s,
});

test("Europe/Paris spring forward: 1-hour windows skip 02:00-03:00, the day window holds 23 hours", async () => {
  const hour = await run(
    "Europe/Paris",
    SPRING,
    `SELECT ${WINDOW_COLUMNS} FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts_ltz), INTERVAL '1' HOUR)) GROUP BY window_start, window_end, window_time`,
  );
  assert.deepEqual(
    hour,
    sortRows([
      w("2024-03-30 23:00", "2024-03-31 00:00", "2024-03-30 23:59:59.999", "2024-03-30T22:59:59.999", 1),
      w("2024-03-31 00:00", "2024-03-31 01:00", "2024-03-31 00:59:59.999", "2024-03-30T23:59:59.999", 2),
      w("2024-03-31 01:00", "2024-03-31 02:00", "2024-03-31 01:59:59.999", "2024-03-31T00:59:59.999", 4),
      w("2024-03-31 03:00", "2024-03-31 04:00", "2024-03-31 03:59:59.999", "2024-03-31T01:59:59.999", 8),
      w("2024-03-31 04:00", "2024-03-31 05:00", "2024-03-31 04:59:59.999", "2024-03-31T02:59:59.999", 16),
    ]),
  );
  const day = await run(
    "Europe/Paris",
    SPRING,
    `SELECT ${WINDOW_COLUMNS} FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts_ltz), INTERVAL '1' DAY)) GROUP BY window_start, window_end, window_time`,
  );
  assert.deepEqual(
    day,
    sortRows([
      w("2024-03-30 00:00", "2024-03-31 00:00", "2024-03-30 23:59:59.999", "2024-03-30T22:59:59.999", 1),
      // Local midnight to midnight: 23 hours, ending at 22:00 UTC.
      w("2024-03-31 00:00", "2024-04-01 00:00", "2024-03-31 23:59:59.999", "2024-03-31T21:59:59.999", 30),
    ]),
  );
});

test("Europe/Paris spring forward: a HOP window ending in the gap has the window_time of 03:59:59.999", async () => {
  const got = await run(
    "Europe/Paris",
    SPRING,
    `SELECT ${WINDOW_COLUMNS} FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts_ltz), INTERVAL '1' HOUR, INTERVAL '2' HOUR)) GROUP BY window_start, window_end, window_time`,
  );
  assert.deepEqual(
    got,
    sortRows([
      w("2024-03-30 22:00", "2024-03-31 00:00", "2024-03-30 23:59:59.999", "2024-03-30T22:59:59.999", 1),
      w("2024-03-30 23:00", "2024-03-31 01:00", "2024-03-31 00:59:59.999", "2024-03-30T23:59:59.999", 3),
      w("2024-03-31 00:00", "2024-03-31 02:00", "2024-03-31 01:59:59.999", "2024-03-31T00:59:59.999", 6),
      // Ends at 03:00, so its last millisecond 02:59:59.999 does not exist: moved forward by the
      // gap, it is 03:59:59.999 CEST, the window_time of the next window too.
      w("2024-03-31 01:00", "2024-03-31 03:00", "2024-03-31 03:59:59.999", "2024-03-31T01:59:59.999", 4),
      w("2024-03-31 02:00", "2024-03-31 04:00", "2024-03-31 03:59:59.999", "2024-03-31T01:59:59.999", 8),
      w("2024-03-31 03:00", "2024-03-31 05:00", "2024-03-31 04:59:59.999", "2024-03-31T02:59:59.999", 24),
      w("2024-03-31 04:00", "2024-03-31 06:00", "2024-03-31 05:59:59.999", "2024-03-31T03:59:59.999", 16),
    ]),
  );
});

test("Europe/Paris spring forward: CUMULATE windows of a local day, every 2 hours", async () => {
  const got = await run(
    "Europe/Paris",
    SPRING,
    `SELECT CAST(window_start AS STRING) AS ws, CAST(window_end AS STRING) AS we, CAST(window_time AS STRING) AS wt, SUM(v) AS s
     FROM TABLE(CUMULATE(TABLE ev, DESCRIPTOR(ts_ltz), INTERVAL '2' HOUR, INTERVAL '1' DAY)) GROUP BY window_start, window_end, window_time`,
  );
  const c = (ws: string, we: string, wt: string, s: number) => ({
    ws: `${ws} 00:00:00.000`,
    we: `${we}:00.000`,
    wt,
    s,
  });
  assert.deepEqual(
    got,
    sortRows([
      c("2024-03-30", "2024-03-31 00:00", "2024-03-30 23:59:59.999", 1),
      c("2024-03-31", "2024-03-31 02:00", "2024-03-31 01:59:59.999", 6),
      // 03:59:59.999 CEST: the 02:00-04:00 step is one hour long.
      c("2024-03-31", "2024-03-31 04:00", "2024-03-31 03:59:59.999", 14),
      c("2024-03-31", "2024-03-31 06:00", "2024-03-31 05:59:59.999", 30),
      c("2024-03-31", "2024-03-31 08:00", "2024-03-31 07:59:59.999", 30),
      c("2024-03-31", "2024-03-31 10:00", "2024-03-31 09:59:59.999", 30),
      c("2024-03-31", "2024-03-31 12:00", "2024-03-31 11:59:59.999", 30),
      c("2024-03-31", "2024-03-31 14:00", "2024-03-31 13:59:59.999", 30),
      c("2024-03-31", "2024-03-31 16:00", "2024-03-31 15:59:59.999", 30),
      c("2024-03-31", "2024-03-31 18:00", "2024-03-31 17:59:59.999", 30),
      c("2024-03-31", "2024-03-31 20:00", "2024-03-31 19:59:59.999", 30),
      c("2024-03-31", "2024-03-31 22:00", "2024-03-31 21:59:59.999", 30),
      c("2024-03-31", "2024-04-01 00:00", "2024-03-31 23:59:59.999", 30),
    ]),
  );
});

// ---------------------------------------------------------------------------------------------
// Europe/Paris, 2024-10-27: at 01:00 UTC the clocks go back from 03:00 (CEST) to 02:00 (CET):
// 02:00-03:00 happens twice.

const FALL: Ev[] = [
  { k: "a", v: 4, ts: utc("2024-10-27T00:50:00") }, // 02:50 CEST
  { k: "a", v: 1, ts: utc("2024-10-26T23:30:00") }, // 01:30 CEST
  { k: "a", v: 2, ts: utc("2024-10-27T00:10:00") }, // 02:10 CEST
  { k: "a", v: 16, ts: utc("2024-10-27T02:05:00") }, // 03:05 CET
  { k: "a", v: 8, ts: utc("2024-10-27T01:20:00") }, // 02:20 CET
];

test("Europe/Paris fall back: the 02:00-03:00 window holds both passes of that hour, the day 25 hours", async () => {
  const hour = await run(
    "Europe/Paris",
    FALL,
    `SELECT ${WINDOW_COLUMNS} FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts_ltz), INTERVAL '1' HOUR)) GROUP BY window_start, window_end, window_time`,
  );
  assert.deepEqual(
    hour,
    sortRows([
      w("2024-10-27 01:00", "2024-10-27 02:00", "2024-10-27 01:59:59.999", "2024-10-26T23:59:59.999", 1),
      // Two hours of rows; window_time is the first pass of 02:59:59.999 (CEST, 00:59:59.999 UTC).
      w("2024-10-27 02:00", "2024-10-27 03:00", "2024-10-27 02:59:59.999", "2024-10-27T00:59:59.999", 14),
      w("2024-10-27 03:00", "2024-10-27 04:00", "2024-10-27 03:59:59.999", "2024-10-27T02:59:59.999", 16),
    ]),
  );
  const day = await run(
    "Europe/Paris",
    FALL,
    `SELECT ${WINDOW_COLUMNS} FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts_ltz), INTERVAL '1' DAY)) GROUP BY window_start, window_end, window_time`,
  );
  assert.deepEqual(day, [
    w("2024-10-27 00:00", "2024-10-28 00:00", "2024-10-27 23:59:59.999", "2024-10-27T22:59:59.999", 31),
  ]);
});

test("Europe/Paris fall back: SESSION windows meet in wall-clock time, not in instants", async () => {
  const rows: Ev[] = [
    { k: "a", v: 1, ts: utc("2024-10-27T00:10:00") }, // 02:10 CEST
    { k: "a", v: 2, ts: utc("2024-10-27T00:50:00") }, // 02:50 CEST
    { k: "a", v: 4, ts: utc("2024-10-27T01:05:00") }, // 02:05 CET: 15 minutes after 02:50 CEST
  ];
  const q = `SELECT k, ${WINDOW_COLUMNS} FROM TABLE(SESSION(TABLE ev PARTITION BY k, DESCRIPTOR(ts_ltz), INTERVAL '30' MINUTES))
    GROUP BY k, window_start, window_end, window_time`;
  // 02:10 + 30 min meets 02:05 + 30 min: [02:05, 02:40); 02:50 is alone.
  assert.deepEqual(
    await run("Europe/Paris", rows, q),
    sortRows([
      {
        k: "a",
        ...w("2024-10-27 02:05", "2024-10-27 02:40", "2024-10-27 02:39:59.999", "2024-10-27T00:39:59.999", 5),
      },
      {
        k: "a",
        ...w("2024-10-27 02:50", "2024-10-27 03:20", "2024-10-27 03:19:59.999", "2024-10-27T02:19:59.999", 2),
      },
    ]),
  );
  // In UTC the instants decide: 00:50 and 01:05 meet, 00:10 is alone.
  assert.deepEqual(
    await run("UTC", rows, q),
    sortRows([
      {
        k: "a",
        ...w("2024-10-27 00:10", "2024-10-27 00:40", "2024-10-27 00:39:59.999", "2024-10-27T00:39:59.999", 1),
      },
      {
        k: "a",
        ...w("2024-10-27 00:50", "2024-10-27 01:35", "2024-10-27 01:34:59.999", "2024-10-27T01:34:59.999", 6),
      },
    ]),
  );
});

test("the legacy group window over a TIMESTAMP_LTZ rowtime follows the zone too", async () => {
  const got = await run(
    "Europe/Paris",
    FALL,
    `SELECT CAST(ws AS STRING) AS ws, CAST(wt AS STRING) AS wt, n FROM (
       SELECT TUMBLE_START(ts_ltz, INTERVAL '1' DAY) AS ws, TUMBLE_ROWTIME(ts_ltz, INTERVAL '1' DAY) AS wt, COUNT(*) AS n
       FROM ev GROUP BY TUMBLE(ts_ltz, INTERVAL '1' DAY))`,
  );
  assert.deepEqual(got, [{ ws: "2024-10-27 00:00:00.000", wt: "2024-10-27 23:59:59.999", n: 5 }]);
});

test("window rows of a TIMESTAMP_LTZ attribute in a zone: TIMESTAMP bounds, a TIMESTAMP_LTZ window_time; a window join with windows of a TIMESTAMP attribute is refused", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql(
    "CREATE TABLE ev (v INT, ts TIMESTAMP_LTZ(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen', 'number-of-rows' = '1')",
  );
  await tEnv.executeSql(
    "CREATE TABLE nev (v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen', 'number-of-rows' = '1')",
  );
  await tEnv.executeSql("SET 'table.local-time-zone' = 'Europe/Paris'");
  const rows = tEnv.sqlQuery("SELECT * FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' DAY))");
  assert.deepEqual(
    rows.columns.slice(2).map((c) => [c.name, (c.type as { name: string }).name]),
    [
      ["window_start", "TIMESTAMP"],
      ["window_end", "TIMESTAMP"],
      ["window_time", "TIMESTAMP_LTZ"],
    ],
  );
  // window_time is a TIMESTAMP_LTZ for a TIMESTAMP_LTZ attribute, a TIMESTAMP otherwise.
  const agg = tEnv.sqlQuery(
    "SELECT window_time, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' DAY)) GROUP BY window_start, window_end, window_time",
  );
  assert.match(JSON.stringify(agg.columns[0]?.type), /TIMESTAMP_LTZ/);
  const plain = tEnv.sqlQuery("SELECT * FROM TABLE(TUMBLE(TABLE nev, DESCRIPTOR(ts), INTERVAL '1' DAY))");
  assert.match(JSON.stringify(plain.columns[4]), /"name":"window_time".*"name":"TIMESTAMP",/);
  // Refused: days of the zone's wall clock and days of UTC are different windows.
  assert.throws(
    () =>
      tEnv.sqlQuery(`SELECT L.v, R.v FROM (SELECT * FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' DAY))) L
        JOIN (SELECT * FROM TABLE(TUMBLE(TABLE nev, DESCRIPTOR(ts), INTERVAL '1' DAY))) R
        ON L.window_start = R.window_start AND L.window_end = R.window_end`),
    (err: unknown) =>
      err instanceof FleuveError &&
      err.message.includes(
        "a window join needs the same window TVF on both sides: TUMBLE(size 86400000, slide 86400000, offset 0 ms) in Europe/Paris and TUMBLE(size 86400000, slide 86400000, offset 0 ms)",
      ),
  );
});

// ---------------------------------------------------------------------------------------------
// Processing time: PROCTIME() is a TIMESTAMP_LTZ, so its windows follow the zone as well.

/** Runs `query` over `ev (k, v, p AS PROCTIME())` in `zone`, sending each batch at its clock time. */
async function runProctime(
  zone: string,
  batches: { at: number; rows: { k: string; v: number }[] }[],
  query: string,
): Promise<Row[]> {
  const clock = new ManualProcessingTime(batches[0]?.at ?? 0);
  const env = StreamExecutionEnvironment.create({ parallelism: 1, processingTime: clock, log: () => {} });
  const source = new BatchSource<{ k: string; v: number }>();
  const tEnv = sql(env);
  tEnv.createTemporaryView(
    "ev",
    env.fromSource(source, undefined, "events"),
    "k STRING, v INT, p AS PROCTIME()",
  );
  await tEnv.executeSql(`SET 'table.local-time-zone' = '${zone}'`);
  const sink = new CollectSink<Row>();
  tEnv.sqlQuery(query).toDataStream().sinkTo(sink);
  const client = env.executeAsync("zoned-proctime-windows");
  let sent = 0;
  for (const b of batches) {
    clock.advanceTo(b.at);
    source.send(b.rows);
    sent += b.rows.length;
    await until(`the window to take ${sent} rows`, () => recordsIn(client, /Window/) === sent);
  }
  source.end();
  await client.result;
  return sortRows([...sink.values()]);
}

test("Flink docs (Timezone): a processing-time TUMBLE in Asia/Shanghai; a day window fires at Shanghai's midnight", async () => {
  const tenMinutes = await runProctime(
    "Asia/Shanghai",
    [
      {
        at: utc("2021-04-15T14:01:00"),
        rows: [
          { k: "A", v: 11 },
          { k: "B", v: 12 },
        ],
      },
      { at: utc("2021-04-15T14:05:00"), rows: [{ k: "A", v: 18 }] },
      { at: utc("2021-04-15T14:10:00.005"), rows: [{ k: "C", v: 38 }] },
    ],
    `SELECT CAST(window_start AS STRING) AS window_start, CAST(window_end AS STRING) AS window_end, item, max_price FROM (
       SELECT TUMBLE_START(p, INTERVAL '10' MINUTES) AS window_start, TUMBLE_END(p, INTERVAL '10' MINUTES) AS window_end,
         k AS item, MAX(v) AS max_price FROM ev GROUP BY TUMBLE(p, INTERVAL '10' MINUTES), k) AS MyView3`,
  );
  // 22:10-22:20 is still open when the input ends: not fired (processing-time windows are not
  // fired at the end of input).
  assert.deepEqual(
    tenMinutes,
    sortRows([
      {
        window_start: "2021-04-15 22:00:00.000",
        window_end: "2021-04-15 22:10:00.000",
        item: "A",
        max_price: 18,
      },
      {
        window_start: "2021-04-15 22:00:00.000",
        window_end: "2021-04-15 22:10:00.000",
        item: "B",
        max_price: 12,
      },
    ]),
  );
  // At 16:00 UTC it is midnight in Shanghai: the day of the 15th fires then (in UTC it would
  // wait 8 more hours).
  const day = await runProctime(
    "Asia/Shanghai",
    [
      { at: utc("2021-04-15T15:30:00"), rows: [{ k: "a", v: 1 }] },
      { at: utc("2021-04-15T16:00:00"), rows: [{ k: "a", v: 2 }] },
    ],
    "SELECT CAST(window_start AS STRING) AS ws, SUM(v) AS s FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(p), INTERVAL '1' DAY)) GROUP BY window_start, window_end",
  );
  assert.deepEqual(day, [{ ws: "2021-04-15 00:00:00.000", s: 1 }]);
});

test("Europe/Paris spring forward, processing time: a HOP window ending in the gap fires when the clock jumps to 03:00", async () => {
  // [01:00, 03:00) local ends in the skipped hour. Flink fires it at 03:00 CEST (01:00 UTC), the
  // first instant after its last wall-clock millisecond, not at its window_time (03:59:59.999).
  const got = await runProctime(
    "Europe/Paris",
    [
      { at: utc("2024-03-31T00:30:00"), rows: [{ k: "a", v: 1 }] }, // 01:30 CET
      { at: utc("2024-03-31T01:00:00"), rows: [{ k: "a", v: 2 }] }, // 03:00 CEST
    ],
    `SELECT CAST(window_start AS STRING) AS ws, CAST(window_end AS STRING) AS we, SUM(v) AS s
     FROM TABLE(HOP(TABLE ev, DESCRIPTOR(p), INTERVAL '1' HOUR, INTERVAL '2' HOUR)) GROUP BY window_start, window_end`,
  );
  assert.deepEqual(
    got,
    sortRows([
      { ws: "2024-03-31 00:00:00.000", we: "2024-03-31 02:00:00.000", s: 1 },
      { ws: "2024-03-31 01:00:00.000", we: "2024-03-31 03:00:00.000", s: 1 },
    ]),
  );
});

test("Europe/Paris fall back, processing time: the 02:00-03:00 window fires after the second pass of that hour", async () => {
  // Flink fires it at 02:59:59.999 CET (01:59:59.999 UTC), not at the first pass (00:59:59.999
  // UTC): both hours' rows are in it, and it comes out once.
  const got = await runProctime(
    "Europe/Paris",
    [
      { at: utc("2024-10-27T00:10:00"), rows: [{ k: "a", v: 1 }] }, // 02:10 CEST
      { at: utc("2024-10-27T01:20:00"), rows: [{ k: "a", v: 2 }] }, // 02:20 CET
      { at: utc("2024-10-27T02:00:00"), rows: [{ k: "a", v: 4 }] }, // 03:00 CET
    ],
    `SELECT CAST(window_start AS STRING) AS ws, CAST(window_end AS STRING) AS we, SUM(v) AS s
     FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(p), INTERVAL '1' HOUR)) GROUP BY window_start, window_end`,
  );
  assert.deepEqual(got, [{ ws: "2024-10-27 02:00:00.000", we: "2024-10-27 03:00:00.000", s: 3 }]);
});

// ---------------------------------------------------------------------------------------------
// When a window fires: Flink's TimeWindowUtilTest vectors (America/Los_Angeles), and Paris.

test("fireInstant gives Flink's TimeWindowUtil.toEpochMillsForTimer (TimeWindowUtilTest's vectors)", () => {
  const la = parseZone("America/Los_Angeles");
  assert.ok(la !== undefined && usesDaylightTime(la));
  const cases: [string, number][] = [
    ["2021-03-14T00:00:00", 1615708800000],
    ["2021-03-14T01:00:00", 1615712400000],
    ["2021-03-14T02:00:00", 1615716000000],
    ["2021-03-14T02:30:00", 1615716000000],
    ["2021-03-14T02:59:59", 1615716000000],
    ["2021-03-14T03:00:00", 1615716000000],
    ["2021-03-14T03:30:00", 1615717800000],
    ["2021-03-14T03:59:59", 1615719599000],
    ["2021-11-07T00:00:00", 1636268400000],
    ["2021-11-07T01:00:00", 1636275600000],
    ["2021-11-07T02:00:00", 1636279200000],
    ["2021-11-07T00:00:01", 1636268401000],
    ["2021-11-07T01:59:59", 1636279199000],
    ["2021-11-07T02:00:01", 1636279201000],
  ];
  for (const [local, want] of cases) assert.equal(fireInstant(utc(local), la, true), want, local);
  // Asia/Shanghai (no daylight-saving time): the instant of the wall-clock time.
  const sh = parseZone("Asia/Shanghai");
  assert.ok(sh !== undefined && !usesDaylightTime(sh));
  assert.equal(fireInstant(utc("1970-01-01T00:00:01"), sh, false), -28799000);
  assert.equal(fireInstant(utc("1970-01-01T07:59:59.999"), sh, false), -1);
  assert.equal(fireInstant(utc("1970-01-01T08:00:00.001"), sh, false), 1);
  // Paris: the fall-back hour fires at its second pass; the spring gap at 03:00 CEST.
  const paris = parseZone("Europe/Paris");
  assert.ok(paris !== undefined && usesDaylightTime(paris));
  assert.equal(fireInstant(utc("2024-10-27T02:59:59.999"), paris, true), utc("2024-10-27T01:59:59.999"));
  assert.equal(fireInstant(utc("2024-03-31T02:59:59.999"), paris, true), utc("2024-03-31T01:00:00"));
  assert.equal(fireInstant(utc("2024-03-31T01:59:59.999"), paris, true), utc("2024-03-31T00:59:59.999"));
});

// ---------------------------------------------------------------------------------------------
// TIMESTAMPADD and TIMESTAMPDIFF of TIMESTAMP_LTZ values: Flink computes them on the epoch
// milliseconds in every zone (a DAY is 86,400,000 ms; months on the UTC calendar).

test("TIMESTAMPADD / TIMESTAMPDIFF of a TIMESTAMP_LTZ in Europe/Paris and Asia/Shanghai work on the instant", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql("SET 'table.local-time-zone' = 'Europe/Paris'");
  const paris = await (
    await tEnv.executeSql(`SELECT
      CAST(TIMESTAMPADD(DAY, 1, TO_TIMESTAMP_LTZ(${utc("2024-03-30T11:00:00")}, 3)) AS STRING) AS next_day,
      TIMESTAMPADD(DAY, 1, TO_TIMESTAMP_LTZ(${utc("2024-03-30T11:00:00")}, 3)) AS next_day_instant,
      CAST(TIMESTAMPADD(HOUR, 1, TO_TIMESTAMP_LTZ(${utc("2024-03-31T00:30:00")}, 3)) AS STRING) AS over_the_gap,
      TIMESTAMPDIFF(HOUR, TO_TIMESTAMP_LTZ(${utc("2024-03-30T23:00:00")}, 3), TO_TIMESTAMP_LTZ(${utc("2024-03-31T22:00:00")}, 3)) AS hours_in_the_day,
      TIMESTAMPDIFF(DAY, TO_TIMESTAMP_LTZ(${utc("2024-03-30T23:00:00")}, 3), TO_TIMESTAMP_LTZ(${utc("2024-03-31T22:00:00")}, 3)) AS days_in_the_day`)
  ).collect();
  assert.deepEqual(paris, [
    {
      // 12:00 CET + 24 hours = 13:00 CEST the next day (not 12:00: the day had 23 hours).
      next_day: "2024-03-31 13:00:00.000",
      next_day_instant: utc("2024-03-31T11:00:00"),
      // 01:30 CET + 1 hour = 03:30 CEST.
      over_the_gap: "2024-03-31 03:30:00.000",
      // Midnight to midnight on 31 March: 23 hours, so 0 whole days.
      hours_in_the_day: 23,
      days_in_the_day: 0,
    },
  ]);
  await tEnv.executeSql("SET 'table.local-time-zone' = 'Asia/Shanghai'");
  const shanghai = await (
    await tEnv.executeSql(
      `SELECT CAST(TIMESTAMPADD(MONTH, 1, TO_TIMESTAMP_LTZ(${utc("2024-03-30T18:00:00")}, 3)) AS STRING) AS next_month`,
    )
  ).collect();
  // 2024-03-31 02:00 in Shanghai is 2024-03-30 18:00 UTC; a month later on the UTC calendar is
  // 2024-04-30 18:00 UTC, 2024-05-01 02:00 in Shanghai (the Shanghai calendar would say 04-30).
  assert.deepEqual(shanghai, [{ next_month: "2024-05-01 02:00:00.000" }]);
  // A TIMESTAMP_LTZ is subtracted from a TIMESTAMP_LTZ only, as in Flink.
  assert.throws(
    () => tEnv.sqlQuery("SELECT TIMESTAMPDIFF(DAY, TO_TIMESTAMP_LTZ(0, 3), TIMESTAMP '1970-01-02 00:00:00')"),
    (err: unknown) =>
      err instanceof FleuveError && err.message.includes("TIMESTAMPDIFF of a TIMESTAMP_LTZ and a TIMESTAMP"),
  );
});

// ---------------------------------------------------------------------------------------------
// Property: TUMBLE windows in a random zone over random out-of-order rows, against a brute-force
// assignment from Intl's offsets (another path than the zone code: longOffset names).

test("property: TUMBLE windows in a random zone over random out-of-order rows match a brute-force assignment", async () => {
  const SIZES: [string, number][] = [
    ["'15' MINUTE", 900_000],
    ["'1' HOUR", 3_600_000],
    ["'2' HOUR", 7_200_000],
    ["'1' DAY", 86_400_000],
  ];
  let overDst = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        zone: fc.constantFrom(...ZONES),
        year: fc.integer({ min: 2000, max: 2030 }),
        pick: fc.nat(),
        size: fc.constantFrom(...SIZES),
        // Rows within a day and a half of a transition (when the year has one), in any order.
        deltas: fc.array(fc.integer({ min: -36 * 3_600_000, max: 36 * 3_600_000 }), {
          minLength: 1,
          maxLength: 25,
        }),
      }),
      async ({ zone, year, pick, size, deltas }) => {
        const around = firstTransition(zone, year, pick) ?? Date.UTC(year, 5, 1);
        const rows: Ev[] = deltas.map((d, i) => ({ k: "a", v: i + 1, ts: around + d }));
        const expected = new Map<number, { ws: number; we: number; wt: number; n: number; s: number }>();
        for (const r of rows) {
          const local = r.ts + bruteOffset(zone, r.ts);
          const ws = Math.floor(local / size[1]) * size[1];
          const e = expected.get(ws) ?? {
            ws,
            we: ws + size[1],
            wt: bruteInstant(zone, ws + size[1] - 1),
            n: 0,
            s: 0,
          };
          e.n++;
          e.s += r.v;
          expected.set(ws, e);
        }
        const offsets = new Set(rows.map((r) => bruteOffset(zone, r.ts)));
        if (offsets.size > 1) overDst++;
        const got = await run(
          zone,
          rows,
          `SELECT window_start AS ws, window_end AS we, window_time AS wt, COUNT(*) AS n, SUM(v) AS s
           FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts_ltz), INTERVAL ${size[0]})) GROUP BY window_start, window_end, window_time`,
          "3' DAY",
        );
        assert.deepEqual(
          got,
          sortRows([...expected.values()]),
          `${zone} around ${new Date(around).toISOString()} size ${size[0]}`,
        );
      },
    ),
    { numRuns: 15 },
  );
  // The rows crossed an offset change in some cases (most: 6 of the 8 zones have transitions in
  // those years), or the property proved little.
  assert.ok(overDst >= 1, `${overDst} cases crossed a transition`);
});
