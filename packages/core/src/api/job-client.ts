/**
 * What a caller of `execute()` gets back: a handle on the running job and its outcome. Defined in
 * the API so that the API and every deployment (one thread, worker threads, a scale-out unit) share
 * it without the API importing the runtime.
 */
import type { StreamGraph } from "../graph/stream-graph.js";
import type { MetricsRegistry, MetricsSnapshot } from "../metrics/registry.js";

/** Outcome of a finished job. */
export interface JobResult {
  readonly jobName: string;
  readonly durationMs: number;
  /** Per-operator totals (records in/out, busy time, latency percentiles). */
  readonly metrics: MetricsSummary;
  /** Records of the stream a job definition returned from `build` (see `runJob`). */
  readonly collected?: unknown[];
}

/** Per-operator totals by operator id. */
export type MetricsSummary = ReturnType<MetricsRegistry["summary"]>;

/**
 * A job's logical graph as tools draw it (a web dashboard, a plan printout): its operators with
 * their parallelism and stable ids (the `operatorId` of their metrics), and the edges between them,
 * before chaining. Plain JSON.
 */
export type JobPlan = ReturnType<StreamGraph["toJSON"]>;

/** Handle on a running job. */
export interface JobClient {
  /** Resolves when the job finishes; rejects with the error that failed it. */
  readonly result: Promise<JobResult>;
  /** Live metrics of the job's operators in this thread (empty in the main thread of a multi-threaded job). */
  readonly metrics: MetricsRegistry;
  /** Live per-operator totals over all threads (refreshed every second from worker threads). */
  summary(): MetricsSummary;
  /**
   * Every metric of the job now: job-wide figures and each operator subtask's, over all threads
   * (a worker thread's part is at most a second old). What reporters such as `@fleuve/metrics` read.
   */
  snapshot(): MetricsSnapshot;
  /**
   * The graph the job runs (see {@link JobPlan}); set by `executeAsync` and `runJob`, absent on
   * clients made elsewhere (e.g. a scale-out unit's).
   */
  plan?(): JobPlan;
  /** Stops the job; `result` then rejects with FLEUVE_JOB_CANCELLED. */
  cancel(): void;
  /** Takes a savepoint into `dir` (a new folder); resolves with its path. */
  triggerSavepoint(dir: string): Promise<string>;
  /** Takes a savepoint, then stops the job (its `result` resolves). Resolves with the savepoint path. */
  stopWithSavepoint(dir: string): Promise<string>;
}
