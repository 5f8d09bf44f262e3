/**
 * The deployment seam: where a job's subtasks run. The executor (plan builder, task loop, restart
 * policy) is the same for every deployment; a {@link Deployment} decides which subtasks run in
 * this executor, how channels to the others are made, how restored state maps onto the subtasks
 * here, which subtasks a checkpoint of this executor holds, and who coordinates checkpoints.
 *
 * Three deployments exist: {@link InProcessDeployment} (every subtask in this thread),
 * `WorkerThreadDeployment` (one worker thread's share of a job spread over threads) and
 * `ScaleOutUnitDeployment` (one subtask alone, a unit of a `--group` job, with checkpoints of its
 * own).
 */
import { type OperatorToRestore, restoreFor } from "../checkpoint/restore.js";
import type { LoadedCheckpoint } from "../checkpoint/storage.js";
import { FleuveError } from "../errors.js";
import type { MetricsSnapshot } from "../metrics/registry.js";
import type { OperatorRestore } from "../spi/operator.js";
import type { Channel, OutputChannel } from "./channel.js";
import {
  type CheckpointCoordination,
  CheckpointCoordinator,
  type CheckpointCoordinatorOptions,
} from "./checkpoint-coordinator.js";

export type { OperatorToRestore };

/** Where a job's subtasks run, and what follows from that (see the module comment). */
export interface Deployment {
  /** For messages and tests. */
  readonly kind: "in-process" | "worker-thread" | "scale-out-unit";
  /** True when subtask `subtask` of every task runs in this executor (slot sharing: one rule for all tasks). */
  runsHere(subtask: number): boolean;
  /**
   * The sending end of channel `channelId` from local subtask `sender` to subtask `receiver` of
   * another executor. Channel ids are numbered alike in every executor of a job, so both ends
   * agree without talking.
   */
  remoteOutput(channelId: number, sender: number, receiver: number, capacity: number): OutputChannel;
  /** Feeds `channel` of local subtask `receiver` with what subtask `sender` of another executor sends on `channelId`. */
  remoteInput(channelId: number, sender: number, receiver: number, channel: Channel): void;
  /**
   * Uids of every operator of the whole job, when this executor's graph holds only part of it and
   * the other parts restore on their own (the other units of a `--group` job): a restored
   * checkpoint's state of those operators is theirs, not unmatched. Undefined: the graph is the job.
   */
  readonly jobOperators?: ReadonlySet<string>;
  /** The share of `checkpoint` that operator subtask `op` (a local one) restores, if any. */
  restore(checkpoint: LoadedCheckpoint, op: OperatorToRestore): OperatorRestore | undefined;
  /** True when checkpoints taken by this executor list the file of subtask `subtask` in their metadata. */
  checkpointHolds(subtask: number): boolean;
  /**
   * The checkpoint coordination of one attempt over the local subtasks (`options.subtasks`), or
   * undefined when this executor takes no part in checkpoints. Savepoints always need one.
   */
  coordinate(options: CheckpointCoordinatorOptions): CheckpointCoordination | undefined;
  /** Sets what wakes the task loop when something arrives from another executor. */
  onArrival(wake: () => void): void;
  /** Sends what the local subtasks queued for other executors; the task loop calls it every round. */
  flush(): void;
  /**
   * The metrics of the whole job, when this executor runs a share of a job whose other shares and
   * job-wide figures someone else holds: on worker threads it asks the main thread and adds
   * `local()` (this executor's, taken when the answer comes); a unit of a `--group` process gets
   * its process's snapshot (every unit there, and the process figures). Called only when a source
   * asks (see `SourceReaderContext.jobMetrics`), never per record. Undefined: this executor's own
   * snapshot is the view its sources get.
   */
  jobMetrics?(local: () => MetricsSnapshot): MetricsSnapshot | Promise<MetricsSnapshot>;
}

/** Every subtask of the job in this thread, checkpointed by one coordinator here. */
export class InProcessDeployment implements Deployment {
  readonly kind = "in-process";
  runsHere(_subtask: number): boolean {
    return true;
  }
  remoteOutput(channelId: number): OutputChannel {
    throw noRemote(channelId);
  }
  remoteInput(channelId: number): void {
    throw noRemote(channelId);
  }
  restore(checkpoint: LoadedCheckpoint, op: OperatorToRestore): OperatorRestore | undefined {
    return restoreFor(checkpoint, op);
  }
  checkpointHolds(_subtask: number): boolean {
    return true;
  }
  coordinate(options: CheckpointCoordinatorOptions): CheckpointCoordination {
    return new CheckpointCoordinator(options);
  }
  onArrival(_wake: () => void): void {}
  flush(): void {}
}

/** Every subtask runs here, so a channel to another executor is a bug in the plan builder. */
export function noRemote(channelId: number): FleuveError {
  return new FleuveError(
    "FLEUVE_JOB_FAILED",
    `internal error: channel ${channelId} leads to a subtask of another executor, but this deployment has no links`,
  );
}
