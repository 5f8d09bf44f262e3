/**
 * @internal The part of a keyed state backend the window operators use, declared structurally so
 * that any backend offering per-key tables (heap, on-disk) fits.
 */
import type { Key, NormalizedKey } from "../spi/key-groups.js";

/** A per-key table: the entry of the current key (entries may be mutated in place). */
export interface WindowTable<V> {
  get(): V | undefined;
  set(value: V): void;
  delete(): void;
  entries(): IterableIterator<[NormalizedKey, V]>;
  readonly size: number;
}

/** Tables and the current key. */
export interface WindowBackend {
  getTable<V>(name: string): WindowTable<V>;
  readonly currentKey: NormalizedKey;
  getCurrentKey(): Key;
  setCurrentKey(key: Key, normalized: NormalizedKey): void;
  rawKey(normalized: NormalizedKey): Key;
}
