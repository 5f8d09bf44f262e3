/**
 * The contract between keyed operators and a keyed state backend (Flink's KeyedStateBackend).
 * The runtime creates one backend per keyed operator subtask through a
 * {@link KeyedStateBackendFactory}; the heap backend is the default, `@fleuve/state-lmdb` keeps
 * state on disk. Operators only use what is declared here.
 */
import type { Key, NormalizedKey } from "./key-groups.js";
import type {
  AggregatingState,
  AggregatingStateDescriptor,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  ValueState,
  ValueStateDescriptor,
} from "./state-descriptors.js";

/** A table of per-key entries, for operators that manage their own state layout (e.g. windows). */
export interface KeyedTable<V> {
  /** The entry of the current key, or undefined. Change it, then {@link set} it (only a {@link stable} table keeps changes made without `set`). */
  get(): V | undefined;
  /** Sets the entry of the current key. */
  set(value: V): void;
  /** Removes the entry of the current key. */
  delete(): void;
  /** Every (normalized key, entry): for snapshots and for operators that sweep all keys. */
  entries(): IterableIterator<[NormalizedKey, V]>;
  /** Number of keys with an entry. */
  readonly size: number;
  /**
   * True when entries are live objects held by the table: the object `get()` returns stays the
   * key's entry until `set` or `delete`, and changes made to it in place are kept (and seen by the
   * next snapshot) without `set`, even when made without a `get` under that key (e.g. through a
   * reference the operator kept). An operator may then skip the `set` of an entry it changed and
   * the `get` of one it holds. The heap backend's tables are stable; false or absent (a backend
   * that caches, evicts or tracks changed keys on `get`/`set`): call `get`, change, then `set`.
   */
  readonly stable?: boolean;
}

/** Heap snapshot of keyed state, grouped by key group so it can be redistributed on rescale. */
export interface HeapKeyedStateSnapshot {
  /** keyGroup -> state name -> [normalizedKey, entry][] */
  readonly keyGroups: Record<number, Record<string, [NormalizedKey, unknown][]>>;
  /** state name -> kind ("value", "list", ..., "table"), with "+ttl" when entries carry a TTL stamp */
  readonly kinds?: Record<string, string>;
  /** raw keys of composite/bigint keys: normalized -> raw */
  readonly rawKeys?: [NormalizedKey, Key][];
}

/**
 * A file of backend-written state in a checkpoint. Before the coordinator writes it, `data`
 * holds its bytes; afterwards `data` is gone and `folder`/`name` say where it is (`folder` is a
 * checkpoint folder name under the checkpoint root, e.g. `chk-12`; `path` is filled in on load).
 */
export interface StateFileRef {
  /** Bytes to write (present until the coordinator has moved them into a file). */
  data?: Uint8Array;
  /** Checkpoint folder holding the file (relative to the checkpoint root; undefined = same folder). */
  folder?: string;
  /** File name inside that folder. */
  name?: string;
  /** Absolute path, set when the checkpoint is loaded for restore. */
  path?: string;
  /** Size in bytes. */
  bytes: number;
}

/**
 * Snapshot of a backend that writes its own files (e.g. incremental LMDB checkpoints): `files`
 * are new in this checkpoint, `references` were written by earlier checkpoints and must be kept.
 */
export interface ExternalKeyedStateSnapshot {
  /** Backend format tag, e.g. "lmdb-incremental/1". */
  readonly backend: string;
  /** Files new in this checkpoint (bytes inline until written). */
  readonly files: StateFileRef[];
  /** Files of earlier checkpoints this snapshot builds on, oldest first. */
  readonly references: StateFileRef[];
  /** Backend-specific description (key-group range, kinds, chain layout). Plain data. */
  readonly meta: unknown;
  /**
   * Called by the coordinator once the checkpoint is durable, with the folder name the new
   * files went to. Define it non-enumerable (functions are not data: snapshots get cloned).
   */
  onComplete?: (folder: string) => void;
  /**
   * Asynchronous work the checkpoint must wait for before it counts as durable (e.g. changes
   * appended to a changelog). Non-enumerable, like `onComplete`.
   */
  persist?: () => Promise<void>;
  /**
   * The same state as a self-contained heap snapshot, for savepoints (which must not depend on
   * earlier checkpoints or on a changelog). Non-enumerable; called right after `snapshot()`.
   */
  standalone?: () => HeapKeyedStateSnapshot;
}

/** What a backend returns from {@link KeyedStateBackend.snapshot}. */
export type KeyedStateSnapshot = HeapKeyedStateSnapshot | ExternalKeyedStateSnapshot;

/** True for snapshots whose state lives in backend-written files. */
export function isExternalSnapshot(s: KeyedStateSnapshot): s is ExternalKeyedStateSnapshot {
  return typeof (s as ExternalKeyedStateSnapshot).backend === "string";
}

/** The keyed state of one operator subtask. */
export interface KeyedStateBackend {
  /** Key-group count of the job. */
  readonly maxParallelism: number;
  /** Sets the key that state handles and timers act on. */
  setCurrentKey(key: Key, normalized: NormalizedKey): void;
  /** The current key as the key selector returned it. */
  getCurrentKey(): Key;
  /** The current key, normalized. */
  readonly currentKey: NormalizedKey;
  /** The state handle for a descriptor (the same handle for the same name). */
  getState<T>(d: ValueStateDescriptor<T>): ValueState<T>;
  getState<T>(d: ListStateDescriptor<T>): ListState<T>;
  getState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V>;
  getState<T>(d: ReducingStateDescriptor<T>): ReducingState<T>;
  getState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  /** A raw per-key table registered under `name` (included in snapshots). */
  getTable<V>(name: string): KeyedTable<V>;
  /** The key as the selector returned it, for a normalized key seen by this backend. */
  rawKey(normalized: NormalizedKey): Key;
  /** The normalized keys having an entry in state `name`. */
  keysOf(name: string): NormalizedKey[];
  /** Number of (state, key) entries (for metrics and tests). */
  readonly approximateEntries: number;
  /**
   * Bytes the keyed state takes, for metrics (read on the task's thread when metrics are sampled,
   * about once a second on worker threads whether or not a reporter reads them; never per
   * record), so it must stay cheap: each backend says whether it is exact or an estimate. Absent:
   * not known.
   */
  readonly approximateSizeBytes?: number;
  /** Snapshot for a checkpoint, taken between two records. */
  snapshot(): KeyedStateSnapshot;
  /** Restores the key groups in `range` from one or more snapshots (several when scaling in). */
  restore(snapshots: readonly KeyedStateSnapshot[], range: { start: number; end: number }): void;
  /** Releases resources (files, handles). The backend is not used afterwards. */
  dispose?(): void;
}

/** What the runtime tells a factory about the subtask it creates a backend for. */
export interface KeyedStateBackendContext {
  readonly maxParallelism: number;
  /** Processing-time clock (state TTL). */
  readonly clock: () => number;
  readonly jobName: string;
  readonly operatorId: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
}

/**
 * Creates the keyed state backend of one keyed operator subtask (EnvironmentOptions.stateBackend).
 * A factory whose snapshots need asynchronous reads before they can be restored (a changelog)
 * has `prepareRestore`, which the runtime awaits with the keyed snapshots of a checkpoint before
 * any backend's synchronous {@link KeyedStateBackend.restore}.
 */
export type KeyedStateBackendFactory = ((ctx: KeyedStateBackendContext) => KeyedStateBackend) & {
  /** Resolves with a line for the log saying what it fetched, if anything. */
  prepareRestore?: (snapshots: readonly KeyedStateSnapshot[]) => Promise<string | undefined>;
};
