/**
 * The generated input of the core benchmarks: a deterministic stream of `{key, value, ts}` records
 * computed from their index, so that the engine, the plain-TypeScript baselines and the smoke
 * test's brute-force oracle all see exactly the same events.
 *
 * Event time advances by `1 / eventsPerMs` ms per record and each record is late by a random
 * 0..`maxOutOfOrdernessMs - 1` ms, so timestamps are ascending with bounded out-of-orderness and no
 * record is ever late for a `forBoundedOutOfOrderness(maxOutOfOrdernessMs)` watermark: results
 * do not depend on when watermarks happen to be emitted.
 */

/** One benchmark record. */
export interface BenchEvent {
  /** Key in [0, keys). */
  readonly key: number;
  /** Value in [1, 100]. */
  readonly value: number;
  /** Event timestamp (ms since the epoch). */
  readonly ts: number;
  /** Wall-clock arrival time (ms, `performance.timeOrigin + performance.now()` scale), 0 when not tracked. */
  readonly created: number;
}

/** Shape of the generated stream. */
export interface StreamShape {
  /** Distinct keys (default 10 000). */
  readonly keys: number;
  /** Records per ms of event time (default 1: 10M records span 2.8 h of event time). */
  readonly eventsPerMs: number;
  /** Bound of the out-of-orderness (ms); also the watermark strategy's bound (default 100). */
  readonly maxOutOfOrdernessMs: number;
  /** Event time of record 0 (ms). */
  readonly startTs: number;
}

/** The default stream shape of every benchmark. */
export const DEFAULT_SHAPE: StreamShape = {
  keys: 10_000,
  eventsPerMs: 1,
  maxOutOfOrdernessMs: 100,
  startTs: 1_767_225_600_000, // 2026-01-01T00:00:00Z, aligned to every window size used here
};

/** A 32-bit integer hash (a few multiply-xorshift rounds): cheap and well mixed. */
export function mix32(i: number): number {
  let x = Math.imul(i ^ (i >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Event timestamp of record `i` (without creating the record). */
export function tsOf(i: number, shape: StreamShape = DEFAULT_SHAPE): number {
  const h2 = mix32(mix32(i) ^ 0x9e3779b9);
  return shape.startTs + Math.floor(i / shape.eventsPerMs) - (h2 % shape.maxOutOfOrdernessMs);
}

/**
 * Returns the generator of record `i`. With `track` (latency runs at `track.ratePerSecond`), each
 * record's `created` is its arrival time under the rate schedule: the wall-clock time of the
 * first record plus `i / rate`. Using the schedule rather than the moment the source happens to
 * generate the record keeps time spent waiting for the source to be polled in the latency (no
 * coordinated omission: a pipeline that falls behind shows its backlog). The arrival time of
 * record `i` is also kept in `track.created[i % length]` so that a window result can be traced
 * back to the record that let the watermark pass its end.
 */
export function eventGenerator(
  shape: StreamShape = DEFAULT_SHAPE,
  track?: CreationLog,
): (i: number) => BenchEvent {
  const { keys, eventsPerMs, maxOutOfOrdernessMs, startTs } = shape;
  if (track) {
    const ring = track.created;
    const mask = ring.length - 1;
    const msPerRecord = 1000 / track.ratePerSecond;
    let t0 = Number.NaN;
    return (i) => {
      if (Number.isNaN(t0)) t0 = performance.timeOrigin + performance.now() - i * msPerRecord;
      const h1 = mix32(i);
      const h2 = mix32(h1 ^ 0x9e3779b9);
      const created = t0 + i * msPerRecord;
      ring[i & mask] = created;
      // Every 1024 records: how far behind its schedule the source is (a pipeline that cannot
      // keep up makes the source fall behind).
      if ((i & 1023) === 0) {
        const lag = performance.timeOrigin + performance.now() - created;
        track.lastLagMs = lag;
        if (lag > track.maxLagMs) track.maxLagMs = lag;
      }
      return {
        key: h1 % keys,
        value: 1 + ((h1 >>> 14) % 100),
        ts: startTs + Math.floor(i / eventsPerMs) - (h2 % maxOutOfOrdernessMs),
        created,
      };
    };
  }
  return (i) => {
    const h1 = mix32(i);
    const h2 = mix32(h1 ^ 0x9e3779b9);
    return {
      key: h1 % keys,
      value: 1 + ((h1 >>> 14) % 100),
      ts: startTs + Math.floor(i / eventsPerMs) - (h2 % maxOutOfOrdernessMs),
      created: 0,
    };
  };
}

/** Scheduled arrival times of the most recent records, by index (a power-of-two ring). */
export class CreationLog {
  readonly created: Float64Array;
  /** Source lag behind the schedule (ms), sampled every 1024 records: the last and the largest. */
  lastLagMs = 0;
  maxLagMs = 0;
  constructor(
    /** The source's rate limit: record i is due at (time of record 0) + i / rate. */
    readonly ratePerSecond: number,
    sizePow2 = 1 << 23,
  ) {
    if ((sizePow2 & (sizePow2 - 1)) !== 0) throw new Error("CreationLog size must be a power of two");
    this.created = new Float64Array(sizePow2);
  }

  /**
   * Creation time of the first record whose timestamp is >= `eventTime`: the record that allows
   * the watermark (max timestamp - bound - 1) to pass `eventTime - bound - 1`. Records are never
   * later than their nominal time, so no index before the nominal one qualifies.
   */
  createdAtEventTime(eventTime: number, shape: StreamShape, count: number): number {
    let i = Math.max(0, Math.ceil((eventTime - shape.startTs) * shape.eventsPerMs));
    while (i < count && tsOf(i, shape) < eventTime) i++;
    // No such record: the result was fired by the end of the input, not by a record.
    if (i >= count) return Number.NaN;
    return this.created[i & (this.created.length - 1)]!;
  }
}
