// Window aggregations of every kind keep their watermark across a savepoint, as Flink's SQL window
// operators do: CUMULATE, SESSION, and TUMBLE/HOP/SESSION over a TIMESTAMP_LTZ in a session time
// zone other than UTC (windows of the zone's wall clock), stopped with a savepoint just before a
// row late for a window that fired, and restored at parallelism 1, 2 and 3: the window does not
// fire again, and the two runs print together what an uninterrupted run prints.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Row } from "@fleuve/sql";
import fc from "fast-check";
import { interrupted } from "../fixtures/savepoint-cut.js";
import { BASE as B, type Input, inputs, run } from "../fixtures/window-maximum.js";

const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-window-wm-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A window's result as `sum@start-end`. */
const show = (r: Row) => `${String(r.total)}@${String(r.s)}-${String(r.e)}`;
const windowOf = (shown: string) => shown.slice(shown.indexOf("@"));

const ms = (n: number) => `INTERVAL '0.0${n}' SECOND`;
const query = (tvf: string) => `SELECT SUM(price) AS total, window_start AS s, window_end AS e
  FROM TABLE(${tvf}) GROUP BY window_start, window_end`;

const KATHMANDU = "Asia/Kathmandu"; // +05:45: the zoned windows' path, not UTC's
/** Row 0's window `[B + from, B + to)` of sum 1 as printed in Kathmandu's wall clock of 1970 (+05:30). */
const wall = (from: number, to: number) => `1@${B + 19_800_000 + from}-${B + 19_800_000 + to}`;

/** The window kinds whose restored watermark was missing, each with rows cut before a late one. */
const CASES: readonly { name: string; sql: string; zone?: string; rows: Input[]; fired: string[] }[] = [
  {
    // [B, B + 10) fires before the cut; row 1 is late for it, not for [B, B + 20) and beyond.
    name: "CUMULATE 10/40",
    sql: query(`CUMULATE(TABLE B, DESCRIPTOR(ts), ${ms(10)}, ${ms(40)})`),
    rows: [
      { id: 0, price: 1, ts: B + 2, wm: B + 15 },
      { id: 1, price: 7, ts: B + 5, wm: B + 15 },
      { id: 2, price: 2, ts: B + 35, wm: B + 100 },
    ],
    fired: [`1@${B}-${B + 10}`],
  },
  {
    // Session [B, B + 10) fires before the cut; row 1's own session ends behind the watermark.
    name: "SESSION 10",
    sql: query(`SESSION(TABLE B, DESCRIPTOR(ts), ${ms(10)})`),
    rows: [
      { id: 0, price: 1, ts: B, wm: B + 20 },
      { id: 1, price: 7, ts: B + 3, wm: B + 20 },
      { id: 2, price: 2, ts: B + 50, wm: B + 100 },
    ],
    fired: [`1@${B}-${B + 10}`],
  },
  // The zone's wall clock: +05:30 at these instants (1970; +05:45 since 1986).
  ...(
    [
      ["TUMBLE 20", `TUMBLE(TABLE B, DESCRIPTOR(ts), ${ms(20)})`, [wall(0, 20)]],
      ["HOP 10/20", `HOP(TABLE B, DESCRIPTOR(ts), ${ms(10)}, ${ms(20)})`, [wall(-10, 10), wall(0, 20)]],
      ["SESSION 10", `SESSION(TABLE B, DESCRIPTOR(ts), ${ms(10)})`, [wall(5, 15)]],
    ] as const
  ).map(([name, tvf, fired]) => ({
    // The windows of row 0 fire before the cut; row 1 is late for all of its windows.
    name: `${name} over TIMESTAMP_LTZ in ${KATHMANDU}`,
    sql: query(tvf!),
    zone: KATHMANDU,
    rows: [
      { id: 0, price: 1, ts: B + 5, wm: B + 35 },
      { id: 1, price: 7, ts: B + 8, wm: B + 35 },
      { id: 2, price: 2, ts: B + 60, wm: B + 100 },
    ],
    fired: [...fired],
  })),
];

/** Checks `sql` over `rows` cut before row `cut` and restored at `parallelisms` against an uninterrupted run. */
async function checkCut(
  name: string,
  sql: string,
  zone: string | undefined,
  rows: readonly Input[],
  cut: number,
  parallelisms: readonly number[],
): Promise<void> {
  const want = (await run(rows, sql, false, zone, show)).rows;
  for (const p of parallelisms) {
    const { before, after } = await interrupted(dir, rows, sql, cut, p, { zone, show });
    const where = `${name}, cut before row ${cut}, restored at parallelism ${p}`;
    const fired = new Set(before.map(windowOf));
    assert.deepEqual(
      after.filter((r) => fired.has(windowOf(r))),
      [],
      `${where}: windows fired again (before: ${before.join(" ")})`,
    );
    assert.deepEqual([...before, ...after].sort(), want, where);
  }
}

test("CUMULATE, SESSION and zoned TUMBLE/HOP/SESSION aggregations restored from a savepoint do not fire a window again for a row late before it, at parallelism 1, 2 and 3", {
  timeout: 300_000,
}, async () => {
  for (const c of CASES) {
    // Uninterrupted, each window fires once: row 1 is too late for those row 0 fired (sum 1).
    const want = (await run(c.rows, c.sql, false, c.zone, show)).rows;
    assert.equal(new Set(want.map(windowOf)).size, want.length, `${c.name}: ${want.join(" ")}`);
    for (const w of c.fired) assert.ok(want.includes(w), `${c.name}: ${w} in ${want.join(" ")}`);
    await checkCut(c.name, c.sql, c.zone, c.rows, 1, [1, 2, 3]);
  }
});

test("the same window kinds cut at a random row of random out-of-order input print what an uninterrupted run prints", {
  timeout: 300_000,
}, async () => {
  await fc.assert(
    fc.asyncProperty(
      inputs.filter((rows) => rows.length >= 2),
      fc.nat(),
      fc.nat({ max: CASES.length - 1 }),
      async (rows, at, k) => {
        const c = CASES[k]!;
        await checkCut(c.name, c.sql, c.zone, rows, 1 + (at % (rows.length - 1)), [1, 3]);
      },
    ),
    { numRuns: 15 },
  );
});
