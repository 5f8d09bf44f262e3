// The state of the joins subqueries decorrelate into (semi, anti, and the left join of scalar
// subqueries, correlated or not) survives stop-with-savepoint and a restore, also at another
// parallelism: a job stopped mid-stream and restored at parallelism 1 and 3 ends, over the two
// runs' changelogs, with the table of an uninterrupted run, also checked by brute force.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { GeneratorSource, StreamExecutionEnvironment } from "@fleuve/core";
import { materialize, type Row, rowKind, sql } from "@fleuve/sql";

const LAST = 200;
const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-subquery-sp-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A job of `query` over `numbers` (n = 1..LAST from a source of parallelism 1), its rows in `out`. */
function job(
  query: string,
  out: Row[],
  options: { restoreFrom?: string; rate?: number; parallelism?: number },
): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.create({
    parallelism: options.parallelism ?? 1,
    log: () => {},
    ...(options.restoreFrom === undefined ? {} : { restoreFrom: options.restoreFrom }),
  });
  const tEnv = sql(env);
  const source = new GeneratorSource((i) => ({ n: i + 1 }), {
    count: LAST,
    ...(options.rate === undefined ? {} : { ratePerSecond: options.rate }),
  });
  tEnv.createTemporaryView(
    "numbers",
    env.fromSource(source, undefined, "numbers").uid("numbers").setParallelism(1),
    "n INT",
  );
  tEnv
    .sqlQuery(query)
    .toDataStream()
    .forEach((r) => {
      out.push(r);
    });
  return env;
}

const text = (r: Row) => JSON.stringify({ ...r, $rowkind: undefined });
const sorted = (rows: readonly Row[]) => rows.map(text).sort();

test("semi, anti and scalar-subquery joins: stopped with a savepoint mid-stream, restored at parallelism 1 and 3, end with the uninterrupted table", {
  timeout: 300_000,
}, async () => {
  // Each n passes while no n + 50 has come (anti), once a MOD(m, 4) equal to MOD(n, 3) has
  // (semi); with the count of numbers ending with its digit (correlated) and the highest number
  // (uncorrelated), both updated as numbers come.
  const query = `
    SELECT a.n,
      (SELECT COUNT(*) FROM numbers b WHERE MOD(b.n, 10) = MOD(a.n, 10)) AS same_digit,
      (SELECT MAX(n) FROM numbers) AS highest
    FROM numbers a
    WHERE NOT EXISTS (SELECT 1 FROM numbers b WHERE b.n = a.n + 50)
      AND MOD(a.n, 3) IN (SELECT MOD(n, 4) FROM numbers WHERE n > 5)`;
  const expected = Array.from({ length: 50 }, (_, i) => ({
    n: LAST - 49 + i,
    same_digit: LAST / 10,
    highest: LAST,
  }));
  const whole: Row[] = [];
  await job(query, whole, {}).execute("subqueries-whole");
  assert.deepEqual(sorted(materialize(whole)), sorted(expected));

  // Interrupted once rows have come and gone (the anti join retracted some): at 20 numbers a
  // second, long before the end.
  const first: Row[] = [];
  const client = job(query, first, { rate: 20 }).executeAsync("subqueries-1");
  while (!first.some((r) => rowKind(r) === "-D" && (r.n as number) > 10))
    await new Promise((r) => setTimeout(r, 20));
  const savepoint = await client.stopWithSavepoint(join(dir, "subqueries"));
  await client.result;
  assert.ok(!first.some((r) => r.n === LAST), "stopped mid-stream");
  for (const p of [1, 3]) {
    const rest: Row[] = [];
    await job(query, rest, { restoreFrom: savepoint, parallelism: p }).execute(`subqueries-p${p}`);
    assert.deepEqual(
      sorted(materialize([...first, ...rest])),
      sorted(expected),
      `restored at parallelism ${p}`,
    );
  }
});
