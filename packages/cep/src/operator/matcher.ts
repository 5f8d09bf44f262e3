/**
 * What the CEP operators need of a compiled pattern: the NFA's surface (`NFA` in `../nfa/nfa.ts`
 * has it), named structurally so that the operators' own duties (buffering, ordering, timers,
 * state release, checkpoints) are tested with a small recording matcher, and so that one operator
 * drives one pattern or several (patterns that change while the job runs).
 */

/** Where a matcher reports what it finds (the NFA's `NFAOutput`). */
export interface MatcherOutput<T> {
  /** A complete match: step name -> the events it matched, in order. */
  match(match: Record<string, T[]>): void;
  /** A partial match whose `within` passed at `timeoutTimestamp`, with the events matched so far. */
  timedOut(partial: Record<string, T[]>, timeoutTimestamp: number): void;
  /** A partial match dropped by the per-key limit (oldest first). */
  dropped(partial: Record<string, T[]>): void;
  /** True when {@link timedOut} discards what it is given: a matcher may then skip building it. */
  readonly discardsTimedOut?: boolean;
}

/**
 * A compiled pattern run per key: its state `S` is plain, structured-cloneable data (it lives in
 * keyed state and in checkpoints) mutated in place by `process` and `advanceTime`.
 */
export interface Matcher<T, S = unknown> {
  /** The pattern's `within` (ms), if any. */
  readonly windowTime: number | undefined;
  /** A fresh state for a key that has none. */
  createState(): S;
  /**
   * Feeds one event; events come in timestamp order (ties in the order chosen by the operator).
   * `startNew` false: the event continues the partial matches the state holds but starts none
   * (a replaced pattern version finishing its partial matches, `onReplace: "finish"`).
   */
  process(state: S, event: T, timestamp: number, out: MatcherOutput<T>, startNew?: boolean): void;
  /**
   * Optional: false when an empty state fed `event` would stay empty and report nothing (no step
   * of the pattern can begin with it), so that the operator skips the state altogether for a key
   * that holds none. It may evaluate the pattern's first conditions, which then run again when
   * the event is processed (conditions are meant to be free of side effects, as in Flink).
   */
  mayStart?(event: T, timestamp: number): boolean;
  /** Time reached `time`: time-outs, pruning, absence ("no B within...") completing. */
  advanceTime(state: S, time: number, out: MatcherOutput<T>): void;
  /** The earliest time at which {@link advanceTime} would do something, if any. */
  nextDeadline(state: S): number | undefined;
  /** True when the state holds nothing: the key's state may be released. */
  isEmpty(state: S): boolean;
  /**
   * Readies an empty state ({@link isEmpty}) to serve another key; false when it should be
   * dropped instead. A state keeps its buffers' room, which is what reuse saves, but a key that
   * once held many partial matches leaves large buffers of free slots that the next key would
   * carry into every checkpoint.
   */
  recycle(state: S): boolean;
  /** Runs held: a partial match counts once per state it waits in (for metrics and the per-key limit). */
  partialMatches(state: S): number;
  /**
   * Every distinct partial match the state holds, oldest first, then the completed matches it
   * holds back (a skip strategy waiting for an older partial match): what a pattern update with
   * `onReplace: "drop"` reports to the `dropped` side output. Does not change the state.
   */
  partials(state: S): Record<string, T[]>[];
  /** Events held in the matcher's shared buffer (for metrics). */
  bufferedEvents(state: S): number;
}
