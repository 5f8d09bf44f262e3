/**
 * State scoped to (key, window): what triggers (`getPartitionedState`) and window functions
 * (`windowState()`) use. One backend table holds, per key, `Map<namespace, Map<stateName, value>>`,
 * so dropping a window's state is one delete and snapshots go through the keyed backend.
 */
import { FleuveError } from "../errors.js";
import type {
  AggregateFunction,
  AggregatingState,
  ListState,
  MapState,
  ReducingState,
  StateDescriptor,
  ValueState,
} from "../spi/state-descriptors.js";
import type { Namespace } from "../spi/timer-service.js";
import type { WindowBackend, WindowTable } from "./keyed-access.js";

type Cells = Map<string, any>;

/** @internal (key, namespace)-scoped state of a window operator. */
export class NamespacedState {
  /** The namespace handles read and write (set by the operator before calling user code). */
  ns: Namespace = 0;
  private readonly table: WindowTable<Map<Namespace, Cells>>;
  private readonly handles = new Map<string, { kind: string; handle: unknown }>();

  constructor(backend: WindowBackend, tableName: string) {
    this.table = backend.getTable(tableName);
  }

  /** The cells of the current key and namespace. */
  cells(create: boolean): Cells | undefined {
    let byNs = this.table.get();
    if (!byNs) {
      if (!create) return undefined;
      byNs = new Map();
      this.table.set(byNs);
    }
    let c = byNs.get(this.ns);
    if (!c && create) {
      c = new Map();
      byNs.set(this.ns, c);
    }
    return c;
  }

  /** Removes one cell of the current key and namespace (and empty containers). */
  remove(name: string): void {
    const byNs = this.table.get();
    const c = byNs?.get(this.ns);
    if (!c) return;
    c.delete(name);
    if (c.size === 0) {
      byNs!.delete(this.ns);
      if (byNs!.size === 0) this.table.delete();
    }
  }

  /** Drops all state of the current key in namespace `ns`. */
  clearNamespace(ns: Namespace): void {
    const byNs = this.table.get();
    if (!byNs) return;
    byNs.delete(ns);
    if (byNs.size === 0) this.table.delete();
  }

  /** Merges state `d` of the `sources` namespaces into `target` (current key). */
  merge(d: StateDescriptor, target: Namespace, sources: readonly Namespace[]): void {
    const saved = this.ns;
    let merged: any;
    for (const s of sources) {
      if (s === target) continue;
      this.ns = s;
      const v = this.cells(false)?.get(d.name);
      if (v === undefined) continue;
      this.remove(d.name);
      merged = merged === undefined ? v : mergeValues(d, merged, v);
    }
    this.ns = target;
    if (merged !== undefined) {
      const cur = this.cells(false)?.get(d.name);
      this.cells(true)!.set(d.name, cur === undefined ? merged : mergeValues(d, cur, merged));
    }
    this.ns = saved;
  }

  /** The handle of `d`, reading the namespace current at each call. */
  getState(d: StateDescriptor): any {
    const existing = this.handles.get(d.name);
    if (existing) {
      if (existing.kind !== d.kind) {
        throw new FleuveError(
          "FLEUVE_STATE_INVALID",
          `window state '${d.name}' is already registered as ${existing.kind} state; it cannot also be ${d.kind} state`,
          { details: { state: d.name } },
        );
      }
      return existing.handle;
    }
    if (d.ttl) {
      throw new FleuveError(
        "FLEUVE_STATE_INVALID",
        `window state '${d.name}': TTL is not supported on per-window state (windows clean up their own state)`,
        { details: { state: d.name, option: "ttl" } },
      );
    }
    let handle: unknown;
    switch (d.kind) {
      case "value":
        handle = new NsValue(this, d.name, d.defaultValue);
        break;
      case "list":
        handle = new NsList(this, d.name);
        break;
      case "map":
        handle = new NsMap(this, d.name);
        break;
      case "reducing":
        handle = new NsReducing(this, d.name, d.reduce);
        break;
      case "aggregating":
        handle = new NsAggregating(this, d.name, d.aggregate);
        break;
    }
    this.handles.set(d.name, { kind: d.kind, handle });
    return handle;
  }
}

function mergeValues(d: StateDescriptor, a: any, b: any): any {
  switch (d.kind) {
    case "reducing":
      return d.reduce(a, b);
    case "aggregating":
      return d.aggregate.merge(a, b);
    case "list":
      return (a as unknown[]).concat(b as unknown[]);
    default:
      throw new FleuveError(
        "FLEUVE_STATE_INVALID",
        `window state '${d.name}' is ${d.kind} state, which cannot be merged; use reducing, aggregating or list state`,
        { details: { state: d.name } },
      );
  }
}

class NsValue<T> implements ValueState<T> {
  constructor(
    private readonly s: NamespacedState,
    private readonly name: string,
    private readonly def: T | undefined,
  ) {}
  value(): T | undefined {
    const v = this.s.cells(false)?.get(this.name);
    return v === undefined ? this.def : v;
  }
  update(value: T): void {
    if (value === undefined) this.clear();
    else this.s.cells(true)!.set(this.name, value);
  }
  clear(): void {
    this.s.remove(this.name);
  }
}

const EMPTY: readonly never[] = Object.freeze([]);

class NsList<T> implements ListState<T> {
  constructor(
    private readonly s: NamespacedState,
    private readonly name: string,
  ) {}
  get(): readonly T[] {
    return this.s.cells(false)?.get(this.name) ?? EMPTY;
  }
  add(value: T): void {
    const c = this.s.cells(true)!;
    const l = c.get(this.name);
    if (l) l.push(value);
    else c.set(this.name, [value]);
  }
  addAll(values: readonly T[]): void {
    for (const v of values) this.add(v);
  }
  update(values: readonly T[]): void {
    if (values.length === 0) this.clear();
    else this.s.cells(true)!.set(this.name, values.slice());
  }
  clear(): void {
    this.s.remove(this.name);
  }
}

class NsMap<K, V> implements MapState<K, V> {
  constructor(
    private readonly s: NamespacedState,
    private readonly name: string,
  ) {}
  private m(create: boolean): Map<K, V> | undefined {
    const c = this.s.cells(create);
    let m = c?.get(this.name);
    if (!m && create) {
      m = new Map();
      c!.set(this.name, m);
    }
    return m;
  }
  get(key: K): V | undefined {
    return this.m(false)?.get(key);
  }
  put(key: K, value: V): void {
    this.m(true)!.set(key, value);
  }
  putAll(entries: Iterable<[K, V]>): void {
    for (const [k, v] of entries) this.put(k, v);
  }
  contains(key: K): boolean {
    return this.m(false)?.has(key) ?? false;
  }
  remove(key: K): void {
    const m = this.m(false);
    if (!m) return;
    m.delete(key);
    if (m.size === 0) this.clear();
  }
  entries(): IterableIterator<[K, V]> {
    return (this.m(false) ?? new Map<K, V>()).entries();
  }
  keys(): IterableIterator<K> {
    return (this.m(false) ?? new Map<K, V>()).keys();
  }
  values(): IterableIterator<V> {
    return (this.m(false) ?? new Map<K, V>()).values();
  }
  isEmpty(): boolean {
    return (this.m(false)?.size ?? 0) === 0;
  }
  clear(): void {
    this.s.remove(this.name);
  }
}

class NsReducing<T> implements ReducingState<T> {
  constructor(
    private readonly s: NamespacedState,
    private readonly name: string,
    private readonly reduce: (a: T, b: T) => T,
  ) {}
  get(): T | undefined {
    return this.s.cells(false)?.get(this.name);
  }
  add(value: T): void {
    const c = this.s.cells(true)!;
    const cur = c.get(this.name);
    c.set(this.name, cur === undefined ? value : this.reduce(cur, value));
  }
  clear(): void {
    this.s.remove(this.name);
  }
}

class NsAggregating<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  constructor(
    private readonly s: NamespacedState,
    private readonly name: string,
    private readonly agg: AggregateFunction<IN, ACC, OUT>,
  ) {}
  get(): OUT | undefined {
    const a = this.s.cells(false)?.get(this.name);
    return a === undefined ? undefined : this.agg.getResult(a);
  }
  add(value: IN): void {
    const c = this.s.cells(true)!;
    c.set(this.name, this.agg.add(value, c.get(this.name) ?? this.agg.createAccumulator()));
  }
  clear(): void {
    this.s.remove(this.name);
  }
}
