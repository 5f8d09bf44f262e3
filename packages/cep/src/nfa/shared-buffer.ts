/**
 * The per-key state of an NFA and its shared buffer. Events are stored once; a partial match is a
 * chain of nodes (one event matched by one step, linked to the node before it), and partial matches
 * that share a prefix share its nodes, so branching a partial match copies nothing. Nodes and events
 * are reference-counted and freed as soon as no partial match, later node or waiting match needs them.
 *
 * Everything is plain arrays of numbers plus the user's events, so any keyed state backend can hold
 * it (structured-clone-able, and JSON-able when the events are).
 */

/** A key's NFA state. Mutated in place by the NFA; treat it as opaque. */
export interface NFAState<T> {
  /** Runs (one partial match at one NFA state each), oldest first: the NFA state's index. */
  runState: number[];
  /** Each run's last buffer node. */
  runNode: number[];
  /** Each run's first event: timestamp and sequence number. */
  runStartTs: number[];
  runStartSeq: number[];
  /** Completed matches waiting for earlier partial matches (skip strategies only), oldest first. */
  doneNode: number[];
  doneStartSeq: number[];
  /** Buffered events, by slot (null: free slot). */
  events: (T | null)[];
  eventTs: number[];
  eventSeq: number[];
  eventRefs: number[];
  freeEvents: number[];
  /** Buffer nodes, by slot: the event slot, the step index, the node before (-1: first). */
  nodeEvent: number[];
  nodeStep: number[];
  nodePrev: number[];
  nodeRefs: number[];
  freeNodes: number[];
  /** Sequence number of the next event of this key. */
  seq: number;
  /** The earliest time at which advanceTime changes something, or null. */
  deadline: number | null;
}

/** A fresh, empty state. */
export function emptyState<T>(): NFAState<T> {
  return {
    runState: [],
    runNode: [],
    runStartTs: [],
    runStartSeq: [],
    doneNode: [],
    doneStartSeq: [],
    events: [],
    eventTs: [],
    eventSeq: [],
    eventRefs: [],
    freeEvents: [],
    nodeEvent: [],
    nodeStep: [],
    nodePrev: [],
    nodeRefs: [],
    freeNodes: [],
    seq: 0,
    deadline: null,
  };
}

/** Stores an event; its reference count starts at 0 (the node that takes it adds one). */
export function addEvent<T>(s: NFAState<T>, event: T, ts: number, seq: number): number {
  const slot = s.freeEvents.length > 0 ? s.freeEvents.pop()! : s.events.length;
  s.events[slot] = event;
  s.eventTs[slot] = ts;
  s.eventSeq[slot] = seq;
  s.eventRefs[slot] = 0;
  return slot;
}

/** Adds a node (refs 0) for `eventSlot` matched by step `step` after node `prev` (which it retains). */
export function addNode<T>(s: NFAState<T>, eventSlot: number, step: number, prev: number): number {
  const slot = s.freeNodes.length > 0 ? s.freeNodes.pop()! : s.nodeEvent.length;
  s.nodeEvent[slot] = eventSlot;
  s.nodeStep[slot] = step;
  s.nodePrev[slot] = prev;
  s.nodeRefs[slot] = 0;
  s.eventRefs[eventSlot]!++;
  if (prev >= 0) s.nodeRefs[prev]!++;
  return slot;
}

/** Frees `node` if nothing references it, then the chain before it as far as it became unreferenced. */
export function freeIfUnused<T>(s: NFAState<T>, node: number): void {
  while (node >= 0 && s.nodeRefs[node] === 0) {
    const prev = s.nodePrev[node]!;
    const ev = s.nodeEvent[node]!;
    s.nodeRefs[node] = -1; // free marker
    s.freeNodes.push(node);
    if (--s.eventRefs[ev]! === 0) {
      s.events[ev] = null;
      s.freeEvents.push(ev);
    }
    if (prev >= 0) s.nodeRefs[prev]!--;
    node = prev;
  }
}

/** Drops one reference to `node` (freeing what is left unreferenced). */
export function release<T>(s: NFAState<T>, node: number): void {
  if (node < 0) return;
  s.nodeRefs[node]!--;
  freeIfUnused(s, node);
}

/** Number of live events in the buffer. */
export function liveEvents<T>(s: NFAState<T>): number {
  return s.events.length - s.freeEvents.length;
}

/** The match ending at `node`: step name -> its events in order. */
export function materialize<T>(
  s: NFAState<T>,
  node: number,
  stepNames: readonly string[],
): Record<string, T[]> {
  let n = 0;
  for (let p = node; p >= 0; p = s.nodePrev[p]!) n++;
  const chain = new Array<number>(n);
  for (let p = node, i = n - 1; p >= 0; p = s.nodePrev[p]!, i--) chain[i] = p;
  const out: Record<string, T[]> = {};
  for (const p of chain) {
    const name = stepNames[s.nodeStep[p]!]!;
    const ev = s.events[s.nodeEvent[p]!] as T;
    const list = out[name];
    if (list === undefined) out[name] = [ev];
    else list.push(ev);
  }
  return out;
}
