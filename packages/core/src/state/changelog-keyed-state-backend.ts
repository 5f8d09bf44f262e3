/**
 * The heap backend with a changelog (Flink's changelog state backend over the heap backend).
 *
 * Entries live in memory as in {@link HeapKeyedStateBackend}; the backend also remembers which
 * (state, key) entries were touched since the last snapshot. A snapshot is then either
 * - a materialization: the whole state as one file in the checkpoint (the first snapshot, then
 *   every `materializeEvery` snapshots, or the first snapshot `materializeIntervalMs` after the
 *   previous materialization, as Flink's periodic materialization), or
 * - a delta: the touched entries, appended to the changelog as segment `seq`, and a checkpoint
 *   entry that names the last materialization plus the changelog segments written since.
 *
 * Restoring reads the materialization file, then applies the segments in order (the runtime
 * first awaits the factory's `prepareRestore`, which fetches them). Timers and operator state
 * stay in the checkpoint files as for every backend.
 *
 * Entries are handed out mutable (windows change them in place), so reading an entry marks it
 * touched too: a delta may rewrite an unchanged entry, never miss a changed one.
 */
import { readFile } from "node:fs/promises";
import { deserialize, serialize } from "node:v8";
import { FleuveError } from "../errors.js";
import { type Key, keyGroupOf, type NormalizedKey } from "../spi/key-groups.js";
import {
  type ExternalKeyedStateSnapshot,
  type HeapKeyedStateSnapshot,
  isExternalSnapshot,
  type KeyedStateBackendFactory,
  type KeyedStateSnapshot,
  type StateFileRef,
} from "../spi/keyed-state-backend.js";
import type { ChangelogHandle, StateChangelogStorage, StateChangelogWriter } from "./changelog.js";
import { HeapKeyedStateBackend } from "./heap-keyed-state-backend.js";
import type { StateTable } from "./state-handles.js";

/** Backend tag of changelog snapshots. */
export const CHANGELOG_BACKEND = "heap-changelog/1";

/** What a changelog snapshot keeps in `meta`. */
interface ChangelogMeta {
  readonly kinds: Record<string, string>;
  /** Changes since the materialization (absent in a materialization). */
  readonly handle?: ChangelogHandle;
}

/** Options of {@link changelogStateBackend}. */
export interface ChangelogStateBackendOptions {
  /**
   * A full copy of the state every this many snapshots (default 10, or none when
   * `materializeIntervalMs` is given); deltas in between.
   */
  readonly materializeEvery?: number;
  /**
   * A full copy of the state at the first snapshot this long after the previous one started (by
   * time, so frequent light checkpoints, e.g. a short commit interval, do not copy the state more
   * often). With `materializeEvery` too, whichever comes first.
   */
  readonly materializeIntervalMs?: number;
  /**
   * Completed checkpoints kept (`checkpointing.retained`, default 1): the changelog keeps what
   * their materializations need, and one more.
   */
  readonly retainedCheckpoints?: number;
  /** Target size of one changelog chunk in bytes (default 512 KiB; one entry is never split). */
  readonly chunkBytes?: number;
}

/** A snapshot's materialization and changes, fetched by `prepareRestore`. */
const prepared = new WeakMap<object, { base: HeapKeyedStateSnapshot; changes: Uint8Array[] }>();

/** A materialization known durable, and the writer its deltas go to. */
interface Materialized {
  readonly seq: number;
  readonly ref: StateFileRef;
  readonly writer: StateChangelogWriter;
}

/** The keyed state of one operator subtask, in memory, with its changes in a changelog. */
export class ChangelogKeyedStateBackend extends HeapKeyedStateBackend {
  private readonly dirty = new Map<string, Set<NormalizedKey>>();
  private readonly views = new Map<string, StateTable>();
  private seq = 0;
  /** Sequence number of the newest materialization taken (completed or not). */
  private lastMaterialization = 0;
  private materialized: Materialized | undefined;
  /** Start positions of the newest completed materializations' writers, oldest first. */
  private readonly kept: string[] = [];
  private readonly materializeEvery: number;
  private readonly materializeIntervalMs: number;
  /** When the newest materialization was taken (`performance.now()`). */
  private materializedAt = 0;
  private readonly keep: number;
  private readonly chunkBytes: number;
  /** Entries per changelog chunk, adapted to the entries' size. */
  private perChunk = 256;

  /**
   * @param maxParallelism key-group count of the job
   * @param clock processing-time clock (state TTL)
   * @param newWriter a new changelog writer (one per materialization)
   */
  constructor(
    maxParallelism: number,
    clock: () => number,
    private readonly newWriter: () => StateChangelogWriter,
    options: ChangelogStateBackendOptions = {},
  ) {
    super(maxParallelism, clock);
    this.materializeIntervalMs = options.materializeIntervalMs ?? Number.POSITIVE_INFINITY;
    this.materializeEvery =
      options.materializeEvery ??
      (options.materializeIntervalMs === undefined ? 10 : Number.POSITIVE_INFINITY);
    this.keep = (options.retainedCheckpoints ?? 1) + 1;
    this.chunkBytes = options.chunkBytes ?? 512 * 1024;
  }

  /** Not stable: a key's change must pass through `get` or `set` to be in the next delta. */
  protected override get stableTables(): boolean {
    return false;
  }

  protected override table(name: string): StateTable {
    let view = this.views.get(name);
    if (view) return view;
    const map = this.rawTable(name);
    const t = new Set<NormalizedKey>();
    this.dirty.set(name, t);
    view = {
      get(k) {
        t.add(k);
        return map.get(k);
      },
      set(k, v) {
        t.add(k);
        return map.set(k, v);
      },
      delete(k) {
        t.add(k);
        return map.delete(k);
      },
      keys: () => map.keys(),
      entries: () => map.entries(),
      get size() {
        return map.size;
      },
    };
    this.views.set(name, view);
    return view;
  }

  /** A materialization or a delta (see the file comment). */
  override snapshot(): ExternalKeyedStateSnapshot {
    const seq = ++this.seq;
    const kinds = this.kindsForSnapshot();
    const m = this.materialized;
    // Deltas build on the newest materialization only once it is durable: one still in flight
    // (or lost with its checkpoint) took the touched set with it, so take a new one.
    const snap =
      m === undefined ||
      m.seq !== this.lastMaterialization ||
      seq - m.seq >= this.materializeEvery ||
      performance.now() - this.materializedAt >= this.materializeIntervalMs
        ? this.materialize(seq, kinds)
        : this.delta(seq, m, kinds);
    Object.defineProperty(snap, "standalone", { value: () => this.heapSnapshot(), configurable: true });
    return snap;
  }

  private materialize(seq: number, kinds: Record<string, string>): ExternalKeyedStateSnapshot {
    const data = serialize(this.heapSnapshot());
    for (const t of this.dirty.values()) t.clear();
    this.lastMaterialization = seq;
    this.materializedAt = performance.now();
    const writer = this.newWriter();
    const file: StateFileRef = { data, bytes: data.length };
    const meta: ChangelogMeta = { kinds };
    const snap: ExternalKeyedStateSnapshot = {
      backend: CHANGELOG_BACKEND,
      files: [file],
      references: [],
      meta,
    };
    Object.defineProperties(snap, {
      // The writer's start position must be known before deltas name it.
      persist: { value: () => writer.persist(), configurable: true },
      onComplete: {
        value: (folder: string) => {
          if (seq !== this.lastMaterialization || file.name === undefined || writer.from === undefined)
            return;
          this.materialized = { seq, ref: { folder, name: file.name, bytes: file.bytes }, writer };
          this.kept.push(writer.from);
          if (this.kept.length > this.keep) this.kept.shift();
          // A new backend (after a restart) releases nothing until it holds `keep`
          // materializations: until then, retained checkpoints of its predecessor need theirs.
          if (this.kept.length === this.keep) writer.release(this.kept[0]!);
        },
        configurable: true,
      },
    });
    return snap;
  }

  private delta(seq: number, m: Materialized, kinds: Record<string, string>): ExternalKeyedStateSnapshot {
    // A chunk is `v8.serialize([state name, entries])`, an entry `[key, value]`, `[key, value,
    // raw key]` or `[key]` (deleted). Entries per chunk adapt so chunks stay near `chunkBytes`.
    let batch: unknown[][] = [];
    for (const [name, touched] of this.dirty) {
      if (touched.size === 0) continue;
      const map = this.rawTable(name);
      const flush = () => {
        if (batch.length === 0) return;
        const chunk = serialize([name, batch]);
        m.writer.append(seq, chunk);
        if (chunk.length > this.chunkBytes) this.perChunk = Math.max(1, this.perChunk >> 1);
        else if (chunk.length < this.chunkBytes / 4 && batch.length === this.perChunk)
          this.perChunk = Math.min(65_536, this.perChunk * 2);
        batch = [];
      };
      for (const k of touched) {
        if (!map.has(k)) batch.push([k]);
        else {
          const raw = this.rawKeys.get(k);
          batch.push(raw === undefined ? [k, map.get(k)] : [k, map.get(k), raw]);
        }
        if (batch.length >= this.perChunk) flush();
      }
      flush();
      touched.clear();
    }
    const handle: ChangelogHandle = { writer: m.writer.id, from: m.writer.from!, after: m.seq, upTo: seq };
    const meta: ChangelogMeta = { kinds, handle };
    const snap: ExternalKeyedStateSnapshot = {
      backend: CHANGELOG_BACKEND,
      files: [],
      references: [{ ...m.ref }],
      meta,
    };
    Object.defineProperty(snap, "persist", { value: () => m.writer.persist(), configurable: true });
    return snap;
  }

  /** Restores heap snapshots and changelog snapshots (the latter once `prepareRestore` fetched them). */
  override restore(snapshots: readonly KeyedStateSnapshot[], range: { start: number; end: number }): void {
    for (const snap of snapshots) {
      if (!isExternalSnapshot(snap)) {
        super.restore([snap], range);
        continue;
      }
      if (snap.backend !== CHANGELOG_BACKEND) {
        throw new FleuveError(
          "FLEUVE_STATE_INCOMPATIBLE",
          `the checkpoint holds keyed state of the '${snap.backend}' backend, which the changelog backend cannot read: run the job with the same state backend (EnvironmentOptions.stateBackend)`,
          { details: { backend: snap.backend } },
        );
      }
      const p = prepared.get(snap);
      if (!p) {
        throw new FleuveError(
          "FLEUVE_CHECKPOINT_CORRUPT",
          "changelog state was not fetched before restore (the state backend factory's prepareRestore was not run)",
        );
      }
      super.restore([p.base], range);
      for (const [name, kind] of Object.entries((snap.meta as ChangelogMeta).kinds))
        this.restoredKinds.set(name, kind);
      for (const chunk of p.changes) this.apply(chunk, range);
    }
  }

  private apply(chunk: Uint8Array, range: { start: number; end: number }): void {
    const [name, entries] = deserialize(chunk) as [string, [NormalizedKey, unknown?, Key?][]];
    const map = this.rawTable(name);
    for (const e of entries) {
      const k = e[0];
      const kg = keyGroupOf(k, this.maxParallelism);
      if (kg < range.start || kg > range.end) continue;
      if (e.length === 1) {
        map.delete(k);
        continue;
      }
      if (e.length === 3) this.rawKeys.set(k, e[2]!);
      map.set(k, e[1]);
    }
  }
}

/**
 * Keyed state in memory with its changes in `changelog`: checkpoints write only what changed,
 * plus a full copy every `materializeEvery` checkpoints or `materializeIntervalMs`. Restores need
 * the same changelog storage.
 */
export function changelogStateBackend(
  changelog: StateChangelogStorage,
  options: ChangelogStateBackendOptions = {},
): KeyedStateBackendFactory {
  const every = options.materializeEvery ?? 10;
  if (!Number.isInteger(every) || every < 1) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `option 'materializeEvery' must be an integer >= 1, got ${String(options.materializeEvery)}`,
      { details: { option: "materializeEvery" } },
    );
  }
  const interval = options.materializeIntervalMs;
  if (interval !== undefined && (!Number.isInteger(interval) || interval < 1)) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `option 'materializeIntervalMs' must be an integer >= 1 (milliseconds), got ${String(interval)}`,
      { details: { option: "materializeIntervalMs" } },
    );
  }
  const factory: KeyedStateBackendFactory = (ctx) =>
    new ChangelogKeyedStateBackend(ctx.maxParallelism, ctx.clock, () => changelog.writer(ctx), options);
  factory.prepareRestore = async (snapshots) => {
    let chunks = 0;
    let fetched = 0;
    await Promise.all(
      snapshots.map(async (snap) => {
        if (!isExternalSnapshot(snap) || snap.backend !== CHANGELOG_BACKEND || prepared.has(snap)) return;
        const ref = snap.files[0] ?? snap.references[0];
        if (ref?.path === undefined) {
          throw new FleuveError(
            "FLEUVE_CHECKPOINT_CORRUPT",
            "changelog state names no materialization file (it needs the local checkpoint storage)",
          );
        }
        const base = deserialize(await readFile(ref.path)) as HeapKeyedStateSnapshot;
        const handle = (snap.meta as ChangelogMeta).handle;
        const changes = handle === undefined ? [] : await changelog.read(handle);
        prepared.set(snap, { base, changes });
        fetched++;
        chunks += changes.length;
      }),
    );
    return fetched === 0
      ? undefined
      : `keyed state: ${fetched} materialization(s) + ${chunks} changelog chunk(s)`;
  };
  return factory;
}
