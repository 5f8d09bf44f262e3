/**
 * What the CEP operators keep per key, in one keyed table entry: the events waiting for the
 * watermark (event time), the matcher state of each pattern that has partial matches for the key,
 * and what will wake the key up again: the timers it registered, and its place in the operator's
 * queue of keys whose buffered events wait for the watermark. A key with nothing in any of them has
 * no entry at all, so idle keys cost nothing.
 */

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

/** The state of one key. Plain data: it is checkpointed and redistributed by key group. */
export interface KeyEntry<T> {
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
}

/** A new, empty entry. */
export function newKeyEntry<T>(): KeyEntry<T> {
  return { ts: [], ev: [], runs: {}, timers: [], queued: null };
}

/**
 * Buffers `event` at `timestamp`, after every event with a timestamp <= it (so events with equal
 * timestamps stay in arrival order). Events mostly come in order: that is an append.
 */
export function bufferEvent<T>(entry: KeyEntry<T>, event: T, timestamp: number): void {
  const ts = entry.ts;
  const n = ts.length;
  if (n === 0) {
    // Exact-size arrays: an emptied array has lost its backing store (V8 frees it at length 0), and
    // a push would allocate room for 17; most keys hold one event per watermark.
    entry.ts = [timestamp];
    entry.ev = [event];
    return;
  }
  if (ts[n - 1]! <= timestamp) {
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
