import { FleuveError } from "../errors.js";
import type { BroadcastProcessFunction } from "../functions/functions.js";
import type { Key } from "../spi/key-groups.js";
import { TwoInputOperator } from "../spi/operator.js";
import type { MapStateDescriptor } from "../spi/state-descriptors.js";
import type { Triggerable } from "../spi/timer-service.js";
import { ProcessContextImpl, TimestampedCollector } from "./process-contexts.js";
import { createRuntimeContext } from "./runtime-context.js";

/**
 * Input 1: the (possibly keyed) data stream; input 2: the broadcast stream. Broadcast state is
 * writable only from the broadcast side, so every subtask holds the same state (Flink's rule).
 */
export class BroadcastProcessOperator<IN, BC, OUT, K extends Key = never>
  extends TwoInputOperator<IN, BC, OUT>
  implements Triggerable<number>
{
  private ctx!: ProcessContextImpl<K> & Record<string, any>;
  private bctx!: ProcessContextImpl<K> & Record<string, any>;
  private collector!: TimestampedCollector<OUT>;

  constructor(
    private fn: BroadcastProcessFunction<IN, BC, OUT, K>,
    private readonly descriptors: readonly MapStateDescriptor<any, any>[],
  ) {
    super();
  }

  override open(): void {
    // One instance per subtask: fields the function sets on `this` in open() stay per subtask.
    this.fn = Object.create(this.fn);
    const rt = this.runtime;
    const timers = rt.keyedState ? this.getTimerService<number>(this) : undefined;
    this.collector = new TimestampedCollector(this.output);
    const allowed = new Set(this.descriptors.map((d) => d.name));
    const check = (d: MapStateDescriptor<any, any>) => {
      if (!allowed.has(d.name)) {
        throw new FleuveError(
          "FLEUVE_STATE_INVALID",
          `operator '${rt.operatorName}': broadcast state '${d.name}' was not declared in broadcast(...); declared: ${[...allowed].join(", ") || "none"}`,
        );
      }
    };
    const ro = new ProcessContextImpl<K>(rt, this.output, () => this.currentWatermark, timers) as any;
    ro.getBroadcastState = (d: MapStateDescriptor<any, any>) => {
      check(d);
      const s = rt.operatorState.getBroadcastState(d);
      return { get: s.get, contains: s.contains, entries: s.entries };
    };
    const rw = new ProcessContextImpl<K>(rt, this.output, () => this.currentWatermark, timers) as any;
    rw.getBroadcastState = (d: MapStateDescriptor<any, any>) => {
      check(d);
      return rt.operatorState.getBroadcastState(d);
    };
    rw.applyToKeyedState = (d: any, fn: (key: Key, state: any) => void) => {
      const backend = rt.keyedState;
      if (!backend) {
        throw new FleuveError(
          "FLEUVE_STATE_INVALID",
          `operator '${rt.operatorName}': applyToKeyedState needs a keyed data stream`,
        );
      }
      const state = backend.getState(d);
      for (const nk of backend.keysOf(d.name)) {
        const key = backend.rawKey(nk);
        backend.setCurrentKey(key, nk);
        fn(key, state);
      }
    };
    this.ctx = ro;
    this.bctx = rw;
    this.fn.open?.(createRuntimeContext(rt));
  }

  processElement1(value: IN, timestamp: number): void {
    this.ctx.ts = timestamp;
    this.collector.timestamp = timestamp;
    try {
      this.fn.processElement(value, this.ctx as any, this.collector);
    } catch (e) {
      throw this.userError(e, value, timestamp);
    }
  }

  processElement2(value: BC, timestamp: number): void {
    this.bctx.ts = timestamp;
    this.collector.timestamp = timestamp;
    try {
      this.fn.processBroadcastElement(value, this.bctx as any, this.collector);
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
