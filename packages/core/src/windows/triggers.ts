/**
 * The built-in triggers, with Flink's exact behaviour: event time, processing time, count,
 * continuous event/processing time, purging, never.
 */
import { FleuveError } from "../errors.js";
import type { ReducingStateDescriptor } from "../spi/state-descriptors.js";
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from "./trigger.js";
import type { Window } from "./window.js";

function checkPositiveInt(value: number, option: string, what: string): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new FleuveError(
      "FLEUVE_WINDOW_INVALID",
      `${what}: ${option} must be a positive integer, got ${String(value)}`,
      { details: { option, value } },
    );
  }
}

/** Fires once the watermark passes the window's end (default of event-time assigners). */
export class EventTimeTrigger implements Trigger<unknown, Window> {
  private static readonly instance = new EventTimeTrigger();
  private constructor() {}
  /** The event-time trigger. */
  static create(): EventTimeTrigger {
    return EventTimeTrigger.instance;
  }
  onElement(_e: unknown, _ts: number, window: Window, ctx: TriggerContext): TriggerResult {
    const max = window.maxTimestamp();
    // The watermark is already past the window (a late but allowed element): fire at once.
    if (max <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(max);
    return TriggerResult.CONTINUE;
  }
  onEventTime(time: number, window: Window): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(window: Window, ctx: OnMergeContext): void {
    const max = window.maxTimestamp();
    if (max > ctx.getCurrentWatermark()) ctx.registerEventTimeTimer(max);
  }
  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }
  toString(): string {
    return "EventTimeTrigger()";
  }
}

/** Fires when processing time passes the window's end (default of processing-time assigners). */
export class ProcessingTimeTrigger implements Trigger<unknown, Window> {
  private static readonly instance = new ProcessingTimeTrigger();
  private constructor() {}
  /** The processing-time trigger. */
  static create(): ProcessingTimeTrigger {
    return ProcessingTimeTrigger.instance;
  }
  onElement(_e: unknown, _ts: number, window: Window, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.FIRE;
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(window: Window, ctx: OnMergeContext): void {
    const max = window.maxTimestamp();
    if (max > ctx.getCurrentProcessingTime()) ctx.registerProcessingTimeTimer(max);
  }
  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }
  toString(): string {
    return "ProcessingTimeTrigger()";
  }
}

/** Fires every `maxCount` elements of a window (the contents are kept unless purged). */
export class CountTrigger implements Trigger<unknown, Window> {
  private readonly desc: ReducingStateDescriptor<number> = {
    kind: "reducing",
    name: "count",
    reduce: (a, b) => a + b,
  };
  private constructor(readonly maxCount: number) {}
  /** Fires when a window holds `maxCount` elements since its last firing. */
  static of(maxCount: number): CountTrigger {
    checkPositiveInt(maxCount, "maxCount", "CountTrigger.of");
    return new CountTrigger(maxCount);
  }
  onElement(_e: unknown, _ts: number, _w: Window, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState(this.desc);
    count.add(1);
    if ((count.get() ?? 0) >= this.maxCount) {
      count.clear();
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(_w: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.desc);
  }
  clear(_w: Window, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.desc).clear();
  }
  toString(): string {
    return `CountTrigger(${this.maxCount})`;
  }
}

const minReduce = (a: number, b: number) => Math.min(a, b);

/** Fires every `interval` ms of event time while the window is open, and at its end. */
export class ContinuousEventTimeTrigger implements Trigger<unknown, Window> {
  private readonly desc: ReducingStateDescriptor<number> = {
    kind: "reducing",
    name: "fire-time",
    reduce: minReduce,
  };
  private constructor(readonly interval: number) {}
  /** Fires every `intervalMs` of event time. */
  static of(intervalMs: number): ContinuousEventTimeTrigger {
    checkPositiveInt(intervalMs, "interval", "ContinuousEventTimeTrigger.of");
    return new ContinuousEventTimeTrigger(intervalMs);
  }
  onElement(_e: unknown, timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(window.maxTimestamp());
    const fireTs = ctx.getPartitionedState(this.desc);
    if (fireTs.get() === undefined) this.registerNext(timestamp - (timestamp % this.interval), window, ctx);
    return TriggerResult.CONTINUE;
  }
  onEventTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return TriggerResult.FIRE;
    const fireTs = ctx.getPartitionedState(this.desc);
    if (fireTs.get() === time) {
      fireTs.clear();
      this.registerNext(time, window, ctx);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(_w: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.desc);
    const next = ctx.getPartitionedState(this.desc).get();
    if (next !== undefined) ctx.registerEventTimeTimer(next);
  }
  clear(_w: Window, ctx: TriggerContext): void {
    const fireTs = ctx.getPartitionedState(this.desc);
    const t = fireTs.get();
    if (t !== undefined) {
      ctx.deleteEventTimeTimer(t);
      fireTs.clear();
    }
  }
  private registerNext(time: number, window: Window, ctx: TriggerContext): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    ctx.getPartitionedState(this.desc).add(next);
    ctx.registerEventTimeTimer(next);
  }
  toString(): string {
    return `ContinuousEventTimeTrigger(${this.interval})`;
  }
}

/** Fires every `interval` ms of processing time while the window is open. */
export class ContinuousProcessingTimeTrigger implements Trigger<unknown, Window> {
  private readonly desc: ReducingStateDescriptor<number> = {
    kind: "reducing",
    name: "fire-time",
    reduce: minReduce,
  };
  private constructor(readonly interval: number) {}
  /** Fires every `intervalMs` of processing time. */
  static of(intervalMs: number): ContinuousProcessingTimeTrigger {
    checkPositiveInt(intervalMs, "interval", "ContinuousProcessingTimeTrigger.of");
    return new ContinuousProcessingTimeTrigger(intervalMs);
  }
  onElement(_e: unknown, _ts: number, window: Window, ctx: TriggerContext): TriggerResult {
    const fireTs = ctx.getPartitionedState(this.desc);
    const now = ctx.getCurrentProcessingTime();
    if (fireTs.get() === undefined) this.registerNext(now - (now % this.interval), window, ctx);
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    const fireTs = ctx.getPartitionedState(this.desc);
    if (fireTs.get() === time) {
      fireTs.clear();
      this.registerNext(time, window, ctx);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(_w: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.desc);
    const next = ctx.getPartitionedState(this.desc).get();
    if (next !== undefined) ctx.registerProcessingTimeTimer(next);
  }
  clear(_w: Window, ctx: TriggerContext): void {
    const fireTs = ctx.getPartitionedState(this.desc);
    const t = fireTs.get();
    if (t !== undefined) {
      ctx.deleteProcessingTimeTimer(t);
      fireTs.clear();
    }
  }
  private registerNext(time: number, window: Window, ctx: TriggerContext): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    ctx.getPartitionedState(this.desc).add(next);
    ctx.registerProcessingTimeTimer(next);
  }
  toString(): string {
    return `ContinuousProcessingTimeTrigger(${this.interval})`;
  }
}

/** Turns every FIRE of the wrapped trigger into FIRE_AND_PURGE. */
export class PurgingTrigger<T, W extends Window> implements Trigger<T, W> {
  private constructor(readonly nested: Trigger<T, W>) {}
  /** Wraps `trigger` so that each firing also purges the window. */
  static of<T, W extends Window>(trigger: Trigger<T, W>): PurgingTrigger<T, W> {
    if (!trigger || typeof trigger.onElement !== "function") {
      throw new FleuveError(
        "FLEUVE_WINDOW_INVALID",
        "PurgingTrigger.of(trigger): trigger must be a Trigger",
        {
          details: { option: "trigger" },
        },
      );
    }
    return new PurgingTrigger(trigger);
  }
  onElement(e: T, ts: number, w: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onElement(e, ts, w, ctx));
  }
  onEventTime(time: number, w: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onEventTime(time, w, ctx));
  }
  onProcessingTime(time: number, w: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onProcessingTime(time, w, ctx));
  }
  canMerge(): boolean {
    return this.nested.canMerge?.() ?? false;
  }
  onMerge(w: W, ctx: OnMergeContext): void {
    this.nested.onMerge?.(w, ctx);
  }
  clear(w: W, ctx: TriggerContext): void {
    this.nested.clear(w, ctx);
  }
  toString(): string {
    return `PurgingTrigger(${String(this.nested)})`;
  }
}

function purging(r: TriggerResult): TriggerResult {
  return r === "FIRE" ? TriggerResult.FIRE_AND_PURGE : r;
}

/** Never fires (the default of global windows, which therefore need a trigger of their own). */
export class NeverTrigger implements Trigger<unknown, Window> {
  private static readonly instance = new NeverTrigger();
  private constructor() {}
  /** The trigger that never fires. */
  static create(): NeverTrigger {
    return NeverTrigger.instance;
  }
  onElement(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(): void {}
  clear(): void {}
  toString(): string {
    return "NeverTrigger()";
  }
}
