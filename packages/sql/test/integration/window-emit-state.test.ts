// The state of early and late firing of window aggregates. Restore: a job stopped with a savepoint
// mid-window and restored goes on from the rows it sent, so its next firing retracts exactly the
// row sent before the savepoint (-U), or sends nothing when the row is unchanged; the two runs
// print together what an uninterrupted run prints, on scripted and on random input cut at a random
// row. Clean-up: once the watermark passes a window's end - 1 plus the allowed lateness, the
// window's state (accumulators and the row it sent) is gone, as its timers, and a row for it
// arriving later is dropped; read from the operator's keyed state entries and timers.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Row } from "@fleuve/sql";
import fc from "fast-check";
import { emitJob, ev } from "../fixtures/emit-job.js";
import { interrupted, uninterrupted } from "../fixtures/savepoint-cut.js";
import { BASE as B, type Input, inputs } from "../fixtures/window-maximum.js";

const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-emit-state-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const EMIT = {
  "table.exec.emit.early-fire.enabled": "true",
  "table.exec.emit.early-fire.delay": "0 s",
  "table.exec.emit.late-fire.enabled": "true",
  "table.exec.emit.late-fire.delay": "0 s",
  "table.exec.emit.allow-lateness": "10 ms",
};

/** MAX and COUNT per TUMBLE 20 of view B (window-maximum.ts), with early and late firing. */
const QUERY = `SELECT MAX(price) AS hi, COUNT(*) AS n, window_start AS s, window_end AS e
  FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(ts), INTERVAL '0.020' SECOND)) GROUP BY window_start, window_end`;
/** MAX alone: a row below the maximum changes nothing. */
const MAX_ONLY = `SELECT MAX(price) AS hi, window_start AS s, window_end AS e
  FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(ts), INTERVAL '0.020' SECOND)) GROUP BY window_start, window_end`;

/** A row as `kind hi[/n]@start-end`, its times after B. */
const show = (r: Row) =>
  `${r.$rowkind ?? "+I"} ${String(r.hi)}${r.n === undefined ? "" : `/${String(r.n)}`}@${(r.s as number) - B}-${(r.e as number) - B}`;

const row = (id: number, price: number, ts: number, wm: number): Input => ({
  id,
  price,
  ts: B + ts,
  wm: B + wm,
});

test("restored mid-window, the next firing retracts the row sent before the savepoint, and an unchanged row sends nothing", async () => {
  const rows = [
    row(0, 3, 1, 0),
    row(1, 5, 2, 0),
    // cut: the savepoint holds [0, 20)'s row 5 as sent.
    row(2, 2, 3, 0), // below the maximum: nothing
    row(3, 7, 4, 0), // -U 5, +U 7
    row(4, 1, 50, 100), // its window's +I; [0, 20) ends unchanged: nothing
  ];
  for (const parallelism of [1, 2]) {
    const { before, after: rest } = await interrupted(dir, rows, MAX_ONLY, 2, parallelism, {
      settings: EMIT,
      show,
    });
    assert.deepEqual(before, ["+I 3@0-20", "-U 3@0-20", "+U 5@0-20"]);
    assert.deepEqual(rest, ["-U 5@0-20", "+U 7@0-20", "+I 1@40-60"]);
  }
  assert.deepEqual(await uninterrupted(rows, MAX_ONLY, { settings: EMIT, show }), [
    "+I 3@0-20",
    "-U 3@0-20",
    "+U 5@0-20",
    "-U 5@0-20",
    "+U 7@0-20",
    "+I 1@40-60",
  ]);
});

test("restored from a savepoint that kept the rows sent (window-sent-rows, before 752321e), the next firing retracts the row sent (-U) and sends the new row (+U) unless HAVING drops it, then goes on from the results", async () => {
  const rows = [
    row(0, 3, 1, 0),
    row(1, 5, 2, 0),
    // cut: the old savepoint holds [0, 20)'s row 5 as sent.
    row(2, 7, 3, 0), // -U 5, +U 7 (HAVING hi < 6: -U 5 alone)
    row(3, 2, 4, 0), // below the maximum, kept as results again: nothing
    row(4, 1, 50, 100), // its window's +I
  ];
  const tumble = `FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(ts), INTERVAL '0.020' SECOND)) GROUP BY window_start, window_end`;
  const hiOnly = (r: Row) => `${r.$rowkind ?? "+I"} ${String(r.hi)}`;
  for (const [having, cut, want] of [
    ["", 2, ["-U 5", "+U 7", "+I 1"]],
    ["HAVING MAX(price) < 6", 2, ["-U 5", "+I 1"]],
    // Row 3 was sent to no one (HAVING took none: null kept); 5 comes as +U, as Flink's Calc.
    ["HAVING MAX(price) > 4", 1, ["+U 5", "-U 5", "+U 7"]],
  ] as const) {
    const query = `SELECT MAX(price) AS hi ${tumble} ${having}`;
    const pass = (hi: unknown) =>
      having === "" || (having.includes("<") ? (hi as number) < 6 : (hi as number) > 4);
    const { before, after: rest } = await interrupted(dir, rows, query, cut, 1, {
      settings: EMIT,
      show: hiOnly,
      sentRows: (results) => (pass(results[0]) ? { hi: results[0] } : null),
    });
    assert.deepEqual(rest, want, having);
    assert.deepEqual(
      [...before, ...rest],
      await uninterrupted(rows, query, { settings: EMIT, show: hiOnly }),
      having,
    );
  }
});

test("restored at a random row of random out-of-order input, with late rows: the two runs print the changelog of an uninterrupted run", async () => {
  await fc.assert(
    fc.asyncProperty(
      inputs
        .filter((rows) => rows.length > 0)
        .chain((rows) => fc.tuple(fc.constant(rows), fc.nat(rows.length - 1))),
      async ([rows, cut]) => {
        const whole = await uninterrupted(rows, QUERY, { settings: EMIT, show });
        const { before, after: rest } = await interrupted(dir, rows, QUERY, cut, 1, { settings: EMIT, show });
        assert.deepEqual([...before, ...rest], whole);
      },
    ),
    { numRuns: 15 },
  );
});

test("after the window's end - 1 plus the allowed lateness, its accumulators and last sent row are gone, and a row for it is dropped", async () => {
  const job = await emitJob(0, { ...EMIT, "table.exec.emit.allow-lateness": "5 s" });
  const play = job.play;
  const state = () => {
    const m = job.aggregate();
    return {
      entries: m.gauges.numKeyedStateEntries,
      timers: m.gauges.numEventTimeTimers,
      dropped: m.numLateRecordsDropped,
    };
  };
  try {
    // Key c's window [10 s, 20 s) alone: the state and timers of one key and window.
    await play([ev("c", 3, 11_000)]);
    const c = state();
    assert.ok((c.entries as number) > 0 && (c.timers as number) > 0, JSON.stringify(c));
    // Keys a and b in [0 s, 10 s), which fires at 9999 and sends their rows.
    await play([ev("a", 1, 1000), ev("b", 2, 2000), { watermark: 9999 }]);
    const all = state();
    assert.ok((all.entries as number) > (c.entries as number), JSON.stringify(all));
    // Kept until 9999 + 5000: a late row before then updates a's row.
    await play([{ watermark: 14_998 }, ev("a", 4, 5000)]);
    assert.deepEqual(state(), { entries: all.entries, timers: all.timers, dropped: 0 });
    // Cleaned at 14 999: nothing of a's and b's windows is left, neither accumulators nor the
    // rows they sent (keyed state entries count per key) nor timers; c's are as they were.
    await play([{ watermark: 14_999 }]);
    assert.deepEqual(state(), c);
    // A row for a cleaned window is dropped: no state, no row out.
    await play([ev("a", 5, 6000), ev("b", 6, 9999)]);
    assert.deepEqual(state(), { ...c, dropped: 2 });
  } finally {
    await job.end();
  }
  // The end of input fires and cleans the last window.
  assert.deepEqual(state(), { entries: 0, timers: 0, dropped: 2 });
  assert.deepEqual(job.rows(), [
    "+I[c, 10000, 3]",
    "+I[a, 0, 1]",
    "+I[b, 0, 2]",
    "-U[a, 0, 1]",
    "+U[a, 0, 5]",
  ]);
});
