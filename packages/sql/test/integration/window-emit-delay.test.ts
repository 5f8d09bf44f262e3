// Early and late firing with a positive delay (`table.exec.emit.early-fire.delay` = '1 s', the
// late one too), as Flink's ProcessingTimeTriggers.every: a window fires once a delay of
// processing time after the first row since its last firing, so a burst of rows makes one
// firing; the firing at the window's end covers a pending early one; a firing that changes
// nothing sends nothing. Event time comes from the rows and the watermarks the test sends,
// processing time from a ManualProcessingTime the test moves once the rows sent are taken
// (fixtures/manual-clock.ts, fixtures/emit-job.ts): no wall clock, no sleeps.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { ScriptStep } from "@fleuve/core/testing";
import { type Ev, emitJob, ev } from "../fixtures/emit-job.js";
import { until } from "../fixtures/manual-clock.js";

const T0 = 1_700_000_000_000;

const DELAYS = {
  "table.exec.emit.early-fire.enabled": "true",
  "table.exec.emit.early-fire.delay": "1 s",
  "table.exec.emit.late-fire.enabled": "true",
  "table.exec.emit.late-fire.delay": "1 s",
  "table.exec.emit.allow-lateness": "10 s",
};

const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-emit-delay-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a positive early and late delay fires each window at most once per delay of processing time, after the first row since its last firing", async () => {
  const job = await emitJob(T0, DELAYS);
  /** At processing time T0 + `ms`: sends `steps`, waits for the aggregate to take them. */
  const at = async (ms: number, steps: ScriptStep<Ev>[] = []) => {
    job.clock.advanceTo(T0 + ms);
    await job.play(steps);
  };
  const sent = (n: number) => until(`${n} rows out`, () => job.rows().length >= n);
  const timers = () => job.aggregate().gauges.numProcessingTimeTimers;

  // Ended whatever happens, so that a failed step fails the test rather than leaving the job running.
  try {
    // Early phase: a's first row at 0 ms asks for a firing at 1000 ms; a's rows at 500 and 999 ms
    // ask for none of their own (one timer), and come in the firing at 1000.
    await at(0, [ev("a", 1, 1000)]);
    await at(500, [ev("a", 2, 2000)]);
    assert.equal(timers(), 1);
    await at(999, [ev("a", 3, 3000)]);
    await at(1000);
    await sent(1);
    // Nothing pending: the next row asks again, a delay after it (2500), and the rows before then wait.
    assert.equal(timers(), 0);
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
    await sent(4);
    assert.equal(timers(), 0);
    await at(4000);
    // Late phase (window state kept until 19 999): the same, with the late delay.
    await at(5000, [ev("a", 6, 6000)]);
    await at(5999, [ev("a", 7, 7000)]);
    await at(6000);
    await sent(6);
  } finally {
    await job.end();
  }
  assert.deepEqual(job.rows(), [
    "+I[a, 0, 6]",
    "-U[a, 0, 6]",
    "+U[a, 0, 15]",
    "+I[b, 0, 7]",
    "-U[a, 0, 15]",
    "+U[a, 0, 28]",
  ]);
});

test("a pending delayed firing survives a savepoint: restored, the rows until it come in it, and none asks for another", async () => {
  const first = await emitJob(T0, DELAYS);
  const sent: ScriptStep<Ev>[] = [ev("a", 1, 1000)];
  // a's row at 0 ms asks for a firing at 1000 ms; the savepoint at 500 ms holds it.
  await first.play(sent);
  first.clock.advanceTo(T0 + 500);
  const savepoint = await first.stop(join(dir, "pending"));
  assert.deepEqual(first.rows(), []);
  const job = await emitJob(T0 + 500, DELAYS, savepoint);
  job.replay(sent);
  try {
    await job.play([ev("a", 2, 2000)]);
    assert.equal(job.aggregate().gauges.numProcessingTimeTimers, 1);
    job.clock.advanceTo(T0 + 1000);
    await until("the firing at 1000 ms", () => job.rows().length >= 1);
    assert.equal(job.aggregate().gauges.numProcessingTimeTimers, 0);
  } finally {
    await job.end();
  }
  assert.deepEqual(job.rows(), ["+I[a, 0, 3]"]);
});
