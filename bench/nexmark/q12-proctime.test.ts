/**
 * Nexmark q12 (bids per bidder per 10 s processing-time window, bench/nexmark/sql/q12.sql as Flink
 * runs it) on a manual processing-time clock, so nothing depends on the wall clock: the bids
 * arrive in three batches at chosen clock times; the test moves the clock only once the window
 * operator has counted every bid sent so far (its recordsIn), so each bid's window is known. A
 * window comes out when the clock passes its end; the window still open when the input ends is
 * not fired, as in Flink (processing-time timers are not fired at the end of input).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type JobClient,
  ManualProcessingTime,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from "@fleuve/core";
import { CollectSink } from "@fleuve/core/testing";
import { BatchSource, recordsIn, until } from "../../packages/sql/test/fixtures/manual-clock.js";
import type { Bid, NexmarkEvent } from "./events.js";
import { NexmarkGenerator } from "./generator.js";
import { changelogLine, planNexmarkSql } from "./sql-queries.js";

/** Records the window aggregation has taken in. */
const windowRecordsIn = (client: JobClient) => recordsIn(client, /Window/);

test("q12: processing-time tumbling windows per bidder on a manual clock", { timeout: 300_000 }, async () => {
  const T0 = 1_600_000_000_000; // a multiple of 10 s
  const clock = new ManualProcessingTime(T0);
  const env = StreamExecutionEnvironment.create({ parallelism: 1, processingTime: clock, log: () => {} });
  const source = new BatchSource<NexmarkEvent>();
  const events = env.fromSource(
    source,
    WatermarkStrategy.forMonotonousTimestamps<NexmarkEvent>().withTimestampAssigner((e) => e.dateTime),
    "events",
  );
  const table = await planNexmarkSql(env, events, "q12", "");
  const sink = new CollectSink<string>();
  table.toDataStream().map(changelogLine(table.columns)).sinkTo(sink);
  const client = env.executeAsync("q12-proctime");

  const all = [...new NexmarkGenerator({ seed: 7, events: 3_000 })];
  const thirds = [all.slice(0, 1_000), all.slice(1_000, 2_000), all.slice(2_000)];
  // Each batch arrives at a clock time inside its own 10 s window.
  const arrivals = [T0 + 1_000, T0 + 12_000, T0 + 25_000];
  const bidsOf = (es: readonly NexmarkEvent[]) => es.filter((e): e is Bid => e.type === "bid");
  let sent = 0;
  for (let i = 0; i < 3; i++) {
    clock.advanceTo(arrivals[i] as number);
    const batch = thirds[i] as NexmarkEvent[];
    source.send(batch);
    sent += bidsOf(batch).length;
    await until(`the window operator to take batch ${i}`, () => windowRecordsIn(client) === sent);
  }
  // The clock passes the ends of the first two windows (at 12 s and 25 s): both fired.
  const counted = (es: readonly NexmarkEvent[], start: number) => {
    const n = new Map<number, number>();
    for (const b of bidsOf(es)) n.set(b.bidder, (n.get(b.bidder) ?? 0) + 1);
    return [...n].map(([bidder, c]) => `+${bidder},${c},${start},${start + 10_000}`);
  };
  const want = [
    ...counted(thirds[0] as NexmarkEvent[], T0),
    ...counted(thirds[1] as NexmarkEvent[], T0 + 10_000),
  ];
  await until("the two windows the clock passed", () => sink.values().length >= want.length);
  source.end();
  await client.result;
  // The third window [T0 + 20 s, T0 + 30 s) was open when the input ended: not fired.
  assert.deepEqual([...sink.values()].sort(), want.sort());
  assert.ok(want.length > 20, `bids in ${want.length} bidder windows`);
});
