// A table, view or CTE that one statement reads more than once is planned once and read by every
// reference, as Flink reuses a common sub-plan (reuse-sub-plan / reuse-source, on by default):
// one scan of the table, one copy of the CTE's state; EXPLAIN prints it once, then
// `Reused(reference_id=[k])`. Results are those of the statement as if each reference were its own.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { materialize, type Row, sql } from "@fleuve/sql";

/** Rows (k, v) with k in 1..3, as a csv file read by the filesystem connector. */
const ROWS = Array.from({ length: 12 }, (_, i) => ({ k: (i % 3) + 1, v: i }));

async function tables() {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-shared-"));
  writeFileSync(join(dir, "t.csv"), ROWS.map((r) => `${r.k},${r.v}\n`).join(""));
  const env = StreamExecutionEnvironment.create({ parallelism: 2, log: () => {} });
  const tEnv = sql(env);
  await tEnv.executeSql(
    `CREATE TABLE t (k INT, v INT) WITH ('connector' = 'filesystem', 'path' = '${dir}', 'format' = 'csv')`,
  );
  return tEnv;
}

async function plan(tEnv: Awaited<ReturnType<typeof tables>>, query: string): Promise<string> {
  const rows = await (await tEnv.executeSql(`EXPLAIN ${query}`)).collect();
  return rows.map((r) => Object.values(r).join("\n")).join("\n");
}

const count = (text: string, part: string) => text.split(part).length - 1;
const sorted = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();

test("a CTE read twice is planned once: one scan, one aggregation, the join of its two readings", async () => {
  const query = `WITH c AS (SELECT k, COUNT(*) AS n, SUM(v) AS s FROM t GROUP BY k)
    SELECT a.k, a.n, b.s FROM c a JOIN c b ON a.k = b.k`;
  const tEnv = await tables();
  const text = await plan(tEnv, query);
  const physical = text.slice(text.indexOf("== Optimized Physical Plan =="), text.indexOf("== Changelog =="));
  assert.equal(count(physical, "Source: t "), 1, physical);
  assert.equal(count(physical, "GroupAggregate("), 1, physical);
  assert.match(physical, /reuse_id=\[1\]/);
  assert.match(physical, /Reused\(reference_id=\[1\]\)/);
  const rows = materialize(await (await tEnv.executeSql(query)).collect());
  const expected = [1, 2, 3].map((k) => {
    const mine = ROWS.filter((r) => r.k === k);
    return { k, n: mine.length, s: mine.reduce((a, r) => a + r.v, 0) };
  });
  assert.deepEqual(sorted(rows), sorted(expected));
});

test("a table read twice (a self-join, a UNION ALL) is scanned once; the results count both readings", async () => {
  const tEnv = await tables();
  const join2 = "SELECT a.v AS x, b.v AS y FROM t a JOIN t b ON a.k = b.k AND a.v < b.v";
  const union = "SELECT v FROM t WHERE k = 1 UNION ALL SELECT v FROM t WHERE v > 8";
  for (const q of [join2, union]) {
    const physical = (await plan(tEnv, q)).split("== Optimized Physical Plan ==")[1]!;
    assert.equal(count(physical, "Source: t "), 1, physical);
    assert.match(physical, /Reused\(reference_id=\[1\]\)/);
  }
  const joined = await (await tEnv.executeSql(join2)).collect();
  const expectedJoin = ROWS.flatMap((a) =>
    ROWS.filter((b) => a.k === b.k && a.v < b.v).map((b) => ({ x: a.v, y: b.v })),
  );
  assert.deepEqual(sorted(joined), sorted(expectedJoin));
  const unioned = await (await tEnv.executeSql(union)).collect();
  const expectedUnion = [
    ...ROWS.filter((r) => r.k === 1).map((r) => ({ v: r.v })),
    ...ROWS.filter((r) => r.v > 8).map((r) => ({ v: r.v })),
  ];
  assert.deepEqual(sorted(unioned), sorted(expectedUnion));
});

test("two statements each plan their own reading: sharing is within one statement", async () => {
  const tEnv = await tables();
  await tEnv.executeSql("CREATE VIEW w AS SELECT k, v * 2 AS d FROM t");
  const physical = (await plan(tEnv, "SELECT a.d FROM w a JOIN w b ON a.k = b.k AND a.d = b.d")).split(
    "== Optimized Physical Plan ==",
  )[1]!;
  assert.equal(count(physical, "Source: t "), 1, physical);
  const rows = await (
    await tEnv.executeSql("SELECT a.d FROM w a JOIN w b ON a.k = b.k AND a.d = b.d")
  ).collect();
  assert.deepEqual(sorted(rows), sorted(ROWS.map((r) => ({ d: r.v * 2 }))));
  const again = await (await tEnv.executeSql("SELECT COUNT(*) AS n FROM w")).collect();
  assert.deepEqual(materialize(again), [{ n: ROWS.length }]);
});
