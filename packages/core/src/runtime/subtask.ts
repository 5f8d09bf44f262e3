/**
 * One parallel instance of a task: a chain of operators fed either by a source reader or by
 * input channels. `step()` does a bounded amount of work synchronously and returns.
 */
import type { OperatorMetrics } from "../metrics/registry.js";
import type { SourceOperator } from "../operators/source.js";
import {
  type OneInputOperator,
  type OperatorSnapshot,
  SKIP_RECORD,
  type StreamOperator,
  type TwoInputOperator,
} from "../spi/operator.js";
import { MAX_WATERMARK, WatermarkValve } from "../time/watermark.js";
import { BarrierAligner } from "./barrier-aligner.js";
import { type Channel, type ChannelItem, ItemKind } from "./channel.js";

/** Receives the snapshots a subtask takes when a checkpoint barrier passes it. */
export interface CheckpointAcknowledger {
  acknowledge(checkpointId: number, subtask: Subtask, snapshots: OperatorSnapshot[]): void;
}

import type { RecordWriter } from "./record-writer.js";

/** What a subtask is made of: its chain, its channels and how its head reads them. */
export interface SubtaskOptions {
  /** Name shown in errors and metrics, e.g. `map (1/2)`. */
  name: string;
  /** Index of this subtask among its task's parallel instances. */
  subtaskIndex: number;
  /** Operators of the chain, head first. */
  operators: StreamOperator<unknown>[];
  /** Stable ids of the operators (parallel to `operators`). */
  operatorIds: readonly string[];
  /** Metrics of the chain's head operator (records in, busy time). */
  headMetrics: OperatorMetrics;
  /** Input channels (empty for a source). */
  inputs: readonly Channel[];
  /** Writers of the chain's outputs. */
  writers: readonly RecordWriter[];
  /** The head when it is a source operator. */
  source: SourceOperator<unknown> | undefined;
  /** True when the head is a two-input operator. */
  twoInput: boolean;
  /** Per input of the head: whether it is keyed (sets the key context before each record). */
  keyedInputs: readonly boolean[];
}

/** Lifecycle of a subtask. */
export type SubtaskState = "running" | "waiting" | "suspended" | "finished";

/** A running subtask. */
export class Subtask {
  state: SubtaskState = "running";
  /** For a source waiting for data: set when its availability promise resolved. */
  private availablePromise: Promise<void> | undefined;
  private readonly valves: WatermarkValve[] = [];
  private readonly inputIdle: boolean[] = [];
  private nextChannel = 0;
  private readonly headKeyed: boolean[];
  /** Aligns checkpoint barriers over the input channels; blocks channels through the controller below. */
  private readonly aligner: BarrierAligner;
  /** Per input channel: 1 while it is blocked by barrier alignment (not polled). */
  private readonly blocked: Uint8Array;
  /** Number of blocked channels (0 outside alignment: the hot path then skips `blocked`). */
  private blockedCount = 0;
  /** Busy time (ms) of the current task-loop round, moved to the counters by {@link accountTime}. */
  private roundBusy = 0;
  /** Set by {@link canStep}: the subtask could not run for want of room in an output channel. */
  private outputBlocked = false;
  /** When the first barrier of the checkpoint being aligned arrived (performance.now), or -1. */
  private alignmentStart = -1;
  /** Set by the executor when checkpointing is on. */
  acknowledger: CheckpointAcknowledger | undefined;
  /** Operators of the chain that can hold input back (sinks with a bounded in-flight window). */
  private readonly gates: StreamOperator<unknown>[];
  /** What a gate asked to wait for, until it resolves. */
  private gatedOn: Promise<void> | undefined;

  /** Name shown in errors and metrics, e.g. `map (1/2)`. */
  readonly name: string;
  /** Index of this subtask among its task's parallel instances. */
  readonly subtaskIndex: number;
  /** Operators of the chain, head first. */
  readonly operators: StreamOperator<unknown>[];
  /** Stable ids of the operators (parallel to `operators`). */
  readonly operatorIds: readonly string[];
  /** Metrics of the chain's head operator (records in, busy time). */
  readonly headMetrics: OperatorMetrics;
  /** Input channels, in polling order (empty for a source). */
  readonly inputs: readonly Channel[];
  /** Writers of the chain's outputs. */
  readonly writers: readonly RecordWriter[];
  /** The head when it is a source operator. */
  readonly source: SourceOperator<unknown> | undefined;
  /** True when the head is a two-input operator. */
  readonly twoInput: boolean;

  constructor(options: SubtaskOptions) {
    const { operators, inputs, twoInput } = options;
    this.name = options.name;
    this.subtaskIndex = options.subtaskIndex;
    this.operators = operators;
    this.operatorIds = options.operatorIds;
    this.headMetrics = options.headMetrics;
    this.inputs = inputs;
    this.writers = options.writers;
    this.source = options.source;
    this.twoInput = twoInput;
    const keyedInputs = options.keyedInputs;
    const counts = [0, 0];
    for (const ch of inputs) counts[ch.inputIndex]!++;
    for (let i = 0; i < (twoInput ? 2 : 1); i++) {
      // Channels of one input: when all go idle, the highest watermark is let through (as Flink does).
      this.valves.push(new WatermarkValve(counts[i]!, { advanceToMaxWhenAllIdle: true }));
      this.inputIdle.push(false);
    }
    this.headKeyed = [keyedInputs[0] ?? false, keyedInputs[1] ?? false];
    this.blocked = new Uint8Array(inputs.length);
    this.aligner = new BarrierAligner(inputs.length, {
      blockChannel: (c) => {
        this.blocked[c] = 1;
        this.blockedCount++;
      },
      unblockChannel: (c) => {
        this.blocked[c] = 0;
        this.blockedCount--;
      },
      triggerCheckpoint: (id) => this.performCheckpoint(id),
    });
    this.gates = operators.filter((op) => op.mayBlockInput);
  }

  get head(): StreamOperator<unknown> {
    return this.operators[0]!;
  }

  /** True when the subtask can do work now without overfilling an output channel. */
  canStep(): boolean {
    const ws = this.writers;
    // A source waiting for data still lets a gated operator chained to it release what it holds
    // (an asynchronous lookup's results): asking the gate is what releases it. What it releases
    // lands in the writers' pending batches outside step(), after which the task loop flushes
    // nothing (with the default buffer timeout 0), so they are flushed here: else an exchange
    // after the gate (keyBy, another parallelism) would hold them until the source's next record.
    // Only with room in every output channel, as a running subtask steps.
    if (this.state === "waiting" && this.gates.length > 0) {
      for (let i = 0; i < ws.length; i++)
        if (!ws[i]!.hasCapacity()) {
          this.outputBlocked = true;
          return false;
        }
      this.outputBlocked = false;
      this.gated();
      for (let i = 0; i < ws.length; i++) if (ws[i]!.pendingCount > 0) ws[i]!.flush();
    }
    if (this.state !== "running") return false;
    for (let i = 0; i < ws.length; i++)
      if (!ws[i]!.hasCapacity()) {
        this.outputBlocked = true;
        return false;
      }
    this.outputBlocked = false;
    if (this.gates.length > 0 && this.gated()) return false;
    if (this.finishDeferred) return true;
    if (this.source) return true;
    const ins = this.inputs;
    if (this.blockedCount === 0) {
      for (let i = 0; i < ins.length; i++) if (!ins[i]!.isEmpty) return true;
      return false;
    }
    const blocked = this.blocked;
    for (let i = 0; i < ins.length; i++) if (blocked[i] === 0 && !ins[i]!.isEmpty) return true;
    return false;
  }

  private gated(): boolean {
    if (this.gatedOn) return true;
    for (const g of this.gates) {
      const p = g.readyForInput();
      if (!p) continue;
      const clear = () => {
        if (this.gatedOn === wait) this.gatedOn = undefined;
      };
      const wait: Promise<void> = p.then(clear, clear);
      this.gatedOn = wait;
      return true;
    }
    return false;
  }

  /**
   * For a waiting source, or a subtask held back by a gate: resolves when it may go on (a waiting
   * source's subtask also when a gate clears, so that the gated operator emits what it held).
   */
  get waitingOn(): Promise<void> | undefined {
    if (this.state !== "waiting") return this.gatedOn;
    const available = this.availablePromise;
    const gate = this.gatedOn;
    return gate === undefined || available === undefined
      ? (available ?? gate)
      : Promise.race([available, gate]);
  }

  /** Does up to `budget` records of work. Returns the number of records handled. */
  step(budget: number): number {
    if (this.finishDeferred) {
      this.finish();
      return 0;
    }
    if (this.source) return this.stepSource(budget);
    return this.stepInputs(budget);
  }

  /**
   * Adds `ms` of busy time (a step and the flush after it), measured by the task loop: it reads
   * the clock once after each step and takes the time since its previous read, so a step costs
   * one clock read rather than two.
   */
  addBusyTime(ms: number): void {
    this.headMetrics.busyTimeMs.count += ms;
    this.roundBusy += ms;
  }

  /**
   * Accounts `elapsedMs` of wall-clock time since the last call (one task-loop round): the part
   * not spent in {@link step} goes to backpressured time when the subtask last found an output
   * channel full, else to idle time (Flink's busy/idle/backPressured time of a task).
   */
  accountTime(elapsedMs: number): void {
    const rest = elapsedMs - this.roundBusy;
    this.roundBusy = 0;
    if (rest > 0) {
      if (this.outputBlocked) this.headMetrics.backPressuredTimeMs.count += rest;
      else this.headMetrics.idleTimeMs.count += rest;
    }
  }

  /** Periodic work of a source that is waiting (watermarks, idleness, latency markers). */
  sourcePeriodic(now: number): void {
    this.source?.periodic(now);
  }

  private stepSource(budget: number): number {
    const src = this.source!;
    const before = this.headMetrics.recordsOut.count;
    const status = src.poll(budget);
    if (status === "end") {
      this.finish();
    } else if (status === "nothing-yet") {
      this.state = "waiting";
      this.availablePromise = src.available().then(() => {
        if (this.state === "waiting") this.state = "running";
      });
    }
    return this.headMetrics.recordsOut.count - before;
  }

  private stepInputs(budget: number): number {
    const ins = this.inputs;
    let done = 0;
    let scanned = 0;
    while (done < budget && scanned < ins.length && this.state === "running") {
      const c = this.nextChannel;
      const ch = ins[c]!;
      // During alignment, a channel that delivered the barrier waits for the others (aligned checkpoints).
      const item = this.blockedCount !== 0 && this.blocked[c] === 1 ? undefined : ch.poll();
      if (item === undefined) {
        this.nextChannel = (c + 1) % ins.length;
        scanned++;
        continue;
      }
      scanned = 0;
      done += this.handle(c, ch, item);
    }
    return done;
  }

  private handle(c: number, ch: Channel, item: ChannelItem): number {
    const ii = ch.inputIndex;
    switch (item.kind) {
      case ItemKind.Batch: {
        const len = item.values.length;
        this.headMetrics.recordsIn.inc(len);
        // A record skipped by the error policy throws SKIP_RECORD; go on with the next one.
        for (let start = 0; start < len; ) {
          try {
            this.processBatch(ii, item.values, item.timestamps, start, len);
            start = len;
          } catch (e) {
            if (e !== SKIP_RECORD) throw e;
            start = this.batchPosition + 1;
          }
        }
        return len;
      }
      case ItemKind.Watermark:
        this.deliverWatermark(ii, this.valves[ii]!.inputWatermark(ch.inputChannelIndex, item.watermark));
        return 1;
      case ItemKind.Idle:
        this.deliverWatermark(ii, this.valves[ii]!.inputIdle(ch.inputChannelIndex, item.idle));
        return 1;
      case ItemKind.Latency:
        this.head.processLatencyMarker(item.marker);
        return 1;
      case ItemKind.End:
        // A finished channel no longer holds the watermark back.
        this.deliverWatermark(ii, this.valves[ii]!.inputWatermark(ch.inputChannelIndex, MAX_WATERMARK));
        this.aligner.endOfInput(c);
        if (this.aligner.allEnded) this.finish();
        return 1;
      case ItemKind.Barrier:
        if (this.alignmentStart < 0 && this.inputs.length > 1) this.alignmentStart = performance.now();
        this.aligner.barrierReceived(c, item.checkpointId);
        if (this.aligner.state === "waiting-for-first-barrier") this.alignmentStart = -1;
        return 1;
    }
  }

  /** Index of the record being processed in the current batch (to resume after a skip). */
  private batchPosition = 0;

  private processBatch(ii: number, values: unknown[], timestamps: number[], from: number, len: number): void {
    if (this.twoInput) {
      const op = this.head as TwoInputOperator<unknown, unknown, unknown>;
      const keyed = this.headKeyed[ii];
      for (let k = from; k < len; k++) {
        this.batchPosition = k;
        if (keyed) op.setKeyContextElement(values[k], ii);
        if (ii === 0) op.processElement1(values[k], timestamps[k]!);
        else op.processElement2(values[k], timestamps[k]!);
      }
      return;
    }
    const op = this.head as OneInputOperator<unknown, unknown>;
    if (this.headKeyed[0]) {
      for (let k = from; k < len; k++) {
        this.batchPosition = k;
        op.setKeyContextElement(values[k], 0);
        op.processElement(values[k], timestamps[k]!);
      }
    } else {
      for (let k = from; k < len; k++) {
        this.batchPosition = k;
        op.processElement(values[k], timestamps[k]!);
      }
    }
  }

  /**
   * Forwards what input `ii`'s valve decided: an idleness change and/or a new watermark. Going
   * active comes before the watermark and going idle after it (Flink's order), so that the
   * watermark does not make downstream treat the input as active again.
   */
  private deliverWatermark(ii: number, advanced: number | undefined): void {
    const idle = this.valves[ii]!.isIdle;
    const idleChanged = idle !== this.inputIdle[ii];
    if (idleChanged && !idle) this.forwardIdle(ii, false);
    if (advanced !== undefined) {
      const head = this.head;
      if (this.twoInput) {
        const op = head as TwoInputOperator<unknown, unknown, unknown>;
        if (ii === 0) op.processWatermark1(advanced);
        else op.processWatermark2(advanced);
      } else head.processWatermark(advanced);
    }
    if (idleChanged && idle) this.forwardIdle(ii, true);
  }

  private forwardIdle(ii: number, idle: boolean): void {
    this.inputIdle[ii] = idle;
    if (this.twoInput) {
      const op = this.head as TwoInputOperator<unknown, unknown, unknown>;
      if (ii === 0) op.processIdle1(idle);
      else op.processIdle2(idle);
    } else this.head.processIdle(idle);
  }

  /**
   * True when every input has ended but a gate (readyForInput) holds the finish back: no barrier
   * will come from upstream any more, so the coordinator starts checkpoints here as at a source.
   */
  get waitingToFinish(): boolean {
    return this.finishDeferred;
  }

  /**
   * Starts checkpoint `id` here: at source subtasks (sources get no barriers from upstream) and at
   * subtasks {@link waitingToFinish}.
   */
  triggerCheckpoint(id: number): void {
    if (this.state === "finished") return;
    // The watermark of the records before the barrier goes before it (see emitCurrentWatermark).
    this.source?.emitCurrentWatermark();
    this.performCheckpoint(id);
  }

  /**
   * Checkpoint `id` was aborted (timed out, subsumed, failed elsewhere): an alignment on it is
   * released, so the channels that delivered its barrier are read again instead of staying
   * blocked until a newer barrier comes (Flink's `abortPendingCheckpoint` on
   * `notifyCheckpointAborted`); its barriers still to come are ignored.
   */
  abortCheckpoint(id: number): void {
    this.aligner.abort(id);
  }

  /** Stops a source subtask from reading (stop-with-savepoint): no record follows the savepoint barrier. */
  suspend(): void {
    if (this.state !== "finished") this.state = "suspended";
  }

  /**
   * A finished subtask's part of checkpoint `id` (Flink's checkpoints after tasks finished): its
   * operators are finished but still open, so they can still report state such as a sink's
   * last prepared transaction.
   */
  snapshotFinished(id: number): OperatorSnapshot[] {
    return this.operators.map((op) => op.snapshotState(id));
  }

  /** Snapshots every operator of the chain, then sends the barrier downstream. */
  private performCheckpoint(id: number): void {
    if (this.alignmentStart >= 0) {
      this.headMetrics.checkpointAlignmentTimeMs.set(performance.now() - this.alignmentStart);
      this.alignmentStart = -1;
    }
    if (this.acknowledger) {
      const snaps = this.operators.map((op) => op.snapshotState(id));
      this.acknowledger.acknowledge(id, this, snaps);
    }
    for (const w of this.writers) w.emitBarrier(id);
  }

  /**
   * End of all input reached while a gate (readyForInput) held the subtask back: it finishes once
   * the gate clears, so that what the gated operator still has to emit (an asynchronous lookup's
   * results) goes out before its end.
   */
  private finishDeferred = false;

  /** End of all input: finish operators head first, flush, end the output channels. */
  private finish(): void {
    if (this.gates.length > 0 && this.gated()) {
      this.finishDeferred = true;
      return;
    }
    this.finishDeferred = false;
    for (const op of this.operators) op.finish();
    for (const w of this.writers) w.end();
    this.state = "finished";
  }

  /** Sends partly filled batches whose buffer timeout expired (or all, with `force`). */
  flushOutputs(now: number, timeoutMs: number, force: boolean): void {
    for (const w of this.writers) {
      if (w.pendingCount === 0) continue;
      if (force || timeoutMs === 0 || now - w.oldestPendingAt >= timeoutMs) w.flush();
    }
  }

  /** Marks when pending data first appeared in each writer (for the buffer timeout). */
  notePending(now: number): void {
    for (const w of this.writers) if (w.pendingCount > 0 && w.oldestPendingAt === 0) w.oldestPendingAt = now;
  }
}
