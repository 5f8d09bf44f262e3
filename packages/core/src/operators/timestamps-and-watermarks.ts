import { OneInputOperator } from "../spi/operator.js";
import { IdlenessTimer } from "../time/idleness.js";
import {
  MAX_WATERMARK,
  type TimestampAssigner,
  type WatermarkGenerator,
  type WatermarkOutput,
  type WatermarkStrategyLike,
} from "../time/watermark.js";

/**
 * `assignTimestampsAndWatermarks` in the middle of a pipeline: re-stamps records and replaces the
 * upstream watermarks by its own (only the final watermark of a bounded input passes through, as in
 * Flink).
 */
export class TimestampsAndWatermarksOperator<T> extends OneInputOperator<T, T> implements WatermarkOutput {
  private assigner: TimestampAssigner<T> | undefined;
  private generator!: WatermarkGenerator<T>;
  private emitted = Number.NEGATIVE_INFINITY;
  private idle = false;
  private idleness: IdlenessTimer | undefined;

  constructor(
    private readonly strategy: WatermarkStrategyLike<T>,
    private readonly intervalMs: number,
  ) {
    super();
  }

  override open(): void {
    this.assigner = this.strategy.createTimestampAssigner();
    this.generator = this.strategy.createWatermarkGenerator();
    const timeout = this.strategy.idleTimeoutMs;
    if (timeout !== undefined) this.idleness = new IdlenessTimer(timeout, this.runtime.processingTime.now());
    if (this.intervalMs > 0) this.schedule();
  }

  private schedule(): void {
    const pt = this.runtime.processingTime;
    pt.schedule(pt.now() + this.intervalMs, (now) => {
      if (this.emitted === MAX_WATERMARK) return;
      if (this.idleness?.checkIfIdle(now)) this.markIdle();
      else this.generator.onPeriodicEmit(this);
      this.schedule();
    });
  }

  processElement(value: T, timestamp: number): void {
    let ts = timestamp;
    if (this.assigner) {
      try {
        ts = this.assigner(value, timestamp);
      } catch (e) {
        throw this.userError(e, value, timestamp);
      }
    }
    if (this.idle) this.markActive();
    this.idleness?.activity();
    this.output.collect(value, ts);
    this.generator.onEvent(value, ts, this);
  }

  override processWatermark(watermark: number): void {
    if (watermark === MAX_WATERMARK) {
      this.generator.onPeriodicEmit(this);
      this.emitWatermark(MAX_WATERMARK);
    }
  }

  override processIdle(_idle: boolean): void {
    // Upstream idleness does not matter: this operator decides watermarks from here on.
  }

  emitWatermark(watermark: number): void {
    if (watermark <= this.emitted) return;
    if (this.idle) this.markActive();
    this.emitted = watermark;
    super.processWatermark(watermark);
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
}
