/**
 * The log options of `fleuve run` (and `fleuve sql -f`): `--log-level` (or `FLEUVE_LOG_LEVEL`), levels per package such
 * as `info,kafka=debug`; `--log-format` (or `FLEUVE_LOG_FORMAT`): `json` (pino's JSON lines with
 * job, package, operator, subtask and checkpoint fields), `pretty` (readable, the default on a
 * terminal) or `text` (the plain `[fleuve] ...` lines, the default otherwise).
 */
import type { LogFunction } from "@fleuve/core";
import { createJobLogger, parseLogLevels } from "@fleuve/metrics";
import { type ParsedArgs, usageError } from "./args.js";

/** Log options, for a command's argument spec. */
export const LOG_SPEC = {
  "log-level": "string",
  "log-format": "string",
} as const;

/** Usage lines of the log options. */
export const LOG_USAGE = `  --log-level SPEC          levels per package: a level for all and package=level for one, e.g.
                            warn,kafka=debug (levels debug, info, warn, error, silent; default
                            info, or $FLEUVE_LOG_LEVEL)
  --log-format F            json (one JSON object a line: job, package, operator, subtask,
                            checkpoint), pretty (readable; the default on a terminal) or text
                            (plain lines, the default otherwise); or $FLEUVE_LOG_FORMAT`;

const FORMATS = ["json", "pretty", "text"] as const;

/** The log levels and format the options (or FLEUVE_LOG_LEVEL / FLEUVE_LOG_FORMAT) ask for. */
export interface LogSettings {
  readonly levels: ReturnType<typeof parseLogLevels>;
  readonly format: (typeof FORMATS)[number];
}

/**
 * Checks the log options of `p` (or, when absent, FLEUVE_LOG_LEVEL and FLEUVE_LOG_FORMAT): a bad
 * level or format is a usage error of `command`, naming where it came from.
 */
export function logSettings(p: ParsedArgs, stderr: NodeJS.WritableStream, command: string): LogSettings {
  const spec = (p.options["log-level"] as string | undefined) ?? process.env.FLEUVE_LOG_LEVEL;
  // A bad spec names where it came from: a user who set FLEUVE_LOG_LEVEL passed no --log-level.
  const specFrom = p.options["log-level"] === undefined ? "FLEUVE_LOG_LEVEL" : "option '--log-level'";
  const tty = (stderr as { isTTY?: boolean }).isTTY === true;
  const format =
    (p.options["log-format"] as string | undefined) ??
    process.env.FLEUVE_LOG_FORMAT ??
    (tty ? "pretty" : "text");
  if (!(FORMATS as readonly string[]).includes(format))
    throw usageError(`option '--log-format' must be json, pretty or text, got '${format}'`, command);
  try {
    return { levels: parseLogLevels(spec), format: format as LogSettings["format"] };
  } catch (e) {
    throw usageError(`${specFrom}: ${(e as Error).message}`, command);
  }
}

/**
 * The log function of job `job` from the options (checked here: a bad level or format is a
 * usage error before anything starts), with `flush` to call before the process exits.
 */
export function jobLog(
  p: ParsedArgs,
  job: string,
  stderr: NodeJS.WritableStream,
  command = "run",
): { log: LogFunction; forPackage: (pkg: string) => LogFunction; flush: () => void } {
  const { levels, format } = logSettings(p, stderr, command);
  const tty = (stderr as { isTTY?: boolean }).isTTY === true;
  if (format === "text") {
    const order = ["debug", "info", "warn", "error", "silent"];
    const text =
      (pkg: string): LogFunction =>
      (line, fields) => {
        const threshold = levels.byPackage.get(fields?.package ?? pkg) ?? levels.default;
        if (order.indexOf(fields?.level ?? "info") >= order.indexOf(threshold))
          stderr.write(`[fleuve] ${line}\n`);
      };
    return { log: text("core"), forPackage: text, flush: () => {} };
  }
  const logger = createJobLogger({
    job,
    levels,
    format,
    colorize: tty,
    destination: stderr as never,
  });
  return { log: logger.log, forPackage: logger.forPackage, flush: logger.flush };
}
