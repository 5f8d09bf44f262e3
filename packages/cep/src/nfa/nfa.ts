/**
 * The NFA that runs a compiled pattern for one key, with Flink CEP's semantics, over a
 * {@link NFAState} that the caller keeps (one per key, in keyed state). The operator feeds it the
 * key's events in timestamp order and advances its time (watermark or processing time).
 *
 * It follows Flink's NFA step for step (the same graph, the same transitions, partial and completed
 * matches in the same priority-queue layout), so it emits the same matches in the same order.
 * Beyond Flink: identical partial matches are kept once (Flink can hold and emit the same match once
 * per path that reached it); a timed-out partial match is reported once; a trailing notFollowedBy
 * completes when its within passes, without waiting for an event; a per-key limit drops the oldest
 * partial matches; events live once in a reference-counted shared buffer.
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
import { type Columns, heapOffer, heapPoll, heapRemoveIf, heapSize } from "./run-heap.js";
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

/**
 * The sort key of the start run (the run waiting in the start state, always present): after every
 * partial match, as in Flink (whose start state has no start event).
 */
const START_KEY = Number.MAX_SAFE_INTEGER;

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
  private readonly startIndex: number;
  private readonly stepNames: string[];
  private readonly skip: AfterMatchSkipStrategy;
  private readonly maxPartial: number;
  private readonly firstLastWindow: number;
  private readonly previousWindow: Float64Array;
  private readonly hasPreviousWindows: boolean;
  /** States whose runs complete (rather than time out) when their within passes. */
  private readonly completesOnTimeout: Uint8Array;
  private readonly stepIndexOf: Int32Array;
  private readonly ctx: RunContext;
  // Scratch space reused by every call (no allocation per event in the common case).
  private readonly next: Columns = { cols: [[], [], [], []], key: 3 };
  private readonly runs: Columns = { cols: [[], [], [], []], key: 3 };
  private readonly matches: Columns = { cols: [[], []], key: 1 };
  private readonly done: Columns = { cols: [[], []], key: 1 };
  private readonly row: number[] = [0, 0, 0, 0];
  private readonly row2: number[] = [0, 0];
  private readonly seen = new Set<number>();
  private readonly consed = new Map<number, number>();
  private readonly created: number[] = [];
  private readonly stack: CompiledState[] = [];
  private readonly edgeBuf: number[] = []; // pairs: state index, edge index
  private readonly succState: number[] = [];
  private readonly succNode: number[] = [];
  private readonly matchSeen = new Set<number>();
  private curEvent: T | undefined;
  private curTs = 0;
  private curSeq = 0;
  private curSlot = -1;

  private constructor(graph: CompiledNFA, skip: AfterMatchSkipStrategy, options: NFAOptions | undefined) {
    this.graph = graph;
    this.states = graph.states;
    this.startIndex = graph.start.index;
    this.stepNames = graph.stepNames;
    this.skip = skip;
    const max = options?.maxPartialMatches;
    if (max !== undefined && (!Number.isInteger(max) || max < 1))
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `maxPartialMatches must be an integer >= 1, got ${max}`,
        {
          details: { option: "maxPartialMatches" },
        },
      );
    this.maxPartial = max ?? Number.POSITIVE_INFINITY;
    this.firstLastWindow = graph.windowTime ?? Number.NaN;
    this.previousWindow = graph.previousWindow;
    let smallestPrevious: number | undefined;
    for (const w of graph.previousWindow)
      if (!Number.isNaN(w))
        smallestPrevious = smallestPrevious === undefined ? w : Math.min(smallestPrevious, w);
    this.hasPreviousWindows = smallestPrevious !== undefined;
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
    const s = emptyState<T>();
    s.runState.push(this.startIndex);
    s.runNode.push(-1);
    s.runStartTs.push(0);
    s.runStartSeq.push(START_KEY);
    return s;
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
    clearColumns(this.next);
    clearColumns(this.matches);

    // Flink's doProcess: every run in the queue's array order; successors go into a new queue.
    const n = state.runState.length;
    for (let i = 0; i < n; i++) {
      const node = state.runNode[i]!;
      if (node < 0) {
        // The start run: it may start partial matches, and always stays (after its successors).
        if (startNew) this.advanceRun(state, this.startIndex, -1, timestamp, this.curSeq, true);
        this.offerNext(this.startIndex, -1, 0, START_KEY);
      } else {
        this.advanceRun(state, state.runState[i]!, node, state.runStartTs[i]!, state.runStartSeq[i]!, false);
      }
    }
    // Successors hold their nodes now; the old runs let go of theirs.
    for (let i = 0; i < n; i++) release(state, state.runNode[i]!);
    copyColumns(this.next, state);

    if (heapSize(this.matches) > 0 || state.doneNode.length > 0) this.emitMatches(state, out);
    // Nodes made for this event that no run nor match kept (e.g. on a discarded path).
    for (const node of this.created) freeIfUnused(state, node);
    if (state.runState.length - 1 > this.maxPartial) this.enforceLimit(state, out);
    this.curEvent = undefined;
    state.deadline = this.computeDeadline(state);
  }

  /**
   * Time (watermark or processing time) reached `time`: times out partial matches whose within
   * passed, and completes matches ending in notFollowedBy whose within passed.
   */
  advanceTime(state: NFAState<T>, time: number, out: NFAOutput<T>): void {
    if (state.deadline === null || state.deadline > time) return;
    this.ctx.state = state;
    clearColumns(this.next);
    clearColumns(this.matches);
    this.matchSeen.clear();
    let timedOutNodes: number[] | undefined;
    let timedOutAt: number[] | undefined;
    const n = state.runState.length;
    for (let i = 0; i < n; i++) {
      const st = state.runState[i]!;
      const node = state.runNode[i]!;
      const startTs = state.runStartTs[i]!;
      const startSeq = state.runStartSeq[i]!;
      if (node < 0) {
        this.offerNext(st, node, startTs, startSeq);
        continue;
      }
      const first = Number.isNaN(this.firstLastWindow)
        ? Number.POSITIVE_INFINITY
        : startTs + this.firstLastWindow;
      const pw = this.previousWindow[st]!;
      const previous = Number.isNaN(pw)
        ? Number.POSITIVE_INFINITY
        : state.eventTs[state.nodeEvent[node]!]! + pw;
      if (first > time && previous > time) {
        this.offerNext(st, node, startTs, startSeq);
        continue;
      }
      if (this.completesOnTimeout[st] === 1) {
        this.addMatch(state, node, startSeq);
        release(state, node);
      } else {
        // Reported below, then released (the report reads the node's events).
        timedOutNodes ??= [];
        timedOutAt ??= [];
        timedOutNodes.push(node);
        timedOutAt.push(previous <= time ? previous : first);
      }
    }
    copyColumns(this.next, state);
    if (timedOutNodes !== undefined) {
      // One report per partial match, however many NFA states held it (Flink reports it once per
      // state), and none for a partial match that completed or still waits in another state.
      let alive: Set<number> | undefined;
      const reported = new Set<number>();
      for (let i = 0; i < timedOutNodes.length; i++) {
        const node = timedOutNodes[i]!;
        if (reported.has(node) || this.matchSeen.has(node)) continue;
        alive ??= new Set(state.runNode);
        if (alive.has(node)) continue;
        reported.add(node);
        out.timedOut(materialize(state, node, this.stepNames), timedOutAt![i]!);
      }
      for (const node of timedOutNodes) release(state, node);
    }
    if (heapSize(this.matches) > 0 || state.doneNode.length > 0) this.emitMatches(state, out);
    state.deadline = this.computeDeadline(state);
  }

  /** The earliest time at which advanceTime would change something (a deadline), else undefined. */
  nextDeadline(state: NFAState<T>): number | undefined {
    return state.deadline ?? undefined;
  }

  /** True when nothing is pending (no partial match, no buffered event): the key's state may be released. */
  isEmpty(state: NFAState<T>): boolean {
    return state.runState.length <= 1 && state.doneNode.length === 0;
  }

  /** Number of partial matches held (one per NFA state a partial match waits in). */
  partialMatches(state: NFAState<T>): number {
    return state.runState.length - 1;
  }

  /** Number of events in the key's shared buffer. */
  bufferedEvents(state: NFAState<T>): number {
    return liveEvents(state);
  }

  // ---- internals --------------------------------------------------------------------------------

  private offerNext(st: number, node: number, startTs: number, startSeq: number): void {
    const row = this.row;
    row[0] = st;
    row[1] = node;
    row[2] = startTs;
    row[3] = startSeq;
    heapOffer(this.next, row);
  }

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
          if (edge.target.type === STOP) discard = true;
          else stack.push(edge.target);
        } else {
          edges.push(s.index, e);
        }
      }
    }
    if (edges.length === 0) return;
    const succState = this.succState;
    const succNode = this.succNode;
    succState.length = 0;
    succNode.length = 0;
    const seq = isStart ? this.curSeq : startSeq;
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
        if (target.type === FINAL) this.addMatch(state, newNode, seq);
        else {
          succState.push(target.index);
          succNode.push(newNode);
          if (this.reachesFinal(target)) this.addMatch(state, newNode, seq);
        }
      }
    }
    if (discard) return; // a NOT step's event: the whole path ends (its matches above still count)
    const ts = isStart ? this.curTs : startTs;
    const nStates = this.states.length;
    for (let k = 0; k < succState.length; k++) {
      const st = succState[k]!;
      const nd = succNode[k]!;
      const key = nd * nStates + st;
      if (this.seen.has(key)) continue; // the same partial match at the same state: keep it once
      this.seen.add(key);
      state.nodeRefs[nd]!++;
      this.offerNext(st, nd, ts, seq);
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

  /** True when `s` reaches FINAL through PROCEED edges that hold now (Flink's findFinalStateAfterProceed). */
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
    if (this.matchSeen.has(node)) return; // the same match reached twice: emit it once
    this.matchSeen.add(node);
    state.nodeRefs[node]!++;
    const row = this.row2;
    row[0] = node;
    row[1] = startSeq;
    heapOffer(this.matches, row);
  }

  /**
   * Emits this call's matches as Flink's processMatchesAccordingToSkipStrategy does: they join the
   * queue of completed matches, which is drained smallest first; with a skip strategy a match waits
   * while a partial match that started earlier may still complete, and each emitted match prunes
   * partial and waiting matches per the strategy.
   */
  private emitMatches(state: NFAState<T>, out: NFAOutput<T>): void {
    const [nodes, starts] = this.matches.cols as [number[], number[]];
    const done = this.done;
    done.cols[0] = state.doneNode;
    done.cols[1] = state.doneStartSeq;
    const row = this.row2;
    for (let i = 0; i < nodes.length; i++) {
      row[0] = nodes[i]!;
      row[1] = starts[i]!;
      heapOffer(done, row);
    }
    clearColumns(this.matches);
    const skipping = this.skip.kind !== "NO_SKIP";
    const runs = this.bindRuns(state);
    while (state.doneNode.length > 0) {
      if (skipping && state.doneStartSeq[0]! > state.runStartSeq[0]!) break;
      heapPoll(done, row);
      const node = row[0]!;
      const bound = skipping ? this.pruningBound(state, node) : undefined;
      if (bound !== undefined) {
        heapRemoveIf(runs, (i) => {
          if (state.runStartSeq[i]! >= bound) return false;
          release(state, state.runNode[i]!);
          return true;
        });
        heapRemoveIf(done, (i) => {
          if (state.doneStartSeq[i]! >= bound) return false;
          release(state, state.doneNode[i]!);
          return true;
        });
      }
      out.match(materialize(state, node, this.stepNames));
      release(state, node);
    }
  }

  private bindRuns(state: NFAState<T>): Columns {
    const c = this.runs;
    c.cols[0] = state.runState;
    c.cols[1] = state.runNode;
    c.cols[2] = state.runStartTs;
    c.cols[3] = state.runStartSeq;
    return c;
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

  /** Drops the oldest partial matches beyond the limit, reporting each once, when its last run goes. */
  private enforceLimit(state: NFAState<T>, out: NFAOutput<T>): void {
    const runs = this.bindRuns(state);
    const row = this.row;
    while (state.runState.length - 1 > this.maxPartial) {
      heapPoll(runs, row);
      const node = row[1]!;
      if (!state.runNode.includes(node)) out.dropped(materialize(state, node, this.stepNames));
      release(state, node);
    }
  }

  private computeDeadline(state: NFAState<T>): number | null {
    if (this.windowTime === undefined) return null;
    const n = state.runState.length;
    if (!this.hasPreviousWindows) {
      // The queue's head is the run with the oldest first event: it times out first.
      return state.runNode[0]! < 0 ? null : state.runStartTs[0]! + this.firstLastWindow;
    }
    let d = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const node = state.runNode[i]!;
      if (node < 0) continue;
      if (!Number.isNaN(this.firstLastWindow)) d = Math.min(d, state.runStartTs[i]! + this.firstLastWindow);
      const pw = this.previousWindow[state.runState[i]!]!;
      if (!Number.isNaN(pw)) d = Math.min(d, state.eventTs[state.nodeEvent[node]!]! + pw);
    }
    return d === Number.POSITIVE_INFINITY ? null : d;
  }
}

function clearColumns(c: Columns): void {
  for (const col of c.cols) col.length = 0;
}

/** Copies the run columns `from` into the state's run arrays. */
function copyColumns(from: Columns, state: NFAState<any>): void {
  copyInto(state.runState, from.cols[0]!);
  copyInto(state.runNode, from.cols[1]!);
  copyInto(state.runStartTs, from.cols[2]!);
  copyInto(state.runStartSeq, from.cols[3]!);
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
