// Year-month intervals (INTERVAL '1' YEAR, '2-3' YEAR TO MONTH, '5' MONTH), as Flink (Calcite)
// runs them: held as a number of months; DATE and TIMESTAMP plus or minus one move by calendar
// months, the day clamped to the target month's last (2024-01-31 + 1 month = 2024-02-29);
// intervals add, multiply and compare by months; CAST to a string prints Flink's '+2-03' (and a
// day-time interval Flink's '+5 00:00:00.000'). A property checks month arithmetic on random
// timestamps against a calendar computed by hand; bad literals and mixes Flink refuses are refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import fc from "fast-check";

const tEnv = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
const one = async (select: string) => {
  const rows = await (await tEnv().executeSql(`SELECT ${select}`)).collect();
  assert.equal(rows.length, 1);
  return rows[0] as Record<string, unknown>;
};

test("year-month interval literals are months; they add, scale, negate and compare as months", async () => {
  assert.deepEqual(
    await one(`INTERVAL '1' YEAR AS y, INTERVAL '2-3' YEAR TO MONTH AS ym, INTERVAL '5' MONTH AS m,
      INTERVAL '-1-1' YEAR TO MONTH AS neg, -INTERVAL '1-1' YEAR TO MONTH AS minus, INTERVAL '3' YEARS AS ys,
      INTERVAL '1' YEAR + INTERVAL '3' MONTH AS plus, INTERVAL '1' YEAR - INTERVAL '13' MONTH AS diff,
      INTERVAL '7' MONTH * 3 AS times, 2 * INTERVAL '1-6' YEAR TO MONTH AS twice,
      INTERVAL '1' YEAR > INTERVAL '11' MONTH AS gt, INTERVAL '1' YEAR = INTERVAL '12' MONTH AS eq,
      INTERVAL '2' MONTH < INTERVAL '0-1' YEAR TO MONTH AS lt`),
    {
      y: 12,
      ym: 27,
      m: 5,
      neg: -13,
      minus: -13,
      ys: 36,
      plus: 15,
      diff: -1,
      times: 21,
      twice: 36,
      gt: true,
      eq: true,
      lt: false,
    },
  );
});

test("DATE and TIMESTAMP ± a year-month interval: calendar months, the day clamped to the month's end", async () => {
  assert.deepEqual(
    await one(`CAST(DATE '2024-01-31' + INTERVAL '1' MONTH AS STRING) AS leap,
      CAST(DATE '2023-01-31' + INTERVAL '1' MONTH AS STRING) AS common,
      CAST(DATE '2024-02-29' + INTERVAL '1' YEAR AS STRING) AS leap_day,
      CAST(DATE '2024-03-31' - INTERVAL '1' MONTH AS STRING) AS back,
      CAST(INTERVAL '2-3' YEAR TO MONTH + DATE '2020-11-30' AS STRING) AS first,
      CAST(DATE '2024-05-15' - INTERVAL '-1-8' YEAR TO MONTH AS STRING) AS negative,
      CAST(TIMESTAMP '2024-01-31 10:11:12.345' + INTERVAL '1' MONTH AS STRING) AS ts,
      CAST(TIMESTAMP '1969-12-31 23:00:00' + INTERVAL '2' MONTH AS STRING) AS before_epoch,
      CAST(TIMESTAMP '2000-03-31 00:00:00' - INTERVAL '100' YEAR AS STRING) AS century`),
    {
      leap: "2024-02-29",
      common: "2023-02-28",
      leap_day: "2025-02-28",
      back: "2024-02-29",
      first: "2023-02-28",
      negative: "2026-01-15",
      ts: "2024-02-29 10:11:12.345",
      // TIMESTAMP(0) literals stay TIMESTAMP(0): cast without a fraction, as Flink 1.20 casts them.
      before_epoch: "1970-02-28 23:00:00",
      century: "1900-03-31 00:00:00",
    },
  );
});

test("CAST of an interval to a string: Flink's '+y-mm' and '+d hh:mm:ss.fff'", async () => {
  assert.deepEqual(
    await one(`CAST(INTERVAL '2-3' YEAR TO MONTH AS STRING) AS a, CAST(INTERVAL '1' YEAR AS STRING) AS b,
      CAST(INTERVAL '5' MONTH AS STRING) AS c, CAST(-INTERVAL '1-1' YEAR TO MONTH AS STRING) AS d,
      CAST(INTERVAL '14' MONTH AS VARCHAR) AS e, CAST(INTERVAL '5' DAY AS STRING) AS f,
      CAST(INTERVAL '-90.5' SECOND AS STRING) AS g, CAST(INTERVAL '26' HOUR AS STRING) AS h`),
    {
      a: "+2-03",
      b: "+1-00",
      c: "+0-05",
      d: "-1-01",
      e: "+1-02",
      f: "+5 00:00:00.000",
      g: "-0 00:01:30.500",
      h: "+1 02:00:00.000",
    },
  );
});

/** y-m-d as the calendar gives it after adding `months`, computed by hand (leap years by rule). */
function addMonthsByHand(y: number, m: number, d: number, months: number): [number, number, number] {
  const total = y * 12 + (m - 1) + months;
  const ty = Math.floor(total / 12);
  const tm = total - ty * 12 + 1;
  const leap = (ty % 4 === 0 && ty % 100 !== 0) || ty % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][tm - 1] as number;
  return [ty, tm, Math.min(d, days)];
}
const pad = (n: number, w = 2) => String(n).padStart(w, "0");

test("property: TIMESTAMP + INTERVAL 'n' MONTH keeps the time of day and clamps the day, as a hand-made calendar", async () => {
  const cases = fc.sample(
    fc.record({
      y: fc.integer({ min: 1900, max: 2200 }),
      m: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 28 }).chain((d) => fc.constantFrom(d, 29, 30, 31)),
      ms: fc.integer({ min: 0, max: 86_399_999 }),
      months: fc.integer({ min: -1300, max: 1300 }),
    }),
    { numRuns: 60, seed: 13 },
  );
  const valid = cases.filter(({ y, m, d }) => addMonthsByHand(y, m, d, 0)[2] === d);
  const timeText = (ms: number) =>
    `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
  const select = valid
    .map(
      ({ y, m, d, ms, months }, i) =>
        `CAST(TIMESTAMP '${y}-${pad(m)}-${pad(d)} ${timeText(ms)}' + INTERVAL '1' MONTH * ${months} AS STRING) AS c${i}`,
    )
    .join(", ");
  const row = await one(select);
  valid.forEach(({ y, m, d, ms, months }, i) => {
    const [ty, tm, td] = addMonthsByHand(y, m, d, months);
    assert.equal(
      row[`c${i}`],
      `${ty}-${pad(tm)}-${pad(td)} ${timeText(ms)}`,
      `${y}-${m}-${d} + ${months} months`,
    );
  });
});

test("year-month intervals Flink refuses are refused, naming the problem", async () => {
  const cases: [string, RegExp][] = [
    ["SELECT INTERVAL '1-12' YEAR TO MONTH", /INTERVAL '1-12' YEAR TO MONTH: .*month.*0 to 11/],
    ["SELECT INTERVAL '1.5' YEAR", /INTERVAL '1.5' YEAR: .*whole number/],
    ["SELECT INTERVAL '1' YEAR + INTERVAL '1' DAY", /a year-month interval and a day-time interval/],
    ["SELECT INTERVAL '1' MONTH > INTERVAL '30' DAY", /a year-month interval and a day-time interval/],
    ["SELECT INTERVAL '1' MONTH - DATE '2024-01-01'", /an INTERVAL minus a DATE is not defined/],
    ["SELECT TIME '10:00:00' + INTERVAL '1' MONTH", /TIME/],
    ["SELECT 1 + INTERVAL '1' MONTH", /a number/],
  ];
  for (const [query, message] of cases) {
    await assert.rejects(
      async () => (await tEnv().executeSql(query)).collect(),
      (e: Error) => {
        assert.ok(e instanceof FleuveError, `${query}: ${e.message}`);
        assert.match(e.message, message, query);
        return true;
      },
    );
  }
});
