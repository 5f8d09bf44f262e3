/**
 * Non-keyed state: operator list state (redistributed round-robin on rescale, e.g. source
 * offsets), union list state (every subtask gets the entries of all old subtasks, Flink's
 * `getUnionListState`) and broadcast state (the same map on every subtask).
 *
 * A union list's restored entries are held by every subtask alike. Flink writes back whatever
 * each subtask's list holds, so entries restored and left there come back once per subtask at
 * the next restore (parallelism times more at every cycle, unless the operator clears them). Here
 * a snapshot writes the whole list as Flink does (`unions`: a reader that knows nothing more gets
 * Flink's copies and loses nothing) and says how many of its first entries are the restored ones,
 * still untouched (`unionsRestored`); a restore takes identical such restored parts once.
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
  private readonly unions = new Map<string, unknown[]>();
  /**
   * Of each union list still holding the entries it restored (neither updated nor cleared since):
   * how many of its first entries are those (the others were added after the restore).
   */
  private readonly restoredCount = new Map<string, number>();
  private readonly broadcast = new Map<string, Map<unknown, unknown>>();

  /** Operator list state by name. */
  getListState<T>(name: string): OperatorListState<T> {
    return listIn<T>(this.lists, name);
  }

  /**
   * Union list state by name: on restore, every subtask reads the entries of all old subtasks
   * (e.g. to take the minimum of their watermarks). Entries it adds are its own; `update` or
   * `clear` replaces the restored entries by its own. Restored entries the subtasks left as they
   * restored them are restored once at the next restore, not once per subtask that held them.
   */
  getUnionListState<T>(name: string): OperatorListState<T> {
    const list = listIn<T>(this.unions, name);
    const replaced = () => this.restoredCount.delete(name);
    return {
      get: list.get,
      add: list.add,
      update: (vs) => {
        replaced();
        list.update(vs);
      },
      clear: () => {
        replaced();
        list.clear();
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

  /** Restores list states (this subtask's share), union list states (all entries) and broadcast states. */
  restore(
    lists: Readonly<Record<string, unknown[]>>,
    broadcast: Readonly<Record<string, [unknown, unknown][]>>,
    unions: Readonly<Record<string, unknown[]>> = {},
  ): void {
    for (const [k, v] of Object.entries(lists)) this.lists.set(k, v.slice());
    for (const [k, v] of Object.entries(unions)) {
      this.unions.set(k, v.slice());
      this.restoredCount.set(k, v.length);
    }
    for (const [k, v] of Object.entries(broadcast)) this.broadcast.set(k, new Map(v));
  }

  /**
   * Snapshot: list states by name, broadcast states as entry arrays, and union list states by name
   * (left out when there are none, as in snapshots taken before they existed): in `unions` each
   * whole list, in `unionsRestored` (left out when none) how many of its first entries are the
   * restored ones, untouched since.
   */
  snapshot(): {
    lists: Record<string, unknown[]>;
    broadcast: Record<string, [unknown, unknown][]>;
    unions?: Record<string, unknown[]>;
    unionsRestored?: Record<string, number>;
  } {
    const lists: Record<string, unknown[]> = {};
    for (const [k, v] of this.lists) lists[k] = v.slice();
    const broadcast: Record<string, [unknown, unknown][]> = {};
    for (const [k, v] of this.broadcast) broadcast[k] = [...v.entries()];
    if (this.unions.size === 0) return { lists, broadcast };
    const unions: Record<string, unknown[]> = {};
    const unionsRestored: Record<string, number> = {};
    for (const [k, v] of this.unions) {
      unions[k] = v.slice();
      const restored = this.restoredCount.get(k) ?? 0;
      if (restored > 0) unionsRestored[k] = restored;
    }
    return Object.keys(unionsRestored).length === 0
      ? { lists, broadcast, unions }
      : { lists, broadcast, unions, unionsRestored };
  }
}

/** The list state named `name` in `lists` (created empty), read and written through the map. */
function listIn<T>(lists: Map<string, unknown[]>, name: string): OperatorListState<T> {
  if (!lists.has(name)) lists.set(name, []);
  return {
    get: () => lists.get(name) as T[],
    add: (v: T) => {
      (lists.get(name) as T[]).push(v);
    },
    update: (vs: readonly T[]) => {
      lists.set(name, vs.slice());
    },
    clear: () => {
      lists.set(name, []);
    },
  };
}
