// Which late rows an interval join still joins, as Flink 1.20's TimeIntervalJoin decides it: a
// row stays cached until its key's cleanup timer (set by the first row cached, at its time + the
// interval + 1 ms) or a probe drops it, so a row that came out of order behind the one that set
// the timer can be joined after the watermark passed its own bound. The expected rows are what
// Flink 1.20 printed for the same files (bench/flink/run.sh sql, twice, the same both times).
//
// Flink reads the two files in two source tasks, so which rows reach the join first is up to
// their threads (bench/sql-diff/README.md); here the right file starts with 30000 rows of key 'z'
// that the query filters out, so that the left file is read through before the right's rows come
// (Flink's watermark assigner still sees them: their time, 00:00:00, is before every other row's).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const LEFT = [
  { id: "L1", k: "a", ts: "2020-01-01 00:00:10" }, // key a's cleanup timer: 10 s + 2 s + 1 ms
  { id: "L2", k: "a", ts: "2020-01-01 00:00:05" }, // out of order: cached under L1's timer
  { id: "L3", k: "c", ts: "2020-01-01 00:00:20" },
];
const FILLER = Array.from({ length: 30000 }, (_, i) => ({ id: `F${i}`, k: "z", ts: "2020-01-01 00:00:00" }));
const RIGHT = [
  ...FILLER,
  { id: "R1", k: "b", ts: "2020-01-01 00:00:09" }, // moves the watermark to 9 s, past L2's bound (7 s)
  { id: "R2", k: "a", ts: "2020-01-01 00:00:04" }, // late, in L2's interval: L2 is still cached
  { id: "R3", k: "c", ts: "2020-01-01 00:00:01" },
];

async function run(query: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-ijoin-late-"));
  const lines = (rows: readonly object[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");
  writeFileSync(join(dir, "l.json"), lines(LEFT));
  writeFileSync(join(dir, "r.json"), lines(RIGHT));
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  await tEnv.executeScript(`
    SET 'pipeline.auto-watermark-interval' = '0 ms';
    CREATE TABLE l (id STRING, k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
      WITH ('connector' = 'filesystem', 'path' = '${join(dir, "l.json")}', 'format' = 'json');
    CREATE TABLE r (id STRING, k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
      WITH ('connector' = 'filesystem', 'path' = '${join(dir, "r.json")}', 'format' = 'json');`);
  const rows = await (await tEnv.executeSql(query)).collect();
  return rows.map((r) => `${r.l ?? null} ${r.r ?? null}`).sort();
}

const BOUNDS = "r.ts BETWEEN l.ts - INTERVAL '3' SECOND AND l.ts + INTERVAL '2' SECOND";

test("a late row joins a row that came out of order and is kept until its key's cleanup timer (Flink's TimeIntervalJoin)", async () => {
  // Flink 1.20: +I[L2, R2]
  const rows = await run(
    `SELECT l.id AS l, r.id AS r FROM l, r WHERE l.k = r.k AND r.k <> 'z' AND ${BOUNDS}`,
  );
  assert.deepEqual(rows, ["L2 R2"]);
});

test("a FULL JOIN pads what expires unmatched, under the same rules", async () => {
  // Flink 1.20: +I[L2, R2] +I[null, R3] +I[L1, null] +I[null, R1] +I[L3, null]
  const rows = await run(
    `SELECT l.id AS l, r.id AS r FROM l FULL JOIN (SELECT * FROM r WHERE k <> 'z') r ON l.k = r.k AND ${BOUNDS}`,
  );
  assert.deepEqual(rows, ["L1 null", "L2 R2", "L3 null", "null R1", "null R3"]);
});
