/**
 * The Pattern API: a sequence of named steps with conditions, quantifiers and contiguity, as in
 * Flink CEP (`Pattern.begin("a").where(...).followedBy("b")...`). A pattern is a value: each method
 * returns a new pattern and leaves the one it was called on unchanged, so patterns can be shared.
 *
 * Types follow the steps: `Pattern.for<Txn>().begin("small").followedBy("large")` matches
 * `{ small: Txn[]; large: Txn[] }` (see {@link PatternMatch}); `subtype` narrows a step's type.
 */
import { FleuveError } from "@fleuve/core";
import { type AfterMatchSkipStrategy, noSkip } from "./after-match-skip.js";
import {
  type AnyCondition,
  andCondition,
  type Condition,
  orCondition,
  type TypeGuardCondition,
} from "./conditions.js";

/** How a step's events relate to the event matched before them (Flink's consuming strategies). */
export type Contiguity = "strict" | "relaxed" | "any";

/** A positive step matches events; the two negative ones forbid them. */
export type StepKind = "positive" | "notNext" | "notFollowedBy";

/**
 * What a `within` measures: from the first to the last event of a match (`FIRST_AND_LAST`, the
 * default), or between each event and the one before it (`PREVIOUS_AND_CURRENT`).
 */
export type WithinType = "FIRST_AND_LAST" | "PREVIOUS_AND_CURRENT";

/** A step's quantifier: one event, a fixed or bounded number of events, or a loop. */
export interface Quantifier {
  readonly kind: "single" | "times" | "looping";
  /** Least number of events (1 when optional: optional is a separate flag, as in Flink). */
  readonly from: number;
  /** Most number of events (`from` for a loop, which has no upper bound). */
  readonly to: number;
  readonly optional: boolean;
  readonly greedy: boolean;
  /** Contiguity between the events of the step itself (relaxed unless consecutive/allowCombinations). */
  readonly inner: Contiguity;
}

/** One step of a pattern as the compiler reads it (the value behind a {@link Pattern}). */
export interface PatternStep {
  readonly name: string;
  /** The step before this one (undefined for the first step of a pattern or of a group). */
  readonly previous: PatternStep | undefined;
  readonly kind: StepKind;
  /** How this step follows the previous one. */
  readonly contiguity: Contiguity;
  /** The step's condition; undefined matches every event. */
  readonly condition: AnyCondition | undefined;
  /** For loops: the condition that ends the loop (an event matching it is not taken). */
  readonly until: AnyCondition | undefined;
  readonly quantifier: Quantifier;
  readonly withinFirstAndLast: number | undefined;
  readonly withinPreviousAndCurrent: number | undefined;
  /** For a group step: the last step of the group's own pattern. */
  readonly group: PatternStep | undefined;
  /** The pattern's skip strategy (set at `begin`, carried by every step). */
  readonly skip: AfterMatchSkipStrategy;
}

/**
 * The matches of a pattern: each positive step's name to the events it matched, in order. Steps
 * that may match nothing (optional) are optional keys.
 */
export type PatternMatch<P> =
  P extends Pattern<any, infer M, any, any> ? { [K in keyof M]: Exclude<M[K], undefined>[] } : never;

const SINGLE: Quantifier = Object.freeze({
  kind: "single",
  from: 1,
  to: 1,
  optional: false,
  greedy: false,
  inner: "relaxed",
});

function invalid(step: string, message: string): FleuveError {
  return new FleuveError("FLEUVE_CONFIG_INVALID", `pattern step "${step}": ${message}`, {
    details: { step },
  });
}

function checkName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0)
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `pattern step name must be a non-empty string, got ${JSON.stringify(name)}`,
    );
  return name;
}

/**
 * A pattern: steps with conditions, quantifiers and contiguity. `T` is the stream's event type, `M`
 * maps each positive step's name to its event type, `C` is the current (last) step's event type and
 * `N` its name.
 */
export class Pattern<T, M extends object = Record<string, T>, C = T, N extends string = string> {
  /** The pattern's last step; it links to the others. */
  readonly step: PatternStep;

  private constructor(step: PatternStep) {
    this.step = step;
  }

  /**
   * Types the steps with the event type `T` and infers the step names: `Pattern.for<Txn>().begin("a")`
   * is fully typed (TypeScript cannot infer the name when `T` is given to `Pattern.begin<T>` itself).
   */
  static for<T>(): {
    begin<const N extends string>(name: N, skip?: AfterMatchSkipStrategy): Pattern<T, { [K in N]: T }, T, N>;
    begin<M2 extends object>(
      group: Pattern<T, M2, any, any>,
      skip?: AfterMatchSkipStrategy,
    ): Pattern<T, M2, T, keyof M2 & string>;
  } {
    return { begin: Pattern.begin as never };
  }

  /**
   * Starts a pattern with a step named `name` (or with a group: a whole pattern used as one step),
   * and the after-match skip strategy (no skip by default).
   */
  static begin<T, const N extends string = string>(
    name: N,
    skip?: AfterMatchSkipStrategy,
  ): Pattern<T, { [K in N]: T }, T, N>;
  static begin<T, M2 extends object>(
    group: Pattern<T, M2, any, any>,
    skip?: AfterMatchSkipStrategy,
  ): Pattern<T, M2, T, keyof M2 & string>;
  static begin(
    nameOrGroup: string | Pattern<any, any, any, any>,
    skip?: AfterMatchSkipStrategy,
  ): Pattern<any> {
    const strategy = skip ?? noSkip();
    if (nameOrGroup instanceof Pattern)
      return new Pattern(groupStep(nameOrGroup.step, undefined, "relaxed", strategy));
    return new Pattern(
      newStep(checkName(nameOrGroup), undefined, "positive", "relaxed", undefined, strategy),
    );
  }

  /** The current step's name. */
  get name(): string {
    return this.step.name;
  }

  /** The pattern's after-match skip strategy. */
  get afterMatchSkipStrategy(): AfterMatchSkipStrategy {
    return this.step.skip;
  }

  // ---- conditions -------------------------------------------------------------------------------

  /** Adds a condition to the current step (AND with its conditions so far). */
  where(condition: Condition<C, M>): Pattern<T, M, C, N> {
    this.checkNotGroup("where");
    return this.with({ condition: andCondition(this.step.condition, condition as AnyCondition) });
  }

  /** Adds an alternative condition to the current step (OR with its conditions so far). */
  or(condition: Condition<C, M>): Pattern<T, M, C, N> {
    this.checkNotGroup("or");
    const current = this.step.condition;
    // With no condition yet, the step matched everything, and OR keeps it so (as in Flink).
    return this.with({ condition: orCondition(current, condition as AnyCondition) });
  }

  /** Restricts the current step to events of a subtype, and narrows its type in matches. */
  subtype<S extends C>(
    guard: TypeGuardCondition<C, S>,
  ): Pattern<T, Omit<M, N> & { [K in N & keyof M]: S }, S, N> {
    this.checkNotGroup("subtype");
    return this.with({ condition: andCondition(this.step.condition, guard as AnyCondition) }) as never;
  }

  /** For loops: events matching `condition` end the loop (they are not taken by it). */
  until(condition: Condition<C, M>): Pattern<T, M, C, N> {
    if (this.step.quantifier.kind !== "looping")
      throw invalid(this.step.name, "until() applies to looping steps only (oneOrMore, timesOrMore)");
    if (this.step.until !== undefined) throw invalid(this.step.name, "until() may be given only once");
    return this.with({ until: condition as AnyCondition });
  }

  // ---- quantifiers ------------------------------------------------------------------------------

  /** The step matches one or more events (a loop). */
  oneOrMore(): Pattern<T, M, C, N> {
    return this.timesOrMore(1);
  }

  /** The step matches at least `n` events (a loop); `n = 0` is `oneOrMore().optional()`. */
  timesOrMore(n: number): Pattern<T, M, C, N> {
    this.checkQuantifiable("timesOrMore");
    if (!Number.isInteger(n) || n < 0)
      throw invalid(this.step.name, `timesOrMore(${n}): give an integer >= 0`);
    const q = this.step.quantifier;
    return this.with({
      quantifier: {
        ...q,
        kind: "looping",
        from: Math.max(1, n),
        to: Math.max(1, n),
        optional: q.optional || n === 0,
      },
    });
  }

  /** The step matches exactly `n` events, or between `from` and `to` events (`from = 0`: optional). */
  times(n: number): Pattern<T, M, C, N>;
  times(from: number, to: number): Pattern<T, M, C, N>;
  times(from: number, to?: number): Pattern<T, M, C, N> {
    this.checkQuantifiable("times");
    const max = to ?? from;
    if (to === undefined && (!Number.isInteger(from) || from < 1))
      throw invalid(this.step.name, `times(${from}): give an integer >= 1`);
    if (!Number.isInteger(from) || !Number.isInteger(max) || from < 0 || max < 1 || max < from)
      throw invalid(this.step.name, `times(${from}, ${to}): give integers with 0 <= from <= to and to >= 1`);
    const q = this.step.quantifier;
    return this.with({
      quantifier: {
        ...q,
        kind: "times",
        from: Math.max(1, from),
        to: max,
        optional: q.optional || from === 0,
      },
    });
  }

  /** The step may match no event at all. */
  optional(): Pattern<T, Omit<M, N> & { [K in N & keyof M]?: M[K] }, C, N> {
    if (this.step.kind !== "positive")
      throw invalid(this.step.name, "optional() does not apply to notNext/notFollowedBy steps");
    if (this.step.previous?.quantifier.greedy === true)
      throw invalid(
        this.step.name,
        `an optional step cannot follow a greedy step ("${this.step.previous.name}")`,
      );
    return this.with({ quantifier: { ...this.step.quantifier, optional: true } }) as never;
  }

  /** A loop or times step takes as many events as it can (Flink's `greedy`). */
  greedy(): Pattern<T, M, C, N> {
    const q = this.step.quantifier;
    if (this.step.kind !== "positive")
      throw invalid(this.step.name, "greedy() does not apply to notNext/notFollowedBy steps");
    if (this.step.group !== undefined) throw invalid(this.step.name, "greedy() does not apply to groups");
    if (q.kind === "single")
      throw invalid(this.step.name, "greedy() applies to loops and times(); add oneOrMore()/times() first");
    if (q.inner === "any") throw invalid(this.step.name, "greedy() does not apply with allowCombinations()");
    return this.with({ quantifier: { ...q, greedy: true } });
  }

  /** The events of a loop or times step must follow each other strictly (no event in between). */
  consecutive(): Pattern<T, M, C, N> {
    return this.inner("strict", "consecutive");
  }

  /** The events of a loop or times step may be any later events (non-deterministic relaxed). */
  allowCombinations(): Pattern<T, M, C, N> {
    if (this.step.quantifier.greedy)
      throw invalid(this.step.name, "allowCombinations() does not apply to a greedy step");
    return this.inner("any", "allowCombinations");
  }

  /**
   * The time the pattern may take: from its first to its last event (default), or between each event
   * and the one before it (`PREVIOUS_AND_CURRENT`, for this step's events). In milliseconds.
   */
  within(ms: number, type: WithinType = "FIRST_AND_LAST"): Pattern<T, M, C, N> {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0)
      throw invalid(this.step.name, `within(${ms}): give a duration in milliseconds > 0`);
    if (type === "FIRST_AND_LAST") return this.with({ withinFirstAndLast: ms });
    if (type === "PREVIOUS_AND_CURRENT") return this.with({ withinPreviousAndCurrent: ms });
    throw invalid(
      this.step.name,
      `within type ${JSON.stringify(type)}: give FIRST_AND_LAST or PREVIOUS_AND_CURRENT`,
    );
  }

  // ---- combining --------------------------------------------------------------------------------

  /** Appends a step whose event must come right after the previous step's (strict contiguity). */
  next<const N2 extends string>(name: N2): Pattern<T, M & { [K in N2]: T }, T, N2>;
  next<M2 extends object>(group: Pattern<T, M2, any, any>): Pattern<T, M & M2, T, keyof M2 & string>;
  next(step: string | Pattern<any, any, any, any>): Pattern<any, any, any, any> {
    return this.append(step, "positive", "strict");
  }

  /** Appends a step whose event may come after others that it skips (relaxed contiguity). */
  followedBy<const N2 extends string>(name: N2): Pattern<T, M & { [K in N2]: T }, T, N2>;
  followedBy<M2 extends object>(group: Pattern<T, M2, any, any>): Pattern<T, M & M2, T, keyof M2 & string>;
  followedBy(step: string | Pattern<any, any, any, any>): Pattern<any, any, any, any> {
    return this.append(step, "positive", "relaxed");
  }

  /** Appends a step that may match any later event (non-deterministic relaxed contiguity). */
  followedByAny<const N2 extends string>(name: N2): Pattern<T, M & { [K in N2]: T }, T, N2>;
  followedByAny<M2 extends object>(group: Pattern<T, M2, any, any>): Pattern<T, M & M2, T, keyof M2 & string>;
  followedByAny(step: string | Pattern<any, any, any, any>): Pattern<any, any, any, any> {
    return this.append(step, "positive", "any");
  }

  /** Appends a negative step: the event right after the previous step's must not match it. */
  notNext(name: string): Pattern<T, M, T, never> {
    return this.append(name, "notNext", "strict") as never;
  }

  /**
   * Appends a negative step: no event matching it may come between the previous step and the next
   * one. At the end of a pattern it needs a `within`: the match is emitted when that time passes.
   */
  notFollowedBy(name: string): Pattern<T, M, T, never> {
    return this.append(name, "notFollowedBy", "relaxed") as never;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private with(changes: Partial<PatternStep>): Pattern<any, any, any, any> {
    return new Pattern({ ...this.step, ...changes });
  }

  private append(
    step: string | Pattern<any, any, any, any>,
    kind: StepKind,
    contiguity: Contiguity,
  ): Pattern<any, any, any, any> {
    if (kind !== "positive" && this.step.quantifier.optional)
      throw invalid(
        this.step.name,
        "a notNext/notFollowedBy cannot follow an optional step (Flink does not support it either): " +
          "write two patterns, one with the optional step and one without",
      );
    if (step instanceof Pattern)
      return new Pattern(groupStep(step.step, this.step, contiguity, this.step.skip));
    return new Pattern(newStep(checkName(step), this.step, kind, contiguity, undefined, this.step.skip));
  }

  private inner(inner: Contiguity, method: string): Pattern<T, M, C, N> {
    const q = this.step.quantifier;
    if (q.kind === "single")
      throw invalid(
        this.step.name,
        `${method}() applies to loops and times(); add oneOrMore()/times() first`,
      );
    return this.with({ quantifier: { ...q, inner } });
  }

  private checkQuantifiable(method: string): void {
    if (this.step.kind !== "positive")
      throw invalid(this.step.name, `${method}() does not apply to notNext/notFollowedBy steps`);
    if (this.step.quantifier.kind !== "single")
      throw invalid(
        this.step.name,
        `${method}(): the step already has a quantifier (${this.step.quantifier.kind})`,
      );
  }

  private checkNotGroup(method: string): void {
    if (this.step.group !== undefined)
      throw invalid(
        this.step.name,
        `${method}() does not apply to a group; put conditions on the group's steps`,
      );
  }
}

let groupCounter = 0;

function groupStep(
  inner: PatternStep,
  previous: PatternStep | undefined,
  contiguity: Contiguity,
  skip: AfterMatchSkipStrategy,
): PatternStep {
  // A group's name is internal: its events are reported under the names of its own steps.
  return newStep(`$group${++groupCounter}$`, previous, "positive", contiguity, inner, skip);
}

/** A step as it starts: no condition, no until, no within, taken once. */
function newStep(
  name: string,
  previous: PatternStep | undefined,
  kind: StepKind,
  contiguity: Contiguity,
  group: PatternStep | undefined,
  skip: AfterMatchSkipStrategy,
): PatternStep {
  return {
    name,
    previous,
    kind,
    contiguity,
    condition: undefined,
    until: undefined,
    quantifier: SINGLE,
    withinFirstAndLast: undefined,
    withinPreviousAndCurrent: undefined,
    group,
    skip,
  };
}
