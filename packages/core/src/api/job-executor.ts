/**
 * The seam between the API and the runtime: `execute()` and `runJob()` hand a job to a
 * {@link JobExecutor} and never import the runtime themselves. The runtime's executor implements
 * it and the package entry registers it (see `register-executor.ts`), as Flink's
 * `PipelineExecutor` is found by the environment rather than imported by it.
 */
import { FleuveError } from "../errors.js";
import type { StreamGraph } from "../graph/stream-graph.js";
import type { EnvironmentOptions, JobConfig } from "./config.js";
import type { JobClient } from "./job-client.js";

/** A job module to run on worker threads: each thread imports the module and builds the same graph. */
export interface ThreadedJob {
  readonly moduleUrl: string;
  readonly jobName: string;
  /** Number of worker threads (at least 2). */
  readonly threads: number;
  readonly options: EnvironmentOptions;
  readonly args: readonly string[];
  /** A module whose `register()` each worker calls first, instead of tsx's (see `RunJobOptions`). */
  readonly workerLoader?: string | undefined;
  /**
   * The job's graph and configuration as built in the calling thread (every worker builds the
   * same): the main thread coordinates checkpoints and writes their metadata from them.
   */
  readonly graph: StreamGraph;
  readonly config: JobConfig;
}

/** Runs jobs: implemented by the runtime, registered at the package entry. */
export interface JobExecutor {
  /** Runs every subtask of a validated stream graph in this thread. */
  executeInProcess(graph: StreamGraph, config: JobConfig, jobName: string): JobClient;
  /** Runs a job module spread over worker threads. */
  executeOnThreads(job: ThreadedJob): JobClient;
}

let registered: JobExecutor | undefined;

/** Sets the executor that `execute()` and `runJob()` use (the package entry registers the runtime's). */
export function registerJobExecutor(executor: JobExecutor): void {
  registered = executor;
}

/** The registered executor; fails with a clear error when no entry point registered one. */
export function jobExecutor(): JobExecutor {
  if (registered === undefined) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      'no job executor is registered: import the environment from "@fleuve/core" (its entry registers the runtime), not from a file inside the package',
      { details: { option: "executor" } },
    );
  }
  return registered;
}
