// The state of the streaming sorts survives stop-with-savepoint and a restore, also at another
// parallelism: the temporal sort (ORDER BY the event-time attribute: held rows, their timers and
// the time of the last batch emitted) and the SortLimit (ORDER BY ... LIMIT, over an insert-only
// and over an updating input). Each job is stopped mid-stream with a savepoint and restored at
// parallelism 1 and 3; what the two runs printed together equals an uninterrupted run (the exact
// sequence for the temporal sort, the final table for the SortLimit, also checked by brute force).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { GeneratorSource, StreamExecutionEnvironment } from "@fleuve/core";
import { materialize, type Row, rowKind, sql } from "@fleuve/sql";

const LAST = 300;
const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-sort-sp-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// Event times out of order by up to 4 s, the watermark 5 s behind the highest: no row is ever
// late, so every run, however the watermarks fall, prints every row.
const timeOf = (n: number) => (n + ((n * 7) % 5)) * 1000;

/**
 * A job of `query` over `numbers` (n = 1..LAST from a source of parallelism 1, which keeps its
 * position in the savepoint, so only the sort's parallelism changes), its rows collected in `out`.
 */
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
  const source = new GeneratorSource((i) => ({ n: i + 1, ts: timeOf(i + 1) }), {
    count: LAST,
    ...(options.rate === undefined ? {} : { ratePerSecond: options.rate }),
  });
  tEnv.createTemporaryView(
    "numbers",
    env.fromSource(source, undefined, "numbers").uid("numbers").setParallelism(1),
    "n INT, ts TIMESTAMP_LTZ(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND",
  );
  tEnv
    .sqlQuery(query)
    .toDataStream()
    .forEach((r) => {
      out.push(r);
    });
  return env;
}

const text = (r: Row) => `${rowKind(r)}${JSON.stringify({ ...r, $rowkind: undefined })}`;
const sorted = (rows: readonly Row[]) => rows.map(text).sort();

/**
 * Runs `query` stopped with a savepoint once `stopWhen` holds of its output (5 rows/s, so long
 * before the end), then restored at each parallelism of `restoreAt`: the first run's output, and
 * each restored run's (to the end of the input).
 */
async function interrupted(
  query: string,
  name: string,
  stopWhen: (out: readonly Row[]) => boolean,
  restoreAt: readonly number[],
): Promise<{ first: Row[]; rest: Row[][] }> {
  const first: Row[] = [];
  const client = job(query, first, { rate: 5 }).executeAsync(`${name}-1`);
  while (!stopWhen(first)) await new Promise((r) => setTimeout(r, 20));
  const savepoint = await client.stopWithSavepoint(join(dir, name));
  await client.result;
  const rest: Row[][] = [];
  for (const p of restoreAt) {
    const out: Row[] = [];
    await job(query, out, { restoreFrom: savepoint, parallelism: p }).execute(`${name}-p${p}`);
    rest.push(out);
  }
  return { first, rest };
}

test("temporal sort: stopped with a savepoint mid-stream, restored at parallelism 1 and 3, prints the uninterrupted sequence", {
  timeout: 300_000,
}, async () => {
  const query = "SELECT n, ts FROM numbers ORDER BY ts, n";
  const whole: Row[] = [];
  await job(query, whole, {}).execute("temporal-sort-whole");
  // The oracle: every row, by time then n.
  const times = Array.from({ length: LAST }, (_, i) => i + 1).map((n) => ({ n, ts: timeOf(n) }));
  times.sort((a, b) => a.ts - b.ts || a.n - b.n);
  assert.deepEqual(
    whole.map((r) => [r.n, r.ts]),
    times.map((r) => [r.n, r.ts]),
  );

  const { first, rest } = await interrupted(query, "temporal-sort", (out) => out.length >= 10, [1, 3]);
  assert.ok(first.length < LAST, `stopped mid-stream after ${first.length} rows`);
  for (const out of rest) assert.deepEqual([...first, ...out].map(text), whole.map(text));
});

test("SortLimit over an insert-only input: stopped with a savepoint, restored at parallelism 1 and 3, ends with the uninterrupted top", {
  timeout: 300_000,
}, async () => {
  const query =
    "SELECT n, MOD(n * 37, 101) AS v FROM numbers ORDER BY MOD(n * 37, 101) DESC, n LIMIT 4 OFFSET 1";
  const whole: Row[] = [];
  await job(query, whole, {}).execute("sort-limit-whole");
  const top = Array.from({ length: LAST }, (_, i) => i + 1)
    .map((n) => ({ n, v: (n * 37) % 101 }))
    .sort((a, b) => b.v - a.v || a.n - b.n)
    .slice(1, 5);
  assert.deepEqual(sorted(materialize(whole)), sorted(top));

  const { first, rest } = await interrupted(query, "sort-limit", (out) => out.length >= 6, [1, 3]);
  assert.ok(
    first.some((r) => rowKind(r) === "-D") && materialize(first).length === 4,
    "stopped with a full top that has moved",
  );
  for (const out of rest) assert.deepEqual(sorted(materialize([...first, ...out])), sorted(top));
});

test("SortLimit over an updating input (a group aggregation): stopped with a savepoint, restored at parallelism 1 and 3, ends with the uninterrupted top", {
  timeout: 300_000,
}, async () => {
  const query = `SELECT k, cnt, total FROM (
      SELECT MOD(n, 7) AS k, COUNT(*) AS cnt, SUM(n) AS total FROM numbers GROUP BY MOD(n, 7))
    ORDER BY total DESC LIMIT 3`;
  const whole: Row[] = [];
  await job(query, whole, {}).execute("sort-limit-updating-whole");
  const byKey = new Map<number, { k: number; cnt: number; total: number }>();
  for (let n = 1; n <= LAST; n++) {
    const g = byKey.get(n % 7) ?? { k: n % 7, cnt: 0, total: 0 };
    byKey.set(n % 7, { k: g.k, cnt: g.cnt + 1, total: g.total + n });
  }
  const top = [...byKey.values()].sort((a, b) => b.total - a.total).slice(0, 3);
  assert.deepEqual(sorted(materialize(whole)), sorted(top));

  const { first, rest } = await interrupted(query, "sort-limit-updating", (out) => out.length >= 12, [1, 3]);
  assert.ok(
    materialize(first).length === 3,
    `stopped mid-stream with ${materialize(first).length} rows in the top`,
  );
  for (const out of rest) assert.deepEqual(sorted(materialize([...first, ...out])), sorted(top));
});
