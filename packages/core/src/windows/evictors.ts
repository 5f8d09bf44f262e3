/**
 * Evictors remove elements from a window before and/or after the window function runs (Flink's
 * `Evictor`, `CountEvictor`, `TimeEvictor`, `DeltaEvictor`). A window with an evictor keeps all
 * its elements (no incremental aggregation), as in Flink's EvictingWindowOperator.
 */
import { FleuveError } from "../errors.js";
import type { Window } from "./window.js";

/** An element of a window with its timestamp (NO_TIMESTAMP = -Infinity when it has none). */
export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: number;
}

/** What an evictor may ask. */
export interface EvictorContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
}

/** Removes elements from a window: mutate `elements` in place (e.g. `splice`). */
export interface Evictor<T, W extends Window> {
  /** Before the window function; `size` is `elements.length` on entry. */
  evictBefore(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  /** After the window function. */
  evictAfter(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  toString?(): string;
}

function checkPositive(value: unknown, option: string, what: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new FleuveError(
      "FLEUVE_WINDOW_INVALID",
      `${what}: ${option} must be a positive integer, got ${String(value)}`,
      { details: { option, value } },
    );
  }
}

/** Keeps at most `maxCount` elements: the most recent ones in arrival order. */
export class CountEvictor implements Evictor<unknown, Window> {
  private constructor(
    readonly maxCount: number,
    readonly doEvictAfter: boolean,
  ) {}
  /** Keeps the last `maxCount` elements (evicting before the function, unless `doEvictAfter`). */
  static of(maxCount: number, doEvictAfter = false): CountEvictor {
    checkPositive(maxCount, "maxCount", "CountEvictor.of");
    return new CountEvictor(maxCount, doEvictAfter);
  }
  evictBefore(elements: TimestampedValue<unknown>[], size: number): void {
    if (!this.doEvictAfter) this.evict(elements, size);
  }
  evictAfter(elements: TimestampedValue<unknown>[], size: number): void {
    if (this.doEvictAfter) this.evict(elements, size);
  }
  private evict(elements: TimestampedValue<unknown>[], size: number): void {
    if (size > this.maxCount) elements.splice(0, size - this.maxCount);
  }
  toString(): string {
    return `CountEvictor(${this.maxCount})`;
  }
}

/** Keeps the elements within `windowSize` ms of the newest element's timestamp. */
export class TimeEvictor implements Evictor<unknown, Window> {
  private constructor(
    readonly windowSize: number,
    readonly doEvictAfter: boolean,
  ) {}
  /** Evicts elements with timestamp <= max timestamp - `windowSizeMs`. */
  static of(windowSizeMs: number, doEvictAfter = false): TimeEvictor {
    checkPositive(windowSizeMs, "windowSize", "TimeEvictor.of");
    return new TimeEvictor(windowSizeMs, doEvictAfter);
  }
  evictBefore(elements: TimestampedValue<unknown>[]): void {
    if (!this.doEvictAfter) this.evict(elements);
  }
  evictAfter(elements: TimestampedValue<unknown>[]): void {
    if (this.doEvictAfter) this.evict(elements);
  }
  private evict(elements: TimestampedValue<unknown>[]): void {
    // Flink: elements without timestamps disable time eviction.
    if (elements.length === 0 || elements[0]!.timestamp === Number.NEGATIVE_INFINITY) return;
    let max = Number.NEGATIVE_INFINITY;
    for (const e of elements) if (e.timestamp > max) max = e.timestamp;
    const cutoff = max - this.windowSize;
    let w = 0;
    for (const e of elements) if (e.timestamp > cutoff) elements[w++] = e;
    elements.length = w;
  }
  toString(): string {
    return `TimeEvictor(${this.windowSize})`;
  }
}

/** Evicts elements whose `delta` to the last element is >= `threshold`. */
export class DeltaEvictor<T> implements Evictor<T, Window> {
  private constructor(
    readonly threshold: number,
    readonly delta: (a: T, b: T) => number,
    readonly doEvictAfter: boolean,
  ) {}
  /** Keeps the elements "close" (delta < threshold) to the last one. */
  static of<T>(threshold: number, delta: (a: T, b: T) => number, doEvictAfter = false): DeltaEvictor<T> {
    if (typeof threshold !== "number" || Number.isNaN(threshold)) {
      throw new FleuveError(
        "FLEUVE_WINDOW_INVALID",
        `DeltaEvictor.of: threshold must be a number, got ${threshold}`,
        {
          details: { option: "threshold", value: threshold },
        },
      );
    }
    if (typeof delta !== "function") {
      throw new FleuveError(
        "FLEUVE_WINDOW_INVALID",
        "DeltaEvictor.of: delta must be a function (a, b) => number",
        {
          details: { option: "delta" },
        },
      );
    }
    return new DeltaEvictor(threshold, delta, doEvictAfter);
  }
  evictBefore(elements: TimestampedValue<T>[]): void {
    if (!this.doEvictAfter) this.evict(elements);
  }
  evictAfter(elements: TimestampedValue<T>[]): void {
    if (this.doEvictAfter) this.evict(elements);
  }
  private evict(elements: TimestampedValue<T>[]): void {
    if (elements.length === 0) return;
    const last = elements[elements.length - 1]!.value;
    let w = 0;
    for (const e of elements) if (this.delta(e.value, last) < this.threshold) elements[w++] = e;
    elements.length = w;
  }
  toString(): string {
    return `DeltaEvictor(${this.threshold})`;
  }
}
