/**
 * Hands each new operator subtask its share of a restored checkpoint: keyed state and timers by
 * key group (so the parallelism may change), operator list state round-robin, union list state
 * whole to each, broadcast state
 * copied, and the operator's own state from the old subtasks it takes over.
 */
import { deserialize, serialize } from "node:v8";
import { FleuveError } from "../errors.js";
import { keyGroupRangeFor } from "../spi/key-groups.js";
import type { OperatorRestore, OperatorSnapshot } from "../spi/operator.js";
import type { LoadedCheckpoint } from "./storage.js";

/** One operator subtask whose state is being restored. */
export interface OperatorToRestore {
  readonly uid: string;
  readonly name: string;
  /** Its subtask index. */
  readonly subtask: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly isSource: boolean;
  /** A source whose position may be spread over another parallelism. */
  readonly rescalable: boolean;
}

/**
 * Subtask `index` of `parallelism`'s operator list state from the old subtasks' snapshots `old`:
 * of each list, the entries `k` with `k % parallelism === index` of all old entries in order; of
 * each union list, all of them, old subtask by old subtask, except that the restored entries an
 * old subtask still held untouched (`unionsRestored`) are skipped when an earlier old subtask
 * held the same ones (equal serialized): those are the copies Flink would hand out again.
 * Restored parts that differ (subtasks restored different unions, e.g. a scale-out unit restarted
 * alone from its own checkpoint, or an operator changed restored entries in place) are all kept.
 * Union entries are handed out as copies of their own.
 */
export function operatorListsFor(
  old: readonly OperatorSnapshot[],
  index: number,
  parallelism: number,
): { lists: Record<string, unknown[]>; unions: Record<string, unknown[]> } {
  const allLists: Record<string, unknown[]> = {};
  const unions: Record<string, unknown[]> = {};
  const restoredSeen = new Map<string, Set<string>>();
  for (const s of old) {
    const op = s.operator;
    for (const [name, l] of Object.entries(op?.lists ?? {})) (allLists[name] ??= []).push(...l);
    for (const [name, whole] of Object.entries(op?.unions ?? {})) {
      const u = (unions[name] ??= []);
      const n = op?.unionsRestored?.[name] ?? 0;
      const restored = whole.slice(0, n);
      // Entries are copied (serialized and read back): each subtask gets its own, as when it reads
      // its own copy of the checkpoint on a worker thread, so that changing one in place changes
      // neither another subtask's entries nor what another subtask restores.
      if (restored.length > 0) {
        const seen = restoredSeen.get(name) ?? new Set<string>();
        restoredSeen.set(name, seen);
        const bytes = serialize(restored);
        const key = bytes.toString("base64");
        if (!seen.has(key)) {
          seen.add(key);
          u.push(...(deserialize(bytes) as unknown[]));
        }
      }
      if (whole.length > n) u.push(...(deserialize(serialize(whole.slice(n))) as unknown[]));
    }
  }
  const lists: Record<string, unknown[]> = {};
  for (const [name, l] of Object.entries(allLists))
    lists[name] = l.filter((_, k) => k % parallelism === index);
  return { lists, unions };
}

/** The share of checkpoint `cp` that operator subtask `op` restores, or undefined when `cp` has no state of it. */
export function restoreFor(cp: LoadedCheckpoint, op: OperatorToRestore): OperatorRestore | undefined {
  const { uid, name: operatorName, subtask: index, parallelism, maxParallelism } = op;
  const source = op;
  const old = cp.operators.get(uid);
  if (!old) return undefined;
  if (cp.metadata.maxParallelism !== maxParallelism) {
    throw new FleuveError(
      "FLEUVE_STATE_INCOMPATIBLE",
      `checkpoint ${cp.path} was taken with maxParallelism ${cp.metadata.maxParallelism}, the job now has ${maxParallelism}; max parallelism cannot change (it fixes the key groups)`,
    );
  }
  if (source.isSource && !source.rescalable && old.length !== parallelism) {
    throw new FleuveError(
      "FLEUVE_STATE_INCOMPATIBLE",
      `source '${operatorName}' ran with parallelism ${old.length} in ${cp.path} and now has ${parallelism}; this source keeps a position per subtask, so keep its parallelism (other operators may change theirs)`,
    );
  }
  const { lists, unions } = operatorListsFor(old, index, parallelism);
  const custom =
    source.isSource && source.rescalable
      ? old.map((s) => s.custom)
      : old.filter((_, j) => j % parallelism === index).map((s: OperatorSnapshot) => s.custom);
  return {
    keyed: old.map((s) => s.keyed).filter((k) => k !== undefined),
    timers: old.map((s) => s.timers).filter((t) => t !== undefined),
    lists,
    unions,
    broadcast: old[0]?.operator?.broadcast ?? {},
    custom,
    keyGroups: keyGroupRangeFor(index, parallelism, maxParallelism),
  };
}
