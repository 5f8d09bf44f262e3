// PROCTIME() inside a larger expression (`DATE_FORMAT(PROCTIME(), 'HH')`, `PROCTIME() + INTERVAL
// '1' HOUR`, `CAST(PROCTIME() AS STRING)`, a WHERE) is, as in Flink, a plain TIMESTAMP_LTZ(3)
// value of the job's processing-time clock when the row passes, not a time attribute. The job
// runs on a ManualProcessingTime and the clock moves only once the projection has taken every row
// sent, so each row's values are known.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, ManualProcessingTime, StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink } from "@fleuve/core/testing";
import { printType, type Row, sql } from "@fleuve/sql";
import { BatchSource, recordsIn, until } from "../fixtures/manual-clock.js";

const T1 = Date.UTC(2024, 4, 1, 9, 59, 59, 125);
const T2 = Date.UTC(2024, 4, 1, 10, 0, 0, 0);
const HOUR = 3_600_000;

function setup() {
  const clock = new ManualProcessingTime(T1);
  const env = StreamExecutionEnvironment.create({ parallelism: 1, processingTime: clock, log: () => {} });
  const source = new BatchSource<{ k: string; v: number }>();
  const tEnv = sql(env);
  tEnv.createTemporaryView(
    "ev",
    env.fromSource(source, undefined, "events"),
    "k STRING, v INT, p AS PROCTIME()",
  );
  return { clock, env, source, tEnv };
}

test("PROCTIME() in DATE_FORMAT, + INTERVAL, CAST and WHERE reads the job's clock per row", async () => {
  const { clock, env, source, tEnv } = setup();
  const query =
    "SELECT k, DATE_FORMAT(PROCTIME(), 'HH') AS h, PROCTIME() + INTERVAL '1' HOUR AS later, CAST(PROCTIME() AS STRING) AS s, p FROM ev WHERE PROCTIME() > TIMESTAMP '2024-05-01 00:00:00' AND v > 0";
  const table = tEnv.sqlQuery(query);
  assert.deepEqual(
    table.columns.map((c) => `${c.name} ${c.type ? printType(c.type) : "?"}`),
    [
      "k STRING",
      "h STRING",
      "later TIMESTAMP_LTZ(3) NOT NULL",
      "s STRING NOT NULL",
      "p TIMESTAMP_LTZ(3) NOT NULL",
    ],
  );
  const sink = new CollectSink<Row>();
  table.toDataStream().sinkTo(sink);
  const client = env.executeAsync("proctime-expressions");
  source.send([
    { k: "a", v: 1 },
    { k: "b", v: 0 },
  ]);
  await until("the projection to take 1 row", () => recordsIn(client, /Calc\(select/) === 1);
  clock.advanceTo(T2);
  source.send([{ k: "c", v: 2 }]);
  await until("the projection to take 2 rows", () => recordsIn(client, /Calc\(select/) === 2);
  source.end();
  await client.result;
  assert.deepEqual(
    [...sink.values()].map((r) => ({ ...r })),
    [
      { k: "a", h: "09", later: T1 + HOUR, s: "2024-05-01 09:59:59.125", p: T1 },
      { k: "c", h: "10", later: T2 + HOUR, s: "2024-05-01 10:00:00.000", p: T2 },
    ],
  );
});

test("PROCTIME() inside an expression is not a time attribute: a window over it is refused", async () => {
  const { tEnv } = setup();
  await tEnv.executeSql("CREATE VIEW v AS SELECT k, PROCTIME() + INTERVAL '1' HOUR AS later FROM ev");
  await assert.rejects(
    tEnv.executeSql(
      "SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE v, DESCRIPTOR(later), INTERVAL '1' HOUR)) GROUP BY window_start, window_end",
    ),
    (e: unknown) => {
      assert.ok(e instanceof FleuveError);
      assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
      assert.match(e.message, /^TUMBLE: table v has no time attribute later; /);
      return true;
    },
  );
});
