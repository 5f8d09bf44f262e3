import type { PollStatus, Source, SourceOutput, SourceReader } from "../connector/source.js";
import { FleuveError } from "../errors.js";
import { SKIP_RECORD, StreamOperator } from "../spi/operator.js";
import { IdlenessTimer } from "../time/idleness.js";
import {
  MAX_WATERMARK,
  NO_TIMESTAMP,
  type TimestampAssigner,
  type WatermarkGenerator,
  type WatermarkOutput,
  type WatermarkStrategyLike,
  WatermarkValve,
} from "../time/watermark.js";

/**
 * Drives a source reader: assigns timestamps, runs the watermark generator, emits periodic
 * watermarks and latency markers, detects idleness, and ends a bounded input with the final
 * watermark. The task loop calls {@link poll}; everything downstream is chained synchronously.
 */
export class SourceOperator<T> extends StreamOperator<T> implements SourceOutput<T>, WatermarkOutput {
  private reader!: SourceReader<T>;
  private assigner: TimestampAssigner<T> | undefined;
  private generator: WatermarkGenerator<T> | undefined;
  private lastWatermark = Number.NEGATIVE_INFINITY;
  private idle = false;
  /** The strategy's idleness of the source as a whole (a reader without splits). */
  private idleness: IdlenessTimer | undefined;
  private nextPeriodic = 0;
  private nextLatencyMarker = 0;
  private ended = false;
  private emittedThisPoll = 0;

  constructor(
    private readonly source: Source<T>,
    private readonly strategy: WatermarkStrategyLike<T> | undefined,
    /** Source id for latency markers. */
    private readonly sourceId: number,
    private readonly autoWatermarkIntervalMs: number,
    private readonly latencyTrackingIntervalMs: number,
  ) {
    super();
  }

  private restoredPosition: unknown[] | undefined;

  protected override snapshotCustom(checkpointId: number): unknown {
    return { position: this.reader.snapshot?.(checkpointId), ended: this.ended };
  }

  protected override restoreCustom(states: readonly unknown[]): void {
    this.restoredPosition = states.slice();
  }

  override open(): void {
    const rt = this.runtime;
    this.reader = this.source.createReader({
      subtaskIndex: rt.subtaskIndex,
      parallelism: rt.parallelism,
      now: () => rt.processingTime.now(),
      log: rt.log,
      ...(rt.jobMetrics ? { jobMetrics: rt.jobMetrics } : {}),
    });
    const all = this.restoredPosition as ({ position: unknown; ended: boolean } | undefined)[] | undefined;
    if (all && this.source.rescalable) {
      // Rescalable sources get every old position and keep the ones they own.
      this.reader.restore?.(all.map((r) => r?.position));
      this.finishOpen();
      return;
    }
    // Other sources cannot change parallelism (the runtime checks), so there is one old position.
    const restored = all?.[0];
    if (restored?.position !== undefined) {
      if (!this.reader.restore) {
        throw new FleuveError(
          "FLEUVE_STATE_INCOMPATIBLE",
          `source '${rt.operatorName}' has a checkpointed position but its reader cannot restore one (no restore())`,
        );
      }
      this.reader.restore(restored.position);
    }
    this.finishOpen();
  }

  private finishOpen(): void {
    const rt = this.runtime;
    const reader = this.reader;
    // Read when metrics are sampled: the reader's figures per split plus each split's watermark
    // (a reader with split outputs but no figures of its own gets the probe at its first split).
    if (reader.splitMetrics) rt.metrics.splitProbe = () => this.splitFigures(reader);
    this.assigner = this.strategy?.createTimestampAssigner();
    this.generator = this.strategy?.createWatermarkGenerator();
    const now = rt.processingTime.now();
    this.idleness = this.newIdlenessTimer(now);
    this.nextPeriodic = now + this.autoWatermarkIntervalMs;
    this.nextLatencyMarker = now;
  }

  /**
   * Figures per split: the reader's (see `SourceReader.splitMetrics`), and for each split with an
   * output of its own, `currentWatermark` (ms, once it has one) and `idle` (1 or 0). Undefined for
   * a reader without splits, so its operator shows none.
   */
  private splitFigures(reader: SourceReader<T>): Record<string, Record<string, number>> | undefined {
    const figures = reader.splitMetrics?.();
    if (this.splits.size === 0) return figures;
    const out = figures ?? {};
    for (const [id, sp] of this.splits) {
      const f = (out[id] ??= {});
      if (Number.isFinite(sp.currentWatermark)) f.currentWatermark = sp.currentWatermark;
      f.idle = sp.isIdle ? 1 : 0;
    }
    return out;
  }

  /** Polls up to `max` records; handles periodic duties; ends the input when the reader ends. */
  poll(max: number): PollStatus {
    if (this.ended) return "end";
    this.emittedThisPoll = 0;
    let status: PollStatus;
    try {
      status = this.reader.poll(this, max);
    } catch (e) {
      if (e instanceof FleuveError) throw e;
      throw new FleuveError(
        "FLEUVE_SOURCE_FAILED",
        `source '${this.runtime.operatorName}' (subtask ${this.runtime.subtaskIndex}) failed: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e, details: { operator: this.runtime.operatorName } },
      );
    }
    const now = this.runtime.processingTime.now();
    if (this.emittedThisPoll > 0) this.idleness?.activity();
    this.periodic(now);
    if (status === "end") {
      if (!this.source.bounded) {
        throw new FleuveError(
          "FLEUVE_SOURCE_FAILED",
          `source '${this.runtime.operatorName}' is unbounded but its reader returned 'end'`,
        );
      }
      for (const sp of this.splits.values()) sp.emitPeriodic();
      this.generator?.onPeriodicEmit(this);
      this.ended = true;
      this.idle = false;
      this.emitWatermark(MAX_WATERMARK);
    }
    return status;
  }

  /** Periodic watermark, idleness and latency markers; also called when the reader has nothing. */
  periodic(now: number): void {
    if (now >= this.nextPeriodic) {
      this.nextPeriodic = now + this.autoWatermarkIntervalMs;
      // With splits, each split is idle on its own (Flink's per-split WatermarksWithIdleness)
      // and the source is idle when all are; without, the source is one input.
      if (this.splits.size > 0) for (const sp of this.splits.values()) sp.periodic(now);
      else if (this.idleness?.checkIfIdle(now)) this.markIdle();
      else this.generator?.onPeriodicEmit(this);
    }
    if (this.latencyTrackingIntervalMs > 0 && now >= this.nextLatencyMarker) {
      this.nextLatencyMarker = now + this.latencyTrackingIntervalMs;
      this.output.emitLatencyMarker({
        emittedAt: performance.timeOrigin + performance.now(),
        sourceId: this.sourceId,
        subtask: this.runtime.subtaskIndex,
      });
    }
  }

  /**
   * Emits the watermark of the records emitted so far now (the generators' periodic emit, which
   * may run at any time), as the subtask does just before a checkpoint barrier: the barrier then
   * follows the watermark of every record before it. A scale-out unit restored alone from that
   * checkpoint (its receivers go on) may read nothing more, and its new generator emits nothing
   * without new records; so the watermark must already have gone out with the checkpoint's
   * records, or the receivers wait for it for ever.
   */
  emitCurrentWatermark(): void {
    if (this.ended) return;
    if (this.splits.size > 0) for (const sp of this.splits.values()) sp.emitPeriodic();
    else this.generator?.onPeriodicEmit(this);
  }

  /** Next processing time at which {@link periodic} has work, for the task loop's sleep. */
  nextPeriodicTime(): number {
    return this.latencyTrackingIntervalMs > 0
      ? Math.min(this.nextPeriodic, this.nextLatencyMarker)
      : this.nextPeriodic;
  }

  /** Waits until the reader may have data. */
  available(): Promise<void> {
    return this.reader.available ? this.reader.available() : new Promise((r) => setTimeout(r, 1));
  }

  // SourceOutput, called by the reader for every record.
  collect(value: T, timestamp?: number): void {
    let ts = timestamp ?? NO_TIMESTAMP;
    const assigner = this.assigner;
    if (assigner !== undefined) {
      try {
        ts = assigner(value, ts);
      } catch (e) {
        const err = this.userError(e, value);
        if (err === SKIP_RECORD) return;
        throw err;
      }
    }
    if (this.idle) this.markActive();
    this.emittedThisPoll++;
    // The record goes out before the generator sees it (Flink's order): a punctuated watermark
    // equal to the record's timestamp must not make the record itself late.
    this.output.collect(value, ts);
    this.generator?.onEvent(value, ts, this);
  }

  private readonly splits = new Map<string, SplitOutput<T>>();
  /** Minimum of the splits' watermarks: one valve input per split (Flink's WatermarkOutputMultiplexer). */
  private readonly splitValve = new WatermarkValve(0);

  forSplit(splitId: string): SourceOutput<T> {
    let s = this.splits.get(splitId);
    if (!s) {
      s = new SplitOutput<T>(
        this,
        this.strategy?.createWatermarkGenerator(),
        this.splitValve.addInput(),
        // A split without records holds the watermark back from its start (Flink's split
        // outputs begin active at Long.MIN_VALUE) until its idle timeout passes.
        this.newIdlenessTimer(this.runtime.processingTime.now()),
      );
      this.splits.set(splitId, s);
      this.runtime.metrics.splitProbe ??= () => this.splitFigures(this.reader);
    }
    return s;
  }

  releaseSplit(splitId: string): void {
    const s = this.splits.get(splitId);
    if (!s) return;
    this.splits.delete(splitId);
    s.released = true;
    this.combineSplits(this.splitValve.removeInput(s.input));
  }

  /** An idleness timer for the strategy's idle timeout, if it has one (`withIdleness`). */
  private newIdlenessTimer(now: number): IdlenessTimer | undefined {
    const timeout = this.strategy?.idleTimeoutMs;
    return timeout === undefined ? undefined : new IdlenessTimer(timeout, now);
  }

  /** @internal split input `input` reached watermark `watermark`. */
  splitWatermark(input: number, watermark: number): void {
    this.combineSplits(this.splitValve.inputWatermark(input, watermark));
  }

  /** @internal split input `input` became idle or active. */
  splitIdle(input: number, idle: boolean): void {
    this.combineSplits(this.splitValve.inputIdle(input, idle));
  }

  /**
   * Forwards what the splits' valve says: idle when every split is idle, else the combined
   * watermark when it advanced, else active (as Flink's multiplexer does).
   */
  private combineSplits(advanced: number | undefined): void {
    const valve = this.splitValve;
    if (valve.inputCount === 0) return; // no split left: nothing to combine
    if (valve.isIdle) this.markIdle();
    else if (advanced !== undefined) this.emitWatermark(advanced);
    else this.markActive();
  }

  /** @internal emits a record through the split path (timestamp already assigned). */
  emitFromSplit(value: T, ts: number): void {
    this.emittedThisPoll++;
    this.output.collect(value, ts);
  }

  /** @internal assigns the timestamp of a record, or returns SKIP_RECORD if the assigner rejected it. */
  assignTimestamp(value: T, timestamp: number | undefined): number | typeof SKIP_RECORD {
    let ts = timestamp ?? NO_TIMESTAMP;
    const assigner = this.assigner;
    if (assigner !== undefined) {
      try {
        ts = assigner(value, ts);
      } catch (e) {
        const err = this.userError(e, value);
        if (err === SKIP_RECORD) return SKIP_RECORD;
        throw err;
      }
    }
    return ts;
  }

  reject(raw: unknown, reason: string, timestamp?: number): void {
    const err = this.userError(new Error(reason), raw, timestamp);
    if (err === SKIP_RECORD) return;
    throw new FleuveError(
      "FLEUVE_SOURCE_FAILED",
      `source '${this.runtime.operatorName}' could not read a record: ${reason}`,
      {
        details: { operator: this.runtime.operatorName, record: raw },
      },
    );
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    this.reader.notifyCheckpointComplete?.(checkpointId);
  }

  emitWatermark(watermark: number): void {
    if (watermark <= this.lastWatermark) return;
    if (this.idle) this.markActive();
    this.lastWatermark = watermark;
    this.runtime.metrics.currentWatermark.set(watermark);
    this.output.emitWatermark(watermark);
  }

  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.output.emitIdle(true);
  }

  markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    this.output.emitIdle(false);
  }

  override close(): void {
    this.reader?.close?.();
  }
}

/** The output of one split: its own watermark generator; the operator combines the splits. */
class SplitOutput<T> implements SourceOutput<T>, WatermarkOutput {
  /** This split's watermark and idleness (kept here too, to skip repeats without combining). */
  private watermark = Number.NEGATIVE_INFINITY;
  private idle = false;
  /** Set when the reader released the split: its watermarks no longer count. */
  released = false;
  constructor(
    private readonly op: SourceOperator<T>,
    private readonly generator: WatermarkGenerator<T> | undefined,
    /** This split's input of the operator's split valve. */
    readonly input: number,
    /** The strategy's idle timeout for this split alone (undefined: never idle by time). */
    private readonly idleness: IdlenessTimer | undefined,
  ) {}
  /** This split's watermark (ms; -Infinity before its first), for metrics. */
  get currentWatermark(): number {
    return this.watermark;
  }
  /** True while this split is idle, for metrics. */
  get isIdle(): boolean {
    return this.idle;
  }
  collect(value: T, timestamp?: number): void {
    const ts = this.op.assignTimestamp(value, timestamp);
    if (ts === SKIP_RECORD) return;
    this.idleness?.activity();
    if (this.idle) this.markActive();
    this.op.emitFromSplit(value, ts);
    this.generator?.onEvent(value, ts, this);
  }
  /** The periodic duty: idle once silent for the timeout (then no watermark), else the generator's emit. */
  periodic(now: number): void {
    if (this.idleness?.checkIfIdle(now)) this.markIdle();
    else if (!this.idle) this.generator?.onPeriodicEmit(this);
  }
  /** The generator's periodic emit alone (before a barrier, at the end of input). */
  emitPeriodic(): void {
    // An idle split's generator would repeat its watermark, and that would make it active.
    if (!this.idle) this.generator?.onPeriodicEmit(this);
  }
  emitWatermark(watermark: number): void {
    if (watermark <= this.watermark && !this.idle) return;
    if (watermark > this.watermark) this.watermark = watermark;
    this.idle = false;
    if (!this.released) this.op.splitWatermark(this.input, watermark);
  }
  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    if (!this.released) this.op.splitIdle(this.input, true);
  }
  markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    if (!this.released) this.op.splitIdle(this.input, false);
  }
  forSplit(): SourceOutput<T> {
    throw new FleuveError(
      "FLEUVE_SOURCE_FAILED",
      "forSplit() is called on the reader's output, not on a split's output",
    );
  }
  releaseSplit(): void {}
  reject(raw: unknown, reason: string, timestamp?: number): void {
    this.op.reject(raw, reason, timestamp);
  }
}
