/**
 * @fleuve/cli: the `fleuve` command as a library (for tests and embedding), and the demo job.
 * @packageDocumentation
 */

export {
  type ClickEvent,
  type ClickstreamOptions,
  ClickstreamSource,
  ClickstreamStats,
} from "./demo/clickstream.js";
export { buildDemoJob, DEFAULT_DEMO_SETTINGS, DEMO_START_TIME, type DemoSettings } from "./demo/job.js";
export type { DemoResult, PageWindowStats, UserSession } from "./demo/results.js";
export { main, reportError, USAGE, version } from "./main.js";
