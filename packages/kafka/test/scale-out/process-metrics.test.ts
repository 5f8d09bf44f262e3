/**
 * Property test of a `--group` process's job figures (process-metrics.ts): over any sequence of
 * unit runs starting, restarting, completing or failing checkpoints and ending (moving away), the
 * process's restarts, restart causes and checkpoint counters are exactly what its runs did here,
 * ended ones included, so they never go down; its failures are the newest ones, each naming its unit.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type JobFailure, MAX_FAILURES_KEPT, type MetricsSnapshot } from "@fleuve/core";
import fc from "fast-check";
import { ProcessJobFigures, type UnitRun } from "../../src/scale-out/process-metrics.js";

/** A unit run's own figures, as its executor counts them (from 0 at its start). */
class FakeRun implements UnitRun {
  restarts = 0;
  completed = 0;
  failed = 0;
  inProgress = 0;
  failures: JobFailure[] = [];
  causes: Record<string, number> = {};
  constructor(readonly unit: string) {}
  snapshot(): MetricsSnapshot {
    return {
      job: {
        startedAt: 0,
        uptimeMs: 0,
        restarts: this.restarts,
        checkpointsCompleted: this.completed,
        checkpointsFailed: this.failed,
        checkpointsInProgress: this.inProgress,
        lastCheckpointDurationMs: 0,
        lastCheckpointSizeBytes: 0,
        ...(this.failures.length > 0
          ? { failures: this.failures.slice(-MAX_FAILURES_KEPT), restartCauses: { ...this.causes } }
          : {}),
      },
      operators: [],
    };
  }
}

type Op =
  | { kind: "start"; unit: number }
  | { kind: "restart"; run: number; code: string }
  | { kind: "checkpoint"; run: number; ok: boolean }
  | { kind: "end"; run: number };

const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant("start" as const), unit: fc.integer({ min: 0, max: 3 }) }),
    fc.record({
      kind: fc.constant("restart" as const),
      run: fc.nat(),
      code: fc.constantFrom("FLEUVE_JOB_FAILED", "FLEUVE_SOURCE_FAILED"),
    }),
    fc.record({ kind: fc.constant("checkpoint" as const), run: fc.nat(), ok: fc.boolean() }),
    fc.record({ kind: fc.constant("end" as const), run: fc.nat() }),
  ),
  { maxLength: 200 },
);

test("a group process's job counters are what its unit runs did here, ended runs included: they never go down", () => {
  fc.assert(
    fc.property(ops, (script) => {
      const figures = new ProcessJobFigures();
      const runs: FakeRun[] = [];
      const live = new Set<FakeRun>();
      const done = { restarts: 0, completed: 0, failed: 0, causes: {} as Record<string, number> };
      const failures: (JobFailure & { unit: string })[] = [];
      let clock = 0;
      let previous = figures.job(0);
      for (const op of script) {
        const run = op.kind === "start" ? undefined : runs[op.run % Math.max(1, runs.length)];
        if (op.kind === "start") {
          const r = new FakeRun(`u${op.unit}`);
          runs.push(r);
          live.add(r);
          figures.started(r);
        } else if (run === undefined || !live.has(run)) {
          // an ended run counts nothing more (its executor has stopped); ending it again is a no-op
          if (run && op.kind === "end") figures.ended(run);
        } else if (op.kind === "restart") {
          run.restarts++;
          run.causes[op.code] = (run.causes[op.code] ?? 0) + 1;
          const f = { at: ++clock, restart: run.restarts, restartDelayMs: 0, code: op.code, message: "x" };
          run.failures.push(f);
          failures.push({ ...f, unit: run.unit });
          done.restarts++;
          done.causes[op.code] = (done.causes[op.code] ?? 0) + 1;
        } else if (op.kind === "checkpoint") {
          if (op.ok) run.completed++;
          else run.failed++;
          if (op.ok) done.completed++;
          else done.failed++;
        } else {
          live.delete(run);
          figures.ended(run);
        }
        const now = figures.job(0);
        assert.equal(now.restarts, done.restarts);
        assert.equal(now.checkpointsCompleted, done.completed);
        assert.equal(now.checkpointsFailed, done.failed);
        assert.deepEqual(now.restartCauses ?? {}, done.causes);
        assert.ok(
          now.restarts >= previous.restarts && now.checkpointsCompleted >= previous.checkpointsCompleted,
        );
        // the newest failures of every run, each saying its unit (a run keeps its newest ones only,
        // but those are all the newest overall can hold)
        assert.deepEqual(now.failures ?? [], failures.slice(-MAX_FAILURES_KEPT));
        previous = now;
      }
    }),
  );
});

test("the gauges are the live runs': checkpoints in progress of a run that ended are not counted", () => {
  const figures = new ProcessJobFigures();
  const a = new FakeRun("a");
  const b = new FakeRun("b");
  figures.started(a);
  figures.started(b);
  a.inProgress = 1;
  b.inProgress = 1;
  a.completed = 3;
  assert.equal(figures.job(0).checkpointsInProgress, 2);
  figures.ended(a);
  const j = figures.job(0);
  assert.equal(j.checkpointsInProgress, 1);
  assert.equal(j.checkpointsCompleted, 3);
});
