/**
 * Window assigners (Flink's `WindowAssigner` family): tumbling, sliding and session windows in
 * event and processing time, and global windows. Options are checked when the assigner is built.
 */
import { FleuveError } from "../errors.js";
import type { Namespace } from "../spi/timer-service.js";
import type { Trigger } from "./trigger.js";
import { EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger } from "./triggers.js";
import {
  GlobalWindow,
  getWindowStartWithOffset,
  mergeTimeWindows,
  TimeWindow,
  type Window,
} from "./window.js";

/** What an assigner may ask the operator. */
export interface WindowAssignerContext {
  getCurrentProcessingTime(): number;
}

/** Assigns each element to zero or more windows. */
export interface WindowAssigner<T, W extends Window> {
  /** The windows `element` (with event timestamp `timestamp`) belongs to. */
  assignWindows(element: T, timestamp: number, ctx: WindowAssignerContext): readonly W[];
  /** The trigger used when none is set with `trigger(...)`. */
  getDefaultTrigger(): Trigger<T, W>;
  /** True for event-time windows (lateness and watermarks apply). */
  isEventTime(): boolean;
  /** Merging assigners (session windows) merge the windows given and report each merge. */
  mergeWindows?(windows: readonly W[], callback: (toBeMerged: W[], mergeResult: W) => void): void;
  /**
   * Timer/state namespace of a window of a non-merging assigner, and back. Optional for
   * assigners of {@link TimeWindow}s (a "start:end" string is used then).
   */
  namespaceOf?(window: W): Namespace;
  windowOf?(namespace: Namespace): W;
  /**
   * @internal A merging assigner whose windows are not plain TimeWindows: its window `[start,
   * end)`, as merges make them.
   */
  windowBetween?(start: number, end: number): W;
  /** @internal aligned time windows that the slicing fast path can run. */
  readonly slicing?: SlicingSpec;
  toString(): string;
}

/** @internal size, slide and offset of aligned tumbling/sliding windows. */
export interface SlicingSpec {
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
}

/** A window assigner that merges windows (session windows). */
export interface MergingWindowAssigner<T> extends WindowAssigner<T, TimeWindow> {
  mergeWindows(
    windows: readonly TimeWindow[],
    callback: (toBeMerged: TimeWindow[], mergeResult: TimeWindow) => void,
  ): void;
}

/** Checks a duration option: an integer number of ms > 0. */
export function checkDuration(value: unknown, option: string, what: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new FleuveError(
      "FLEUVE_WINDOW_INVALID",
      `${what}: ${option} must be a positive integer number of ms, got ${String(value)}`,
      { details: { option, value } },
    );
  }
}

function checkOffset(offset: unknown, bound: number, boundName: string, what: string): void {
  if (typeof offset !== "number" || !Number.isInteger(offset) || Math.abs(offset) >= bound) {
    throw new FleuveError(
      "FLEUVE_WINDOW_INVALID",
      `${what}: offset must be an integer number of ms with |offset| < ${boundName} (${bound}), got ${String(offset)}`,
      { details: { option: "offset", value: offset } },
    );
  }
}

function noTimestamp(what: string, element: unknown): FleuveError {
  return new FleuveError(
    "FLEUVE_WINDOW_INVALID",
    `${what}: a record has no event timestamp; assign timestamps (assignTimestampsAndWatermarks or a source watermark strategy) or use processing-time windows`,
    { details: { option: "timestamp", record: element } },
  );
}

/** Aligned fixed-size time windows of one assigner: window start is the namespace. */
abstract class AlignedTimeWindows<T> implements WindowAssigner<T, TimeWindow> {
  readonly slicing: SlicingSpec;
  constructor(
    readonly size: number,
    readonly slide: number,
    readonly offset: number,
  ) {
    this.slicing = { size, slide, offset };
  }
  abstract isEventTime(): boolean;
  abstract getDefaultTrigger(): Trigger<T, TimeWindow>;
  protected abstract time(element: T, timestamp: number, ctx: WindowAssignerContext): number;
  assignWindows(element: T, timestamp: number, ctx: WindowAssignerContext): TimeWindow[] {
    const ts = this.time(element, timestamp, ctx);
    const { size, slide } = this;
    const out: TimeWindow[] = [];
    const last = getWindowStartWithOffset(ts, this.offset, slide);
    for (let start = last; start > ts - size; start -= slide) out.push(new TimeWindow(start, start + size));
    return out;
  }
  namespaceOf(w: TimeWindow): number {
    return w.start;
  }
  windowOf(ns: Namespace): TimeWindow {
    return new TimeWindow(ns as number, (ns as number) + this.size);
  }
}

/** Tumbling event-time windows of `size` ms, aligned on `offset`. */
export class TumblingEventTimeWindows<T = unknown> extends AlignedTimeWindows<T> {
  /** Windows `[k*size + offset, (k+1)*size + offset)`. */
  static of<T = unknown>(size: number, offset = 0): TumblingEventTimeWindows<T> {
    checkDuration(size, "size", "TumblingEventTimeWindows.of");
    checkOffset(offset, size, "size", "TumblingEventTimeWindows.of");
    return new TumblingEventTimeWindows<T>(size, size, offset);
  }
  override isEventTime(): boolean {
    return true;
  }
  override getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }
  protected override time(element: T, timestamp: number): number {
    if (timestamp === Number.NEGATIVE_INFINITY) throw noTimestamp("TumblingEventTimeWindows", element);
    return timestamp;
  }
  override toString(): string {
    return `TumblingEventTimeWindows(${this.size}${this.offset ? `, offset ${this.offset}` : ""})`;
  }
}

/** Sliding event-time windows of `size` ms every `slide` ms, aligned on `offset`. */
export class SlidingEventTimeWindows<T = unknown> extends AlignedTimeWindows<T> {
  /** Windows `[k*slide + offset, k*slide + offset + size)`. */
  static of<T = unknown>(size: number, slide: number, offset = 0): SlidingEventTimeWindows<T> {
    checkSliding(size, slide, offset, "SlidingEventTimeWindows.of");
    return new SlidingEventTimeWindows<T>(size, slide, offset);
  }
  override isEventTime(): boolean {
    return true;
  }
  override getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }
  protected override time(element: T, timestamp: number): number {
    if (timestamp === Number.NEGATIVE_INFINITY) throw noTimestamp("SlidingEventTimeWindows", element);
    return timestamp;
  }
  override toString(): string {
    return `SlidingEventTimeWindows(${this.size}, ${this.slide}${this.offset ? `, offset ${this.offset}` : ""})`;
  }
}

function checkSliding(size: number, slide: number, offset: number, what: string): void {
  checkDuration(size, "size", what);
  checkDuration(slide, "slide", what);
  if (slide > size) {
    throw new FleuveError(
      "FLEUVE_WINDOW_INVALID",
      `${what}: slide (${slide}) must be <= size (${size}); records between windows would be lost`,
      { details: { option: "slide", value: slide } },
    );
  }
  checkOffset(offset, slide, "slide", what);
}

/** Tumbling processing-time windows. */
export class TumblingProcessingTimeWindows<T = unknown> extends AlignedTimeWindows<T> {
  /** Windows of `size` ms of processing time, aligned on `offset`. */
  static of<T = unknown>(size: number, offset = 0): TumblingProcessingTimeWindows<T> {
    checkDuration(size, "size", "TumblingProcessingTimeWindows.of");
    checkOffset(offset, size, "size", "TumblingProcessingTimeWindows.of");
    return new TumblingProcessingTimeWindows<T>(size, size, offset);
  }
  override isEventTime(): boolean {
    return false;
  }
  override getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }
  protected override time(_e: T, _ts: number, ctx: WindowAssignerContext): number {
    return ctx.getCurrentProcessingTime();
  }
  override toString(): string {
    return `TumblingProcessingTimeWindows(${this.size})`;
  }
}

/** Sliding processing-time windows. */
export class SlidingProcessingTimeWindows<T = unknown> extends AlignedTimeWindows<T> {
  /** Windows of `size` ms of processing time every `slide` ms. */
  static of<T = unknown>(size: number, slide: number, offset = 0): SlidingProcessingTimeWindows<T> {
    checkSliding(size, slide, offset, "SlidingProcessingTimeWindows.of");
    return new SlidingProcessingTimeWindows<T>(size, slide, offset);
  }
  override isEventTime(): boolean {
    return false;
  }
  override getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }
  protected override time(_e: T, _ts: number, ctx: WindowAssignerContext): number {
    return ctx.getCurrentProcessingTime();
  }
  override toString(): string {
    return `SlidingProcessingTimeWindows(${this.size}, ${this.slide})`;
  }
}

/** Returns the session gap (ms) for an element. */
export type SessionGapExtractor<T> = (element: T) => number;

/** Session windows: `[t, t + gap)` per element, merged when they overlap or touch. */
abstract class SessionWindows<T> implements MergingWindowAssigner<T> {
  /** @internal merges like TimeWindow.mergeWindows (the operator may take a shortcut). */
  readonly standardMerge = true;
  constructor(
    readonly gap: number | undefined,
    readonly extractor: SessionGapExtractor<T> | undefined,
  ) {}
  abstract isEventTime(): boolean;
  abstract getDefaultTrigger(): Trigger<T, TimeWindow>;
  protected abstract time(element: T, timestamp: number, ctx: WindowAssignerContext): number;
  assignWindows(element: T, timestamp: number, ctx: WindowAssignerContext): TimeWindow[] {
    const t = this.time(element, timestamp, ctx);
    let gap = this.gap;
    if (gap === undefined) {
      gap = this.extractor!(element);
      if (typeof gap !== "number" || !(gap > 0) || !Number.isInteger(gap)) {
        throw new FleuveError(
          "FLEUVE_WINDOW_INVALID",
          `${this.toString()}: the gap extractor returned ${String(gap)} for a record; it must return a positive integer number of ms`,
          { details: { option: "gap", value: gap, record: element } },
        );
      }
    }
    return [new TimeWindow(t, t + gap)];
  }
  mergeWindows(
    windows: readonly TimeWindow[],
    callback: (toBeMerged: TimeWindow[], mergeResult: TimeWindow) => void,
  ): void {
    mergeTimeWindows(windows, callback);
  }
}

function checkExtractor(fn: unknown, what: string): void {
  if (typeof fn !== "function") {
    throw new FleuveError(
      "FLEUVE_WINDOW_INVALID",
      `${what}: gapExtractor must be a function (element) => ms`,
      {
        details: { option: "gapExtractor" },
      },
    );
  }
}

/** Event-time session windows. */
export class EventTimeSessionWindows<T = unknown> extends SessionWindows<T> {
  /** Sessions closed after `gap` ms without elements. */
  static withGap<T = unknown>(gap: number): EventTimeSessionWindows<T> {
    checkDuration(gap, "gap", "EventTimeSessionWindows.withGap");
    return new EventTimeSessionWindows<T>(gap, undefined);
  }
  /** Sessions whose gap is computed per element. */
  static withDynamicGap<T>(gapExtractor: SessionGapExtractor<T>): EventTimeSessionWindows<T> {
    checkExtractor(gapExtractor, "EventTimeSessionWindows.withDynamicGap");
    return new EventTimeSessionWindows<T>(undefined, gapExtractor);
  }
  override isEventTime(): boolean {
    return true;
  }
  override getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }
  protected override time(element: T, timestamp: number): number {
    if (timestamp === Number.NEGATIVE_INFINITY) throw noTimestamp("EventTimeSessionWindows", element);
    return timestamp;
  }
  override toString(): string {
    return `EventTimeSessionWindows(${this.gap ?? "dynamic"})`;
  }
}

/** Processing-time session windows. */
export class ProcessingTimeSessionWindows<T = unknown> extends SessionWindows<T> {
  /** Sessions closed after `gap` ms of processing time without elements. */
  static withGap<T = unknown>(gap: number): ProcessingTimeSessionWindows<T> {
    checkDuration(gap, "gap", "ProcessingTimeSessionWindows.withGap");
    return new ProcessingTimeSessionWindows<T>(gap, undefined);
  }
  /** Sessions whose gap is computed per element. */
  static withDynamicGap<T>(gapExtractor: SessionGapExtractor<T>): ProcessingTimeSessionWindows<T> {
    checkExtractor(gapExtractor, "ProcessingTimeSessionWindows.withDynamicGap");
    return new ProcessingTimeSessionWindows<T>(undefined, gapExtractor);
  }
  override isEventTime(): boolean {
    return false;
  }
  override getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }
  protected override time(_e: T, _ts: number, ctx: WindowAssignerContext): number {
    return ctx.getCurrentProcessingTime();
  }
  override toString(): string {
    return `ProcessingTimeSessionWindows(${this.gap ?? "dynamic"})`;
  }
}

const GLOBAL: readonly GlobalWindow[] = Object.freeze([GlobalWindow.INSTANCE]);

/** One window per key holding everything; it fires only through a trigger you set. */
export class GlobalWindows<T = unknown> implements WindowAssigner<T, GlobalWindow> {
  private constructor() {}
  /** The global window assigner (set a trigger with `.trigger(...)`). */
  static create<T = unknown>(): GlobalWindows<T> {
    return new GlobalWindows<T>();
  }
  assignWindows(): readonly GlobalWindow[] {
    return GLOBAL;
  }
  getDefaultTrigger(): Trigger<T, GlobalWindow> {
    return NeverTrigger.create();
  }
  isEventTime(): boolean {
    return false;
  }
  namespaceOf(): Namespace {
    return 0;
  }
  windowOf(): GlobalWindow {
    return GlobalWindow.INSTANCE;
  }
  toString(): string {
    return "GlobalWindows()";
  }
}

/** True for assigners that merge windows. */
export function isMergingAssigner<T>(a: WindowAssigner<T, any>): a is MergingWindowAssigner<T> {
  return typeof a.mergeWindows === "function";
}
