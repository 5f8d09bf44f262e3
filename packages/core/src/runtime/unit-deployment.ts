/**
 * A unit of a scale-out job (`fleuve run --group`, see units.ts): subtask `subtask` of a task,
 * alone in its executor. Its inputs and outputs are exchanges (sources and sinks chained into the
 * unit's graph), so it has no channels to other executors; it checkpoints and restores on its own,
 * in checkpoint folders of its own.
 */
import type { JobConfig } from "../api/config.js";
import { restoreFor } from "../checkpoint/restore.js";
import type { LoadedCheckpoint } from "../checkpoint/storage.js";
import { keyGroupRangeFor } from "../spi/key-groups.js";
import type { OperatorRestore } from "../spi/operator.js";
import type { OutputChannel } from "./channel.js";
import {
  type CheckpointCoordination,
  CheckpointCoordinator,
  type CheckpointCoordinatorOptions,
} from "./checkpoint-coordinator.js";
import { type Deployment, noRemote, type OperatorToRestore } from "./deployment.js";

/** Subtask `subtask` of a task of parallelism `parallelism`, run alone. */
export class ScaleOutUnitDeployment implements Deployment {
  readonly kind = "scale-out-unit";

  constructor(
    readonly subtask: number,
    readonly parallelism: number,
  ) {}

  check(_config: JobConfig): void {}

  runsHere(subtask: number): boolean {
    return subtask === this.subtask;
  }

  remoteOutput(channelId: number): OutputChannel {
    throw noRemote(channelId);
  }

  remoteInput(channelId: number): void {
    throw noRemote(channelId);
  }

  /**
   * A unit's checkpoint holds its own subtask's state only: take all of it (as subtask 0 of 1),
   * but keep the key groups of the subtask this unit is, so keyed state outside them stays out.
   */
  restore(checkpoint: LoadedCheckpoint, op: OperatorToRestore): OperatorRestore | undefined {
    const r = restoreFor(checkpoint, op.uid, op.name, 0, 1, op.maxParallelism, op);
    return r && { ...r, keyGroups: keyGroupRangeFor(op.subtask, op.parallelism, op.maxParallelism) };
  }

  checkpointHolds(subtask: number): boolean {
    return subtask === this.subtask;
  }

  coordinate(options: CheckpointCoordinatorOptions): CheckpointCoordination {
    return new CheckpointCoordinator(options);
  }

  onArrival(_wake: () => void): void {}

  flush(): void {}
}
