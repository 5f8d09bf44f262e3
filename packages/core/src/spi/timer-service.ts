/**
 * Keyed timers (Flink's InternalTimerService): event-time and processing-time timers per
 * (key, namespace, timestamp), deduplicated, fired in timestamp order with the key set as the
 * current key. Registering the same timer twice is a no-op; per-record registration of an
 * existing timer allocates nothing.
 */
import { FleuveError } from "../errors.js";
import { SKIP_RECORD } from "./error-policy.js";
import type { Key, NormalizedKey } from "./key-groups.js";
import type { KeyedStateBackend } from "./keyed-state-backend.js";
import type { ProcessingTimeScheduler } from "./processing-time.js";

/** A timer's identity within one operator: string or number namespace (0 for plain timers). */
export type Namespace = string | number;

/** What gets called when timers fire. The current key is set before each call. */
export interface Triggerable<N extends Namespace> {
  onEventTime(timestamp: number, key: Key, namespace: N): void;
  onProcessingTime(timestamp: number, key: Key, namespace: N): void;
}

/** Snapshot of timers: [timestamp, key, normalizedKey, namespace]. */
export interface TimersSnapshot {
  readonly eventTime: [number, Key, NormalizedKey, Namespace][];
  readonly processingTime: [number, Key, NormalizedKey, Namespace][];
}

/** One pending timer; `idx` is its position in the heap (for removal). */
interface Timer<N> {
  ts: number;
  seq: number;
  key: Key;
  nk: NormalizedKey;
  ns: N;
  idx: number;
}

/** The timers of one key at one timestamp: one, or several when their namespaces differ. */
type AtTime<N> = Timer<N> | Timer<N>[];

/**
 * Pending timers, ordered by (timestamp, registration order) for firing, with a per-key index
 * (the key's one timer, or timestamp -> timer(s) once it has timers at several timestamps or in
 * several namespaces) for deduplication and deletion. Most keys hold one timer at a time: the
 * index then holds it directly, with no Map per key.
 * Timers mostly arrive in timestamp order (event time moves forward), so they are appended to a
 * sorted run in O(1); only out-of-order ones go to a binary heap. Firing merges the two.
 * Registering an existing timer allocates nothing; a new one allocates its timer object, plus a
 * Map the first time its key holds timers at a second timestamp or in a second namespace.
 */
class TimerQueue<N extends Namespace> {
  private readonly heap: Timer<N>[] = [];
  private run: Timer<N>[] = [];
  private runHead = 0;
  private readonly byKey = new Map<NormalizedKey, Timer<N> | Map<number, AtTime<N>>>();
  private seq = 0;
  private live = 0;

  get count(): number {
    return this.live;
  }

  /** Returns true if the timer is new. */
  add(ts: number, key: Key, nk: NormalizedKey, ns: N): boolean {
    const cur = this.byKey.get(nk);
    let t: Timer<N>;
    if (cur === undefined) {
      t = { ts, seq: this.seq++, key, nk, ns, idx: IN_RUN };
      this.byKey.set(nk, t);
    } else if (cur instanceof Map) {
      const e = cur.get(ts);
      if (e === undefined) {
        t = { ts, seq: this.seq++, key, nk, ns, idx: IN_RUN };
        cur.set(ts, t);
      } else if (Array.isArray(e)) {
        for (let i = 0; i < e.length; i++) if (e[i]!.ns === ns) return false;
        t = { ts, seq: this.seq++, key, nk, ns, idx: IN_RUN };
        e.push(t);
      } else {
        if (e.ns === ns) return false;
        t = { ts, seq: this.seq++, key, nk, ns, idx: IN_RUN };
        cur.set(ts, [e, t]);
      }
    } else {
      // The key's one timer: a second one turns the key's index into a Map.
      if (cur.ts === ts && cur.ns === ns) return false;
      t = { ts, seq: this.seq++, key, nk, ns, idx: IN_RUN };
      const m = new Map<number, AtTime<N>>();
      if (cur.ts === ts) m.set(ts, [cur, t]);
      else {
        m.set(cur.ts, cur);
        m.set(ts, t);
      }
      this.byKey.set(nk, m);
    }
    this.live++;
    const run = this.run;
    if (run.length === this.runHead || run[run.length - 1]!.ts <= ts) {
      run.push(t);
    } else {
      t.idx = this.heap.length;
      this.heap.push(t);
      this.up(t.idx);
    }
    return true;
  }

  delete(ts: number, nk: NormalizedKey, ns: N): void {
    const t = this.unindex(ts, nk, ns);
    if (t === undefined) return;
    this.live--;
    if (t.idx === IN_RUN)
      t.idx = DELETED; // skipped when it reaches the head of the run
    else this.removeAt(t.idx);
  }

  /** Removes a timer from the per-key index; returns it. */
  private unindex(ts: number, nk: NormalizedKey, ns: N): Timer<N> | undefined {
    const m = this.byKey.get(nk);
    if (m === undefined) return undefined;
    if (!(m instanceof Map)) {
      if (m.ts !== ts || m.ns !== ns) return undefined;
      this.byKey.delete(nk);
      return m;
    }
    const e = m.get(ts);
    if (e === undefined) return undefined;
    let found: Timer<N> | undefined;
    if (Array.isArray(e)) {
      const i = e.findIndex((x) => x.ns === ns);
      if (i < 0) return undefined;
      found = e[i]!;
      e.splice(i, 1);
      if (e.length === 1) m.set(ts, e[0]!);
    } else {
      if (e.ns !== ns) return undefined;
      found = e;
      m.delete(ts);
      if (m.size === 0) this.byKey.delete(nk);
    }
    return found;
  }

  /** The head of the run, skipping deleted timers. */
  private runFront(): Timer<N> | undefined {
    const run = this.run;
    while (this.runHead < run.length && run[this.runHead]!.idx === DELETED) this.runHead++;
    if (this.runHead === run.length) {
      if (run.length > 0) {
        this.run = [];
        this.runHead = 0;
      }
      return undefined;
    }
    return run[this.runHead];
  }

  /** The next timer to fire, without removing it. */
  private front(): Timer<N> | undefined {
    const r = this.runFront();
    const h = this.heap[0];
    if (r === undefined) return h;
    if (h === undefined) return r;
    return less(h, r) ? h : r;
  }

  /** Smallest pending timestamp. */
  peek(): number | undefined {
    return this.front()?.ts;
  }

  /** Fires every timer with timestamp <= `upTo`, in timestamp order (ties: registration order). */
  fire(upTo: number, fn: (ts: number, key: Key, nk: NormalizedKey, ns: N) => void): void {
    for (;;) {
      const t = this.front();
      if (t === undefined || t.ts > upTo) return;
      if (t.idx === IN_RUN) {
        this.runHead++;
        t.idx = DELETED;
        if (this.runHead > 4096 && this.runHead * 2 > this.run.length) {
          this.run = this.run.slice(this.runHead);
          this.runHead = 0;
        }
      } else {
        this.removeAt(t.idx);
      }
      this.unindex(t.ts, t.nk, t.ns);
      this.live--;
      fn(t.ts, t.key, t.nk, t.ns);
    }
  }

  snapshot(): [number, Key, NormalizedKey, Namespace][] {
    const all: Timer<N>[] = [];
    for (let i = this.runHead; i < this.run.length; i++)
      if (this.run[i]!.idx !== DELETED) all.push(this.run[i]!);
    all.push(...this.heap);
    return all.sort((a, b) => a.ts - b.ts || a.seq - b.seq).map((t) => [t.ts, t.key, t.nk, t.ns]);
  }

  private removeAt(i: number): void {
    const h = this.heap;
    const last = h.pop()!;
    if (i === h.length) return;
    h[i] = last;
    last.idx = i;
    this.down(i);
    this.up(last.idx);
  }

  private up(i: number): void {
    const h = this.heap;
    const t = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = h[p]!;
      if (!less(t, pt)) break;
      h[i] = pt;
      pt.idx = i;
      i = p;
    }
    h[i] = t;
    t.idx = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const t = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(h[r]!, h[l]!) ? r : l;
      const ct = h[c]!;
      if (!less(ct, t)) break;
      h[i] = ct;
      ct.idx = i;
      i = c;
    }
    h[i] = t;
    t.idx = i;
  }
}

/** `Timer.idx` of a timer in the sorted run, and of one deleted from the run. */
const IN_RUN = -1;
const DELETED = -2;

function less(a: Timer<unknown>, b: Timer<unknown>): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq);
}

/** Timers of one keyed operator subtask. */
export class InternalTimerService<N extends Namespace = Namespace> {
  private readonly eventTimers = new TimerQueue<N>();
  private readonly procTimers = new TimerQueue<N>();
  private scheduledProcTime = Number.POSITIVE_INFINITY;
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly scheduler: ProcessingTimeScheduler,
    private readonly target: Triggerable<N>,
  ) {}

  /** The last watermark this service advanced to. */
  currentWatermark(): number {
    return this.watermark;
  }

  /** Processing time now (ms). */
  currentProcessingTime(): number {
    return this.scheduler.now();
  }

  /** Registers an event-time timer for the current key; fires when the watermark reaches `time`. */
  registerEventTimeTimer(namespace: N, time: number): void {
    checkTime(time);
    this.eventTimers.add(time, this.backend.getCurrentKey(), this.backend.currentKey, namespace);
  }

  /** Deletes an event-time timer of the current key. */
  deleteEventTimeTimer(namespace: N, time: number): void {
    this.eventTimers.delete(time, this.backend.currentKey, namespace);
  }

  /** Registers a processing-time timer for the current key. */
  registerProcessingTimeTimer(namespace: N, time: number): void {
    checkTime(time);
    if (this.procTimers.add(time, this.backend.getCurrentKey(), this.backend.currentKey, namespace)) {
      this.scheduleNextProcTimer();
    }
  }

  /** Deletes a processing-time timer of the current key. */
  deleteProcessingTimeTimer(namespace: N, time: number): void {
    this.procTimers.delete(time, this.backend.currentKey, namespace);
  }

  /** Number of pending event-time timers. */
  get eventTimerCount(): number {
    return this.eventTimers.count;
  }

  /** Number of pending processing-time timers. */
  get processingTimerCount(): number {
    return this.procTimers.count;
  }

  /** Fires event-time timers up to `watermark`. */
  advanceWatermark(watermark: number): void {
    this.watermark = watermark;
    this.eventTimers.fire(watermark, (ts, key, nk, ns) => {
      this.backend.setCurrentKey(key, nk);
      try {
        this.target.onEventTime(ts, key, ns);
      } catch (e) {
        if (e !== SKIP_RECORD) throw e;
      }
    });
  }

  /** Fires processing-time timers up to `now`. Called by the scheduler. */
  advanceProcessingTime(now: number): void {
    this.scheduledProcTime = Number.POSITIVE_INFINITY;
    this.procTimers.fire(now, (ts, key, nk, ns) => {
      this.backend.setCurrentKey(key, nk);
      try {
        this.target.onProcessingTime(ts, key, ns);
      } catch (e) {
        if (e !== SKIP_RECORD) throw e;
      }
    });
    this.scheduleNextProcTimer();
  }

  private scheduleNextProcTimer(): void {
    const next = this.procTimers.peek();
    if (next !== undefined && next < this.scheduledProcTime) {
      this.scheduledProcTime = next;
      this.scheduler.schedule(next, (now) => {
        if (this.scheduledProcTime === next) this.advanceProcessingTime(now);
      });
    }
  }

  /** Snapshot of every pending timer. */
  snapshot(): TimersSnapshot {
    return { eventTime: this.eventTimers.snapshot(), processingTime: this.procTimers.snapshot() };
  }

  /** Restores timers (only those whose keys this subtask owns should be passed). */
  restore(s: TimersSnapshot): void {
    for (const [ts, key, nk, ns] of s.eventTime) this.eventTimers.add(ts, key, nk, ns as N);
    for (const [ts, key, nk, ns] of s.processingTime) this.procTimers.add(ts, key, nk, ns as N);
    this.scheduleNextProcTimer();
  }
}

function checkTime(time: number): void {
  if (typeof time !== "number" || Number.isNaN(time)) {
    throw new FleuveError("FLEUVE_TIMER_INVALID", `timer time must be a number of ms, got ${String(time)}`);
  }
}
