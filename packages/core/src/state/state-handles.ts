/**
 * The state handles (value, list, map, reducing, aggregating) over a {@link StateTable}, with TTL.
 * Shared by the heap backend (tables are plain Maps) and disk backends (tables are caches in
 * front of a store), so every backend has exactly the heap's semantics.
 */
import type { NormalizedKey } from "../spi/key-groups.js";
import type {
  AggregatingState,
  ListState,
  MapState,
  ReducingState,
  StateTtlConfig,
  ValueState,
} from "../spi/state-descriptors.js";

/**
 * The per-state map from normalized key to entry. A `Map` is one; disk backends implement it
 * with a write-back cache. Entries handed out by `get` may be mutated in place by the caller.
 */
export interface StateTable<V = any> {
  get(key: NormalizedKey): V | undefined;
  set(key: NormalizedKey, value: V): unknown;
  delete(key: NormalizedKey): unknown;
  keys(): IterableIterator<NormalizedKey>;
  entries(): IterableIterator<[NormalizedKey, V]>;
  readonly size: number;
}

/** Where handles read the current key from (the backend). */
export interface CurrentKeySource {
  readonly currentKey: NormalizedKey;
}

interface TtlEntry<T> {
  v: T;
  t: number;
}

/** TTL bookkeeping: wraps values with their last-update time. */
export class Ttl {
  readonly onRead: boolean;
  readonly returnExpired: boolean;
  constructor(
    readonly config: StateTtlConfig,
    readonly clock: () => number,
  ) {
    this.onRead = config.updateType === "OnReadAndWrite";
    this.returnExpired = config.visibility === "ReturnExpiredIfNotCleanedUp";
  }
  wrap<T>(v: T): TtlEntry<T> {
    return { v, t: this.clock() };
  }
  expired(e: TtlEntry<unknown>): boolean {
    return this.clock() - e.t >= this.config.ttlMs;
  }
  /** Reads a wrapped value, handling expiry and refresh-on-read. `drop` removes the expired entry. */
  read<T>(e: TtlEntry<T> | undefined, drop: () => void): T | undefined {
    if (e === undefined) return undefined;
    if (this.expired(e)) {
      if (this.returnExpired) {
        const v = e.v;
        drop();
        return v;
      }
      drop();
      return undefined;
    }
    if (this.onRead) e.t = this.clock();
    return e.v;
  }
}

export class HeapValueState<T> implements ValueState<T> {
  constructor(
    private readonly b: CurrentKeySource,
    private readonly map: StateTable,
    private readonly defaultValue: T | undefined,
    private readonly ttl: Ttl | undefined,
  ) {}
  value(): T | undefined {
    const k = this.b.currentKey;
    const v = this.ttl ? this.ttl.read<T>(this.map.get(k), () => this.map.delete(k)) : this.map.get(k);
    return v === undefined ? this.defaultValue : v;
  }
  update(value: T): void {
    if (value === undefined) {
      this.clear();
      return;
    }
    this.map.set(this.b.currentKey, this.ttl ? this.ttl.wrap(value) : value);
  }
  clear(): void {
    this.map.delete(this.b.currentKey);
  }
}

const EMPTY: readonly never[] = Object.freeze([]);

export class HeapListState<T> implements ListState<T> {
  constructor(
    private readonly b: CurrentKeySource,
    private readonly map: StateTable,
    private readonly ttl: Ttl | undefined,
  ) {}
  get(): readonly T[] {
    const k = this.b.currentKey;
    const list = this.map.get(k) as any[] | undefined;
    if (!list) return EMPTY;
    if (!this.ttl) return list;
    // Per-element TTL, as in Flink: drop expired elements, refresh on read if configured.
    const ttl = this.ttl;
    const out: T[] = [];
    const kept: TtlEntry<T>[] = [];
    for (const e of list as TtlEntry<T>[]) {
      if (ttl.expired(e)) {
        if (ttl.returnExpired) out.push(e.v);
        continue;
      }
      if (ttl.onRead) e.t = ttl.clock();
      kept.push(e);
      out.push(e.v);
    }
    if (kept.length === 0) this.map.delete(k);
    else if (kept.length !== list.length) this.map.set(k, kept);
    return out;
  }
  add(value: T): void {
    const k = this.b.currentKey;
    const item = this.ttl ? this.ttl.wrap(value) : value;
    const list = this.map.get(k);
    if (list) list.push(item);
    else this.map.set(k, [item]);
  }
  addAll(values: readonly T[]): void {
    for (const v of values) this.add(v);
  }
  update(values: readonly T[]): void {
    if (values.length === 0) {
      this.clear();
      return;
    }
    const ttl = this.ttl;
    this.map.set(this.b.currentKey, ttl ? values.map((v) => ttl.wrap(v)) : values.slice());
  }
  clear(): void {
    this.map.delete(this.b.currentKey);
  }
}

export class HeapMapState<K, V> implements MapState<K, V> {
  constructor(
    private readonly b: CurrentKeySource,
    private readonly map: StateTable<Map<K, any>>,
    private readonly ttl: Ttl | undefined,
  ) {}
  private inner(create: boolean): Map<K, any> | undefined {
    const k = this.b.currentKey;
    let m = this.map.get(k);
    if (!m && create) {
      m = new Map();
      this.map.set(k, m);
    }
    return m;
  }
  private dropIfEmpty(m: Map<K, any>): void {
    if (m.size === 0) this.map.delete(this.b.currentKey);
  }
  get(key: K): V | undefined {
    const m = this.inner(false);
    if (!m) return undefined;
    if (!this.ttl) return m.get(key);
    const v = this.ttl.read<V>(m.get(key), () => m.delete(key));
    this.dropIfEmpty(m);
    return v;
  }
  put(key: K, value: V): void {
    this.inner(true)!.set(key, this.ttl ? this.ttl.wrap(value) : value);
  }
  putAll(entries: Iterable<[K, V]>): void {
    for (const [k, v] of entries) this.put(k, v);
  }
  contains(key: K): boolean {
    return this.get(key) !== undefined;
  }
  remove(key: K): void {
    const m = this.inner(false);
    if (!m) return;
    m.delete(key);
    this.dropIfEmpty(m);
  }
  *entries(): IterableIterator<[K, V]> {
    const m = this.inner(false);
    if (!m) return;
    if (!this.ttl) {
      yield* m.entries();
      return;
    }
    for (const k of [...m.keys()]) {
      const v = this.get(k);
      if (v !== undefined) yield [k, v];
    }
  }
  *keys(): IterableIterator<K> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }
  isEmpty(): boolean {
    // Without TTL an empty map is dropped (dropIfEmpty), so its size says it without a generator.
    if (!this.ttl) return (this.inner(false)?.size ?? 0) === 0;
    return this.entries().next().done === true;
  }
  clear(): void {
    this.map.delete(this.b.currentKey);
  }
}

export class HeapReducingState<T> implements ReducingState<T> {
  constructor(
    private readonly b: CurrentKeySource,
    private readonly map: StateTable,
    private readonly reduce: (a: T, b: T) => T,
    private readonly ttl: Ttl | undefined,
  ) {}
  get(): T | undefined {
    const k = this.b.currentKey;
    return this.ttl ? this.ttl.read<T>(this.map.get(k), () => this.map.delete(k)) : this.map.get(k);
  }
  add(value: T): void {
    const cur = this.get();
    const next = cur === undefined ? value : this.reduce(cur, value);
    this.map.set(this.b.currentKey, this.ttl ? this.ttl.wrap(next) : next);
  }
  clear(): void {
    this.map.delete(this.b.currentKey);
  }
}

export class HeapAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  constructor(
    private readonly b: CurrentKeySource,
    private readonly map: StateTable,
    private readonly agg: {
      createAccumulator(): ACC;
      add(v: IN, a: ACC): ACC;
      getResult(a: ACC): OUT;
    },
    private readonly ttl: Ttl | undefined,
  ) {}
  private acc(): ACC | undefined {
    const k = this.b.currentKey;
    return this.ttl ? this.ttl.read<ACC>(this.map.get(k), () => this.map.delete(k)) : this.map.get(k);
  }
  get(): OUT | undefined {
    const a = this.acc();
    return a === undefined ? undefined : this.agg.getResult(a);
  }
  add(value: IN): void {
    const a = this.acc() ?? this.agg.createAccumulator();
    const next = this.agg.add(value, a);
    this.map.set(this.b.currentKey, this.ttl ? this.ttl.wrap(next) : next);
  }
  clear(): void {
    this.map.delete(this.b.currentKey);
  }
}
