/**
 * Per-operator counters of a `--group` process that never go down while the process lives.
 *
 * A unit's run counts its operators' figures from 0 (each run has its own executor and metrics
 * registry; restarts inside a run keep them, see MetricsRegistry.operator). When the unit stops here
 * (it moves away, or gives up after its restarts and is started again) and later runs here again,
 * its operator subtasks show up again under the same labels, and the new run's counts would make
 * those series go down: `rate()` reads that as a reset, but a Flink-style dashboard summing raw
 * counters drops. So the final counts of every run that ended here are kept, by operator subtask,
 * as a base that the next run of that subtask here adds to its own. A process that is new to the
 * subtask counts from 0: that is another `instance` series, as Prometheus expects.
 *
 * What is a counter is decided by the snapshot's types ({@link OperatorMetricsSnapshot}):
 * - counted (base added): records in, out, rejected and dropped late; busy, idle and backpressured
 *   time; the operator's own `counters`; user `counters` and `meters` (event counts); the `count`
 *   and `sum` of every histogram (Prometheus summaries' `_count` and `_sum`); an event log's
 *   `total`, whose events' `seq` numbers go on from it (so `seq` of the last is still `total`), the
 *   earlier runs' newest events kept before the current run's.
 * - current (as the running unit reports them): watermarks, the last checkpoint's alignment time,
 *   per-split figures (lag, split watermarks, idleness), the operator's own `gauges` and probes
 *   (state entries and size, timers, in-flight figures), user `gauges`, and a histogram's
 *   quantiles and `max`: these describe the current run's distribution (snapshots of two runs'
 *   quantiles cannot be merged).
 */
import {
  EVENT_LOG_CAPACITY,
  type EventLogSnapshot,
  type HistogramSnapshot,
  type OperatorMetricsSnapshot,
} from "@fleuve/core";

/** The counts of the runs that ended in this process, per operator subtask. */
export class OperatorCounterBases {
  /** By {@link seriesKey}: the last ended run's snapshot with its own base added. */
  private readonly bases = new Map<string, OperatorMetricsSnapshot>();

  /**
   * A run ended here with these operators (its final snapshot): their counts become the base of
   * the next run of the same subtasks here. A unit runs at most once at a time in a process (the
   * worker starts it again only once the previous run settled), so runs of a subtask follow each
   * other and each adds to what the ones before it left.
   */
  ended(operators: readonly OperatorMetricsSnapshot[]): void {
    for (const o of operators) this.bases.set(seriesKey(o), this.current(o));
  }

  /** `o` (a live run's operator subtask) with the counts of the runs before it here added. */
  current(o: OperatorMetricsSnapshot): OperatorMetricsSnapshot {
    const base = this.bases.get(seriesKey(o));
    return base === undefined ? o : withBase(o, base);
  }
}

/** What names an operator subtask's series: the labels of its metrics. */
function seriesKey(o: OperatorMetricsSnapshot): string {
  return JSON.stringify([o.taskName, o.operatorName, o.operatorId, o.subtaskIndex]);
}

/** `o`'s counts plus `base`'s; its other figures as they are (see the file's comment). */
function withBase(o: OperatorMetricsSnapshot, base: OperatorMetricsSnapshot): OperatorMetricsSnapshot {
  const endToEnd = histogram(o.endToEndLatencyMs, base.endToEndLatencyMs);
  const events = eventLogs(o.user.events, base.user.events);
  return {
    ...o,
    recordsIn: base.recordsIn + o.recordsIn,
    recordsOut: base.recordsOut + o.recordsOut,
    recordsRejected: base.recordsRejected + o.recordsRejected,
    numLateRecordsDropped: base.numLateRecordsDropped + o.numLateRecordsDropped,
    busyTimeMs: base.busyTimeMs + o.busyTimeMs,
    idleTimeMs: base.idleTimeMs + o.idleTimeMs,
    backPressuredTimeMs: base.backPressuredTimeMs + o.backPressuredTimeMs,
    latencyMs: histogram(o.latencyMs, base.latencyMs)!,
    ...(endToEnd ? { endToEndLatencyMs: endToEnd } : {}),
    counters: sum(o.counters, base.counters),
    user: {
      ...o.user,
      counters: sum(o.user.counters, base.user.counters),
      meters: sum(o.user.meters, base.user.meters),
      histograms: byName(o.user.histograms, base.user.histograms, histogram),
      ...(events ? { events } : {}),
    },
  };
}

/** Each name of either, its values added (a counter the current run has not created yet keeps its base). */
function sum(
  now: Readonly<Record<string, number>>,
  base: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = { ...base };
  for (const name in now) out[name] = (out[name] ?? 0) + now[name]!;
  return out;
}

/** Each name of either, combined by `add(now, base)`. */
function byName<T>(
  now: Readonly<Record<string, T>>,
  base: Readonly<Record<string, T>>,
  add: (now: T | undefined, base: T | undefined) => T | undefined,
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const name of new Set([...Object.keys(base), ...Object.keys(now)])) {
    const v = add(now[name], base[name]);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

const EMPTY_HISTOGRAM: HistogramSnapshot = { count: 0, sum: 0, max: 0, p50: 0, p95: 0, p99: 0, p999: 0 };

/** Count and sum over both runs; quantiles and max of the current run (none yet: 0, as an empty histogram). */
function histogram(
  now: HistogramSnapshot | undefined,
  base: HistogramSnapshot | undefined,
): HistogramSnapshot | undefined {
  if (base === undefined) return now;
  const h = now ?? EMPTY_HISTOGRAM;
  return { ...h, count: base.count + h.count, sum: base.sum + h.sum };
}

/** Each log of either, combined by {@link eventLog}; undefined when neither has logs. */
function eventLogs(
  now: Readonly<Record<string, EventLogSnapshot>> | undefined,
  base: Readonly<Record<string, EventLogSnapshot>> | undefined,
): Record<string, EventLogSnapshot> | undefined {
  if (now === undefined && base === undefined) return undefined;
  return byName(now ?? {}, base ?? {}, eventLog);
}

/**
 * The log going on from `base`: `total` adds up, the current run's events are numbered after the
 * base's (as one log across restarts in one process numbers them), and the newest
 * {@link EVENT_LOG_CAPACITY} of both are kept, so a reader that follows `seq` (the web dashboard's
 * alerts) sees neither a reset nor a gap.
 */
function eventLog(
  now: EventLogSnapshot | undefined,
  base: EventLogSnapshot | undefined,
): EventLogSnapshot | undefined {
  if (base === undefined) return now;
  if (now === undefined) return base;
  const shifted = now.recent.map((e) => ({ ...e, seq: e.seq + base.total }));
  return { total: base.total + now.total, recent: [...base.recent, ...shifted].slice(-EVENT_LOG_CAPACITY) };
}
