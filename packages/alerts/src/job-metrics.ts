/**
 * Alerts over Fleuve's own metrics: samples a job's metrics snapshot into series (busy and
 * backpressured share of time, input rate, watermark lag per operator subtask; restarts and failed
 * checkpoints of the job). Inside the job, {@link jobMetricsSource} makes them a stream that
 * `detectAlerts` watches with checkpointed state; beside it, {@link watchJobMetrics} runs the rules
 * over a `JobClient.snapshot()` in the process that started the job.
 */
import {
  FleuveError,
  type JobClient,
  type MetricsSnapshot,
  type Source,
  type SourceOutput,
} from "@fleuve/core";
import { type RuleConfig, ruleFromConfig } from "./rule-config.js";
import type { Alert, Rule } from "./rules.js";

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
 * snapshots, so the first snapshot of an operator subtask gives only its watermark lag, and so does
 * one whose counters went back (they started again, e.g. after a restore in a new process). The
 * job's restarts and failed checkpoints, and the process figures of a `--group` process
 * (`process.unitsOwned`, `process.rebalances`...), are sampled as they are.
 */
export class JobMetricsSampler {
  private readonly previous = new Map<string, Previous>();

  /** What the sampler remembers of the last snapshot (plain data, for a checkpoint). */
  state(): unknown {
    return [...this.previous];
  }

  /** Takes back what {@link state} gave, so the next sample's deltas are those an uninterrupted sampler gives. */
  restore(state: unknown): void {
    this.previous.clear();
    for (const [id, p] of state as [string, Previous][]) this.previous.set(id, { ...p });
  }

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
      // Counters that went back started again (a restore in a new process, restarted worker
      // threads): a delta across that would be a false drop, so the sample starts over.
      if (
        prev === undefined ||
        now <= prev.time ||
        op.recordsIn < prev.recordsIn ||
        op.busyTimeMs < prev.busy ||
        op.backPressuredTimeMs < prev.back
      )
        continue;
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
    // a --group process's own figures (unitsOwned, rebalances...), as its /metrics shows them
    for (const [name, value] of Object.entries(snapshot.process ?? {}))
      out.push({ series: `process.${name}`, time: now, value });
    return out;
  }
}

function checkEvery(everyMs: number, who: string): number {
  if (!Number.isInteger(everyMs) || everyMs <= 0)
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `${who} option 'everyMs' must be an integer > 0, got ${everyMs}`,
      {
        details: { option: "everyMs" },
      },
    );
  return everyMs;
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

/** Options of {@link jobMetricsSource}. */
export interface JobMetricsSourceOptions {
  /** Sampling period (ms, default 1,000). */
  readonly everyMs?: number;
  /** Which series to emit, e.g. `(s) => s.endsWith(".busyRatio")` (default: all). */
  readonly series?: (name: string) => boolean;
}

/**
 * The job's own metrics as a stream, inside the job: every `everyMs` the first subtask of this
 * source samples the metrics snapshot of the job it runs in (see core's
 * `SourceReaderContext.jobMetrics`) with a {@link JobMetricsSampler} and emits each sample
 * stamped with the sampling time, then a watermark at that time, so `detectAlerts` evaluates it at
 * once. Its sampler's memory is the source's checkpointed position, and the rules' states are the
 * keyed state of `detectAlerts`, so what the rules learnt survives a restart from a checkpoint or
 * savepoint:
 *
 * ```ts
 * env.fromSource(jobMetricsSource({ series: (s) => s.endsWith(".busyRatio") }), undefined, "Job metrics")
 *   .keyBy((s) => s.series)
 *   .process(detectAlerts({ value: (s) => s.value, rules: [threshold({ above: 0.9 })] }));
 * ```
 * Unbounded: a job with it runs until stopped. The other subtasks stay idle. On worker threads it
 * samples the whole job too (every thread's operators, the main thread's restarts and
 * checkpoints): the snapshot is asked of the main thread when a sample is due, never pushed. In a
 * `fleuve run --group` process it samples what the process's Prometheus endpoint shows: the
 * operators of every unit the process runs and the process figures (`process.unitsOwned`...).
 */
export function jobMetricsSource(options: JobMetricsSourceOptions = {}): Source<MetricSample> {
  const everyMs = checkEvery(options.everyMs ?? 1000, "jobMetricsSource");
  const keep = options.series;
  return {
    bounded: false,
    createReader(ctx) {
      const read = ctx.jobMetrics;
      if (read === undefined)
        throw new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          "jobMetricsSource: this executor gives its sources no job metrics (SourceReaderContext.jobMetrics)",
        );
      const sampler = new JobMetricsSampler();
      let next = ctx.now();
      let wait = everyMs;
      // On worker threads the snapshot comes from the main thread: asked when due, emitted by the
      // poll after the answer, stamped with the time the answer came (when its figures were
      // taken, so rates are right); an ask that fails skips that sample.
      let asked: Promise<void> | undefined;
      let answer: { snapshot: MetricsSnapshot; at: number } | undefined;
      const emit = (out: SourceOutput<MetricSample>, snapshot: MetricsSnapshot, at: number) => {
        for (const s of sampler.sample(snapshot, at)) if (!keep || keep(s.series)) out.collect(s, at);
        out.emitWatermark(at);
      };
      return {
        poll(out) {
          // One sampler per job: the other subtasks stay idle and never hold the watermark back.
          if (ctx.subtaskIndex > 0) {
            out.markIdle();
            return "nothing-yet";
          }
          if (answer !== undefined) {
            emit(out, answer.snapshot, answer.at);
            answer = undefined;
          }
          if (asked !== undefined) return "nothing-yet";
          const now = ctx.now();
          if (now < next) {
            wait = next - now;
            return "nothing-yet";
          }
          next = now + everyMs;
          wait = everyMs;
          const snapshot = read();
          if (!isPromise(snapshot)) {
            emit(out, snapshot, now);
            return "nothing-yet";
          }
          asked = snapshot
            .then(
              (s) => {
                answer = { snapshot: s, at: ctx.now() };
              },
              () => {},
            )
            .then(() => {
              asked = undefined;
            });
          return "nothing-yet";
        },
        // after an ask: as soon as the answer is in (the next poll emits it)
        available: () =>
          asked !== undefined
            ? asked
            : answer !== undefined
              ? Promise.resolve()
              : new Promise((resolve) => setTimeout(resolve, wait)),
        snapshot: () => sampler.state(),
        restore: (state) => sampler.restore(state),
      };
    },
  };
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
 * the job in the process that started it, so its rule states are not checkpointed (after a
 * restart of that process they learn again): {@link jobMetricsSource} with `detectAlerts` inside
 * the job keeps them in the job's checkpoints.
 */
export function watchJobMetrics(
  client: Pick<JobClient, "snapshot">,
  options: WatchJobMetricsOptions,
): JobMetricsWatch {
  const everyMs = checkEvery(options.everyMs ?? 1000, "job metrics");
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
