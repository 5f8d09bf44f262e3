/**
 * The operator of patterns that change while the job runs (beyond Flink CEP, FLINK-7129): input 1
 * is the (keyed) event stream, input 2 a broadcast stream of {@link PatternUpdate}s. The patterns
 * live in broadcast state (the same on every subtask, checkpointed and restored); each update
 * takes effect for the events processed after it, without a restart. The partial matches of a
 * replaced or removed version are dropped, or finish under that version (`onReplace`): the update
 * sweeps the subtask's keys once and moves those partial matches aside with the pattern they
 * finish under, so that they survive a restore at another parallelism with their keys.
 *
 * When updates take effect: in event time, an update with a timestamp applies to the events from
 * that timestamp on, whatever the order in which updates and events arrive (replaying a rules
 * topic with its history gives the same matches): it waits, like events, until the watermark
 * reaches it, and every event before it is processed first. The operator's watermark is the
 * smaller of its two inputs' (as for any two-input operator), so give the update stream
 * timestamps and watermarks, with `withIdleness` for a topic that is mostly quiet, or it holds
 * event time back. An update without a timestamp, one the watermark already passed, and every
 * update in processing time, applies to the events processed after it arrives.
 *
 * A malformed update, an unknown factory or a pattern that does not compile is a bad record, found
 * when it arrives: the job's error policy applies (fail by default, or skip / dead-letter it).
 */
import {
  type MapStateDescriptor,
  mapState,
  type OperatorSnapshot,
  SKIP_RECORD,
  type Triggerable,
  TwoInputOperator,
} from "@fleuve/core/spi";
import { type CepOperatorOptions, openPatternRunner } from "../operator/cep-operator.js";
import type { RunState } from "../operator/key-entry.js";
import type { ActivePattern, KeyedPatternRunner } from "../operator/keyed-pattern-runner.js";
import type { Matcher } from "../operator/matcher.js";
import type { PatternProcessFunction } from "../pattern-process-function.js";
import {
  type PatternRegistry,
  type PatternSpec,
  type PatternUpdate,
  updateProblem,
} from "./pattern-update.js";

/** What broadcast state keeps per pattern id. */
export interface StoredPattern {
  readonly version: number;
  /** The pattern, or undefined once removed (the version is kept so older updates stay ignored). */
  readonly pattern: PatternSpec | undefined;
}

/** The broadcast state of the patterns, by id. */
export const PATTERNS_STATE: MapStateDescriptor<string, StoredPattern> = mapState("cep-patterns");

/** One update waiting for the watermark (event time). */
interface PendingUpdate {
  readonly ts: number;
  readonly update: PatternUpdate;
}

/**
 * The updates waiting for the watermark, in timestamp order (arrival order among equals), in
 * broadcast state: every subtask gets the same updates and, at a checkpoint, has seen the same
 * watermarks (barriers are aligned), so every subtask's copy is the same.
 */
const PENDING_STATE: MapStateDescriptor<string, PendingUpdate[]> = mapState("cep-pending-updates");
const PENDING = "pending";

/** Name of the gauge holding the number of patterns a subtask runs. */
export const PATTERNS_GAUGE = "cep.patterns";

/** Runs the patterns of a broadcast stream of updates per key (see the file comment). */
export class DynamicCepOperator<T, OUT>
  extends TwoInputOperator<T, PatternUpdate, OUT>
  implements Triggerable<number>
{
  private runner!: KeyedPatternRunner<T>;
  private fn: PatternProcessFunction<any, OUT>;
  private active: ActivePattern<T>[] = [];
  /** Compiled matchers by `id@version`. */
  private readonly compiled = new Map<string, Matcher<T, any>>();

  constructor(
    private readonly registry: PatternRegistry<unknown>,
    /** Compiles a pattern given as data (e.g. the registry's factory, then `NFA.compile`). */
    private readonly compile: (spec: PatternSpec) => Matcher<T, any>,
    fn: PatternProcessFunction<any, OUT>,
    private readonly options: Omit<CepOperatorOptions<T>, "patternId"> = {},
  ) {
    super();
    this.fn = fn;
  }

  override open(): void {
    this.fn = Object.create(this.fn) as PatternProcessFunction<any, OUT>;
    this.rebuildActive();
    this.runner = openPatternRunner(this.fn, this.options, {
      runtime: this.runtime,
      backend: this.keyedState,
      output: this.output,
      timers: this.getTimerService<number>(this),
      currentWatermark: () => this.currentWatermark,
      userError: (e, record, ts) => this.userError(e, record, ts),
      patterns: () => this.active,
      finishingMatcher: (runId, run) => this.matcherFor(runId, run.finishing as PatternSpec),
    });
    this.fn.open?.();
  }

  processElement1(value: T, timestamp: number): void {
    this.runner.onElement(value, timestamp);
  }

  /** Keyed state holds every waiting event at a checkpoint ({@link KeyedPatternRunner.materialize}). */
  override snapshotState(checkpointId: number): OperatorSnapshot {
    (this.runner as KeyedPatternRunner<T> | undefined)?.materialize();
    return super.snapshotState(checkpointId);
  }

  processElement2(update: PatternUpdate, timestamp: number): void {
    try {
      this.check(update);
      const eventTime = (this.options.timeDomain ?? "event") === "event";
      if (eventTime && timestamp !== Number.NEGATIVE_INFINITY && timestamp > this.currentWatermark) {
        const state = this.runtime.operatorState.getBroadcastState(PENDING_STATE);
        // Copied, never changed in place: a restore may share one value among subtasks' states.
        const pending = (state.get(PENDING) ?? []).slice();
        let i = pending.length;
        while (i > 0 && pending[i - 1]!.ts > timestamp) i--;
        pending.splice(i, 0, { ts: timestamp, update });
        state.put(PENDING, pending);
        return;
      }
      this.apply(update, this.updateTime(timestamp));
    } catch (e) {
      const err = this.userError(e, update, timestamp);
      if (err !== SKIP_RECORD) throw err;
    }
  }

  /**
   * Applies the updates the watermark reaches at their own timestamps: the events before each are
   * processed first (the watermark advances to just before it), under the patterns they met.
   */
  override processWatermark(watermark: number): void {
    const state = this.runtime.operatorState.getBroadcastState(PENDING_STATE);
    for (;;) {
      const pending = state.get(PENDING);
      if (pending === undefined || pending.length === 0 || pending[0]!.ts > watermark) break;
      const { ts, update } = pending[0]!;
      // Copied, never changed in place: a restore may share one value among subtasks' states.
      if (pending.length === 1) state.remove(PENDING);
      else state.put(PENDING, pending.slice(1));
      super.processWatermark(ts - 1);
      this.apply(update, ts);
    }
    super.processWatermark(watermark);
  }

  onEventTime(timestamp: number): void {
    this.runner.onTimer(timestamp);
  }

  protected override onWatermark(watermark: number): void {
    this.runner.onWatermark(watermark);
  }

  onProcessingTime(timestamp: number): void {
    this.runner.onTimer(timestamp);
  }

  override close(): void {
    this.fn.close?.();
  }

  /** Checks an update when it arrives: its shape, its factory, and that its pattern compiles. */
  private check(update: PatternUpdate): void {
    const problem = updateProblem(update, this.registry);
    if (problem !== undefined) throw new Error(problem);
    const { id, version } = update;
    const pattern = update.remove === true ? undefined : update.pattern!;
    if (pattern !== undefined) {
      try {
        this.matcherFor(`${id}@${version}`, pattern);
      } catch (e) {
        // Not a FleuveError: a bad update is a bad record, for the job's error policy to handle.
        const why = e instanceof Error ? e.message : String(e);
        throw new Error(`pattern '${id}' version ${version} (factory '${pattern.factory}'): ${why}`, {
          cause: e,
        });
      }
    }
  }

  /**
   * When an update applied on arrival takes effect (the timestamp of what it drops): its own
   * timestamp in event time (the watermark when it has none), the processing time otherwise.
   */
  private updateTime(timestamp: number): number {
    if ((this.options.timeDomain ?? "event") === "processing") return this.runtime.processingTime.now();
    return timestamp === Number.NEGATIVE_INFINITY ? this.currentWatermark : timestamp;
  }

  /** Applies one checked update (see {@link PatternUpdate}) that takes effect at time `at`. */
  private apply(update: PatternUpdate, at: number): void {
    const state = this.runtime.operatorState.getBroadcastState(PATTERNS_STATE);
    const { id, version } = update;
    const current = state.get(id);
    if (current !== undefined && version <= current.version) return; // replayed or stale
    const pattern = update.remove === true ? undefined : update.pattern!;
    if (current?.pattern === undefined) {
      state.put(id, { version, pattern });
      this.rebuildActive();
      return;
    }
    const finishing = this.retire(id, current, update.onReplace ?? "finish", at);
    state.put(id, { version, pattern });
    this.rebuildActive();
    this.forgetCompiled(finishing);
  }

  /**
   * Drops the partial matches of `id`'s current version, or sets them to finish under it. Returns
   * the run ids of every version still finishing on this subtask's keys (the sweep sees them all).
   */
  private retire(id: string, current: StoredPattern, onReplace: "finish" | "drop", at: number): Set<string> {
    const finishing = new Set<string>();
    this.runner.forEachKey((entry) => {
      const run = entry.runs[id];
      if (run !== undefined) {
        if (onReplace === "finish") {
          delete entry.runs[id];
          const moved: RunState = { v: run.v, s: run.s, finishing: current.pattern };
          entry.runs[`${id}@${run.v}`] = moved;
        } else {
          // To the `dropped` side output (reason "replaced"), each partial match once.
          this.runner.dropRun(entry, id, at);
        }
      }
      for (const runId in entry.runs) if (entry.runs[runId]!.finishing !== undefined) finishing.add(runId);
    });
    return finishing;
  }

  /**
   * Forgets the compiled matchers no key needs any more (neither running nor finishing), so that
   * a job whose rules change often does not keep every version it ever ran. A finishing version
   * forgotten here is compiled again if a restored key still needs it.
   */
  private forgetCompiled(finishing: ReadonlySet<string>): void {
    const keep = new Set(finishing);
    for (const p of this.active) keep.add(`${p.id}@${p.version}`);
    for (const idAtVersion of [...this.compiled.keys()])
      if (!keep.has(idAtVersion)) this.compiled.delete(idAtVersion);
  }

  /** Number of compiled pattern versions this subtask holds (running, finishing, or checked on arrival). */
  get compiledVersions(): number {
    return this.compiled.size;
  }

  private rebuildActive(): void {
    const state = this.runtime.operatorState.getBroadcastState(PATTERNS_STATE);
    const active: ActivePattern<T>[] = [];
    for (const [id, p] of state.entries()) {
      if (p.pattern === undefined) continue;
      active.push({ id, version: p.version, matcher: this.matcherFor(`${id}@${p.version}`, p.pattern) });
    }
    this.active = active;
    this.runtime.metrics.gauge(PATTERNS_GAUGE).set(active.length);
  }

  private matcherFor(idAtVersion: string, spec: PatternSpec): Matcher<T, any> {
    let m = this.compiled.get(idAtVersion);
    if (m === undefined) {
      m = this.compile(spec);
      this.compiled.set(idAtVersion, m);
    }
    return m;
  }
}
