// A GROUP BY's savepoint taken without a state TTL restores into the same query run with
// `table.exec.state.ttl`. Without the TTL the groups are kept in the plain state
// `group-aggregate`, with it in `group-aggregate-ttl` (a state's TTL cannot be turned on under
// one name). Before 4ee68ad a GROUP BY ignored table.exec.state.ttl, so every savepoint of such a
// job holds its groups in the plain state: the same layout, the same operator uid and state
// schema (the TTL is no part of either) as a job run without the setting today. The restored job
// used to start every group afresh (COUNT back to 1, no -U of the rows sent before the
// savepoint); each group is now moved over on its first row, so the totals are exact.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { type Row, rowKind, sql } from "@fleuve/sql";
import { countSumOracle, countSumTable } from "../fixtures/numbers-job.js";

const LAST = 200;
const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-group-ttl-restore-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const QUERY = "SELECT MOD(n, 3) AS r, COUNT(*) AS cnt, SUM(n) AS total FROM numbers GROUP BY MOD(n, 3)";

/** A job of QUERY over numbers 1..LAST, its rows collected into `out`. */
async function job(out: Row[], options: { restoreFrom?: string; rate?: number; ttl?: string }) {
  const env = StreamExecutionEnvironment.create({
    ...(options.restoreFrom === undefined ? {} : { restoreFrom: options.restoreFrom }),
  });
  const tEnv = sql(env);
  if (options.ttl !== undefined) await tEnv.executeSql(`SET 'table.exec.state.ttl' = '${options.ttl}'`);
  await tEnv.executeSql(`CREATE TABLE numbers (n INT) WITH (
    'connector' = 'datagen', 'rows-per-second' = '${options.rate ?? 0}',
    'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '${LAST}')`);
  tEnv
    .sqlQuery(QUERY)
    .toDataStream()
    .forEach((r) => {
      out.push(r);
    });
  return env;
}

test("a GROUP BY's savepoint without a TTL restores into the query with table.exec.state.ttl: the groups are kept", {
  timeout: 300_000,
}, async () => {
  const first: Row[] = [];
  // 5 rows/s: stopped long before the end even on a loaded machine.
  const client = (await job(first, { rate: 5 })).executeAsync("group-ttl-restore-1");
  while (first.length < 6) await new Promise((r) => setTimeout(r, 20));
  const savepoint = await client.stopWithSavepoint(join(dir, "sp"));
  await client.result;
  const read = [...countSumTable(first).values()].reduce((a, [c]) => a + c, 0);
  assert.ok(read > 0 && read < LAST, `stopped mid-stream after ${read} numbers`);

  const rest: Row[] = [];
  const env = await job(rest, { restoreFrom: savepoint, ttl: "1 h" });
  const report = await env.checkSavepoint();
  assert.equal(report.needsNonRestored, false);
  await env.execute("group-ttl-restore-2");
  // Each group's first change after the restore retracts the row sent before the savepoint.
  const firstChange = new Map<number, string>();
  for (const r of rest) if (!firstChange.has(r.r as number)) firstChange.set(r.r as number, rowKind(r));
  assert.deepEqual([...firstChange.values()], ["-U", "-U", "-U"]);
  assert.deepEqual(countSumTable([...first, ...rest]), countSumOracle(LAST));
});
