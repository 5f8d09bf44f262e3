/**
 * The Prometheus endpoint of `fleuve run` and `fleuve demo` (see `@fleuve/metrics`): on by
 * default at http://127.0.0.1:9249/metrics, the next free port up to 9259 when that one is taken
 * (several jobs on one machine, as Flink's port ranges), then any free port; an explicit
 * `--metrics-port` must be free. `--no-metrics` turns it off.
 */
import type { MetricsSnapshot } from "@fleuve/core";
import { DEFAULT_METRICS_PORT, type MetricsServer, startMetricsServer } from "@fleuve/metrics";
import { intOption, type ParsedArgs, usageError } from "./args.js";

/** Options of the metrics endpoint, for a command's argument spec. */
export const METRICS_SPEC = {
  "metrics-port": "number",
  "metrics-host": "string",
  "metrics-naming": "string",
  "no-metrics": "flag",
} as const;

/** Usage lines of the metrics options. */
export const METRICS_USAGE = `  --metrics-port N          serve Prometheus metrics at http://127.0.0.1:N/metrics (default
                            ${DEFAULT_METRICS_PORT}, or the next free port up to ${DEFAULT_METRICS_PORT + 10}, else any free port)
  --metrics-host H          address of the metrics endpoint (default 127.0.0.1; any other needs
                            the token in $FLEUVE_METRICS_TOKEN, sent by scrapes as a bearer token)
  --metrics-naming M        native (fleuve_ names, default) or flink (Flink's PrometheusReporter names)
  --no-metrics              no metrics endpoint`;

/** Ports tried in turn when no port was given. */
const DEFAULT_RANGE = 10;

/** Checks the metrics options (before anything starts): a usage error names the bad one. */
export function checkMetricsOptions(p: ParsedArgs, command: string): void {
  intOption(p, "metrics-port", 0, command);
  const naming = p.options["metrics-naming"];
  if (naming !== undefined && naming !== "native" && naming !== "flink")
    throw usageError(`option '--metrics-naming' must be native or flink, got '${String(naming)}'`, command);
  if (p.options["no-metrics"]) {
    for (const o of ["metrics-port", "metrics-host", "metrics-naming"])
      if (p.options[o] !== undefined)
        throw usageError(`options '--no-metrics' and '--${o}' exclude each other`, command);
  }
  const host = p.options["metrics-host"] as string | undefined;
  if (
    host !== undefined &&
    !["127.0.0.1", "::1", "localhost"].includes(host) &&
    !process.env.FLEUVE_METRICS_TOKEN
  )
    throw usageError(
      `option '--metrics-host ${host}' binds beyond 127.0.0.1: set FLEUVE_METRICS_TOKEN to a secret that scrapes send as a bearer token`,
      command,
    );
}

/**
 * Starts the metrics endpoint the options ask for (undefined with `--no-metrics`) and says where
 * it is on stderr.
 */
export async function startMetricsEndpoint(
  p: ParsedArgs,
  command: string,
  jobName: string,
  snapshot: () => MetricsSnapshot,
  io: { readonly stderr: { write(s: string): unknown } },
): Promise<MetricsServer | undefined> {
  if (p.options["no-metrics"]) return undefined;
  const explicit = intOption(p, "metrics-port", 0, command);
  const naming = (p.options["metrics-naming"] as "native" | "flink" | undefined) ?? "native";
  const base = {
    snapshot,
    jobName,
    naming,
    ...(p.options["metrics-host"] === undefined ? {} : { host: p.options["metrics-host"] as string }),
    ...(process.env.FLEUVE_METRICS_TOKEN ? { token: process.env.FLEUVE_METRICS_TOKEN } : {}),
  };
  let server: MetricsServer | undefined;
  if (explicit !== undefined) server = await startMetricsServer({ ...base, port: explicit });
  else {
    for (let port = DEFAULT_METRICS_PORT; port <= DEFAULT_METRICS_PORT + DEFAULT_RANGE && !server; port++) {
      server = await startMetricsServer({ ...base, port }).catch(() => undefined);
    }
    server ??= await startMetricsServer({ ...base, port: 0 });
  }
  io.stderr.write(`metrics: ${server.url} (${naming} names)\n`);
  return server;
}
