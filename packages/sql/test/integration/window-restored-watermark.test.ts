// Window operators of every kind keep their watermark across a savepoint, as Flink's SQL window
// operators (WindowAggOperator, which also runs window Top-N and window deduplication) do:
// CUMULATE, SESSION, TUMBLE/HOP/SESSION over a TIMESTAMP_LTZ in a session time zone other than
// UTC (windows of the zone's wall clock), window Top-N, window deduplication keeping the first or
// the last row, and a window aggregation over windowed rows (the TVF's rows through a Calc),
// stopped with a savepoint just before a row late for a window that fired, and restored at
// parallelism 1, 2 and 3: the window does not fire again, and the two runs print together what
// an uninterrupted run prints; also cut at random rows of random input. A savepoint written before
// they kept it (the kept watermark removed from its files) restores with none, as then.
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
const sumShow = (r: Row) => `${String(r.total)}@${String(r.s)}-${String(r.e)}`;
const windowOf = (shown: string) => shown.slice(shown.indexOf("@"));

const ms = (n: number) => `INTERVAL '0.0${n}' SECOND`;
const query = (tvf: string) => `SELECT SUM(price) AS total, window_start AS s, window_end AS e
  FROM TABLE(${tvf}) GROUP BY window_start, window_end`;

const KATHMANDU = "Asia/Kathmandu"; // +05:45: the zoned windows' path, not UTC's
/** Row 0's window `[B + from, B + to)` of sum 1 as printed in Kathmandu's wall clock of 1970 (+05:30). */
const wall = (from: number, to: number) => `1@${B + 19_800_000 + from}-${B + 19_800_000 + to}`;

/** A window's row of window Top-N as `id#rank@start-end`, of window deduplication `id@start-end`. */
const showRanked = (r: Row) =>
  `${String(r.id)}${r.rn === undefined ? "" : `#${String(r.rn)}`}@${String(r.s)}-${String(r.e)}`;

const tumble20 = `TUMBLE(TABLE B, DESCRIPTOR(ts), ${ms(20)})`;
/** Rows 0 and 1 of TUMBLE 20's window [B, B + 20), which fires before the cut: row 1 is late. */
const lateForTumble20: Input[] = [
  { id: 0, price: 1, ts: B + 5, wm: B + 35 },
  { id: 1, price: 7, ts: B + 8, wm: B + 35 },
  { id: 2, price: 2, ts: B + 60, wm: B + 100 },
];
/** The rows numbered by `order` in each window of `tvf`, `rn` selected or not, kept to `rn <= top`. */
const ranked = (tvf: string, order: string, top: number, selectRank: boolean) =>
  `SELECT id, ${selectRank ? "rn, " : ""}window_start AS s, window_end AS e FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY ${order}) AS rn
    FROM TABLE(${tvf})) WHERE ${top === 1 ? "rn = 1" : `rn <= ${top}`}`;

/** The window kinds whose restored watermark was missing, each with rows cut before a late one. */
const CASES: readonly {
  name: string;
  sql: string;
  zone?: string;
  rows: Input[];
  fired: string[];
  /** A row as text (default: {@link sumShow}). */
  show?: (r: Row) => string;
  /**
   * The rows reach the operator from every subtask of the Calc after the TVF, so at a parallelism
   * above 1 in another order than the source's, and a row maybe before or after a watermark that
   * came before it (in Flink too). `ties`: equal sort keys rank in arrival order, so the random
   * cuts are compared with the uninterrupted run at parallelism 1 only; `lateness`: only when no
   * row after the cut may be late for a watermark that came after it (see {@link lateAfterCut}).
   */
  reordered?: "ties" | "lateness";
}[] = [
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
  // Flink's WindowRankOperator and RowTimeWindowDeduplicateOperator: WindowAggOperator too.
  {
    name: "window Top-2 of TUMBLE 20",
    sql: ranked(tumble20, "price DESC", 2, true),
    rows: lateForTumble20,
    fired: [`0#1@${B}-${B + 20}`],
    show: showRanked,
    reordered: "ties",
  },
  {
    name: `window Top-2 of TUMBLE 20 over TIMESTAMP_LTZ in ${KATHMANDU}`,
    sql: ranked(tumble20, "price DESC", 2, true),
    zone: KATHMANDU,
    rows: lateForTumble20,
    fired: [`0#1@${B + 19_800_000}-${B + 19_800_000 + 20}`],
    show: showRanked,
    reordered: "ties",
  },
  ...(
    [
      ["first", "ts"],
      ["last", "ts DESC"],
    ] as const
  ).map(([which, order]) => ({
    name: `window deduplication keeping the ${which} row of TUMBLE 20`,
    sql: ranked(tumble20, order, 1, false),
    rows: lateForTumble20,
    fired: [`0@${B}-${B + 20}`],
    show: showRanked,
    reordered: "ties" as const,
  })),
  {
    // Flink's window aggregation with windows attached to the input's columns (a Calc between).
    name: "window aggregation over TUMBLE 20's rows filtered",
    sql: `SELECT SUM(price) AS total, window_start AS s, window_end AS e
      FROM (SELECT * FROM TABLE(${tumble20}) WHERE id >= 0) GROUP BY window_start, window_end`,
    rows: lateForTumble20,
    reordered: "lateness",
    fired: [`1@${B}-${B + 20}`],
  },
];

/** Checks `sql` over `rows` cut before row `cut` and restored at `parallelisms` against an uninterrupted run. */
async function checkCut(
  c: (typeof CASES)[number],
  rows: readonly Input[],
  cut: number,
  parallelisms: readonly number[],
): Promise<void> {
  const { name, sql, zone } = c;
  const show = c.show ?? sumShow;
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

test("CUMULATE, SESSION and zoned TUMBLE/HOP/SESSION aggregations, window Top-N, window deduplication and a window aggregation over windowed rows restored from a savepoint do not fire a window again for a row late before it, at parallelism 1, 2 and 3", {
  timeout: 300_000,
}, async () => {
  for (const c of CASES) {
    // Uninterrupted, each window fires once: row 1 is too late for those row 0 fired.
    const want = (await run(c.rows, c.sql, false, c.zone, c.show ?? sumShow)).rows;
    assert.equal(new Set(want.map(windowOf)).size, want.length, `${c.name}: ${want.join(" ")}`);
    for (const w of c.fired) assert.ok(want.includes(w), `${c.name}: ${w} in ${want.join(" ")}`);
    await checkCut(c, c.rows, 1, [1, 2, 3]);
  }
});

test("a savepoint written before operators kept their watermark restores, with no watermark as then: the row late before it is taken in after it", {
  timeout: 300_000,
}, async () => {
  for (const c of CASES) {
    const show = c.show ?? sumShow;
    const want = (await run(c.rows, c.sql, false, c.zone, show)).rows;
    const { before, after } = await interrupted(dir, c.rows, c.sql, 1, 2, {
      zone: c.zone,
      show,
      oldFormat: true,
    });
    // Row 0's windows fired before the savepoint, as in the uninterrupted run.
    assert.ok(before.length > 0 && before.every((r) => want.includes(r)), `${c.name}: ${before.join(" ")}`);
    // Row 1 makes a window come out that the uninterrupted run does not print.
    const extra = after.filter((r) => !want.includes(r));
    assert.ok(extra.length > 0, `${c.name}: ${after.join(" ")}`);
  }
});

/**
 * Whether a row from `cut` on may be late for a watermark that came after the cut (its time at or
 * behind the watermark, which has moved since the cut; a row is late for a window only then).
 * Rows late for the restored watermark are late on every subtask, whatever the order.
 */
function lateAfterCut(rows: readonly Input[], cut: number): boolean {
  let wm = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < cut; i++) wm = Math.max(wm, rows[i]!.wm);
  const atCut = wm;
  for (let i = cut; i < rows.length; i++) {
    if (rows[i]!.ts <= wm && wm > atCut) return true;
    wm = Math.max(wm, rows[i]!.wm);
  }
  return false;
}

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
        const cut = 1 + (at % (rows.length - 1));
        const onlyOne = c.reordered === "ties" || (c.reordered === "lateness" && lateAfterCut(rows, cut));
        await checkCut(c, rows, cut, onlyOne ? [1] : [1, 3]);
      },
    ),
    { numRuns: 15 },
  );
});
