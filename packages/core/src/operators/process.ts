import type { KeyedProcessFunction, KeyedProcessOptions, ProcessFunction } from "../functions/functions.js";
import type { Key } from "../spi/key-groups.js";
import { OneInputOperator } from "../spi/operator.js";
import type { InternalTimerService, Triggerable } from "../spi/timer-service.js";
import { ProcessContextImpl, TimestampedCollector } from "./process-contexts.js";
import { createRuntimeContext } from "./runtime-context.js";

/**
 * Runs a (keyed) process function: the lowest-level user API, with timestamps, side outputs,
 * and, on keyed streams, state and timers (Flink's ProcessOperator / KeyedProcessOperator).
 */
export class ProcessOperator<IN, OUT, K extends Key = never>
  extends OneInputOperator<IN, OUT>
  implements Triggerable<number>
{
  private ctx!: ProcessContextImpl<K>;
  private collector!: TimestampedCollector<OUT>;

  constructor(
    private fn: ProcessFunction<IN, OUT> | KeyedProcessFunction<K, IN, OUT>,
    options: KeyedProcessOptions = {},
  ) {
    super();
    if (options.restoreWatermark === true) this.keepWatermark();
  }

  override open(): void {
    // One instance per subtask: fields the function sets on `this` in open() stay per subtask.
    this.fn = Object.create(this.fn);
    const timers: InternalTimerService<number> | undefined = this.runtime.keyedState
      ? this.getTimerService<number>(this)
      : undefined;
    this.collector = new TimestampedCollector(this.output);
    this.ctx = new ProcessContextImpl<K>(this.runtime, this.output, () => this.currentWatermark, timers);
    this.fn.open?.(createRuntimeContext(this.runtime));
  }

  processElement(value: IN, timestamp: number): void {
    this.ctx.ts = timestamp;
    this.collector.timestamp = timestamp;
    try {
      (this.fn as ProcessFunction<IN, OUT>).processElement(value, this.ctx as any, this.collector);
    } catch (e) {
      throw this.userError(e, value, timestamp);
    }
  }

  onEventTime(timestamp: number): void {
    const failed = this.ctx.fireTimer(
      this.fn as KeyedProcessFunction<K, IN, OUT>,
      this.collector,
      timestamp,
      "event-time",
    );
    if (failed) throw this.userError(failed.error, failed.timer);
  }

  onProcessingTime(timestamp: number): void {
    const failed = this.ctx.fireTimer(
      this.fn as KeyedProcessFunction<K, IN, OUT>,
      this.collector,
      timestamp,
      "processing-time",
    );
    if (failed) throw this.userError(failed.error, failed.timer);
  }

  override close(): void {
    this.fn.close?.();
  }
}
