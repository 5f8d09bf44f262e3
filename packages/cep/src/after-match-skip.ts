/**
 * After-match skip strategies (Flink's `AfterMatchSkipStrategy`): which partial matches survive once
 * a match is emitted. Pass one to `Pattern.begin(name, strategy)`.
 *
 * With any strategy but {@link noSkip}, matches leave in the order of their first event, and a match
 * waits while a partial match that started earlier may still complete (as in Flink).
 */

/** The kinds of skip strategy, as Flink names them. */
export type SkipStrategyKind =
  | "NO_SKIP"
  | "SKIP_TO_NEXT"
  | "SKIP_PAST_LAST_EVENT"
  | "SKIP_TO_FIRST"
  | "SKIP_TO_LAST";

/** An after-match skip strategy: plain data, so that it can travel with a pattern (e.g. a rule update). */
export interface AfterMatchSkipStrategy {
  readonly kind: SkipStrategyKind;
  /** The step named by {@link skipToFirst} / {@link skipToLast}. */
  readonly stepName?: string;
  /**
   * For {@link skipToFirst} / {@link skipToLast}: throw when a match has no event for the named step
   * (Flink's `throwExceptionOnMiss()`); by default such a match prunes nothing (like no skip).
   */
  readonly throwOnMiss?: boolean;
}

/** Every match is emitted; nothing is discarded (the default). */
export function noSkip(): AfterMatchSkipStrategy {
  return NO_SKIP;
}

/** Discards every partial match that started with the same event as the emitted match. */
export function skipToNext(): AfterMatchSkipStrategy {
  return { kind: "SKIP_TO_NEXT" };
}

/** Discards every partial match that started at or before the last event of the emitted match. */
export function skipPastLastEvent(): AfterMatchSkipStrategy {
  return { kind: "SKIP_PAST_LAST_EVENT" };
}

/**
 * Discards every partial match that started before the first event the emitted match has for step
 * `stepName`. A match with no event for that step prunes nothing, unless `throwOnMiss`.
 */
export function skipToFirst(stepName: string, options?: { throwOnMiss?: boolean }): AfterMatchSkipStrategy {
  return { kind: "SKIP_TO_FIRST", stepName, throwOnMiss: options?.throwOnMiss === true };
}

/**
 * Discards every partial match that started before the last event the emitted match has for step
 * `stepName`. A match with no event for that step prunes nothing, unless `throwOnMiss`.
 */
export function skipToLast(stepName: string, options?: { throwOnMiss?: boolean }): AfterMatchSkipStrategy {
  return { kind: "SKIP_TO_LAST", stepName, throwOnMiss: options?.throwOnMiss === true };
}

const NO_SKIP: AfterMatchSkipStrategy = Object.freeze({ kind: "NO_SKIP" });
