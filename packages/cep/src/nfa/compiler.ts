/**
 * Compiles a {@link Pattern} to an NFA graph with Flink CEP's construction (NFACompiler): states with
 * TAKE (consume the event, move on), IGNORE (skip the event, stay) and PROCEED (epsilon: move on
 * without consuming) edges, built from the last step back to the first. Following Flink's graph gives
 * Flink's semantics in the corners (greedy, until, optional steps before negations, groups); where
 * Flink is wrong, the graph differs on purpose, and the comments say so.
 */
import { FleuveError } from "@fleuve/core";
import { type AnyCondition, andCondition, NEVER, notCondition } from "../conditions.js";
import type { Contiguity, Pattern, PatternStep } from "../pattern.js";

/** Edge actions. */
export const TAKE = 0;
export const IGNORE = 1;
export const PROCEED = 2;
export type EdgeAction = typeof TAKE | typeof IGNORE | typeof PROCEED;

/** State types. */
export const NORMAL = 0;
export const FINAL = 1;
export const STOP = 2;
/** Waits out a trailing notFollowedBy: becomes a match when its `within` passes. */
export const PENDING = 3;
export type StateType = typeof NORMAL | typeof FINAL | typeof STOP | typeof PENDING;

/** One edge; `cond` undefined means "always". */
export interface Edge {
  readonly action: EdgeAction;
  readonly target: CompiledState;
  /** Mutable only while compiling (a greedy step narrows the conditions of the state after it). */
  cond: AnyCondition | undefined;
}

/** One NFA state. */
export interface CompiledState {
  /** Index in {@link CompiledNFA.states}. */
  index: number;
  /** The step it belongs to (for TAKE: where the event goes in the match). */
  readonly name: string;
  type: StateType;
  readonly edges: Edge[];
}

/** The compiled graph and what the NFA needs to run it. */
export interface CompiledNFA {
  readonly states: CompiledState[];
  readonly start: CompiledState;
  /** Names of the steps whose events go into matches, by step index. */
  readonly stepNames: string[];
  /** Step name -> step index. */
  readonly stepIndex: Map<string, number>;
  /** FIRST_AND_LAST within in ms (the smallest of the pattern's), or undefined. */
  readonly windowTime: number | undefined;
  /** PREVIOUS_AND_CURRENT within per state index (NaN when none). */
  readonly previousWindow: Float64Array;
}

type MaybeCondition = AnyCondition | undefined | null; // null: no edge at all

function invalid(step: string, message: string): FleuveError {
  return new FleuveError("FLEUVE_CONFIG_INVALID", `pattern step "${step}": ${message}`, {
    details: { step },
  });
}

const isOptional = (p: PatternStep) => p.quantifier.optional;

/** Compiles `pattern` (validating it first; see {@link validatePattern}). */
export function compilePattern(
  pattern: Pattern<any, any, any, any>,
  options?: { boundedInput?: boolean },
): CompiledNFA {
  validatePattern(pattern.step, options?.boundedInput === true);
  return new GraphBuilder(pattern.step).build();
}

class GraphBuilder {
  private readonly states: CompiledState[] = [];
  private readonly stopStates = new Map<string, CompiledState>();
  private readonly firstOfLoop = new Map<PatternStep, boolean>();
  private currentGroup: PatternStep | undefined;
  private current: PatternStep;
  private following: PatternStep | undefined;
  /** For greedy steps with until: the unnarrowed copy of a state narrowed by the greedy step. */
  private readonly originalStates = new Map<CompiledState, CompiledState>();
  private readonly windows = {
    firstAndLast: undefined as number | undefined,
    byName: new Map<string, number>(),
  };
  private readonly last: PatternStep;

  constructor(last: PatternStep) {
    this.current = last;
    this.last = last;
  }

  build(): CompiledNFA {
    collectWindows(this.last, this.windows);
    let sink = this.createState("$final$", FINAL);
    sink = this.createMiddleStates(sink);
    const start = this.convertPattern(sink);
    const stepNames: string[] = [];
    const stepIndex = new Map<string, number>();
    collectNames(this.last, stepNames, stepIndex);
    const previousWindow = new Float64Array(this.states.length).fill(Number.NaN);
    for (const s of this.states) {
      const w = this.windows.byName.get(s.name);
      if (w !== undefined) previousWindow[s.index] = w;
    }
    return {
      states: this.states,
      start,
      stepNames,
      stepIndex,
      windowTime: this.windows.firstAndLast,
      previousWindow,
    };
  }

  private createState(name: string, type: StateType): CompiledState {
    const s: CompiledState = { index: this.states.length, name, type, edges: [] };
    this.states.push(s);
    return s;
  }

  private createStopState(cond: AnyCondition | undefined, name: string): CompiledState {
    let stop = this.stopStates.get(name);
    if (stop === undefined) {
      stop = this.createState(name, STOP);
      stop.edges.push({ action: TAKE, target: stop, cond });
      this.stopStates.set(name, stop);
    }
    return stop;
  }

  /** Conditions of the NOT steps that still apply before the current step (through optional steps). */
  private currentNotConditions(): Array<[AnyCondition | undefined, string]> {
    const result: Array<[AnyCondition | undefined, string]> = [];
    let p = this.current;
    while (p.previous !== undefined && (isOptional(p.previous) || p.previous.kind === "notFollowedBy")) {
      p = p.previous;
      if (p.kind === "notFollowedBy") result.push([this.takeCondition(p), p.name]);
    }
    return result;
  }

  private createMiddleStates(sink: CompiledState): CompiledState {
    let lastSink = sink;
    while (this.current.previous !== undefined) {
      const p = this.current;
      if (p.kind === "notFollowedBy") {
        if (lastSink.type === FINAL) {
          // Fleuve: a trailing notFollowedBy (with a within) waits in a PENDING state that any event
          // matching it kills, and that becomes a match when the within passes (absence fires on time).
          lastSink = this.createPending(p, lastSink.name);
        }
        // Otherwise it becomes stop edges of the following states (see addStopStates).
      } else if (p.kind === "notNext") {
        const notNext = this.createState(p.name, NORMAL);
        const notCond = this.takeCondition(p);
        const stop = this.createStopState(notCond, p.name);
        if (lastSink.type === FINAL)
          notNext.edges.push({ action: IGNORE, target: lastSink, cond: notCondition(notCond) });
        else notNext.edges.push({ action: PROCEED, target: lastSink, cond: notCondition(notCond) });
        notNext.edges.push({ action: PROCEED, target: stop, cond: notCond });
        lastSink = notNext;
      } else {
        lastSink = this.convertPattern(lastSink);
      }
      this.following = this.current;
      this.current = this.current.previous!;
    }
    return lastSink;
  }

  private createPending(p: PatternStep, _sinkName: string): CompiledState {
    const notCond = this.takeCondition(p);
    const pending = this.createState(p.name, PENDING);
    const stop = this.createStopState(notCond, p.name);
    pending.edges.push({ action: PROCEED, target: stop, cond: notCond });
    pending.edges.push({ action: IGNORE, target: pending, cond: notCondition(notCond) });
    return pending;
  }

  private convertPattern(sink: CompiledState): CompiledState {
    const q = this.current.quantifier;
    let lastSink: CompiledState;
    if (q.kind === "looping") {
      this.setFirstOfLoop(false);
      const sinkCopy = this.copyWithoutTransitiveNots(sink);
      const looping = this.createLooping(sinkCopy);
      this.setFirstOfLoop(true);
      lastSink = this.createTimesState(looping, sink, q.from, q.from);
    } else if (q.kind === "times") {
      lastSink = this.createTimesState(sink, sink, q.from, q.to);
    } else {
      lastSink = this.createSingletonState(
        sink,
        sink,
        this.takeCondition(this.current),
        this.ignoreCondition(this.current),
        this.isPatternOptional(this.current),
      );
    }
    this.addStopStates(lastSink);
    return lastSink;
  }

  private copyWithoutTransitiveNots(sink: CompiledState): CompiledState {
    const nots = this.currentNotConditions();
    if (nots.length === 0 || !isOptional(this.current)) return sink;
    const copy = this.createState(sink.name, sink.type);
    for (const e of sink.edges) {
      if (e.action === PROCEED) {
        let target = e.target;
        if (target.type === STOP) {
          if (nots.some(([, name]) => name === target.name)) continue;
        } else {
          target = this.copyWithoutTransitiveNots(target);
        }
        copy.edges.push({ action: e.action, target, cond: e.cond });
      } else {
        copy.edges.push({ action: e.action, target: e.target === sink ? copy : e.target, cond: e.cond });
      }
    }
    return copy;
  }

  private addStopStates(state: CompiledState): void {
    for (const [cond, name] of this.currentNotConditions()) {
      state.edges.push({ action: PROCEED, target: this.createStopState(cond, name), cond });
    }
  }

  private addStopStateToLooping(state: CompiledState): void {
    const f = this.following;
    if (f !== undefined && f.kind === "notFollowedBy") {
      const cond = this.takeCondition(f);
      state.edges.push({ action: PROCEED, target: this.createStopState(cond, f.name), cond });
    }
  }

  private createTimesState(
    sink: CompiledState,
    proceedState: CompiledState,
    from: number,
    to: number,
  ): CompiledState {
    let lastSink = sink;
    this.setFirstOfLoop(false);
    const until = this.current.until;
    const innerIgnore = extendWithUntil(this.innerIgnoreCondition(this.current), until, false);
    const take = extendWithUntil(this.takeCondition(this.current), until, true) as AnyCondition | undefined;
    if (this.current.quantifier.greedy && from !== to) {
      // Greedy (Flink >= 1.13): the state after the step takes nothing the step could take.
      if (until !== undefined) this.originalStates.set(sink, this.copyState(sink));
      narrowByGreedy(sink, take);
    }
    for (let i = from; i < to; i++) {
      lastSink = this.createSingletonState(lastSink, proceedState, take, innerIgnore, true);
      this.addStopStateToLooping(lastSink);
    }
    for (let i = 0; i < from - 1; i++) {
      lastSink = this.createSingletonState(lastSink, undefined, take, innerIgnore, false);
      this.addStopStateToLooping(lastSink);
    }
    this.setFirstOfLoop(true);
    return this.createSingletonState(
      lastSink,
      proceedState,
      take,
      this.ignoreCondition(this.current),
      this.current.quantifier.optional,
    );
  }

  private setFirstOfLoop(first: boolean): void {
    if (this.current.group !== undefined) this.firstOfLoop.set(this.current, first);
  }

  private isCurrentGroupFirstOfLoop(): boolean {
    return this.currentGroup === undefined ? true : (this.firstOfLoop.get(this.currentGroup) ?? true);
  }

  private headOfGroup(p: PatternStep): boolean {
    return this.currentGroup !== undefined && p.previous === undefined;
  }

  private isPatternOptional(p: PatternStep): boolean {
    if (this.headOfGroup(p)) return this.isCurrentGroupFirstOfLoop() && isOptional(this.currentGroup!);
    return isOptional(p);
  }

  private createSingletonState(
    sink: CompiledState,
    proceedState: CompiledState | undefined,
    take: AnyCondition | undefined,
    ignore: MaybeCondition,
    optional: boolean,
  ): CompiledState {
    const p = this.current;
    if (p.group !== undefined) return this.createGroupPatternState(p, sink, proceedState, optional);
    const state = this.createState(p.name, NORMAL);
    // An event taken by an optional step ends the NOT steps before it.
    const sinkCopy = this.copyWithoutTransitiveNots(sink);
    state.edges.push({ action: TAKE, target: sinkCopy, cond: take });
    const proceedCond = this.trueCondition();
    if (optional && !this.headOfGroup(p) && proceedState !== undefined) {
      const until = p.until;
      if (p.quantifier.greedy && until !== undefined) {
        const original = this.originalStates.get(proceedState) ?? proceedState;
        state.edges.push({ action: PROCEED, target: original, cond: andCondition(proceedCond, until) });
        state.edges.push({
          action: PROCEED,
          target: proceedState,
          cond: andCondition(proceedCond, notCondition(until)),
        });
      } else {
        state.edges.push({ action: PROCEED, target: proceedState, cond: proceedCond });
      }
    }
    if (ignore !== null) {
      let ignoreState: CompiledState;
      if (optional) {
        // A separate state without the PROCEED: a run that skipped events can no longer leave
        // through this step's "absent" branch (that branch was taken at the first event).
        ignoreState = this.createState(p.name, NORMAL);
        ignoreState.edges.push({ action: TAKE, target: sinkCopy, cond: take });
        ignoreState.edges.push({ action: IGNORE, target: ignoreState, cond: ignore });
        this.addStopStates(ignoreState);
      } else {
        ignoreState = state;
      }
      state.edges.push({ action: IGNORE, target: ignoreState, cond: ignore });
    }
    return state;
  }

  private createGroupPatternState(
    group: PatternStep,
    sink: CompiledState,
    proceedState: CompiledState | undefined,
    optional: boolean,
  ): CompiledState {
    const proceedCond = this.trueCondition();
    const saved = this.save();
    this.currentGroup = group;
    this.current = group.group!;
    const innerSink = this.withTrailingNots(group, sink);
    let lastSink = this.createMiddleStates(innerSink);
    lastSink = this.convertPattern(lastSink);
    if (optional && proceedState !== undefined)
      lastSink = addProceedToGroupHead(this, lastSink, proceedState, proceedCond);
    this.restore(saved);
    return lastSink;
  }

  private createLoopingGroupPatternState(group: PatternStep, sink: CompiledState): CompiledState {
    const proceedCond = this.trueCondition();
    const saved = this.save();
    const dummy = this.createState(group.name, NORMAL);
    this.currentGroup = group;
    this.current = group.group!;
    const exitSink = this.withTrailingNots(group, sink);
    const trailing = exitSink !== sink;
    if (trailing) this.addTrailingNotStops(group, dummy);
    let lastSink = this.createMiddleStates(dummy);
    lastSink = this.convertPattern(lastSink);
    if (trailing) this.addTrailingNotStops(group, lastSink);
    // Fleuve fix: Flink adds this PROCEED to the head that also IGNOREs events, so a run that skipped
    // events could still leave the loop: `next` after a looping group was not strict, and each
    // skipped event made one more copy of the same match. Here only the head reached right after an
    // iteration may leave the loop.
    lastSink = addProceedToGroupHead(this, lastSink, exitSink, proceedCond);
    dummy.edges.push({ action: PROCEED, target: lastSink, cond: proceedCond });
    this.restore(saved);
    return lastSink;
  }

  /** The group's trailing notFollowedBy steps (Flink drops them: a bug). */
  private trailingNots(group: PatternStep): PatternStep[] {
    const nots: PatternStep[] = [];
    for (
      let p: PatternStep | undefined = group.group;
      p !== undefined && p.kind === "notFollowedBy";
      p = p.previous
    )
      nots.push(p);
    return nots;
  }

  /**
   * Fleuve fix: a notFollowedBy at the end of a group forbids its events between the group's last
   * event and the next step's. The states the run waits in after the group get its stop edges.
   */
  private withTrailingNots(group: PatternStep, sink: CompiledState): CompiledState {
    const nots = this.trailingNots(group);
    if (nots.length === 0) return sink;
    if (sink.type === FINAL) return this.createPending(nots[0]!, sink.name);
    const copy = this.copyState(sink);
    this.addTrailingNotStops(group, copy);
    // The copy's IGNORE targets (an optional step's separate ignore state) need them too.
    for (const e of copy.edges) {
      if (e.action === IGNORE && e.target !== copy && e.target.type === NORMAL) {
        const t = e.target;
        if (
          !t.edges.some(
            (x) =>
              x.action === PROCEED && x.target.type === STOP && nots.some((n) => n.name === x.target.name),
          )
        )
          this.addTrailingNotStops(group, t);
      }
    }
    return copy;
  }

  private addTrailingNotStops(group: PatternStep, state: CompiledState): void {
    for (const n of this.trailingNots(group)) {
      const cond = this.takeCondition(n);
      state.edges.push({ action: PROCEED, target: this.createStopState(cond, n.name), cond });
    }
  }

  private createLooping(sink: CompiledState): CompiledState {
    const p = this.current;
    if (p.group !== undefined) return this.createLoopingGroupPatternState(p, sink);
    const until = p.until;
    const ignore = extendWithUntil(this.innerIgnoreCondition(p), until, false);
    const take = extendWithUntil(this.takeCondition(p), until, true) as AnyCondition | undefined;
    const proceedCond = this.trueCondition();
    const looping = this.createState(p.name, NORMAL);
    if (p.quantifier.greedy) {
      // Greedy (Flink >= 1.13): the state after the loop takes nothing the loop could take; with
      // until, an event matching it leaves to an unnarrowed copy.
      if (until !== undefined) {
        const copy = this.copyState(sink);
        looping.edges.push({ action: PROCEED, target: copy, cond: andCondition(proceedCond, until) });
        this.originalStates.set(sink, copy);
        looping.edges.push({
          action: PROCEED,
          target: sink,
          cond: andCondition(proceedCond, notCondition(until)),
        });
      } else {
        looping.edges.push({ action: PROCEED, target: sink, cond: proceedCond });
      }
      narrowByGreedy(sink, this.takeCondition(p));
    } else {
      looping.edges.push({ action: PROCEED, target: sink, cond: proceedCond });
    }
    looping.edges.push({ action: TAKE, target: looping, cond: take });
    this.addStopStateToLooping(looping);
    if (ignore !== null) {
      const ignoreState = this.createState(p.name, NORMAL);
      ignoreState.edges.push({ action: TAKE, target: looping, cond: take });
      ignoreState.edges.push({ action: IGNORE, target: ignoreState, cond: ignore });
      looping.edges.push({ action: IGNORE, target: ignoreState, cond: ignore });
      this.addStopStateToLooping(ignoreState);
    }
    return looping;
  }

  private innerIgnoreCondition(p: PatternStep): MaybeCondition {
    let strategy: Contiguity = p.quantifier.inner;
    if (this.headOfGroup(p)) strategy = this.currentGroup!.quantifier.inner;
    let ignore = ignoreFor(strategy, p.condition);
    if (this.currentGroup?.until !== undefined)
      ignore = extendWithUntil(ignore, this.currentGroup.until, false);
    return ignore;
  }

  private ignoreCondition(p: PatternStep): MaybeCondition {
    let strategy: Contiguity = p.contiguity;
    if (this.headOfGroup(p))
      strategy = this.isCurrentGroupFirstOfLoop()
        ? this.currentGroup!.contiguity
        : this.currentGroup!.quantifier.inner;
    let ignore = ignoreFor(strategy, p.condition);
    if (this.currentGroup?.until !== undefined)
      ignore = extendWithUntil(ignore, this.currentGroup.until, false);
    return ignore;
  }

  private takeCondition(p: PatternStep): AnyCondition | undefined {
    if (this.currentGroup?.until !== undefined)
      return extendWithUntil(p.condition, this.currentGroup.until, true) as AnyCondition | undefined;
    return p.condition;
  }

  private trueCondition(): AnyCondition | undefined {
    if (this.currentGroup?.until !== undefined) return notCondition(this.currentGroup.until);
    return undefined;
  }

  private save() {
    return { current: this.current, following: this.following, currentGroup: this.currentGroup };
  }

  private restore(s: ReturnType<GraphBuilder["save"]>): void {
    this.current = s.current;
    this.following = s.following;
    this.currentGroup = s.currentGroup;
  }

  /** A copy of `state` (its self-loops loop on the copy). */
  copyState(state: CompiledState): CompiledState {
    const copy = this.createState(state.name, state.type);
    for (const e of state.edges)
      copy.edges.push({ action: e.action, target: e.target === state ? copy : e.target, cond: e.cond });
    return copy;
  }
}

/**
 * Adds the PROCEED that leaves a group to the group's head state. When the head also IGNOREs
 * events into itself, that self-loop goes to a copy without the PROCEED: only a run that has
 * just completed an iteration (or just entered an optional group) may leave (Fleuve fix; Flink
 * keeps the PROCEED on the self-loop, making `next` after the group relaxed).
 */
function addProceedToGroupHead(
  builder: GraphBuilder,
  head: CompiledState,
  target: CompiledState,
  cond: AnyCondition | undefined,
): CompiledState {
  const selfIgnore = head.edges.findIndex((e) => e.action === IGNORE && e.target === head);
  if (selfIgnore >= 0) {
    const copy = builder.copyState(head);
    const old = head.edges[selfIgnore]!;
    head.edges[selfIgnore] = { action: IGNORE, target: copy, cond: old.cond };
  }
  head.edges.push({ action: PROCEED, target, cond });
  return head;
}

function ignoreFor(strategy: Contiguity, condition: AnyCondition | undefined): MaybeCondition {
  switch (strategy) {
    case "strict":
      return null;
    case "relaxed":
      return notCondition(condition);
    case "any":
      return undefined;
  }
}

function extendWithUntil(
  cond: MaybeCondition,
  until: AnyCondition | undefined,
  isTake: boolean,
): MaybeCondition {
  if (until !== undefined && cond !== null)
    return andCondition(notCondition(until), cond) ?? notCondition(until);
  if (until !== undefined && isTake) return notCondition(until);
  return cond;
}

/** A greedy step's successor takes, ignores and proceeds only on events the step would not take. */
function narrowByGreedy(state: CompiledState, take: AnyCondition | undefined): void {
  const notTake = notCondition(take);
  for (const e of state.edges) e.cond = andCondition(e.cond, notTake);
}

function collectWindows(
  last: PatternStep,
  into: { firstAndLast: number | undefined; byName: Map<string, number> },
): void {
  for (let p: PatternStep | undefined = last; p !== undefined; p = p.previous) {
    if (p.withinFirstAndLast !== undefined)
      into.firstAndLast =
        into.firstAndLast === undefined
          ? p.withinFirstAndLast
          : Math.min(into.firstAndLast, p.withinFirstAndLast);
    if (p.withinPreviousAndCurrent !== undefined) into.byName.set(p.name, p.withinPreviousAndCurrent);
    if (p.group !== undefined) collectWindows(p.group, into);
  }
}

function collectNames(last: PatternStep, names: string[], index: Map<string, number>): void {
  const chain: PatternStep[] = [];
  for (let p: PatternStep | undefined = last; p !== undefined; p = p.previous) chain.push(p);
  for (let i = chain.length - 1; i >= 0; i--) {
    const p = chain[i]!;
    if (p.group !== undefined) collectNames(p.group, names, index);
    else if (p.kind === "positive" && !index.has(p.name)) {
      index.set(p.name, names.length);
      names.push(p.name);
    }
  }
}

/** Every step of the pattern, groups flattened, first step first. */
function allSteps(last: PatternStep, out: PatternStep[] = []): PatternStep[] {
  const chain: PatternStep[] = [];
  for (let p: PatternStep | undefined = last; p !== undefined; p = p.previous) chain.push(p);
  for (let i = chain.length - 1; i >= 0; i--) {
    const p = chain[i]!;
    if (p.group !== undefined) allSteps(p.group, out);
    out.push(p);
  }
  return out;
}

/**
 * The build-time checks: names unique, the skip strategy's step exists, a trailing notFollowedBy has
 * a within, no relaxed loop grows without bound, no step makes the pattern unmatchable.
 */
export function validatePattern(last: PatternStep, boundedInput: boolean): void {
  const steps = allSteps(last);
  const seen = new Set<string>();
  for (const s of steps) {
    if (s.group !== undefined) continue;
    if (seen.has(s.name))
      throw invalid(s.name, "step names must be unique within a pattern; rename one of them");
    seen.add(s.name);
  }
  const windows = { firstAndLast: undefined as number | undefined, byName: new Map<string, number>() };
  collectWindows(last, windows);
  const skip = last.skip;
  if ((skip.kind === "SKIP_TO_FIRST" || skip.kind === "SKIP_TO_LAST") && skip.stepName !== undefined) {
    const target = steps.find((s) => s.name === skip.stepName && s.group === undefined);
    if (target === undefined)
      throw invalid(
        skip.stepName,
        `the skip strategy ${skip.kind} names a step the pattern does not have; name one of: ${[...seen].join(", ")}`,
      );
    if (target.kind !== "positive")
      throw invalid(
        skip.stepName,
        `the skip strategy ${skip.kind} names a negative step, which never has events`,
      );
  }
  for (const [name, w] of windows.byName) {
    if (windows.firstAndLast !== undefined && w > windows.firstAndLast)
      throw invalid(
        name,
        `its PREVIOUS_AND_CURRENT within (${w} ms) exceeds the pattern's FIRST_AND_LAST within (${windows.firstAndLast} ms); make it smaller`,
      );
  }
  // A pattern ending with notFollowedBy (possibly at the end of a group) needs a within to end.
  const endsWithNot = (p: PatternStep): PatternStep | undefined =>
    p.kind === "notFollowedBy"
      ? p
      : p.group !== undefined && p.group.kind === "notFollowedBy"
        ? p.group
        : undefined;
  const trailingNot = endsWithNot(last);
  if (
    trailingNot !== undefined &&
    windows.firstAndLast === undefined &&
    !windows.byName.has(trailingNot.name)
  )
    throw invalid(
      trailingNot.name,
      "a notFollowedBy at the end of a pattern needs a within(): the match is emitted when that time passes",
    );
  const positives = steps.filter((s) => s.kind === "positive" && s.group === undefined);
  if (positives.length === 0) throw invalid(last.name, "a pattern needs at least one positive step");
  for (const s of steps) {
    if (s.kind !== "positive" && s.condition === undefined)
      throw invalid(
        s.name,
        `a ${s.kind} step without where() forbids every event, so the pattern can never match; give it a condition`,
      );
    if (s.condition === NEVER)
      throw invalid(s.name, "the step's condition never holds; the pattern can never match");
  }
  if (!boundedInput) {
    for (const s of steps) {
      const q = s.quantifier;
      if (q.kind !== "looping" || q.inner === "strict" || s.until !== undefined) continue;
      if (windows.firstAndLast !== undefined || windows.byName.has(s.name)) continue;
      throw invalid(
        s.name,
        `a ${q.inner === "any" ? "allowCombinations" : "relaxed"} loop with no within() and no until() keeps its ` +
          "partial matches forever on an unbounded stream; add within(), until(), or consecutive()",
      );
    }
  }
}
