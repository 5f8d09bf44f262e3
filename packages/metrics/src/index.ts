/**
 * `@fleuve/metrics`: reporters of a running job's metrics. {@link startMetricsServer} serves a
 * Prometheus `/metrics` endpoint (native `fleuve_` names, or Flink's PrometheusReporter names with
 * `naming: "flink"`); {@link formatPrometheus} writes the exposition of any metrics snapshot.
 */

export {
  createJobLogger,
  type JobLogger,
  type JobLoggerOptions,
  LOG_PACKAGES,
  type LogLevel,
  type LogLevels,
  parseLogLevels,
} from "./logging.js";
export {
  type ExpositionInput,
  formatPrometheus,
  type NamingMode,
  type RateCounter,
  type Rates,
  snakeCase,
} from "./prometheus.js";
export {
  DEFAULT_METRICS_PORT,
  type MetricsServer,
  type MetricsServerOptions,
  RateWindow,
  startMetricsServer,
} from "./server.js";
