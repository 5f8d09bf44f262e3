/**
 * A unit of a scale-out job (`fleuve run --group`, see scale-out/unit-plan.ts): subtask `subtask`
 * of a task, alone in its executor. Its inputs and outputs are exchanges (sources and sinks chained
 * into the unit's graph), so it has no channels to other executors; it checkpoints and restores on
 * its own, in checkpoint folders of its own. Before it has any, it may start from a checkpoint or
 * savepoint of the whole job (taken in one thread or on worker threads): it then takes its
 * subtask's share of that, as any rescaled subtask would.
 */
import { restoreFor } from "../checkpoint/restore.js";
import type { LoadedCheckpoint } from "../checkpoint/storage.js";
import type { MetricsSnapshot } from "../metrics/registry.js";
import { keyGroupRangeFor } from "../spi/key-groups.js";
import type { OperatorRestore } from "../spi/operator.js";
import type { OutputChannel } from "./channel.js";
import {
  type CheckpointCoordination,
  CheckpointCoordinator,
  type CheckpointCoordinatorOptions,
} from "./checkpoint-coordinator.js";
import { type Deployment, noRemote, type OperatorToRestore } from "./deployment.js";

/**
 * What a unit's sources see as the job's metrics, given the unit's own snapshot (`local()`): see
 * {@link Deployment.jobMetrics}.
 */
export type UnitJobMetrics = (local: () => MetricsSnapshot) => MetricsSnapshot | Promise<MetricsSnapshot>;

/** Subtask `subtask` of a task of parallelism `parallelism`, run alone. */
export class ScaleOutUnitDeployment implements Deployment {
  readonly kind = "scale-out-unit";

  /**
   * @param jobOperators uids of every operator of the whole job (the other units' too): a
   *   whole-job savepoint holds their state, which is not unmatched state (other units restore it).
   * @param metricsView what the unit's sources see as the job's metrics
   *   (`SourceReaderContext.jobMetrics`), given the unit's own snapshot: e.g. the snapshot of the
   *   whole process running the unit. Undefined: the unit's own snapshot.
   */
  constructor(
    readonly subtask: number,
    readonly parallelism: number,
    readonly jobOperators: ReadonlySet<string> = new Set(),
    metricsView?: UnitJobMetrics,
  ) {
    this.jobMetrics = metricsView;
  }

  /** The `metricsView` given, if any (see {@link Deployment.jobMetrics}). */
  readonly jobMetrics: UnitJobMetrics | undefined;

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
   * A unit's own checkpoint holds its own subtask's state only: take all of it (as subtask 0 of 1),
   * but keep the key groups of the subtask this unit is, so keyed state outside them stays out.
   * A checkpoint of the whole job (every old subtask's snapshot of the operator is there, e.g. a
   * savepoint taken in one thread or on worker threads) is shared out as for any rescale: key
   * groups, list state and source splits of subtask `op.subtask` of `op.parallelism`.
   */
  restore(checkpoint: LoadedCheckpoint, op: OperatorToRestore): OperatorRestore | undefined {
    const taken = checkpoint.metadata.operators[op.uid];
    if (taken !== undefined && taken.files.length === taken.parallelism) {
      return restoreFor(checkpoint, op);
    }
    const r = restoreFor(checkpoint, { ...op, subtask: 0, parallelism: 1 });
    return r && { ...r, keyGroups: keyGroupRangeFor(op.subtask, op.parallelism, op.maxParallelism) };
  }

  checkpointHolds(subtask: number): boolean {
    return subtask === this.subtask;
  }

  /** Its checkpoints are its commits (every 100 ms by default): their few small files go inside `_metadata`. */
  coordinate(options: CheckpointCoordinatorOptions): CheckpointCoordination {
    return new CheckpointCoordinator({ ...options, inlineSnapshots: true });
  }

  onArrival(_wake: () => void): void {}

  flush(): void {}
}
