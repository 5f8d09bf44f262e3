/**
 * `@fleuve/dashboard`: a web dashboard for a running job, as Flink's web UI. {@link startDashboard}
 * serves the page (the job graph with per-operator rates and backpressure, live throughput and
 * latency charts, watermarks, checkpoint history, exceptions and restarts, alerts, a group's units) and
 * the JSON REST API under `/api` that gives the same data and the job controls (savepoint,
 * stop-with-savepoint, cancel). docs/observability.md shows it.
 */

export {
  ALERT_ACTIVE_MS,
  ALERT_EVENTS,
  type AlertEntry,
  AlertHistory,
  type AlertsView,
} from "./alerts.js";
export {
  type CheckpointEntry,
  type ExceptionEntry,
  HISTORY_LENGTH,
  JobWatch,
  SERIES_LENGTH,
  type Series,
  type SubtaskRates,
} from "./job-watch.js";
export { type Layout, layoutGraph, type Placed } from "./layout.js";
export {
  type Dashboard,
  type DashboardControls,
  type DashboardOptions,
  DEFAULT_DASHBOARD_PORT,
  type GroupView,
  startDashboard,
  type UnitAssignment,
  unitAssignments,
} from "./server.js";
