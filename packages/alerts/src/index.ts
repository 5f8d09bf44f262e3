/**
 * `@fleuve/alerts`: alert rules evaluated inside a Fleuve job, per series, in event time:
 * thresholds, rate of change and anomaly detection that learns each series' normal level, over any
 * keyed stream (a business metric, or the job's own metrics through {@link jobMetricSamples}).
 *
 * ```ts
 * const alerts = payments
 *   .keyBy((p) => p.region)
 *   .process(detectAlerts({ value: (p) => p.perMinute, rules: [anomaly(), threshold({ below: 1 })] }));
 * alerts.sinkTo(webhookSink({ url: "http://127.0.0.1:9000/hook" }));
 * ```
 * @packageDocumentation
 */

export { alertLogSink, alertRecord, formatAlert, type WebhookOptions, webhookSink } from "./destinations.js";
export { type DetectAlertsOptions, detectAlerts, LATE_POINTS } from "./detect.js";
export {
  EWMA_DEFAULTS,
  type EwmaOptions,
  ewma,
  SEASONAL_ESD_DEFAULTS,
  type SeasonalEsdOptions,
  seasonalEsd,
} from "./detectors.js";
export {
  JobMetricsSampler,
  type JobMetricsSourceOptions,
  type JobMetricsWatch,
  jobMetricsSource,
  type MetricSample,
  type WatchJobMetricsOptions,
  watchJobMetrics,
} from "./job-metrics.js";
export {
  CONFIRMED_DEFAULTS,
  type ConfirmedOptions,
  confirmed,
  DEFAULT_ALERT_RULE,
  defaultAlertRule,
  KNN_CAD_DEFAULTS,
  type KnnCadOptions,
  knnCad,
} from "./knncad.js";
export { type RuleConfig, ruleFromConfig } from "./rule-config.js";
export {
  type Alert,
  type AlertKind,
  ANOMALY_DEFAULTS,
  type AnomalyOptions,
  anomaly,
  evaluateSeries,
  type RateOfChangeOptions,
  type Rule,
  type RuleAlert,
  rateOfChange,
  type ThresholdOptions,
  threshold,
} from "./rules.js";
export {
  AUTO_SEASON_DEFAULTS,
  type AutoSeasonOptions,
  type AutoSeasonState,
  autocorrelation,
  autoSeason,
  type DetectedPeriod,
  type DetectPeriodOptions,
  detectPeriod,
  filledMeans,
} from "./season-detect.js";
