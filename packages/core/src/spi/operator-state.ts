/**
 * Non-keyed state: operator list state (redistributed round-robin on rescale, e.g. source
 * offsets) and broadcast state (the same map on every subtask).
 */
import type { MapStateDescriptor } from "./state-descriptors.js";

/** Operator (non-keyed) list state, e.g. a source's offsets. */
export interface OperatorListState<T> {
  get(): readonly T[];
  add(value: T): void;
  update(values: readonly T[]): void;
  clear(): void;
}

/** Read-write broadcast state, given to the broadcast side of a broadcast process function. */
export interface BroadcastState<K, V> {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  remove(key: K): void;
  contains(key: K): boolean;
  entries(): IterableIterator<[K, V]>;
  clear(): void;
}

/** Read-only view of broadcast state, given to the non-broadcast side. */
export interface ReadOnlyBroadcastState<K, V> {
  get(key: K): V | undefined;
  contains(key: K): boolean;
  entries(): IterableIterator<[K, V]>;
}

/** The non-keyed state of one operator subtask. */
export class OperatorStateStore {
  private readonly lists = new Map<string, unknown[]>();
  private readonly broadcast = new Map<string, Map<unknown, unknown>>();

  /** Operator list state by name. */
  getListState<T>(name: string): OperatorListState<T> {
    let list = this.lists.get(name) as T[] | undefined;
    if (!list) {
      list = [];
      this.lists.set(name, list);
    }
    return {
      get: () => this.lists.get(name) as T[],
      add: (v: T) => {
        (this.lists.get(name) as T[]).push(v);
      },
      update: (vs: readonly T[]) => {
        this.lists.set(name, vs.slice());
      },
      clear: () => {
        this.lists.set(name, []);
      },
    };
  }

  /** Broadcast state by descriptor name. */
  getBroadcastState<K, V>(d: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    let m = this.broadcast.get(d.name) as Map<K, V> | undefined;
    if (!m) {
      m = new Map();
      this.broadcast.set(d.name, m as Map<unknown, unknown>);
    }
    const map = m;
    return {
      get: (k) => map.get(k),
      put: (k, v) => {
        map.set(k, v);
      },
      remove: (k) => {
        map.delete(k);
      },
      contains: (k) => map.has(k),
      entries: () => map.entries(),
      clear: () => map.clear(),
    };
  }

  /** Restores list states (this subtask's share) and broadcast states. */
  restore(
    lists: Readonly<Record<string, unknown[]>>,
    broadcast: Readonly<Record<string, [unknown, unknown][]>>,
  ): void {
    for (const [k, v] of Object.entries(lists)) this.lists.set(k, v.slice());
    for (const [k, v] of Object.entries(broadcast)) this.broadcast.set(k, new Map(v));
  }

  /** Snapshot: list states by name, broadcast states as entry arrays. */
  snapshot(): { lists: Record<string, unknown[]>; broadcast: Record<string, [unknown, unknown][]> } {
    const lists: Record<string, unknown[]> = {};
    for (const [k, v] of this.lists) lists[k] = v.slice();
    const broadcast: Record<string, [unknown, unknown][]> = {};
    for (const [k, v] of this.broadcast) broadcast[k] = [...v.entries()];
    return { lists, broadcast };
  }
}
