/**
 * One worker thread's share of a job spread over worker threads (`runJob(module, { threads })`):
 * subtask j of every task runs on worker `j % workers` (Flink's slot sharing), and channels to
 * subtasks of other workers go through a {@link PeerLink} per peer worker.
 */
import type { JobConfig } from "../api/config.js";
import { restoreFor } from "../checkpoint/restore.js";
import type { LoadedCheckpoint } from "../checkpoint/storage.js";
import { FleuveError } from "../errors.js";
import type { OperatorRestore } from "../spi/operator.js";
import type { Channel, OutputChannel } from "./channel.js";
import type { CheckpointCoordination, CheckpointCoordinatorOptions } from "./checkpoint-coordinator.js";
import type { Deployment, OperatorToRestore } from "./deployment.js";
import type { PeerLink } from "./remote-channel.js";

/** Worker `worker` of `workers`, linked to each peer worker. */
export class WorkerThreadDeployment implements Deployment {
  readonly kind = "worker-thread";
  /** The links as an array: the task loop flushes them every round. */
  private readonly linkList: readonly PeerLink[];

  constructor(
    readonly worker: number,
    readonly workers: number,
    /** peer worker index -> link */
    readonly links: ReadonlyMap<number, PeerLink>,
  ) {
    this.linkList = [...links.values()];
  }

  /** The worker that runs subtask `subtask` of every task. */
  workerOf(subtask: number): number {
    return subtask % this.workers;
  }

  check(config: JobConfig): void {
    if (config.checkpointing) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        "checkpointing is not supported yet for jobs spread over worker threads; run with threads: 1 (parallelism may stay > 1)",
        { details: { option: "checkpointing" } },
      );
    }
  }

  runsHere(subtask: number): boolean {
    return subtask % this.workers === this.worker;
  }

  remoteOutput(channelId: number, _sender: number, receiver: number, capacity: number): OutputChannel {
    return this.linkTo(this.workerOf(receiver)).sender(channelId, capacity);
  }

  remoteInput(channelId: number, sender: number, _receiver: number, channel: Channel): void {
    this.linkTo(this.workerOf(sender)).receiver(channelId, channel);
  }

  private linkTo(peer: number): PeerLink {
    const l = this.links.get(peer);
    if (!l) {
      throw new FleuveError(
        "FLEUVE_JOB_FAILED",
        `internal error: worker ${this.worker} of ${this.workers} has no link to worker ${peer}`,
      );
    }
    return l;
  }

  restore(checkpoint: LoadedCheckpoint, op: OperatorToRestore): OperatorRestore | undefined {
    return restoreFor(checkpoint, op.uid, op.name, op.subtask, op.parallelism, op.maxParallelism, op);
  }

  /** A checkpoint of a job spread over threads is one checkpoint of the whole job. */
  checkpointHolds(_subtask: number): boolean {
    return true;
  }

  /**
   * None yet: {@link check} refuses periodic checkpoints and the thread runner refuses savepoints.
   * A coordination for this deployment would trigger the local sources when the main thread says
   * so, send the local subtasks' acknowledgements there, and notify the local operators when the
   * main thread says a checkpoint completed.
   */
  coordinate(_options: CheckpointCoordinatorOptions): CheckpointCoordination | undefined {
    return undefined;
  }

  onArrival(wake: () => void): void {
    for (const l of this.linkList) l.onArrivalHook = wake;
  }

  flush(): void {
    const ls = this.linkList;
    for (let i = 0; i < ls.length; i++) ls[i]!.flush();
  }
}
