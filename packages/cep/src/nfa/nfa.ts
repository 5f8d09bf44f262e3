/**
 * The NFA that runs a compiled pattern for one key, with Flink CEP's semantics, over a
 * {@link NFAState} that the caller keeps (one per key, in keyed state). The operator feeds it the
 * key's events in timestamp order and advances its time (watermark or processing time).
 *
 * Beyond Flink: identical partial matches are kept once (Flink can hold and emit the same match once
 * per path that reached it); a timed-out partial match is reported once; a trailing notFollowedBy
 * completes when its within passes; a per-key limit drops the oldest partial matches.
 */
import { FleuveError } from "@fleuve/core";
import type { AfterMatchSkipStrategy } from "../after-match-skip.js";
import type { ConditionContext } from "../conditions.js";
import type { Pattern } from "../pattern.js";
import {
  type CompiledNFA,
  type CompiledState,
  compilePattern,
  FINAL,
  IGNORE,
  PENDING,
  PROCEED,
  STOP,
  TAKE,
} from "./compiler.js";
import {
  addEvent,
  addNode,
  emptyState,
  freeIfUnused,
  liveEvents,
  materialize,
  type NFAState,
  release,
} from "./shared-buffer.js";

export type { NFAState } from "./shared-buffer.js";

/** Where the NFA reports what happened. */
export interface NFAOutput<T> {
  /** A complete match: step name -> the events it matched, in order. */
  match(match: Record<string, T[]>): void;
  /** A partial match whose `within` passed, with the events matched so far and the time-out timestamp. */
  timedOut(partial: Record<string, T[]>, timeoutTimestamp: number): void;
  /** A partial match dropped by the per-key limit (oldest first). */
  dropped(partial: Record<string, T[]>): void;
}

/** Options of {@link NFA.compile}. */
export interface NFAOptions {
  /** Per-key limit on partial matches (default: none); the oldest are dropped beyond it. */
  maxPartialMatches?: number;
  /**
   * The input is bounded (a file, a test): a relaxed loop without within() or until() is then
   * allowed, since it cannot grow for ever. Default false: such a pattern is refused.
   */
  boundedInput?: boolean;
}

/** The condition context: reads the current run's matched events from the shared buffer. */
class RunContext implements ConditionContext<any> {
  state!: NFAState<any>;
  node = -1;
  timestamp = 0;
  constructor(private readonly stepIndex: Map<string, number>) {}

  eventsOf(name: string): any[] {
    const step = this.stepIndex.get(name);
    const out: any[] = [];
    if (step === undefined) return out;
    const s = this.state;
    for (let p = this.node; p >= 0; p = s.nodePrev[p]!) {
      if (s.nodeStep[p] === step) out.push(s.events[s.nodeEvent[p]!]);
    }
    return out.reverse();
  }
}

/** A compiled pattern, ready to run over any number of keys' states. */
export class NFA<T> {
  /** The pattern's within in ms (FIRST_AND_LAST; else the smallest PREVIOUS_AND_CURRENT), or undefined. */
  readonly windowTime: number | undefined;
  private readonly graph: CompiledNFA;
  private readonly states: CompiledState[];
  private readonly stepNames: string[];
  private readonly skip: AfterMatchSkipStrategy;
  private readonly maxPartial: number;
  private readonly firstLastWindow: number;
  private readonly previousWindow: Float64Array;
  /** States whose runs complete (rather than time out) when their within passes. */
  private readonly completesOnTimeout: Uint8Array;
  private readonly stepIndexOf: Int32Array;
  private readonly ctx: RunContext;
  // Scratch space reused by every call (no allocation per event in the common case).
  private readonly nextState: number[] = [];
  private readonly nextNode: number[] = [];
  private readonly nextStartTs: number[] = [];
  private readonly nextStartSeq: number[] = [];
  private readonly seen = new Set<number>();
  private readonly consed = new Map<number, number>();
  private readonly created: number[] = [];
  private readonly stack: CompiledState[] = [];
  private readonly edgeBuf: number[] = []; // pairs: state index, edge index
  private readonly runSuccState: number[] = [];
  private readonly runSuccNode: number[] = [];
  private readonly matchNode: number[] = [];
  private readonly matchStartSeq: number[] = [];
  private readonly matchSeen = new Set<number>();
  private curEvent: T | undefined;
  private curTs = 0;
  private curSeq = 0;
  private curSlot = -1;

  private constructor(graph: CompiledNFA, skip: AfterMatchSkipStrategy, options: NFAOptions | undefined) {
    this.graph = graph;
    this.states = graph.states;
    this.stepNames = graph.stepNames;
    this.skip = skip;
    const max = options?.maxPartialMatches;
    if (max !== undefined && (!Number.isInteger(max) || max < 1))
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `maxPartialMatches must be an integer >= 1, got ${max}`,
        { details: { option: "maxPartialMatches" } },
      );
    this.maxPartial = max ?? Number.POSITIVE_INFINITY;
    this.firstLastWindow = graph.windowTime ?? Number.NaN;
    this.previousWindow = graph.previousWindow;
    let smallestPrevious: number | undefined;
    for (const w of graph.previousWindow)
      if (!Number.isNaN(w))
        smallestPrevious = smallestPrevious === undefined ? w : Math.min(smallestPrevious, w);
    this.windowTime = graph.windowTime ?? smallestPrevious;
    this.completesOnTimeout = new Uint8Array(this.states.length);
    for (const s of this.states) if (reachesPendingFreely(s)) this.completesOnTimeout[s.index] = 1;
    this.stepIndexOf = new Int32Array(this.states.length).fill(-1);
    for (const s of this.states) this.stepIndexOf[s.index] = graph.stepIndex.get(s.name) ?? -1;
    this.ctx = new RunContext(graph.stepIndex);
  }

  /** Compiles a pattern; a bad pattern throws FleuveError("FLEUVE_CONFIG_INVALID", ...) naming the step and what to change. */
  static compile<T>(pattern: Pattern<T, any, any, any>, options?: NFAOptions): NFA<T> {
    const graph = compilePattern(pattern, { boundedInput: options?.boundedInput === true });
    return new NFA<T>(graph, pattern.step.skip, options);
  }

  /** A key's fresh state: plain data, mutated in place by {@link process} and {@link advanceTime}. */
  createState(): NFAState<T> {
    return emptyState<T>();
  }

  /**
   * One event of the key, in order (the operator sorts by event time before calling). With
   * `startNew` false, the event continues the existing partial matches but starts none (a pattern
   * version being replaced finishes what it started).
   */
  process(state: NFAState<T>, event: T, timestamp: number, out: NFAOutput<T>, startNew = true): void {
    if (state.deadline !== null && state.deadline <= timestamp) this.advanceTime(state, timestamp, out);
    this.ctx.state = state;
    this.ctx.timestamp = timestamp;
    this.curEvent = event;
    this.curTs = timestamp;
    this.curSeq = state.seq++;
    this.curSlot = -1;
    this.consed.clear();
    this.seen.clear();
    this.matchSeen.clear();
    this.created.length = 0;
    this.nextState.length = 0;
    this.nextNode.length = 0;
    this.nextStartTs.length = 0;
    this.nextStartSeq.length = 0;
    this.matchNode.length = 0;
    this.matchStartSeq.length = 0;

    const n = state.runState.length;
    for (let i = 0; i < n; i++)
      this.advanceRun(
        state,
        state.runState[i]!,
        state.runNode[i]!,
        state.runStartTs[i]!,
        state.runStartSeq[i]!,
        false,
      );
    // The start state always stays, and its runs begin at this event (the newest: they sort last).
    if (startNew) this.advanceRun(state, this.graph.start.index, -1, timestamp, this.curSeq, true);

    // Successors hold their nodes now; the old runs let go of theirs.
    for (let i = 0; i < n; i++) release(state, state.runNode[i]!);
    copyInto(state.runState, this.nextState);
    copyInto(state.runNode, this.nextNode);
    copyInto(state.runStartTs, this.nextStartTs);
    copyInto(state.runStartSeq, this.nextStartSeq);

    if (this.matchNode.length > 0) this.emitMatches(state, out);
    // Nodes made for this event that no run nor match kept (e.g. on a discarded path).
    for (const node of this.created) freeIfUnused(state, node);
    if (state.runState.length > this.maxPartial) this.enforceLimit(state, out);
    this.curEvent = undefined;
    state.deadline = this.computeDeadline(state);
  }

  /**
   * Time (watermark or processing time) reached `time`: times out partial matches whose within
   * passed, and completes matches ending in notFollowedBy whose within passed.
   */
  advanceTime(state: NFAState<T>, time: number, out: NFAOutput<T>): void {
    if (state.deadline === null || state.deadline > time) return;
    this.matchNode.length = 0;
    this.matchStartSeq.length = 0;
    this.matchSeen.clear();
    const timedOutNodes: number[] = [];
    const timedOutAt: number[] = [];
    let w = 0;
    const n = state.runState.length;
    for (let i = 0; i < n; i++) {
      const st = state.runState[i]!;
      const node = state.runNode[i]!;
      const deadline = this.runDeadline(state, st, node, state.runStartTs[i]!);
      if (deadline <= time) {
        if (this.completesOnTimeout[st] === 1) {
          if (!this.matchSeen.has(node)) {
            this.matchSeen.add(node);
            state.nodeRefs[node]!++;
            this.matchNode.push(node);
            this.matchStartSeq.push(state.runStartSeq[i]!);
          }
          release(state, node);
        } else {
          // Released after the report below, which reads the node's events.
          timedOutNodes.push(node);
          timedOutAt.push(deadline);
        }
        continue;
      }
      state.runState[w] = st;
      state.runNode[w] = node;
      state.runStartTs[w] = state.runStartTs[i]!;
      state.runStartSeq[w] = state.runStartSeq[i]!;
      w++;
    }
    state.runState.length = w;
    state.runNode.length = w;
    state.runStartTs.length = w;
    state.runStartSeq.length = w;
    if (timedOutNodes.length > 0) {
      // One report per partial match, however many NFA states held it (Flink reports it once per
      // state), and none for a partial match that completed or still lives in another state.
      let alive: Set<number> | undefined;
      const reported = new Set<number>();
      for (let i = 0; i < timedOutNodes.length; i++) {
        const node = timedOutNodes[i]!;
        if (reported.has(node) || this.matchSeen.has(node)) continue;
        alive ??= new Set(state.runNode);
        if (alive.has(node)) continue;
        reported.add(node);
        out.timedOut(materialize(state, node, this.stepNames), timedOutAt[i]!);
      }
      for (const node of timedOutNodes) release(state, node);
    }
    if (this.matchNode.length > 0 || state.doneNode.length > 0) this.emitMatches(state, out);
    state.deadline = this.computeDeadline(state);
  }

  /** The earliest time at which advanceTime would change something (a deadline), else undefined. */
  nextDeadline(state: NFAState<T>): number | undefined {
    return state.deadline ?? undefined;
  }

  /** True when nothing is pending (no partial match, no buffered event): the key's state may be released. */
  isEmpty(state: NFAState<T>): boolean {
    return state.runState.length === 0 && state.doneNode.length === 0;
  }

  /** Number of partial matches held (one per NFA state a partial match waits in). */
  partialMatches(state: NFAState<T>): number {
    return state.runState.length;
  }

  /** Number of events in the key's shared buffer. */
  bufferedEvents(state: NFAState<T>): number {
    return liveEvents(state);
  }

  // ---- internals --------------------------------------------------------------------------------

  /**
   * Computes one run's successors for the current event (Flink's computeNextStates): follows PROCEED
   * edges whose condition holds, then applies the TAKE and IGNORE edges that hold.
   */
  private advanceRun(
    state: NFAState<T>,
    stateIdx: number,
    node: number,
    startTs: number,
    startSeq: number,
    isStart: boolean,
  ): void {
    const ctx = this.ctx;
    ctx.node = node;
    const event = this.curEvent;
    const edges = this.edgeBuf;
    edges.length = 0;
    const stack = this.stack;
    stack.length = 0;
    stack.push(this.states[stateIdx]!);
    let discard = false;
    while (stack.length > 0) {
      const s = stack.pop()!;
      const es = s.edges;
      for (let e = 0; e < es.length; e++) {
        const edge = es[e]!;
        if (edge.cond !== undefined && !edge.cond(event, ctx)) continue;
        if (edge.action === PROCEED) {
          const target = edge.target;
          if (target.type === STOP) discard = true;
          else stack.push(target);
        } else {
          edges.push(s.index, e);
        }
      }
    }
    if (edges.length === 0) return;
    const succState = this.runSuccState;
    const succNode = this.runSuccNode;
    succState.length = 0;
    succNode.length = 0;
    for (let k = 0; k < edges.length; k += 2) {
      const source = this.states[edges[k]!]!;
      const edge = source.edges[edges[k + 1]!]!;
      const target = edge.target;
      if (edge.action === IGNORE) {
        if (isStart) continue;
        if (target.type === FINAL) this.addMatch(state, node, startSeq);
        else if (target.type !== STOP) {
          succState.push(target.index);
          succNode.push(node);
        }
      } else if (edge.action === TAKE) {
        if (target.type === STOP) {
          discard = true;
          continue;
        }
        const newNode = this.take(state, this.stepIndexOf[source.index]!, node);
        if (target.type === FINAL) this.addMatch(state, newNode, isStart ? this.curSeq : startSeq);
        else {
          succState.push(target.index);
          succNode.push(newNode);
          if (this.reachesFinal(target)) this.addMatch(state, newNode, isStart ? this.curSeq : startSeq);
        }
      }
    }
    if (discard) return; // a NOT step's event: the whole path ends (its matches above still count)
    const ts = isStart ? this.curTs : startTs;
    const seq = isStart ? this.curSeq : startSeq;
    const nStates = this.states.length;
    for (let k = 0; k < succState.length; k++) {
      const st = succState[k]!;
      const nd = succNode[k]!;
      const key = nd * nStates + st;
      if (this.seen.has(key)) continue; // the same partial match at the same state: keep it once
      this.seen.add(key);
      state.nodeRefs[nd]!++;
      this.nextState.push(st);
      this.nextNode.push(nd);
      this.nextStartTs.push(ts);
      this.nextStartSeq.push(seq);
    }
  }

  /** The node for the current event taken by `step` after `prev`, shared by all runs that make it. */
  private take(state: NFAState<T>, step: number, prev: number): number {
    const key = (prev + 1) * this.stepNames.length + step;
    const existing = this.consed.get(key);
    if (existing !== undefined) return existing;
    if (this.curSlot < 0) this.curSlot = addEvent(state, this.curEvent as T, this.curTs, this.curSeq);
    const node = addNode(state, this.curSlot, step, prev);
    this.consed.set(key, node);
    this.created.push(node);
    return node;
  }

  /** True when `s` can reach FINAL through PROCEED edges that hold now (Flink's findFinalStateAfterProceed). */
  private reachesFinal(s: CompiledState): boolean {
    const stack = this.stack;
    const base = stack.length;
    stack.push(s);
    const event = this.curEvent;
    while (stack.length > base) {
      const cur = stack.pop()!;
      for (const edge of cur.edges) {
        if (edge.action !== PROCEED) continue;
        if (edge.cond !== undefined && !edge.cond(event, this.ctx)) continue;
        if (edge.target.type === FINAL) {
          stack.length = base;
          return true;
        }
        if (edge.target.type !== STOP) stack.push(edge.target);
      }
    }
    return false;
  }

  private addMatch(state: NFAState<T>, node: number, startSeq: number): void {
    if (this.matchSeen.has(node)) return;
    this.matchSeen.add(node);
    state.nodeRefs[node]!++;
    this.matchNode.push(node);
    this.matchStartSeq.push(startSeq);
  }

  /** Emits this call's matches: at once with no skip, else in order of start as Flink does. */
  private emitMatches(state: NFAState<T>, out: NFAOutput<T>): void {
    const nodes = this.matchNode;
    if (this.skip.kind === "NO_SKIP") {
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i]!;
        out.match(materialize(state, node, this.stepNames));
        release(state, node);
      }
      nodes.length = 0;
      this.matchStartSeq.length = 0;
      return;
    }
    // Skip strategies: completed matches wait (in order of their first event) until no partial
    // match that started earlier may still complete; each emitted match prunes per the strategy.
    for (let i = 0; i < nodes.length; i++) {
      const seq = this.matchStartSeq[i]!;
      let at = state.doneNode.length;
      while (at > 0 && state.doneStartSeq[at - 1]! > seq) at--;
      state.doneNode.splice(at, 0, nodes[i]!);
      state.doneStartSeq.splice(at, 0, seq);
    }
    nodes.length = 0;
    this.matchStartSeq.length = 0;
    while (
      state.doneNode.length > 0 &&
      (state.runState.length === 0 || state.doneStartSeq[0]! <= state.runStartSeq[0]!)
    ) {
      const node = state.doneNode.shift()!;
      state.doneStartSeq.shift();
      const pruneBelow = this.pruningBound(state, node);
      if (pruneBelow !== undefined) this.prune(state, pruneBelow);
      out.match(materialize(state, node, this.stepNames));
      release(state, node);
    }
  }

  /**
   * Runs and waiting matches whose first event's sequence number is below the returned bound are
   * discarded after the match ending at `node` (undefined: nothing is).
   */
  private pruningBound(state: NFAState<T>, node: number): number | undefined {
    const skip = this.skip;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    let stepFirst = Number.POSITIVE_INFINITY;
    let stepLast = Number.NEGATIVE_INFINITY;
    const target = skip.stepName === undefined ? -1 : (this.graph.stepIndex.get(skip.stepName) ?? -2);
    for (let p = node; p >= 0; p = state.nodePrev[p]!) {
      const seq = state.eventSeq[state.nodeEvent[p]!]!;
      if (seq < first) first = seq;
      if (seq > last) last = seq;
      if (state.nodeStep[p] === target) {
        if (seq < stepFirst) stepFirst = seq;
        if (seq > stepLast) stepLast = seq;
      }
    }
    switch (skip.kind) {
      case "SKIP_TO_NEXT":
        return first + 1;
      case "SKIP_PAST_LAST_EVENT":
        return last + 1;
      case "SKIP_TO_FIRST":
      case "SKIP_TO_LAST": {
        if (stepFirst === Number.POSITIVE_INFINITY) {
          if (skip.throwOnMiss === true)
            throw new FleuveError(
              "FLEUVE_USER_FUNCTION_FAILED",
              `skip strategy ${skip.kind}("${skip.stepName}"): the match has no event for that step`,
              { details: { step: skip.stepName } },
            );
          return undefined;
        }
        const bound = skip.kind === "SKIP_TO_FIRST" ? stepFirst : stepLast;
        if (skip.throwOnMiss === true && bound === first)
          throw new FleuveError(
            "FLEUVE_USER_FUNCTION_FAILED",
            `skip strategy ${skip.kind}("${skip.stepName}"): it would skip to the match's own first event`,
            { details: { step: skip.stepName } },
          );
        return bound;
      }
      default:
        return undefined;
    }
  }

  private prune(state: NFAState<T>, below: number): void {
    let w = 0;
    const n = state.runState.length;
    for (let i = 0; i < n; i++) {
      if (state.runStartSeq[i]! < below) {
        release(state, state.runNode[i]!);
        continue;
      }
      state.runState[w] = state.runState[i]!;
      state.runNode[w] = state.runNode[i]!;
      state.runStartTs[w] = state.runStartTs[i]!;
      state.runStartSeq[w] = state.runStartSeq[i]!;
      w++;
    }
    state.runState.length = w;
    state.runNode.length = w;
    state.runStartTs.length = w;
    state.runStartSeq.length = w;
    let d = 0;
    for (let i = 0; i < state.doneNode.length; i++) {
      if (state.doneStartSeq[i]! < below) {
        release(state, state.doneNode[i]!);
        continue;
      }
      state.doneNode[d] = state.doneNode[i]!;
      state.doneStartSeq[d] = state.doneStartSeq[i]!;
      d++;
    }
    state.doneNode.length = d;
    state.doneStartSeq.length = d;
  }

  /** Drops the oldest runs beyond the limit, reporting each partial match once when its last run goes. */
  private enforceLimit(state: NFAState<T>, out: NFAOutput<T>): void {
    const excess = state.runState.length - this.maxPartial;
    for (let i = 0; i < excess; i++) {
      const node = state.runNode[i]!;
      let stillHeld = false;
      // Runs of the same partial match share its first event, so they sit next to each other.
      for (let j = i + 1; j < state.runState.length && state.runStartSeq[j] === state.runStartSeq[i]; j++) {
        if (state.runNode[j] === node) {
          stillHeld = true;
          break;
        }
      }
      if (!stillHeld) out.dropped(materialize(state, node, this.stepNames));
      release(state, node);
    }
    state.runState.splice(0, excess);
    state.runNode.splice(0, excess);
    state.runStartTs.splice(0, excess);
    state.runStartSeq.splice(0, excess);
  }

  private runDeadline(state: NFAState<T>, st: number, node: number, startTs: number): number {
    let d = Number.POSITIVE_INFINITY;
    if (!Number.isNaN(this.firstLastWindow)) d = startTs + this.firstLastWindow;
    const pw = this.previousWindow[st]!;
    if (!Number.isNaN(pw) && node >= 0) {
      const prev = state.eventTs[state.nodeEvent[node]!]! + pw;
      if (prev < d) d = prev;
    }
    return d;
  }

  private computeDeadline(state: NFAState<T>): number | null {
    const n = state.runState.length;
    if (n === 0) return null;
    let d = Number.POSITIVE_INFINITY;
    if (this.windowTime === undefined) return null;
    if (!Number.isNaN(this.firstLastWindow) && this.graph.previousWindow.every(Number.isNaN)) {
      // Runs are in order of their first event: the oldest times out first.
      d = state.runStartTs[0]! + this.firstLastWindow;
    } else {
      for (let i = 0; i < n; i++) {
        const r = this.runDeadline(state, state.runState[i]!, state.runNode[i]!, state.runStartTs[i]!);
        if (r < d) d = r;
      }
    }
    return d === Number.POSITIVE_INFINITY ? null : d;
  }
}

function copyInto(target: number[], source: number[]): void {
  const n = source.length;
  target.length = n;
  for (let i = 0; i < n; i++) target[i] = source[i]!;
}

/** True when `s` is PENDING or reaches a PENDING state through unconditional PROCEED edges. */
function reachesPendingFreely(s: CompiledState): boolean {
  const seen = new Set<CompiledState>();
  const stack = [s];
  while (stack.length > 0) {
    const cur = stack.pop()!;
    if (cur.type === PENDING) return true;
    if (seen.has(cur)) continue;
    seen.add(cur);
    for (const e of cur.edges) if (e.action === PROCEED && e.cond === undefined) stack.push(e.target);
  }
  return false;
}
