// FLOOR(t TO unit) and CEIL(t TO unit) of TIMESTAMP, TIMESTAMP_LTZ, DATE and TIME, and CONVERT_TZ.
// Expected values: Flink's TemporalTypesTest (testTemporalFloorCeil: f16 = DATE '1996-11-10',
// f17 = TIME '06:55:44', f18 = TIMESTAMP '1996-11-10 06:55:44.333'), the examples of Flink's
// systemFunctions docs (FLOOR(TIME '12:44:31' TO MINUTE) is 12:44:00, CEIL is 12:45:00;
// CONVERT_TZ('1970-01-01 00:00:00', 'UTC', 'America/Los_Angeles') is '1969-12-31 16:00:00'), and
// the rules of Flink's DateTimeUtils.timestampFloor / timestampCeil / julianDateFloor, worked out
// by hand in the comments.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const tEnv = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
const one = async (select: string, zone?: string) => {
  const env = tEnv();
  if (zone !== undefined) await env.executeSql(`SET 'table.local-time-zone' = '${zone}'`);
  const r = (await (await env.executeSql(`SELECT ${select}`)).collect()) as Record<string, unknown>[];
  assert.equal(r.length, 1);
  return r[0] as Record<string, unknown>;
};
const refused = async (select: string, code: string, message: RegExp) =>
  assert.rejects(
    async () => one(select),
    (e: unknown) => e instanceof FleuveError && e.code === code && message.test(e.message),
  );

const F18 = "TIMESTAMP '1996-11-10 06:55:44.333'";

test("FLOOR and CEIL of a TIMESTAMP TO each unit give Flink's TemporalTypesTest values", async () => {
  const units = ["YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND"];
  const select = units
    .flatMap((u) => [
      `CAST(FLOOR(${F18} TO ${u}) AS STRING) AS f_${u}`,
      `CAST(CEIL(${F18} TO ${u}) AS STRING) AS c_${u}`,
    ])
    .join(", ");
  assert.deepEqual(await one(select), {
    f_YEAR: "1996-01-01 00:00:00.000",
    c_YEAR: "1997-01-01 00:00:00.000",
    f_QUARTER: "1996-10-01 00:00:00.000",
    c_QUARTER: "1997-01-01 00:00:00.000",
    f_MONTH: "1996-11-01 00:00:00.000",
    c_MONTH: "1996-12-01 00:00:00.000",
    // 1996-11-10 is a Sunday: the floor of its week is itself, and so is its ceiling (julianDateFloor
    // reads the day number only).
    f_WEEK: "1996-11-10 00:00:00.000",
    c_WEEK: "1996-11-10 00:00:00.000",
    f_DAY: "1996-11-10 00:00:00.000",
    c_DAY: "1996-11-11 00:00:00.000",
    f_HOUR: "1996-11-10 06:00:00.000",
    c_HOUR: "1996-11-10 07:00:00.000",
    f_MINUTE: "1996-11-10 06:55:00.000",
    c_MINUTE: "1996-11-10 06:56:00.000",
    f_SECOND: "1996-11-10 06:55:44.000",
    c_SECOND: "1996-11-10 06:55:45.000",
    f_MILLISECOND: "1996-11-10 06:55:44.333",
    c_MILLISECOND: "1996-11-10 06:55:44.333",
  });
});

test("FLOOR and CEIL TO WEEK go to Sunday; calendar units read the day number only, as Flink's", async () => {
  assert.deepEqual(
    await one(`CAST(FLOOR(TIMESTAMP '2024-03-14 10:00:00' TO WEEK) AS STRING) AS f,
      CAST(CEIL(TIMESTAMP '2024-03-14 10:00:00' TO WEEK) AS STRING) AS c,
      CAST(CEIL(TIMESTAMP '2024-03-01 10:00:00' TO MONTH) AS STRING) AS first_of_month,
      CAST(CEIL(TIMESTAMP '2024-12-15 00:00:00' TO MONTH) AS STRING) AS december,
      CAST(CEIL(TIMESTAMP '2024-04-01 00:00:00' TO QUARTER) AS STRING) AS april_first,
      CAST(FLOOR(TIMESTAMP '1969-12-31 12:00:00' TO MONTH) AS STRING) AS before_epoch,
      CAST(FLOOR(TIMESTAMP '1969-12-31 12:00:00' TO DAY) AS STRING) AS before_epoch_day,
      FLOOR(CAST(NULL AS TIMESTAMP(3)) TO DAY) AS n`),
    {
      // 2024-03-14 is a Thursday. A TIMESTAMP(0) literal's floor is a TIMESTAMP(0), cast without a
      // fraction (Flink 1.20 printed 2024-03-10 00:00:00 and TIMESTAMP(0) NOT NULL for its TYPEOF).
      f: "2024-03-10 00:00:00",
      c: "2024-03-17 00:00:00",
      // julianDateFloor(MONTH, day, false) moves on only when the day of the month is past 1.
      first_of_month: "2024-03-01 00:00:00",
      december: "2025-01-01 00:00:00",
      // Its QUARTER ceiling moves on when the month is past January (Calcite's test).
      april_first: "2024-07-01 00:00:00",
      // Flink's (int) (ts / MILLIS_PER_DAY) truncates toward zero: day 0 for the afternoon before.
      before_epoch: "1970-01-01 00:00:00",
      before_epoch_day: "1969-12-31 00:00:00",
      n: null,
    },
  );
});

test("FLOOR and CEIL of a DATE and a TIME, as Flink's tests and docs", async () => {
  assert.deepEqual(
    await one(`CAST(FLOOR(DATE '1996-11-10' TO YEAR) AS STRING) AS fy, CAST(FLOOR(DATE '1996-11-10' TO MONTH) AS STRING) AS fm,
      CAST(CEIL(DATE '1996-11-10' TO YEAR) AS STRING) AS cy, CAST(CEIL(DATE '1996-11-10' TO MONTH) AS STRING) AS cm,
      CAST(FLOOR(TIME '06:55:44' TO HOUR) AS STRING) AS th, CAST(FLOOR(TIME '06:55:44' TO MINUTE) AS STRING) AS tm,
      CAST(CEIL(TIME '06:55:44' TO HOUR) AS STRING) AS ch, CAST(CEIL(TIME '06:55:44' TO MINUTE) AS STRING) AS cmi,
      CAST(CEIL(TIME '06:55:44' TO SECOND) AS STRING) AS cs,
      CAST(FLOOR(TIME '12:44:31' TO MINUTE) AS STRING) AS doc_floor, CAST(CEIL(TIME '12:44:31' TO MINUTE) AS STRING) AS doc_ceil`),
    {
      fy: "1996-01-01",
      fm: "1996-11-01",
      cy: "1997-01-01",
      cm: "1996-12-01",
      th: "06:00:00",
      tm: "06:55:00",
      ch: "07:00:00",
      cmi: "06:56:00",
      cs: "06:55:44",
      doc_floor: "12:44:00",
      doc_ceil: "12:45:00",
    },
  );
});

test("FLOOR and CEIL of a TIMESTAMP_LTZ round its wall-clock time in the session time zone", async () => {
  // TO_TIMESTAMP_LTZ(0, 3) is 08:00 on 1970-01-01 in Shanghai (UTC+8); 90061001 ms is
  // 1970-01-02 01:01:01.001 UTC, 09:01:01.001 in Shanghai.
  assert.deepEqual(
    await one(
      `CAST(FLOOR(TO_TIMESTAMP_LTZ(0, 3) TO DAY) AS STRING) AS fd, FLOOR(TO_TIMESTAMP_LTZ(0, 3) TO DAY) AS fd_instant,
       CAST(CEIL(TO_TIMESTAMP_LTZ(0, 3) TO DAY) AS STRING) AS cd,
       CAST(FLOOR(TO_TIMESTAMP_LTZ(90061001, 3) TO HOUR) AS STRING) AS fh,
       CAST(FLOOR(TO_TIMESTAMP_LTZ(90061001, 3) TO MINUTE) AS STRING) AS fmi,
       CAST(FLOOR(TO_TIMESTAMP_LTZ(90061001, 3) TO MONTH) AS STRING) AS fmo`,
      "Asia/Shanghai",
    ),
    {
      fd: "1970-01-01 00:00:00.000",
      // Local midnight in Shanghai is 16:00 UTC the day before (epoch ms of the instant).
      fd_instant: -8 * 3_600_000,
      cd: "1970-01-02 00:00:00.000",
      fh: "1970-01-02 09:00:00.000",
      fmi: "1970-01-02 09:01:00.000",
      fmo: "1970-01-01 00:00:00.000",
    },
  );
  // In UTC a TIMESTAMP_LTZ rounds as its UTC time.
  assert.deepEqual(await one(`CAST(FLOOR(TO_TIMESTAMP_LTZ(90061001, 3) TO DAY) AS STRING) AS d`), {
    d: "1970-01-02 00:00:00.000",
  });
});

test("FLOOR and CEIL TO a unit refuse other types and units, naming the function", async () => {
  await refused(
    "FLOOR(1 TO DAY)",
    "FLEUVE_SQL_VALIDATION",
    /FLOOR\(\.\.\. TO DAY\) takes a TIMESTAMP.*not INT/,
  );
  await refused("CEIL('2024-01-01' TO DAY)", "FLEUVE_SQL_VALIDATION", /CEIL\(\.\.\. TO DAY\).*not CHAR/);
  await refused(`FLOOR(${F18} TO DOW)`, "FLEUVE_SQL_VALIDATION", /FLOOR\(\.\.\. TO DOW\): the unit must be/);
  await refused(
    "CEIL(TIME '10:00:00' TO MONTH)",
    "FLEUVE_SQL_UNSUPPORTED",
    /CEIL\(\.\.\. TO MONTH\) of a TIME/,
  );
});

test("CONVERT_TZ reads the text in one zone and writes it in another, as Flink's DateTimeUtils", async () => {
  assert.deepEqual(
    await one(`CONVERT_TZ('1970-01-01 00:00:00', 'UTC', 'America/Los_Angeles') AS doc,
      CONVERT_TZ('2024-07-01 12:00:00', 'Europe/Paris', 'Asia/Shanghai') AS summer,
      CONVERT_TZ('2024-01-01 12:00:00', 'PST', 'GMT+08:00') AS short_id,
      CONVERT_TZ('2024-01-01 12:00:00', 'Not/AZone', 'UTC') AS unknown_is_gmt,
      CONVERT_TZ('not a date', 'UTC', 'UTC') AS unparsed,
      CONVERT_TZ(CAST(NULL AS STRING), 'UTC', 'UTC') AS n`),
    {
      doc: "1969-12-31 16:00:00",
      // 12:00 CEST (UTC+2) is 10:00 UTC, 18:00 in Shanghai.
      summer: "2024-07-01 18:00:00",
      // PST is America/Los_Angeles (UTC-8 in January): 20:00 UTC, 04:00 the next day at +08:00.
      short_id: "2024-01-02 04:00:00",
      // java.util.TimeZone gives GMT for an id it does not know.
      unknown_is_gmt: "2024-01-01 12:00:00",
      unparsed: null,
      n: null,
    },
  );
  await refused(
    "CONVERT_TZ(1, 'UTC', 'UTC')",
    "FLEUVE_SQL_VALIDATION",
    // Flink 1.20's message (bench/flink gave it for CONVERT_TZ(n, s, s) of an INT n and STRING s,
    // with VARCHAR(2147483647) for s; a literal 'UTC' is a CHAR(3))
    /^Cannot apply 'CONVERT_TZ' to arguments of type 'CONVERT_TZ\(<INTEGER>, <CHAR\(3\)>, <CHAR\(3\)>\)'\. Supported form\(s\): 'CONVERT_TZ\(<CHARACTER>, <CHARACTER>, <CHARACTER>\)'/,
  );
});
