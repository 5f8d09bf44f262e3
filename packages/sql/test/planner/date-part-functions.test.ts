// Flink's EXTRACT shorthands YEAR, QUARTER, MONTH, WEEK, DAYOFYEAR, DAYOFMONTH, DAYOFWEEK and
// EXTRACT(DOY | WEEK ...): the examples of Flink's documentation (1994-09-27), ISO weeks at year
// boundaries, and a TIMESTAMP_LTZ read on the session zone's calendar. Expected values are Flink's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import fc from "fast-check";

const one = async (select: string, zone?: string) => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  if (zone !== undefined) await tEnv.executeSql(`SET 'table.local-time-zone' = '${zone}'`);
  const r = (await (await tEnv.executeSql(`SELECT ${select}`)).collect()) as Record<string, unknown>[];
  assert.equal(r.length, 1);
  return r[0] as Record<string, unknown>;
};

test("Flink's documented examples: YEAR(DATE '1994-09-27') is 1994, ..., DAYOFWEEK is 3", async () => {
  assert.deepEqual(
    await one(`YEAR(DATE '1994-09-27') AS y, QUARTER(DATE '1994-09-27') AS q, MONTH(DATE '1994-09-27') AS m,
      WEEK(DATE '1994-09-27') AS w, DAYOFYEAR(DATE '1994-09-27') AS doy, DAYOFMONTH(DATE '1994-09-27') AS dom,
      DAYOFWEEK(DATE '1994-09-27') AS dow, EXTRACT(DOY FROM DATE '1994-09-27') AS edoy,
      EXTRACT(WEEK FROM TIMESTAMP '1994-09-27 13:14:15') AS ew, YEAR(CAST(NULL AS DATE)) AS n`),
    { y: 1994, q: 3, m: 9, w: 39, doy: 270, dom: 27, dow: 3, edoy: 270, ew: 39, n: null },
  );
});

test("ISO weeks across year boundaries, and a TIMESTAMP_LTZ's fields in the session zone", async () => {
  assert.deepEqual(
    await one(`WEEK(DATE '2024-12-30') AS a, WEEK(DATE '2021-01-03') AS b, WEEK(DATE '2021-01-04') AS c,
      DAYOFYEAR(DATE '2024-12-31') AS d`),
    { a: 1, b: 53, c: 1, d: 366 },
  );
  // 2023-12-31 23:30 UTC is 2024-01-01 00:30 in Paris.
  assert.deepEqual(
    await one(
      "YEAR(TO_TIMESTAMP_LTZ(1704065400000, 3)) AS y, DAYOFYEAR(TO_TIMESTAMP_LTZ(1704065400000, 3)) AS d",
      "Europe/Paris",
    ),
    { y: 2024, d: 1 },
  );
});

test("random dates: WEEK and DAYOFYEAR equal a day-by-day count", async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 40_000 }), async (days) => {
      const ms = days * 86_400_000;
      const date = new Date(ms).toISOString().slice(0, 10);
      const r = await one(`WEEK(DATE '${date}') AS w, DAYOFYEAR(DATE '${date}') AS d`);
      // Day of the year: days since the year's 1 January, counted.
      const y = new Date(ms).getUTCFullYear();
      let d = 1;
      for (let t = Date.UTC(y, 0, 1); t < ms; t += 86_400_000) d++;
      // ISO week: the Monday-based weeks since the Monday of the week holding 4 January of the
      // year of this week's Thursday.
      const dow = (new Date(ms).getUTCDay() + 6) % 7;
      const thursday = ms + (3 - dow) * 86_400_000;
      const jan4 = Date.UTC(new Date(thursday).getUTCFullYear(), 0, 4);
      const week1Monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000;
      let w = 1;
      for (let t = week1Monday + 7 * 86_400_000; t <= ms - dow * 86_400_000; t += 7 * 86_400_000) w++;
      assert.deepEqual(r, { w, d }, date);
    }),
    { numRuns: 40 },
  );
});

// EXTRACT of each unit of dates and TIMESTAMP(3)s as bench/flink/run.sh (Flink 1.20) printed them
// for SELECT d, EXTRACT(unit FROM d) FROM (VALUES ...): leap days, century and ISO-week edges,
// year 1, and a time before 1970 (whose date fields Flink takes from the next day).
const DATES = [
  "2020-02-29",
  "2000-01-01",
  "2001-01-01",
  "1999-12-31",
  "2100-12-31",
  "0001-01-01",
  "1970-01-01",
  "1969-12-31",
  "2021-01-03",
  "2020-12-31",
  "2008-12-29",
  "1900-02-28",
  "9999-12-31",
];
const TIMESTAMPS = [
  "2020-02-29 12:34:56.789",
  "1969-12-31 23:59:59.500",
  "0001-01-01 00:00:00",
  "2000-01-01 00:00:00.001",
];
const FLINK_EXTRACT: Record<string, [number[], number[]]> = {
  MILLENNIUM: [
    [3, 2, 3, 2, 3, 1, 2, 2, 3, 3, 3, 2, 10],
    [3, 2, 1, 2],
  ],
  CENTURY: [
    [21, 20, 21, 20, 21, 1, 20, 20, 21, 21, 21, 19, 100],
    [21, 20, 1, 20],
  ],
  DECADE: [
    [202, 200, 200, 199, 210, 0, 197, 196, 202, 202, 200, 190, 999],
    [202, 197, 0, 200],
  ],
  YEAR: [
    [2020, 2000, 2001, 1999, 2100, 1, 1970, 1969, 2021, 2020, 2008, 1900, 9999],
    [2020, 1970, 1, 2000],
  ],
  ISOYEAR: [
    [2020, 1999, 2001, 1999, 2100, 1, 1970, 1970, 2020, 2020, 2009, 1900, 9999],
    [2020, 1970, 1, 1999],
  ],
  QUARTER: [
    [1, 1, 1, 4, 4, 1, 1, 4, 1, 4, 4, 1, 4],
    [1, 1, 1, 1],
  ],
  MONTH: [
    [2, 1, 1, 12, 12, 1, 1, 12, 1, 12, 12, 2, 12],
    [2, 1, 1, 1],
  ],
  WEEK: [
    [9, 52, 1, 52, 52, 1, 1, 1, 53, 53, 1, 9, 52],
    [9, 1, 1, 52],
  ],
  DAY: [
    [29, 1, 1, 31, 31, 1, 1, 31, 3, 31, 29, 28, 31],
    [29, 1, 1, 1],
  ],
  DOY: [
    [60, 1, 1, 365, 365, 1, 1, 365, 3, 366, 364, 59, 365],
    [60, 1, 1, 1],
  ],
  DOW: [
    [7, 7, 2, 6, 6, 2, 5, 4, 1, 5, 2, 4, 6],
    [7, 5, 2, 7],
  ],
  ISODOW: [
    [6, 6, 1, 5, 5, 1, 4, 3, 7, 4, 1, 3, 5],
    [6, 4, 1, 6],
  ],
};

test("EXTRACT(MILLENNIUM | CENTURY | DECADE | YEAR | ISOYEAR | ... | ISODOW FROM ...) of dates and timestamps equals Flink 1.20's", async () => {
  for (const [unit, [ofDates, ofTimestamps]] of Object.entries(FLINK_EXTRACT)) {
    const d = await one(DATES.map((x, i) => `EXTRACT(${unit} FROM DATE '${x}') AS c${i}`).join(", "));
    assert.deepEqual(Object.values(d), ofDates, `${unit} of dates`);
    const t = await one(
      TIMESTAMPS.map((x, i) => `EXTRACT(${unit} FROM TIMESTAMP '${x}') AS c${i}`).join(", "),
    );
    assert.deepEqual(Object.values(t), ofTimestamps, `${unit} of timestamps`);
  }
});

const FLINK_EXTRACT_OF_TIMESTAMPS: Record<string, number[]> = {
  HOUR: [12, 0, 0, 0],
  MINUTE: [34, 0, 0, 0],
  SECOND: [56, 0, 0, 0],
  MILLISECOND: [789, -500, 0, 1],
  MICROSECOND: [789000, -500000, 0, 1000],
  NANOSECOND: [789000000, -500000000, 0, 1000000],
  EPOCH: [1582979696, 0, -62135596800, 946684800],
};

test("EXTRACT(HOUR | ... | NANOSECOND | EPOCH FROM timestamp) as Flink 1.20 computes it (negative before 1970), EPOCH of a date, and MICROSECOND of a DATE refused", async () => {
  for (const [unit, expected] of Object.entries(FLINK_EXTRACT_OF_TIMESTAMPS)) {
    const t = await one(
      TIMESTAMPS.map((x, i) => `EXTRACT(${unit} FROM TIMESTAMP '${x}') AS c${i}`).join(", "),
    );
    assert.deepEqual(Object.values(t), expected, unit);
  }
  // Flink 1.20: 1582934400 and -62135596800 (seconds of the day's midnight).
  assert.deepEqual(
    await one("EXTRACT(EPOCH FROM DATE '2020-02-29') AS a, EXTRACT(EPOCH FROM DATE '0001-01-01') AS b"),
    { a: 1582934400, b: -62135596800 },
  );
  for (const unit of ["MICROSECOND", "NANOSECOND"])
    await assert.rejects(
      one(`EXTRACT(${unit} FROM DATE '2020-02-29')`),
      new RegExp(`unit ${unit} can not be applied to DATE`),
    );
});

// Flink 1.20 (bench/flink): a date unit or EPOCH of a TIME is refused ("unit YEAR can not be applied
// to time variable", the same for CENTURY, DOW, DECADE, EPOCH), where Fleuve read the TIME as a day of
// 1970 (YEAR 1970, CENTURY 20, DOW 5).
test("EXTRACT of a date unit from a TIME is refused with Flink 1.20's messages; its time units still run", async () => {
  for (const unit of ["YEAR", "CENTURY", "DOW", "DECADE", "EPOCH", "MONTH", "DAY", "QUARTER", "WEEK"])
    await assert.rejects(one(`EXTRACT(${unit} FROM TIME '12:00:00')`), (err: Error) =>
      err.message.startsWith(`unit ${unit} can not be applied to time variable`),
    );
  assert.deepEqual(
    await one("EXTRACT(HOUR FROM TIME '12:34:56') AS h, EXTRACT(SECOND FROM TIME '12:34:56') AS s"),
    { h: 12, s: 56 },
  );
});

// Flink 1.20 (bench/flink): EXTRACT(YEAR FROM INTERVAL '25' YEAR) is 25 and EXTRACT(MONTH FROM
// INTERVAL '25-3' YEAR TO MONTH) 3 (the months divided by 12 and their remainder), where Fleuve read
// the interval as a time of 1970 (1970 and 1); DECADE has no factor and is refused.
test("EXTRACT from an interval takes its fields from its months or milliseconds, as Flink 1.20", async () => {
  assert.deepEqual(
    await one(
      `EXTRACT(YEAR FROM INTERVAL '25' YEAR) AS y, EXTRACT(MONTH FROM INTERVAL '25-3' YEAR TO MONTH) AS m,
      EXTRACT(YEAR FROM INTERVAL '25-3' YEAR TO MONTH) AS ym, EXTRACT(DAY FROM INTERVAL '26' HOUR) AS d,
      EXTRACT(HOUR FROM INTERVAL '26' HOUR) AS h, EXTRACT(SECOND FROM INTERVAL '75.5' SECOND) AS s,
      EXTRACT(MILLISECOND FROM INTERVAL '75.5' SECOND) AS ms, EXTRACT(MINUTE FROM INTERVAL '75' MINUTE) AS mi,
      EXTRACT(YEAR FROM -INTERVAL '25-3' YEAR TO MONTH) AS ny, EXTRACT(MONTH FROM -INTERVAL '25-3' YEAR TO MONTH) AS nm,
      EXTRACT(QUARTER FROM INTERVAL '25-3' YEAR TO MONTH) AS q, EXTRACT(HOUR FROM -INTERVAL '26' HOUR) AS nh`,
    ),
    // Flink 1.20 printed 25, 3, 1, 2, 15, 500 and, negative, -25, -3, -2 (Java's remainders), quarter 1.
    { y: 25, m: 3, ym: 25, d: 1, h: 2, s: 15, ms: 500, mi: 15, ny: -25, nm: -3, q: 1, nh: -2 },
  );
  // A unit of the interval's kind without a factor: Flink's code generation refuses it.
  for (const [unit, interval] of [
    ["DECADE", "INTERVAL '25' YEAR"],
    ["EPOCH", "INTERVAL '3' DAY"],
    ["WEEK", "INTERVAL '10' DAY"],
    ["DOW", "INTERVAL '3' DAY"],
  ])
    await assert.rejects(one(`EXTRACT(${unit} FROM ${interval})`), (err: Error) =>
      err.message.startsWith(`Unit '${unit}' is not supported.`),
    );
});

// Flink 1.20 (bench/flink) refuses a unit of the other kind of interval in validation, with these
// messages; Fleuve computed YEAR of INTERVAL '400' DAY as 2880000000 and DAY of '2' MONTH as 0.
test("EXTRACT refuses a day-time unit of a year-month interval and a year-month unit of a day-time one, as Flink 1.20", async () => {
  const cases: [string, string][] = [
    ["DAY FROM INTERVAL '2' MONTH", "<INTERVAL DAY> FROM <INTERVAL MONTH>"],
    ["MONTH FROM INTERVAL '3' DAY", "<INTERVAL MONTH> FROM <INTERVAL DAY>"],
    ["QUARTER FROM INTERVAL '3' DAY", "<INTERVAL QUARTER> FROM <INTERVAL DAY>"],
    ["YEAR FROM INTERVAL '400' DAY", "<INTERVAL YEAR> FROM <INTERVAL DAY>"],
    ["CENTURY FROM INTERVAL '3' DAY", "<INTERVAL CENTURY> FROM <INTERVAL DAY>"],
    ["DECADE FROM INTERVAL '3' HOUR", "<INTERVAL DECADE> FROM <INTERVAL HOUR>"],
    ["MILLENNIUM FROM INTERVAL '3' SECOND", "<INTERVAL MILLENNIUM> FROM <INTERVAL SECOND>"],
    ["ISOYEAR FROM INTERVAL '3' DAY", "<INTERVAL ISOYEAR> FROM <INTERVAL DAY>"],
    ["HOUR FROM INTERVAL '2' MONTH", "<INTERVAL HOUR> FROM <INTERVAL MONTH>"],
    ["MILLISECOND FROM INTERVAL '2' MONTH", "<INTERVAL MILLISECOND> FROM <INTERVAL MONTH>"],
    ["MICROSECOND FROM INTERVAL '2' MONTH", "<INTERVAL MICROSECOND> FROM <INTERVAL MONTH>"],
    ["WEEK FROM INTERVAL '2' YEAR", "<INTERVAL WEEK> FROM <INTERVAL YEAR>"],
    ["DOY FROM INTERVAL '1-2' YEAR TO MONTH", "<INTERVAL DOY> FROM <INTERVAL YEAR TO MONTH>"],
    ["EPOCH FROM INTERVAL '2' MONTH", "<INTERVAL EPOCH> FROM <INTERVAL MONTH>"],
    ["ISODOW FROM INTERVAL '2' MONTH", "<INTERVAL ISODOW> FROM <INTERVAL MONTH>"],
    ["SECOND FROM INTERVAL '1-2' YEAR TO MONTH", "<INTERVAL SECOND> FROM <INTERVAL YEAR TO MONTH>"],
  ];
  for (const [call, types] of cases)
    await assert.rejects(one(`EXTRACT(${call})`), (err: Error) => {
      assert.equal(
        err.message,
        `Cannot apply 'EXTRACT' to arguments of type 'EXTRACT(${types})'. Supported form(s): 'EXTRACT(<DATETIME_INTERVAL> FROM <DATETIME_INTERVAL>)' 'EXTRACT(<DATETIME_INTERVAL> FROM <DATETIME>)'`,
        call,
      );
      return true;
    });
});
