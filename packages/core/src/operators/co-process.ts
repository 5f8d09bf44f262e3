import type { CoProcessFunction } from "../functions/functions.js";
import type { Key } from "../spi/key-groups.js";
import { TwoInputOperator } from "../spi/operator.js";
import type { Triggerable } from "../spi/timer-service.js";
import { ProcessContextImpl, TimestampedCollector } from "./process-contexts.js";
import { createRuntimeContext } from "./runtime-context.js";

/** Runs a co-process function over two connected streams; keyed when both inputs are keyed. */
export class CoProcessOperator<IN1, IN2, OUT, K extends Key = never>
  extends TwoInputOperator<IN1, IN2, OUT>
  implements Triggerable<number>
{
  private ctx!: ProcessContextImpl<K>;
  private collector!: TimestampedCollector<OUT>;

  constructor(private fn: CoProcessFunction<IN1, IN2, OUT, K>) {
    super();
  }

  override open(): void {
    // One instance per subtask: fields the function sets on `this` in open() stay per subtask.
    this.fn = Object.create(this.fn);
    const timers = this.runtime.keyedState ? this.getTimerService<number>(this) : undefined;
    this.collector = new TimestampedCollector(this.output);
    this.ctx = new ProcessContextImpl<K>(this.runtime, this.output, () => this.currentWatermark, timers);
    this.fn.open?.(createRuntimeContext(this.runtime));
  }

  processElement1(value: IN1, timestamp: number): void {
    this.ctx.ts = timestamp;
    this.collector.timestamp = timestamp;
    try {
      this.fn.processElement1(value, this.ctx, this.collector);
    } catch (e) {
      throw this.userError(e, value, timestamp);
    }
  }

  processElement2(value: IN2, timestamp: number): void {
    this.ctx.ts = timestamp;
    this.collector.timestamp = timestamp;
    try {
      this.fn.processElement2(value, this.ctx, this.collector);
    } catch (e) {
      throw this.userError(e, value, timestamp);
    }
  }

  onEventTime(timestamp: number): void {
    const failed = this.ctx.fireTimer(this.fn, this.collector, timestamp, "event-time");
    if (failed) throw this.userError(failed.error, failed.timer);
  }

  onProcessingTime(timestamp: number): void {
    const failed = this.ctx.fireTimer(this.fn, this.collector, timestamp, "processing-time");
    if (failed) throw this.userError(failed.error, failed.timer);
  }

  override close(): void {
    this.fn.close?.();
  }
}
