/**
 * The part of a keyed state backend that does not depend on where entries live: current key,
 * state registration with kind checks, and the state handles. Subclasses provide the tables
 * ({@link StateTable}) and snapshot/restore.
 */
import { FleuveError } from "../errors.js";
import type { Key, NormalizedKey } from "../spi/key-groups.js";
import type { KeyedStateBackend, KeyedStateSnapshot, KeyedTable } from "../spi/keyed-state-backend.js";
import type {
  AggregatingState,
  AggregatingStateDescriptor,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueState,
  ValueStateDescriptor,
} from "../spi/state-descriptors.js";
import {
  HeapAggregatingState,
  HeapListState,
  HeapMapState,
  HeapReducingState,
  HeapValueState,
  type StateTable,
  Ttl,
} from "./state-handles.js";

/** Base of backends whose states are {@link StateTable}s keyed by normalized key. */
export abstract class TableKeyedStateBackend implements KeyedStateBackend {
  private currentKeyValue: Key | undefined;
  private currentNormKey: NormalizedKey | undefined;
  protected readonly handles = new Map<string, { kind: string; handle: unknown; ttl?: boolean }>();
  /** Kinds of the states found in a restored checkpoint, checked when the job declares them. */
  protected readonly restoredKinds = new Map<string, string>();

  /**
   * @param maxParallelism key-group count of the job
   * @param clock processing-time clock, used by state TTL
   */
  constructor(
    readonly maxParallelism: number,
    protected readonly clock: () => number = Date.now,
  ) {}

  /** The table of state `name`, created empty when new. */
  protected abstract table(name: string): StateTable;
  /**
   * Whether the raw tables of {@link getTable} are stable ({@link KeyedTable.stable}): true only for a
   * backend whose {@link table} is the Map holding the entries themselves.
   */
  protected get stableTables(): boolean {
    return false;
  }
  /** Remembers the raw form of a composite or bigint key. */
  protected abstract rememberRawKey(normalized: NormalizedKey, key: Key): void;
  abstract rawKey(normalized: NormalizedKey): Key;
  abstract keysOf(name: string): NormalizedKey[];
  abstract get approximateEntries(): number;
  abstract snapshot(): KeyedStateSnapshot;
  abstract restore(snapshots: readonly KeyedStateSnapshot[], range: { start: number; end: number }): void;

  /** Sets the key that state handles and timers act on. */
  setCurrentKey(key: Key, normalized: NormalizedKey): void {
    this.currentKeyValue = key;
    this.currentNormKey = normalized;
    // Composite and bigint keys are encoded; remember the original to give it back in sweeps.
    if (typeof key === "object" || typeof key === "bigint") this.rememberRawKey(normalized, key);
  }

  /** The current key as the key selector returned it. */
  getCurrentKey(): Key {
    if (this.currentNormKey === undefined) throw noKey();
    return this.currentKeyValue!;
  }

  /** The current key, normalized (Map identity). */
  get currentKey(): NormalizedKey {
    const k = this.currentNormKey;
    if (k === undefined) throw noKey();
    return k;
  }

  /** A raw per-key table registered under `name` (included in snapshots). */
  getTable<V>(name: string): KeyedTable<V> {
    const existing = this.handles.get(name);
    if (existing) {
      if (existing.kind !== "table") throw kindClash(name, existing.kind, "table");
      return existing.handle as KeyedTable<V>;
    }
    const map = this.table(name);
    const stable = this.stableTables;
    const handle: KeyedTable<V> = {
      stable,
      get: () => map.get(this.currentKey),
      set: (v: V) => {
        map.set(this.currentKey, v);
      },
      delete: () => {
        map.delete(this.currentKey);
      },
      entries: () => map.entries(),
      get size() {
        return map.size;
      },
    };
    this.handles.set(name, { kind: "table", handle });
    return handle;
  }

  /** Returns the state handle for a descriptor (the same handle for the same name). */
  getState<T>(d: ValueStateDescriptor<T>): ValueState<T>;
  getState<T>(d: ListStateDescriptor<T>): ListState<T>;
  getState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V>;
  getState<T>(d: ReducingStateDescriptor<T>): ReducingState<T>;
  getState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  getState(d: StateDescriptor): unknown {
    const existing = this.handles.get(d.name);
    if (existing) {
      if (existing.kind !== d.kind) throw kindClash(d.name, existing.kind, d.kind);
      return existing.handle;
    }
    this.checkRestoredKind(d.name, d.ttl ? `${d.kind}+ttl` : d.kind);
    const map = this.table(d.name);
    const ttl = d.ttl ? new Ttl(d.ttl, this.clock) : undefined;
    let handle: unknown;
    switch (d.kind) {
      case "value":
        handle = new HeapValueState(this, map, d.defaultValue, ttl);
        break;
      case "list":
        handle = new HeapListState(this, map, ttl);
        break;
      case "map":
        handle = new HeapMapState(this, map, ttl);
        break;
      case "reducing":
        handle = new HeapReducingState(this, map, d.reduce, ttl);
        break;
      case "aggregating":
        handle = new HeapAggregatingState(this, map, d.aggregate, ttl);
        break;
      default:
        throw new FleuveError("FLEUVE_STATE_INVALID", `unknown state kind '${(d as { kind: string }).kind}'`);
    }
    this.handles.set(d.name, { kind: d.kind, handle, ttl: d.ttl !== undefined });
    return handle;
  }

  /** state name -> kind tag for snapshots ("value", "list+ttl", "table", ...). */
  protected kindsForSnapshot(): Record<string, string> {
    const kinds: Record<string, string> = {};
    for (const [name, h] of this.handles)
      kinds[name] = h.kind === "table" ? "table" : h.ttl ? `${h.kind}+ttl` : h.kind;
    for (const [name, k] of this.restoredKinds) kinds[name] ??= k;
    return kinds;
  }

  private checkRestoredKind(name: string, declared: string): void {
    const had = this.restoredKinds.get(name);
    if (had === undefined || had === declared) return;
    throw new FleuveError(
      "FLEUVE_STATE_INCOMPATIBLE",
      `state '${name}' was ${had} state in the restored checkpoint, but the job now declares it as ${declared} state. Changing a state's kind or turning its TTL on/off is not a compatible change: give the new state another name (adding fields to the values kept in a state is fine)`,
      { details: { state: name, restored: had, declared } },
    );
  }
}

function noKey(): FleuveError {
  return new FleuveError(
    "FLEUVE_STATE_INVALID",
    "keyed state accessed with no current key (outside a keyed context)",
  );
}

function kindClash(name: string, had: string, wanted: string): FleuveError {
  return new FleuveError(
    "FLEUVE_STATE_INVALID",
    `state '${name}' is already registered as ${had} state; it cannot also be ${wanted} state (use another name)`,
    { details: { state: name } },
  );
}
