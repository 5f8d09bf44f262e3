/**
 * The metrics a `--group` process shows (its Prometheus endpoint, `jobMetricsSource`): the
 * operators of the units it runs now, and job figures that are the process's own counters.
 *
 * A unit's run (one start of the unit in this process, until it stops, moves away or gives up)
 * counts its restarts and checkpoints from 0: nothing is carried from its checkpoint. Summing only
 * the runs alive would make the process's counters go down when a unit leaves (Prometheus reads
 * that as a reset, and the unit's history is lost) and count again from 0 when one comes back. So
 * a run that ends leaves its final counts in the process's totals: per process, restarts and
 * checkpoints completed or failed never go down while it lives, and each restart or checkpoint is
 * counted by the one process where it happened, so their sum over the group's processes
 * (`sum by (job_name)` in PromQL) is the group's.
 *
 * The operators' counters (records, busy time...) likewise never go down while the process lives:
 * a run that ends leaves its operators' final counts as the base of the next run of the same
 * operator subtasks here (see operator-counters.ts).
 */
import {
  type JobFailure,
  type JobMetricsSnapshot,
  MAX_FAILURES_KEPT,
  type MetricsSnapshot,
  type OperatorMetricsSnapshot,
} from "@fleuve/core";
import { OperatorCounterBases } from "./operator-counters.js";

/** One run of a unit in this process: its own snapshot (counted from its start here). */
export interface UnitRun {
  /** The unit's name (a failure it caused says it). */
  readonly unit: string;
  snapshot(): MetricsSnapshot;
}

/** The job figures and operator counters of one `--group` process over the unit runs it had and has. */
export class ProcessJobFigures {
  private readonly live = new Set<UnitRun>();
  private readonly operatorBases = new OperatorCounterBases();
  private restarts = 0;
  private completed = 0;
  private failed = 0;
  private readonly causes = new Map<string, number>();
  private failures: (JobFailure & { unit: string })[] = [];

  /** `run` started here: its counts are the process's from now on. */
  started(run: UnitRun): void {
    this.live.add(run);
  }

  /**
   * `run` has ended (its result settled, so its counts are final): they stay in the process's
   * totals, and its operators' counts in the base of their next run here. Calling it again, or
   * for a run never started, does nothing.
   */
  ended(run: UnitRun): void {
    if (!this.live.delete(run)) return;
    const s = run.snapshot();
    this.operatorBases.ended(s.operators);
    const j = s.job;
    this.restarts += j.restarts;
    this.completed += j.checkpointsCompleted;
    this.failed += j.checkpointsFailed;
    for (const [code, n] of Object.entries(j.restartCauses ?? {}))
      this.causes.set(code, (this.causes.get(code) ?? 0) + n);
    this.failures = newest([...this.failures, ...failuresOf(run.unit, j)]);
  }

  /**
   * The operator subtasks of live runs (`operators`, as their runs report them) with the counts of
   * the runs of the same subtasks that ended here before added: counters that never go down while
   * the process lives, gauges as they are now (see operator-counters.ts).
   */
  operators(operators: readonly OperatorMetricsSnapshot[]): OperatorMetricsSnapshot[] {
    return operators.map((o) => this.operatorBases.current(o));
  }

  /**
   * The process's job figures: counters over every run it had (ended ones' final counts plus the
   * live ones' now), gauges over the live runs (checkpoints in progress, the longest last
   * checkpoint, the sum of their last checkpoints' sizes).
   */
  job(startedAt: number): JobMetricsSnapshot {
    let restarts = this.restarts;
    let completed = this.completed;
    let failed = this.failed;
    let inProgress = 0;
    let lastDuration = 0;
    let lastSize = 0;
    const causes = new Map(this.causes);
    let failures = this.failures;
    for (const run of this.live) {
      const j = run.snapshot().job;
      restarts += j.restarts;
      completed += j.checkpointsCompleted;
      failed += j.checkpointsFailed;
      inProgress += j.checkpointsInProgress;
      lastDuration = Math.max(lastDuration, j.lastCheckpointDurationMs);
      lastSize += j.lastCheckpointSizeBytes;
      for (const [code, n] of Object.entries(j.restartCauses ?? {}))
        causes.set(code, (causes.get(code) ?? 0) + n);
      if (j.failures) failures = [...failures, ...failuresOf(run.unit, j)];
    }
    failures = newest(failures);
    return {
      startedAt,
      uptimeMs: Date.now() - startedAt,
      restarts,
      checkpointsCompleted: completed,
      checkpointsFailed: failed,
      checkpointsInProgress: inProgress,
      lastCheckpointDurationMs: lastDuration,
      lastCheckpointSizeBytes: lastSize,
      ...(failures.length > 0 ? { failures, restartCauses: Object.fromEntries(causes) } : {}),
    };
  }
}

/** The failures of a run, each saying its unit. */
function failuresOf(unit: string, j: JobMetricsSnapshot): (JobFailure & { unit: string })[] {
  return (j.failures ?? []).map((f) => ({ ...f, unit }));
}

/** The newest {@link MAX_FAILURES_KEPT} failures, oldest first. */
function newest<F extends JobFailure>(failures: readonly F[]): F[] {
  return [...failures].sort((a, b) => a.at - b.at).slice(-MAX_FAILURES_KEPT);
}
