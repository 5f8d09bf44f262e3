// The SQL standard's niladic datetime functions, written without parentheses as in Flink SQL:
// CURRENT_TIMESTAMP (TIMESTAMP_LTZ(3)), LOCALTIMESTAMP (TIMESTAMP(3)), CURRENT_DATE (DATE),
// CURRENT_TIME and LOCALTIME (TIME(0)), plus NOW() and CURRENT_ROW_TIMESTAMP(). As in Flink's
// streaming mode they are evaluated per record, here from the job's processing-time clock (a
// ManualProcessingTime, so every value is known), in the session time zone UTC.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, ManualProcessingTime, StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink } from "@fleuve/core/testing";
import { flinkText, parseExpression, printExpr, printType, type Row, sql } from "@fleuve/sql";
import { BatchSource, recordsIn, until } from "../fixtures/manual-clock.js";

// 2024-02-29 13:45:30.250 UTC (a leap day).
const NOW = Date.UTC(2024, 1, 29, 13, 45, 30, 250);

function envAt(time: number) {
  const clock = new ManualProcessingTime(time);
  const env = StreamExecutionEnvironment.create({ parallelism: 1, processingTime: clock, log: () => {} });
  return { clock, env, tEnv: sql(env) };
}

test("CURRENT_TIMESTAMP, LOCALTIMESTAMP, CURRENT_DATE, CURRENT_TIME, LOCALTIME without parentheses, with Flink's types", async () => {
  const { tEnv } = envAt(NOW);
  const query =
    "SELECT CURRENT_TIMESTAMP AS ts, LOCALTIMESTAMP AS lts, CURRENT_DATE AS d, CURRENT_TIME AS t, LOCALTIME AS lt, current_timestamp AS lower_case, NOW() AS n, CURRENT_ROW_TIMESTAMP() AS crt";
  const types = tEnv.sqlQuery(query).columns.map((c) => `${c.name} ${c.type ? printType(c.type) : "?"}`);
  // NOT NULL, as Flink 1.20's DESCRIBE of a view of them says.
  assert.deepEqual(types, [
    "ts TIMESTAMP_LTZ(3) NOT NULL",
    "lts TIMESTAMP(3) NOT NULL",
    "d DATE NOT NULL",
    "t TIME(0) NOT NULL",
    "lt TIME(0) NOT NULL",
    "lower_case TIMESTAMP_LTZ(3) NOT NULL",
    "n TIMESTAMP_LTZ(3) NOT NULL",
    "crt TIMESTAMP_LTZ(3) NOT NULL",
  ]);
  const [row] = await (await tEnv.executeSql(query)).collect();
  assert.deepEqual(row, {
    ts: NOW,
    lts: NOW,
    d: Date.UTC(2024, 1, 29),
    // 13:45:30, whole seconds (TIME(0)), as milliseconds of the day.
    t: (13 * 3600 + 45 * 60 + 30) * 1000,
    lt: (13 * 3600 + 45 * 60 + 30) * 1000,
    lower_case: NOW,
    n: NOW,
    crt: NOW,
  });
  // As Flink prints them (print connector, changelog text).
  const r = row as Row;
  assert.equal(
    flinkText(r.ts, { kind: "atomic", name: "TIMESTAMP_LTZ", args: [3], notNull: false }),
    "2024-02-29T13:45:30.250Z",
  );
  assert.equal(
    flinkText(r.lts, { kind: "atomic", name: "TIMESTAMP", args: [3], notNull: false }),
    "2024-02-29T13:45:30.250",
  );
  assert.equal(flinkText(r.d, { kind: "atomic", name: "DATE", args: [], notNull: false }), "2024-02-29");
  assert.equal(flinkText(r.t, { kind: "atomic", name: "TIME", args: [0], notNull: false }), "13:45:30");
});

test("the current time is evaluated per record: rows read at two clock times get their own values", async () => {
  const { clock, env, tEnv } = envAt(Date.UTC(2024, 1, 29, 23, 59, 59, 500));
  const source = new BatchSource<{ k: string }>();
  tEnv.createTemporaryView("ev", env.fromSource(source, undefined, "events"), "k STRING");
  const sink = new CollectSink<Row>();
  tEnv
    .sqlQuery(
      "SELECT k, CURRENT_TIMESTAMP AS ts, CURRENT_DATE AS d, LOCALTIME AS t FROM ev WHERE CURRENT_DATE >= DATE '2024-02-29'",
    )
    .toDataStream()
    .sinkTo(sink);
  const client = env.executeAsync("current-time");
  source.send([{ k: "a" }, { k: "b" }]);
  await until("the Calc to take 2 rows", () => recordsIn(client, /Calc\(select/) === 2);
  // Past midnight: the next day (2024-03-01).
  clock.advanceTo(Date.UTC(2024, 2, 1, 0, 0, 1, 0));
  source.send([{ k: "c" }]);
  await until("the Calc to take 3 rows", () => recordsIn(client, /Calc\(select/) === 3);
  source.end();
  await client.result;
  assert.deepEqual(
    [...sink.values()].map((r) => ({ ...r })),
    [
      { k: "a", ts: Date.UTC(2024, 1, 29, 23, 59, 59, 500), d: Date.UTC(2024, 1, 29), t: 86_399_000 },
      { k: "b", ts: Date.UTC(2024, 1, 29, 23, 59, 59, 500), d: Date.UTC(2024, 1, 29), t: 86_399_000 },
      { k: "c", ts: Date.UTC(2024, 2, 1, 0, 0, 1, 0), d: Date.UTC(2024, 2, 1), t: 1_000 },
    ],
  );
});

test("the parser reads the niladic names as calls; a back-quoted name is a column; the printer writes them bare", async () => {
  const e = parseExpression("current_date + 1");
  assert.ok(e.kind === "binary" && e.left.kind === "call" && e.left.name === "CURRENT_DATE");
  assert.equal(printExpr(e), "CURRENT_DATE + 1");
  const q = parseExpression("`current_date`");
  assert.equal(q.kind, "column");
  assert.equal(printExpr(q), "`current_date`");
  // CURRENT_TIMESTAMP.x is a qualified column, not the function.
  assert.equal(parseExpression("t.CURRENT_TIMESTAMP").kind, "column");

  const { env, tEnv } = envAt(NOW);
  tEnv.createTemporaryView("t", env.fromCollection([{ current_date: "a column" }]), "`current_date` STRING");
  const rows = await (await tEnv.executeSql("SELECT `current_date`, CURRENT_DATE AS d FROM t")).collect();
  assert.deepEqual(rows, [{ current_date: "a column", d: Date.UTC(2024, 1, 29) }]);
});

test("CURRENT_DATE(1) is refused: the niladic functions take no arguments", async () => {
  const { tEnv } = envAt(NOW);
  await assert.rejects(tEnv.executeSql("SELECT 1,\n  CURRENT_DATE(1)"), (e: unknown) => {
    assert.ok(e instanceof FleuveError);
    assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
    assert.equal(
      e.message,
      "CURRENT_DATE takes no arguments, got 1 (write CURRENT_DATE without parentheses) (line 2, column 3)",
    );
    return true;
  });
});
