/**
 * The Prometheus text exposition format (version 0.0.4) of a job's {@link MetricsSnapshot}, in two
 * naming modes:
 *
 * - `native`: `fleuve_` names in base units (seconds, bytes), counters ending in `_total`, labels
 *   `job_name`, `task`, `operator`, `operator_id`, `subtask` (not `job`, which Prometheus sets to the scrape job); passes `promtool check metrics`.
 * - `flink`: the names and labels of Flink's PrometheusReporter (`flink_taskmanager_job_task_operator_numRecordsIn`
 *   with `job_name`, `task_name`, `operator_name`, `subtask_index`...), every Flink counter, gauge and
 *   meter as a Prometheus gauge and histograms as summaries, as Flink exports them, so dashboards
 *   made for Flink work unchanged.
 */
import type { HistogramSnapshot, MetricsSnapshot, OperatorMetricsSnapshot } from "@fleuve/core";

/** How metric names and labels are spelled. */
export type NamingMode = "native" | "flink";

/** Per-second rates over the reporter's window (Flink's meters), by operator subtask. */
export interface Rates {
  /** Rate per second of `counter` of `op` (0 when there is no earlier sample yet). */
  rate(op: OperatorMetricsSnapshot, counter: RateCounter): number;
}

/** The counters Flink exports as meters or per-second gauges. */
export type RateCounter =
  | "recordsIn"
  | "recordsOut"
  | "busyTimeMs"
  | "idleTimeMs"
  | "backPressuredTimeMs"
  | `meter:${string}`;

/** What the exposition is made from. */
export interface ExpositionInput {
  readonly snapshot: MetricsSnapshot;
  /** The job's name (label `job` / `job_name`). */
  readonly jobName: string;
  /** Rates for the Flink mode's per-second metrics; none: those read 0. */
  readonly rates?: Rates;
  /** Host label of the Flink mode (Flink's `host`); default `localhost`. */
  readonly host?: string;
}

type Labels = Record<string, string>;
type Kind = "counter" | "gauge" | "summary";

/** Collects samples by metric family so that each family is written once, with its HELP and TYPE. */
class Families {
  private readonly families = new Map<string, { help: string; kind: Kind; lines: string[] }>();

  add(name: string, kind: Kind, help: string, labels: Labels, value: number, suffix = ""): void {
    let f = this.families.get(name);
    if (f === undefined) this.families.set(name, (f = { help, kind, lines: [] }));
    f.lines.push(`${name}${suffix}${formatLabels(labels)} ${formatValue(value)}`);
  }

  /** A summary: quantiles, `_sum` (unless omitted) and `_count`. */
  summary(
    name: string,
    help: string,
    labels: Labels,
    h: HistogramSnapshot,
    scale: number,
    quantiles: readonly (readonly [string, number])[],
    withSum: boolean,
  ): void {
    for (const [q, v] of quantiles) this.add(name, "summary", help, { ...labels, quantile: q }, v * scale);
    if (withSum) this.add(name, "summary", help, labels, h.sum * scale, "_sum");
    this.add(name, "summary", help, labels, h.count, "_count");
  }

  render(): string {
    let out = "";
    for (const [name, f] of this.families) {
      out += `# HELP ${name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${name} ${f.kind}\n`;
      out += `${f.lines.join("\n")}\n`;
    }
    return out;
  }
}

function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`,
  );
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/** `cep.partialMatches` -> `cep_partial_matches`: a name part valid in Prometheus, in snake case. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9_]/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_|_$/g, "")
    .toLowerCase();
}

/** Flink's character filter for names: anything but `[A-Za-z0-9:_]` becomes `_`. */
function flinkName(name: string): string {
  return name.replace(/[^A-Za-z0-9:_]/g, "_");
}

/** Operator gauges whose native names say their unit. */
const NATIVE_GAUGE_NAMES: Record<string, string> = {
  numKeyedStateEntries: "keyed_state_entries",
  numEventTimeTimers: "event_time_timers",
  numProcessingTimeTimers: "processing_time_timers",
  keyedStateSizeBytes: "keyed_state_size_bytes",
};

/** Source split figures (see SourceReader.splitMetrics) whose native names say their unit. */
const NATIVE_SPLIT_NAMES: Record<string, [name: string, help: string, scale?: number]> = {
  recordsLag: [
    "fleuve_source_split_lag_records",
    "Records (offsets) between the next one the source emits and the head of the split.",
  ],
  committedRecordsLag: [
    "fleuve_source_split_committed_lag_records",
    "Records (offsets) between the offset the consumer group committed and the head of the split.",
  ],
  currentWatermark: [
    "fleuve_source_split_watermark_seconds",
    "The split's own watermark (Unix time), before the source combines its splits' (absent before the first).",
    1 / 1000,
  ],
  idle: [
    "fleuve_source_split_idle",
    "1 while the split is idle (it does not hold the source's watermark back).",
  ],
};

/**
 * The figures of a `--group` process (GroupWorker.snapshot's `process`), by their native names and
 * types: counters never go down while the process lives; any other figure is a gauge.
 */
const NATIVE_PROCESS_FIGURES: Record<string, [name: string, kind: Kind, help: string]> = {
  rebalances: [
    "fleuve_process_rebalances_total",
    "counter",
    "Assignments this group process received (rebalances it took part in, its first join included).",
  ],
  unitStarts: [
    "fleuve_process_unit_starts_total",
    "counter",
    "Units this group process took and started (on joining the group or on a rebalance).",
  ],
  unitStops: [
    "fleuve_process_unit_stops_total",
    "counter",
    "Units this group process gave up on a rebalance (they moved to another process).",
  ],
  unitsOwned: ["fleuve_process_units_owned", "gauge", "Units this group process runs now."],
  unitsTotal: ["fleuve_process_job_units", "gauge", "Units of the job (in every process of the group)."],
};

const NATIVE_QUANTILES = [0.5, 0.95, 0.99, 0.999] as const;
/** Flink's HistogramSummaryProxy quantiles. */
const FLINK_QUANTILES = [0.5, 0.75, 0.95, 0.98, 0.99, 0.999] as const;

function quantileValue(h: HistogramSnapshot, q: number): number {
  // The core histogram keeps p50/p95/p99/p999; Flink's 0.75 and 0.98 use the nearest kept above.
  if (q <= 0.5) return h.p50;
  if (q <= 0.95) return h.p95;
  if (q <= 0.99) return h.p99;
  return h.p999;
}

/** The exposition of `input` in the naming mode `mode`. */
export function formatPrometheus(input: ExpositionInput, mode: NamingMode = "native"): string {
  return mode === "flink" ? formatFlink(input) : formatNative(input);
}

function formatNative({ snapshot, jobName }: ExpositionInput): string {
  const f = new Families();
  const job = { job_name: jobName };
  const j = snapshot.job;
  f.add(
    "fleuve_job_start_time_seconds",
    "gauge",
    "When the job started (Unix time).",
    job,
    j.startedAt / 1000,
  );
  f.add("fleuve_job_uptime_seconds", "gauge", "Time since the job started.", job, j.uptimeMs / 1000);
  f.add("fleuve_job_restarts_total", "counter", "Restarts of the job after a failure.", job, j.restarts);
  for (const [code, n] of Object.entries(j.restartCauses ?? {}))
    f.add(
      "fleuve_job_restart_causes_total",
      "counter",
      "Restarts of the job by the error code of the failure that caused them.",
      { ...job, code },
      n,
    );
  const lastFailure = j.failures?.[j.failures.length - 1];
  if (lastFailure)
    f.add(
      "fleuve_job_last_restart_timestamp_seconds",
      "gauge",
      "When the job last gave up a failed attempt to restart (Unix time; absent before the first restart).",
      job,
      lastFailure.at / 1000,
    );
  f.add(
    "fleuve_job_checkpoints_completed_total",
    "counter",
    "Checkpoints and savepoints completed.",
    job,
    j.checkpointsCompleted,
  );
  f.add(
    "fleuve_job_checkpoints_failed_total",
    "counter",
    "Checkpoints that failed or were aborted (not those subsumed by a newer one).",
    job,
    j.checkpointsFailed,
  );
  f.add(
    "fleuve_job_checkpoints_in_progress",
    "gauge",
    "Checkpoints triggered and not yet complete.",
    job,
    j.checkpointsInProgress,
  );
  f.add(
    "fleuve_job_last_checkpoint_duration_seconds",
    "gauge",
    "Time from trigger to completion of the last completed checkpoint.",
    job,
    j.lastCheckpointDurationMs / 1000,
  );
  f.add(
    "fleuve_job_last_checkpoint_size_bytes",
    "gauge",
    "Bytes of state files written by the last completed checkpoint.",
    job,
    j.lastCheckpointSizeBytes,
  );
  for (const [name, v] of Object.entries(snapshot.process ?? {})) {
    const [n, kind, help] = NATIVE_PROCESS_FIGURES[name] ?? [
      `fleuve_process_${snakeCase(name)}`,
      "gauge",
      `Process figure ${name}.`,
    ];
    f.add(n, kind, help, job, v);
  }
  for (const o of snapshot.operators) {
    const subtask = String(o.subtaskIndex);
    const op = {
      job_name: jobName,
      task: o.taskName,
      operator: o.operatorName,
      operator_id: o.operatorId,
      subtask,
    };
    if (o.chainHead) {
      const task = { job_name: jobName, task: o.taskName, subtask };
      f.add(
        "fleuve_task_busy_seconds_total",
        "counter",
        "Time the task spent processing.",
        task,
        o.busyTimeMs / 1000,
      );
      f.add(
        "fleuve_task_idle_seconds_total",
        "counter",
        "Time the task had no input to process.",
        task,
        o.idleTimeMs / 1000,
      );
      f.add(
        "fleuve_task_backpressured_seconds_total",
        "counter",
        "Time the task had input but no room in an output channel.",
        task,
        o.backPressuredTimeMs / 1000,
      );
      f.add(
        "fleuve_task_last_checkpoint_alignment_seconds",
        "gauge",
        "Barrier alignment time of the last checkpoint this task aligned.",
        task,
        o.checkpointAlignmentTimeMs / 1000,
      );
    }
    f.add("fleuve_operator_records_in_total", "counter", "Records the operator received.", op, o.recordsIn);
    f.add(
      "fleuve_operator_records_out_total",
      "counter",
      "Records the operator emitted (main output).",
      op,
      o.recordsOut,
    );
    f.add(
      "fleuve_operator_records_rejected_total",
      "counter",
      "Records skipped or sent to dead letters by the error policy.",
      op,
      o.recordsRejected,
    );
    f.add(
      "fleuve_operator_late_records_dropped_total",
      "counter",
      "Records a window operator dropped as late.",
      op,
      o.numLateRecordsDropped,
    );
    f.add(
      "fleuve_operator_input_watermark_seconds",
      "gauge",
      "The operator's current input watermark (Unix time; -Inf before the first).",
      op,
      o.currentInputWatermark / 1000,
    );
    f.add(
      "fleuve_operator_output_watermark_seconds",
      "gauge",
      "The last watermark the operator emitted (Unix time; -Inf before the first).",
      op,
      o.currentOutputWatermark / 1000,
    );
    const quantiles = NATIVE_QUANTILES.map((q) => [String(q), quantileValue(o.latencyMs, q)] as const);
    f.summary(
      "fleuve_operator_latency_seconds",
      "Latency from the source to this operator, measured with latency markers.",
      op,
      o.latencyMs,
      1 / 1000,
      quantiles,
      true,
    );
    if (o.endToEndLatencyMs) {
      const qs = NATIVE_QUANTILES.map((q) => [String(q), quantileValue(o.endToEndLatencyMs!, q)] as const);
      f.summary(
        "fleuve_sink_end_to_end_latency_seconds",
        "Wall clock at the sink minus the record's event timestamp, one record sampled per latency marker.",
        op,
        o.endToEndLatencyMs,
        1 / 1000,
        qs,
        true,
      );
    }
    for (const [split, figures] of Object.entries(o.splits ?? {})) {
      for (const [name, v] of Object.entries(figures)) {
        const [n, help, scale = 1] = NATIVE_SPLIT_NAMES[name] ?? [
          `fleuve_source_split_${snakeCase(name)}`,
          `Split figure ${name}.`,
        ];
        f.add(n, "gauge", help, { ...op, split }, v * scale);
      }
    }
    for (const [name, v] of Object.entries(o.gauges)) {
      const n = NATIVE_GAUGE_NAMES[name] ?? snakeCase(name);
      f.add(`fleuve_operator_${n}`, "gauge", `Operator gauge ${name}.`, op, v);
    }
    for (const [name, v] of Object.entries(o.counters))
      f.add(`fleuve_operator_${snakeCase(name)}_total`, "counter", `Operator counter ${name}.`, op, v);
    const u = o.user;
    for (const [name, v] of Object.entries(u.counters))
      f.add(`fleuve_user_${snakeCase(name)}_total`, "counter", `User counter ${name}.`, op, v);
    for (const [name, v] of Object.entries(u.meters))
      f.add(
        `fleuve_user_${snakeCase(name)}_total`,
        "counter",
        `User meter ${name} (events; use rate()).`,
        op,
        v,
      );
    for (const [name, v] of Object.entries(u.gauges))
      f.add(`fleuve_user_${snakeCase(name)}`, "gauge", `User gauge ${name}.`, op, v);
    for (const [name, h] of Object.entries(u.histograms)) {
      const qs = NATIVE_QUANTILES.map((q) => [String(q), quantileValue(h, q)] as const);
      f.summary(`fleuve_user_${snakeCase(name)}`, `User histogram ${name}.`, op, h, 1, qs, true);
    }
    // Event logs (getMetricGroup().events): how many events each recorded, e.g. the alerts an
    // @fleuve/alerts operator raised (log="alerts"); the events themselves are the dashboard's.
    for (const [name, e] of Object.entries(u.events ?? {}))
      f.add(
        "fleuve_events_total",
        "counter",
        'Events recorded in an operator\'s event log (label log; log="alerts": alerts raised).',
        { ...op, log: name },
        e.total,
      );
  }
  return f.render();
}

function formatFlink({ snapshot, jobName, rates, host = "localhost" }: ExpositionInput): string {
  const f = new Families();
  const jobId = jobIdOf(jobName);
  const jm = { host, job_id: jobId, job_name: jobName };
  const j = snapshot.job;
  const g = (name: string, labels: Labels, v: number) =>
    f.add(name, "gauge", `${name} (scope ${Object.keys(labels).join(", ")})`, labels, v);
  g("flink_jobmanager_job_uptime", jm, j.uptimeMs);
  g("flink_jobmanager_job_numRestarts", jm, j.restarts);
  g("flink_jobmanager_job_numberOfCompletedCheckpoints", jm, j.checkpointsCompleted);
  g("flink_jobmanager_job_numberOfFailedCheckpoints", jm, j.checkpointsFailed);
  g("flink_jobmanager_job_numberOfInProgressCheckpoints", jm, j.checkpointsInProgress);
  g(
    "flink_jobmanager_job_totalNumberOfCheckpoints",
    jm,
    j.checkpointsCompleted + j.checkpointsFailed + j.checkpointsInProgress,
  );
  g("flink_jobmanager_job_lastCheckpointDuration", jm, j.lastCheckpointDurationMs);
  g("flink_jobmanager_job_lastCheckpointSize", jm, j.lastCheckpointSizeBytes);
  const rate = (o: OperatorMetricsSnapshot, c: RateCounter) => rates?.rate(o, c) ?? 0;
  for (const o of snapshot.operators) {
    const task = {
      host,
      tm_id: host,
      job_id: jobId,
      job_name: jobName,
      task_id: taskIdOf(o.taskName),
      task_name: o.taskName,
      task_attempt_id: "0",
      task_attempt_num: "0",
      subtask_index: String(o.subtaskIndex),
    };
    const op = { ...task, operator_id: o.operatorId, operator_name: o.operatorName };
    if (o.chainHead) {
      const t = "flink_taskmanager_job_task_";
      g(`${t}numRecordsIn`, task, o.recordsIn);
      g(`${t}numRecordsInPerSecond`, task, rate(o, "recordsIn"));
      g(`${t}busyTimeMsPerSecond`, task, rate(o, "busyTimeMs"));
      g(`${t}idleTimeMsPerSecond`, task, rate(o, "idleTimeMs"));
      g(`${t}backPressuredTimeMsPerSecond`, task, rate(o, "backPressuredTimeMs"));
      g(`${t}accumulatedBusyTimeMs`, task, o.busyTimeMs);
      g(`${t}accumulatedIdleTimeMs`, task, o.idleTimeMs);
      g(`${t}accumulatedBackPressuredTimeMs`, task, o.backPressuredTimeMs);
      g(`${t}checkpointAlignmentTime`, task, o.checkpointAlignmentTimeMs * 1e6);
      g(`${t}isBackPressured`, task, rate(o, "backPressuredTimeMs") > 0 ? 1 : 0);
    }
    const p = "flink_taskmanager_job_task_operator_";
    g(`${p}numRecordsIn`, op, o.recordsIn);
    g(`${p}numRecordsOut`, op, o.recordsOut);
    g(`${p}numRecordsInPerSecond`, op, rate(o, "recordsIn"));
    g(`${p}numRecordsOutPerSecond`, op, rate(o, "recordsOut"));
    g(`${p}numLateRecordsDropped`, op, o.numLateRecordsDropped);
    // Flink's watermark gauges read Long.MIN_VALUE before the first watermark.
    g(`${p}currentInputWatermark`, op, flinkWatermark(o.currentInputWatermark));
    g(`${p}currentOutputWatermark`, op, flinkWatermark(o.currentOutputWatermark));
    if (o.latencyMs.count > 0) {
      const qs = FLINK_QUANTILES.map((q) => [String(q), quantileValue(o.latencyMs, q)] as const);
      f.summary(`${p}latency`, `${p}latency (ms)`, op, o.latencyMs, 1, qs, false);
    }
    if (o.endToEndLatencyMs && o.endToEndLatencyMs.count > 0) {
      const h = o.endToEndLatencyMs;
      const qs = FLINK_QUANTILES.map((q) => [String(q), quantileValue(h, q)] as const);
      f.summary(`${p}endToEndLatency`, `${p}endToEndLatency (ms)`, op, h, 1, qs, false);
    }
    if (o.splits) {
      // FLIP-33's pendingRecords: what the subtask's splits have behind their heads.
      let pending = 0;
      for (const figures of Object.values(o.splits)) pending += figures.recordsLag ?? 0;
      g(`${p}pendingRecords`, op, pending);
      for (const [split, figures] of Object.entries(o.splits))
        for (const [name, v] of Object.entries(figures))
          g(`${p}split_${flinkName(name)}`, { ...op, split }, v);
    }
    for (const [name, v] of Object.entries(o.gauges)) g(`${p}${flinkName(name)}`, op, v);
    // Flink exports a counter as a gauge of its count.
    for (const [name, v] of Object.entries(o.counters)) g(`${p}${flinkName(name)}`, op, v);
    const u = o.user;
    for (const [name, v] of Object.entries(u.counters)) g(`${p}${flinkName(name)}`, op, v);
    for (const [name, v] of Object.entries(u.gauges)) g(`${p}${flinkName(name)}`, op, v);
    for (const name of Object.keys(u.meters)) g(`${p}${flinkName(name)}`, op, rate(o, `meter:${name}`));
    for (const [name, h] of Object.entries(u.histograms)) {
      const qs = FLINK_QUANTILES.map((q) => [String(q), quantileValue(h, q)] as const);
      f.summary(`${p}${flinkName(name)}`, `${p}${flinkName(name)}`, op, h, 1, qs, false);
    }
  }
  return f.render();
}

/** Long.MIN_VALUE as Flink reports a watermark not yet seen; +Infinity (end of input) as Long.MAX_VALUE. */
function flinkWatermark(w: number): number {
  if (w === Number.NEGATIVE_INFINITY) return -(2 ** 63);
  if (w === Number.POSITIVE_INFINITY) return 2 ** 63;
  return w;
}

/** A stable 32-hex-digit id from a name (Flink's ids are random; dashboards only group by them). */
function hexId(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619) >>> 0;
    h2 = Math.imul(h2 + c, 2246822519) >>> 0;
  }
  const part = (n: number) => n.toString(16).padStart(8, "0");
  return part(h1) + part(h2) + part(h1 ^ h2) + part((h1 + h2) >>> 0);
}

function jobIdOf(jobName: string): string {
  return hexId(`job:${jobName}`);
}

function taskIdOf(taskName: string): string {
  return hexId(`task:${taskName}`);
}
