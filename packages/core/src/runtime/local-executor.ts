/**
 * Runs a job in this executor: the facade over the plan builder (execution-graph.ts), the task
 * loop (task-loop.ts) and the restore/restart policy (recovery.ts), for one of the deployments of
 * deployment.ts (every subtask in this thread by default). It returns a {@link JobClient} at once.
 */

import type { JobConfig } from "../api/config.js";
import type { JobClient, JobResult } from "../api/job-client.js";
import type { StreamGraph } from "../graph/stream-graph.js";
import type { LogFunction } from "../log.js";
import { MetricsRegistry } from "../metrics/registry.js";
import { type ProcessingTimeScheduler, SystemProcessingTime } from "../spi/processing-time.js";
import type { SavepointPart, SavepointPartWritten } from "./checkpoint-coordinator.js";
import { type Deployment, InProcessDeployment } from "./deployment.js";
import { buildExecutionGraph } from "./execution-graph.js";
import { runWithRecovery } from "./recovery.js";
import { checkSinksCanCommit } from "./sink-commit-check.js";
import { TaskLoop } from "./task-loop.js";

/** Executor of a stream graph in this thread (all subtasks, or this deployment's share of them). */
export class LocalExecutor {
  readonly metrics = new MetricsRegistry();
  private readonly clock: ProcessingTimeScheduler;
  private readonly loop: TaskLoop;
  /** Stopped with a savepoint: ends without error. */
  private stopped = false;
  /** Where the executor writes its log lines (restores, restarts, checkpoint problems). */
  private readonly log: LogFunction;

  constructor(
    private readonly graph: StreamGraph,
    private readonly config: JobConfig,
    private readonly jobName: string,
    /** Where the subtasks run: all in this thread unless told otherwise. */
    private readonly deployment: Deployment = new InProcessDeployment(),
  ) {
    this.log = config.log ?? ((line) => process.stderr.write(`[fleuve] ${line}\n`));
    let systemClock: SystemProcessingTime | undefined;
    if (config.processingTime) {
      this.clock = config.processingTime;
    } else {
      systemClock = new SystemProcessingTime();
      this.clock = systemClock;
    }
    this.loop = new TaskLoop({
      batchSize: config.batchSize,
      bufferTimeoutMs: config.bufferTimeoutMs,
      checkpointIntervalMs: config.checkpointing?.intervalMs,
      clock: this.clock,
      systemClock,
      deployment,
    });
    deployment.onArrival(() => this.loop.wake());
  }

  /**
   * Takes a checkpoint that is also this executor's part of a savepoint of a whole job run in
   * several executors that checkpoint on their own (scale-out units; see {@link SavepointPart}).
   */
  savepointPart(part: SavepointPart): Promise<SavepointPartWritten> {
    return this.loop.requestSavepointPart(part);
  }

  /**
   * A last checkpoint before the executor stops for good (a scale-out unit moving to another
   * process): the sources stop right after its barrier; resolves with its id once it is complete
   * and the operators were told. The caller then cancels the executor.
   */
  handOver(): Promise<number> {
    return this.loop.requestHandOver();
  }

  /** Starts running; returns the client at once. */
  start(): JobClient {
    const result = this.run();
    // Avoid an unhandled rejection when the caller only uses cancel().
    result.catch(() => {});
    const loop = this.loop;
    result.then(
      () => loop.endRequests(`the job '${this.jobName}' has finished`),
      (e: unknown) =>
        loop.endRequests(`the job '${this.jobName}' failed or was stopped (${(e as Error).message})`),
    );
    return {
      result,
      metrics: this.metrics,
      summary: () => this.metrics.summary(),
      snapshot: () => this.metrics.snapshot(),
      cancel: () => loop.cancel(),
      triggerSavepoint: (dir: string) => loop.requestSavepoint(dir, false),
      stopWithSavepoint: async (dir: string) => {
        const path = await loop.requestSavepoint(dir, true);
        this.stopped = true;
        loop.cancel();
        await result.catch(() => {});
        return path;
      },
    };
  }

  private async run(): Promise<JobResult> {
    const started = performance.now();
    const { config, graph, jobName, log, deployment, loop } = this;
    checkSinksCanCommit(graph, config.checkpointing !== undefined);
    const context = { graph, config, jobName, deployment, metrics: this.metrics, clock: this.clock, log };
    await runWithRecovery({
      jobName,
      config,
      log,
      now: () => this.clock.now(),
      build: (restored, firstCheckpointId) => buildExecutionGraph(context, restored, firstCheckpointId),
      run: (attempt) => loop.run(attempt.subtasks, attempt.coordination),
      cancelled: () => loop.isCancelled,
      stopped: () => this.stopped,
      onRestart: (error, delayMs) => this.metrics.job.restarted(error, delayMs),
    });
    return { jobName, durationMs: performance.now() - started, metrics: this.metrics.summary() };
  }
}
