/**
 * The operator of one pattern (`CEP.pattern(...)`, Flink's CepOperator), on the operator SPI: per
 * key (a non-keyed stream is keyed by one constant key at parallelism 1), in event or processing
 * time, with the pattern's state in keyed state and keyed timers, checkpointed and
 * redistributed by key group like any keyed operator. The per-key work is a
 * {@link KeyedPatternRunner}; matches go through a {@link MatchEmitter}.
 */
import type { FleuveError } from "@fleuve/core";
import {
  type Key,
  OneInputOperator,
  type OperatorRuntime,
  type OperatorSnapshot,
  type Output,
  SKIP_RECORD,
  type Triggerable,
} from "@fleuve/core/spi";
import type { PatternProcessFunction } from "../pattern-process-function.js";
import {
  type ActivePattern,
  KeyedPatternRunner,
  type RunnerSetup,
  type TimeDomain,
} from "./keyed-pattern-runner.js";
import { type CepSideOutputs, MatchEmitter } from "./match-emitter.js";
import type { Matcher } from "./matcher.js";

/** Options of a {@link CepOperator}. */
export interface CepOperatorOptions<T> extends CepSideOutputs<T> {
  /** Event time (default: buffered until the watermark, in timestamp order) or processing time. */
  readonly timeDomain?: TimeDomain;
  /** Orders events with equal timestamps (event time); arrival order when absent or 0. */
  readonly comparator?: ((a: T, b: T) => number) | undefined;
  /** False when the stream was keyed by the API only to run at parallelism 1 (`ctx.key` is then undefined). */
  readonly keyed?: boolean;
  /** The id reported for the pattern's results (default `"pattern"`). */
  readonly patternId?: string;
}

/** Names of the gauges a CEP operator keeps in its metrics (`OperatorMetrics.gauge(name)`). */
export const CEP_GAUGES = {
  /**
   * Runs of partial matches held by the subtask, over all keys: a partial match counts once per
   * NFA state it waits in (as `maxPartialMatches` counts them; `NFA.partials` lists distinct ones).
   */
  partialMatches: "cep.partialMatches",
  /** Events held by the subtask: waiting for the watermark, and in the matchers' buffers. */
  bufferedEvents: "cep.bufferedEvents",
} as const;

/** Names of the counters a CEP operator keeps in its metrics (`OperatorMetrics.counter(name)`). */
export const CEP_COUNTERS = {
  /**
   * Distinct partial matches dropped since the job started: by `maxPartialMatches`, or by a
   * pattern update with `onReplace: "drop"` (each also goes to the `dropped` side output when set).
   */
  droppedPartialMatches: "cep.droppedPartialMatches",
} as const;

/** What a CEP operator hands to {@link openPatternRunner} in its `open()`. */
export interface PatternRunnerHost<T, OUT>
  extends Pick<
    RunnerSetup<T>,
    "backend" | "timers" | "currentWatermark" | "patterns" | "finishingMatcher" | "fixedPatterns"
  > {
  readonly runtime: OperatorRuntime;
  readonly output: Output<OUT>;
  /** The operator's error policy applied to an error of user code (`StreamOperator.userError`). */
  userError(error: unknown, record: unknown, timestamp: number): FleuveError | typeof SKIP_RECORD;
}

/**
 * The per-key runner of a CEP operator (one pattern, or the patterns of a broadcast stream), with
 * its match emitter, gauges and counted state, built the same way for both operators in `open()`.
 */
export function openPatternRunner<T, OUT>(
  fn: PatternProcessFunction<any, OUT>,
  options: Omit<CepOperatorOptions<T>, "patternId">,
  host: PatternRunnerHost<T, OUT>,
): KeyedPatternRunner<T> {
  const rt = host.runtime;
  const keyed = options.keyed ?? true;
  const emitter = new MatchEmitter<T, OUT>(fn, host.output, options, {
    key: (): Key | undefined => (keyed ? host.backend.getCurrentKey() : undefined),
    currentWatermark: host.currentWatermark,
    currentProcessingTime: () => rt.processingTime.now(),
    countLateDropped: () => rt.metrics.numLateRecordsDropped.inc(),
    userError: (e, record, ts) => {
      const err = host.userError(e, record, ts);
      if (err !== SKIP_RECORD) throw err;
    },
  });
  const runner = new KeyedPatternRunner<T>({
    operatorName: rt.operatorName,
    backend: host.backend,
    timers: host.timers,
    timeDomain: options.timeDomain ?? "event",
    comparator: options.comparator,
    currentWatermark: host.currentWatermark,
    patterns: host.patterns,
    finishingMatcher: host.finishingMatcher,
    fixedPatterns: host.fixedPatterns,
    listener: emitter,
    partialMatchesGauge: rt.metrics.gauge(CEP_GAUGES.partialMatches),
    bufferedEventsGauge: rt.metrics.gauge(CEP_GAUGES.bufferedEvents),
    droppedCounter: rt.metrics.counter(CEP_COUNTERS.droppedPartialMatches),
  });
  runner.recount();
  return runner;
}

/** Runs one compiled pattern per key (see the file comment). */
export class CepOperator<T, OUT> extends OneInputOperator<T, OUT> implements Triggerable<number> {
  private runner!: KeyedPatternRunner<T>;
  private fn: PatternProcessFunction<any, OUT>;
  private readonly patterns: readonly ActivePattern<T>[];

  constructor(
    matcher: Matcher<T, any>,
    fn: PatternProcessFunction<any, OUT>,
    private readonly options: CepOperatorOptions<T> = {},
  ) {
    super();
    this.fn = fn;
    this.patterns = [{ id: options.patternId ?? "pattern", version: 0, matcher }];
  }

  override open(): void {
    // One instance per subtask: fields the function sets on `this` in open() stay per subtask.
    this.fn = Object.create(this.fn) as PatternProcessFunction<any, OUT>;
    this.runner = openPatternRunner(this.fn, this.options, {
      runtime: this.runtime,
      backend: this.keyedState,
      output: this.output,
      timers: this.getTimerService<number>(this),
      currentWatermark: () => this.currentWatermark,
      userError: (e, record, ts) => this.userError(e, record, ts),
      patterns: () => this.patterns,
      finishingMatcher: () => this.patterns[0]!.matcher,
      fixedPatterns: true,
    });
    this.fn.open?.();
  }

  processElement(value: T, timestamp: number): void {
    this.runner.onElement(value, timestamp);
  }

  /** Keyed state holds every waiting event at a checkpoint ({@link KeyedPatternRunner.materialize}). */
  override snapshotState(checkpointId: number): OperatorSnapshot {
    (this.runner as KeyedPatternRunner<T> | undefined)?.materialize();
    return super.snapshotState(checkpointId);
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
}
