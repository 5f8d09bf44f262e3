// An operator written outside core, on the operator SPI (`@fleuve/core/spi`) alone: it emits a
// Burst when a key has seen at least `minEvents` events within `windowMs` of event time. Each
// event is kept in keyed map state (timestamp -> events at that timestamp) and sets an event-time
// timer at its own timestamp; when the watermark passes that timestamp, every event up to it has
// arrived (however out of order), so the timer counts the key's events in (t - windowMs, t] and
// emits if there are enough, then forgets events that no later timer can count.
import { type MapState, mapState, OneInputOperator, type Triggerable } from "@fleuve/core/spi";

/** What the detector emits: `count` events of `key` in the `windowMs` up to `at`. */
export interface Burst {
  key: string;
  at: number;
  count: number;
}

/** Emits a {@link Burst} at each event timestamp where a key has `minEvents` events within `windowMs`. */
export class BurstDetector<T> extends OneInputOperator<T, Burst> implements Triggerable<number> {
  private seen!: MapState<number, number>;

  constructor(
    private readonly minEvents: number,
    private readonly windowMs: number,
  ) {
    super();
  }

  override open(): void {
    // A keyed operator: `keyedState` throws a clear error if the stream is not keyed.
    this.seen = this.keyedState.getState(mapState<number, number>("seen"));
  }

  processElement(_value: T, timestamp: number): void {
    this.seen.put(timestamp, (this.seen.get(timestamp) ?? 0) + 1);
    // Registering a timer that exists is a no-op, so one timer per (key, timestamp).
    this.getTimerService<number>(this).registerEventTimeTimer(0, timestamp);
  }

  onEventTime(timestamp: number): void {
    let count = 0;
    const expired: number[] = [];
    for (const [at, n] of this.seen.entries()) {
      if (at > timestamp - this.windowMs && at <= timestamp) count += n;
      else if (at <= timestamp - this.windowMs) expired.push(at);
    }
    for (const at of expired) this.seen.remove(at);
    if (count >= this.minEvents) {
      const key = String(this.keyedState.getCurrentKey());
      this.output.collect({ key, at: timestamp, count }, timestamp);
    }
  }

  onProcessingTime(): void {}
}
