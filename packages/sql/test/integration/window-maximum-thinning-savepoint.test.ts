// q7's thinned plan (the join takes its bids from the window aggregate's side output, see
// window-maximum-thinning.test.ts) stopped with a savepoint at a chosen row of its input, while
// windows are open and the join holds bids, and restored into a fresh job of the same SQL at
// parallelism 1 and 3: what the two runs print together is the brute-force result, and that of an
// uninterrupted run. The cut is exact: the source stops reading at that row until the savepoint.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import { interrupted } from "../fixtures/savepoint-cut.js";
import {
  BASE,
  bruteForce,
  type Input,
  inputs,
  NOTE,
  q7,
  run,
  type Windows,
} from "../fixtures/window-maximum.js";

const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-q7-sp-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** {@link interrupted} of the fixture, savepoints in `dir`, checking q7's note unless told not. */
const cutRun = (
  rows: readonly Input[],
  query: string,
  cut: number,
  parallelism: number,
  note: string | false = NOTE,
) => interrupted(dir, rows, query, cut, parallelism, { note: note === false ? undefined : note });

/**
 * Checks the interrupted runs of q7 over `rows` cut at `cut` against the brute-force rows and an
 * uninterrupted run; true if the join held across the savepoint a bid read before the cut.
 */
async function checkCut(
  rows: readonly Input[],
  w: Windows,
  flipped: boolean,
  cut: number,
  parallelisms: readonly number[],
): Promise<boolean> {
  const query = q7(w, flipped);
  const want = bruteForce(rows, w);
  assert.deepEqual((await run(rows, query, false)).rows, want, "uninterrupted");
  let held = false;
  for (const p of parallelisms) {
    const { before, after } = await cutRun(rows, query, cut, p);
    assert.deepEqual([...before, ...after].sort(), want, `cut at row ${cut}, restored at parallelism ${p}`);
    held ||= after.some((r) => Number(r.slice(0, r.indexOf("@"))) < cut);
  }
  return held;
}

test("q7's thinned plan cut by a savepoint while windows are open and bids wait in the join: restored at parallelism 1 and 3, the brute-force rows", {
  timeout: 300_000,
}, async () => {
  const B = BASE;
  // TUMBLE 20. Before the cut: [B, B + 20) open with maximum 5 (row 0 passed on to the join,
  // waiting for it; row 1, below it, not), [B + 20, B + 40) open with row 2 passed on. After: row 3 fires [B, B + 20); row 4 is late for it (the
  // aggregate drops it) but equals its maximum; row 5 ties the maximum of [B + 20, B + 40).
  const tumbling: Input[] = [
    { id: 0, price: 5, ts: B + 5, wm: B },
    { id: 1, price: 3, ts: B + 12, wm: B + 2 },
    { id: 2, price: 4, ts: B + 22, wm: B + 2 },
    { id: 3, price: 4, ts: B + 30, wm: B + 25 },
    { id: 4, price: 5, ts: B + 10, wm: B + 25 },
    { id: 5, price: 4, ts: B + 35, wm: B + 35 },
  ];
  assert.deepEqual(bruteForce(tumbling, { size: 20, slide: 20 }), [
    `0@${B + 20}`,
    `2@${B + 40}`,
    `3@${B + 40}`,
    `4@${B + 20}`,
    `5@${B + 40}`,
  ]);
  for (const flipped of [false, true])
    assert.ok(
      await checkCut(tumbling, { size: 20, slide: 20 }, flipped, 3, [1, 3]),
      "a bid held across the savepoint",
    );

  // HOP 20/10: the cut after [B - 10, B + 10) fired, [B, B + 20) and [B + 10, B + 30) open, the
  // maximum-to-be of [B, B + 20) (row 1) read before the cut and shared by [B + 10, B + 30).
  const hopping: Input[] = [
    { id: 0, price: 2, ts: B + 5, wm: B + 9 },
    { id: 1, price: 4, ts: B + 15, wm: B + 9 },
    { id: 2, price: 4, ts: B + 5, wm: B + 9 },
    { id: 3, price: 1, ts: B + 25, wm: B + 22 },
    { id: 4, price: 4, ts: B + 18, wm: B + 22 },
  ];
  assert.ok(
    await checkCut(hopping, { size: 20, slide: 10 }, false, 3, [1, 3]),
    "a bid held across the savepoint",
  );
});

test("q7's thinned plan cut by a savepoint at a random row of random input: the brute-force rows", {
  timeout: 300_000,
}, async () => {
  let held = 0;
  await fc.assert(
    fc.asyncProperty(
      inputs.filter((rows) => rows.length >= 2),
      fc.nat(),
      fc.boolean(),
      fc.boolean(),
      async (rows, at, hop, flipped) => {
        const w = hop ? { size: 20, slide: 10 } : { size: 20, slide: 20 };
        // Any cut, also before a row late for a window that fired before it (the restored window
        // aggregate starts from the watermark it had, so it drops that row as an uninterrupted run).
        if (await checkCut(rows, w, flipped, 1 + (at % (rows.length - 1)), [1, 3])) held++;
      },
    ),
    { numRuns: 20 },
  );
  assert.ok(held > 0, "some cut found bids held in the join");
});

test("a row late before the savepoint is late after the restore: the window that fired does not fire again, at parallelism 1 and rescaled to 2 and 3", {
  timeout: 120_000,
}, async () => {
  const B = BASE;
  // Row 0 with watermark B fires [B - 20, B) (empty) before the savepoint; row 1, read first after
  // the restore, belongs to it only: late, dropped as in an uninterrupted run (Flink's
  // WindowAggOperator restores its watermark), not taken into it to fire it again as `7@B`.
  const rows: Input[] = [
    { id: 0, price: 1, ts: B, wm: B },
    { id: 1, price: 7, ts: B - 5, wm: B },
  ];
  const query = `SELECT MAX(price) AS id, window_end AS e
    FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(ts), INTERVAL '0.020' SECOND)) GROUP BY window_start, window_end`;
  const want = [`1@${B + 20}`];
  assert.deepEqual((await run(rows, query, false)).rows, want, "uninterrupted");
  for (const p of [1, 2, 3]) {
    const { before, after } = await cutRun(rows, query, 1, p, false);
    assert.deepEqual([...before, ...after].sort(), want, `restored at parallelism ${p}`);
  }
});
