/**
 * Metrics cheap enough to leave on: plain counters (a field increment per record), busy time per
 * task step, and latency histograms fed by latency markers (not by every record). A later
 * observability package exports the registry to Prometheus.
 */

/** A monotonically increasing count. */
export class Counter {
  count = 0;
  inc(n = 1): void {
    this.count += n;
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

  /** Adds another histogram's counts into this one. */
  merge(other: Histogram): void {
    for (let i = 0; i < this.buckets.length; i++) this.buckets[i]! += other.buckets[i]!;
    this.count += other.count;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
  }
}

/** Metrics of one operator subtask. */
export class OperatorMetrics {
  readonly recordsIn = new Counter();
  readonly recordsOut = new Counter();
  /** Records skipped or sent to the dead-letter writer by the error policy. */
  readonly recordsRejected = new Counter();
  /**
   * Records a window operator dropped as late: every window they belong to is past its allowed
   * lateness, and no late-data side output is set (Flink's numLateRecordsDropped).
   */
  readonly numLateRecordsDropped = new Counter();
  /** Busy time (ms) of the task the operator runs in, attributed to the head of each chain. */
  readonly busyTimeMs = new Counter();
  /** Source-to-here latency (ms), measured with latency markers. */
  readonly latencyMs = new Histogram();
  readonly currentWatermark = new Gauge();
  /** Gauges an operator defines itself (Flink's `getMetricGroup().gauge(...)`), by name. */
  readonly gauges = new Map<string, Gauge>();
  constructor(
    readonly operatorName: string,
    readonly operatorId: string,
    readonly subtaskIndex: number,
  ) {}

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
}

/** All metrics of a running job. */
export class MetricsRegistry {
  readonly operators: OperatorMetrics[] = [];

  /** Creates (and registers) the metrics of one operator subtask. */
  operator(name: string, id: string, subtaskIndex: number): OperatorMetrics {
    const m = new OperatorMetrics(name, id, subtaskIndex);
    this.operators.push(m);
    return m;
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
      });
      s.recordsIn += m.recordsIn.count;
      s.recordsOut += m.recordsOut.count;
      s.busyTimeMs += m.busyTimeMs.count;
      s.numLateRecordsDropped += m.numLateRecordsDropped.count;
      s.recordsRejected += m.recordsRejected.count;
      s.hist.merge(m.latencyMs);
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
      };
    }
    return res;
  }
}
