// A TIMESTAMP's fields before 1970 as Flink 1.20 computes them: the EXTRACT shorthands (YEAR ...
// SECOND), EXTRACT, CAST to DATE and FLOOR/CEIL(ts TO unit). Flink divides epoch milliseconds toward
// zero there (the date fields of 1969-12-31 23:00 are 1970-01-01's, its HOUR is -1) and splits days
// before 1582-10-15 on the Julian calendar for FLOOR/CEIL to WEEK and up. The expected values are
// what bench/flink printed for 118 timestamps from year 1 to 9999 (fixtures/timestamp-fields-flink.txt).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import fc from "fast-check";

const fixture = readFileSync(new URL("../fixtures/timestamp-fields-flink.txt", import.meta.url), "utf8");
const [head = "", body = ""] = fixture.split("\n\n");
const exprs = head.split("\n").filter((l) => !l.startsWith("#"));
const rows = body
  .trim()
  .split("\n")
  .map((l) => l.split("|"));

const newEnv = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));

test("118 timestamps from year 1 to 9999: 56 expressions equal Flink 1.20's output", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ts-fields-"));
  writeFileSync(join(dir, "ts.csv"), rows.map((r, i) => `${i},${r[0]}`).join("\n"));
  const tEnv = newEnv();
  await tEnv.executeSql(
    `CREATE TABLE g (id INT, ts TIMESTAMP(3)) WITH ('connector' = 'filesystem', 'path' = '${join(dir, "ts.csv")}', 'format' = 'csv')`,
  );
  const select = exprs.map((e, i) => `CAST(${e} AS STRING) AS c${i}`).join(", ");
  const out = (await (await tEnv.executeSql(`SELECT id, ${select} FROM g`)).collect()) as Record<
    string,
    unknown
  >[];
  assert.equal(out.length, rows.length);
  const wrong: string[] = [];
  for (const o of out) {
    const expected = rows[o.id as number] ?? [];
    exprs.forEach((e, i) => {
      if (o[`c${i}`] !== expected[i + 1])
        wrong.push(`${e} of ${expected[0]}: Flink ${expected[i + 1]}, Fleuve ${String(o[`c${i}`])}`);
    });
  }
  assert.deepEqual(wrong.slice(0, 20), []);
});

/** Year-month-day of an epoch day on the proleptic Gregorian calendar, by Date (a different method). */
const gregorian = (day: number) => {
  const d = new Date(day * 86_400_000);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(), dow: d.getUTCDay() };
};
/** Epoch day of y-m-d (m may be 13), by Date: setUTCFullYear keeps years below 100 as they are. */
const dayOf = (y: number, m: number, d: number) => {
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return Math.round(t.getTime() / 86_400_000);
};

test("random timestamps from year 1 to 9999: fields, CAST to DATE and (from 1582-10-15, the Gregorian calendar) FLOOR/CEIL equal a Date-based reference", async () => {
  const tEnv = newEnv();
  const lo = -62_135_596_800_000; // 0001-01-01
  const hi = Date.UTC(9999, 11, 1);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: lo, max: hi }), { minLength: 1, maxLength: 30 }),
      async (mss) => {
        const values = mss.map((ms, i) => `(${i}, TO_TIMESTAMP_LTZ(${ms}, 3))`).join(", ");
        const out = (await (
          await tEnv.executeSql(
            `SELECT i, YEAR(ts) AS y, MONTH(ts) AS m, DAYOFMONTH(ts) AS d, HOUR(ts) AS h, MINUTE(ts) AS mi, SECOND(ts) AS s,
             CAST(CAST(ts AS DATE) AS STRING) AS dt,
             FLOOR(ts TO MONTH) AS fm, CEIL(ts TO MONTH) AS cm, FLOOR(ts TO YEAR) AS fy, CEIL(ts TO YEAR) AS cy,
             FLOOR(ts TO WEEK) AS fw, CEIL(ts TO WEEK) AS cw, FLOOR(ts TO QUARTER) AS fq, CEIL(ts TO QUARTER) AS cq
           FROM (SELECT i, CAST(t AS TIMESTAMP(3)) AS ts FROM (VALUES ${values}) AS v(i, t))`,
          )
        ).collect()) as Record<string, unknown>[];
        for (const o of out) {
          const ms = mss[o.i as number] as number;
          // Java's long division and remainder: toward zero.
          const day = Math.trunc(ms / 86_400_000);
          const rem = ms % 86_400_000;
          const g = gregorian(day);
          const startOfMonth = dayOf(g.y, g.m, 1);
          const q = Math.floor((g.m - 1) / 3) * 3 + 1;
          const expected = {
            i: o.i,
            y: g.y,
            m: g.m,
            d: g.d,
            h: Math.trunc(rem / 3_600_000) + 0,
            mi: Math.trunc((ms % 3_600_000) / 60_000) + 0,
            s: Math.trunc((ms % 60_000) / 1000) + 0,
            dt: `${String(g.y).padStart(4, "0")}-${String(g.m).padStart(2, "0")}-${String(g.d).padStart(2, "0")}`,
            fm: startOfMonth * 86_400_000,
            cm: (g.d > 1 ? dayOf(g.y, g.m + 1, 1) : startOfMonth) * 86_400_000,
            fy: dayOf(g.y, 1, 1) * 86_400_000,
            cy: dayOf(g.m > 1 || g.d > 1 ? g.y + 1 : g.y, 1, 1) * 86_400_000,
            fw: (day - g.dow) * 86_400_000,
            cw: (g.dow === 0 ? day : day - g.dow + 7) * 86_400_000,
            fq: dayOf(g.y, q, 1) * 86_400_000,
            cq: (g.m > 1 || g.d > 1 ? dayOf(g.y, q + 3, 1) : startOfMonth) * 86_400_000,
          };
          // Before 1582-10-15 Flink splits days on the Julian calendar: the fixture's grid covers that.
          const gregorianDay = day >= -141_427;
          const compared = gregorianDay
            ? o
            : { ...o, fm: 0, cm: 0, fy: 0, cy: 0, fw: 0, cw: 0, fq: 0, cq: 0 };
          const reference = gregorianDay
            ? expected
            : { ...expected, fm: 0, cm: 0, fy: 0, cy: 0, fw: 0, cw: 0, fq: 0, cq: 0 };
          assert.deepEqual(compared, reference, `at ${new Date(ms).toISOString()}`);
        }
      },
    ),
    { numRuns: 30 },
  );
});
