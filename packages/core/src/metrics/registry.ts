/**
 * Metrics cheap enough to leave on: plain counters (a field increment per record), busy / idle /
 * backpressured time per task-loop round, latency histograms fed by latency markers (not by every
 * record), and gauges the reporter reads when it samples (state entries, timers). Nothing here
 * allocates or looks anything up per record. `@fleuve/metrics` exports {@link MetricsSnapshot}s to
 * Prometheus.
 */
import { FleuveError } from "../errors.js";

/** A monotonically increasing count. */
export class Counter {
  count = 0;
  inc(n = 1): void {
    this.count += n;
  }
}

/**
 * A time total in ms (busy, idle, backpressured): a {@link Counter} whose values are fractional.
 * A class of its own so that V8 gives its objects hidden classes of their own: a fraction stored
 * in a Counter turns the `count` field of every Counter (users' counters included) into a boxed
 * double, and each increment into a heap-number load and store instead of a small-integer add.
 */
export class TimeCounter extends Counter {}

/** Span of {@link RecordCounter.low}: below V8's small-integer limit (2^31 - 1) with room to spare. */
const LOW_SPAN = 0x40000000;

/**
 * A count of records, incremented per record (records in and out of an operator). Kept in two
 * fields so that the one touched per record stays a small integer in V8 for ever: `low` counts up
 * to 2^30 and then carries into `high`. A single number field would become a boxed double once it
 * passed 2^31 (minutes into a busy job), making every increment a heap-number load and store.
 *
 * A counter can also {@link follow} another: then it is not incremented per record at all and its
 * count is worked out when read, as its own count plus what the followed counter counted since.
 * The records in of a chained operator fed by the only main output of the operator before it are
 * exactly that operator's records out, counted one call earlier, so that per-record increment is
 * saved.
 */
export class RecordCounter {
  /** The count modulo 2^30: what {@link increment} touches. */
  low = 0;
  /** The rest of the count, a multiple of 2^30. */
  high = 0;
  /** The counter this one follows ({@link follow}), or undefined. */
  private source: RecordCounter | undefined = undefined;
  /** The followed counter's count when this one's own count was last set. */
  private sourceMark = 0;

  /** The count. */
  get count(): number {
    const own = this.high + this.low;
    const s = this.source;
    return s === undefined ? own : own + (s.count - this.sourceMark);
  }

  /** Sets the count (a whole number); for tests and restores, not the record path. */
  set count(value: number) {
    const low = (value % LOW_SPAN) | 0;
    this.low = low;
    this.high = value - low;
    if (this.source !== undefined) this.sourceMark = this.source.count;
  }

  /** One record: the per-record path, a small-integer increment and a compare. */
  increment(): void {
    if (++this.low === LOW_SPAN) {
      this.low = 0;
      this.high += LOW_SPAN;
    }
  }

  /** Adds `n` records (a whole number, negative to take records back out), e.g. a network batch. */
  inc(n = 1): void {
    this.count = this.count + n;
  }

  /**
   * From now on, counts what `source` counts (on top of the count so far) instead of being
   * incremented: for records in that are, record for record, another counter's records out.
   * Following again (a restarted attempt wires its outputs anew) or {@link unfollow} keeps the
   * count reached so far, so the count never goes back.
   */
  follow(source: RecordCounter): void {
    if (source === this) throw new Error("a RecordCounter cannot follow itself");
    const count = this.count;
    this.source = source;
    this.count = count;
  }

  /** Counts by its own increments again, from the count reached so far. */
  unfollow(): void {
    const count = this.count;
    this.source = undefined;
    this.count = count;
  }

  /** True while the count follows another counter ({@link follow}). */
  get following(): boolean {
    return this.source !== undefined;
  }
}

/** A settable value (watermark, lag, queue length...). */
export class Gauge {
  value = 0;
  set(v: number): void {
    this.value = v;
  }
}

/**
 * Log-linear histogram of non-negative values (ms), ~3% relative error, fixed memory.
 * Buckets: 32 sub-buckets per power of two from 2^-4 ms upwards.
 */
export class Histogram {
  private static readonly SUB = 32;
  private static readonly MIN_EXP = -4;
  private static readonly MAX_EXP = 24;
  private readonly buckets = new Float64Array(
    (Histogram.MAX_EXP - Histogram.MIN_EXP + 1) * Histogram.SUB + 1,
  );
  count = 0;
  sum = 0;
  max = 0;

  record(v: number): void {
    if (!(v >= 0)) v = 0;
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
    this.buckets[Histogram.indexOf(v)]!++;
  }

  private static indexOf(v: number): number {
    const minV = 2 ** Histogram.MIN_EXP;
    if (v < minV) return 0;
    let e = Math.floor(Math.log2(v));
    if (e > Histogram.MAX_EXP) e = Histogram.MAX_EXP;
    const base = 2 ** e;
    const sub = Math.min(Histogram.SUB - 1, Math.floor(((v - base) / base) * Histogram.SUB));
    return 1 + (e - Histogram.MIN_EXP) * Histogram.SUB + sub;
  }

  private static valueAt(i: number): number {
    if (i === 0) return 0;
    const e = Math.floor((i - 1) / Histogram.SUB) + Histogram.MIN_EXP;
    const sub = (i - 1) % Histogram.SUB;
    const base = 2 ** e;
    return base + ((sub + 0.5) / Histogram.SUB) * base;
  }

  /** Value at quantile q in [0, 1] (bucket midpoint). */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return Math.min(Histogram.valueAt(i), this.max);
    }
    return this.max;
  }

  /** Count, sum, max and the usual quantiles, as plain numbers (for reporters and threads). */
  snapshot(): HistogramSnapshot {
    return {
      count: this.count,
      sum: this.sum,
      max: this.max,
      p50: this.quantile(0.5),
      p95: this.quantile(0.95),
      p99: this.quantile(0.99),
      p999: this.quantile(0.999),
    };
  }

  /** Adds another histogram's counts into this one. */
  merge(other: Histogram): void {
    for (let i = 0; i < this.buckets.length; i++) this.buckets[i]! += other.buckets[i]!;
    this.count += other.count;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
  }
}

/** A histogram's figures at one moment. */
export interface HistogramSnapshot {
  readonly count: number;
  readonly sum: number;
  readonly max: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
}

/**
 * A count of events whose rate a reporter derives (Flink's Meter): `markEvent()` is a field
 * increment; the rate per second is computed when sampled, over the reporter's window.
 */
export class Meter {
  count = 0;
  /** Counts `n` events. */
  markEvent(n = 1): void {
    this.count += n;
  }
}

/** One event of an {@link EventLog}: its number in the log, when it was added, and what it says. */
export interface RecordedEvent {
  /** 1 for the first event of the log, then one more for each (across restarts in one process). */
  readonly seq: number;
  /** Wall clock when it was added (ms since the epoch). */
  readonly at: number;
  /** Plain, structured-cloneable fields (e.g. an alert's series, rule and value). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** An event log's figures at one moment. */
export interface EventLogSnapshot {
  /** Events added since the start (the `seq` of the last). */
  readonly total: number;
  /** The newest events, oldest first (at most the log's capacity). */
  readonly recent: readonly RecordedEvent[];
}

/** Events an {@link EventLog} keeps by default. */
export const EVENT_LOG_CAPACITY = 100;

/**
 * A bounded log of a function's notable events (e.g. the alerts an operator raised), carried in
 * the metrics snapshot so that whatever reads snapshots (the web dashboard, a reporter) sees them
 * with the operator subtask that raised them, on any thread or process the snapshot travels from.
 * For rare events, not for every record: `add` keeps a reference and the snapshot copies the
 * newest {@link EVENT_LOG_CAPACITY}. A reader that samples less often than events come sees a gap
 * in `seq` (the older ones are gone).
 */
export class EventLog {
  private total = 0;
  private readonly recent: RecordedEvent[] = [];

  /** Adds an event (an object of plain, structured-cloneable fields) stamped with the wall clock now. */
  add(data: object): void {
    this.recent.push({ seq: ++this.total, at: Date.now(), data: data as Readonly<Record<string, unknown>> });
    if (this.recent.length > EVENT_LOG_CAPACITY) this.recent.shift();
  }

  snapshot(): EventLogSnapshot {
    return { total: this.total, recent: this.recent.slice() };
  }
}

/**
 * Metrics a user function registers through its runtime context (Flink's
 * `getRuntimeContext().getMetricGroup()`), scoped by the operator subtask it runs in. Asking twice
 * for the same name returns the same metric; register them in `open()` and keep the reference, so
 * the per-record cost is one field increment.
 */
export interface MetricGroup {
  /** A counter `name` of this operator subtask. */
  counter(name: string): Counter;
  /**
   * A gauge `name`: with `read`, a function the reporter calls when it samples (the function must
   * be cheap and must not throw); without, a settable {@link Gauge}.
   */
  gauge(name: string, read?: () => number): Gauge;
  /** A histogram `name` of non-negative values (e.g. a duration in ms). */
  histogram(name: string): Histogram;
  /** A meter `name`: counts events; reporters show its rate per second. */
  meter(name: string): Meter;
  /**
   * An event log `name` ({@link EventLog}): the function's recent notable events, carried in the
   * metrics snapshot (`user.events`) for readers such as the web dashboard, which shows the log
   * named `alerts` as the job's alerts.
   */
  events(name: string): EventLog;
}

/** Metric names users may choose: letters, digits and `_`, starting with a letter (Prometheus-safe). */
const USER_METRIC_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

function checkUserMetricName(operator: string, name: string): void {
  if (!USER_METRIC_NAME.test(name))
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `operator '${operator}': metric name '${name}' is not valid: use letters, digits and '_', starting with a letter`,
      { details: { operator, metric: name } },
    );
}

/** Metrics user functions registered in one operator subtask, by kind and name. */
export class UserMetrics implements MetricGroup {
  readonly counters = new Map<string, Counter>();
  readonly gauges = new Map<string, Gauge>();
  readonly gaugeReaders = new Map<string, () => number>();
  readonly histograms = new Map<string, Histogram>();
  readonly meters = new Map<string, Meter>();
  readonly eventLogs = new Map<string, EventLog>();
  private readonly kinds = new Map<string, string>();
  constructor(private readonly operatorName: string) {}

  private claim(name: string, kind: string): void {
    checkUserMetricName(this.operatorName, name);
    const had = this.kinds.get(name);
    if (had !== undefined && had !== kind)
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `operator '${this.operatorName}': metric '${name}' is already a ${had}, it cannot also be a ${kind}`,
        { details: { operator: this.operatorName, metric: name } },
      );
    this.kinds.set(name, kind);
  }

  counter(name: string): Counter {
    this.claim(name, "counter");
    let c = this.counters.get(name);
    if (c === undefined) this.counters.set(name, (c = new Counter()));
    return c;
  }

  gauge(name: string, read?: () => number): Gauge {
    this.claim(name, "gauge");
    let g = this.gauges.get(name);
    if (g === undefined) this.gauges.set(name, (g = new Gauge()));
    if (read) this.gaugeReaders.set(name, read);
    return g;
  }

  histogram(name: string): Histogram {
    this.claim(name, "histogram");
    let h = this.histograms.get(name);
    if (h === undefined) this.histograms.set(name, (h = new Histogram()));
    return h;
  }

  meter(name: string): Meter {
    this.claim(name, "meter");
    let m = this.meters.get(name);
    if (m === undefined) this.meters.set(name, (m = new Meter()));
    return m;
  }

  events(name: string): EventLog {
    this.claim(name, "log of events");
    let e = this.eventLogs.get(name);
    if (e === undefined) this.eventLogs.set(name, (e = new EventLog()));
    return e;
  }

  /** Plain values of every user metric (gauge functions are called here). */
  snapshot(): UserMetricsSnapshot {
    const gauges: Record<string, number> = {};
    for (const [n, g] of this.gauges) {
      const read = this.gaugeReaders.get(n);
      gauges[n] = read ? safeRead(read) : g.value;
    }
    return {
      counters: Object.fromEntries([...this.counters].map(([n, c]) => [n, c.count])),
      gauges,
      histograms: Object.fromEntries([...this.histograms].map(([n, h]) => [n, h.snapshot()])),
      meters: Object.fromEntries([...this.meters].map(([n, m]) => [n, m.count])),
      ...(this.eventLogs.size > 0
        ? { events: Object.fromEntries([...this.eventLogs].map(([n, e]) => [n, e.snapshot()])) }
        : {}),
    };
  }
}

function safeRead(read: () => number): number {
  try {
    const v = read();
    return typeof v === "number" ? v : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function safeSplits(
  read: () => Record<string, Record<string, number>> | undefined,
): Record<string, Record<string, number>> {
  try {
    return read() ?? {};
  } catch {
    return {};
  }
}

/** User metrics of one operator subtask at one moment. */
export interface UserMetricsSnapshot {
  readonly counters: Readonly<Record<string, number>>;
  readonly gauges: Readonly<Record<string, number>>;
  readonly histograms: Readonly<Record<string, HistogramSnapshot>>;
  /** Meter counts (reporters derive the rates). */
  readonly meters: Readonly<Record<string, number>>;
  /** Event logs, when the functions have any (see {@link MetricGroup.events}). */
  readonly events?: Readonly<Record<string, EventLogSnapshot>>;
}

/** One operator subtask's metrics at one moment: plain, structured-cloneable numbers. */
export interface OperatorMetricsSnapshot {
  readonly operatorName: string;
  readonly operatorId: string;
  readonly subtaskIndex: number;
  /** Name of the task (the chain of operators, Flink's `task_name`) the operator runs in. */
  readonly taskName: string;
  /** True for the first operator of its chain, which carries the task's time metrics. */
  readonly chainHead: boolean;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly recordsRejected: number;
  readonly numLateRecordsDropped: number;
  /** Task time (ms, since the start) busy, idle and backpressured; the head of a chain only. */
  readonly busyTimeMs: number;
  readonly idleTimeMs: number;
  readonly backPressuredTimeMs: number;
  /** Watermarks (ms since the epoch); -Infinity until the first one. */
  readonly currentInputWatermark: number;
  readonly currentOutputWatermark: number;
  /** Alignment time (ms) of the last checkpoint barrier aligned by this task (chain head). */
  readonly checkpointAlignmentTimeMs: number;
  readonly latencyMs: HistogramSnapshot;
  /**
   * Sinks only: end-to-end latency (ms), the wall clock at the sink minus the record's event
   * timestamp, sampled on the first timestamped record after each latency marker (see
   * {@link OperatorMetrics.endToEndLatencyMs}).
   */
  readonly endToEndLatencyMs?: HistogramSnapshot;
  /**
   * Sources only: figures per split (partition), by split id then name: the reader's (e.g.
   * `recordsLag`) and, for sources with per-split watermarks, `currentWatermark` (ms) and `idle`.
   */
  readonly splits?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Gauges the operator defines (see {@link OperatorMetrics.gauge}) and probes (state entries, timers). */
  readonly gauges: Readonly<Record<string, number>>;
  /** Counters the operator defines (see {@link OperatorMetrics.counter}). */
  readonly counters: Readonly<Record<string, number>>;
  readonly user: UserMetricsSnapshot;
}

/** Job-wide metrics at one moment. */
export interface JobMetricsSnapshot {
  /** When the job started (ms since the epoch). */
  readonly startedAt: number;
  readonly uptimeMs: number;
  readonly restarts: number;
  readonly checkpointsCompleted: number;
  readonly checkpointsFailed: number;
  readonly checkpointsInProgress: number;
  /** Duration (ms) from trigger to completion of the last completed checkpoint; 0 when none. */
  readonly lastCheckpointDurationMs: number;
  /** Bytes written by the last completed checkpoint (its state files); 0 when none or unknown. */
  readonly lastCheckpointSizeBytes: number;
  /**
   * The failures that restarted the job, oldest first, the newest {@link MAX_FAILURES_KEPT} (absent
   * before the first restart).
   */
  readonly failures?: readonly JobFailure[];
  /** Restarts by the error code of the failure that caused them (absent before the first). */
  readonly restartCauses?: Readonly<Record<string, number>>;
}

/** A failure that restarted the job: what Flink's web UI lists under "Exceptions". */
export interface JobFailure {
  /** When the job gave the failed attempt up (ms since the epoch). */
  readonly at: number;
  /** The restart it caused (the job's restart count after it). */
  readonly restart: number;
  /** How long the job waited before restarting (ms, from the restart strategy). */
  readonly restartDelayMs: number;
  /** The error's code (FLEUVE_...); FLEUVE_JOB_FAILED for an error that was not a FleuveError. */
  readonly code: string;
  readonly message: string;
  /** The error's stack, then each cause's ("Caused by: ..."), at most {@link MAX_STACK_CHARS}. */
  readonly stack?: string;
  /** The operator the error names (its `details.operator`), when it names one. */
  readonly operator?: string;
  /** `--group` jobs: the unit (one subtask of one task) that restarted. */
  readonly unit?: string;
}

/** Failures a job keeps for {@link JobMetricsSnapshot.failures}. */
export const MAX_FAILURES_KEPT = 20;
/** Characters of stack kept per failure. */
export const MAX_STACK_CHARS = 4000;

/** Every metric of a job at one moment (what reporters and worker threads pass around). */
export interface MetricsSnapshot {
  readonly job: JobMetricsSnapshot;
  readonly operators: readonly OperatorMetricsSnapshot[];
  /** Figures of the process rather than the job, by name (e.g. a group worker's `unitsOwned`). */
  readonly process?: Readonly<Record<string, number>>;
}

/** Job-wide metrics: uptime, restarts and checkpoint statistics. */
export class JobMetrics {
  /** When the job started (ms since the epoch). */
  readonly startedAt = Date.now();
  readonly restarts = new Counter();
  readonly checkpointsCompleted = new Counter();
  readonly checkpointsFailed = new Counter();
  readonly checkpointsInProgress = new Gauge();
  readonly lastCheckpointDurationMs = new Gauge();
  readonly lastCheckpointSizeBytes = new Gauge();

  private readonly failures: JobFailure[] = [];
  private readonly restartCauses = new Map<string, number>();

  /**
   * The job restarts after `error`, in `delayMs`: counts the restart and keeps the failure (its
   * message, code, stack and operator) for the dashboard, the API and `restartCauses`.
   */
  restarted(error: unknown, delayMs: number): void {
    this.restarts.inc();
    const e = error as { code?: unknown; message?: unknown; details?: { operator?: unknown } } | undefined;
    const code = typeof e?.code === "string" ? e.code : "FLEUVE_JOB_FAILED";
    const operator = e?.details?.operator;
    const stack = stackOf(error);
    this.failures.push({
      at: Date.now(),
      restart: this.restarts.count,
      restartDelayMs: delayMs,
      code,
      message: typeof e?.message === "string" ? e.message : String(error),
      ...(stack ? { stack } : {}),
      ...(typeof operator === "string" ? { operator } : {}),
    });
    if (this.failures.length > MAX_FAILURES_KEPT) this.failures.shift();
    this.restartCauses.set(code, (this.restartCauses.get(code) ?? 0) + 1);
  }

  /** A checkpoint completed after `durationMs`, having written `sizeBytes` (0 when unknown). */
  checkpointCompleted(durationMs: number, sizeBytes: number): void {
    this.checkpointsCompleted.inc();
    this.lastCheckpointDurationMs.set(durationMs);
    this.lastCheckpointSizeBytes.set(sizeBytes);
  }

  snapshot(): JobMetricsSnapshot {
    return {
      startedAt: this.startedAt,
      uptimeMs: Date.now() - this.startedAt,
      restarts: this.restarts.count,
      checkpointsCompleted: this.checkpointsCompleted.count,
      checkpointsFailed: this.checkpointsFailed.count,
      checkpointsInProgress: this.checkpointsInProgress.value,
      lastCheckpointDurationMs: this.lastCheckpointDurationMs.value,
      lastCheckpointSizeBytes: this.lastCheckpointSizeBytes.value,
      ...(this.failures.length > 0
        ? { failures: [...this.failures], restartCauses: Object.fromEntries(this.restartCauses) }
        : {}),
    };
  }
}

/** The stack of `error` and of its causes, cut to {@link MAX_STACK_CHARS}. */
function stackOf(error: unknown): string | undefined {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 5; depth++) {
    parts.push(`${depth > 0 ? "Caused by: " : ""}${e.stack ?? `${e.name}: ${e.message}`}`);
    e = e.cause;
  }
  if (parts.length === 0) return undefined;
  const text = parts.join("\n");
  return text.length > MAX_STACK_CHARS ? `${text.slice(0, MAX_STACK_CHARS)}…` : text;
}

/** Metrics of one operator subtask. */
export class OperatorMetrics {
  readonly recordsIn = new RecordCounter();
  readonly recordsOut = new RecordCounter();
  /** Records skipped or sent to the dead-letter writer by the error policy. */
  readonly recordsRejected = new Counter();
  /**
   * Records a window operator dropped as late: every window they belong to is past its allowed
   * lateness, and no late-data side output is set (Flink's numLateRecordsDropped).
   */
  readonly numLateRecordsDropped = new Counter();
  /** Busy time (ms) of the task the operator runs in, attributed to the head of each chain. */
  readonly busyTimeMs = new TimeCounter();
  /** Idle time (ms): the task had no input (head of each chain). */
  readonly idleTimeMs = new TimeCounter();
  /** Backpressured time (ms): the task had input but no room in an output channel (head of each chain). */
  readonly backPressuredTimeMs = new TimeCounter();
  /** Alignment time (ms) of the last checkpoint this task aligned barriers for (head of each chain). */
  readonly checkpointAlignmentTimeMs = new Gauge();
  /** Source-to-here latency (ms), measured with latency markers. */
  readonly latencyMs = new Histogram();
  /**
   * Sinks only (created by the sink operator): wall clock minus event timestamp (ms) of one record
   * per latency-marker interval, so the per-record cost is one flag test.
   */
  endToEndLatencyMs: Histogram | undefined;
  /** Sources only: per-split figures, read when a reporter samples (e.g. lag behind the head). */
  splitProbe: (() => Record<string, Record<string, number>> | undefined) | undefined;
  /** The operator's input watermark (for a source: the watermark it emitted). */
  readonly currentWatermark = new Gauge();
  /** The last watermark the operator forwarded. */
  readonly currentOutputWatermark = new Gauge();
  /** Gauges an operator defines itself (Flink's `getMetricGroup().gauge(...)`), by name. */
  readonly gauges = new Map<string, Gauge>();
  /** Counters an operator defines itself (Flink's `getMetricGroup().counter(...)`), by name. */
  readonly counters = new Map<string, Counter>();
  /** Gauges read only when a reporter samples (keyed state entries, timers), by name. */
  readonly probes = new Map<string, () => number>();
  /** Metrics user functions register through their runtime context. */
  readonly user: UserMetrics;
  /** Name of the task (chain) the operator runs in; set by the plan builder. */
  taskName: string;
  /** True when the operator heads its chain (carries the task's busy/idle/backpressured time). */
  chainHead = true;
  constructor(
    readonly operatorName: string,
    readonly operatorId: string,
    readonly subtaskIndex: number,
  ) {
    this.taskName = operatorName;
    this.user = new UserMetrics(operatorName);
    this.currentWatermark.value = Number.NEGATIVE_INFINITY;
    this.currentOutputWatermark.value = Number.NEGATIVE_INFINITY;
  }

  /** Registers a gauge `name` whose value `read` returns when a reporter samples (never per record). */
  probe(name: string, read: () => number): void {
    this.probes.set(name, read);
  }

  /** This subtask's metrics as plain numbers (calls the probes and user gauge functions). */
  snapshot(): OperatorMetricsSnapshot {
    const gauges: Record<string, number> = {};
    for (const [n, g] of this.gauges) gauges[n] = g.value;
    for (const [n, read] of this.probes) gauges[n] = safeRead(read);
    const counters: Record<string, number> = {};
    for (const [n, c] of this.counters) counters[n] = c.count;
    return {
      operatorName: this.operatorName,
      operatorId: this.operatorId,
      subtaskIndex: this.subtaskIndex,
      taskName: this.taskName,
      chainHead: this.chainHead,
      recordsIn: this.recordsIn.count,
      recordsOut: this.recordsOut.count,
      recordsRejected: this.recordsRejected.count,
      numLateRecordsDropped: this.numLateRecordsDropped.count,
      busyTimeMs: this.busyTimeMs.count,
      idleTimeMs: this.idleTimeMs.count,
      backPressuredTimeMs: this.backPressuredTimeMs.count,
      currentInputWatermark: this.currentWatermark.value,
      currentOutputWatermark: this.currentOutputWatermark.value,
      checkpointAlignmentTimeMs: this.checkpointAlignmentTimeMs.value,
      latencyMs: this.latencyMs.snapshot(),
      ...(this.endToEndLatencyMs ? { endToEndLatencyMs: this.endToEndLatencyMs.snapshot() } : {}),
      ...(this.splitProbe ? { splits: safeSplits(this.splitProbe) } : {}),
      gauges,
      counters,
      user: this.user.snapshot(),
    };
  }

  /**
   * The operator's own gauge `name`, created at 0 on first use (the same gauge for the same name):
   * for what only the operator knows, e.g. the partial matches a CEP operator holds.
   */
  gauge(name: string): Gauge {
    let g = this.gauges.get(name);
    if (g === undefined) {
      g = new Gauge();
      this.gauges.set(name, g);
    }
    return g;
  }

  /**
   * The operator's own counter `name`, created at 0 on first use (the same counter for the same
   * name): for what only the operator counts, e.g. the partial matches a CEP operator dropped.
   */
  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (c === undefined) {
      c = new Counter();
      this.counters.set(name, c);
    }
    return c;
  }
}

/** Adds each value of `from` to the same name in `into`. */
export function addByName(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const name in from) into[name] = (into[name] ?? 0) + from[name]!;
}

/** All metrics of a running job. */
export class MetricsRegistry {
  readonly operators: OperatorMetrics[] = [];
  /** Uptime, restarts and checkpoints of the job (as seen by the thread that coordinates it). */
  readonly job = new JobMetrics();
  private readonly byKey = new Map<string, OperatorMetrics>();

  /**
   * The metrics of one operator subtask, created and registered on first use; a restarted attempt
   * gets the same object again, so counts go on across restarts.
   */
  operator(name: string, id: string, subtaskIndex: number): OperatorMetrics {
    const key = `${id}\u0000${subtaskIndex}`;
    const had = this.byKey.get(key);
    if (had !== undefined) {
      had.probes.clear();
      had.splitProbe = undefined;
      return had;
    }
    const m = new OperatorMetrics(name, id, subtaskIndex);
    this.operators.push(m);
    this.byKey.set(key, m);
    return m;
  }

  /** Every metric of the job now, as plain numbers (what a reporter samples on its timer). */
  snapshot(): MetricsSnapshot {
    return { job: this.job.snapshot(), operators: this.operators.map((m) => m.snapshot()) };
  }

  /** Per-operator totals summed over subtasks, keyed by operator id. */
  summary(): Record<
    string,
    {
      name: string;
      recordsIn: number;
      recordsOut: number;
      busyTimeMs: number;
      /** Records dropped by window operators as late (see {@link OperatorMetrics.numLateRecordsDropped}). */
      numLateRecordsDropped: number;
      /** Records the error policy skipped or sent to dead letters (see {@link OperatorMetrics.recordsRejected}). */
      recordsRejected: number;
      latencyP50Ms: number;
      latencyP99Ms: number;
      /**
       * The operator's own gauges (see {@link OperatorMetrics.gauge}, e.g. CEP's
       * `cep.partialMatches`), each summed over its subtasks; probes are left out (they are read
       * only when a reporter samples).
       */
      gauges: Record<string, number>;
      /** The operator's own counters (see {@link OperatorMetrics.counter}), summed over its subtasks. */
      counters: Record<string, number>;
    }
  > {
    const out: Record<
      string,
      {
        name: string;
        recordsIn: number;
        recordsOut: number;
        busyTimeMs: number;
        numLateRecordsDropped: number;
        recordsRejected: number;
        hist: Histogram;
        gauges: Record<string, number>;
        counters: Record<string, number>;
      }
    > = {};
    for (const m of this.operators) {
      const s = (out[m.operatorId] ??= {
        name: m.operatorName,
        recordsIn: 0,
        recordsOut: 0,
        busyTimeMs: 0,
        numLateRecordsDropped: 0,
        recordsRejected: 0,
        hist: new Histogram(),
        gauges: {},
        counters: {},
      });
      s.recordsIn += m.recordsIn.count;
      s.recordsOut += m.recordsOut.count;
      s.busyTimeMs += m.busyTimeMs.count;
      s.numLateRecordsDropped += m.numLateRecordsDropped.count;
      s.recordsRejected += m.recordsRejected.count;
      s.hist.merge(m.latencyMs);
      for (const [n, g] of m.gauges) s.gauges[n] = (s.gauges[n] ?? 0) + g.value;
      for (const [n, c] of m.counters) s.counters[n] = (s.counters[n] ?? 0) + c.count;
    }
    const res: ReturnType<MetricsRegistry["summary"]> = {};
    for (const [id, s] of Object.entries(out)) {
      res[id] = {
        name: s.name,
        recordsIn: s.recordsIn,
        recordsOut: s.recordsOut,
        busyTimeMs: s.busyTimeMs,
        numLateRecordsDropped: s.numLateRecordsDropped,
        recordsRejected: s.recordsRejected,
        latencyP50Ms: s.hist.quantile(0.5),
        latencyP99Ms: s.hist.quantile(0.99),
        gauges: s.gauges,
        counters: s.counters,
      };
    }
    return res;
  }
}
