// Savepoints survive editing a query: a group aggregation stopped with a savepoint mid-stream,
// then restored into edited queries. Compatible edits (a projection added above, a WHERE added
// below) keep the aggregation's state: the final table equals a brute-force evaluation over the
// rows the first run read (unfiltered) and the rest (with the new WHERE). Incompatible edits (an
// aggregate added, the key changed) are refused naming the change, before and at the restore.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type StateFitReport, StreamExecutionEnvironment } from "@fleuve/core";
import { type Row, sql } from "@fleuve/sql";
import { countSumOracle, countSumTable } from "../fixtures/numbers-job.js";

const LAST = 300;
const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-evolve-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const numbers = (rowsPerSecond: number) => `CREATE TABLE numbers (n INT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '${rowsPerSecond}',
  'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '${LAST}')`;

const ORIGINAL = "SELECT MOD(n, 3) AS r, COUNT(*) AS cnt, SUM(n) AS total FROM numbers GROUP BY MOD(n, 3)";

/** A job of `query` over `numbers`, its rows collected into `out`. */
async function job(
  query: string,
  out: Row[],
  options: { restoreFrom?: string; allow?: boolean; rate?: number },
) {
  const env = StreamExecutionEnvironment.create({
    ...(options.restoreFrom === undefined ? {} : { restoreFrom: options.restoreFrom }),
    allowNonRestoredState: options.allow ?? false,
  });
  const tEnv = sql(env);
  await tEnv.executeSql(numbers(options.rate ?? 0));
  tEnv
    .sqlQuery(query)
    .toDataStream()
    .forEach((r) => {
      out.push(r);
    });
  return env;
}

/** The final table by r: [count, sum] of the numbers 1..LAST that `keep` accepts. */
const oracle = (keep: (n: number) => boolean, key?: (n: number) => number) => countSumOracle(LAST, keep, key);
const table = countSumTable;
const fits = (report: StateFitReport) =>
  report.operators.map((o) => `${o.fit} ${o.uid.replace(/-[0-9a-f]{10}/, "-*")}`).sort();

let savepoint = "";
/** How many numbers (1..read) the first run read before its savepoint. */
let read = 0;

test("a group aggregation stopped with a savepoint mid-stream", { timeout: 300_000 }, async () => {
  const out: Row[] = [];
  // 5 rows/s: a minute of input, stopped long before its end even on a loaded machine.
  const client = (await job(ORIGINAL, out, { rate: 5 })).executeAsync("evolve-1");
  while (out.length < 6) await new Promise((r) => setTimeout(r, 20));
  savepoint = await client.stopWithSavepoint(join(dir, "sp"));
  await client.result;
  const counts = [...table(out).values()];
  read = counts.reduce((a, [c]) => a + c, 0);
  assert.ok(read > 0 && read < LAST, `stopped mid-stream after ${read} numbers`);
  // What it printed is the state: the totals of 1..read.
  assert.deepEqual(
    table(out),
    oracle((n) => n <= read),
  );
});

test("a projection added above the aggregation: its state is kept, the totals are exact", async () => {
  const out: Row[] = [];
  const env = await job(`SELECT r, cnt, total, total * 2 AS twice FROM (${ORIGINAL}) WHERE cnt > 0`, out, {
    restoreFrom: savepoint,
  });
  const report = await env.checkSavepoint();
  assert.deepEqual(fits(report), ["kept GroupAggregate-*", "kept source-numbers"]);
  assert.equal(report.needsNonRestored, false);
  await env.execute("evolve-projection");
  assert.deepEqual(
    table(out),
    oracle(() => true),
  );
  for (const r of out) assert.equal(r.twice, (r.total as number) * 2);
});

test("a WHERE added below the aggregation: the old state is kept, the new rows filtered", async () => {
  const out: Row[] = [];
  const env = await job(
    "SELECT MOD(n, 3) AS r, COUNT(*) AS cnt, SUM(n) AS total FROM (SELECT n, n * 10 AS ten FROM numbers) WHERE MOD(n, 7) <> 0 GROUP BY MOD(n, 3)",
    out,
    { restoreFrom: savepoint },
  );
  assert.deepEqual(fits(await env.checkSavepoint()), ["kept GroupAggregate-*", "kept source-numbers"]);
  await env.execute("evolve-where");
  // The rows read before the savepoint were counted unfiltered; the rest pass the WHERE.
  assert.deepEqual(
    table(out),
    oracle((n) => n <= read || n % 7 !== 0),
  );
});

test("an aggregate added: the check and the restore refuse it, naming the aggregates", async () => {
  const query =
    "SELECT MOD(n, 3) AS r, COUNT(*) AS cnt, SUM(n) AS total, MAX(n) AS top FROM numbers GROUP BY MOD(n, 3)";
  const env = await job(query, [], { restoreFrom: savepoint });
  const report = await env.checkSavepoint();
  assert.deepEqual(fits(report), ["incompatible GroupAggregate-*", "kept source-numbers"]);
  assert.equal(report.needsNonRestored, true);
  const why = "aggregates changed: [COUNT(*), SUM(n)] -> [COUNT(*), SUM(n), MAX(n)]";
  assert.equal(report.operators.find((o) => o.fit === "incompatible")?.reason, why);
  await assert.rejects(env.execute("evolve-aggregate"), (e: Error & { code?: string }) => {
    assert.equal(e.code, "FLEUVE_STATE_INCOMPATIBLE");
    assert.ok(e.message.includes(why), e.message);
    assert.match(e.message, /set allowNonRestoredState/);
    return true;
  });
  // Told to drop it, the aggregation starts empty: it counts only the rows after the savepoint.
  const out: Row[] = [];
  await (await job(query, out, { restoreFrom: savepoint, allow: true })).execute("evolve-aggregate-allowed");
  assert.deepEqual(
    table(out),
    oracle((n) => n > read),
  );
});

test("the key changed: refused, naming the keys", async () => {
  const env = await job(
    "SELECT MOD(n, 5) AS r, COUNT(*) AS cnt, SUM(n) AS total FROM numbers GROUP BY MOD(n, 5)",
    [],
    { restoreFrom: savepoint },
  );
  const report = await env.checkSavepoint();
  assert.deepEqual(
    report.operators.filter((o) => o.fit === "incompatible").map((o) => o.reason),
    ["keys changed: [MOD(n, 3)] -> [MOD(n, 5)]"],
  );
  await assert.rejects(env.execute("evolve-key"), /keys changed: \[MOD\(n, 3\)\] -> \[MOD\(n, 5\)\]/);
});

test("a second aggregation over the same table is new (it starts empty) and reads the restored scan; the first one's state is kept", async () => {
  const out: Row[] = [];
  const env = await job(
    `${ORIGINAL} UNION ALL SELECT 10 + MOD(n, 2) AS r, COUNT(*) AS cnt, SUM(n) AS total FROM numbers GROUP BY MOD(n, 2)`,
    out,
    { restoreFrom: savepoint },
  );
  // One scan of numbers for both (a table read twice in a statement is read once, as Flink
  // reuses the source): it goes on from the savepoint's position.
  assert.deepEqual(fits(await env.checkSavepoint()), [
    "kept GroupAggregate-*",
    "kept source-numbers",
    "new GroupAggregate-*-2",
  ]);
  await env.execute("evolve-new");
  const want = oracle(() => true);
  // The new aggregation counts what the scan reads after the savepoint.
  for (const [k, v] of oracle(
    (n) => n > read,
    (n) => 10 + (n % 2),
  ))
    want.set(k, v);
  assert.deepEqual(table(out), want);
});
