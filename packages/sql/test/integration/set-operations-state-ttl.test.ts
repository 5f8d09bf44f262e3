// `SET 'table.exec.state.ttl'` on EXCEPT (Flink's state TTL on the aggregation's counts): a row
// whose counts were last written TTL ago or more is forgotten, so a right-side row arriving after
// it no longer retracts it (the result keeps the stale row, as in Flink), while a row written
// within the TTL is retracted as without the TTL. No wall clock: the job runs on a
// ManualProcessingTime and the clock moves only once the aggregation has taken every row sent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualProcessingTime, StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink } from "@fleuve/core/testing";
import { type Row, rowKind, sql } from "@fleuve/sql";
import { BatchSource, recordsIn, until } from "../fixtures/manual-clock.js";

const T0 = 1_700_000_000_000;

interface Ev {
  s: string;
  k: string;
}

/** The batches, each at its clock time (ms after T0). */
const BATCHES: { at: number; rows: Ev[] }[] = [
  { at: 0, rows: [{ s: "L", k: "a" }] },
  { at: 5_000, rows: [{ s: "L", k: "b" }] },
  // b's counts were written 7 s ago: kept, b is retracted.
  { at: 12_000, rows: [{ s: "R", k: "b" }] },
  // a's counts were written 20 s ago: expired with a 10 s TTL, the right row starts afresh.
  { at: 20_000, rows: [{ s: "R", k: "a" }] },
];

const text = (r: Row) => `${rowKind(r)}${JSON.stringify({ ...r, $rowkind: undefined })}`;

async function run(ttl: string | undefined): Promise<string[]> {
  const clock = new ManualProcessingTime(T0);
  const env = StreamExecutionEnvironment.create({ parallelism: 1, processingTime: clock, log: () => {} });
  const source = new BatchSource<Ev>();
  const tEnv = sql(env);
  tEnv.createTemporaryView("ev", env.fromSource(source, undefined, "events"), "s STRING, k STRING");
  if (ttl !== undefined) await tEnv.executeSql(`SET 'table.exec.state.ttl' = '${ttl}'`);
  const sink = new CollectSink<Row>();
  tEnv
    .sqlQuery("SELECT k FROM ev WHERE s = 'L' EXCEPT SELECT k FROM ev WHERE s = 'R'")
    .toDataStream()
    .sinkTo(sink);
  const client = env.executeAsync("except-state-ttl");
  let sent = 0;
  for (const b of BATCHES) {
    clock.advanceTo(T0 + b.at);
    source.send(b.rows);
    sent += b.rows.length;
    await until(
      `the GroupAggregate to take ${sent} rows`,
      () => recordsIn(client, /GroupAggregate\(/) === sent,
    );
  }
  source.end();
  await client.result;
  return sink.values().map(text);
}

test("table.exec.state.ttl: EXCEPT forgets a row's counts not written for the TTL", async () => {
  assert.deepEqual(await run("10 s"), ['+I{"k":"a"}', '+I{"k":"b"}', '-D{"k":"b"}']);
});

test("without table.exec.state.ttl, EXCEPT keeps every row's counts", async () => {
  assert.deepEqual(await run(undefined), ['+I{"k":"a"}', '+I{"k":"b"}', '-D{"k":"b"}', '-D{"k":"a"}']);
});
