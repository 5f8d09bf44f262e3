// `SET 'table.exec.state.ttl'` on a ROW_NUMBER Top-N (Flink's state TTL on its rank state,
// OnCreateAndWrite): a partition whose rows were last written TTL ago or more forgets them, so its
// next row ranks first again (a partition written since keeps its rows), while without the TTL the
// same input keeps every partition's top. No wall clock: the job runs on a ManualProcessingTime,
// rows arrive in batches at chosen clock times, and the clock moves only once the Rank operator
// has taken every row sent (fixtures/manual-clock.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualProcessingTime, StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink } from "@fleuve/core/testing";
import { type Row, rowKind, sql } from "@fleuve/sql";
import { BatchSource, recordsIn, until } from "../fixtures/manual-clock.js";

const T0 = 1_700_000_000_000;

interface Ev {
  k: string;
  v: number;
}

/** The batches, each at its clock time (ms after T0). */
const BATCHES: { at: number; rows: Ev[] }[] = [
  {
    at: 0,
    rows: [
      { k: "a", v: 100 },
      { k: "b", v: 5 },
    ],
  },
  // Below a's top: not written, so a's rows stay as written at 0 s.
  { at: 5_000, rows: [{ k: "a", v: 50 }] },
  // b's new top: b's rows are written at 6 s.
  { at: 6_000, rows: [{ k: "b", v: 7 }] },
  // a's rows were written 10 s ago: expired; b's 4 s ago: kept, and 6 is below b's top 7.
  {
    at: 10_000,
    rows: [
      { k: "a", v: 40 },
      { k: "b", v: 6 },
    ],
  },
  // b's rows were written 9.999 s ago: kept, 2 is below the top.
  { at: 15_999, rows: [{ k: "b", v: 2 }] },
  // b's rows were written 10 s ago (6 s): expired.
  { at: 16_000, rows: [{ k: "b", v: 1 }] },
];

const text = (r: Row) => `${rowKind(r)}${JSON.stringify({ ...r, $rowkind: undefined })}`;

async function run(ttl: string | undefined): Promise<string[]> {
  const clock = new ManualProcessingTime(T0);
  const env = StreamExecutionEnvironment.create({ parallelism: 1, processingTime: clock, log: () => {} });
  const source = new BatchSource<Ev>();
  const tEnv = sql(env);
  tEnv.createTemporaryView("ev", env.fromSource(source, undefined, "events"), "k STRING, v INT");
  if (ttl !== undefined) await tEnv.executeSql(`SET 'table.exec.state.ttl' = '${ttl}'`);
  const sink = new CollectSink<Row>();
  tEnv
    .sqlQuery(
      "SELECT k, v, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM ev) WHERE rn <= 1",
    )
    .toDataStream()
    .sinkTo(sink);
  const client = env.executeAsync("top-n-state-ttl");
  let sent = 0;
  for (const b of BATCHES) {
    clock.advanceTo(T0 + b.at);
    source.send(b.rows);
    sent += b.rows.length;
    await until(`the Rank operator to take ${sent} rows`, () => recordsIn(client, /Rank\(rankType/) === sent);
  }
  source.end();
  await client.result;
  return sink.values().map(text);
}

test("table.exec.state.ttl: a Top-N partition not written for the TTL forgets its rows; its next row ranks first", async () => {
  assert.deepEqual(await run("10 s"), [
    '+I{"k":"a","v":100,"rn":1}',
    '+I{"k":"b","v":5,"rn":1}',
    '-U{"k":"b","v":5,"rn":1}',
    '+U{"k":"b","v":7,"rn":1}',
    // a forgot 100: 40 ranks first (nothing is retracted for a forgotten row, as in Flink).
    '+I{"k":"a","v":40,"rn":1}',
    // b forgot 7 at 16 s.
    '+I{"k":"b","v":1,"rn":1}',
  ]);
});

test("without a state TTL the same input keeps each partition's top", async () => {
  assert.deepEqual(await run(undefined), [
    '+I{"k":"a","v":100,"rn":1}',
    '+I{"k":"b","v":5,"rn":1}',
    '-U{"k":"b","v":5,"rn":1}',
    '+U{"k":"b","v":7,"rn":1}',
  ]);
});
