/**
 * State descriptors: the name and kind of a piece of state, plus its TTL. Declared by user
 * functions in `open()` through the runtime context, as in Flink.
 */
import { FleuveError } from "../errors.js";

/** Time-to-live for keyed state (Flink's StateTtlConfig, processing time). */
export interface StateTtlConfig {
  /** Entries older than this many ms of processing time expire. */
  readonly ttlMs: number;
  /** What refreshes an entry's age: writes only (default) or reads and writes. */
  readonly updateType?: "OnCreateAndWrite" | "OnReadAndWrite";
  /** Whether an expired entry not yet cleaned up may still be returned (default: never). */
  readonly visibility?: "NeverReturnExpired" | "ReturnExpiredIfNotCleanedUp";
}

/** Aggregation with an accumulator (Flink's AggregateFunction). `merge` is needed by session windows and slicing. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  /** Adds a value; may mutate and return `acc` (cheaper) or return a new accumulator. */
  add(value: IN, acc: ACC): ACC;
  getResult(acc: ACC): OUT;
  /** Combines two accumulators; may mutate and return `a`. */
  merge(a: ACC, b: ACC): ACC;
}

/** Combines two values of one type (must be associative). */
export type ReduceFunction<T> = (a: T, b: T) => T;

interface BaseDescriptor {
  readonly name: string;
  readonly ttl?: StateTtlConfig;
}
/** A single value per key. */
export interface ValueStateDescriptor<T> extends BaseDescriptor {
  readonly kind: "value";
  readonly defaultValue?: T;
}
/** A list per key. */
export interface ListStateDescriptor<T> extends BaseDescriptor {
  readonly kind: "list";
  /** @internal phantom */ readonly __t?: T;
}
/** A map per key. */
export interface MapStateDescriptor<K, V> extends BaseDescriptor {
  readonly kind: "map";
  /** @internal phantom */ readonly __t?: [K, V];
}
/** A value per key, kept reduced. */
export interface ReducingStateDescriptor<T> extends BaseDescriptor {
  readonly kind: "reducing";
  readonly reduce: ReduceFunction<T>;
}
/** An accumulator per key. */
export interface AggregatingStateDescriptor<IN, ACC, OUT> extends BaseDescriptor {
  readonly kind: "aggregating";
  readonly aggregate: AggregateFunction<IN, ACC, OUT>;
}
/** Any state descriptor. */
export type StateDescriptor =
  | ValueStateDescriptor<any>
  | ListStateDescriptor<any>
  | MapStateDescriptor<any, any>
  | ReducingStateDescriptor<any>
  | AggregatingStateDescriptor<any, any, any>;

function checkName(name: string): void {
  if (typeof name !== "string" || name.length === 0) {
    throw new FleuveError("FLEUVE_STATE_INVALID", "a state descriptor needs a non-empty name", {
      details: { option: "name", value: name },
    });
  }
}
function checkTtl(ttl: StateTtlConfig | undefined, name: string): void {
  if (ttl && !(Number.isFinite(ttl.ttlMs) && ttl.ttlMs > 0)) {
    throw new FleuveError(
      "FLEUVE_STATE_INVALID",
      `state '${name}': ttl.ttlMs must be > 0, got ${ttl.ttlMs}`,
      {
        details: { option: "ttl.ttlMs", value: ttl.ttlMs },
      },
    );
  }
}

/** Describes a {@link ValueState}. */
export function valueState<T>(
  name: string,
  options?: { defaultValue?: T; ttl?: StateTtlConfig },
): ValueStateDescriptor<T> {
  checkName(name);
  checkTtl(options?.ttl, name);
  return { kind: "value", name, defaultValue: options?.defaultValue, ttl: options?.ttl };
}
/** Describes a {@link ListState}. */
export function listState<T>(name: string, options?: { ttl?: StateTtlConfig }): ListStateDescriptor<T> {
  checkName(name);
  checkTtl(options?.ttl, name);
  return { kind: "list", name, ttl: options?.ttl };
}
/** Describes a {@link MapState}. */
export function mapState<K, V>(name: string, options?: { ttl?: StateTtlConfig }): MapStateDescriptor<K, V> {
  checkName(name);
  checkTtl(options?.ttl, name);
  return { kind: "map", name, ttl: options?.ttl };
}
/** Describes a {@link ReducingState}. */
export function reducingState<T>(
  name: string,
  reduce: ReduceFunction<T>,
  options?: { ttl?: StateTtlConfig },
): ReducingStateDescriptor<T> {
  checkName(name);
  checkTtl(options?.ttl, name);
  return { kind: "reducing", name, reduce, ttl: options?.ttl };
}
/** Describes an {@link AggregatingState}. */
export function aggregatingState<IN, ACC, OUT>(
  name: string,
  aggregate: AggregateFunction<IN, ACC, OUT>,
  options?: { ttl?: StateTtlConfig },
): AggregatingStateDescriptor<IN, ACC, OUT> {
  checkName(name);
  checkTtl(options?.ttl, name);
  return { kind: "aggregating", name, aggregate, ttl: options?.ttl };
}

/** Keyed value state: one value for the current key. */
export interface ValueState<T> {
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}
/** Keyed list state. */
export interface ListState<T> {
  /** The list for the current key (a copy-free view; do not mutate it). Empty when none. */
  get(): readonly T[];
  add(value: T): void;
  addAll(values: readonly T[]): void;
  update(values: readonly T[]): void;
  clear(): void;
}
/** Keyed map state. */
export interface MapState<K, V> {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  putAll(entries: Iterable<[K, V]>): void;
  contains(key: K): boolean;
  remove(key: K): void;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  isEmpty(): boolean;
  clear(): void;
}
/** Keyed reducing state. */
export interface ReducingState<T> {
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}
/** Keyed aggregating state. */
export interface AggregatingState<IN, OUT> {
  get(): OUT | undefined;
  add(value: IN): void;
  clear(): void;
}
