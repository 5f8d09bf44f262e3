// The legacy group windows' processing-time auxiliary functions, TUMBLE_PROCTIME, HOP_PROCTIME and
// SESSION_PROCTIME, as Flink gives them: a new processing-time attribute of each window's row (its
// value the job's clock when the row comes out of the window), which an outer query's window can
// group by; on an event-time window too, while ..._ROWTIME of a processing-time window is refused
// ("A proctime window cannot provide a rowtime attribute."). No wall clock: the job runs on a
// ManualProcessingTime moved by the test once the rows sent are where they should be (see
// fixtures/manual-clock.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, type JobClient, ManualProcessingTime, StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink } from "@fleuve/core/testing";
import { type Row, sql } from "@fleuve/sql";
import { recordsIn, until, viewOnManualClock } from "../fixtures/manual-clock.js";

const T0 = 1_600_000_000_000; // a multiple of 20 s
const s = (n: number) => T0 + n * 1_000;

interface Ev {
  k: string;
  v: number;
}

/** A step of a run: move the clock, send rows, then wait until an operator has taken that many in all. */
interface Step {
  at: number;
  rows?: Ev[];
  wait?: { operator: RegExp; records: number };
}

/** Runs `query` over `ev (k, v, p AS PROCTIME())` through `steps`; the rows out, sorted. */
async function run(query: string, steps: Step[]): Promise<{ rows: Row[]; types: string[] }> {
  const { clock, env, source, tEnv } = viewOnManualClock<Ev>(T0, "ev", "k STRING, v INT, p AS PROCTIME()");
  const table = tEnv.sqlQuery(query);
  const types = table.columns.map((c) => `${c.name} ${c.type?.kind === "atomic" ? c.type.name : "?"}`);
  const sink = new CollectSink<Row>();
  table.toDataStream().sinkTo(sink);
  const client: JobClient = env.executeAsync("group-window-proctime");
  for (const step of steps) {
    clock.advanceTo(step.at);
    if (step.rows !== undefined) source.send(step.rows);
    const wait = step.wait;
    if (wait !== undefined)
      await until(
        `${wait.operator} to take ${wait.records} rows`,
        () => recordsIn(client, wait.operator) === wait.records,
      );
  }
  source.end();
  await client.result;
  const rows = [...sink.values()]
    .map((r) => ({ ...r }))
    .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
  return { rows, types };
}

const INNER = /^Window\(.*10000/;
/** a and b at 1 s, a at 4 s: all in the 10 s window [0 s, 10 s). */
const FIRST_ROWS: Step[] = [
  {
    at: s(1),
    rows: [
      { k: "a", v: 1 },
      { k: "b", v: 2 },
    ],
    wait: { operator: INNER, records: 2 },
  },
  { at: s(4), rows: [{ k: "a", v: 3 }], wait: { operator: INNER, records: 3 } },
];

test("TUMBLE_PROCTIME is the clock when the window's row comes out, a processing-time attribute", async () => {
  const { rows, types } = await run(
    `SELECT k, TUMBLE_START(p, INTERVAL '10' SECOND) AS ws, TUMBLE_PROCTIME(p, INTERVAL '10' SECOND) AS pt, SUM(v) AS total
     FROM ev GROUP BY k, TUMBLE(p, INTERVAL '10' SECOND)`,
    [
      ...FIRST_ROWS,
      // [0 s, 10 s) fires at 12 s: its rows get 12 s.
      { at: s(12), wait: { operator: /ProcTime\(pt\)/, records: 2 } },
      { at: s(12), rows: [{ k: "a", v: 4 }], wait: { operator: INNER, records: 4 } },
      { at: s(25), wait: { operator: /ProcTime\(pt\)/, records: 3 } },
    ],
  );
  assert.deepEqual(types, ["k STRING", "ws TIMESTAMP", "pt TIMESTAMP_LTZ", "total INT"]);
  assert.deepEqual(rows, [
    { k: "a", ws: s(0), pt: s(12), total: 4 },
    { k: "a", ws: s(10), pt: s(25), total: 4 },
    { k: "b", ws: s(0), pt: s(12), total: 2 },
  ]);
});

test("an outer group window over TUMBLE_PROCTIME windows the rows by the clock they came out at", async () => {
  const OUTER = /^Window\(.*20000/;
  const { rows } = await run(
    `SELECT TUMBLE_START(pt, INTERVAL '20' SECOND) AS ws, TUMBLE_END(pt, INTERVAL '20' SECOND) AS we, SUM(total) AS total, COUNT(*) AS n
     FROM (SELECT k, TUMBLE_PROCTIME(p, INTERVAL '10' SECOND) AS pt, SUM(v) AS total FROM ev GROUP BY k, TUMBLE(p, INTERVAL '10' SECOND))
     GROUP BY TUMBLE(pt, INTERVAL '20' SECOND)`,
    [
      ...FIRST_ROWS,
      // [0 s, 10 s) comes out at 12 s: both rows in the outer [0 s, 20 s).
      { at: s(12), wait: { operator: OUTER, records: 2 } },
      { at: s(12), rows: [{ k: "a", v: 4 }], wait: { operator: INNER, records: 4 } },
      // [10 s, 20 s) comes out at 25 s, into the outer [20 s, 40 s); the outer [0 s, 20 s) fires.
      { at: s(25), wait: { operator: OUTER, records: 3 } },
      { at: s(41) },
    ],
  );
  assert.deepEqual(rows, [
    { ws: s(0), we: s(20), total: 6, n: 2 },
    { ws: s(20), we: s(40), total: 4, n: 1 },
  ]);
});

test("HOP_PROCTIME and SESSION_PROCTIME, and ..._PROCTIME of an event-time window", async () => {
  const hop = await run(
    `SELECT k, HOP_END(p, INTERVAL '5' SECOND, INTERVAL '10' SECOND) AS we, HOP_PROCTIME(p, INTERVAL '5' SECOND, INTERVAL '10' SECOND) AS pt, COUNT(*) AS n
     FROM ev GROUP BY k, HOP(p, INTERVAL '5' SECOND, INTERVAL '10' SECOND)`,
    [
      { at: s(1), rows: [{ k: "a", v: 1 }], wait: { operator: /^Window/, records: 1 } },
      // [-5 s, 5 s) fires at 7 s, [0 s, 10 s) at 11 s.
      { at: s(7), wait: { operator: /ProcTime\(pt\)/, records: 1 } },
      { at: s(11), wait: { operator: /ProcTime\(pt\)/, records: 2 } },
    ],
  );
  assert.deepEqual(hop.rows, [
    { k: "a", we: s(5), pt: s(7), n: 1 },
    { k: "a", we: s(10), pt: s(11), n: 1 },
  ]);
  const session = await run(
    `SELECT k, SESSION_PROCTIME(p, INTERVAL '5' SECOND) AS pt, SUM(v) AS total FROM ev GROUP BY k, SESSION(p, INTERVAL '5' SECOND)`,
    [
      { at: s(1), rows: [{ k: "a", v: 1 }], wait: { operator: /^Window/, records: 1 } },
      { at: s(3), rows: [{ k: "a", v: 2 }], wait: { operator: /^Window/, records: 2 } },
      // The session [1 s, 8 s) fires at 9 s.
      { at: s(9), wait: { operator: /ProcTime\(pt\)/, records: 1 } },
    ],
  );
  assert.deepEqual(session.rows, [{ k: "a", pt: s(9), total: 3 }]);

  // An event-time window (bounded input: its windows fire at the end) on a clock left at T0.
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    processingTime: new ManualProcessingTime(T0),
    log: () => {},
  });
  const tEnv = sql(env);
  tEnv.createTemporaryView(
    "t",
    env.fromCollection([
      { k: "a", ts: 1_000 },
      { k: "a", ts: 12_000 },
    ]),
    "k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts",
  );
  const got = await (
    await tEnv.executeSql(
      `SELECT k, TUMBLE_ROWTIME(ts, INTERVAL '10' SECOND) AS rt, TUMBLE_PROCTIME(ts, INTERVAL '10' SECOND) AS pt, COUNT(*) AS n
       FROM t GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND)`,
    )
  ).collect();
  assert.deepEqual(
    got.map((r) => ({ ...r })),
    [
      { k: "a", rt: 9_999, pt: T0, n: 1 },
      { k: "a", rt: 19_999, pt: T0, n: 1 },
    ],
  );
});

test("TUMBLE_ROWTIME of a processing-time window is refused, as Flink refuses it", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  const tEnv = sql(env);
  tEnv.createTemporaryView("ev", env.fromCollection<Ev>([]), "k STRING, v INT, p AS PROCTIME()");
  await assert.rejects(
    tEnv.executeSql(
      "SELECT k, TUMBLE_ROWTIME(p, INTERVAL '10' SECOND) AS rt FROM ev GROUP BY k, TUMBLE(p, INTERVAL '10' SECOND)",
    ),
    (e: unknown) => {
      assert.ok(e instanceof FleuveError);
      assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
      assert.equal(
        e.message,
        "TUMBLE_ROWTIME: A proctime window cannot provide a rowtime attribute. (line 1, column 11)",
      );
      return true;
    },
  );
});
