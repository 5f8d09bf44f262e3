// CURRENT_WATERMARK(rowtime) (Flink's systemFunctions): the watermark of the operator evaluating
// it, NULL before its first one, typed as the rowtime attribute (precision 3) and nullable. A
// scripted source fixes exactly which watermark precedes which row, so the late-row filter of
// Flink's docs has one answer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { ScriptedSource, type ScriptStep } from "@fleuve/core/testing";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, sql } from "@fleuve/sql";
import { logWithRows } from "../fixtures/log-table.js";

type Ev = { id: number; ts: number; other: number };
const row = (id: number, s: number): ScriptStep<Ev> => ({
  value: { id, ts: s * 1000, other: s * 1000 },
  timestamp: s * 1000,
});
// Rows 1 and 2 before any watermark; the watermark reaches :04; row 3 (:03) and row 4 (:04) are
// late (not after it), row 5 (:06) is not; then the watermark reaches :10 and row 6 (:08) is late.
const STEPS: ScriptStep<Ev>[] = [
  row(1, 1),
  row(2, 5),
  { watermark: 4000 },
  row(3, 3),
  row(4, 4),
  row(5, 6),
  { watermark: 10_000 },
  row(6, 8),
];

function scripted(timeType: "TIMESTAMP_LTZ(3)" | "TIMESTAMP(3)") {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  const tEnv = sql(env);
  const stream = env.fromSource(new ScriptedSource(STEPS), undefined, "scripted").setParallelism(1);
  tEnv.createTemporaryView(
    "Ev",
    stream,
    `id INT, ts ${timeType}, other ${timeType}, WATERMARK FOR ts AS SOURCE_WATERMARK()`,
  );
  return tEnv;
}

test("Flink's late-row filter: WHERE CURRENT_WATERMARK(ts) IS NULL OR ts > CURRENT_WATERMARK(ts)", async () => {
  for (const timeType of ["TIMESTAMP_LTZ(3)", "TIMESTAMP(3)"] as const) {
    const tEnv = scripted(timeType);
    const rows = await (
      await tEnv.executeSql(
        "SELECT id FROM Ev WHERE CURRENT_WATERMARK(ts) IS NULL OR ts > CURRENT_WATERMARK(ts)",
      )
    ).collect();
    assert.deepEqual(
      rows.map((r) => r.id),
      [1, 2, 5],
      timeType,
    );
  }
});

const LATE_ROW_FILTER = "CURRENT_WATERMARK(ts) IS NULL OR ts > CURRENT_WATERMARK(ts)";

test("the late-row filter in the WHERE of a GROUP BY drops late rows before they are aggregated", async () => {
  // Flink evaluates the WHERE per input row, before the aggregation, with the watermark of that
  // moment: rows 1, 2 and 5 are kept, so the odd ids are {1, 5} and the even ones {2}.
  const tEnv = scripted("TIMESTAMP_LTZ(3)");
  const result = await tEnv.executeSql(
    `SELECT MOD(id, 2) AS odd, COUNT(*) AS n, SUM(id) AS ids FROM Ev WHERE ${LATE_ROW_FILTER} GROUP BY MOD(id, 2)`,
  );
  const rows = materialize(await result.collect()).sort((a, b) => Number(a.odd) - Number(b.odd));
  assert.deepEqual(rows, [
    { odd: 0, n: 1, ids: 2 },
    { odd: 1, n: 2, ids: 6 },
  ]);
});

test("the late-row filter in the WHERE of a window TVF aggregation drops rows its window would still take", async () => {
  // 5-second tumbling windows fire at watermark :04.999 and :09.999. Without the filter, rows 3
  // (:03) and 4 (:04) arrive after watermark :04 but before [:00, :05) fires, so the window counts
  // them; row 6 (:08) comes after [:05, :10) fired and is dropped by the window itself. With the
  // filter (per input row, before the windows) only rows 1, 2 and 5 are counted.
  const query = (where: string) =>
    `SELECT window_start, COUNT(*) AS n, SUM(id) AS ids
     FROM TABLE(TUMBLE(TABLE Ev, DESCRIPTOR(ts), INTERVAL '5' SECOND))${where}
     GROUP BY window_start, window_end`;
  const run = async (where: string) =>
    (await (await scripted("TIMESTAMP(3)").executeSql(query(where))).collect()).map((r) => ({
      start: r.window_start,
      n: r.n,
      ids: r.ids,
    }));
  assert.deepEqual(await run(""), [
    { start: 0, n: 3, ids: 8 },
    { start: 5000, n: 2, ids: 7 },
  ]);
  assert.deepEqual(await run(` WHERE ${LATE_ROW_FILTER}`), [
    { start: 0, n: 1, ids: 1 },
    { start: 5000, n: 2, ids: 7 },
  ]);
});

test("CURRENT_WATERMARK in the WHERE of a GROUP BY reads the watermark each input row meets", async () => {
  // Rows 1 and 2 meet no watermark and are dropped; rows 3 to 6 meet one: 3 and 4 are not after
  // :04, 5 and 6 are.
  const tEnv = scripted("TIMESTAMP(3)");
  const result = await tEnv.executeSql(
    "SELECT ts > TIMESTAMP '1970-01-01 00:00:04' AS after4, COUNT(*) AS n FROM Ev WHERE CURRENT_WATERMARK(ts) IS NOT NULL GROUP BY ts > TIMESTAMP '1970-01-01 00:00:04'",
  );
  const rows = materialize(await result.collect()).sort((a, b) => Number(a.after4) - Number(b.after4));
  assert.deepEqual(rows, [
    { after4: false, n: 2 },
    { after4: true, n: 2 },
  ]);
});

test("CURRENT_WATERMARK in the select list: NULL before the first watermark, then the operator's watermark", async () => {
  const tEnv = scripted("TIMESTAMP(3)");
  const rows = await (
    await tEnv.executeSql(
      "SELECT id, CAST(CURRENT_WATERMARK(ts) AS STRING) AS wm, CURRENT_WATERMARK(ts) < ts AS ahead FROM Ev",
    )
  ).collect();
  assert.deepEqual(rows, [
    { id: 1, wm: null, ahead: null },
    { id: 2, wm: null, ahead: null },
    { id: 3, wm: "1970-01-01 00:00:04.000", ahead: false },
    { id: 4, wm: "1970-01-01 00:00:04.000", ahead: false },
    { id: 5, wm: "1970-01-01 00:00:04.000", ahead: true },
    { id: 6, wm: "1970-01-01 00:00:10.000", ahead: false },
  ]);
});

test("CURRENT_WATERMARK is typed as the rowtime attribute, precision 3, nullable", async () => {
  for (const [timeType, expected] of [
    ["TIMESTAMP_LTZ(3)", "TIMESTAMP_LTZ(3)"],
    ["TIMESTAMP(3)", "TIMESTAMP(3)"],
  ] as const) {
    const tEnv = scripted(timeType);
    await tEnv.executeSql("CREATE TEMPORARY VIEW w AS SELECT id, CURRENT_WATERMARK(ts) AS wm FROM Ev");
    const described = await (await tEnv.executeSql("DESCRIBE w")).collect();
    const wm = described.find((r) => r.name === "wm");
    assert.equal(wm?.type, expected);
    assert.equal(wm?.null, true);
  }
});

test("CURRENT_WATERMARK of anything but the rowtime attribute is refused with Flink's messages", async () => {
  const tEnv = scripted("TIMESTAMP_LTZ(3)");
  await assert.rejects(
    tEnv.executeSql("SELECT CURRENT_WATERMARK(id) FROM Ev"),
    /CURRENT_WATERMARK\(\) must be called with a single rowtime attribute argument, but 'INT' cannot be a time attribute/,
  );
  await assert.rejects(
    tEnv.executeSql("SELECT CURRENT_WATERMARK(other) FROM Ev"),
    /The argument of CURRENT_WATERMARK\(\) must be a rowtime attribute, but was 'TIMESTAMP_LTZ\(3\)'/,
  );
  // Over an aggregation's output the rowtime is gone.
  await assert.rejects(
    tEnv.executeSql("SELECT id, CURRENT_WATERMARK(ts) FROM Ev GROUP BY id, ts"),
    /must be a rowtime attribute/,
  );
});

test("CURRENT_WATERMARK in the table's own WATERMARK clause is refused: the column is no rowtime attribute there", async () => {
  const dir = logWithRows("t", [{ ts: "2020-04-15 08:05:00" }]);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeSql(`CREATE TABLE t (ts TIMESTAMP(3), WATERMARK FOR ts AS CURRENT_WATERMARK(ts))
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`);
  await assert.rejects(
    tEnv.executeSql("SELECT * FROM t"),
    /The argument of CURRENT_WATERMARK\(\) must be a rowtime attribute, but was 'TIMESTAMP\(3\)'/,
  );
  // Inside another expression too, the error pointing at the call.
  await tEnv.executeSql(`CREATE TABLE u (ts TIMESTAMP(3), WATERMARK FOR ts AS COALESCE(CURRENT_WATERMARK(ts), ts))
    WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`);
  await assert.rejects(
    tEnv.executeSql("SELECT * FROM u"),
    (e: Error & { details?: Record<string, unknown> }) => {
      assert.match(e.message, /The argument of CURRENT_WATERMARK\(\) must be a rowtime attribute/);
      assert.deepEqual([e.details?.line, e.details?.column], [1, 63]);
      return true;
    },
  );
});
