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
