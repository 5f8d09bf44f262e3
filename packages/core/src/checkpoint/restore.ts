/**
 * Hands each new operator subtask its share of a restored checkpoint: keyed state and timers by
 * key group (so the parallelism may change), operator list state round-robin, union list state
 * whole to each, broadcast state
 * copied, and the operator's own state from the old subtasks it takes over.
 */
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
 * each union list, all of them: each old subtask's own entries, and the entries they restored
 * and kept once, where the first subtask that kept them had them (they kept the same entries:
 * all subtasks restored the same union).
 */
export function operatorListsFor(
  old: readonly OperatorSnapshot[],
  index: number,
  parallelism: number,
): { lists: Record<string, unknown[]>; unions: Record<string, unknown[]> } {
  const allLists: Record<string, unknown[]> = {};
  const unions: Record<string, unknown[]> = {};
  const keptTaken = new Set<string>();
  for (const s of old) {
    for (const [name, l] of Object.entries(s.operator?.lists ?? {})) (allLists[name] ??= []).push(...l);
    const kept = s.operator?.unionsKept ?? {};
    const names = new Set([...Object.keys(kept), ...Object.keys(s.operator?.unions ?? {})]);
    for (const name of names) {
      const u = (unions[name] ??= []);
      const k = kept[name];
      if (k !== undefined && !keptTaken.has(name)) {
        keptTaken.add(name);
        u.push(...k);
      }
      u.push(...(s.operator?.unions?.[name] ?? []));
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
