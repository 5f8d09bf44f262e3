/**
 * The per-key state of an NFA and its shared buffer. Events are stored once; a partial match is a
 * chain of nodes (one event matched by one step, linked to the node before it), and partial matches
 * that share a prefix share its nodes, so branching a partial match copies nothing. Nodes and events
 * are reference-counted and freed as soon as no partial match, later node or waiting match needs
 * them; freed slots are reused (free lists threaded through the slots).
 *
 * Everything is a few flat arrays of numbers plus the user's events, so any keyed state backend can
 * hold it (structured-clone-able, and JSON-able when the events are).
 */

/** Numbers per run: NFA state index, last node, first event's timestamp, first event's sequence number. */
export const RUN = 4;
/** Numbers per waiting match: last node, first event's sequence number. */
export const DONE = 2;
/** Numbers per event slot: timestamp, sequence number (next free slot when free), references (-1: free). */
export const EV = 3;
/** Numbers per node slot: event slot (next free slot when free), step index, node before (-1: none), references (-1: free). */
export const NODE = 4;

/** A key's NFA state. Mutated in place by the NFA; treat it as opaque. */
export interface NFAState<T> {
  /** Runs (one partial match at one NFA state each, plus the start run), in queue order; {@link RUN} numbers each. */
  runs: number[];
  /** Completed matches waiting for earlier partial matches (skip strategies), in queue order; {@link DONE} numbers each. */
  done: number[];
  /** Buffered events, by slot (null: free slot). */
  events: (T | null)[];
  /** {@link EV} numbers per event slot. */
  eventInfo: number[];
  /** {@link NODE} numbers per node slot. */
  nodes: number[];
  /** First free event slot, -1 when none. */
  freeEvent: number;
  /** First free node slot, -1 when none. */
  freeNode: number;
  /** Number of events in the buffer. */
  liveEvents: number;
  /** Sequence number of the next event of this key. */
  seq: number;
  /** The earliest time at which advanceTime changes something, or null. */
  deadline: number | null;
}

/** A fresh, empty state. */
export function emptyState<T>(): NFAState<T> {
  return {
    runs: [],
    done: [],
    events: [],
    eventInfo: [],
    nodes: [],
    freeEvent: -1,
    freeNode: -1,
    liveEvents: 0,
    seq: 0,
    deadline: null,
  };
}

/** Stores an event; its reference count starts at 0 (the node that takes it adds one). */
export function addEvent<T>(s: NFAState<T>, event: T, ts: number, seq: number): number {
  let slot = s.freeEvent;
  if (slot >= 0) s.freeEvent = s.eventInfo[slot * EV + 1]!;
  else slot = s.events.length;
  s.events[slot] = event;
  const b = slot * EV;
  s.eventInfo[b] = ts;
  s.eventInfo[b + 1] = seq;
  s.eventInfo[b + 2] = 0;
  s.liveEvents++;
  return slot;
}

/** Adds a node (refs 0) for `eventSlot` matched by step `step` after node `prev` (which it retains). */
export function addNode<T>(s: NFAState<T>, eventSlot: number, step: number, prev: number): number {
  const nodes = s.nodes;
  let slot = s.freeNode;
  if (slot >= 0) s.freeNode = nodes[slot * NODE]!;
  else slot = nodes.length / NODE;
  const b = slot * NODE;
  nodes[b] = eventSlot;
  nodes[b + 1] = step;
  nodes[b + 2] = prev;
  nodes[b + 3] = 0;
  s.eventInfo[eventSlot * EV + 2]!++;
  if (prev >= 0) nodes[prev * NODE + 3]!++;
  return slot;
}

/** Frees `node` if nothing references it, then the chain before it as far as it became unreferenced. */
export function freeIfUnused<T>(s: NFAState<T>, node: number): void {
  const nodes = s.nodes;
  const info = s.eventInfo;
  while (node >= 0 && nodes[node * NODE + 3] === 0) {
    const b = node * NODE;
    const prev = nodes[b + 2]!;
    const ev = nodes[b]!;
    nodes[b + 3] = -1;
    nodes[b] = s.freeNode;
    s.freeNode = node;
    if (--info[ev * EV + 2]! === 0) {
      s.events[ev] = null;
      info[ev * EV + 2] = -1;
      info[ev * EV + 1] = s.freeEvent;
      s.freeEvent = ev;
      s.liveEvents--;
    }
    if (prev >= 0) nodes[prev * NODE + 3]!--;
    node = prev;
  }
}

/** Adds one reference to `node`. */
export function retain<T>(s: NFAState<T>, node: number): void {
  s.nodes[node * NODE + 3]!++;
}

/** Drops one reference to `node` (freeing what is left unreferenced). */
export function release<T>(s: NFAState<T>, node: number): void {
  if (node < 0) return;
  s.nodes[node * NODE + 3]!--;
  freeIfUnused(s, node);
}

/** The node before `node` (-1: none). */
export function nodePrev<T>(s: NFAState<T>, node: number): number {
  return s.nodes[node * NODE + 2]!;
}

/** The sequence number of the event of `node`. */
export function nodeSeq<T>(s: NFAState<T>, node: number): number {
  return s.eventInfo[s.nodes[node * NODE]! * EV + 1]!;
}

/** The timestamp of the event of `node`. */
export function nodeTs<T>(s: NFAState<T>, node: number): number {
  return s.eventInfo[s.nodes[node * NODE]! * EV]!;
}

/** The match ending at `node`: step name -> its events in order. */
export function materialize<T>(
  s: NFAState<T>,
  node: number,
  stepNames: readonly string[],
): Record<string, T[]> {
  const nodes = s.nodes;
  let n = 0;
  for (let p = node; p >= 0; p = nodes[p * NODE + 2]!) n++;
  const chain = new Array<number>(n);
  for (let p = node, i = n - 1; p >= 0; p = nodes[p * NODE + 2]!, i--) chain[i] = p;
  const out: Record<string, T[]> = {};
  for (const p of chain) {
    const name = stepNames[nodes[p * NODE + 1]!]!;
    const ev = s.events[nodes[p * NODE]!] as T;
    const list = out[name];
    if (list === undefined) out[name] = [ev];
    else list.push(ev);
  }
  return out;
}
