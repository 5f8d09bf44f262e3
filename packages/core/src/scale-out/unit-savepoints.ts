/**
 * Savepoints of a whole scale-out job (Flink's savepoints of a job spread over TaskManagers): a
 * job-wide aligned checkpoint, in the layout of a savepoint taken in one process, so it restores
 * in one process, on worker threads or in a group at any parallelism.
 *
 * 1. The units whose inputs are the job's own sources (no exchange into them) are asked for their
 *    part ({@link UnitSavepoints.take}); the deployment asks them (e.g. through a control topic).
 * 2. A unit's part is a checkpoint of the unit like any other (its transactions commit with it),
 *    whose job operators' state is also written in full into the savepoint folder, under the file
 *    name the subtask has in a savepoint of the whole job ({@link SavepointPart}). Its exchange
 *    outputs write the savepoint's barrier into every receiver's stream inside that checkpoint's
 *    transaction ({@link UnitSavepoints.barrierOf}).
 * 3. A receiving unit aligns (see exchange-protocol.ts): once every sender's barrier arrived on
 *    every exchange into it ({@link UnitSavepoints.aligned}), it takes its part, at exactly the cut,
 *    and forwards the barrier the same way.
 * 4. Once every unit's part is written, one process writes `_metadata` last
 *    ({@link writeJobSavepointMetadata}), listing every operator of the job (exchanges are no
 *    operators of the job: nothing is in flight at the cut).
 */
import type { JobConfig } from "../api/config.js";
import {
  type CheckpointMetadata,
  type CheckpointStorage,
  writeCheckpointMetadata,
} from "../checkpoint/storage.js";
import type { StreamGraph } from "../graph/stream-graph.js";
import type { SavepointPart, SavepointPartWritten } from "../runtime/checkpoint-coordinator.js";
import { checkpointLayout, subtaskFile } from "../runtime/execution-graph.js";
import { buildJobGraph } from "../runtime/job-graph.js";
import type { SavepointBarrier } from "./exchange-protocol.js";
import type { Unit } from "./unit-plan.js";

/** Options of {@link UnitSavepoints}. */
export interface UnitSavepointsOptions {
  /** Exchanges into the unit (0 for a unit whose inputs are the job's sources). */
  readonly inputs: number;
  /** Uids of the operators of the whole job: the state a part holds (exchanges stay out). */
  readonly jobOperators: ReadonlySet<string>;
  /** True for a savepoint that completed or was given up: no part of it is taken any more. */
  readonly isOver: (savepointId: string) => boolean;
  /** The unit's part of `barrier`'s savepoint is written and its checkpoint complete. */
  readonly written: (barrier: SavepointBarrier, written: SavepointPartWritten) => void;
  /** The unit's part of `barrier`'s savepoint could not be taken. */
  readonly failed: (barrier: SavepointBarrier, error: unknown) => void;
}

/** Where a unit's savepoint part is taken: its running executor. */
export interface SavepointPartTaker {
  savepointPart(part: SavepointPart): Promise<SavepointPartWritten>;
}

/** Number of checkpoint ids remembered with their savepoint (older ones are long done). */
const REMEMBERED = 64;

/**
 * The savepoints of one run of one unit: shared by the unit's exchange sources and sinks and the
 * deployment (see the module comment).
 */
export class UnitSavepoints {
  private taker: SavepointPartTaker | undefined;
  /** Barriers by the unit's checkpoint id that is their part. */
  private readonly byCheckpoint = new Map<number, SavepointBarrier>();
  /** Per savepoint id: the exchanges into the unit that are aligned. */
  private readonly alignedInputs = new Map<string, Set<number>>();
  /** Savepoints whose part this run asked for. */
  private readonly taken = new Set<string>();
  /** Barriers of savepoints aligned before the unit was attached. */
  private readonly pendingBarriers = new Map<string, SavepointBarrier>();

  constructor(
    readonly unit: Unit,
    private readonly opts: UnitSavepointsOptions,
  ) {}

  /** The running unit, once started; parts asked for before wait for it. */
  attach(taker: SavepointPartTaker): void {
    this.taker = taker;
    for (const [id, inputs] of this.alignedInputs) {
      if (inputs.size >= this.opts.inputs && !this.taken.has(id)) {
        const b = this.pendingBarriers.get(id);
        if (b) this.take(b);
      }
    }
  }

  /** The savepoint whose part the unit's checkpoint `checkpointId` is, if any. */
  barrierOf(checkpointId: number): SavepointBarrier | undefined {
    return this.byCheckpoint.get(checkpointId);
  }

  /** True for a savepoint that completed or was given up (its barriers are ignored). */
  isOver(savepointId: string): boolean {
    return this.opts.isOver(savepointId);
  }

  /** True when this unit takes its part when asked ({@link take}), not after aligning its inputs. */
  get takesPartWhenAsked(): boolean {
    return this.opts.inputs === 0;
  }

  /**
   * Exchange `input` into the unit has every sender's barrier of `barrier`'s savepoint: once all
   * of them have, the unit takes its part.
   */
  aligned(input: number, barrier: SavepointBarrier): void {
    if (this.opts.isOver(barrier.id)) return;
    let inputs = this.alignedInputs.get(barrier.id);
    if (!inputs) {
      inputs = new Set();
      this.alignedInputs.set(barrier.id, inputs);
    }
    inputs.add(input);
    this.pendingBarriers.set(barrier.id, barrier);
    if (inputs.size >= this.opts.inputs) this.take(barrier);
  }

  /** Takes the unit's part of `barrier`'s savepoint now (once per savepoint and run). */
  take(barrier: SavepointBarrier): void {
    if (this.taken.has(barrier.id) || this.opts.isOver(barrier.id)) return;
    const taker = this.taker;
    if (!taker) return; // attach() takes it
    this.taken.add(barrier.id);
    this.alignedInputs.delete(barrier.id);
    this.pendingBarriers.delete(barrier.id);
    const u = this.unit;
    taker
      .savepointPart({
        dir: barrier.dir,
        file: subtaskFile(u.task, u.subtask),
        operators: this.opts.jobOperators,
        stop: barrier.stop,
        onTriggered: (id) => {
          this.byCheckpoint.set(id, barrier);
          for (const k of this.byCheckpoint.keys()) {
            if (this.byCheckpoint.size <= REMEMBERED) break;
            this.byCheckpoint.delete(k);
          }
        },
      })
      .then(
        (w) => this.opts.written(barrier, w),
        (e: unknown) => this.opts.failed(barrier, e),
      );
  }
}

/**
 * Per operator of the whole job: its parallelism, whether it is a source, and the files of its
 * subtasks, as a savepoint of the job taken in one process lists them (each unit's part is the
 * file of its subtask, {@link SavepointPart.file}).
 */
export function jobSavepointLayout(graph: StreamGraph, config: JobConfig): CheckpointMetadata["operators"] {
  return checkpointLayout(graph, buildJobGraph(graph, config), () => true);
}

/**
 * Completes a savepoint of the whole job whose parts every unit wrote into `dir`: writes its
 * `_metadata` last (with every part's files and checksums), so it restores as a savepoint taken in
 * one process does.
 */
export async function writeJobSavepointMetadata(
  storage: CheckpointStorage,
  dir: string,
  meta: {
    readonly jobName: string;
    readonly maxParallelism: number;
    readonly operators: CheckpointMetadata["operators"];
    readonly files: CheckpointMetadata["files"];
    readonly checkpointId: number;
  },
): Promise<void> {
  await writeCheckpointMetadata(
    dir,
    {
      checkpointId: meta.checkpointId,
      kind: "savepoint",
      jobName: meta.jobName,
      createdAt: new Date().toISOString(),
      maxParallelism: meta.maxParallelism,
      operators: meta.operators,
      files: meta.files,
      references: [],
    },
    storage,
  );
}
