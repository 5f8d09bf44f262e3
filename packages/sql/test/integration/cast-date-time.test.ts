// CAST and TRY_CAST to DATE and TIME, as Flink casts them: from 'yyyy-MM-dd' / 'HH:mm:ss' strings
// (a timestamp's text gives its date; TIME is TIME(0), whole seconds), from TIMESTAMP and
// TIMESTAMP_LTZ (their day and time of day, session time zone UTC, before 1970 too), and DATE
// to STRING and to TIMESTAMP. Values are held as elsewhere (values.ts): a DATE as the epoch ms of
// its midnight, a TIME as milliseconds of the day. TRY_CAST of a bad string is NULL; CAST of
// one fails the job with an error naming the value.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import { env, one } from "../fixtures/one-row.js";

const hms = (h: number, m: number, s: number) => ((h * 60 + m) * 60 + s) * 1000;

test("CAST of 'yyyy-MM-dd' and 'HH:mm:ss' strings to DATE and TIME(0)", async () => {
  const { row, types } = await one(
    "SELECT CAST('2024-02-29' AS DATE) AS d, CAST(' 2024-3-1 ' AS DATE) AS d2, CAST('2024-02-29 13:45:30' AS DATE) AS d3, CAST('13:45:30' AS TIME) AS t, CAST('13:45:30.987' AS TIME) AS t0, CAST('07:05' AS TIME) AS t2, CAST('13:45:30.987' AS TIME(3)) AS t3, DATE '2024-02-29' AS dl, TIME '07:05:09' AS tl",
  );
  assert.deepEqual(types, [
    "d DATE NOT NULL",
    "d2 DATE NOT NULL",
    "d3 DATE NOT NULL",
    "t TIME(0) NOT NULL",
    "t0 TIME(0) NOT NULL",
    "t2 TIME(0) NOT NULL",
    // Flink 1.20 types every TIME of a query TIME(0), CAST(... AS TIME(3)) too; the value keeps its milliseconds.
    "t3 TIME(0) NOT NULL",
    // Literals are NOT NULL, as Flink types them.
    "dl DATE NOT NULL",
    "tl TIME(0) NOT NULL",
  ]);
  assert.deepEqual(row, {
    d: Date.UTC(2024, 1, 29),
    d2: Date.UTC(2024, 2, 1),
    d3: Date.UTC(2024, 1, 29),
    t: hms(13, 45, 30),
    t0: hms(13, 45, 30),
    t2: hms(7, 5, 0),
    t3: hms(13, 45, 30) + 987,
    dl: Date.UTC(2024, 1, 29),
    tl: hms(7, 5, 9),
  });
});

test("CAST of TIMESTAMP and TIMESTAMP_LTZ to DATE and TIME: the day and the time of day, before 1970 too", async () => {
  const { row } = await one(
    "SELECT CAST(TIMESTAMP '2024-02-29 13:45:30.250' AS DATE) AS d, CAST(TIMESTAMP '2024-02-29 13:45:30.250' AS TIME) AS t, CAST(TIMESTAMP '1969-12-31 23:00:00' AS DATE) AS d0, CAST(TIMESTAMP '1969-12-31 23:00:00' AS TIME) AS t0, CAST(TO_TIMESTAMP_LTZ(1709214330250, 3) AS DATE) AS dl, CAST(TO_TIMESTAMP_LTZ(1709214330250, 3) AS TIME) AS tl",
  );
  assert.deepEqual(row, {
    d: Date.UTC(2024, 1, 29),
    t: hms(13, 45, 30),
    // Flink 1.20 divides a TIMESTAMP's epoch ms toward zero for its day (bench/flink printed
    // 1970-01-01; see timestamp-fields.ts); its TIME is the true time of day.
    d0: Date.UTC(1970, 0, 1),
    t0: hms(23, 0, 0),
    // 1709214330250 is 2024-02-29 13:45:30.250 UTC.
    dl: Date.UTC(2024, 1, 29),
    tl: hms(13, 45, 30),
  });
});

test("DATE to STRING and TIMESTAMP, TIME to STRING", async () => {
  const { row, types } = await one(
    "SELECT CAST(CAST('2024-2-9' AS DATE) AS STRING) AS s, CAST(DATE '2024-02-29' AS TIMESTAMP(3)) AS ts, CAST(DATE '2024-02-29' AS TIMESTAMP_LTZ(3)) AS ltz, CAST(TIME '07:05:09' AS STRING) AS ts_text, CAST(CAST('13:45:30.987' AS TIME(3)) AS STRING) AS t3_text, CAST(DATE '1969-07-20' AS STRING) AS moon",
  );
  assert.deepEqual(types, [
    "s STRING NOT NULL",
    "ts TIMESTAMP(3) NOT NULL",
    "ltz TIMESTAMP_LTZ(3) NOT NULL",
    "ts_text STRING NOT NULL",
    "t3_text STRING NOT NULL",
    "moon STRING NOT NULL",
  ]);
  assert.deepEqual(row, {
    s: "2024-02-09",
    ts: Date.UTC(2024, 1, 29),
    ltz: Date.UTC(2024, 1, 29),
    ts_text: "07:05:09",
    // Flink 1.20 printed 13:45:30: a TIME(3) is TIME(0) in a query, its text without the fraction.
    t3_text: "13:45:30",
    moon: "1969-07-20",
  });
});

test("TRY_CAST of a bad string to DATE or TIME is NULL, per record", async () => {
  const e = env();
  const tEnv = sql(e);
  tEnv.createTemporaryView(
    "t",
    e.fromCollection([
      { s: "2024-01-31", t: "23:59:59" },
      { s: "2024-02-30", t: "24:00:00" },
      { s: "2024-13-01", t: "12:61" },
      { s: "31.01.2024", t: "noon" },
      { s: null, t: null },
    ]),
    "s STRING, t STRING",
  );
  const rows = await (
    await tEnv.executeSql("SELECT s, TRY_CAST(s AS DATE) AS d, TRY_CAST(t AS TIME) AS tt FROM t")
  ).collect();
  assert.deepEqual(rows, [
    { s: "2024-01-31", d: Date.UTC(2024, 0, 31), tt: hms(23, 59, 59) },
    { s: "2024-02-30", d: null, tt: null },
    { s: "2024-13-01", d: null, tt: null },
    { s: "31.01.2024", d: null, tt: null },
    { s: null, d: null, tt: null },
  ]);
});

/** The message of `e` and of its causes. */
function messages(e: unknown): string {
  const out: string[] = [];
  for (let x = e; x instanceof Error; x = (x as Error & { cause?: unknown }).cause) out.push(x.message);
  return out.join(" <- ");
}

test("CAST of a bad string fails the job with an error naming the value; types that Flink does not cast are refused", async () => {
  for (const [expr, value, type, format] of [
    ["CAST(s AS DATE)", "2024-02-30", "DATE", "yyyy-MM-dd"],
    ["CAST(t AS TIME)", "25:00", "TIME", "HH:mm:ss"],
  ] as const) {
    const e = env();
    const tEnv = sql(e);
    tEnv.createTemporaryView("t", e.fromCollection([{ s: "2024-02-30", t: "25:00" }]), "s STRING, t STRING");
    await assert.rejects((await tEnv.executeSql(`SELECT ${expr} FROM t`)).collect(), (err: unknown) => {
      assert.ok(
        messages(err).includes(`cannot cast '${value}' to ${type}: expected '${format}'`),
        messages(err),
      );
      return true;
    });
  }
  const tEnv = sql(env());
  await assert.rejects(tEnv.executeSql("SELECT CAST(20240229 AS DATE)"), (err: unknown) => {
    assert.ok(err instanceof FleuveError);
    assert.equal(err.code, "FLEUVE_SQL_VALIDATION");
    assert.equal(
      err.message,
      "CAST from INT to DATE: Flink casts strings, timestamps and dates to DATE (line 1, column 8)",
    );
    return true;
  });
  await assert.rejects(tEnv.executeSql("SELECT CAST(DATE '2024-02-29' AS TIME)"), (err: unknown) => {
    assert.ok(err instanceof FleuveError);
    assert.equal(
      err.message,
      "CAST from DATE to TIME: Flink casts strings, timestamps and times to TIME (line 1, column 8)",
    );
    return true;
  });
});
