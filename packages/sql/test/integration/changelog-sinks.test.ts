// Sinks and changelogs end to end: an updating query writes to an upsert table of the embedded
// log (keyed records, tombstones for deletes) and reads back as the same final table through
// ChangelogNormalize; append-only sinks refuse updates naming the operator; upsert tables need a
// PRIMARY KEY; print, blackhole and datagen come with every SQL environment.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type Row, rowKind, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows, readRecords } from "../fixtures/log-table.js";

const env = () => StreamExecutionEnvironment.create({ parallelism: 1 });
const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The table an upsert topic holds: the last value of each key, without deleted keys. */
function upsertTable(records: { key: string | null; value: unknown }[]): Row[] {
  const byKey = new Map<string | null, unknown>();
  for (const r of records) {
    if (r.value === null) byKey.delete(r.key);
    else byKey.set(r.key, r.value);
  }
  return [...byKey.values()] as Row[];
}

async function pipeline(rows: readonly Record<string, unknown>[]) {
  const input = logWithRows("t", rows);
  const output = logWithRows("totals", []);
  const tEnv = sql(env(), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE t (k STRING, v INT) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 't', 'bounded' = 'true');
    CREATE TABLE totals (k STRING, n BIGINT, s INT, PRIMARY KEY (k) NOT ENFORCED)
      WITH ('connector' = 'upsert-log', 'log' = '${output}', 'topic' = 'totals', 'bounded' = 'true')`);
  return { tEnv, output };
}

test("an updating query into an upsert-log table writes keyed upserts and tombstones", async () => {
  const { tEnv, output } = await pipeline([
    { k: "a", v: 1 },
    { k: "b", v: 2 },
    { k: "a", v: 3 },
    { k: "b", v: 4 },
    { k: "b", v: 5 },
  ]);
  const job = await tEnv.executeSql(
    "INSERT INTO totals SELECT k, COUNT(*), SUM(v) FROM t GROUP BY k HAVING COUNT(*) < 3",
  );
  await job.await();
  // With HAVING the query declares no unique key (a group leaving HAVING sends a lone -U, as in
  // Flink): every -U is a tombstone, so b leaving HAVING is one too.
  assert.deepEqual(readRecords(output, "totals"), [
    { key: '{"k":"a"}', value: { k: "a", n: 1, s: 1 } },
    { key: '{"k":"b"}', value: { k: "b", n: 1, s: 2 } },
    { key: '{"k":"a"}', value: null },
    { key: '{"k":"a"}', value: { k: "a", n: 2, s: 4 } },
    { key: '{"k":"b"}', value: null },
    { key: '{"k":"b"}', value: { k: "b", n: 2, s: 6 } },
    { key: '{"k":"b"}', value: null },
  ]);
});

test("reading an upsert-log table gives its changelog (ChangelogNormalize): +I, -U/+U, -D", async () => {
  const { tEnv, output } = await pipeline([
    { k: "a", v: 1 },
    { k: "b", v: 2 },
    { k: "a", v: 3 },
    { k: "b", v: 4 },
    { k: "b", v: 5 },
  ]);
  await (
    await tEnv.executeSql(
      "INSERT INTO totals SELECT k, COUNT(*), SUM(v) FROM t GROUP BY k HAVING COUNT(*) < 3",
    )
  ).await();
  const reader = sql(env(), { connectors: logConnectors });
  await reader.executeSql(`CREATE TABLE totals (k STRING, n BIGINT, s INT, PRIMARY KEY (k) NOT ENFORCED)
      WITH ('connector' = 'upsert-log', 'log' = '${output}', 'topic' = 'totals', 'bounded' = 'true')`);
  const result = await reader.executeSql("SELECT k, s FROM totals");
  assert.equal(result.changelogMode?.producer, "ChangelogNormalize(key=[k])");
  const changes = await result.collect();
  assert.deepEqual(
    changes.map((r) => `${rowKind(r)}${r.k}=${r.s}`),
    ["+Ia=1", "+Ib=2", "-Da=1", "+Ia=4", "-Db=2", "+Ib=6", "-Db=6"],
  );
  assert.deepEqual(materialize(changes), [{ k: "a", s: 4 }]);
});

test("property: an upsert table written by a group aggregation holds the SQL's final table", async () => {
  const row = fc.record({ k: fc.constantFrom("a", "b", "c", "d"), v: fc.integer({ min: 0, max: 9 }) });
  await fc.assert(
    fc.asyncProperty(fc.array(row, { maxLength: 30 }), async (rows) => {
      const { tEnv, output } = await pipeline(rows);
      await (
        await tEnv.executeSql(
          "INSERT INTO totals SELECT k, COUNT(*), SUM(v) FROM t WHERE v > 0 GROUP BY k HAVING SUM(v) < 15",
        )
      ).await();
      const expected: Row[] = [];
      for (const k of ["a", "b", "c", "d"]) {
        const vs = rows.filter((r) => r.k === k && r.v > 0).map((r) => r.v);
        const s = vs.reduce((a, b) => a + b, 0);
        if (vs.length > 0 && s < 15) expected.push({ k, n: vs.length, s });
      }
      assert.deepEqual(sortRows(upsertTable(readRecords(output, "totals"))), sortRows(expected));
    }),
    { numRuns: 10 },
  );
});

test("an upsert table needs a PRIMARY KEY; an append-only table refuses updates naming the operator", async () => {
  const input = logWithRows("t", []);
  const tEnv = sql(env(), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE t (k STRING, v INT) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 't', 'bounded' = 'true');
    CREATE TABLE nokey (k STRING, n BIGINT) WITH ('connector' = 'upsert-log', 'log' = '${input}', 'topic' = 'x');
    CREATE TABLE append (k STRING, n BIGINT) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 'x')`);
  await assert.rejects(
    tEnv.executeSql("INSERT INTO nokey SELECT k, COUNT(*) FROM t GROUP BY k"),
    /table nokey: the 'upsert-log' connector writes upserts by key and needs a PRIMARY KEY \(\.\.\.\) NOT ENFORCED/,
  );
  await assert.rejects(
    tEnv.executeSql("SELECT * FROM nokey"),
    /table nokey: the 'upsert-log' connector reads upserts by key and needs a PRIMARY KEY/,
  );
  await assert.rejects(
    tEnv.executeSql("INSERT INTO append SELECT k, COUNT(*) FROM (SELECT DISTINCT k, v FROM t) GROUP BY k"),
    (e: Error) => {
      assert.match(
        e.message,
        /^table append \('log'\) is an append-only sink: it cannot take the updates \[\+I, -U, \+U, -D\] produced by GroupAggregate\(groupBy=\[k\], select=\[k, COUNT\(\*\)\]\); write to an upsert table/,
      );
      return true;
    },
  );
});

test("datagen, blackhole and print come with every SQL environment (Flink's built-in connectors)", async () => {
  const tEnv = sql(env());
  await tEnv.executeScript(`
    CREATE TABLE gen (id INT, price DOUBLE, name STRING) WITH (
      'connector' = 'datagen', 'rows-per-second' = '0',
      'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '100',
      'fields.price.min' = '1', 'fields.price.max' = '2', 'fields.name.length' = '3');
    CREATE TABLE sink (id INT, n BIGINT) WITH ('connector' = 'blackhole')`);
  const rows = await (
    await tEnv.executeSql(
      "SELECT COUNT(*) AS n, SUM(id) AS s, MIN(price) >= 1 AND MAX(price) <= 2 AS ok, MAX(CHAR_LENGTH(name)) AS len FROM gen",
    )
  ).collect();
  assert.deepEqual(materialize(rows), [{ n: 100, s: 5050, ok: true, len: 3 }]);
  await assert.rejects(
    tEnv
      .executeSql("CREATE TABLE bad (id INT) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence')")
      .then(() => tEnv.executeSql("SELECT * FROM bad")),
    /table bad: connector 'datagen' source: field 'id': a sequence needs/,
  );
});
