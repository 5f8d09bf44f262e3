/**
 * What the dashboard knows of a job over time, from its metrics snapshots sampled once a second:
 * per-operator rates and time shares, a few minutes of throughput and latency series, the
 * checkpoint history (a checkpoint completes or fails between two samples), restarts, and the
 * exceptions the dashboard saw (the job's failure, controls that failed). The job's hot path does
 * nothing for it: sampling reads the snapshot, which the job keeps anyway.
 */
import type { JobPlan, MetricsSnapshot, OperatorMetricsSnapshot } from "@fleuve/core";
import { AlertHistory } from "./alerts.js";

/** Samples kept for the charts (one a second: five minutes). */
export const SERIES_LENGTH = 300;
/** Entries kept in the checkpoint and exception histories. */
export const HISTORY_LENGTH = 100;

/** One operator subtask's figures per second over the last sampling interval. */
export interface SubtaskRates {
  readonly subtask: number;
  readonly recordsInPerSecond: number;
  readonly recordsOutPerSecond: number;
  /** Shares of the interval (0..1) the subtask's task was busy, backpressured, idle. */
  readonly busy: number;
  readonly backpressured: number;
  readonly idle: number;
}

/** A checkpoint (or savepoint taken through the dashboard) as the dashboard saw it. */
export interface CheckpointEntry {
  /** Its number in this job's run: the count of completed (or failed) ones when it was seen. */
  readonly id: number;
  readonly kind: "checkpoint" | "savepoint";
  readonly status: "COMPLETED" | "FAILED";
  /** When the dashboard saw it end (ms since the epoch, within a second of the end). */
  readonly at: number;
  readonly durationMs?: number;
  readonly sizeBytes?: number;
  /** Savepoints: their folder. */
  readonly path?: string;
  /** Savepoints that failed: why. */
  readonly message?: string;
  /** Barrier alignment of each task subtask for the last checkpoint it aligned (ms). */
  readonly subtasks: readonly { task: string; subtask: number; alignmentMs: number }[];
  /** True when more than one checkpoint ended between two samples (the figures are the last's). */
  readonly merged?: boolean;
}

/**
 * A restart or failure of the job, or a control that failed. A restart carries the failure that
 * caused it (message, code, stack, operator) as the job's metrics keep it (`JobFailure`).
 */
export interface ExceptionEntry {
  /** When the job gave the failed attempt up, or the dashboard saw the failure (ms since the epoch). */
  readonly at: number;
  readonly kind: "restart" | "failure" | "control";
  readonly message: string;
  readonly code?: string;
  /** The error's stack and its causes'. */
  readonly stack?: string;
  /** The operator the error names. */
  readonly operator?: string;
  /** `--group` jobs: the unit that restarted. */
  readonly unit?: string;
  /** Restarts: the job's (or unit's) restart count after this one. */
  readonly restart?: number;
  /** Restarts: the wait before restarting (ms, the restart strategy's delay). */
  readonly restartDelayMs?: number;
}

/** Per second figures of the job (one element per sample). */
export interface Series {
  /** Sample times (s since the epoch, as uPlot takes them). */
  readonly t: number[];
  /** Records the sources emitted per second. */
  readonly sourceOut: number[];
  /** Records the sinks (operators without outputs) took per second. */
  readonly sinkIn: number[];
  /** Latency of the latency markers at the sinks (ms, the worst subtask's p50 and p99 since the start). */
  readonly latencyP50: number[];
  readonly latencyP99: number[];
  /**
   * End-to-end latency at the sinks (ms, the worst subtask's p50 and p99 since the start): the wall
   * clock at the sink minus the record's event time, for sinks that sample it.
   */
  readonly endToEndP50: number[];
  readonly endToEndP99: number[];
  /** Share of the interval the busiest task subtask was backpressured (0..1). */
  readonly backpressure: number[];
}

/** Samples a job's metrics and keeps what the dashboard shows. */
export class JobWatch {
  private previous: { at: number; byKey: Map<string, OperatorMetricsSnapshot> } | undefined;
  private last: MetricsSnapshot | undefined;
  private rates = new Map<string, SubtaskRates[]>();
  readonly series: Series = {
    t: [],
    sourceOut: [],
    sinkIn: [],
    latencyP50: [],
    latencyP99: [],
    endToEndP50: [],
    endToEndP99: [],
    backpressure: [],
  };
  readonly checkpoints: CheckpointEntry[] = [];
  readonly exceptions: ExceptionEntry[] = [];
  /** The alerts the job's alert operators raised (see {@link AlertHistory}). */
  readonly alerts = new AlertHistory();
  private seenCompleted = 0;
  private seenFailed = 0;
  private seenRestarts = 0;
  /** Failures already listed, by unit, restart number and time (a group's units count apart). */
  private readonly seenFailures = new Set<string>();
  private readonly sources = new Set<string>();
  private readonly sinks = new Set<string>();

  constructor(
    private readonly snapshot: () => MetricsSnapshot,
    readonly plan: JobPlan | undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (plan) {
      const withOutputs = new Set(plan.edges.map((e) => e.source));
      for (const n of plan.nodes) {
        if (n.kind === "source") this.sources.add(n.uid);
        if (!withOutputs.has(n.id)) this.sinks.add(n.uid);
      }
    }
  }

  /** The latest snapshot (taken by {@link sample}, or now when none was taken yet). */
  current(): MetricsSnapshot {
    this.last ??= this.snapshot();
    return this.last;
  }

  /** Rates of each subtask of the operator `operatorId` over the last interval (empty before two samples). */
  ratesOf(operatorId: string): readonly SubtaskRates[] {
    return this.rates.get(operatorId) ?? [];
  }

  /** Takes a sample: rates, series, and new checkpoints and restarts. Errors of `snapshot` are kept out. */
  sample(): void {
    let snap: MetricsSnapshot;
    try {
      snap = this.snapshot();
    } catch {
      return; // a job that ended keeps its last figures
    }
    const at = this.now();
    this.last = snap;
    this.alerts.note(snap);
    const byKey = new Map<string, OperatorMetricsSnapshot>();
    for (const o of snap.operators) byKey.set(`${o.operatorId}\u0000${o.subtaskIndex}`, o);
    const prev = this.previous;
    this.previous = { at, byKey };
    this.noteJob(snap, at);
    if (!prev || at <= prev.at) return;
    const seconds = (at - prev.at) / 1000;
    // A task's time figures are on its chain head: every operator of the chain shares them.
    const heads = new Map<string, { busy: number; bp: number; idle: number }>();
    for (const o of snap.operators) {
      if (!o.chainHead) continue;
      const b = prev.byKey.get(`${o.operatorId}\u0000${o.subtaskIndex}`);
      if (!b) continue;
      const total = Math.max(1, at - prev.at);
      heads.set(`${o.taskName}\u0000${o.subtaskIndex}`, {
        busy: clamp01((o.busyTimeMs - b.busyTimeMs) / total),
        bp: clamp01((o.backPressuredTimeMs - b.backPressuredTimeMs) / total),
        idle: clamp01((o.idleTimeMs - b.idleTimeMs) / total),
      });
    }
    const rates = new Map<string, SubtaskRates[]>();
    let sourceOut = 0;
    let sinkIn = 0;
    let p50 = 0;
    let p99 = 0;
    let e2e50 = 0;
    let e2e99 = 0;
    let bpMax = 0;
    for (const o of snap.operators) {
      const b = prev.byKey.get(`${o.operatorId}\u0000${o.subtaskIndex}`);
      const inRate = b ? Math.max(0, o.recordsIn - b.recordsIn) / seconds : 0;
      const outRate = b ? Math.max(0, o.recordsOut - b.recordsOut) / seconds : 0;
      const time = heads.get(`${o.taskName}\u0000${o.subtaskIndex}`) ?? { busy: 0, bp: 0, idle: 0 };
      const list = rates.get(o.operatorId) ?? [];
      list.push({
        subtask: o.subtaskIndex,
        recordsInPerSecond: inRate,
        recordsOutPerSecond: outRate,
        busy: time.busy,
        backpressured: time.bp,
        idle: time.idle,
      });
      rates.set(o.operatorId, list);
      if (this.sources.has(o.operatorId)) sourceOut += outRate;
      if (this.sinks.has(o.operatorId)) {
        sinkIn += inRate;
        if (o.latencyMs.count > 0) {
          p50 = Math.max(p50, o.latencyMs.p50);
          p99 = Math.max(p99, o.latencyMs.p99);
        }
        const e2e = o.endToEndLatencyMs;
        if (e2e && e2e.count > 0) {
          e2e50 = Math.max(e2e50, e2e.p50);
          e2e99 = Math.max(e2e99, e2e.p99);
        }
      }
      bpMax = Math.max(bpMax, time.bp);
    }
    this.rates = rates;
    const s = this.series;
    push(s.t, at / 1000);
    push(s.sourceOut, sourceOut);
    push(s.sinkIn, sinkIn);
    push(s.latencyP50, p50);
    push(s.latencyP99, p99);
    push(s.endToEndP50, e2e50);
    push(s.endToEndP99, e2e99);
    push(s.backpressure, bpMax);
  }

  private noteJob(snap: MetricsSnapshot, at: number): void {
    const j = snap.job;
    const subtasks = () =>
      snap.operators
        .filter((o) => o.chainHead)
        .map((o) => ({
          task: o.taskName,
          subtask: o.subtaskIndex,
          alignmentMs: o.checkpointAlignmentTimeMs,
        }));
    if (j.checkpointsCompleted > this.seenCompleted) {
      const n = j.checkpointsCompleted - this.seenCompleted;
      this.seenCompleted = j.checkpointsCompleted;
      this.addCheckpoint({
        id: j.checkpointsCompleted,
        kind: "checkpoint",
        status: "COMPLETED",
        at,
        durationMs: j.lastCheckpointDurationMs,
        sizeBytes: j.lastCheckpointSizeBytes,
        subtasks: subtasks(),
        ...(n > 1 ? { merged: true } : {}),
      });
    }
    if (j.checkpointsFailed > this.seenFailed) {
      const n = j.checkpointsFailed - this.seenFailed;
      this.seenFailed = j.checkpointsFailed;
      this.addCheckpoint({
        id: j.checkpointsFailed,
        kind: "checkpoint",
        status: "FAILED",
        at,
        subtasks: [],
        ...(n > 1 ? { merged: true } : {}),
      });
    }
    let described = 0;
    for (const f of j.failures ?? []) {
      const key = `${f.unit ?? ""}\u0000${f.restart}\u0000${f.at}`;
      if (this.seenFailures.has(key)) continue;
      this.seenFailures.add(key);
      described++;
      this.addException({
        at: f.at,
        kind: "restart",
        message: f.message,
        code: f.code,
        ...(f.stack === undefined ? {} : { stack: f.stack }),
        ...(f.operator === undefined ? {} : { operator: f.operator }),
        ...(f.unit === undefined ? {} : { unit: f.unit }),
        restart: f.restart,
        restartDelayMs: f.restartDelayMs,
      });
    }
    if (j.restarts > this.seenRestarts) {
      const n = j.restarts - this.seenRestarts - described;
      this.seenRestarts = j.restarts;
      // Restarts whose failure the snapshot no longer (or never) held: a bare entry.
      if (n > 0)
        this.addException({
          at,
          kind: "restart",
          message: `the job restarted${n > 1 ? ` ${n} times` : ""} (restart ${j.restarts}) from its latest checkpoint after a failure the metrics no longer hold; the job's log shows it`,
        });
    }
  }

  /** Records a checkpoint or savepoint entry (newest last, at most {@link HISTORY_LENGTH}). */
  addCheckpoint(e: CheckpointEntry): void {
    this.checkpoints.push(e);
    if (this.checkpoints.length > HISTORY_LENGTH) this.checkpoints.shift();
  }

  /** Records an exception entry (newest last, at most {@link HISTORY_LENGTH}). */
  addException(e: ExceptionEntry): void {
    this.exceptions.push(e);
    if (this.exceptions.length > HISTORY_LENGTH) this.exceptions.shift();
  }
}

function push(a: number[], v: number): void {
  a.push(v);
  if (a.length > SERIES_LENGTH) a.shift();
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
