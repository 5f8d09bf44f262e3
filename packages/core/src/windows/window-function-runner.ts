/**
 * @internal How window contents are accumulated and turned into results, shared by the general
 * window operator and the slicing one: reduce, aggregate, or the element list of `process`.
 */
import { FleuveError } from "../errors.js";
import type { Collector } from "../functions/functions.js";
import { createRuntimeContext } from "../operators/runtime-context.js";
import type { Key } from "../spi/key-groups.js";
import type { OperatorRuntime, Output } from "../spi/operator.js";
import type { OutputTag } from "../spi/output-tag.js";
import type { AggregateFunction, ReduceFunction } from "../spi/state-descriptors.js";
import type { NamespacedState } from "./namespaced-state.js";
import type { Window } from "./window.js";
import type { KeyedStateStore, ProcessWindowContext, ProcessWindowFunction } from "./window-function.js";

/** How elements accumulate in a window (or slice). */
export interface WindowContents<IN, ACC> {
  readonly kind: "reduce" | "aggregate" | "list";
  /** Adds `value` to `acc` (undefined: empty); may mutate `acc`. */
  add(acc: ACC | undefined, value: IN): ACC;
  /** Merges two owned accumulators (may mutate and return `a`). */
  merge(a: ACC, b: ACC): ACC;
  /** Combines slices into a new accumulator without mutating them. */
  combine(slices: readonly ACC[]): ACC;
  /** An owned copy of `acc` (merging into it leaves `acc` untouched). */
  fresh(acc: ACC): ACC;
}

/** The window function of an operator: contents plus what to do with them on firing. */
export interface WindowFunctionSpec<IN, ACC, OUT> {
  readonly contents: WindowContents<IN, ACC>;
  /** The user's process function (with `process`, `reduce(fn, pwf)`, `aggregate(agg, pwf)`). */
  readonly processFn?: ProcessWindowFunction<any, OUT, any, any>;
  /** Elements given to `processFn`, from the accumulator. */
  readonly elements: (acc: ACC) => readonly unknown[];
  /** Direct result when there is no `processFn`. */
  readonly result: (acc: ACC) => OUT;
  /** Short name for plans. */
  readonly describe: string;
}

/** Contents of `reduce(fn)`. */
export function reduceContents<T>(fn: ReduceFunction<T>): WindowContents<T, T> {
  return {
    kind: "reduce",
    add: (acc, v) => (acc === undefined ? v : fn(acc as T, v)),
    merge: (a, b) => fn(a, b),
    // Reduce results are values: a reduce function must not mutate its arguments.
    fresh: (a) => a,
    combine: (slices) => {
      let r = slices[0] as T;
      for (let i = 1; i < slices.length; i++) r = fn(r, slices[i] as T);
      return r;
    },
  };
}

/** Contents of `aggregate(agg)`. */
export function aggregateContents<IN, ACC>(agg: AggregateFunction<IN, ACC, any>): WindowContents<IN, ACC> {
  return {
    kind: "aggregate",
    add: (acc, v) => agg.add(v, acc === undefined ? agg.createAccumulator() : acc),
    merge: (a, b) => agg.merge(a, b),
    fresh: (a) => agg.merge(agg.createAccumulator(), a),
    combine: (slices) => {
      // A fresh accumulator absorbs the slices: merge may mutate its first argument only.
      let r = agg.createAccumulator();
      for (const s of slices) r = agg.merge(r, s);
      return r;
    },
  };
}

/** Contents of `process(fn)`: the elements, in arrival order. */
export function listContents<IN>(): WindowContents<IN, IN[]> {
  return {
    kind: "list",
    add: (acc, v) => {
      if (acc === undefined) return [v];
      acc.push(v);
      return acc;
    },
    merge: (a, b) => {
      for (const v of b) a.push(v);
      return a;
    },
    fresh: (a) => a.slice(),
    combine: (slices) => {
      const out: IN[] = [];
      for (const s of slices) for (const v of s) out.push(v);
      return out;
    },
  };
}

/** Collector stamping the window's max timestamp (reused, no allocation per result). */
class WindowCollector<T> implements Collector<T> {
  timestamp = 0;
  constructor(private readonly out: Output<T>) {}
  collect(value: T): void {
    this.out.collect(value, this.timestamp);
  }
}

/** Runs the window function of one operator subtask. */
export class WindowFunctionRunner<IN, ACC, OUT> implements ProcessWindowContext<Window> {
  private readonly collector: WindowCollector<OUT>;
  private readonly fn: ProcessWindowFunction<any, OUT, any, any> | undefined;
  private w: Window | undefined;
  private readonly globalStore: KeyedStateStore;
  private readonly windowStore: KeyedStateStore;

  constructor(
    readonly spec: WindowFunctionSpec<IN, ACC, OUT>,
    private readonly runtime: OperatorRuntime,
    private readonly out: Output<OUT>,
    private readonly watermark: () => number,
    /** Per-window state, or undefined when not allowed (merging windows). */
    private readonly windowNs: NamespacedState | undefined,
  ) {
    this.collector = new WindowCollector(out);
    // One instance per subtask: fields the function sets on `this` in open() stay per subtask.
    this.fn = spec.processFn ? Object.create(spec.processFn) : undefined;
    const backend = runtime.keyedState!;
    this.globalStore = { getState: (d: any) => backend.getState(d) } as KeyedStateStore;
    this.windowStore = {
      getState: (d: any) => {
        if (!windowNs) {
          throw new FleuveError(
            "FLEUVE_STATE_INVALID",
            `operator '${runtime.operatorName}': per-window state is not available with merging (session) windows; use globalState()`,
            { details: { operator: runtime.operatorName, state: d?.name } },
          );
        }
        return windowNs.getState(d);
      },
    } as KeyedStateStore;
  }

  open(): void {
    this.fn?.open?.(createRuntimeContext(this.runtime));
  }

  close(): void {
    this.fn?.close?.();
  }

  /** Emits the result of `window` from `acc`. `ns` is the window's state namespace. */
  emit(key: Key, window: Window, ns: string | number, acc: ACC): void {
    const ts = window.resultTimestamp?.() ?? window.maxTimestamp();
    this.collector.timestamp = ts;
    const fn = this.fn;
    if (!fn) {
      this.out.collect(this.spec.result(acc), ts);
      return;
    }
    this.w = window;
    if (this.windowNs) this.windowNs.ns = ns;
    fn.process(key, this, this.spec.elements(acc), this.collector);
  }

  /** Calls the function's `clear` when a window is cleaned up. */
  clear(window: Window, ns: string | number): void {
    if (!this.fn?.clear) return;
    // What clear() emits belongs to the cleared window, not to the window that fired last.
    this.collector.timestamp = window.resultTimestamp?.() ?? window.maxTimestamp();
    this.w = window;
    if (this.windowNs) this.windowNs.ns = ns;
    this.fn.clear(this);
  }

  /** True when a process function computes the results (it needs the window object). */
  get hasProcessFn(): boolean {
    return this.fn !== undefined;
  }

  get hasClear(): boolean {
    return this.fn?.clear !== undefined;
  }

  // --- ProcessWindowContext ---
  window(): Window {
    return this.w!;
  }
  currentWatermark(): number {
    return this.watermark();
  }
  currentProcessingTime(): number {
    return this.runtime.processingTime.now();
  }
  windowState(): KeyedStateStore {
    return this.windowStore;
  }
  globalState(): KeyedStateStore {
    return this.globalStore;
  }
  output<X>(tag: OutputTag<X>, value: X): void {
    this.out.collectSide(tag, value, this.collector.timestamp);
  }
}
