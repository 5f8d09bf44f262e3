/**
 * Processing time: a clock and a scheduler of callbacks. The runtime uses the system clock and
 * runs callbacks from its task loop (never re-entrantly inside a record); tests use
 * {@link ManualProcessingTime} and advance it by hand.
 */

/** Schedules callbacks at processing-time instants. */
export interface ProcessingTimeScheduler {
  /** Current processing time (ms). */
  now(): number;
  /** Calls `callback(now)` once processing time reaches `time` (from the task loop). */
  schedule(time: number, callback: (now: number) => void): void;
}

/** A queue of processing-time callbacks, run by whoever drives time (task loop or test). */
export class CallbackQueue {
  private readonly pending: { time: number; seq: number; cb: (now: number) => void }[] = [];
  private seq = 0;

  /** Schedules `cb` at processing time `time`. */
  add(time: number, cb: (now: number) => void): void {
    this.pending.push({ time, seq: this.seq++, cb });
  }

  /** Earliest pending time, or undefined. */
  nextTime(): number | undefined {
    let min: number | undefined;
    for (const p of this.pending) if (min === undefined || p.time < min) min = p.time;
    return min;
  }

  /** Runs callbacks due at `now` in time order; callbacks scheduled meanwhile run if due. */
  runDue(now: number): number {
    let ran = 0;
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.pending.length; i++) {
        const p = this.pending[i]!;
        if (p.time > now) continue;
        if (best < 0) best = i;
        else {
          const b = this.pending[best]!;
          if (p.time < b.time || (p.time === b.time && p.seq < b.seq)) best = i;
        }
      }
      if (best < 0) return ran;
      const [p] = this.pending.splice(best, 1);
      p!.cb(now);
      ran++;
    }
  }

  /** Number of pending callbacks. */
  get size(): number {
    return this.pending.length;
  }
}

/** The system clock; callbacks are run by the task loop that owns the queue. */
export class SystemProcessingTime implements ProcessingTimeScheduler {
  readonly queue = new CallbackQueue();
  now(): number {
    return Date.now();
  }
  schedule(time: number, callback: (now: number) => void): void {
    this.queue.add(time, callback);
  }
}

/** A clock that only moves when told to (for tests and harnesses). */
export class ManualProcessingTime implements ProcessingTimeScheduler {
  readonly queue = new CallbackQueue();
  constructor(private time = 0) {}
  now(): number {
    return this.time;
  }
  schedule(time: number, callback: (now: number) => void): void {
    this.queue.add(time, callback);
  }
  /** Moves the clock to `time` and runs every callback due. */
  advanceTo(time: number): void {
    if (time > this.time) this.time = time;
    this.queue.runDue(this.time);
  }
}
