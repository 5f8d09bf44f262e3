// When a table's watermark is emitted, as in Flink 1.20: a source with watermark push-down (the log
// and Kafka connectors) per its 'scan.watermark.emit.strategy' ('on-event': after every row that
// advances it; 'on-periodic', the default: every auto-watermark interval), every other table
// (filesystem...) through Flink's WatermarkAssigner, which emits after a row that advances the
// watermark by more than 'pipeline.auto-watermark-interval' past the last one emitted. The
// expected rows are what Flink 1.20 printed for the same files (bench/flink/run.sh sql).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

/** Out of order: with a watermark after every row, 3 and 5 are late for [00, 05), 6 and 7 for [05, 10). */
const EV = [
  { id: 1, ts: "2020-04-15 08:00:01" },
  { id: 2, ts: "2020-04-15 08:00:07" },
  { id: 3, ts: "2020-04-15 08:00:03" },
  { id: 4, ts: "2020-04-15 08:00:12" },
  { id: 5, ts: "2020-04-15 08:00:04" },
  { id: 6, ts: "2020-04-15 08:00:07.100" },
  { id: 7, ts: "2020-04-15 08:00:07.050" },
];

/**
 * Row 3 advances the watermark by 150 ms only (08:00:04.900 to 08:00:05.050): a WatermarkAssigner
 * with a 200 ms interval does not emit it, and row 4 is on time for [00, 05); with 0 ms it is late.
 */
const EV2 = [
  { id: 1, ts: "2020-04-15 08:00:01" },
  { id: 2, ts: "2020-04-15 08:00:06.900" },
  { id: 3, ts: "2020-04-15 08:00:07.050" },
  { id: 4, ts: "2020-04-15 08:00:04" },
  { id: 5, ts: "2020-04-15 08:00:12" },
];

const COLUMNS = "id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND";
const TUMBLE = `SELECT CAST(window_start AS STRING) AS ws, COUNT(*) AS c, LISTAGG(CAST(id AS STRING)) AS ids
  FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY window_start, window_end`;

/** A periodic watermark that never comes before the end of the input: only rows emit one. */
const HOUR = 3_600_000;

function environment(autoWatermarkIntervalMs = HOUR) {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, autoWatermarkIntervalMs });
  return sql(env, { connectors: logConnectors });
}

/** A log table `ev` over `rows` with `options` added to its WITH clause. */
async function logTable(rows: readonly Record<string, unknown>[], options = "") {
  const tEnv = environment();
  const dir = logWithRows("ev", rows);
  await tEnv.executeSql(
    `CREATE TABLE ev (${COLUMNS}) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ev', 'bounded' = 'true'${options})`,
  );
  return tEnv;
}

/** A filesystem json table `ev` over `rows`, after `settings` (SET). */
async function fileTable(
  rows: readonly Record<string, unknown>[],
  settings: Record<string, string> = {},
  options = "",
  autoWatermarkIntervalMs = HOUR,
) {
  const tEnv = environment(autoWatermarkIntervalMs);
  const dir = mkdtempSync(join(tmpdir(), "fleuve-wm-emit-"));
  writeFileSync(join(dir, "ev.json"), rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
  for (const [k, v] of Object.entries(settings)) await tEnv.executeSql(`SET '${k}' = '${v}'`);
  await tEnv.executeSql(
    `CREATE TABLE ev (${COLUMNS}) WITH ('connector' = 'filesystem', 'path' = '${join(dir, "ev.json")}', 'format' = 'json'${options})`,
  );
  return tEnv;
}

async function rowsOf(tEnv: Awaited<ReturnType<typeof logTable>>, query = TUMBLE) {
  const rows = await (await tEnv.executeSql(query)).collect();
  return rows.map((r) => `${r.ws} ${r.c} ${r.ids}`).sort();
}

// Flink 1.20, 'scan.watermark.emit.strategy' = 'on-event' (and a watermark after every row):
// +I[2020-04-15T08:00, 2020-04-15T08:00:05, 1, 1]
// +I[2020-04-15T08:00:05, 2020-04-15T08:00:10, 1, 2]
// +I[2020-04-15T08:00:10, 2020-04-15T08:00:15, 1, 4]
const PER_ROW = ["2020-04-15 08:00:00.000 1 1", "2020-04-15 08:00:05.000 1 2", "2020-04-15 08:00:10.000 1 4"];

test("'scan.watermark.emit.strategy' = 'on-event': each row is judged against the watermark of the rows before it", async () => {
  const tEnv = await logTable(EV, ", 'scan.watermark.emit.strategy' = 'on-event'");
  assert.deepEqual(await rowsOf(tEnv), PER_ROW);
});

test("'on-periodic' (the default): no watermark between the rows of one interval, so no row is late", async () => {
  const all = [
    "2020-04-15 08:00:00.000 3 1,3,5",
    "2020-04-15 08:00:05.000 3 2,6,7",
    "2020-04-15 08:00:10.000 1 4",
  ];
  assert.deepEqual(await rowsOf(await logTable(EV)), all);
  assert.deepEqual(await rowsOf(await logTable(EV, ", 'scan.watermark.emit.strategy' = 'ON-PERIODIC'")), all);
});

test("a filesystem table's watermark comes after each row that advances it by more than the interval", async () => {
  // Flink takes 'scan.watermark.emit.strategy' on a filesystem table and ignores it (no push-down).
  // Flink 1.20, SET 'pipeline.auto-watermark-interval' = '200ms', with or without 'on-event':
  // +I[2020-04-15T08:00, 2020-04-15T08:00:05, 2, 1,4] / [08:00:05, 08:00:10, 2, 2,3] / [08:00:10, 08:00:15, 1, 5]
  const interval200 = [
    "2020-04-15 08:00:00.000 2 1,4",
    "2020-04-15 08:00:05.000 2 2,3",
    "2020-04-15 08:00:10.000 1 5",
  ];
  const ms200 = { "pipeline.auto-watermark-interval": "200ms" };
  assert.deepEqual(await rowsOf(await fileTable(EV2, ms200)), interval200);
  const onEvent = ", 'scan.watermark.emit.strategy' = 'on-event'";
  assert.deepEqual(await rowsOf(await fileTable(EV2, ms200, onEvent)), interval200);
  // Flink 1.20 with the interval 0: row 3's watermark is emitted, row 4 is late.
  // +I[2020-04-15T08:00, 2020-04-15T08:00:05, 1, 1] / [08:00:05, 08:00:10, 2, 2,3] / [08:00:10, 08:00:15, 1, 5]
  assert.deepEqual(await rowsOf(await fileTable(EV2, { "pipeline.auto-watermark-interval": "0" })), [
    "2020-04-15 08:00:00.000 1 1",
    "2020-04-15 08:00:05.000 2 2,3",
    "2020-04-15 08:00:10.000 1 5",
  ]);
  // Without the SET, the job's interval (200 ms by default); every jump of EV is over 200 ms.
  assert.deepEqual(await rowsOf(await fileTable(EV, {}, "", 200)), PER_ROW);
});

test("a 'scan.watermark.emit.strategy' Flink does not know is refused naming the option, on any table", async () => {
  for (const tEnv of [
    await logTable(EV, ", 'scan.watermark.emit.strategy' = 'on-row'"),
    await fileTable(EV, {}, ", 'scan.watermark.emit.strategy' = 'on-row'"),
  ])
    await assert.rejects(
      async () => (await tEnv.executeSql(TUMBLE)).collect(),
      // Flink 1.20: Invalid value for option 'scan.watermark.emit.strategy'. / Could not parse value
      // 'bogus' for key 'scan.watermark.emit.strategy'. / ... Expected one of: [[on-event, on-periodic]]
      /table ev: Invalid value for option 'scan\.watermark\.emit\.strategy': Could not parse value 'on-row' for key 'scan\.watermark\.emit\.strategy'\. Expected one of: \[on-event, on-periodic\]/,
    );
});

/** `ms` as Flink prints a TIMESTAMP(3) cast to STRING: `2020-04-15 08:00:05.000`. */
const text = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 23);

/** The tumble counts of `rows` when each is late if its window ended by the watermark of those before it. */
function perRowOracle(rows: readonly { id: number; t: number }[], size: number, delay: number): string[] {
  let wm = Number.NEGATIVE_INFINITY;
  const windows = new Map<number, number[]>();
  for (const r of rows) {
    const start = Math.floor(r.t / size) * size;
    if (start + size - 1 > wm) windows.set(start, [...(windows.get(start) ?? []), r.id]);
    wm = Math.max(wm, r.t - delay);
  }
  return [...windows].map(([start, ids]) => `${text(start)} ${ids.length} ${ids.join(",")}`).sort();
}

test("property: with 'on-event' (log) and an interval of 0 (filesystem), a tumble window drops exactly the rows late for the watermark of the rows before them", async () => {
  const row = fc.integer({ min: 0, max: 40 });
  await fc.assert(
    fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 12 }), async (seconds) => {
      const base = Date.UTC(2020, 3, 15, 8);
      const rows = seconds.map((s, i) => ({ id: i + 1, t: base + s * 500 }));
      const data = rows.map((r) => ({ id: r.id, ts: text(r.t) }));
      const expected = perRowOracle(rows, 5000, 2000);
      assert.deepEqual(
        await rowsOf(await logTable(data, ", 'scan.watermark.emit.strategy' = 'on-event'")),
        expected,
      );
      assert.deepEqual(
        await rowsOf(await fileTable(data, { "pipeline.auto-watermark-interval": "0 ms" })),
        expected,
      );
    }),
    { numRuns: 15 },
  );
});
