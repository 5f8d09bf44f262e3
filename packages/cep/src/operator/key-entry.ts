/**
 * What the CEP operators keep per key, in one keyed table entry: the events waiting for the
 * watermark (event time), the matcher state of each pattern that has partial matches for the key,
 * and what will wake the key up again: the timers it registered, and its place in the operator's
 * queue of keys whose buffered events wait for the watermark. A key with nothing in any of them has
 * no entry at all, so idle keys cost nothing.
 */
import { FleuveError } from "@fleuve/core";

/** The matcher state of one pattern (version) for one key. */
export interface RunState {
  /** Version of the pattern that started these partial matches. */
  v: number;
  /** The matcher's state (plain data). */
  s: unknown;
  /**
   * Set when the pattern version was replaced or removed with `onReplace: "finish"`: the pattern
   * (as data) these partial matches finish under; they start no new ones.
   */
  finishing?: unknown;
}

/**
 * The format of {@link KeyEntry}, written in each entry (`format`) so that a restore knows what it
 * reads. 1: before commit 5cad13a, one `timer` (or null) per key and no `format` field; 2: the
 * list of `timers` and the queue place `queued` (entries written between 5cad13a and the field's
 * introduction have no `format` either). {@link upgradeKeyEntry} reads both.
 */
export const KEY_ENTRY_FORMAT = 2;

/** The state of one key. Plain data: it is checkpointed and redistributed by key group. */
export interface KeyEntry<T> {
  /** {@link KEY_ENTRY_FORMAT} when written. */
  format: number;
  /** Timestamps of the events waiting for the watermark, ascending (arrival order among equals). */
  ts: number[];
  /** The waiting events, parallel to `ts`. */
  ev: T[];
  /** Matcher states by run id (the pattern id; `id@version` for a version finishing its matches). */
  runs: Record<string, RunState>;
  /**
   * The times of the timers the key registered and that have not fired yet, ascending. A timer is
   * registered only when the key needs to wake up earlier than its earliest one; later ones are
   * left to fire (a key woken up with nothing due does nothing) rather than deleted and moved.
   */
  timers: number[];
  /**
   * Event time: the timestamp under which the key waits in the operator's queue of keys with
   * buffered events (drained when the watermark passes it), or null. Not checkpointed in effect:
   * the queue is rebuilt from the buffers on restore.
   */
  queued: number | null;
  /**
   * Event time: the deadline under which the key waits in the operator's queue of deadlines (see
   * KeyedPatternRunner), or null; `deadlineItem` names that queue item (0: none), so that an item
   * left by a key whose entry was released and reused since is told apart. Never in a snapshot: a
   * checkpoint turns these into timers first. Absent from entries written before they existed.
   */
  deadline: number | null;
  deadlineItem: number;
  /**
   * How many times the entry was released (and perhaps reused for another key): a runner that
   * noted an entry for later (its list of keys to wake after a drain) tells by this number whether
   * it still holds the same key, without a lookup. Meaningless in a snapshot; absent from entries
   * written before it existed.
   */
  life: number;
}

/**
 * A new, empty entry. Its arrays are empty with room for one item: most keys hold one event and
 * one timer at a time, and an empty literal would get room for 17 at its first push.
 */
export function newKeyEntry<T>(): KeyEntry<T> {
  const ts = [0.5];
  ts.pop();
  const ev: T[] = [null as T];
  ev.pop();
  const timers = [0.5];
  timers.pop();
  return {
    format: KEY_ENTRY_FORMAT,
    ts,
    ev,
    runs: {},
    timers,
    queued: null,
    deadline: null,
    deadlineItem: 0,
    life: 0,
  };
}

/**
 * Empties `a` in place keeping its room: V8 frees an array's storage when its length is set to 0,
 * so the next push would allocate again; pop keeps it (it trims only large spare room). Entries
 * are reused from key to key, so their arrays allocate once rather than once per event.
 */
export function emptyArray(a: unknown[]): void {
  for (let i = a.length; i > 0; i--) a.pop();
}

/**
 * A restored entry in the current format: the same object when it is, else a new one (written back
 * by the caller). Format 1 kept one timer per key, registered in the timer service (restored with
 * it): it becomes the one-element list of the key's timers. Anything else (a later format, or not
 * an entry at all) is refused, naming the operator and what to do.
 */
export function upgradeKeyEntry<T>(restored: unknown, operatorName: string, table: string): KeyEntry<T> {
  const e = restored as Record<string, unknown> | null;
  if (e !== null && typeof e === "object" && Array.isArray(e.ts) && Array.isArray(e.ev)) {
    if (e.format === KEY_ENTRY_FORMAT) {
      // Written before the deadline queue existed: the same entry, with the fields it now has.
      if (e.deadline === undefined) {
        e.deadline = null;
        e.deadlineItem = 0;
      }
      if (e.life === undefined) e.life = 0;
      return restored as KeyEntry<T>;
    }
    const runs = e.runs as KeyEntry<T>["runs"];
    if (e.format === undefined && Array.isArray(e.timers) && typeof runs === "object") {
      return {
        format: KEY_ENTRY_FORMAT,
        ts: e.ts,
        ev: e.ev as T[],
        runs,
        timers: e.timers,
        queued: null,
        deadline: null,
        deadlineItem: 0,
        life: 0,
      };
    }
    if (e.format === undefined && "timer" in e && typeof runs === "object") {
      const timer = e.timer;
      const timers = typeof timer === "number" ? [timer] : [];
      return {
        format: KEY_ENTRY_FORMAT,
        ts: e.ts,
        ev: e.ev as T[],
        runs,
        timers,
        queued: null,
        deadline: null,
        deadlineItem: 0,
        life: 0,
      };
    }
  }
  const format = e !== null && typeof e === "object" && "format" in e ? String(e.format) : "unknown";
  throw new FleuveError(
    "FLEUVE_STATE_INCOMPATIBLE",
    `operator '${operatorName}': its keyed state '${table}' holds a key entry in format ${format}, which this version of @fleuve/cep cannot read (it reads formats 1 to ${KEY_ENTRY_FORMAT}): restore the savepoint with the version of @fleuve/cep that took it, or start the job without it`,
    { details: { operator: operatorName, state: table, format } },
  );
}

/**
 * Buffers `event` at `timestamp`, after every event with a timestamp <= it (so events with equal
 * timestamps stay in arrival order). Events mostly come in order: that is an append.
 */
export function bufferEvent<T>(entry: KeyEntry<T>, event: T, timestamp: number): void {
  const ts = entry.ts;
  const n = ts.length;
  // Arrays keep their room when emptied (emptyArray): a push into an empty one does not allocate.
  if (n === 0 || ts[n - 1]! <= timestamp) {
    ts.push(timestamp);
    entry.ev.push(event);
    return;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= timestamp) lo = mid + 1;
    else hi = mid;
  }
  ts.splice(lo, 0, timestamp);
  entry.ev.splice(lo, 0, event);
}

/**
 * Buffers `event` at `timestamp` before every event with a timestamp >= it (it arrived before the
 * buffered events with an equal timestamp).
 */
export function bufferEventFirst<T>(entry: KeyEntry<T>, event: T, timestamp: number): void {
  const ts = entry.ts;
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < timestamp) lo = mid + 1;
    else hi = mid;
  }
  if (lo === ts.length) {
    ts.push(timestamp);
    entry.ev.push(event);
    return;
  }
  ts.splice(lo, 0, timestamp);
  entry.ev.splice(lo, 0, event);
}

/** Number of buffered events with a timestamp <= `time` (they come first). */
export function countDue(entry: KeyEntry<unknown>, time: number): number {
  const ts = entry.ts;
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when the entry holds nothing: no waiting event, no run. */
export function isIdle(entry: KeyEntry<unknown>): boolean {
  if (entry.ts.length > 0) return false;
  for (const _ in entry.runs) return false;
  return true;
}
