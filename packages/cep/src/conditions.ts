/**
 * Conditions of pattern steps. A condition sees the candidate event and a context that reads the
 * events this partial match has already matched (Flink's iterative conditions and
 * `getEventsForPattern`), so "the sum of the previous a's < 30" is `(e, ctx) => sum(ctx.eventsOf("a")) < 30`.
 */

/** What a condition may read besides the candidate event. */
export interface ConditionContext<M = Record<string, unknown>> {
  /**
   * The events this partial match has matched so far for step `name`, in order (empty when none).
   * Each call builds a new array; call it only in conditions that need it.
   */
  eventsOf<K extends keyof M & string>(name: K): M[K][];
  /** The candidate event's timestamp (event time, or processing time in a processing-time job). */
  readonly timestamp: number;
}

/** A step's condition: true when `event` may be matched by the step. */
export type Condition<E, M = Record<string, unknown>> = (event: E, ctx: ConditionContext<M>) => boolean;

/** A condition that narrows the event's type (used by `subtype`). */
export type TypeGuardCondition<E, S extends E> = (event: E) => event is S;

/** Conditions as the compiler holds them: on any event, with any context; `undefined` is "always". */
export type AnyCondition = (event: any, ctx: ConditionContext<any>) => boolean;

/** `a AND b`, where `undefined` is "always true". */
export function andCondition(
  a: AnyCondition | undefined,
  b: AnyCondition | undefined,
): AnyCondition | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return (e, ctx) => a(e, ctx) && b(e, ctx);
}

/** `a OR b`, where `undefined` is "always true". */
export function orCondition(
  a: AnyCondition | undefined,
  b: AnyCondition | undefined,
): AnyCondition | undefined {
  if (a === undefined || b === undefined) return undefined;
  return (e, ctx) => a(e, ctx) || b(e, ctx);
}

/** `NOT a`, where `undefined` is "always true" (so its negation is {@link NEVER}). */
export function notCondition(a: AnyCondition | undefined): AnyCondition {
  if (a === undefined) return NEVER;
  if (a === NEVER) return ALWAYS;
  return (e, ctx) => !a(e, ctx);
}

/** The condition that never holds. */
export const NEVER: AnyCondition = () => false;
/** The condition that always holds, where a function is needed. */
export const ALWAYS: AnyCondition = () => true;
