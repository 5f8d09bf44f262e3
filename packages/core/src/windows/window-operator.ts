/**
 * The general window operator (Flink's `WindowOperator`): contents per (key, window), a trigger
 * per window with its own timers and state, allowed lateness with cleanup timers, the late-data
 * side output, and merging (session) windows through a per-key merging window set.
 *
 * Aligned tumbling/sliding windows with their default trigger run on the faster
 * {@link SlicingWindowOperator}; everything else runs here.
 */
import { FleuveError } from "../errors.js";
import type { Key } from "../spi/key-groups.js";
import { OneInputOperator } from "../spi/operator.js";
import type { OutputTag } from "../spi/output-tag.js";
import type { StateDescriptor } from "../spi/state-descriptors.js";
import type { InternalTimerService, Namespace, Triggerable } from "../spi/timer-service.js";
import { isMergingAssigner, type WindowAssigner, type WindowAssignerContext } from "./assigners.js";
import type { Evictor, TimestampedValue } from "./evictors.js";
import type { WindowTable } from "./keyed-access.js";
import {
  addWindow,
  findEntry,
  type MergingEntry,
  type MergingSet,
  retireEntry,
  windowOf,
} from "./merging-window-set.js";
import { NamespacedState } from "./namespaced-state.js";
import { isFire, isPurge, type OnMergeContext, type Trigger } from "./trigger.js";
import { TimeWindow, type Window } from "./window.js";
import { WindowFunctionRunner, type WindowFunctionSpec } from "./window-function-runner.js";

/** What a window operator is built from. */
export interface WindowOperatorConfig<IN, ACC, OUT, W extends Window> {
  readonly assigner: WindowAssigner<IN, W>;
  readonly trigger: Trigger<IN, W>;
  readonly allowedLateness: number;
  readonly lateTag: OutputTag<IN> | undefined;
  readonly fn: WindowFunctionSpec<IN, ACC, OUT>;
  /** With an evictor, contents are the list of timestamped elements (Flink's EvictingWindowOperator). */
  readonly evictor?: Evictor<IN, W>;
  /**
   * Records also sent to a side output once the operator took them (aligned windows only, see
   * {@link PassOn}): `select()` is asked once, when the operator opens, for the choice (none:
   * nothing is sent, and nothing is asked per record).
   */
  readonly passOn?:
    | { readonly tag: OutputTag<IN>; readonly select: () => PassOnSelect<IN, ACC> | undefined }
    | undefined;
  /**
   * Keep the current watermark in checkpoints and start from it on restore (the minimum over the
   * old subtasks, so never later than any of theirs), as Flink's SQL window operators do; without
   * it a restored operator starts with none, as Flink's DataStream WindowOperator.
   */
  readonly restoreWatermark?: boolean | undefined;
}

/**
 * Asked by {@link WindowedStream.passOn}'s window operator of each record once it has taken the
 * record into its windows or dropped it as late: whether to also send the record to the side
 * output. `late`: the operator dropped the record as late for all its windows. `contentsOf(start)`:
 * the current contents of the record's key's window `[start, start + size)` (`ACC`: the
 * accumulator of `aggregate`, the reduced value of `reduce`, the records of `process`), undefined
 * if it has none or already fired (its contents are then no longer what it sent).
 */
export type PassOnSelect<IN, ACC> = (
  value: IN,
  timestamp: number,
  late: boolean,
  contentsOf: (start: number) => ACC | undefined,
) => boolean;

/**
 * Which records an aligned window operator also sends to side output `tag` ({@link PassOnSelect}),
 * so that the choice can rest on the operator's own lateness and contents (SQL: the rows of q7's
 * shape that may equal a window's maximum, see @fleuve/sql's window-aggregate.ts).
 */
export interface PassOn<IN, ACC> {
  readonly tag: OutputTag<IN>;
  readonly select: PassOnSelect<IN, ACC>;
}

/** Namespace <-> window for non-merging assigners (a "start:end" string for plain TimeWindows). */
interface NamespaceCodec<W> {
  ns(w: W): Namespace;
  window(ns: Namespace): W;
}

function codecOf<W extends Window>(a: WindowAssigner<any, W>): NamespaceCodec<W> {
  if (a.namespaceOf && a.windowOf) {
    const nsOf = a.namespaceOf.bind(a);
    const wOf = a.windowOf.bind(a);
    return { ns: nsOf, window: wOf };
  }
  return {
    ns: (w) => {
      if (!(w instanceof TimeWindow)) {
        throw new FleuveError(
          "FLEUVE_WINDOW_INVALID",
          `window assigner ${String(a)} assigns windows other than TimeWindow: give it namespaceOf() and windowOf()`,
          { details: { option: "assigner" } },
        );
      }
      return `${w.start}:${w.end}`;
    },
    window: (ns) => {
      const s = String(ns);
      const i = s.indexOf(":");
      return new TimeWindow(Number(s.slice(0, i)), Number(s.slice(i + 1))) as unknown as W;
    },
  };
}

/** Keyed window operator with triggers, lateness and merging. */
export class WindowOperator<IN, ACC, OUT, W extends Window>
  extends OneInputOperator<IN, OUT>
  implements Triggerable<Namespace>, WindowAssignerContext
{
  private timerSvc!: InternalTimerService<Namespace>;
  private contents!: WindowTable<Map<Namespace, ACC>>;
  private mergingTable: WindowTable<MergingSet> | undefined;
  private triggerState!: NamespacedState;
  private fnState: NamespacedState | undefined;
  private runner!: WindowFunctionRunner<IN, ACC, OUT>;
  private readonly codec: NamespaceCodec<W>;
  private readonly merging: boolean;
  private readonly eventTime: boolean;
  // Trigger context state: the window and namespace the trigger is being called for.
  private ctxNs: Namespace = 0;
  private mergedNs: Namespace[] | undefined;
  /** The context triggers get: acts on the window of namespace `ctxNs`. */
  private readonly tctx: OnMergeContext = {
    getCurrentProcessingTime: () => this.runtime.processingTime.now(),
    currentProcessingTime: () => this.runtime.processingTime.now(),
    getCurrentWatermark: () => this.currentWatermark,
    currentWatermark: () => this.currentWatermark,
    registerEventTimeTimer: (time) => this.timerSvc.registerEventTimeTimer(this.ctxNs, time),
    registerProcessingTimeTimer: (time) => this.timerSvc.registerProcessingTimeTimer(this.ctxNs, time),
    deleteEventTimeTimer: (time) => this.timerSvc.deleteEventTimeTimer(this.ctxNs, time),
    deleteProcessingTimeTimer: (time) => this.timerSvc.deleteProcessingTimeTimer(this.ctxNs, time),
    getPartitionedState: ((d: StateDescriptor) => {
      this.triggerState.ns = this.ctxNs;
      return this.triggerState.getState(d);
    }) as OnMergeContext["getPartitionedState"],
    mergePartitionedState: (d) => {
      if (this.mergedNs && this.mergedNs.length > 0) this.triggerState.merge(d, this.ctxNs, this.mergedNs);
      this.triggerState.ns = this.ctxNs;
    },
  };

  private readonly mergeFn = (r: MergingEntry, merged: readonly MergingEntry[], target: number) =>
    this.onMergeWindows(r, merged, target);
  private readonly standardMerge: boolean;

  constructor(private readonly cfg: WindowOperatorConfig<IN, ACC, OUT, W>) {
    super();
    if (cfg.restoreWatermark === true) this.keepWatermark();
    this.standardMerge = (cfg.assigner as { standardMerge?: boolean }).standardMerge === true;
    this.merging = isMergingAssigner(cfg.assigner);
    this.eventTime = cfg.assigner.isEventTime();
    this.codec = this.merging ? (undefined as never) : codecOf(cfg.assigner);
  }

  override open(): void {
    const b = this.keyedState;
    this.timerSvc = this.getTimerService<Namespace>(this);
    this.contents = b.getTable("window-contents");
    this.triggerState = new NamespacedState(b, "window-trigger-state");
    if (this.merging) this.mergingTable = b.getTable("window-merging-set");
    else this.fnState = new NamespacedState(b, "window-function-state");
    this.runner = new WindowFunctionRunner(
      this.cfg.fn,
      this.runtime,
      this.output,
      () => this.currentWatermark,
      this.fnState,
    );
    this.runner.open();
  }

  override close(): void {
    this.runner?.close();
  }

  processElement(value: IN, timestamp: number): void {
    const { assigner, trigger } = this.cfg;
    let windows: readonly W[];
    try {
      windows = assigner.assignWindows(value, timestamp, this);
    } catch (e) {
      throw this.userError(e, value);
    }
    let skipped = true;
    const key = this.keyedState.getCurrentKey();
    try {
      if (this.merging) {
        const table = this.mergingTable!;
        const set = table.get() ?? { nextId: 0, entries: [] };
        for (const w of windows as unknown as TimeWindow[]) {
          const actual = addWindow(set, w, this.mergeFn, this.standardMerge);
          const aw = this.windowOfEntry(actual);
          if (this.isWindowLate(aw)) {
            retireEntry(set, actual);
            continue;
          }
          skipped = false;
          this.addContents(actual.stateId, value, timestamp);
          this.setCtx(actual.id);
          const r = trigger.onElement(value, timestamp, aw, this.tctx);
          if (isFire(r)) {
            const acc = this.getContents(actual.stateId);
            if (acc === undefined) continue;
            this.emitWindow(key, aw, actual.id, actual.stateId, acc);
          }
          if (isPurge(r)) this.deleteContents(actual.stateId);
          this.registerCleanupTimer(aw, actual.id);
        }
        if (set.entries.length === 0) table.delete();
        else table.set(set);
      } else {
        for (const w of windows) {
          if (this.isWindowLate(w)) continue;
          skipped = false;
          const ns = this.codec.ns(w);
          this.addContents(ns, value, timestamp);
          this.setCtx(ns);
          const r = trigger.onElement(value, timestamp, w, this.tctx);
          if (isFire(r)) {
            const acc = this.getContents(ns);
            if (acc === undefined) continue;
            this.emitWindow(key, w, ns, ns, acc);
          }
          if (isPurge(r)) this.deleteContents(ns);
          this.registerCleanupTimer(w, ns);
        }
      }
    } catch (e) {
      throw this.userError(e, value);
    }
    if (skipped && this.eventTime && timestamp + this.cfg.allowedLateness <= this.currentWatermark) {
      if (this.cfg.lateTag) this.output.collectSide(this.cfg.lateTag, value, timestamp);
      else this.runtime.metrics.numLateRecordsDropped.count++;
    }
  }

  onEventTime(time: number, key: Key, ns: Namespace): void {
    this.onTimer(time, key, ns, true);
  }

  onProcessingTime(time: number, key: Key, ns: Namespace): void {
    this.onTimer(time, key, ns, false);
  }

  private onTimer(time: number, key: Key, ns: Namespace, eventTimer: boolean): void {
    let window: W;
    let stateNs: Namespace = ns;
    let set: MergingSet | undefined;
    let entry: MergingEntry | undefined;
    if (this.merging) {
      set = this.mergingTable!.get();
      entry = set ? findEntry(set, ns as number) : undefined;
      // A timer a trigger did not delete, of a window that no longer exists: nothing to do.
      if (!entry) return;
      window = this.windowOfEntry(entry);
      stateNs = entry.stateId;
    } else {
      window = this.codec.window(ns);
    }
    try {
      this.setCtx(ns);
      const trigger = this.cfg.trigger;
      const r = eventTimer
        ? trigger.onEventTime(time, window, this.tctx)
        : trigger.onProcessingTime(time, window, this.tctx);
      if (isFire(r)) {
        const acc = this.getContents(stateNs);
        if (acc !== undefined) this.emitWindow(key, window, ns, stateNs, acc);
      }
      if (isPurge(r)) this.deleteContents(stateNs);
      if (eventTimer === this.eventTime && time === this.cleanupTime(window)) {
        this.deleteContents(stateNs);
        this.setCtx(ns);
        trigger.clear(window, this.tctx);
        this.triggerState.clearNamespace(ns);
        this.runner.clear(window, ns);
        this.fnState?.clearNamespace(ns);
        if (set && entry) retireEntry(set, entry);
      }
    } catch (e) {
      throw this.userError(e, { timer: time, key, window: String(window) });
    }
    if (set) {
      if (set.entries.length === 0) this.mergingTable!.delete();
      else this.mergingTable!.set(set);
    }
  }

  /** Flink's merge function: trigger onMerge, clear merged windows, merge their contents. */
  private onMergeWindows(result: MergingEntry, merged: readonly MergingEntry[], targetState: number): void {
    const trigger = this.cfg.trigger;
    const rw = this.windowOfEntry(result);
    this.setCtx(result.id);
    this.mergedNs = merged.map((m) => m.id);
    try {
      trigger.onMerge!(rw, this.tctx);
    } finally {
      this.mergedNs = undefined;
    }
    for (const m of merged) {
      const mw = this.windowOfEntry(m);
      this.setCtx(m.id);
      trigger.clear(mw, this.tctx);
      this.triggerState.clearNamespace(m.id);
      this.deleteCleanupTimer(mw, m.id);
    }
    // Contents of the merged state windows go into the one kept.
    const contents = this.cfg.fn.contents;
    let acc: ACC | undefined;
    for (const m of merged) {
      if (m.stateId === targetState) continue;
      const a = this.getContents(m.stateId);
      if (a === undefined) continue;
      this.deleteContents(m.stateId);
      acc = acc === undefined ? a : contents.merge(acc, a);
    }
    if (acc !== undefined) {
      const cur = this.getContents(targetState);
      this.setContents(targetState, cur === undefined ? acc : contents.merge(cur, acc));
    }
  }

  /** Emits a window; with an evictor, evicts before and after and keeps what remains. */
  private emitWindow(key: Key, w: W, ns: Namespace, stateNs: Namespace, acc: ACC): void {
    const ev = this.cfg.evictor;
    if (!ev) {
      this.runner.emit(key, w, ns, acc);
      return;
    }
    const list = (acc as unknown as TimestampedValue<IN>[]).slice();
    ev.evictBefore(list, list.length, w, this);
    this.runner.emit(key, w, ns, list as unknown as ACC);
    ev.evictAfter(list, list.length, w, this);
    if (list.length === 0) this.deleteContents(stateNs);
    else this.setContents(stateNs, list as unknown as ACC);
  }

  /** The window of a merging set's entry, as the assigner makes its windows. */
  private windowOfEntry(e: MergingEntry): W {
    const between = this.cfg.assigner.windowBetween;
    return (between === undefined ? windowOf(e) : between.call(this.cfg.assigner, e.start, e.end)) as W;
  }

  // --- contents ---
  private getContents(ns: Namespace): ACC | undefined {
    return this.contents.get()?.get(ns);
  }
  private setContents(ns: Namespace, acc: ACC): void {
    let m = this.contents.get();
    if (!m) {
      m = new Map();
      this.contents.set(m);
    }
    m.set(ns, acc);
  }
  private addContents(ns: Namespace, value: IN, timestamp: number): void {
    let m = this.contents.get();
    if (!m) {
      m = new Map();
      this.contents.set(m);
    }
    const cur = m.get(ns);
    // With an evictor the contents are the timestamped elements (the spec is built for that).
    const item = this.cfg.evictor ? ({ value, timestamp } as unknown as IN) : value;
    const next = this.cfg.fn.contents.add(cur, item);
    if (next !== cur) m.set(ns, next);
  }
  private deleteContents(ns: Namespace): void {
    const m = this.contents.get();
    if (!m) return;
    m.delete(ns);
    if (m.size === 0) this.contents.delete();
  }

  // --- lateness and cleanup ---
  private cleanupTime(w: W): number {
    if (!this.eventTime) return w.maxTimestamp();
    return w.maxTimestamp() + this.cfg.allowedLateness;
  }
  private isWindowLate(w: W): boolean {
    return this.eventTime && this.cleanupTime(w) <= this.currentWatermark;
  }
  private registerCleanupTimer(w: W, ns: Namespace): void {
    const t = this.cleanupTime(w);
    if (t === Number.POSITIVE_INFINITY) return;
    if (this.eventTime) this.timerSvc.registerEventTimeTimer(ns, t);
    else this.timerSvc.registerProcessingTimeTimer(ns, t);
  }
  private deleteCleanupTimer(w: W, ns: Namespace): void {
    const t = this.cleanupTime(w);
    if (t === Number.POSITIVE_INFINITY) return;
    if (this.eventTime) this.timerSvc.deleteEventTimeTimer(ns, t);
    else this.timerSvc.deleteProcessingTimeTimer(ns, t);
  }

  // --- trigger context (`tctx`; `ctxNs` says which window) and assigner/evictor context ---
  private setCtx(ns: Namespace): void {
    this.ctxNs = ns;
    this.triggerState.ns = ns;
  }
  getCurrentProcessingTime(): number {
    return this.runtime.processingTime.now();
  }
  getCurrentWatermark(): number {
    return this.currentWatermark;
  }
}
