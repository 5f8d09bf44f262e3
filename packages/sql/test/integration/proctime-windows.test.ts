// Processing-time windows: a `p AS PROCTIME()` column (or `PROCTIME()` in a select list) is a
// processing-time attribute that window TVFs (TUMBLE, HOP, CUMULATE, SESSION) and the old group
// windows aggregate over, as Flink does. Nothing depends on the wall clock: the job runs on a
// ManualProcessingTime, rows arrive in batches at chosen clock times, and the clock moves only
// once the window operator has taken every row sent (see fixtures/manual-clock.ts). A window
// comes out when the clock passes its end; windows still open at the end of input are not fired
// (Flink's processing-time timers are not fired at the end of input).
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink } from "@fleuve/core/testing";
import { type Row, sql } from "@fleuve/sql";
import { recordsIn, until, viewOnManualClock } from "../fixtures/manual-clock.js";

const T0 = 1_600_000_000_000; // a multiple of 10 s
const s = (n: number) => T0 + n * 1_000;

interface Ev {
  k: string;
  v: number;
}

/** The batches, each at its clock time: a at 1 s and 4 s, b at 1 s, a at 12 s, b at 25 s. */
const BATCHES: { at: number; rows: Ev[] }[] = [
  {
    at: s(1),
    rows: [
      { k: "a", v: 1 },
      { k: "b", v: 2 },
    ],
  },
  { at: s(4), rows: [{ k: "a", v: 3 }] },
  { at: s(12), rows: [{ k: "a", v: 4 }] },
  { at: s(25), rows: [{ k: "b", v: 5 }] },
];

/**
 * Runs `query` over table `ev (k, v, p AS PROCTIME())` fed with BATCHES; `operator` names the
 * operator that must have taken a batch before the clock moves on. Returns the rows, sorted.
 */
async function run(query: string, operator = /Window/): Promise<Row[]> {
  const { clock, env, source, tEnv } = viewOnManualClock<Ev>(T0, "ev", "k STRING, v INT, p AS PROCTIME()");
  const sink = new CollectSink<Row>();
  tEnv.sqlQuery(query).toDataStream().sinkTo(sink);
  const client = env.executeAsync("proctime-windows");
  let sent = 0;
  for (const b of BATCHES) {
    clock.advanceTo(b.at);
    source.send(b.rows);
    sent += b.rows.length;
    await until(`the operator to take ${sent} rows`, () => recordsIn(client, operator) === sent);
  }
  source.end();
  await client.result;
  return [...sink.values()]
    .map((r) => ({ ...r }))
    .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
}

const byText = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();
const w = (k: string, from: number, to: number, sum: number, n: number) => ({
  k,
  ws: s(from),
  we: s(to),
  sum,
  n,
});
const SELECT = "SELECT k, window_start AS ws, window_end AS we, SUM(v) AS sum, COUNT(*) AS n";

test("PROCTIME() columns read the job's clock when the row arrives", async () => {
  const got = await run("SELECT k, v, p FROM ev", /Calc/);
  assert.deepEqual(
    byText(got),
    byText([
      { k: "a", v: 1, p: s(1) },
      { k: "b", v: 2, p: s(1) },
      { k: "a", v: 3, p: s(4) },
      { k: "a", v: 4, p: s(12) },
      { k: "b", v: 5, p: s(25) },
    ]),
  );
});

test("TUMBLE over a processing-time attribute: windows fire as the clock passes their end", async () => {
  const got = await run(
    `${SELECT} FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(p), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end`,
  );
  // [20 s, 30 s) holds b's 5 but is still open when the input ends: not fired.
  assert.deepEqual(byText(got), byText([w("a", 0, 10, 4, 2), w("b", 0, 10, 2, 1), w("a", 10, 20, 4, 1)]));
});

test("HOP over a processing-time attribute", async () => {
  const got = await run(
    `${SELECT} FROM TABLE(HOP(TABLE ev, DESCRIPTOR(p), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end`,
  );
  assert.deepEqual(
    byText(got),
    byText([
      w("a", -5, 5, 4, 2),
      w("b", -5, 5, 2, 1),
      w("a", 0, 10, 4, 2),
      w("b", 0, 10, 2, 1),
      w("a", 5, 15, 4, 1),
      w("a", 10, 20, 4, 1),
    ]),
  );
});

test("CUMULATE over a processing-time attribute", async () => {
  const got = await run(
    `${SELECT} FROM TABLE(CUMULATE(TABLE ev, DESCRIPTOR(p), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end`,
  );
  assert.deepEqual(
    byText(got),
    byText([
      w("a", 0, 5, 4, 2),
      w("b", 0, 5, 2, 1),
      w("a", 0, 10, 4, 2),
      w("b", 0, 10, 2, 1),
      w("a", 10, 15, 4, 1),
      w("a", 10, 20, 4, 1),
    ]),
  );
});

test("SESSION over a processing-time attribute, partitioned by the key", async () => {
  const got = await run(
    `${SELECT} FROM TABLE(SESSION(TABLE ev PARTITION BY k, DESCRIPTOR(p), INTERVAL '5' SECOND)) GROUP BY k, window_start, window_end`,
  );
  // a: 1 s and 4 s make one session [1 s, 9 s); 12 s another; b's 25 s session is still open.
  assert.deepEqual(byText(got), byText([w("a", 1, 9, 4, 2), w("b", 1, 6, 2, 1), w("a", 12, 17, 4, 1)]));
});

test("the old group window over PROCTIME() in a subquery (Nexmark q12's form)", async () => {
  const got = await run(
    `SELECT B.k, TUMBLE_START(B.pt, INTERVAL '10' SECOND) AS ws, TUMBLE_END(B.pt, INTERVAL '10' SECOND) AS we, SUM(B.v) AS sum, COUNT(*) AS n
     FROM (SELECT k, v, PROCTIME() AS pt FROM ev) B GROUP BY B.k, TUMBLE(B.pt, INTERVAL '10' SECOND)`,
  );
  assert.deepEqual(byText(got), byText([w("a", 0, 10, 4, 2), w("b", 0, 10, 2, 1), w("a", 10, 20, 4, 1)]));
});

test("a cascaded processing-time window over the first window's window_time (Flink's OnInheritProctime)", async () => {
  const { clock, env, source, tEnv } = viewOnManualClock<Ev>(T0, "ev", "k STRING, v INT, p AS PROCTIME()");
  // Flink's WindowAggregateTest proctime_win: window_time of a processing-time window is itself a
  // processing-time attribute (TIMESTAMP_LTZ(3) *PROCTIME*).
  await tEnv.executeSql(`CREATE TEMPORARY VIEW proctime_win AS
    SELECT k, window_start AS ws, window_end AS we, window_time AS wt, SUM(v) AS sum_v, COUNT(*) AS cnt
    FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(p), INTERVAL '10' SECOND))
    GROUP BY k, window_start, window_end, window_time`);
  const sink = new CollectSink<Row>();
  tEnv
    .sqlQuery(`SELECT k, window_start AS ws, window_end AS we, SUM(sum_v) AS sum, SUM(cnt) AS n
      FROM TABLE(TUMBLE(TABLE proctime_win, DESCRIPTOR(wt), INTERVAL '20' SECOND))
      GROUP BY k, window_start, window_end`)
    .toDataStream()
    .sinkTo(sink);
  const client = env.executeAsync("cascaded-proctime-windows");
  // The first window's rows reach the second as the clock passes the first's end: [0 s, 10 s)
  // at 12 s (into the second's [0 s, 20 s)), [10 s, 20 s) at 25 s (into [20 s, 40 s)), b's
  // [20 s, 30 s) at 45 s (into [40 s, 60 s), still open at the end). The clock moves on only once
  // the second window has taken what the first sent.
  const steps: { at: number; rows: Ev[]; inner: number }[] = [
    ...BATCHES.map((b, i) => ({ ...b, inner: [0, 0, 2, 3][i] as number })),
    { at: s(45), rows: [{ k: "c", v: 6 }], inner: 4 },
  ];
  let sent = 0;
  for (const b of steps) {
    clock.advanceTo(b.at);
    source.send(b.rows);
    sent += b.rows.length;
    await until(
      `the first window to take ${sent} rows`,
      () => recordsIn(client, /Windows\(10000\)/) === sent,
    );
    await until(
      `the second window to take ${b.inner} rows`,
      () => recordsIn(client, /Windows\(20000\)/) === b.inner,
    );
  }
  source.end();
  await client.result;
  assert.deepEqual(
    byText([...sink.values()].map((r) => ({ ...r }))),
    byText([w("a", 0, 20, 4, 2), w("b", 0, 20, 2, 1), w("a", 20, 40, 4, 1)]),
  );
});

test("window_time of a processing-time window is the clock when its row comes out (Flink materializes it so)", async () => {
  const { clock, env, source, tEnv } = viewOnManualClock<Ev>(T0, "ev", "k STRING, v INT, p AS PROCTIME()");
  const sink = new CollectSink<Row>();
  tEnv
    .sqlQuery(`SELECT k, window_start AS ws, window_time AS wt, SUM(v) AS sum
      FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(p), INTERVAL '10' SECOND))
      GROUP BY k, window_start, window_end, window_time`)
    .toDataStream()
    .sinkTo(sink);
  const client = env.executeAsync("proctime-window-time");
  // [0 s, 10 s) comes out once the clock is at 12 s, [10 s, 20 s) at 25 s ([20 s, 30 s) never).
  const out = [0, 0, 2, 3];
  let sent = 0;
  for (const [i, b] of BATCHES.entries()) {
    clock.advanceTo(b.at);
    await until(`${out[i]} rows out`, () => recordsIn(client, /ProcTime\(wt\)/) === out[i]);
    source.send(b.rows);
    sent += b.rows.length;
    await until(`the window to take ${sent} rows`, () => recordsIn(client, /^Window/) === sent);
  }
  source.end();
  await client.result;
  assert.deepEqual(
    byText([...sink.values()].map((r) => ({ ...r }))),
    byText([
      { k: "a", ws: s(0), wt: s(12), sum: 4 },
      { k: "b", ws: s(0), wt: s(12), sum: 2 },
      { k: "a", ws: s(10), wt: s(25), sum: 4 },
    ]),
  );
});

test("window_time of a processing-time window is a processing-time attribute in DESCRIBE, as in Flink", async () => {
  const { tEnv } = viewOnManualClock<Ev>(T0, "ev", "k STRING, v INT, p AS PROCTIME()");
  for (const [i, tvf] of [
    "TUMBLE(TABLE ev, DESCRIPTOR(p), INTERVAL '10' SECOND)",
    "HOP(TABLE ev, DESCRIPTOR(p), INTERVAL '5' SECOND, INTERVAL '10' SECOND)",
    "CUMULATE(TABLE ev, DESCRIPTOR(p), INTERVAL '5' SECOND, INTERVAL '10' SECOND)",
  ].entries()) {
    await tEnv.executeSql(`CREATE TEMPORARY VIEW w${i} AS
      SELECT window_start AS ws, window_time AS wt, COUNT(*) AS n FROM TABLE(${tvf})
      GROUP BY window_start, window_end, window_time`);
    const rows = await (await tEnv.executeSql(`DESCRIBE w${i}`)).collect();
    assert.deepEqual(
      rows.map((r) => [r.name, r.type]),
      [
        ["ws", "TIMESTAMP(3)"],
        ["wt", "TIMESTAMP_LTZ(3) *PROCTIME*"],
        ["n", "BIGINT"],
      ],
      tvf,
    );
  }
});

test("window rows on processing time without GROUP BY are refused, as Flink refuses them", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  const tEnv = sql(env);
  tEnv.createTemporaryView("ev", env.fromCollection<Ev>([]), "k STRING, v INT, p AS PROCTIME()");
  await assert.rejects(
    tEnv.executeSql("SELECT * FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(p), INTERVAL '10' SECOND))"),
    (e: unknown) => {
      assert.ok(e instanceof FleuveError);
      assert.equal(e.code, "FLEUVE_SQL_UNSUPPORTED");
      assert.match(e.message, /TUMBLE window rows on processing time without GROUP BY/);
      return true;
    },
  );
  await assert.rejects(
    tEnv.executeSql(
      "SELECT COUNT(*) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(v), INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
    ),
    /DESCRIPTOR\(v\) must name the event-time attribute|no time attribute v/,
  );
});
