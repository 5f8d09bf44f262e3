// A sink takes one event-time attribute: an INSERT (or CREATE TABLE ... AS) of a query with two
// rowtime columns (an interval join's two times, the rowtime selected twice) is refused with Flink
// 1.20's message, naming the query's columns and the table's full path. Each message is what
// bench/flink (run.sh sql) printed for the statement; the statements it ran are kept too.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { type SqlEnvironment, sql } from "@fleuve/sql";

const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-rowtime-sink-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function setUp(): Promise<SqlEnvironment> {
  writeFileSync(
    join(dir, "a.json"),
    '{"id":1,"ts1":"2020-04-15 08:00:01.000"}\n{"id":2,"ts1":"2020-04-15 08:00:02.000"}\n',
  );
  writeFileSync(
    join(dir, "b.json"),
    '{"id":1,"ts2":"2020-04-15 08:00:01.500"}\n{"id":2,"ts2":"2020-04-15 08:00:02.500"}\n',
  );
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  for (const ddl of [
    `CREATE TABLE a (id INT, ts1 TIMESTAMP(3), WATERMARK FOR ts1 AS ts1) WITH ('connector'='filesystem','path'='${join(dir, "a.json")}','format'='json')`,
    `CREATE TABLE b (id INT, ts2 TIMESTAMP(3), WATERMARK FOR ts2 AS ts2) WITH ('connector'='filesystem','path'='${join(dir, "b.json")}','format'='json')`,
    "CREATE TABLE snk (id INT, ts1 TIMESTAMP(3), ts2 TIMESTAMP(3)) WITH ('connector'='blackhole')",
    "CREATE TABLE psnk (id INT, ts1 TIMESTAMP(3), ts2 TIMESTAMP(3)) WITH ('connector'='print')",
  ])
    await tEnv.executeSql(ddl);
  return tEnv;
}

const message = (columns: string, table: string) =>
  `The query contains more than one rowtime attribute column [${columns}] for writing into table 'default_catalog.default_database.${table}'. Please select the column that should be used as the event-time timestamp for the table sink by casting all other columns to regular TIMESTAMP or TIMESTAMP_LTZ.`;

const INTERVAL_JOIN =
  "SELECT a.id, a.ts1, b.ts2 FROM a, b WHERE a.id = b.id AND a.ts1 BETWEEN b.ts2 - INTERVAL '1' SECOND AND b.ts2";

test("two rowtime columns written into a sink: refused with Flink 1.20's message", async () => {
  const tEnv = await setUp();
  const cases: [string, string][] = [
    [`INSERT INTO snk ${INTERVAL_JOIN}`, message("ts1, ts2", "snk")],
    [`INSERT INTO psnk ${INTERVAL_JOIN}`, message("ts1, ts2", "psnk")],
    [`CREATE TABLE ctas WITH ('connector'='blackhole') AS ${INTERVAL_JOIN}`, message("ts1, ts2", "ctas")],
    // Calcite names the second ts1 ts10.
    ["INSERT INTO snk SELECT id, ts1, ts1 FROM a", message("ts1, ts10", "snk")],
    ["INSERT INTO snk SELECT id, ts1, ts1 AS x FROM a", message("ts1, x", "snk")],
    [
      "INSERT INTO default_catalog.default_database.snk SELECT id, ts1, ts1 FROM a",
      message("ts1, ts10", "snk"),
    ],
  ];
  for (const [statement, expected] of cases)
    await assert.rejects(
      () => tEnv.executeSql(statement),
      (e: Error) => e.message.startsWith(expected),
      statement,
    );
  // The refused CREATE TABLE ... AS left no table behind.
  await assert.rejects(() => tEnv.executeSql("DESCRIBE ctas"));
});

test("one rowtime column written, or two read by a SELECT: run, as in Flink 1.20", async () => {
  const tEnv = await setUp();
  // Flink ran these (nothing printed by the blackhole sink): one side's time cast to a regular
  // TIMESTAMP, and a regular join, whose output times are no time attributes.
  for (const statement of [
    `INSERT INTO snk SELECT a.id, a.ts1, CAST(b.ts2 AS TIMESTAMP(3)) FROM a, b WHERE a.id = b.id AND a.ts1 BETWEEN b.ts2 - INTERVAL '1' SECOND AND b.ts2`,
    "INSERT INTO snk SELECT a.id, a.ts1, b.ts2 FROM a JOIN b ON a.id = b.id",
  ])
    await (await tEnv.executeSql(statement)).await();
  // A SELECT's collect sink takes both: +I[1, 2020-04-15T08:00:01, 2020-04-15T08:00:01.500],
  // +I[2, 2020-04-15T08:00:02, 2020-04-15T08:00:02.500] there.
  const rows = await (await tEnv.executeSql(INTERVAL_JOIN)).collect();
  assert.deepEqual(
    rows.map((r) => [r.id, r.ts1, r.ts2]),
    [
      [1, Date.UTC(2020, 3, 15, 8, 0, 1), Date.UTC(2020, 3, 15, 8, 0, 1, 500)],
      [2, Date.UTC(2020, 3, 15, 8, 0, 2), Date.UTC(2020, 3, 15, 8, 0, 2, 500)],
    ],
  );
});
