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
import { type HeapShape, heapOffer, heapPoll, heapRemoveIf } from "./run-heap.js";
import {
  addEvent,
  addNode,
  DONE,
  emptyState,
  freeIfUnused,
  materialize,
  type NFAState,
  NODE,
  nodeSeq,
  nodeTs,
  RUN,
  release,
  retain,
} from "./shared-buffer.js";

export type { NFAState } from "./shared-buffer.js";

const RUN_HEAP: HeapShape = { stride: RUN, key: 3 };
const DONE_HEAP: HeapShape = { stride: DONE, key: 1 };

/** Where the NFA reports what happened. */
export interface NFAOutput<T> {
  /** A complete match: step name -> the events it matched, in order. */
  match(match: Record<string, T[]>): void;
  /** A partial match whose `within` passed, with the events matched so far and the time-out timestamp. */
  timedOut(partial: Record<string, T[]>, timeoutTimestamp: number): void;
  /** A partial match dropped by the per-key limit (oldest first). */
  dropped(partial: Record<string, T[]>): void;
  /**
   * True when {@link timedOut} discards what it is given (no side output for time-outs): the NFA
   * then skips building the timed-out partial matches.
   */
  readonly discardsTimedOut?: boolean;
}

/** Options of {@link NFA.compile}. */
export interface NFAOptions {
  /** Per-key limit on runs of partial matches (see {@link NFA.partialMatches}), default none; the oldest are dropped beyond it. */
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
/** Event slots (and as many node slots) above which an emptied state is not reused for another key. */
const MAX_RECYCLED_SLOTS = 64;

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
    const nodes = s.nodes;
    for (let p = this.node; p >= 0; p = nodes[p * NODE + 2]!) {
      if (nodes[p * NODE + 1] === step) out.push(s.events[nodes[p * NODE]!]);
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
  // Scratch arrays keep their capacity (setting a JS array's length to 0 frees its storage): each
  // has a size counter.
  private readonly next: number[] = [];
  private nextSize = 0;
  private readonly matches: number[] = [];
  private matchesSize = 0;
  private readonly row: number[] = [0, 0, 0, 0];
  private readonly row2: number[] = [0, 0];
  private readonly stack: CompiledState[] = [];
  /** A state that never holds anything: what {@link mayStart}'s conditions read. */
  private emptyState: NFAState<T> | undefined;
  private readonly finalStack: CompiledState[] = [];
  /** States with a PROCEED edge to a non-stop state (the others cannot reach FINAL by proceeding). */
  private readonly proceedsAtAll: Uint8Array;
  private readonly edgeBuf: number[] = []; // pairs: state index, edge index
  private readonly succ: number[] = []; // pairs: state index, node
  private readonly created: number[] = [];
  private createdSize = 0;
  /** advanceTime's timed-out runs (node, deadline) and the partial matches to report (scratch). */
  private readonly timedOutNodes: number[] = [];
  private readonly timedOutAt: number[] = [];
  private readonly reportNodes: number[] = [];
  private readonly reportAt: number[] = [];
  /**
   * Per-call marks indexed by node slot, valid when their generation is the call's: which state a
   * successor with that node went to (duplicates of a partial match are kept once), which node the
   * current event made after it (equal paths share one node), and whether it completed a match.
   */
  private gen = 0;
  private markGen = new Int32Array(64);
  private markState = new Int32Array(64);
  private consGen = new Int32Array(64);
  private consStep = new Int32Array(64);
  private consNode = new Int32Array(64);
  private matchGen = new Int32Array(64);
  private readonly seen = new Set<number>(); // repeated (node, state) pairs beyond the first
  private readonly consed = new Map<number, number>(); // (prev, step) pairs beyond the first
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
    this.proceedsAtAll = new Uint8Array(this.states.length);
    for (const s of this.states)
      if (s.edges.some((e) => e.action === PROCEED && e.target.type !== STOP))
        this.proceedsAtAll[s.index] = 1;
  }

  /** Compiles a pattern; a bad pattern throws FleuveError("FLEUVE_CONFIG_INVALID", ...) naming the step and what to change. */
  static compile<T>(pattern: Pattern<T, any, any, any>, options?: NFAOptions): NFA<T> {
    const graph = compilePattern(pattern, { boundedInput: options?.boundedInput === true });
    return new NFA<T>(graph, pattern.step.skip, options);
  }

  /** A key's fresh state: plain data, mutated in place by {@link process} and {@link advanceTime}. */
  createState(): NFAState<T> {
    const s = emptyState<T>();
    s.runs.push(this.startIndex, -1, 0, START_KEY);
    return s;
  }

  /**
   * One event of the key, in order (the operator sorts by event time before calling). With
   * `startNew` false, the event continues the existing partial matches but starts none (a pattern
   * version being replaced finishes what it started).
   */
  process(state: NFAState<T>, event: T, timestamp: number, out: NFAOutput<T>, startNew = true): void {
    if (state.deadline !== null && state.deadline <= timestamp) this.advanceTime(state, timestamp, out);
    this.beginCall(state);
    this.ctx.timestamp = timestamp;
    this.curEvent = event;
    this.curTs = timestamp;
    this.curSeq = state.seq++;
    this.curSlot = -1;
    this.createdSize = 0;

    // Flink's doProcess: every run in the queue's array order; successors go into a new queue.
    const runs = state.runs;
    const n = runs.length;
    for (let i = 0; i < n; i += RUN) {
      const node = runs[i + 1]!;
      if (node < 0) {
        // The start run: it may start partial matches, and always stays (after its successors).
        if (startNew) this.advanceRun(state, this.startIndex, -1, timestamp, this.curSeq, true);
        this.offerNext(this.startIndex, -1, 0, START_KEY);
      } else {
        this.advanceRun(state, runs[i]!, node, runs[i + 2]!, runs[i + 3]!, false);
      }
    }
    // Successors hold their nodes now; the old runs let go of theirs.
    for (let i = 1; i < n; i += RUN) release(state, runs[i]!);
    this.swapRuns(state);

    if (this.matchesSize > 0 || state.done.length > 0) this.emitMatches(state, out);
    // Nodes made for this event that no run nor match kept (e.g. on a discarded path).
    for (let i = 0; i < this.createdSize; i++) freeIfUnused(state, this.created[i]!);
    if (state.runs.length / RUN - 1 > this.maxPartial) this.enforceLimit(state, out);
    this.curEvent = undefined;
    state.deadline = this.computeDeadline(state);
  }

  /**
   * See {@link Matcher.mayStart}: whether the start run would take `event`, following the start
   * state's PROCEED edges whose condition holds, as {@link process} does for it (a start run
   * ignores nothing, so IGNORE edges are not evaluated).
   */
  mayStart(event: T, timestamp: number): boolean {
    const ctx = this.ctx;
    // As for a fresh state's start run: no event matched yet (conditions reading the partial match
    // see it empty).
    this.emptyState ??= this.createState();
    ctx.state = this.emptyState;
    ctx.node = -1;
    ctx.timestamp = timestamp;
    const stack = this.stack;
    let top = 0;
    stack[top++] = this.states[this.startIndex]!;
    while (top > 0) {
      const es = stack[--top]!.edges;
      for (let e = 0; e < es.length; e++) {
        const edge = es[e]!;
        if (edge.action === IGNORE) continue;
        if (edge.cond !== undefined && !edge.cond(event, ctx)) continue;
        if (edge.action === TAKE) return true;
        if (edge.target.type !== STOP) stack[top++] = edge.target;
      }
    }
    return false;
  }

  /**
   * Time (watermark or processing time) reached `time`: times out partial matches whose within
   * passed, and completes matches ending in notFollowedBy whose within passed.
   */
  advanceTime(state: NFAState<T>, time: number, out: NFAOutput<T>): void {
    if (state.deadline === null || state.deadline > time) return;
    this.beginCall(state);
    const timedOutNodes = this.timedOutNodes;
    const timedOutAt = this.timedOutAt;
    let nTimedOut = 0;
    const runs = state.runs;
    const n = runs.length;
    for (let i = 0; i < n; i += RUN) {
      const st = runs[i]!;
      const node = runs[i + 1]!;
      const startTs = runs[i + 2]!;
      const startSeq = runs[i + 3]!;
      if (node < 0) {
        this.offerNext(st, node, startTs, startSeq);
        continue;
      }
      const first = Number.isNaN(this.firstLastWindow)
        ? Number.POSITIVE_INFINITY
        : startTs + this.firstLastWindow;
      const pw = this.previousWindow[st]!;
      const previous = Number.isNaN(pw) ? Number.POSITIVE_INFINITY : nodeTs(state, node) + pw;
      if (first > time && previous > time) {
        this.offerNext(st, node, startTs, startSeq);
        continue;
      }
      if (this.completesOnTimeout[st] === 1) {
        this.addMatch(state, node, startSeq);
        release(state, node);
      } else {
        // Reported below, then released (the report reads the node's events).
        timedOutNodes[nTimedOut] = node;
        // The earlier deadline. (Flink reports the PREVIOUS_AND_CURRENT one whenever it passed, so
        // its time-out timestamp depends on when time happened to advance when both passed.)
        timedOutAt[nTimedOut++] = Math.min(previous, first);
      }
    }
    this.swapRuns(state);
    if (nTimedOut > 0) {
      if (out.discardsTimedOut !== true) this.reportTimedOut(state, nTimedOut, out);
      for (let i = 0; i < nTimedOut; i++) release(state, timedOutNodes[i]!);
    }
    if (this.matchesSize > 0 || state.done.length > 0) this.emitMatches(state, out);
    state.deadline = this.computeDeadline(state);
  }

  /**
   * Reports the first `n` partial matches of {@link timedOutNodes} that timed out in this call:
   * one report per partial match, however many NFA states held it (Flink reports it once per
   * state), and none for a partial match that completed or still waits in another state. It timed
   * out when its last state did: the latest of its states' deadlines that passed here (an earlier
   * one passed alone would have left it waiting in the others), so the reported time does not
   * depend on how often time advanced. Reports go in the order the partial matches were met.
   */
  private reportTimedOut(state: NFAState<T>, n: number, out: NFAOutput<T>): void {
    const nodes = this.timedOutNodes;
    const ats = this.timedOutAt;
    // Few at a time (the common case): linear scans over scratch arrays, no allocation.
    const few = n <= 16;
    const alive = few ? undefined : runNodes(state);
    const reportAt = few ? undefined : new Map<number, number>();
    const repNode = this.reportNodes;
    const repAt = this.reportAt;
    let nRep = 0;
    for (let i = 0; i < n; i++) {
      const node = nodes[i]!;
      if (this.matchGen[node] === this.gen) continue;
      if (alive !== undefined ? alive.has(node) : holdsNode(state.runs, node)) continue;
      const at = ats[i]!;
      if (reportAt !== undefined) {
        reportAt.set(node, Math.max(reportAt.get(node) ?? Number.NEGATIVE_INFINITY, at));
        continue;
      }
      let j = 0;
      while (j < nRep && repNode[j] !== node) j++;
      if (j < nRep) repAt[j] = Math.max(repAt[j]!, at);
      else {
        repNode[nRep] = node;
        repAt[nRep++] = at;
      }
    }
    if (reportAt !== undefined) {
      for (const [node, at] of reportAt) out.timedOut(materialize(state, node, this.stepNames), at);
    } else {
      for (let j = 0; j < nRep; j++) out.timedOut(materialize(state, repNode[j]!, this.stepNames), repAt[j]!);
    }
  }

  /** The earliest time at which advanceTime would change something (a deadline), else undefined. */
  nextDeadline(state: NFAState<T>): number | undefined {
    return state.deadline ?? undefined;
  }

  /** True when nothing is pending (no partial match, no buffered event): the key's state may be released. */
  isEmpty(state: NFAState<T>): boolean {
    return state.runs.length <= RUN && state.done.length === 0;
  }

  /** See {@link Matcher.recycle}: small buffers are kept, and the state restarts its numbering. */
  recycle(state: NFAState<T>): boolean {
    if (state.events.length > MAX_RECYCLED_SLOTS || state.nodes.length > MAX_RECYCLED_SLOTS * NODE)
      return false;
    // Nothing is buffered, so no sequence number is compared with a later one: the next key's
    // state then depends on its own events only.
    state.seq = 0;
    return true;
  }

  /**
   * Number of runs held: one per (NFA state, partial match) pair, so a partial match waiting in two
   * states at once (e.g. before an optional step: for it and for the step after) counts twice. It
   * is what `maxPartialMatches` limits and what the `cep.partialMatches` gauge sums (counting runs
   * costs nothing per event); {@link partials} lists the distinct partial matches.
   */
  partialMatches(state: NFAState<T>): number {
    return state.runs.length / RUN - 1;
  }

  /**
   * Every distinct partial match held, oldest first (by first event, then by last event), then the completed matches
   * held back by the skip strategy; each with the events matched so far. The state is unchanged.
   */
  partials(state: NFAState<T>): Record<string, T[]>[] {
    const runs = state.runs;
    const order: number[] = [];
    for (let i = 0; i < runs.length; i += RUN) if (runs[i + 1]! >= 0) order.push(i);
    order.sort(
      (a, b) => runs[a + 3]! - runs[b + 3]! || nodeSeq(state, runs[a + 1]!) - nodeSeq(state, runs[b + 1]!),
    );
    const seen = new Set<number>();
    const result: Record<string, T[]>[] = [];
    const add = (node: number): void => {
      if (seen.has(node)) return;
      seen.add(node);
      result.push(materialize(state, node, this.stepNames));
    };
    for (const i of order) add(runs[i + 1]!);
    for (let i = 0; i < state.done.length; i += DONE) add(state.done[i]!);
    return result;
  }

  /** Number of events in the key's shared buffer. */
  bufferedEvents(state: NFAState<T>): number {
    return state.liveEvents;
  }

  // ---- internals --------------------------------------------------------------------------------

  /** Starts a call on `state`: a new generation for the per-call marks, mark arrays large enough. */
  private beginCall(state: NFAState<T>): void {
    this.ctx.state = state;
    this.gen = (this.gen + 1) | 0;
    if (this.gen === 0) {
      // Wrapped around: forget every old mark.
      this.markGen.fill(-1);
      this.consGen.fill(-1);
      this.matchGen.fill(-1);
      this.gen = 1;
    }
    if (this.seen.size > 0) this.seen.clear();
    if (this.consed.size > 0) this.consed.clear();
    this.nextSize = 0;
    this.matchesSize = 0;
    this.ensureMarks(state.nodes.length / NODE + 1);
  }

  private ensureMarks(slots: number): void {
    if (slots <= this.markGen.length) return;
    const size = Math.max(slots, this.markGen.length * 2);
    const grow = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.markGen = grow(this.markGen);
    this.markState = grow(this.markState);
    this.consGen = grow(this.consGen);
    this.consStep = grow(this.consStep);
    this.consNode = grow(this.consNode);
    this.matchGen = grow(this.matchGen);
  }

  /** The successors become the state's runs. */
  private swapRuns(state: NFAState<T>): void {
    const runs = state.runs;
    const n = this.nextSize;
    const next = this.next;
    if (runs.length !== n) runs.length = n;
    for (let i = 0; i < n; i++) runs[i] = next[i]!;
  }

  private offerNext(st: number, node: number, startTs: number, startSeq: number): void {
    const row = this.row;
    row[0] = st;
    row[1] = node;
    row[2] = startTs;
    row[3] = startSeq;
    this.nextSize = heapOffer(this.next, this.nextSize, RUN_HEAP, row);
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
    let nEdges = 0;
    const stack = this.stack;
    let top = 0;
    stack[top++] = this.states[stateIdx]!;
    let discard = false;
    while (top > 0) {
      const s = stack[--top]!;
      const es = s.edges;
      for (let e = 0; e < es.length; e++) {
        const edge = es[e]!;
        if (edge.cond !== undefined && !edge.cond(event, ctx)) continue;
        if (edge.action === PROCEED) {
          if (edge.target.type === STOP) discard = true;
          else stack[top++] = edge.target;
        } else {
          edges[nEdges++] = s.index;
          edges[nEdges++] = e;
        }
      }
    }
    if (nEdges === 0) return;
    const succ = this.succ;
    let nSucc = 0;
    const seq = isStart ? this.curSeq : startSeq;
    for (let k = 0; k < nEdges; k += 2) {
      const source = this.states[edges[k]!]!;
      const edge = source.edges[edges[k + 1]!]!;
      const target = edge.target;
      if (edge.action === IGNORE) {
        if (isStart) continue;
        if (target.type === FINAL) this.addMatch(state, node, startSeq);
        else if (target.type !== STOP) {
          succ[nSucc++] = target.index;
          succ[nSucc++] = node;
        }
      } else if (edge.action === TAKE) {
        if (target.type === STOP) {
          discard = true;
          continue;
        }
        const newNode = this.take(state, this.stepIndexOf[source.index]!, node);
        if (target.type === FINAL) this.addMatch(state, newNode, seq);
        else {
          succ[nSucc++] = target.index;
          succ[nSucc++] = newNode;
          if (this.reachesFinal(target)) this.addMatch(state, newNode, seq);
        }
      }
    }
    if (discard) return; // a NOT step's event: the whole path ends (its matches above still count)
    const ts = isStart ? this.curTs : startTs;
    const gen = this.gen;
    for (let k = 0; k < nSucc; k += 2) {
      const st = succ[k]!;
      const nd = succ[k + 1]!;
      // The same partial match at the same state (reached two ways): keep it once.
      if (this.markGen[nd] !== gen) {
        this.markGen[nd] = gen;
        this.markState[nd] = st;
      } else {
        if (this.markState[nd] === st) continue;
        const key = nd * this.states.length + st;
        if (this.seen.has(key)) continue;
        this.seen.add(key);
      }
      retain(state, nd);
      this.offerNext(st, nd, ts, seq);
    }
  }

  /** The node for the current event taken by `step` after `prev`, shared by all runs that make it. */
  private take(state: NFAState<T>, step: number, prev: number): number {
    const k = prev + 1;
    const gen = this.gen;
    if (this.consGen[k] === gen) {
      if (this.consStep[k] === step) return this.consNode[k]!;
      const existing = this.consed.get(k * this.stepNames.length + step);
      if (existing !== undefined) return existing;
    }
    if (this.curSlot < 0) this.curSlot = addEvent(state, this.curEvent as T, this.curTs, this.curSeq);
    const node = addNode(state, this.curSlot, step, prev);
    this.ensureMarks(node + 2);
    if (this.consGen[k] !== gen) {
      this.consGen[k] = gen;
      this.consStep[k] = step;
      this.consNode[k] = node;
    } else {
      this.consed.set(k * this.stepNames.length + step, node);
    }
    this.created[this.createdSize++] = node;
    return node;
  }

  /** True when `s` reaches FINAL through PROCEED edges that hold now (Flink's findFinalStateAfterProceed). */
  private reachesFinal(s: CompiledState): boolean {
    if (!this.proceedsAtAll[s.index]) return false;
    const stack = this.finalStack;
    let top = 0;
    stack[top++] = s;
    const event = this.curEvent;
    while (top > 0) {
      const cur = stack[--top]!;
      for (const edge of cur.edges) {
        if (edge.action !== PROCEED) continue;
        if (edge.cond !== undefined && !edge.cond(event, this.ctx)) continue;
        if (edge.target.type === FINAL) return true;
        if (edge.target.type !== STOP) stack[top++] = edge.target;
      }
    }
    return false;
  }

  private addMatch(state: NFAState<T>, node: number, startSeq: number): void {
    if (this.matchGen[node] === this.gen) return; // the same match reached twice: emit it once
    this.matchGen[node] = this.gen;
    retain(state, node);
    const row = this.row2;
    row[0] = node;
    row[1] = startSeq;
    this.matchesSize = heapOffer(this.matches, this.matchesSize, DONE_HEAP, row);
  }

  /**
   * Emits this call's matches as Flink's processMatchesAccordingToSkipStrategy does: they join the
   * queue of completed matches, which is drained smallest first; with a skip strategy a match waits
   * while a partial match that started earlier may still complete, and each emitted match prunes
   * partial and waiting matches per the strategy.
   */
  private emitMatches(state: NFAState<T>, out: NFAOutput<T>): void {
    const matches = this.matches;
    const done = state.done;
    const row = this.row2;
    for (let i = 0; i < this.matchesSize; i += DONE) {
      row[0] = matches[i]!;
      row[1] = matches[i + 1]!;
      heapOffer(done, done.length, DONE_HEAP, row);
    }
    this.matchesSize = 0;
    const skipping = this.skip.kind !== "NO_SKIP";
    while (done.length > 0) {
      if (skipping && done[1]! > state.runs[3]!) break;
      heapPoll(done, DONE_HEAP, row);
      const node = row[0]!;
      const bound = skipping ? this.pruningBound(state, node) : undefined;
      if (bound !== undefined) {
        heapRemoveIf(state.runs, RUN_HEAP, (i) => {
          if (state.runs[i * RUN + 3]! >= bound) return false;
          release(state, state.runs[i * RUN + 1]!);
          return true;
        });
        heapRemoveIf(done, DONE_HEAP, (i) => {
          if (done[i * DONE + 1]! >= bound) return false;
          release(state, done[i * DONE]!);
          return true;
        });
      }
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
    const nodes = state.nodes;
    for (let p = node; p >= 0; p = nodes[p * NODE + 2]!) {
      const seq = nodeSeq(state, p);
      if (seq < first) first = seq;
      if (seq > last) last = seq;
      if (nodes[p * NODE + 1] === target) {
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
    const row = this.row;
    while (state.runs.length / RUN - 1 > this.maxPartial) {
      heapPoll(state.runs, RUN_HEAP, row);
      const node = row[1]!;
      if (!holdsNode(state.runs, node)) out.dropped(materialize(state, node, this.stepNames));
      release(state, node);
    }
  }

  private computeDeadline(state: NFAState<T>): number | null {
    if (this.windowTime === undefined) return null;
    const runs = state.runs;
    if (!this.hasPreviousWindows) {
      // The queue's head is the run with the oldest first event: it times out first.
      return runs[1]! < 0 ? null : runs[2]! + this.firstLastWindow;
    }
    let d = Number.POSITIVE_INFINITY;
    for (let i = 0; i < runs.length; i += RUN) {
      const node = runs[i + 1]!;
      if (node < 0) continue;
      if (!Number.isNaN(this.firstLastWindow)) d = Math.min(d, runs[i + 2]! + this.firstLastWindow);
      const pw = this.previousWindow[runs[i]!]!;
      if (!Number.isNaN(pw)) d = Math.min(d, nodeTs(state, node) + pw);
    }
    return d === Number.POSITIVE_INFINITY ? null : d;
  }
}

function runNodes(state: NFAState<any>): Set<number> {
  const set = new Set<number>();
  for (let i = 1; i < state.runs.length; i += RUN) set.add(state.runs[i]!);
  return set;
}

function holdsNode(runs: number[], node: number): boolean {
  for (let i = 1; i < runs.length; i += RUN) if (runs[i] === node) return true;
  return false;
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
