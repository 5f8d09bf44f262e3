/**
 * @internal The session windows of one key (Flink's `MergingWindowSet`): each actual window maps
 * to the state window holding its contents, so merging windows moves no contents but the
 * smaller ones. Windows get a per-key numeric id, used as the timer and trigger-state namespace;
 * a merged window gets a fresh id, so the timers and trigger state of the windows it replaced
 * can be deleted without touching its own.
 */
import { mergeTimeWindows, TimeWindow } from "./window.js";

/**
 * One actual window `[start, end)`, its id (timer namespace) and the id of its state window.
 * Plain data, so that checkpoints (v8 serialization) restore it as is.
 */
export interface MergingEntry {
  readonly start: number;
  readonly end: number;
  readonly id: number;
  readonly stateId: number;
}

/** The window of an entry. */
export function windowOf(e: MergingEntry): TimeWindow {
  return new TimeWindow(e.start, e.end);
}

/** The windows of one key. */
export interface MergingSet {
  nextId: number;
  entries: MergingEntry[];
}

/** Called for each merge: the new entry, the entries it replaces, and the state window kept. */
export type MergeFunction = (
  result: MergingEntry,
  merged: readonly MergingEntry[],
  targetStateId: number,
) => void;

/** The entry with id `id`. */
export function findEntry(set: MergingSet, id: number): MergingEntry | undefined {
  for (const e of set.entries) if (e.id === id) return e;
  return undefined;
}

/** Removes an entry (window cleaned up or late). */
export function retireEntry(set: MergingSet, entry: MergingEntry): void {
  const i = set.entries.indexOf(entry);
  if (i >= 0) set.entries.splice(i, 1);
}

/**
 * Adds `newWindow`, merging it with the windows it overlaps or touches; returns the entry of the
 * window it ended up in (Flink's `MergingWindowSet.addWindow`).
 */
export function addWindow(
  set: MergingSet,
  newWindow: TimeWindow,
  mergeFn: MergeFunction,
  standardMerge = false,
): MergingEntry {
  if (standardMerge) return addTimeWindow(set, newWindow, mergeFn);
  const windows = set.entries.map(windowOf);
  const all = windows.slice();
  all.push(newWindow);
  const groups: [TimeWindow[], TimeWindow][] = [];
  mergeTimeWindows(all, (members, result) => groups.push([members, result]));
  let resultEntry: MergingEntry | undefined;
  for (const [members, result] of groups) {
    const isNew = members.includes(newWindow);
    const merged = set.entries.filter((_, i) => members.includes(windows[i]!));
    if (merged.length === 0) continue;
    if (merged.length === 1 && merged[0]!.start === result.start && merged[0]!.end === result.end) {
      // The new window lies inside an existing one: nothing merges.
      if (isNew) resultEntry = merged[0];
      continue;
    }
    const targetStateId = merged[0]!.stateId;
    const entry: MergingEntry = {
      start: result.start,
      end: result.end,
      id: set.nextId++,
      stateId: targetStateId,
    };
    set.entries = set.entries.filter((e) => !merged.includes(e));
    set.entries.push(entry);
    mergeFn(entry, merged, targetStateId);
    if (isNew) resultEntry = entry;
  }
  if (!resultEntry) {
    const id = set.nextId++;
    resultEntry = { start: newWindow.start, end: newWindow.end, id, stateId: id };
    set.entries.push(resultEntry);
  }
  return resultEntry;
}

/**
 * `addWindow` for the standard time-window merge (overlapping or touching windows merge): the
 * windows of a set never overlap nor touch, so the new window merges exactly with the ones it
 * intersects. Same result as the general path, without sorting or allocating per element.
 */
function addTimeWindow(set: MergingSet, nw: TimeWindow, mergeFn: MergeFunction): MergingEntry {
  const entries = set.entries;
  let first: MergingEntry | undefined;
  let count = 0;
  let start = nw.start;
  let end = nw.end;
  for (const e of entries) {
    if (e.start <= nw.end && e.end >= nw.start) {
      if (count === 0) first = e;
      count++;
      if (e.start < start) start = e.start;
      if (e.end > end) end = e.end;
    }
  }
  if (count === 0) {
    const id = set.nextId++;
    const entry: MergingEntry = { start: nw.start, end: nw.end, id, stateId: id };
    entries.push(entry);
    return entry;
  }
  // The new window lies inside an existing one: nothing merges.
  if (count === 1 && first!.start === start && first!.end === end) return first!;
  const merged: MergingEntry[] = [];
  let w = 0;
  for (const e of entries) {
    if (e.start <= nw.end && e.end >= nw.start) merged.push(e);
    else entries[w++] = e;
  }
  entries.length = w;
  const entry: MergingEntry = { start, end, id: set.nextId++, stateId: merged[0]!.stateId };
  entries.push(entry);
  mergeFn(entry, merged, entry.stateId);
  return entry;
}
