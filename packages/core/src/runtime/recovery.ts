/**
 * Restore and restart policy of a job: which checkpoint or savepoint each attempt restores, when a
 * failed attempt restarts (Flink's restart strategies, see restart.ts) and from where, and how a
 * job ends: finished (final checkpoint, sinks' last commits), cancelled, stopped with a savepoint,
 * or failed for good.
 */

import type { JobConfig } from "../api/config.js";
import {
  ensureDir,
  type LoadedCheckpoint,
  loadForRestore,
  resolveCheckpointStorage,
} from "../checkpoint/storage.js";
import { FleuveError, restartCannotCure } from "../errors.js";
import type { LogFunction } from "../log.js";
import type { CheckpointCoordination } from "./checkpoint-coordinator.js";
import { RestartTracker } from "./restart.js";

/** Loads the newest usable checkpoint at a path (a checkpoint folder, a savepoint, or a checkpoint root). */
export type CheckpointLoader = (path: string) => Promise<LoadedCheckpoint | undefined>;

/**
 * Which checkpoint the next attempt restores, and the first checkpoint id it takes (past every id
 * taken or restored before, so a restart never reuses a folder name).
 */
export class RestorePolicy {
  private path: string | undefined;
  /** Id of the first checkpoint of the next attempt. */
  nextCheckpointId = 1;

  constructor(
    private readonly config: Pick<JobConfig, "restoreFrom" | "resumeFromLatestCheckpoint" | "checkpointing">,
    private readonly load: CheckpointLoader,
  ) {
    this.path = config.restoreFrom;
    if (this.path === undefined && config.resumeFromLatestCheckpoint && config.checkpointing) {
      this.path = config.checkpointing.dir;
    }
  }

  /**
   * The checkpoint the next attempt restores; undefined to start empty. After a failure before
   * this run's first checkpoint, that is again the `restoreFrom` the run started with. Throws
   * FLEUVE_CHECKPOINT_NOT_FOUND when `restoreFrom` holds nothing usable.
   */
  async next(): Promise<LoadedCheckpoint | undefined> {
    const from = this.config.restoreFrom;
    if (this.path === undefined) return undefined;
    let restored = await this.load(this.path);
    if (!restored && this.path !== from && from !== undefined) {
      // Failed before its first checkpoint: start again from where this run started.
      this.path = from;
      restored = await this.load(from);
    }
    if (!restored && this.path === from && from !== undefined) {
      throw new FleuveError("FLEUVE_CHECKPOINT_NOT_FOUND", `no usable checkpoint or savepoint at ${from}`, {
        details: { path: from },
      });
    }
    if (restored) this.nextCheckpointId = Math.max(this.nextCheckpointId, restored.metadata.checkpointId + 1);
    return restored;
  }

  /**
   * After a failed attempt that used checkpoint ids up to `lastIdUsed` (0: none): the next one
   * restores the job's latest checkpoint (with checkpointing; otherwise where this run started)
   * and takes ids after every one used before.
   */
  afterFailure(lastIdUsed: number): void {
    this.nextCheckpointId = Math.max(this.nextCheckpointId, lastIdUsed + 1);
    const cp = this.config.checkpointing;
    if (cp) this.path = cp.dir;
  }
}

/** One attempt of a job, as the plan builder made it. */
export interface Attempt {
  readonly coordination: CheckpointCoordination | undefined;
  /** Opens the operators (restored state is in place by then). */
  open(): void;
  /** Waits for asynchronous work of operators (sink commits). */
  pendingWork(): Promise<void>;
  /** Closes operators and state; best effort, never throws. */
  close(): void;
}

/** What {@link runWithRecovery} drives, with attempts of type `A`. */
export interface RecoverableJob<A extends Attempt> {
  readonly jobName: string;
  readonly config: JobConfig;
  readonly log: LogFunction;
  /** Processing time, for the final checkpoint. */
  now(): number;
  /** Builds an attempt restored from `restored` (closing what it built if it throws). */
  build(restored: LoadedCheckpoint | undefined, firstCheckpointId: number): A;
  /** Runs an open attempt until its subtasks all finished or the job was cancelled (the task loop). */
  run(attempt: A): Promise<void>;
  /** True once the job was cancelled (stopping with a savepoint cancels too). */
  cancelled(): boolean;
  /** True once the job was stopped with a savepoint: it then ends without error. */
  stopped(): boolean;
  /** Called when a failed attempt is to be restarted after `delayMs`, because of `error` (the job's restarts metric). */
  onRestart?(error: FleuveError, delayMs: number): void;
}

/**
 * Runs attempts of `job` until one finishes, the job is cancelled or stopped, or a failure is not
 * to be restarted (restart strategy exhausted, cancellation, an error a restart cannot cure).
 * Resolves when the job ended well; rejects with the error that ended it otherwise.
 */
export async function runWithRecovery<A extends Attempt>(job: RecoverableJob<A>): Promise<void> {
  const { config, jobName, log } = job;
  const storage = resolveCheckpointStorage(config.checkpointing?.storage);
  if (config.checkpointing && storage.local) ensureDir(config.checkpointing.dir);
  const restarts = new RestartTracker(config.restartStrategy);
  const restore = new RestorePolicy(config, (path) => loadForRestore(path, log, storage));
  const cancelled = () => new FleuveError("FLEUVE_JOB_CANCELLED", `job '${jobName}' was cancelled`);
  for (;;) {
    let attempt: A | undefined;
    try {
      const restored = await restore.next();
      if (restored) {
        log(`restoring ${restored.metadata.kind} ${restored.metadata.checkpointId} from ${restored.path}`, {
          checkpoint: restored.metadata.checkpointId,
        });
        // Backends whose state is partly elsewhere (a changelog) fetch it before the restore.
        const fetched = await config.stateBackend.prepareRestore?.(
          [...restored.operators.values()].flatMap((subs) =>
            subs.map((s) => s.keyed).filter((k) => k !== undefined),
          ),
        );
        if (fetched) log(`restoring ${fetched}`);
      }
      attempt = job.build(restored, restore.nextCheckpointId);
      attempt.open();
      await job.run(attempt);
      if (job.cancelled()) throw cancelled();
      // (without periodic checkpoints, a worker thread still waits here for the others)
      if (attempt.coordination) await attempt.coordination.finalCheckpoint(job.now());
      await attempt.pendingWork();
      attempt.close();
      return;
    } catch (e) {
      attempt?.close();
      const err =
        e instanceof FleuveError
          ? e
          : new FleuveError(
              "FLEUVE_JOB_FAILED",
              `job '${jobName}' failed: ${e instanceof Error ? e.message : String(e)}`,
              { cause: e },
            );
      const co = attempt?.coordination;
      if (job.stopped()) {
        // Stopped with a savepoint: its sinks commit what the savepoint holds, then the job ends.
        await co?.drain();
        co?.notifyCompleted();
        await attempt?.pendingWork();
        return;
      }
      const delay =
        err.code === "FLEUVE_JOB_CANCELLED" || restartCannotCure(err)
          ? undefined
          : restarts.onFailure(performance.now());
      await co?.drain();
      if (delay === undefined) throw err;
      log(`job '${jobName}' failed (${err.message}); restarting in ${delay} ms from the latest checkpoint`, {
        level: "warn",
      });
      job.onRestart?.(err, delay);
      await new Promise((r) => setTimeout(r, delay));
      if (job.cancelled()) throw cancelled();
      restore.afterFailure(co?.latestCompleted ?? 0);
    }
  }
}
