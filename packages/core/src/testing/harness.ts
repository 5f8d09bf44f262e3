/**
 * The common part of the operator test harnesses (Flink's AbstractStreamOperatorTestHarness): one
 * operator subtask outside any job, with a manual processing-time clock, its own keyed state
 * backend and metrics, and an output that records everything the operator emits.
 */
import { operatorListsFor } from "../checkpoint/restore.js";
import { FleuveError } from "../errors.js";
import { OperatorMetrics } from "../metrics/registry.js";
import { DEFAULT_MAX_PARALLELISM, type KeySelector, keyGroupRangeFor } from "../spi/key-groups.js";
import type { KeyedStateBackend, KeyedStateBackendFactory } from "../spi/keyed-state-backend.js";
import type {
  LatencyMarker,
  OperatorRestore,
  OperatorSnapshot,
  Output,
  StreamOperator,
} from "../spi/operator.js";
import { OperatorStateStore } from "../spi/operator-state.js";
import type { OutputTag } from "../spi/output-tag.js";
import { ManualProcessingTime } from "../spi/processing-time.js";
import { HeapKeyedStateBackend } from "../state/heap-keyed-state-backend.js";
import { NO_TIMESTAMP } from "../time/watermark.js";

/** A record with its event timestamp (`undefined` when it carries none). */
export interface TimestampedRecord<T> {
  readonly value: T;
  readonly timestamp: number | undefined;
}

/** Options shared by every harness. */
export interface HarnessOptions {
  /** Key groups of the "job" (default 128). Must match between a snapshot and its restore. */
  maxParallelism?: number;
  /** Parallelism of the operator the harness pretends to be part of (default 1). */
  parallelism?: number;
  /** Which subtask the harness is (default 0): fixes the key groups it owns on restore. */
  subtaskIndex?: number;
  /** Processing time the manual clock starts at (default 0). */
  processingTime?: number;
  /** Operator name used in errors and metrics (default: the operator's class name). */
  operatorName?: string;
  /**
   * Snapshots to restore before opening: one for a plain restore, several (from the subtasks of
   * another parallelism) to rescale. This subtask keeps the key groups it owns.
   */
  restoreFrom?: OperatorSnapshot | readonly OperatorSnapshot[];
  /** Keyed state backend to test the operator on (default: the heap backend). */
  stateBackend?: KeyedStateBackendFactory;
}

/** A watermark in {@link OperatorHarness.getOutputWithWatermarks}. */
export interface WatermarkEvent {
  readonly watermark: number;
}

/** Records what an operator emits. */
class RecordingOutput<T> implements Output<T> {
  readonly records: TimestampedRecord<T>[] = [];
  /** Main-output records and watermarks, interleaved in emission order. */
  readonly events: (TimestampedRecord<T> | WatermarkEvent)[] = [];
  readonly sides = new Map<string, TimestampedRecord<unknown>[]>();
  readonly watermarks: number[] = [];
  readonly idleChanges: boolean[] = [];
  constructor(private readonly metrics: OperatorMetrics) {}
  collect(value: T, timestamp: number): void {
    this.metrics.recordsOut.increment();
    const r = { value, timestamp: timestamp === NO_TIMESTAMP ? undefined : timestamp };
    this.records.push(r);
    this.events.push(r);
  }
  collectSide(tag: OutputTag<any>, value: unknown, timestamp: number): void {
    let list = this.sides.get(tag.id);
    if (!list) this.sides.set(tag.id, (list = []));
    list.push({ value, timestamp: timestamp === NO_TIMESTAMP ? undefined : timestamp });
  }
  emitWatermark(watermark: number): void {
    this.watermarks.push(watermark);
    this.events.push({ watermark });
  }
  emitIdle(idle: boolean): void {
    this.idleChanges.push(idle);
  }
  emitLatencyMarker(_marker: LatencyMarker): void {}
}

/**
 * Base of the harnesses: lifecycle, clock, output, state and timer inspection, snapshots.
 * The operator is opened on first use (or by {@link OperatorHarness.open}).
 */
export abstract class OperatorHarness<OUT> {
  /** The manual processing-time clock the operator sees. */
  readonly clock: ManualProcessingTime;
  /** The operator's metrics (recordsIn / recordsOut are counted by the harness like the runtime does). */
  readonly metrics: OperatorMetrics;
  /** The keyed state backend (keyed harnesses only). */
  readonly keyedState: KeyedStateBackend | undefined;
  readonly maxParallelism: number;
  readonly parallelism: number;
  readonly subtaskIndex: number;
  private readonly out: RecordingOutput<OUT>;
  private state: "created" | "open" | "closed" = "created";

  protected constructor(
    /** The operator under test. */
    readonly operator: StreamOperator<OUT>,
    keySelectors: readonly (KeySelector<any> | undefined)[],
    options: HarnessOptions,
  ) {
    const maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
    const parallelism = options.parallelism ?? 1;
    const subtaskIndex = options.subtaskIndex ?? 0;
    if (!Number.isInteger(subtaskIndex) || subtaskIndex < 0 || subtaskIndex >= parallelism) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `harness: subtaskIndex must be an integer in [0, ${parallelism}), got ${subtaskIndex}`,
        { details: { option: "subtaskIndex", value: subtaskIndex } },
      );
    }
    this.maxParallelism = maxParallelism;
    this.parallelism = parallelism;
    this.subtaskIndex = subtaskIndex;
    const name = options.operatorName ?? operator.constructor.name;
    this.clock = new ManualProcessingTime(options.processingTime ?? 0);
    this.metrics = new OperatorMetrics(name, name, subtaskIndex);
    const keyed = keySelectors.some((k) => k !== undefined);
    const clock = () => this.clock.now();
    this.keyedState = !keyed
      ? undefined
      : options.stateBackend
        ? options.stateBackend({
            maxParallelism,
            clock,
            jobName: "harness",
            operatorId: name,
            subtaskIndex,
            parallelism,
          })
        : new HeapKeyedStateBackend(maxParallelism, clock);
    this.out = new RecordingOutput<OUT>(this.metrics);
    operator.setup(
      {
        operatorName: name,
        operatorId: name,
        subtaskIndex,
        parallelism,
        maxParallelism,
        keySelectors,
        keyedState: this.keyedState,
        operatorState: new OperatorStateStore(),
        processingTime: this.clock,
        metrics: this.metrics,
        checkpointing: false,
      },
      this.out,
    );
    if (options.restoreFrom !== undefined) this.initializeState(options.restoreFrom);
  }

  /**
   * Restores state taken by {@link snapshot} (of one or several harnesses, e.g. of another
   * parallelism) before the operator opens: keyed state and timers of the key groups this subtask
   * owns, operator list state round-robin, union list state whole, broadcast state copied. The snapshots are copied, so
   * they can be restored again. Returns `this`.
   */
  initializeState(snapshots: OperatorSnapshot | readonly OperatorSnapshot[]): this {
    if (this.state !== "created") {
      throw new FleuveError("FLEUVE_STATE_INVALID", "harness: initializeState() must come before open()");
    }
    // Copied: the restored operator mutates its state in place, and the same snapshot may be
    // restored again (into the other subtasks of a rescale, or to compare two restores).
    const old: readonly OperatorSnapshot[] = structuredClone(
      Array.isArray(snapshots) ? snapshots : [snapshots as OperatorSnapshot],
    );
    const p = this.parallelism;
    const i = this.subtaskIndex;
    const { lists, unions } = operatorListsFor(old, i, p);
    const restore: OperatorRestore = {
      keyed: old.map((s) => s.keyed).filter((k) => k !== undefined),
      timers: old.map((s) => s.timers).filter((t) => t !== undefined),
      lists,
      unions,
      broadcast: old[0]?.operator?.broadcast ?? {},
      custom: old.filter((_, j) => j % p === i).map((s) => s.custom),
      keyGroups: keyGroupRangeFor(i, p, this.maxParallelism),
    };
    this.operator.initializeState(restore);
    return this;
  }

  /** Opens the operator (and gives back restored timers). Called implicitly by the first input. */
  open(): this {
    if (this.state === "created") {
      this.state = "open";
      this.operator.open();
      this.operator.restoreTimers();
    } else if (this.state === "closed") {
      throw new FleuveError("FLEUVE_STATE_INVALID", "harness: the operator is closed");
    }
    return this;
  }

  /** Moves the processing-time clock to `time` and fires every processing-time timer due. */
  setProcessingTime(time: number): void {
    this.open();
    this.clock.advanceTo(time);
  }

  /** Everything emitted on the main output so far, with timestamps. */
  getOutput(): TimestampedRecord<OUT>[] {
    return this.out.records.slice();
  }

  /** The values emitted on the main output so far. */
  getOutputValues(): OUT[] {
    return this.out.records.map((r) => r.value);
  }

  /** What was emitted to side output `tag`, with timestamps. */
  getSideOutput<X>(tag: OutputTag<X>): TimestampedRecord<X>[] {
    return ((this.out.sides.get(tag.id) as TimestampedRecord<X>[] | undefined) ?? []).slice();
  }

  /** The watermarks the operator forwarded, in order. */
  getWatermarks(): number[] {
    return this.out.watermarks.slice();
  }

  /**
   * Main-output records and forwarded watermarks in the order they were emitted, e.g. to check that
   * timer results come before the watermark that fired them.
   */
  getOutputWithWatermarks(): (TimestampedRecord<OUT> | WatermarkEvent)[] {
    return this.out.events.slice();
  }

  /** Forgets the output recorded so far (records, side outputs, watermarks). */
  clearOutput(): void {
    this.out.records.length = 0;
    this.out.events.length = 0;
    this.out.sides.clear();
    this.out.watermarks.length = 0;
    this.out.idleChanges.length = 0;
  }

  /** Number of (state, key) entries in keyed state, over all states of the operator. */
  numKeyedStateEntries(): number {
    return this.keyedState?.approximateEntries ?? 0;
  }

  /** Pending event-time timers. */
  numEventTimeTimers(): number {
    return this.operator.timers?.eventTimerCount ?? 0;
  }

  /** Pending processing-time timers. */
  numProcessingTimeTimers(): number {
    return this.operator.timers?.processingTimerCount ?? 0;
  }

  /**
   * Takes a snapshot as a checkpoint would (state, timers, operator state), deep-copied so the
   * harness can go on. Restore it into a new harness with `restoreFrom` or `initializeState`.
   */
  snapshot(checkpointId = 1): OperatorSnapshot {
    this.open();
    return structuredClone(this.operator.snapshotState(checkpointId));
  }

  /** Closes the operator. */
  close(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.operator.close();
  }

  /** Counts an input record like the runtime does. */
  protected countIn(): void {
    this.metrics.recordsIn.count++;
  }
}
