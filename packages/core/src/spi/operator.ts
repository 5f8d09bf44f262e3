/**
 * The Processor-level API every operator is built on (Flink's StreamOperator). Records move as
 * `(value, timestamp)` pairs through synchronous calls: no wrapper object, no promise per record.
 *
 * One operator per file lives in `src/operators/` and `src/windows/`; user code normally writes
 * functions (map, process...) and never subclasses these directly.
 */
import { describeRecord, FleuveError } from "../errors.js";
import type { LogFunction } from "../log.js";
import type { MetricsSnapshot, OperatorMetrics } from "../metrics/registry.js";
import { MIN_WATERMARK, WatermarkValve } from "../time/watermark.js";
import { type ErrorPolicy, SKIP_RECORD } from "./error-policy.js";
import { type Key, type KeySelector, keyGroupOf, normalizeKey } from "./key-groups.js";
import type { KeyedStateBackend, KeyedStateSnapshot } from "./keyed-state-backend.js";
import type { OperatorStateStore } from "./operator-state.js";
import type { OutputTag } from "./output-tag.js";
import type { ProcessingTimeScheduler } from "./processing-time.js";
import {
  InternalTimerService,
  type Namespace,
  type TimersSnapshot,
  type Triggerable,
} from "./timer-service.js";

function inRange(kg: number, r: { start: number; end: number }): boolean {
  return kg >= r.start && kg <= r.end;
}

/** A latency marker: emitted by sources periodically, measured by every operator it passes. */
export interface LatencyMarker {
  /** Processing time (ms, `performance.timeOrigin + performance.now()`) when the source emitted it. */
  readonly emittedAt: number;
  readonly sourceId: number;
  readonly subtask: number;
}

/** Where an operator sends what it produces. */
export interface Output<T> {
  collect(value: T, timestamp: number): void;
  collectSide(tag: OutputTag<any>, value: unknown, timestamp: number): void;
  emitWatermark(watermark: number): void;
  emitIdle(idle: boolean): void;
  emitLatencyMarker(marker: LatencyMarker): void;
}

/** What the runtime gives an operator subtask. */
export interface OperatorRuntime {
  readonly operatorName: string;
  /** Stable operator id (the uid when set, else derived from the graph position). */
  readonly operatorId: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** Key selectors per input for keyed operators (index 0 and 1), else empty. */
  readonly keySelectors: readonly (KeySelector<any> | undefined)[];
  /** Keyed state of this subtask (present for keyed operators). */
  readonly keyedState: KeyedStateBackend | undefined;
  readonly operatorState: OperatorStateStore;
  readonly processingTime: ProcessingTimeScheduler;
  readonly metrics: OperatorMetrics;
  /** True when the job takes periodic checkpoints (two-phase-commit sinks then commit on them). */
  readonly checkpointing: boolean;
  /** What to do with records user code throws on. */
  readonly errorPolicy?: ErrorPolicy;
  readonly jobName?: string;
  /** The job's log (the environment's `log`); absent in runtimes made by hand (tests). */
  readonly log?: LogFunction;
  /**
   * The metrics of the whole job (see `SourceReaderContext.jobMetrics`: a snapshot, or on worker
   * threads a promise of one); absent in runtimes made by hand (tests).
   */
  readonly jobMetrics?: () => MetricsSnapshot | Promise<MetricsSnapshot>;
}

export { SKIP_RECORD };

/** What one operator subtask puts in a checkpoint. Must be structured-cloneable. */
export interface OperatorSnapshot {
  /** Keyed state by key group (redistributed on rescale). */
  keyed?: KeyedStateSnapshot;
  /** Timers (redistributed with their keys on rescale). */
  timers?: TimersSnapshot;
  /** Operator list state (redistributed round-robin), union list state (all of it to every subtask) and broadcast state (copied). */
  operator?: ReturnType<OperatorStateStore["snapshot"]>;
  /** Anything else the operator keeps (e.g. pending sink transactions); given back as a list on restore. */
  custom?: unknown;
  /**
   * Not stored: resolves when what this snapshot describes is durable outside Fleuve (e.g. a
   * sink's prepared transaction fully acknowledged by the broker). The checkpoint completes only
   * after it; a rejection fails the checkpoint.
   */
  ready?: Promise<void>;
}

/** State handed to an operator subtask on restore: its share of every old subtask's snapshot. */
export interface OperatorRestore {
  /** Snapshots of the old subtasks whose key groups overlap this subtask's range. */
  readonly keyed: readonly KeyedStateSnapshot[];
  readonly timers: readonly TimersSnapshot[];
  /** This subtask's share of operator list state, by name. */
  readonly lists: Readonly<Record<string, unknown[]>>;
  /** Union list state, by name: the entries of every old subtask (absent: none, e.g. an older savepoint). */
  readonly unions?: Readonly<Record<string, unknown[]>>;
  /** Broadcast state (the same on every subtask). */
  readonly broadcast: Readonly<Record<string, [unknown, unknown][]>>;
  /** `custom` of the old subtasks this subtask takes over (subtask i takes old subtasks j with j % p == i). */
  readonly custom: readonly unknown[];
  /** Key groups this subtask owns. */
  readonly keyGroups: { start: number; end: number };
}

/**
 * Union list state of an operator's kept watermark ({@link StreamOperator.keepWatermark}). Named
 * when only window operators kept theirs: the name stays so that their savepoints restore.
 */
const KEPT_WATERMARK_STATE = "window-watermark";

/** Base of all operators. */
export abstract class StreamOperator<OUT> {
  protected output!: Output<OUT>;
  protected runtime!: OperatorRuntime;
  /** The last watermark this operator received (and forwarded). */
  protected currentWatermark = MIN_WATERMARK;
  private timerService: InternalTimerService<any> | undefined;
  /** Set by {@link keepWatermark}: the watermark goes into checkpoints and comes back on restore. */
  private watermarkKept = false;
  /** A watermark was restored and not yet forwarded (see {@link processWatermark}). */
  private restoredWatermarkUnsent = false;

  /** Called once by the runtime before `open`. */
  setup(runtime: OperatorRuntime, output: Output<OUT>): void {
    this.runtime = runtime;
    this.output = output;
  }

  /** Called before the first record. */
  open(): void {}

  /** Called once after the final watermark, when no more input will come. May still emit. */
  finish(): void {}

  /** Called last, also on failure or cancellation; releases resources. */
  close(): void {}

  /**
   * Takes this operator's part of checkpoint `checkpointId`, synchronously, between two records.
   * The result is serialized at once, so live objects may be returned.
   */
  snapshotState(checkpointId: number): OperatorSnapshot {
    const rt = this.runtime;
    if (this.watermarkKept)
      rt.operatorState.getUnionListState<number>(KEPT_WATERMARK_STATE).update([this.currentWatermark]);
    return {
      keyed: rt.keyedState?.snapshot(),
      timers: this.timerService?.snapshot(),
      operator: rt.operatorState.snapshot(),
      custom: this.snapshotCustom(checkpointId),
      ready: this.snapshotReady(),
    };
  }

  /** For {@link OperatorSnapshot.ready}: asynchronous work the checkpoint must wait for. */
  protected snapshotReady(): Promise<void> | undefined {
    return undefined;
  }

  /** Extra state of the operator for a checkpoint (e.g. pending transactions of a sink). */
  protected snapshotCustom(_checkpointId: number): unknown {
    return undefined;
  }

  /**
   * Restores state before `open()`. Keyed state and timers are filtered to this subtask's key
   * groups; operators with their own state override {@link restoreCustom}.
   */
  initializeState(restore: OperatorRestore): void {
    const rt = this.runtime;
    if (rt.keyedState) {
      rt.keyedState.restore(restore.keyed, restore.keyGroups);
      if (restore.timers.length > 0) this.pendingTimerRestore = restore;
    }
    rt.operatorState.restore(restore.lists, restore.broadcast, restore.unions);
    if (this.watermarkKept) this.restoreWatermark();
    this.restoreCustom(restore.custom);
  }

  /**
   * Keeps this operator's watermark in checkpoints, as Flink's SQL window operators
   * (`WindowAggOperator`) keep theirs: restored, the operator starts from the minimum of the old
   * subtasks' watermarks (a union list state, so every new subtask reads all of them: after a
   * rescale a subtask may hold keys of any old one, and its watermark must be no later than any of
   * theirs), and a record that was late before the checkpoint is late after it, for
   * {@link currentWatermark} and a process function's `timerService().currentWatermark()` alike.
   * The first watermark received that is not past the restored one forwards the restored one
   * instead, so the operators after this one get the time it starts from. A checkpoint taken
   * without it (or where no watermark had come) restores with no watermark, as before.
   *
   * Call it in the constructor (before the state is restored). Without it an operator starts with
   * no watermark after a restore, as Flink's operators do by default.
   */
  protected keepWatermark(): void {
    this.watermarkKept = true;
  }

  /** {@link keepWatermark}'s restore: the minimum over the old subtasks' watermarks, if any. */
  private restoreWatermark(): void {
    const saved = this.runtime.operatorState.getUnionListState<number>(KEPT_WATERMARK_STATE).get();
    if (saved.length === 0) return;
    const min = Math.min(...saved);
    if (min <= MIN_WATERMARK) return;
    this.currentWatermark = min;
    this.runtime.metrics.currentWatermark.set(min);
    this.restoredWatermarkUnsent = true;
  }

  private pendingTimerRestore: OperatorRestore | undefined;

  /** Called by the runtime after `open()` so timer services created in open() get their timers back. */
  restoreTimers(): void {
    const r = this.pendingTimerRestore;
    this.pendingTimerRestore = undefined;
    if (!r) return;
    const range = r.keyGroups;
    const mp = this.runtime.maxParallelism;
    const svc = this.timerService;
    if (!svc) return;
    for (const t of r.timers) {
      svc.restore({
        eventTime: t.eventTime.filter(([, , nk]) => inRange(keyGroupOf(nk, mp), range)),
        processingTime: t.processingTime.filter(([, , nk]) => inRange(keyGroupOf(nk, mp), range)),
      });
    }
  }

  /** Restores what {@link snapshotCustom} returned, from the old subtasks this one takes over. */
  protected restoreCustom(_states: readonly unknown[]): void {}

  /** Checkpoint `checkpointId` is complete and durable (two-phase-commit sinks commit here). */
  notifyCheckpointComplete(_checkpointId: number): void {}

  /**
   * Backpressure from outside the dataflow: a promise while the operator cannot take more input
   * (e.g. a sink whose destination has too much unacknowledged data), undefined when it can. The
   * subtask does not step until the promise resolves.
   */
  readyForInput(): Promise<void> | undefined {
    return undefined;
  }

  /** True when {@link readyForInput} may return a promise (checked once per subtask). */
  get mayBlockInput(): boolean {
    return false;
  }

  /** Asynchronous work the job must wait for before it ends (e.g. a sink's last commit). */
  pendingWork(): Promise<void> | undefined {
    return undefined;
  }

  /** The keyed state backend; throws a clear error on a non-keyed stream. */
  protected get keyedState(): KeyedStateBackend {
    const b = this.runtime.keyedState;
    if (!b) {
      throw new FleuveError(
        "FLEUVE_STATE_INVALID",
        `operator '${this.runtime.operatorName}' uses keyed state or timers but its input is not keyed: call keyBy() first`,
        { details: { operator: this.runtime.operatorName } },
      );
    }
    return b;
  }

  /** The operator's keyed timer service (one per operator), created on first use. */
  protected getTimerService<N extends Namespace>(target: Triggerable<N>): InternalTimerService<N> {
    if (!this.timerService) {
      const svc = new InternalTimerService<N>(this.keyedState, this.runtime.processingTime, target);
      this.timerService = svc;
      // Read when a reporter samples, never per record.
      this.runtime.metrics.probe("numEventTimeTimers", () => svc.eventTimerCount);
      this.runtime.metrics.probe("numProcessingTimeTimers", () => svc.processingTimerCount);
    }
    return this.timerService;
  }

  /** The timer service if one was created (for snapshots and the runtime). */
  get timers(): InternalTimerService<any> | undefined {
    return this.timerService;
  }

  /** Sets the current key from the record, using the key selector of input `input`. */
  setKeyContextElement(value: unknown, input = 0): void {
    const sel = this.runtime.keySelectors[input];
    if (!sel) return;
    let key: Key;
    try {
      key = sel(value) as Key;
    } catch (e) {
      throw keySelectorError(e, `key selector of operator '${this.runtime.operatorName}'`, value);
    }
    this.runtime.keyedState!.setCurrentKey(key, normalizeKey(key, this.runtime.operatorName, value));
  }

  /** Handles a watermark: fires event-time timers, then forwards it. */
  processWatermark(watermark: number): void {
    if (watermark <= this.currentWatermark) {
      // A restored watermark (keepWatermark) is forwarded once, in place of the first one behind it.
      if (this.restoredWatermarkUnsent) {
        this.restoredWatermarkUnsent = false;
        this.output.emitWatermark(this.currentWatermark);
      }
      return;
    }
    this.restoredWatermarkUnsent = false;
    this.currentWatermark = watermark;
    this.runtime.metrics.currentWatermark.set(watermark);
    this.timerService?.advanceWatermark(watermark);
    this.onWatermark(watermark);
    this.output.emitWatermark(watermark);
  }

  /** Hook for operators that act on watermarks besides timers (before the watermark is forwarded). */
  protected onWatermark(_watermark: number): void {}

  /** Handles an idleness change of the (combined) input. */
  processIdle(idle: boolean): void {
    this.output.emitIdle(idle);
  }

  /** Records the marker's latency and forwards it. */
  processLatencyMarker(marker: LatencyMarker): void {
    this.runtime.metrics.latencyMs.record(performance.timeOrigin + performance.now() - marker.emittedAt);
    this.output.emitLatencyMarker(marker);
  }

  /**
   * Handles an error thrown by user code on `record`, following the job's error policy: returns
   * the error to throw (policy "fail"), or {@link SKIP_RECORD} after handing the record to the
   * dead-letter writer. Callers do `throw this.userError(e, record)` either way.
   */
  protected userError(err: unknown, record: unknown, timestamp?: number): FleuveError | typeof SKIP_RECORD {
    const error = userFunctionError(err, this.runtime.operatorName, record);
    const policy = this.runtime.errorPolicy ?? "fail";
    // Fleuve's own errors (bad keys, state misuse...) are bugs in the job, not bad records.
    if (policy === "fail" || (err instanceof FleuveError && err.code !== "FLEUVE_USER_FUNCTION_FAILED"))
      return error;
    if (err === SKIP_RECORD) return SKIP_RECORD;
    this.runtime.metrics.recordsRejected.inc();
    if (policy !== "skip") {
      policy.deadLetter({
        jobName: this.runtime.jobName ?? "",
        operator: this.runtime.operatorName,
        subtask: this.runtime.subtaskIndex,
        error: err instanceof Error ? err.message : String(err),
        record,
        timestamp: timestamp === undefined || timestamp === Number.NEGATIVE_INFINITY ? undefined : timestamp,
        failedAt: Date.now(),
      });
    }
    return SKIP_RECORD;
  }
}

/** An operator with one input. */
export abstract class OneInputOperator<IN, OUT> extends StreamOperator<OUT> {
  /** Handles one record. */
  abstract processElement(value: IN, timestamp: number): void;
}

/** An operator with two inputs (connect, joins). Watermark = min of both inputs. */
export abstract class TwoInputOperator<IN1, IN2, OUT> extends StreamOperator<OUT> {
  private readonly valve = new WatermarkValve(2);
  private wasIdle = false;
  abstract processElement1(value: IN1, timestamp: number): void;
  abstract processElement2(value: IN2, timestamp: number): void;

  processWatermark1(watermark: number): void {
    this.combined(this.valve.inputWatermark(0, watermark));
  }
  processWatermark2(watermark: number): void {
    this.combined(this.valve.inputWatermark(1, watermark));
  }
  processIdle1(idle: boolean): void {
    this.combined(this.valve.inputIdle(0, idle));
  }
  processIdle2(idle: boolean): void {
    this.combined(this.valve.inputIdle(1, idle));
  }
  private combined(advanced: number | undefined): void {
    if (this.valve.isIdle !== this.wasIdle) {
      this.wasIdle = this.valve.isIdle;
      this.processIdle(this.wasIdle);
    }
    if (advanced !== undefined) this.processWatermark(advanced);
  }
}

/** Builds the error for a user function that threw (keeps an already-wrapped error as is). */
export function userFunctionError(err: unknown, operatorName: string, record: unknown): FleuveError {
  // Errors Fleuve raised itself (a downstream operator's, a bad key...) already say where they come from.
  if (err instanceof FleuveError) return err;
  if (err === SKIP_RECORD) return err as never;
  const msg = err instanceof Error ? err.message : String(err);
  return new FleuveError(
    "FLEUVE_USER_FUNCTION_FAILED",
    `operator '${operatorName}' failed on record ${describeRecord(record)}: ${msg}`,
    { cause: err, details: { operator: operatorName, record } },
  );
}

/**
 * Builds the error for a key selector or partitioner (`what`) that threw. Without it the error would
 * surface wrapped by whatever called it (often the source), hiding the record and the real culprit.
 */
export function keySelectorError(err: unknown, what: string, record: unknown): FleuveError {
  if (err instanceof FleuveError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new FleuveError(
    "FLEUVE_USER_FUNCTION_FAILED",
    `${what} failed on record ${describeRecord(record)}: ${msg}`,
    { cause: err, details: { function: what, record } },
  );
}
