// Early and late firing with a positive delay (`table.exec.emit.early-fire.delay` = '1 s', the
// late one too), as Flink's ProcessingTimeTriggers.every: a window fires once a delay of
// processing time after the first row since its last firing, so a burst of rows makes one
// firing; the firing at the window's end covers a pending early one; a firing that changes
// nothing sends nothing. Event time comes from the rows and the watermarks the test sends,
// processing time from a ManualProcessingTime the test moves once the rows sent are taken
// (fixtures/manual-clock.ts): no wall clock, no sleeps.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JobClient, OperatorMetricsSnapshot } from "@fleuve/core";
import { CollectSink, type ScriptStep } from "@fleuve/core/testing";
import type { Row } from "@fleuve/sql";
import { recordsIn, until, viewOnManualClock } from "../fixtures/manual-clock.js";

const T0 = 1_700_000_000_000;

interface Ev {
  k: string;
  v: number;
  ts: number;
}

const ev = (k: string, v: number, ts: number): ScriptStep<Ev> => ({ value: { k, v, ts }, timestamp: ts });

const AGGREGATE = /^WindowAggregate\(/;

/** The window aggregate's metrics now (parallelism 1: one subtask). */
function aggregateNow(client: JobClient): OperatorMetricsSnapshot {
  const ops = client.snapshot().operators.filter((o) => AGGREGATE.test(o.operatorName));
  assert.equal(ops.length, 1);
  return ops[0] as OperatorMetricsSnapshot;
}

/** A row as `kind[k, ws, s]`. */
const text = (r: Row) => `${r.$rowkind ?? "+I"}[${String(r.k)}, ${String(r.ws)}, ${String(r.s)}]`;

test("a positive early and late delay fires each window at most once per delay of processing time, after the first row since its last firing", async () => {
  const { clock, env, source, tEnv } = viewOnManualClock<Ev>(
    T0,
    "ev",
    "k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS SOURCE_WATERMARK()",
  );
  for (const [key, value] of Object.entries({
    "table.exec.emit.early-fire.enabled": "true",
    "table.exec.emit.early-fire.delay": "1 s",
    "table.exec.emit.late-fire.enabled": "true",
    "table.exec.emit.late-fire.delay": "1 s",
    "table.exec.emit.allow-lateness": "10 s",
  }))
    await tEnv.executeSql(`SET '${key}' = '${value}'`);
  const sink = new CollectSink<Row>();
  tEnv
    .sqlQuery(`SELECT k, window_start AS ws, SUM(v) AS s
      FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end`)
    .toDataStream()
    .sinkTo(sink);
  const client = env.executeAsync("window-emit-delay");
  let taken = 0;
  /** At processing time T0 + `at`: sends `steps`, waits for the aggregate to take their rows. */
  const at = async (ms: number, steps: ScriptStep<Ev>[] = []) => {
    clock.advanceTo(T0 + ms);
    source.play(steps);
    taken += steps.filter((s) => "value" in s).length;
    await until(`the aggregate to take ${taken} rows`, () => recordsIn(client, AGGREGATE) === taken);
  };
  const sent = (n: number) => until(`${n} rows out`, () => sink.values().length >= n);

  // Ended whatever happens, so that a failed step fails the test rather than leaving the job running.
  try {
    // Early phase: a's first row at 0 ms asks for a firing at 1000 ms; a's rows at 500 and 999 ms
    // ask for none of their own (one timer), and come in the firing at 1000.
    await at(0, [ev("a", 1, 1000)]);
    await at(500, [ev("a", 2, 2000)]);
    assert.equal(aggregateNow(client).gauges.numProcessingTimeTimers, 1);
    await at(999, [ev("a", 3, 3000)]);
    await at(1000);
    await sent(1);
    // Nothing pending: the next row asks again, a delay after it (2500), and the rows before then wait.
    assert.equal(aggregateNow(client).gauges.numProcessingTimeTimers, 0);
    await at(1500, [ev("a", 4, 4000)]);
    await at(2499, [ev("a", 5, 4500)]);
    await at(2500);
    await sent(3);
    // A row that changes nothing: its firing at 3600 sends nothing. b's early firing (due at 4000)
    // is covered by the firing at the window's end (watermark 9999 at 3700), which sends b's row
    // and nothing for a's, unchanged.
    await at(2600, [ev("a", 0, 4600)]);
    await at(3000, [ev("b", 7, 5000)]);
    await at(3600);
    await at(3700, [{ watermark: 9999 }]);
    await until("the watermark at the aggregate", () => aggregateNow(client).currentInputWatermark === 9999);
    await sent(4);
    assert.equal(aggregateNow(client).gauges.numProcessingTimeTimers, 0);
    await at(4000);
    // Late phase (window state kept until 19 999): the same, with the late delay.
    await at(5000, [ev("a", 6, 6000)]);
    await at(5999, [ev("a", 7, 7000)]);
    await at(6000);
    await sent(6);
  } finally {
    source.end();
    await client.result;
  }
  assert.deepEqual(sink.values().map(text), [
    "+I[a, 0, 6]",
    "-U[a, 0, 6]",
    "+U[a, 0, 15]",
    "+I[b, 0, 7]",
    "-U[a, 0, 15]",
    "+U[a, 0, 28]",
  ]);
});
