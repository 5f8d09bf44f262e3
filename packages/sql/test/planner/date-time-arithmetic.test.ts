// DATE / TIME plus or minus an INTERVAL, as Flink types them: a DATE moves by whole days, a TIME
// wraps around midnight (modulo 24 h); a number added to or subtracted from a DATE or TIME is
// refused at planning (Flink refuses DATE ± numeric at validation), naming the expression.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const tEnv = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
const H = 3_600_000;
const M = 60_000;

test("DATE ± whole-day INTERVAL and TIME ± INTERVAL modulo 24 h: expected values", async () => {
  const rows = await (
    await tEnv().executeSql(
      `SELECT DATE '2024-03-01' - INTERVAL '1' DAY AS d, INTERVAL '2' DAYS + DATE '2024-02-28' AS e,
         DATE '2024-03-01' + INTERVAL '48' HOUR AS h, DATE '2023-12-31' + INTERVAL '1' WEEK AS w,
         TIME '23:30:00' + INTERVAL '45' MINUTE AS t, TIME '00:10:00' - INTERVAL '1' HOUR AS u,
         TIME '10:00:00' + INTERVAL '25' HOUR AS v, TIME '10:00:00' - INTERVAL '3' DAY AS x`,
    )
  ).collect();
  assert.deepEqual(rows, [
    {
      d: Date.UTC(2024, 1, 29),
      e: Date.UTC(2024, 2, 1),
      h: Date.UTC(2024, 2, 3),
      w: Date.UTC(2024, 0, 7),
      t: 15 * M,
      u: 23 * H + 10 * M,
      v: 11 * H,
      x: 10 * H,
    },
  ]);
});

const refused: [string, string][] = [
  [
    "SELECT CURRENT_DATE - 1",
    "CURRENT_DATE - 1: cannot subtract a number from a DATE (Flink refuses DATE - numeric); use an INTERVAL, as in CURRENT_DATE - INTERVAL '1' DAY (line 1, column 8)",
  ],
  [
    "SELECT 1, CURRENT_TIME + 2",
    "CURRENT_TIME + 2: cannot add a number to a TIME (Flink refuses TIME + numeric); use an INTERVAL, as in CURRENT_TIME + INTERVAL '1' HOUR (line 1, column 11)",
  ],
  [
    "SELECT 3 + CURRENT_DATE",
    "3 + CURRENT_DATE: cannot add a number to a DATE (Flink refuses DATE + numeric); use an INTERVAL, as in CURRENT_DATE - INTERVAL '1' DAY (line 1, column 12)",
  ],
  [
    "SELECT CURRENT_DATE + INTERVAL '1' HOUR",
    "CURRENT_DATE + INTERVAL '1' HOUR: a DATE moves by whole days only: the interval is not a whole number of days (CAST the date AS TIMESTAMP to move it by less) (line 1, column 8)",
  ],
  [
    "SELECT CURRENT_DATE - INTERVAL '1.5' DAY",
    "CURRENT_DATE - INTERVAL '1.5' DAY: a DATE moves by whole days only: the interval is not a whole number of days (CAST the date AS TIMESTAMP to move it by less) (line 1, column 8)",
  ],
  [
    "SELECT INTERVAL '1' DAY - CURRENT_DATE",
    "INTERVAL '1' DAY - CURRENT_DATE: an INTERVAL minus a DATE is not defined (line 1, column 8)",
  ],
];

for (const [q, message] of refused) {
  test(`refused at planning: ${q}`, async () => {
    await assert.rejects(tEnv().executeSql(q), (e: unknown) => {
      assert.ok(e instanceof FleuveError);
      assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
      assert.equal(e.message, message);
      return true;
    });
  });
}
