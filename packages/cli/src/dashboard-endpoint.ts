/**
 * The web dashboard of `fleuve run` and `fleuve demo` (see `@fleuve/dashboard`): on by default at
 * http://127.0.0.1:8081/ (Flink's web UI port), the next free port up to 8091 when that one is
 * taken, then any free port; an explicit `--dashboard-port` must be free. `--no-dashboard` turns
 * it off. Its controls take savepoints where `fleuve savepoint` puts them.
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import {
  type Dashboard,
  type DashboardOptions,
  DEFAULT_DASHBOARD_PORT,
  startDashboard,
} from "@fleuve/dashboard";
import { intOption, type ParsedArgs, usageError } from "./args.js";

/** Options of the dashboard, for a command's argument spec. */
export const DASHBOARD_SPEC = {
  "dashboard-port": "number",
  "dashboard-host": "string",
  "no-dashboard": "flag",
} as const;

/** Usage lines of the dashboard options. */
export const DASHBOARD_USAGE = `  --dashboard-port N        serve the web dashboard at http://127.0.0.1:N/ (default
                            ${DEFAULT_DASHBOARD_PORT}, or the next free port up to ${DEFAULT_DASHBOARD_PORT + 10}, else any free port)
  --dashboard-host H        address of the dashboard (default 127.0.0.1; any other needs the token
                            in $FLEUVE_DASHBOARD_TOKEN: API calls send it as a bearer token, a
                            browser opens /?token=<token> once)
  --no-dashboard            no web dashboard`;

/** Ports tried in turn when no port was given. */
const DEFAULT_RANGE = 10;

/** Checks the dashboard options (before anything starts): a usage error names the bad one. */
export function checkDashboardOptions(p: ParsedArgs, command: string): void {
  intOption(p, "dashboard-port", 0, command);
  if (p.options["no-dashboard"]) {
    for (const o of ["dashboard-port", "dashboard-host"])
      if (p.options[o] !== undefined)
        throw usageError(`options '--no-dashboard' and '--${o}' exclude each other`, command);
  }
  const host = p.options["dashboard-host"] as string | undefined;
  if (
    host !== undefined &&
    !["127.0.0.1", "::1", "localhost"].includes(host) &&
    !process.env.FLEUVE_DASHBOARD_TOKEN
  )
    throw usageError(
      `option '--dashboard-host ${host}' binds beyond 127.0.0.1: set FLEUVE_DASHBOARD_TOKEN to a secret that API calls send as a bearer token`,
      command,
    );
}

/**
 * A new savepoint folder inside `parent` (default `defaultParent`), named as `fleuve savepoint`
 * names them (Flink's savepoint-<job>-<random>), absolute.
 */
export function savepointFolder(jobName: string, parent: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return resolve(parent, `savepoint-${jobName}-${stamp}-${randomBytes(3).toString("hex")}`);
}

/**
 * Starts the dashboard the options ask for (undefined with `--no-dashboard`) and says where it is
 * on stderr.
 */
export async function startDashboardEndpoint(
  p: ParsedArgs,
  command: string,
  options: Omit<DashboardOptions, "port" | "host" | "token">,
  io: { readonly stderr: { write(s: string): unknown } },
): Promise<Dashboard | undefined> {
  if (p.options["no-dashboard"]) return undefined;
  const explicit = intOption(p, "dashboard-port", 0, command);
  const base: DashboardOptions = {
    ...options,
    ...(p.options["dashboard-host"] === undefined ? {} : { host: p.options["dashboard-host"] as string }),
    ...(process.env.FLEUVE_DASHBOARD_TOKEN ? { token: process.env.FLEUVE_DASHBOARD_TOKEN } : {}),
  };
  let server: Dashboard | undefined;
  if (explicit !== undefined) server = await startDashboard({ ...base, port: explicit });
  else {
    for (
      let port = DEFAULT_DASHBOARD_PORT;
      port <= DEFAULT_DASHBOARD_PORT + DEFAULT_RANGE && !server;
      port++
    ) {
      server = await startDashboard({ ...base, port }).catch(() => undefined);
    }
    server ??= await startDashboard({ ...base, port: 0 });
  }
  io.stderr.write(`dashboard: ${server.url}\n`);
  return server;
}
