// A savepoint of a q5-like query taken when its two identical aggregations were planned twice (the
// layout before identical subqueries were planned once: here the same query with the second
// subquery's text differing by a WHERE, which planning looks through, so its ids are those of the
// old layout) restored into the query with identical subqueries: the second copy's state is
// dropped and the operators reading it are new. The check and the restore say so, naming the
// copy; with allowNonRestoredState the job runs, the shared aggregation's state kept.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type StateFitReport, StreamExecutionEnvironment } from "@fleuve/core";
import { type Row, sql } from "@fleuve/sql";

const LAST = 300;
const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-shared-sp-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Counts per (r, p), and per r the pairs with the most: q5's shape over group aggregations. */
const query = (secondWhere: string) => {
  const counts = (where: string) =>
    `SELECT MOD(n, 3) AS r, MOD(n, 2) AS p, COUNT(*) AS cnt FROM numbers ${where} GROUP BY MOD(n, 3), MOD(n, 2)`;
  return `SELECT a.r, a.p, a.cnt FROM (${counts("")}) a
    JOIN (SELECT c.r, MAX(c.cnt) AS m FROM (${counts(secondWhere)}) c GROUP BY c.r) b
    ON a.r = b.r AND a.cnt >= b.m`;
};

async function job(
  text: string,
  out: Row[],
  options: { restoreFrom?: string; allow?: boolean; rate?: number },
) {
  const env = StreamExecutionEnvironment.create({
    ...(options.restoreFrom === undefined ? {} : { restoreFrom: options.restoreFrom }),
    allowNonRestoredState: options.allow ?? false,
  });
  const tEnv = sql(env);
  await tEnv.executeSql(`CREATE TABLE numbers (n INT) WITH (
    'connector' = 'datagen', 'rows-per-second' = '${options.rate ?? 0}',
    'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '${LAST}')`);
  tEnv
    .sqlQuery(text)
    .toDataStream()
    .forEach((r) => {
      out.push(r);
    });
  return env;
}

const fits = (report: StateFitReport) =>
  report.operators.map((o) => `${o.fit} ${o.uid.replace(/-[0-9a-f]{10}/, "-*")}`).sort();

test("a savepoint of the two-aggregation layout restores into the shared one only by dropping the copy, which the check names", {
  timeout: 300_000,
}, async () => {
  const out: Row[] = [];
  // The old layout: two aggregations of the counts (the WHERE keeps every row).
  const client = (await job(query("WHERE n > 0"), out, { rate: 5 })).executeAsync("shared-1");
  while (out.length < 2) await new Promise((r) => setTimeout(r, 20));
  const savepoint = await client.stopWithSavepoint(join(dir, "sp"));
  await client.result;

  const env = await job(query(""), [], { restoreFrom: savepoint });
  const report = await env.checkSavepoint();
  assert.equal(report.needsNonRestored, true);
  const copy = report.operators.find(
    (o) => o.fit === "dropped" && /^GroupAggregate-[0-9a-f]{10}-2$/.test(o.uid),
  );
  assert.ok(copy !== undefined, fits(report).join("\n"));
  assert.match(copy.reason ?? "", /a second copy of GroupAggregate-[0-9a-f]{10} .*planned once/);
  // The first count's state is kept; what read the copy (the MAX, the join) is new.
  assert.ok(fits(report).includes("kept GroupAggregate-*"), fits(report).join("\n"));
  assert.ok(fits(report).includes("kept source-numbers"), fits(report).join("\n"));
  await assert.rejects(env.execute("shared-2"), /is a second copy of GroupAggregate-[0-9a-f]{10}/);

  // Dropping the copy: the job runs from the savepoint, the counts' state kept.
  const rows: Row[] = [];
  await (await job(query(""), rows, { restoreFrom: savepoint, allow: true })).execute("shared-3");
  assert.ok(rows.length > 0);
});
