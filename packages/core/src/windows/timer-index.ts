/**
 * @internal Timers of the fast window operators: time -> flat `[normalizedKey, namespace, ...]`
 * plus a heap of the times. Window ends are shared by many keys (aligned windows), so this costs
 * an array push per timer instead of keyed timer entries. Each key also lists its pending timers
 * (`pend`, flat `[time, namespace, ...]`) in its own state: that list dedups registrations, makes
 * deletion lazy (an indexed timer no longer in `pend` is skipped), and is what checkpoints keep;
 * {@link TimerIndex.restore} rebuilds the index from it.
 */
import type { Key, NormalizedKey } from "../spi/key-groups.js";
import { NumberMinHeap } from "../spi/min-heap.js";
import type { ProcessingTimeScheduler } from "../spi/processing-time.js";
import type { WindowBackend } from "./keyed-access.js";

/** Key state holding its pending timers. */
export interface WithPending {
  /** Pending timers, flat `[time, namespace, ...]`. */
  readonly pend: number[];
  /** The time this key is indexed at (its earliest pending time when armed), if any. */
  armed?: number | undefined;
}

/**
 * An operator-level timer index over keyed state. A key sits in the index once, at its earliest
 * pending time ("armed"); when that time comes, its timers due then fire and it is re-armed at
 * its next pending time. Extending a session (delete + register) therefore costs no index entry.
 */
export class TimerIndex {
  private readonly due = new Map<number, NormalizedKey[]>();
  private readonly times = new NumberMinHeap();

  /**
   * @param stateOf the state of the current key (undefined: the key has no state)
   * @param onTimer called with the key set as the current key
   * @param scheduler processing-time scheduler (processing-time operators), else undefined
   */
  constructor(
    private readonly backend: WindowBackend,
    private readonly stateOf: () => WithPending | undefined,
    private readonly onTimer: (time: number, key: Key, ns: number) => void,
    private readonly scheduler: ProcessingTimeScheduler | undefined,
  ) {}

  /** Registers timer (time, ns) of the current key, whose state is `st`; once. */
  register(st: WithPending, time: number, ns: number): void {
    const pend = st.pend;
    for (let i = 0; i < pend.length; i += 2) if (pend[i] === time && pend[i + 1] === ns) return;
    pend.push(time, ns);
    if (st.armed === undefined || time < st.armed) {
      st.armed = time;
      this.index(time, this.backend.currentKey);
    }
  }

  /** Deletes timer (time, ns) of the current key (its index entry, if any, is re-armed later). */
  delete(st: WithPending, time: number, ns: number): void {
    removePending(st.pend, time, ns);
  }

  /** Rebuilds the index from the keys' pending lists (after a restore). */
  restore(entries: Iterable<[NormalizedKey, WithPending]>): void {
    for (const [nk, st] of entries) {
      st.armed = undefined;
      const m = minTime(st.pend);
      if (m !== undefined) {
        st.armed = m;
        this.index(m, nk);
      }
    }
  }

  private index(time: number, nk: NormalizedKey): void {
    let bucket = this.due.get(time);
    if (bucket === undefined) {
      bucket = [];
      this.due.set(time, bucket);
      this.times.push(time);
      this.scheduler?.schedule(time, (now) => this.fire(now));
    }
    bucket.push(nk);
  }

  /** Fires every timer with time <= `upTo`, in time order, with its key set. */
  fire(upTo: number): void {
    const backend = this.backend;
    for (;;) {
      const t = this.times.peek();
      if (t === undefined || t > upTo) return;
      this.times.pop();
      const bucket = this.due.get(t);
      this.due.delete(t);
      if (bucket === undefined) continue;
      for (const nk of bucket) {
        const key = backend.rawKey(nk);
        backend.setCurrentKey(key, nk);
        const st = this.stateOf();
        // Re-armed elsewhere since, or gone with its key's state: nothing to do here.
        if (st === undefined || st.armed !== t) continue;
        st.armed = undefined;
        const pend = st.pend;
        for (;;) {
          let i = 0;
          while (i < pend.length && pend[i] !== t) i += 2;
          if (i >= pend.length) break;
          const ns = pend[i + 1]!;
          pend.splice(i, 2);
          this.onTimer(t, key, ns);
          if (this.stateOf() !== st) break;
        }
        if (this.stateOf() !== st) continue;
        const m = minTime(pend);
        if (m !== undefined && (st.armed === undefined || m < st.armed)) {
          st.armed = m;
          this.index(m, nk);
        }
      }
    }
  }
}

function minTime(pend: number[]): number | undefined {
  let m: number | undefined;
  for (let i = 0; i < pend.length; i += 2) if (m === undefined || pend[i]! < m) m = pend[i]!;
  return m;
}

/** Removes (time, ns) from a flat pending list; false when it was not there. */
function removePending(p: number[], time: number, ns: number): boolean {
  for (let i = 0; i < p.length; i += 2) {
    if (p[i] === time && p[i + 1] === ns) {
      p.splice(i, 2);
      return true;
    }
  }
  return false;
}
