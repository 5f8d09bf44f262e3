/**
 * Hands what the matchers find to user code and side outputs: complete matches to the pattern
 * function (with one reused context, no allocation per match), timed-out and dropped partial
 * matches to their side outputs when set, late events to the late side output or the
 * `numLateRecordsDropped` counter (as Flink's CepOperator does).
 */
import type { Key, Output, OutputTag } from "@fleuve/core/spi";
import type {
  DroppedMatch,
  DropReason,
  MatchCollector,
  PatternContext,
  PatternProcessFunction,
  TimedOutMatch,
} from "../pattern-process-function.js";
import type { RunnerListener } from "./keyed-pattern-runner.js";

/** Side outputs of a CEP operator. */
export interface CepSideOutputs<T> {
  /** Events whose timestamp the watermark had passed (event time); dropped and counted when unset. */
  readonly lateOutput?: OutputTag<T> | undefined;
  /** Partial matches whose `within` passed; discarded when unset. */
  readonly timedOut?: OutputTag<TimedOutMatch<any>> | undefined;
  /** Partial matches dropped by the per-key limit; discarded when unset. */
  readonly dropped?: OutputTag<DroppedMatch<any>> | undefined;
}

/** What the emitter needs of its operator. */
export interface EmitterHost {
  /** The current key, or undefined on a non-keyed stream. */
  key(): Key | undefined;
  currentWatermark(): number;
  currentProcessingTime(): number;
  /** Counts an event dropped as late. */
  countLateDropped(): void;
  /** Applies the job's error policy to an error of user code: rethrows, or returns to skip. */
  userError(error: unknown, record: unknown, timestamp: number): void;
}

/** Routes matcher results (see the file comment). */
export class MatchEmitter<T, OUT> implements RunnerListener<T> {
  private readonly ctx: {
    timestamp: number;
    patternId: string;
    patternVersion: number;
    readonly key: Key | undefined;
    currentWatermark(): number;
    currentProcessingTime(): number;
    output<X>(tag: OutputTag<X>, value: X): void;
  };
  private readonly collector: MatchCollector<OUT>;
  /** No side output for time-outs: matchers need not build the timed-out partial matches. */
  readonly discardsTimedOut: boolean;

  constructor(
    private readonly fn: PatternProcessFunction<any, OUT>,
    private readonly output: Output<OUT>,
    private readonly sides: CepSideOutputs<T>,
    private readonly host: EmitterHost,
  ) {
    const ctx = {
      timestamp: 0,
      patternId: "",
      patternVersion: 0,
      get key() {
        return host.key();
      },
      currentWatermark: () => host.currentWatermark(),
      currentProcessingTime: () => host.currentProcessingTime(),
      output: <X>(tag: OutputTag<X>, value: X) => output.collectSide(tag, value, ctx.timestamp),
    };
    this.ctx = ctx;
    this.discardsTimedOut = sides.timedOut === undefined;
    this.collector = { collect: (v) => output.collect(v, ctx.timestamp) };
  }

  /** The context user code sees (for tests of the context itself). */
  get context(): PatternContext {
    return this.ctx;
  }

  match(id: string, version: number, match: Record<string, T[]>, timestamp: number): void {
    const ctx = this.ctx;
    ctx.timestamp = timestamp;
    ctx.patternId = id;
    ctx.patternVersion = version;
    try {
      this.fn.processMatch(match, ctx, this.collector);
    } catch (e) {
      this.host.userError(e, match, timestamp);
    }
  }

  timedOut(id: string, version: number, partial: Record<string, T[]>, timeoutTimestamp: number): void {
    const tag = this.sides.timedOut;
    if (tag === undefined) return;
    const record: TimedOutMatch<any> = {
      match: partial,
      timeoutTimestamp,
      patternId: id,
      patternVersion: version,
    };
    this.output.collectSide(tag, record, timeoutTimestamp);
  }

  dropped(
    id: string,
    version: number,
    partial: Record<string, T[]>,
    timestamp: number,
    reason: DropReason,
  ): void {
    const tag = this.sides.dropped;
    if (tag === undefined) return;
    const record: DroppedMatch<any> = {
      match: partial,
      timestamp,
      patternId: id,
      patternVersion: version,
      reason,
    };
    this.output.collectSide(tag, record, timestamp);
  }

  late(event: T, timestamp: number): void {
    const tag = this.sides.lateOutput;
    if (tag === undefined) this.host.countLateDropped();
    else this.output.collectSide(tag, event, timestamp);
  }
}
