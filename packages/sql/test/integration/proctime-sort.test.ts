// ORDER BY the processing-time attribute without LIMIT (Flink's processing-time temporal sort):
// rows come out in arrival order; with further keys, the rows that arrived in one millisecond
// come out together one millisecond later, sorted by those keys (equal keys in arrival order).
// Nothing depends on the wall clock: the job runs on a ManualProcessingTime, rows arrive in
// batches at chosen clock times, and the clock moves one millisecond on only once the sort has
// taken the batch (then the test waits for the batch to come out). The oracle: each batch
// stably sorted by the further keys, the batches in order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink } from "@fleuve/core/testing";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { BatchSource, recordsIn, until, viewOnManualClock } from "../fixtures/manual-clock.js";

const T0 = 1_600_000_000_000;

interface Ev {
  k: string;
  v: number;
}

/**
 * Runs `query` over `ev (k, v, p AS PROCTIME())`, batch i arriving at T0 + 10 s * i; with
 * `holds`, the clock then moves 1 ms on and the test waits for the batch to come out. Returns
 * the rows in the order they came out.
 */
async function run(query: string, batches: readonly Ev[][], holds = true): Promise<Row[]> {
  const { clock, env, source, tEnv } = viewOnManualClock<Ev>(T0, "ev", "k STRING, v INT, p AS PROCTIME()");
  const sink = new CollectSink<Row>();
  tEnv.sqlQuery(query).toDataStream().sinkTo(sink);
  const client = env.executeAsync("proctime-sort");
  let sent = 0;
  for (const [i, batch] of batches.entries()) {
    const at = T0 + i * 10_000;
    clock.advanceTo(at);
    source.send(batch);
    sent += batch.length;
    await until(`the sort to take ${sent} rows`, () => recordsIn(client, /TemporalSort/) === sent);
    if (holds) {
      clock.advanceTo(at + 1);
      await until(`${sent} rows out`, () => sink.records.length === sent);
    }
  }
  source.end();
  await client.result;
  return sink.values().map((r) => ({ ...r }));
}

const BATCHES: Ev[][] = [
  [
    { k: "b", v: 2 },
    { k: "a", v: 1 },
    { k: "c", v: 3 },
    { k: "a", v: 0 },
  ],
  [
    { k: "b", v: 5 },
    { k: "a", v: 4 },
  ],
];
const at = (i: number) => T0 + i * 10_000;

test("ORDER BY the processing-time attribute alone: rows in arrival order", async () => {
  const got = await run("SELECT k, v, p FROM ev ORDER BY p", BATCHES, false);
  assert.deepEqual(got, [
    { k: "b", v: 2, p: at(0) },
    { k: "a", v: 1, p: at(0) },
    { k: "c", v: 3, p: at(0) },
    { k: "a", v: 0, p: at(0) },
    { k: "b", v: 5, p: at(1) },
    { k: "a", v: 4, p: at(1) },
  ]);
});

test("ORDER BY p, k: each millisecond's rows sorted by k, equal keys in arrival order", async () => {
  const got = await run("SELECT k, v FROM ev ORDER BY p, k", BATCHES);
  assert.deepEqual(got, [
    { k: "a", v: 1 },
    { k: "a", v: 0 },
    { k: "b", v: 2 },
    { k: "c", v: 3 },
    { k: "a", v: 4 },
    { k: "b", v: 5 },
  ]);
  // The attribute selected under another name, descending further keys, an ordinal.
  const desc = await run("SELECT k, v, p AS t FROM ev ORDER BY 3 ASC, v DESC", BATCHES);
  assert.deepEqual(
    desc.map((r) => r.v),
    [3, 2, 1, 0, 5, 4],
  );
  assert.deepEqual(
    desc.map((r) => r.t),
    [at(0), at(0), at(0), at(0), at(1), at(1)],
  );
});

test("property: a processing-time sort gives each batch stably sorted by the further keys, batches in order", {
  timeout: 300_000,
}, async () => {
  const ev = fc.record({ k: fc.constantFrom("a", "b", "c"), v: fc.integer({ min: -3, max: 3 }) });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(ev, { minLength: 1, maxLength: 6 }), { maxLength: 4 }),
      async (generated) => {
        // fast-check's records have no prototype; the rows are plain objects.
        const batches = generated.map((b) => b.map(({ k, v }) => ({ k, v })));
        const got = await run("SELECT k, v FROM ev ORDER BY p, v DESC, k", batches);
        const expected = batches.flatMap((b) =>
          [...b].sort((x, y) => y.v - x.v || (x.k < y.k ? -1 : x.k > y.k ? 1 : 0)),
        );
        assert.deepEqual(got, expected);
      },
    ),
    { numRuns: 15 },
  );
});

test("a processing-time sort descending, or over an updating input, is refused as in Flink", async () => {
  const env = StreamExecutionEnvironment.create({ log: () => {} });
  const tEnv = sql(env);
  tEnv.createTemporaryView(
    "ev",
    env.fromSource(new BatchSource<Ev>(), undefined, "events"),
    "k STRING, v INT, p AS PROCTIME()",
  );
  assert.throws(
    () => tEnv.sqlQuery("SELECT k FROM ev ORDER BY p DESC"),
    /Sort on a non-time-attribute field/,
  );
  assert.throws(() => tEnv.sqlQuery("SELECT k FROM ev ORDER BY v, p"), /Sort on a non-time-attribute field/);
  assert.throws(
    () => tEnv.sqlQuery("SELECT k, MAX(p) AS m FROM ev GROUP BY k ORDER BY m"),
    /Sort on a non-time-attribute field/,
  );
});
