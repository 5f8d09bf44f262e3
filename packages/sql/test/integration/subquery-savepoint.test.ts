// The state of the joins subqueries decorrelate into (semi, anti, and the left join of scalar
// subqueries, correlated or not, by equalities or by a non-equi condition) survives
// stop-with-savepoint and a restore, also at another parallelism: a job stopped mid-stream and
// restored at parallelism 1 and 3 ends, over the two runs' changelogs, with the table of an
// uninterrupted run, also checked by brute force.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { materialize, type Row, rowKind } from "@fleuve/sql";
import { NUMBERS, numbersJob } from "../fixtures/numbers-job.js";

const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-subquery-sp-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const text = (r: Row) => JSON.stringify({ ...r, $rowkind: undefined });
const sorted = (rows: readonly Row[]) => rows.map(text).sort();

test("semi, anti and scalar-subquery joins: stopped with a savepoint mid-stream, restored at parallelism 1 and 3, end with the uninterrupted table", {
  timeout: 300_000,
}, async () => {
  // Each n passes while no n + 50 has come (anti), once a MOD(m, 4) equal to MOD(n, 3) has
  // (semi); with the count of numbers ending with its digit (correlated), the highest number
  // (uncorrelated) and the count of multiples of 7 below it (correlated by a non-equi condition:
  // a join with the distinct n, then a GROUP BY), all updated as numbers come.
  const query = `
    SELECT a.n,
      (SELECT COUNT(*) FROM numbers b WHERE MOD(b.n, 10) = MOD(a.n, 10)) AS same_digit,
      (SELECT MAX(n) FROM numbers) AS highest,
      (SELECT COUNT(*) FROM numbers b WHERE b.n < a.n AND MOD(b.n, 7) = 0) AS sevens_below
    FROM numbers a
    WHERE NOT EXISTS (SELECT 1 FROM numbers b WHERE b.n = a.n + 50)
      AND MOD(a.n, 3) IN (SELECT MOD(n, 4) FROM numbers WHERE n > 5)`;
  const expected = Array.from({ length: 50 }, (_, i) => ({
    n: NUMBERS - 49 + i,
    same_digit: NUMBERS / 10,
    highest: NUMBERS,
    sevens_below: Math.floor((NUMBERS - 50 + i) / 7),
  }));
  const whole: Row[] = [];
  await numbersJob(query, whole, {}).execute("subqueries-whole");
  assert.deepEqual(sorted(materialize(whole)), sorted(expected));

  // Interrupted once rows have come and gone (the anti join retracted some): at 20 numbers a
  // second, long before the end.
  const first: Row[] = [];
  const client = numbersJob(query, first, { rate: 20 }).executeAsync("subqueries-1");
  while (!first.some((r) => rowKind(r) === "-D" && (r.n as number) > 10))
    await new Promise((r) => setTimeout(r, 20));
  const savepoint = await client.stopWithSavepoint(join(dir, "subqueries"));
  await client.result;
  assert.ok(!first.some((r) => r.n === NUMBERS), "stopped mid-stream");
  for (const p of [1, 3]) {
    const rest: Row[] = [];
    await numbersJob(query, rest, { restoreFrom: savepoint, parallelism: p }).execute(`subqueries-p${p}`);
    assert.deepEqual(
      sorted(materialize([...first, ...rest])),
      sorted(expected),
      `restored at parallelism ${p}`,
    );
  }
});
