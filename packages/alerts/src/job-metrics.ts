/**
 * Alerts over Fleuve's own metrics: samples a running job's `JobClient.snapshot()` into series
 * (busy and backpressured share of time, input rate, watermark lag per operator subtask; restarts
 * and failed checkpoints of the job) and runs the same rules over them, in processing time.
 */
import { FleuveError, type JobClient, type MetricsSnapshot } from "@fleuve/core";
import { type Alert, type Rule, type RuleConfig, ruleFromConfig } from "./rules.js";

/** One point of a job metric series, e.g. `{ series: "Window#0.busyRatio", time, value: 0.93 }`. */
export interface MetricSample {
  readonly series: string;
  readonly time: number;
  readonly value: number;
}

interface Previous {
  time: number;
  busy: number;
  back: number;
  recordsIn: number;
}

/**
 * Turns successive metric snapshots into samples. Time shares and rates are deltas between two
 * snapshots, so the first snapshot of an operator subtask gives only its watermark lag.
 */
export class JobMetricsSampler {
  private readonly previous = new Map<string, Previous>();

  /** Samples of `snapshot`, taken at `now` (ms). */
  sample(snapshot: MetricsSnapshot, now: number): MetricSample[] {
    const out: MetricSample[] = [];
    for (const op of snapshot.operators) {
      const id = `${op.operatorName}#${op.subtaskIndex}`;
      if (Number.isFinite(op.currentOutputWatermark) && op.currentOutputWatermark > 0)
        out.push({ series: `${id}.watermarkLagMs`, time: now, value: now - op.currentOutputWatermark });
      const prev = this.previous.get(id);
      this.previous.set(id, {
        time: now,
        busy: op.busyTimeMs,
        back: op.backPressuredTimeMs,
        recordsIn: op.recordsIn,
      });
      if (prev === undefined || now <= prev.time) continue;
      const dt = now - prev.time;
      out.push({
        series: `${id}.recordsInPerSecond`,
        time: now,
        value: ((op.recordsIn - prev.recordsIn) * 1000) / dt,
      });
      // Busy and backpressured time are kept by the head of a chain only.
      if (op.chainHead) {
        out.push({ series: `${id}.busyRatio`, time: now, value: (op.busyTimeMs - prev.busy) / dt });
        out.push({
          series: `${id}.backPressuredRatio`,
          time: now,
          value: (op.backPressuredTimeMs - prev.back) / dt,
        });
      }
    }
    out.push({ series: "job.restarts", time: now, value: snapshot.job.restarts });
    out.push({ series: "job.checkpointsFailed", time: now, value: snapshot.job.checkpointsFailed });
    return out;
  }
}

/** Options of {@link watchJobMetrics}. */
export interface WatchJobMetricsOptions {
  /** Rules run over every series whose name passes `series` (default: all). */
  readonly rules: readonly (Rule | RuleConfig)[];
  /** Which series to watch, e.g. `(s) => s.endsWith(".busyRatio")`. */
  readonly series?: (name: string) => boolean;
  /** Sampling period (ms, default 1,000). */
  readonly everyMs?: number;
  /** Where alerts go (e.g. `(a) => log(formatAlert(a))`, or a webhook call). */
  readonly onAlert: (alert: Alert) => void;
  /** The clock (default `Date.now`); tests give their own. */
  readonly now?: () => number;
}

/** A running watch: `sampleOnce` takes a sample now (the timer calls it), `stop` ends the watch. */
export interface JobMetricsWatch {
  sampleOnce(): void;
  stop(): void;
}

/**
 * Watches a running job's own metrics with alert rules: every `everyMs` it samples
 * `client.snapshot()` with a {@link JobMetricsSampler} and feeds each series' sample through the
 * rules (one state per series and rule, as the `detectAlerts` operator keeps per key). Runs beside
 * the job in the process that started it; its rule states are not checkpointed (they relearn).
 */
export function watchJobMetrics(
  client: Pick<JobClient, "snapshot">,
  options: WatchJobMetricsOptions,
): JobMetricsWatch {
  const everyMs = options.everyMs ?? 1000;
  if (!Number.isInteger(everyMs) || everyMs <= 0)
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `job metrics option 'everyMs' must be an integer > 0, got ${everyMs}`,
      {
        details: { option: "everyMs" },
      },
    );
  if (typeof options.onAlert !== "function")
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "job metrics option 'onAlert' must be a function", {
      details: { option: "onAlert" },
    });
  const rules: Rule[] = options.rules.map((r) =>
    typeof (r as Rule).step === "function" ? (r as Rule) : ruleFromConfig(r as RuleConfig),
  );
  if (rules.length === 0)
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "job metrics option 'rules' must list at least one rule", {
      details: { option: "rules" },
    });
  const now = options.now ?? Date.now;
  const sampler = new JobMetricsSampler();
  const states = new Map<string, unknown[]>();
  const sampleOnce = () => {
    for (const s of sampler.sample(client.snapshot(), now())) {
      if (options.series && !options.series(s.series)) continue;
      let st = states.get(s.series);
      if (st === undefined) {
        st = rules.map((r) => r.init());
        states.set(s.series, st);
      }
      for (let i = 0; i < rules.length; i++) {
        const a = (rules[i] as Rule).step(st[i], s.time, s.value);
        if (a) options.onAlert({ series: s.series, ...a });
      }
    }
  };
  const timer = setInterval(sampleOnce, everyMs);
  // A watch never keeps the process alive on its own.
  timer.unref();
  return { sampleOnce, stop: () => clearInterval(timer) };
}
