/**
 * The in-memory keyed state backend (Flink's HashMapStateBackend).
 *
 * Each piece of state is a table `Map<NormalizedKey, entry>`; the operator sets the current key
 * before calling user code, and state handles read and write the current key's entry. Key groups
 * are computed only when snapshotting, so the per-record path is one Map lookup.
 */
import { serialize } from "node:v8";
import { FleuveError } from "../errors.js";
import { type Key, keyGroupOf, type NormalizedKey } from "../spi/key-groups.js";
import {
  type HeapKeyedStateSnapshot,
  isExternalSnapshot,
  type KeyedStateBackendFactory,
  type KeyedStateSnapshot,
} from "../spi/keyed-state-backend.js";
import type { StateTable } from "./state-handles.js";
import { TableKeyedStateBackend } from "./table-keyed-state-backend.js";

export type { KeyedStateSnapshot, KeyedTable } from "../spi/keyed-state-backend.js";

/** Entries per table whose serialized size {@link HeapKeyedStateBackend.approximateSizeBytes} measures. */
const SIZE_SAMPLE = 32;
/** How long a table's sampled mean entry size is reused before sampling again. */
const SIZE_RESAMPLE_MS = 10_000;

function serializedSize(entry: unknown): number {
  try {
    return serialize(entry).length;
  } catch {
    return 0; // a value v8 cannot serialize (a function...) would fail the checkpoint anyway
  }
}

/** The keyed state of one operator subtask, held in memory. */
export class HeapKeyedStateBackend extends TableKeyedStateBackend {
  protected readonly tables = new Map<string, Map<NormalizedKey, any>>();
  protected readonly rawKeys = new Map<NormalizedKey, Key>();

  protected rememberRawKey(normalized: NormalizedKey, key: Key): void {
    this.rawKeys.set(normalized, key);
  }

  /** Entries live in the tables' Maps themselves, and snapshots serialize them when taken. */
  protected override get stableTables(): boolean {
    return true;
  }

  /** The key as the selector returned it, for a normalized key seen by this backend. */
  rawKey(normalized: NormalizedKey): Key {
    return this.rawKeys.get(normalized) ?? (normalized as Key);
  }

  /** The normalized keys having an entry in state `name`. */
  keysOf(name: string): NormalizedKey[] {
    const m = this.tables.get(name);
    return m ? [...m.keys()] : [];
  }

  /** Number of keys having any state, summed over tables (for metrics and tests). */
  get approximateEntries(): number {
    let n = 0;
    for (const m of this.tables.values()) n += m.size;
    return n;
  }

  /**
   * An estimate of the bytes of the keyed state in serialized form (what a checkpoint writes, v8
   * serialization of `[key, entry]`): per table, the mean size of up to {@link SIZE_SAMPLE}
   * entries times the table's current entry count. The mean is sampled again at most every
   * {@link SIZE_RESAMPLE_MS}, since serializing runs on the task's thread and worker threads read
   * this every second. Objects in memory take more.
   */
  get approximateSizeBytes(): number {
    const now = Date.now();
    let bytes = 0;
    for (const [name, m] of this.tables) {
      if (m.size === 0) continue;
      let sample = this.meanEntryBytes.get(name);
      if (sample === undefined || now - sample.at >= SIZE_RESAMPLE_MS) {
        let sampled = 0;
        let sampleBytes = 0;
        for (const entry of m) {
          sampleBytes += serializedSize(entry);
          if (++sampled === SIZE_SAMPLE) break;
        }
        sample = { mean: sampleBytes / sampled, at: now };
        this.meanEntryBytes.set(name, sample);
      }
      bytes += Math.round(sample.mean * m.size);
    }
    return bytes;
  }

  /** Per table: the last sampled mean serialized size of an entry, and when (for approximateSizeBytes). */
  private readonly meanEntryBytes = new Map<string, { mean: number; at: number }>();

  /** Snapshot of all tables by key group. Entries are shared, not copied: serialize before mutating. */
  snapshot(): KeyedStateSnapshot {
    return this.heapSnapshot();
  }

  /** {@link snapshot} as the heap format (also what subclasses materialize). */
  protected heapSnapshot(): HeapKeyedStateSnapshot {
    const keyGroups: Record<number, Record<string, [NormalizedKey, unknown][]>> = {};
    for (const [name, map] of this.tables) {
      for (const [k, v] of map) {
        const kg = keyGroupOf(k, this.maxParallelism);
        const g = (keyGroups[kg] ??= {});
        (g[name] ??= []).push([k, v]);
      }
    }
    return { keyGroups, kinds: this.kindsForSnapshot(), rawKeys: [...this.rawKeys] };
  }

  /** Restores the key groups in `range` from one or more snapshots (several when scaling in). */
  restore(snapshots: readonly KeyedStateSnapshot[], range: { start: number; end: number }): void {
    for (const snap of snapshots) {
      if (isExternalSnapshot(snap)) {
        throw new FleuveError(
          "FLEUVE_STATE_INCOMPATIBLE",
          `the checkpoint holds keyed state of the '${snap.backend}' backend, which the heap backend cannot read: run the job with the same state backend (EnvironmentOptions.stateBackend)`,
          { details: { backend: snap.backend } },
        );
      }
      for (const [name, kind] of Object.entries(snap.kinds ?? {})) this.restoredKinds.set(name, kind);
      for (const [nk, raw] of snap.rawKeys ?? []) this.rawKeys.set(nk, raw);
      for (const [kgStr, byName] of Object.entries(snap.keyGroups)) {
        const kg = Number(kgStr);
        if (kg < range.start || kg > range.end) continue;
        for (const [name, entries] of Object.entries(byName)) {
          const map = this.rawTable(name);
          for (const [k, v] of entries) map.set(k, v);
        }
      }
    }
  }

  /** The table state handles use for `name` (subclasses may wrap it). */
  protected table(name: string): StateTable {
    return this.rawTable(name);
  }

  /** The map behind state `name`, created empty when new. */
  protected rawTable(name: string): Map<NormalizedKey, any> {
    let m = this.tables.get(name);
    if (!m) {
      m = new Map();
      this.tables.set(name, m);
    }
    return m;
  }
}

/** The default backend factory: state in memory ({@link HeapKeyedStateBackend}). */
export function heapStateBackend(): KeyedStateBackendFactory {
  return (ctx) => new HeapKeyedStateBackend(ctx.maxParallelism, ctx.clock);
}
