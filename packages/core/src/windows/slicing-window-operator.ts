/**
 * The fast path for aligned tumbling and sliding windows with their default trigger (event-time
 * or processing-time): time is cut into slices of `gcd(size, slide)`; each record goes into exactly
 * one slice accumulator of its key, and a window fires by combining its slices. Nothing is copied
 * into every window, and adding to an existing slice allocates nothing.
 *
 * Timers: a new slice registers the fire timer (window start, window max timestamp) of the first
 * window containing it; when a window fires it registers the next window if that one holds slices
 * of the current one (a chain), so a key has few pending timers. Timers live in the operator's own
 * index (time -> keys; aligned windows make many keys share a time) rather than one keyed timer
 * per (key, window). Cleanup timers (max timestamp + allowed lateness) drop the slices no later
 * window needs. The results, late firings and late-data side output are those of Flink's
 * WindowOperator with EventTimeTrigger / ProcessingTimeTrigger.
 */

import type { Key } from "../spi/key-groups.js";
import { OneInputOperator } from "../spi/operator.js";
import type { SlicingSpec } from "./assigners.js";
import type { WindowTable } from "./keyed-access.js";
import { NamespacedState } from "./namespaced-state.js";
import { TimerIndex } from "./timer-index.js";
import { getWindowStartWithOffset, TimeWindow } from "./window.js";
import { WindowFunctionRunner } from "./window-function-runner.js";
import type { PassOnSelect, WindowOperatorConfig } from "./window-operator.js";

/**
 * Slices of one key: one flat array `[start0, acc0, start1, acc1, ...]` sorted by start (one
 * allocation per key, binary search, windows are contiguous runs), with the slice used last
 * cached (most records hit the current slice).
 */
interface KeySlices {
  readonly s: unknown[];
  /** Start of the cached slice (NaN: none) and its index in `s`. */
  lastStart: number;
  lastIdx: number;
  /** Max timestamp of the first window containing the cached slice. */
  lastFirstMax: number;
  /** Sliding windows: partial aggregates reused by consecutive windows (see {@link SlideCache}). */
  cache?: SlideCache | undefined;
  /** Pending timers of this key, flat `[time, windowStart, ...]` (also rebuilds the index on restore). */
  readonly pend: number[];
  armed?: number | undefined;
}

/**
 * Two-stacks sliding aggregation over slices (merge-only, no inverse needed): `fa[i]` aggregates
 * slices `fs[i..]` up to `frontEnd`; `back` aggregates slices in `[frontEnd, backEnd)`. A window
 * is `fa[fi]` + `back`, so consecutive windows cost a few merges instead of one per slice.
 * Dropped whenever a covered slice changes (late records).
 */
interface SlideCache {
  fs: number[];
  fa: unknown[];
  fi: number;
  frontEnd: number;
  back: unknown;
  backEnd: number;
  /** Start of the last window answered (queries must not go back). */
  lo: number;
}

/** Index in `a` (flat pairs) of the first slice with start >= `t`. */
function lowerBound(a: unknown[], t: number): number {
  let lo = 0;
  let hi = a.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid << 1] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo << 1;
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Keyed tumbling/sliding window operator over slices. */
export class SlicingWindowOperator<IN, ACC, OUT> extends OneInputOperator<IN, OUT> {
  private timerIndex!: TimerIndex;
  private table!: WindowTable<KeySlices>;
  private runner!: WindowFunctionRunner<IN, ACC, OUT>;
  private fnState!: NamespacedState;
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;
  private readonly g: number;
  private readonly lateness: number;
  private readonly eventTime: boolean;
  private readonly buf: ACC[] = [];
  /** Sliding windows with incremental contents use the two-stacks cache. */
  private readonly useCache: boolean;
  /** {@link WindowOperatorConfig.passOn}'s choice, if any (set at open). */
  private passOnSelect: PassOnSelect<IN, ACC> | undefined;
  private readonly contentsOf = (start: number): ACC | undefined => this.currentContents(start);

  constructor(
    private readonly cfg: WindowOperatorConfig<IN, ACC, OUT, TimeWindow>,
    spec: SlicingSpec,
  ) {
    super();
    if (cfg.restoreWatermark === true) this.keepWatermark();
    this.size = spec.size;
    this.slide = spec.slide;
    this.offset = spec.offset;
    this.g = gcd(spec.size, spec.slide);
    this.eventTime = cfg.assigner.isEventTime();
    // Lateness only applies to event time (Flink ignores it for processing-time windows).
    this.lateness = this.eventTime ? cfg.allowedLateness : 0;
    this.useCache = spec.slide < spec.size && cfg.fn.contents.kind !== "list";
  }

  override open(): void {
    const b = this.keyedState;
    this.table = b.getTable("window-slices");
    this.timerIndex = new TimerIndex(
      b,
      () => this.table.get(),
      (t, key, w) => this.onTimer(t, key, w),
      this.eventTime ? undefined : this.runtime.processingTime,
    );
    // After a restore: index the timers the keys had pending.
    this.timerIndex.restore(this.table.entries());
    this.fnState = new NamespacedState(b, "window-function-state");
    this.runner = new WindowFunctionRunner(
      this.cfg.fn,
      this.runtime,
      this.output,
      () => this.currentWatermark,
      this.fnState,
    );
    this.runner.open();
    this.passOnSelect = this.cfg.passOn?.select();
  }

  override close(): void {
    this.runner?.close();
  }

  /** Start of the first window containing slice `s`. */
  private firstWindowOf(s: number): number {
    const x = s + this.g - this.size;
    const w = getWindowStartWithOffset(x, this.offset, this.slide);
    return w < x ? w + this.slide : w;
  }

  processElement(value: IN, timestamp: number): void {
    const late = this.take(value, timestamp);
    const select = this.passOnSelect;
    if (select?.(value, timestamp, late, this.contentsOf))
      this.output.collectSide(this.cfg.passOn!.tag, value, timestamp);
  }

  /** The current contents of window `[start, start + size)` of the current key (see {@link PassOn}). */
  private currentContents(start: number): ACC | undefined {
    if (this.eventTime && start + this.size - 1 <= this.currentWatermark) return undefined;
    const st = this.table.get();
    if (st === undefined) return undefined;
    const arr = st.s;
    const end = start + this.size;
    let i = lowerBound(arr, start);
    if (this.g === this.size) return i < arr.length && arr[i] === start ? (arr[i + 1] as ACC) : undefined;
    const buf = this.buf;
    for (; i < arr.length && (arr[i] as number) < end; i += 2) buf.push(arr[i + 1] as ACC);
    const acc = buf.length === 0 ? undefined : buf.length === 1 ? buf[0] : this.cfg.fn.contents.combine(buf);
    buf.length = 0;
    return acc;
  }

  /** Takes a record into its slice; true if it was dropped as late for all its windows. */
  private take(value: IN, timestamp: number): boolean {
    let t: number;
    if (this.eventTime) {
      // No timestamp: let the assigner raise its explanatory error.
      if (timestamp === Number.NEGATIVE_INFINITY)
        this.cfg.assigner.assignWindows(value, timestamp, this as any);
      t = timestamp;
    } else {
      t = this.runtime.processingTime.now();
    }
    const add = this.cfg.fn.contents.add;
    let st = this.table.get();
    const s = getWindowStartWithOffset(t, this.offset, this.g);
    if (st !== undefined && s === st.lastStart && st.lastFirstMax > this.currentWatermark) {
      // Hot path: the cached slice, no window of it fired yet.
      const i = st.lastIdx + 1;
      const cur = st.s[i] as ACC;
      if (st.cache !== undefined && s < st.cache.backEnd) st.cache = undefined;
      let next: ACC;
      try {
        next = add(cur, value);
      } catch (e) {
        throw this.userError(e, value);
      }
      if (next !== cur) st.s[i] = next;
      return false;
    }
    const wm = this.currentWatermark;
    const size = this.size;
    const L = this.lateness;
    const lastWin = getWindowStartWithOffset(s, this.offset, this.slide);
    if (this.eventTime && lastWin + size - 1 + L <= wm) {
      // Every window of the record is past its allowed lateness (and so is the record).
      if (this.cfg.lateTag) this.output.collectSide(this.cfg.lateTag, value, timestamp);
      else this.runtime.metrics.numLateRecordsDropped.count++;
      return true;
    }
    if (st === undefined) {
      st = { s: [], lastStart: Number.NaN, lastIdx: 0, lastFirstMax: 0, pend: [] };
      this.table.set(st);
    }
    const arr = st.s;
    // A slice aggregated in the sliding cache may change: drop the cache (rebuilt on demand).
    if (st.cache !== undefined && s < st.cache.backEnd) st.cache = undefined;
    const idx = lowerBound(arr, s);
    const exists = idx < arr.length && arr[idx] === s;
    const cur = exists ? (arr[idx + 1] as ACC) : undefined;
    let next: ACC;
    try {
      next = add(cur, value);
    } catch (e) {
      throw this.userError(e, value);
    }
    if (exists) arr[idx + 1] = next;
    else if (idx === arr.length) arr.push(s, next);
    else arr.splice(idx, 0, s, next);
    const firstWin = this.firstWindowOf(s);
    st.lastStart = s;
    st.lastIdx = idx;
    st.lastFirstMax = this.eventTime ? firstWin + size - 1 : Number.POSITIVE_INFINITY;
    if (!this.eventTime || firstWin + size - 1 > wm) {
      if (cur === undefined) this.registerWindow(st, firstWin);
      return false;
    }
    // Late but allowed: windows already fired fire again at once (EventTimeTrigger), in Flink's
    // order (latest window first); the first still-pending window gets its timers.
    const key = this.keyedState.getCurrentKey();
    let pending: number | undefined;
    try {
      for (let w = lastWin; w >= firstWin; w -= this.slide) {
        const max = w + size - 1;
        if (max + L <= wm) continue;
        if (max <= wm) {
          this.fire(key, w);
          this.registerTimer(st, max + L, w);
        } else {
          pending = w;
        }
      }
    } catch (e) {
      throw this.userError(e, value);
    }
    if (pending !== undefined) this.registerWindow(st, pending);
    return false;
  }

  /** Registers the fire timer of window `w` and its cleanup timer. */
  private registerWindow(st: KeySlices, w: number): void {
    const max = w + this.size - 1;
    this.registerTimer(st, max, w);
    if (this.lateness > 0) this.registerTimer(st, max + this.lateness, w);
  }

  /** Registers timer (time, window start) for the current key, once. */
  private registerTimer(st: KeySlices, time: number, w: number): void {
    this.timerIndex.register(st, time, w);
  }

  protected override onWatermark(watermark: number): void {
    if (this.eventTime) this.timerIndex.fire(watermark);
  }

  /** Emits window `[w, w + size)` from its slices, if it has any. */
  private fire(key: Key, w: number): void {
    const st = this.table.get();
    if (!st) return;
    const arr = st.s;
    const end = w + this.size;
    let acc: ACC | undefined;
    let i = lowerBound(arr, w);
    if (this.g === this.size) {
      // Tumbling: the window is one slice.
      if (i === arr.length || arr[i] !== w) return;
      acc = arr[i + 1] as ACC;
    } else if (this.useCache) {
      acc = this.query(st, w, end);
      if (acc === undefined) return;
    } else {
      const buf = this.buf;
      for (; i < arr.length && (arr[i] as number) < end; i += 2) buf.push(arr[i + 1] as ACC);
      if (buf.length === 0) return;
      acc = buf.length === 1 ? buf[0]! : this.cfg.fn.contents.combine(buf);
      buf.length = 0;
    }
    if (this.runner.hasProcessFn) this.runner.emit(key, new TimeWindow(w, end), w, acc);
    else this.output.collect(this.cfg.fn.result(acc), end - 1);
  }

  /** The aggregate of window `[w, end)` from the two-stacks cache (undefined: no slices). */
  private query(st: KeySlices, w: number, end: number): ACC | undefined {
    const c0 = st.cache;
    const { fresh, merge } = this.cfg.fn.contents;
    const arr = st.s;
    let c: SlideCache;
    if (c0 === undefined || w < c0.lo || end < c0.backEnd) {
      c = { fs: [], fa: [], fi: 0, frontEnd: w, back: undefined, backEnd: w, lo: w };
      st.cache = c;
    } else {
      c = c0;
    }
    c.lo = w;
    while (c.fi < c.fs.length && c.fs[c.fi]! < w) c.fi++;
    if (c.fi === c.fs.length) {
      // Front exhausted: rebuild it from the slices in [w, backEnd) as suffix aggregates.
      const hi = Math.max(c.backEnd, w);
      const fs: number[] = [];
      const accs: ACC[] = [];
      for (let i = lowerBound(arr, w); i < arr.length && (arr[i] as number) < hi; i += 2) {
        fs.push(arr[i] as number);
        accs.push(arr[i + 1] as ACC);
      }
      const fa: unknown[] = new Array(fs.length);
      for (let j = fs.length - 1; j >= 0; j--) {
        fa[j] = j === fs.length - 1 ? fresh(accs[j]!) : merge(fresh(accs[j]!), fa[j + 1] as ACC);
      }
      c.fs = fs;
      c.fa = fa;
      c.fi = 0;
      c.frontEnd = hi;
      c.back = undefined;
      c.backEnd = hi;
    }
    for (let i = lowerBound(arr, c.backEnd); i < arr.length && (arr[i] as number) < end; i += 2) {
      const a = arr[i + 1] as ACC;
      c.back = c.back === undefined ? fresh(a) : merge(c.back as ACC, a);
    }
    c.backEnd = end;
    const f = c.fi < c.fa.length ? (c.fa[c.fi] as ACC) : undefined;
    const b = c.back as ACC | undefined;
    if (f === undefined) return b === undefined ? undefined : fresh(b);
    return b === undefined ? fresh(f) : merge(fresh(f), b);
  }

  private onTimer(time: number, key: Key, w: number): void {
    const max = w + this.size - 1;
    try {
      if (time === max) {
        this.fire(key, w);
        // Chain: the next window holds slices of this one? Then it fires too, in its time.
        if (this.slide < this.size) {
          const st = this.table.get();
          if (st) {
            const next = w + this.slide;
            const i = lowerBound(st.s, next);
            if (i < st.s.length && (st.s[i] as number) < w + this.size) this.registerWindow(st, next);
          }
        }
      }
      if (time === max + this.lateness) this.cleanup(w);
    } catch (e) {
      throw this.userError(e, { timer: time, key, window: `[${w}, ${w + this.size})` });
    }
  }

  /** Window `w` is past its lateness: drop the slices no later window contains. */
  private cleanup(w: number): void {
    if (this.runner.hasClear) this.runner.clear(new TimeWindow(w, w + this.size), w);
    this.fnState.clearNamespace(w);
    const st = this.table.get();
    if (!st) return;
    const arr = st.s;
    const end = w + this.slide;
    const from = lowerBound(arr, w);
    let to = from;
    while (to < arr.length && (arr[to] as number) < end) to += 2;
    if (to === from) return;
    if (to - from === arr.length) {
      this.table.delete();
      return;
    }
    arr.splice(from, to - from);
    // Indexes moved: forget the cached slice.
    st.lastStart = Number.NaN;
  }

  /** For the assigner's no-timestamp error path. */
  getCurrentProcessingTime(): number {
    return this.runtime.processingTime.now();
  }
}
