/**
 * What user code of a pattern stream implements and receives (Flink's `PatternProcessFunction`,
 * its context, and the records of the time-out and drop side outputs).
 */
import type { Key, OutputTag } from "@fleuve/core/spi";

/** What a pattern function knows about the match it is called with. */
export interface PatternContext {
  /**
   * The match's timestamp: in event time, the timestamp of the event that completed it (or the
   * deadline, for an absence that completed when its time passed); in processing time, the
   * processing time it was found at.
   */
  readonly timestamp: number;
  /** Id of the pattern that matched (`CEP.pattern`: `"pattern"`; dynamic patterns: the rule's id). */
  readonly patternId: string;
  /** Version of that pattern (`CEP.pattern`: 0). */
  readonly patternVersion: number;
  /** The key of the match (`undefined` on a non-keyed stream). */
  readonly key: Key | undefined;
  /** The operator's current watermark. */
  currentWatermark(): number;
  /** Processing time now (ms). */
  currentProcessingTime(): number;
  /** Emits `value` to side output `tag`, with the match's timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Emits what a match produces. */
export interface MatchCollector<OUT> {
  collect(value: OUT): void;
}

/** Turns matches into results (`PatternStream.process`). One instance per parallel subtask. */
export interface PatternProcessFunction<M, OUT> {
  /** Called once per subtask before the first match. */
  open?(): void;
  /** Called once per complete match. */
  processMatch(match: M, ctx: PatternContext, out: MatchCollector<OUT>): void;
  /** Called when the job ends or fails. */
  close?(): void;
}

/**
 * A partial match whose `within` passed (the `timedOut` side output): the events matched so far,
 * by step, and when it timed out (also the record's timestamp).
 */
export interface TimedOutMatch<M> {
  readonly match: Partial<M>;
  readonly timeoutTimestamp: number;
  readonly patternId: string;
  readonly patternVersion: number;
}

/**
 * A partial match dropped (the `dropped` side output), with the events matched so far.
 * `timestamp` is when it was dropped (the record's timestamp); `reason` says why:
 * - `"limit"`: its key reached `maxPartialMatches` (the oldest partial matches go first);
 * - `"replaced"`: a pattern update replaced or removed its version with `onReplace: "drop"`
 *   (dynamic patterns; every partial match of that version on every key, at the update's time).
 */
export interface DroppedMatch<M> {
  readonly match: Partial<M>;
  readonly timestamp: number;
  readonly patternId: string;
  readonly patternVersion: number;
  readonly reason: DropReason;
}

/** Why a partial match was dropped (see {@link DroppedMatch}). */
export type DropReason = "limit" | "replaced";
