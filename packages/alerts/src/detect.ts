/**
 * The alert operator: a keyed process function that evaluates rules per series in event time.
 * Points wait in keyed state until the watermark passes them, then go through the rules in
 * timestamp order, so out-of-order input gives the alerts of the sorted series; rule states and
 * waiting points are keyed state, so alerts survive restarts from a checkpoint.
 */
import {
  type Collector,
  type EventLog,
  FleuveError,
  type Key,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type ListState,
  listState,
  type OnTimerContext,
  OutputTag,
  type RuntimeContext,
  type ValueState,
  valueState,
} from "@fleuve/core";
import { type RuleConfig, ruleFromConfig } from "./rule-config.js";
import type { Alert, Rule } from "./rules.js";

/** Options of {@link detectAlerts}. */
export interface DetectAlertsOptions<T> {
  /** The number a record carries (a metric's value, payments in a minute...). */
  readonly value: (record: T) => number;
  /** Rules, built ({@link threshold}, {@link rateOfChange}, {@link anomaly}) or as plain configuration. */
  readonly rules: readonly (Rule | RuleConfig)[];
  /** The series name of a key (default `String(key)`). */
  readonly series?: (key: Key) => string;
}

/**
 * The name of the event log (`getMetricGroup().events`) where alert operators record the alerts
 * they raise; the web dashboard (@fleuve/dashboard) shows the logs of this name as alerts.
 */
export const ALERT_EVENTS = "alerts";

/**
 * Records that arrive behind the watermark: their point in time is already evaluated, so they go
 * here instead of changing history (`stream.getSideOutput(LATE_POINTS)`).
 */
export const LATE_POINTS = new OutputTag<unknown>("alerts-late-points");

/**
 * The alert operator for a keyed stream: `stream.keyBy(r => r.series).process(detectAlerts({...}))`.
 * Each key is one series; records need event timestamps. Emits {@link Alert}s, each timestamped
 * with the event time of the point that raised it (or later, at the watermark that released it),
 * and records each in its metrics' event log `alerts`, which the web dashboard shows.
 * Bad options throw here, when the job is built, naming the option.
 */
export function detectAlerts<T, K extends Key = Key>(
  options: DetectAlertsOptions<T>,
): KeyedProcessFunction<K, T, Alert> {
  if (typeof options?.value !== "function")
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "alert option 'value' must be a function of the record", {
      details: { option: "value" },
    });
  if (!Array.isArray(options.rules) || options.rules.length === 0)
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "alert option 'rules' must list at least one rule", {
      details: { option: "rules" },
    });
  const rules: Rule[] = options.rules.map((r) =>
    typeof (r as Rule).step === "function" ? (r as Rule) : ruleFromConfig(r as RuleConfig),
  );
  const names = new Set<string>();
  for (const r of rules) {
    if (names.has(r.name))
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `alert option 'rules': two rules are named '${r.name}' (give one a 'name')`,
        {
          details: { option: "rules" },
        },
      );
    names.add(r.name);
  }
  const seriesOf = options.series ?? ((k: Key) => String(k));
  const pointValue = options.value;
  let pending: ListState<[number, number]>;
  let states: ValueState<unknown[]>;
  let raised: EventLog;
  return {
    open(ctx: RuntimeContext) {
      pending = ctx.getState(listState<[number, number]>("alerts.pending"));
      states = ctx.getState(valueState<unknown[]>("alerts.rules"));
      // The job's metrics carry the recent alerts: the web dashboard shows this log's events.
      raised = ctx.getMetricGroup().events(ALERT_EVENTS);
    },
    processElement(record: T, ctx: KeyedProcessContext<K>) {
      const t = ctx.timestamp();
      if (t === undefined)
        throw new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          "alerts need event time: the record has no timestamp (assign a WatermarkStrategy)",
          {
            details: { record },
          },
        );
      if (t <= ctx.timerService().currentWatermark()) {
        ctx.output(LATE_POINTS, record);
        return;
      }
      const v = pointValue(record);
      if (typeof v !== "number" || !Number.isFinite(v))
        throw new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          `alert option 'value' gave ${String(v)}, not a finite number`,
          {
            details: { record, option: "value" },
          },
        );
      pending.add([t, v]);
      ctx.timerService().registerEventTimeTimer(t);
    },
    onTimer(timestamp: number, ctx: OnTimerContext<K>, out: Collector<Alert>) {
      const all = pending.get();
      const due = all.filter((p) => p[0] <= timestamp);
      if (due.length === 0) return;
      const rest = all.filter((p) => p[0] > timestamp);
      if (rest.length > 0) pending.update(rest);
      else pending.clear();
      // Same order as evaluateSeries: by time, ties by value (arrival order is not deterministic).
      due.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const st = states.value() ?? rules.map((r) => r.init());
      const series = seriesOf(ctx.getCurrentKey());
      for (const [t, v] of due) {
        for (let i = 0; i < rules.length; i++) {
          const a = (rules[i] as Rule).step(st[i], t, v);
          if (a) {
            const alert: Alert = { series, ...a };
            out.collect(alert);
            raised.add(alert);
          }
        }
      }
      states.update(st);
    },
  };
}
