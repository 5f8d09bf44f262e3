/**
 * Event time: watermarks, timestamp assigners and watermark strategies (Flink semantics).
 *
 * Timestamps and watermarks are milliseconds since the epoch as JS numbers (exact up to 2^53).
 * A watermark `w` says "no record with timestamp <= w will follow" (Flink emits `maxTs - bound - 1`
 * for bounded out-of-orderness, and so do we). The end of a bounded input is the watermark
 * {@link MAX_WATERMARK}, which fires every pending event-time window and timer.
 */
import { FleuveError } from "../errors.js";

/** The watermark before any has been seen. */
export const MIN_WATERMARK = Number.NEGATIVE_INFINITY;
/** The final watermark at the end of a bounded input: fires every pending event-time timer. */
export const MAX_WATERMARK = Number.POSITIVE_INFINITY;
/** The timestamp of a record that has none (no assigner, processing-time sources). */
export const NO_TIMESTAMP = Number.NEGATIVE_INFINITY;

/** Extracts the event timestamp (ms) of a record. `previous` is the timestamp it already carries. */
export type TimestampAssigner<T> = (element: T, previous: number) => number;

/** Where a watermark generator sends what it produces. */
export interface WatermarkOutput {
  /** Emits a watermark; lower or equal values than the last one are ignored. */
  emitWatermark(watermark: number): void;
  /** Marks this output idle: it stops holding back the downstream watermark until it emits again. */
  markIdle(): void;
  /** Marks this output active again (emitting a watermark also does). */
  markActive(): void;
}

/** Generates watermarks from events and/or periodically (Flink's `WatermarkGenerator`). */
export interface WatermarkGenerator<T> {
  /** Called for every event, after its timestamp is assigned. */
  onEvent(event: T, timestamp: number, output: WatermarkOutput): void;
  /** Called every auto-watermark interval (default 200 ms of processing time) and at batch ends. */
  onPeriodicEmit(output: WatermarkOutput): void;
}

/** How a source or stream assigns timestamps and generates watermarks. Build with {@link WatermarkStrategy}. */
export interface WatermarkStrategyLike<T> {
  createWatermarkGenerator(): WatermarkGenerator<T>;
  createTimestampAssigner(): TimestampAssigner<T> | undefined;
  /** Idle timeout (ms of processing time) after which an input without events is marked idle. */
  readonly idleTimeoutMs: number | undefined;
}

/** Fluent, immutable watermark strategy (mirror of Flink's `WatermarkStrategy`). */
export class WatermarkStrategy<T> implements WatermarkStrategyLike<T> {
  private constructor(
    private readonly generatorFactory: () => WatermarkGenerator<T>,
    private readonly assigner: TimestampAssigner<T> | undefined,
    readonly idleTimeoutMs: number | undefined,
  ) {}

  /** Timestamps only increase: the watermark follows the largest timestamp seen (minus 1 ms). */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessGenerator<T>(0), undefined, undefined);
  }

  /** Records may be late by at most `maxOutOfOrdernessMs`: watermark = max timestamp - bound - 1. */
  static forBoundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): WatermarkStrategy<T> {
    if (!Number.isFinite(maxOutOfOrdernessMs) || maxOutOfOrdernessMs < 0) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `forBoundedOutOfOrderness(${maxOutOfOrdernessMs}): the bound must be a finite number of ms >= 0`,
        { details: { option: "maxOutOfOrdernessMs", value: maxOutOfOrdernessMs } },
      );
    }
    return new WatermarkStrategy<T>(
      () => new BoundedOutOfOrdernessGenerator<T>(maxOutOfOrdernessMs),
      undefined,
      undefined,
    );
  }

  /** A strategy from your own generator factory. */
  static forGenerator<T>(factory: () => WatermarkGenerator<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(factory, undefined, undefined);
  }

  /** No watermarks at all (processing-time pipelines). */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => ({ onEvent() {}, onPeriodicEmit() {} }), undefined, undefined);
  }

  /** Same strategy, with timestamps taken from each record by `assigner`. */
  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.generatorFactory, assigner, this.idleTimeoutMs);
  }

  /** Same strategy; an input silent for `timeoutMs` of processing time is marked idle. */
  withIdleness(timeoutMs: number): WatermarkStrategy<T> {
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `withIdleness(${timeoutMs}): the timeout must be > 0 ms`,
        {
          details: { option: "idleTimeoutMs", value: timeoutMs },
        },
      );
    }
    return new WatermarkStrategy<T>(this.generatorFactory, this.assigner, timeoutMs);
  }

  createWatermarkGenerator(): WatermarkGenerator<T> {
    return this.generatorFactory();
  }

  createTimestampAssigner(): TimestampAssigner<T> | undefined {
    return this.assigner;
  }
}

/** Flink's BoundedOutOfOrdernessWatermarks: periodic emit of `maxTs - bound - 1`. */
export class BoundedOutOfOrdernessGenerator<T> implements WatermarkGenerator<T> {
  private maxTimestamp: number;
  constructor(private readonly bound: number) {
    // Start so that the first periodic emit is MIN_WATERMARK-like without overflow concerns.
    this.maxTimestamp = Number.NEGATIVE_INFINITY;
  }
  onEvent(_event: T, timestamp: number): void {
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
  }
  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.maxTimestamp !== Number.NEGATIVE_INFINITY)
      output.emitWatermark(this.maxTimestamp - this.bound - 1);
  }
}

/**
 * Combines watermarks of several inputs: the minimum over the active ones. Idle inputs do not
 * hold it back; when all inputs are idle, the combined output is idle. The one place a minimum of
 * watermarks is taken: a subtask's input channels, a two-input operator's inputs, a source's
 * splits (inputs added and removed as splits come and go) and the senders of a scale-out exchange.
 *
 * With {@link WatermarkValveOptions.advanceToMaxWhenAllIdle} it is Flink's StatusWatermarkValve
 * (the channels of one input); without, Flink's CombinedWatermarkStatus (splits, operator inputs).
 */
export class WatermarkValve {
  private readonly watermarks: number[];
  private readonly idle: boolean[];
  /** Slots of removed inputs, reused by {@link addInput}. */
  private readonly freeSlots: number[] = [];
  private live: number;
  private current = MIN_WATERMARK;
  private allIdle = false;
  private readonly advanceToMaxWhenAllIdle: boolean;

  constructor(inputCount: number, options: WatermarkValveOptions = {}) {
    this.advanceToMaxWhenAllIdle = options.advanceToMaxWhenAllIdle ?? false;
    this.live = inputCount;
    this.watermarks = new Array<number>(inputCount).fill(MIN_WATERMARK);
    this.idle = new Array<boolean>(inputCount).fill(false);
  }

  /** Number of inputs (added and not removed). */
  get inputCount(): number {
    return this.live;
  }

  /** The combined watermark so far. */
  get watermark(): number {
    return this.current;
  }

  /** True when every input is idle. */
  get isIdle(): boolean {
    return this.allIdle;
  }

  /** Records a watermark for `input`; returns the new combined watermark if it advanced, else undefined. */
  inputWatermark(input: number, watermark: number): number | undefined {
    if (this.idle[input]) this.idle[input] = false;
    if (watermark > this.watermarks[input]!) this.watermarks[input] = watermark;
    return this.recompute();
  }

  /** Changes the idleness of `input`; returns the new combined watermark if it advanced, else undefined. */
  inputIdle(input: number, idle: boolean): number | undefined {
    const wasIdle = this.idle[input];
    this.idle[input] = idle;
    const advanced = this.recompute();
    // The last active input went idle while it held the watermark back: nothing holds it any more.
    if (
      idle &&
      !wasIdle &&
      this.allIdle &&
      this.advanceToMaxWhenAllIdle &&
      this.watermarks[input] === this.current
    )
      return this.advanceToMax();
    return advanced;
  }

  private advanceToMax(): number | undefined {
    let max = MIN_WATERMARK;
    for (let i = 0; i < this.watermarks.length; i++) if (this.watermarks[i]! > max) max = this.watermarks[i]!;
    if (max <= this.current) return undefined;
    this.current = max;
    return max;
  }

  /**
   * Adds an input (active, no watermark yet) and returns its index. The combined watermark and
   * idleness change only with the input's first watermark or idleness change, as in Flink, where a
   * new split holds nothing back until it reports.
   */
  addInput(): number {
    this.live++;
    const slot = this.freeSlots.pop();
    if (slot !== undefined) {
      this.watermarks[slot] = MIN_WATERMARK;
      this.idle[slot] = false;
      return slot;
    }
    this.watermarks.push(MIN_WATERMARK);
    this.idle.push(false);
    return this.watermarks.length - 1;
  }

  /**
   * Removes `input` (it no longer holds the watermark back); its index may be given to a later
   * input. Returns the new combined watermark if it advanced, else undefined.
   */
  removeInput(input: number): number | undefined {
    this.live--;
    this.freeSlots.push(input);
    // A removed input counts as idle for ever, without a watermark: skipped by minimum and maximum.
    this.idle[input] = true;
    this.watermarks[input] = MIN_WATERMARK;
    return this.recompute();
  }

  /**
   * Sets the state a checkpoint recorded: each input's watermark and idleness, and the combined
   * watermark, as they were (replaying them one by one would depend on an order that is not kept).
   * For valves whose inputs' state is checkpointed, such as the senders of a scale-out exchange.
   */
  restore(watermarks: readonly number[], idle: readonly boolean[], combined: number): void {
    let anyActive = false;
    for (let i = 0; i < this.watermarks.length; i++) {
      this.watermarks[i] = watermarks[i] ?? MIN_WATERMARK;
      this.idle[i] = idle[i] ?? false;
      if (!this.idle[i]) anyActive = true;
    }
    this.current = combined;
    this.allIdle = !anyActive;
  }

  private recompute(): number | undefined {
    let min = MAX_WATERMARK;
    let anyActive = false;
    const n = this.watermarks.length;
    for (let i = 0; i < n; i++) {
      if (this.idle[i]) continue;
      anyActive = true;
      const w = this.watermarks[i]!;
      if (w < min) min = w;
    }
    this.allIdle = !anyActive;
    if (!anyActive) return undefined;
    if (min > this.current) {
      this.current = min;
      return min;
    }
    return undefined;
  }
}

/** How a {@link WatermarkValve} behaves when every input is idle. */
export interface WatermarkValveOptions {
  /**
   * When the last active input goes idle while its watermark was the combined one, advance the
   * combined watermark to the highest any input reached (Flink's StatusWatermarkValve, for the
   * channels of one input). Off (default): the combined watermark stays where it was (Flink's
   * CombinedWatermarkStatus, for a source's splits and an operator's inputs).
   */
  advanceToMaxWhenAllIdle?: boolean;
}
