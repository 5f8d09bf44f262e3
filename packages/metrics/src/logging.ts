/**
 * Structured logs of a job with pino: JSON lines with `job`, and as core gives them `package`,
 * `operator`, `subtask` and `checkpoint`; or a readable one-line form for a terminal (pino-pretty).
 * Levels are set per package: `info,kafka=debug` logs core and everything else from info up and
 * the Kafka package from debug. Core knows nothing of pino: it writes through its `LogFunction`.
 */
import { FleuveError, type LogFields, type LogFunction } from "@fleuve/core";
import { type DestinationStream, pino } from "pino";
import pretty from "pino-pretty";

/** Levels from the most to the least verbose, and `silent`. */
const LEVELS = ["debug", "info", "warn", "error", "silent"] as const;

/** A log level (`silent`: nothing). */
export type LogLevel = (typeof LEVELS)[number];

/** Log levels parsed from a spec such as `info,kafka=debug`. */
export interface LogLevels {
  /** Level of every package without one of its own (default `info`). */
  readonly default: LogLevel;
  /** Level per package name (`core`, `kafka`, `log`...). */
  readonly byPackage: ReadonlyMap<string, LogLevel>;
}

function checkLevel(level: string, spec: string): LogLevel {
  if (!(LEVELS as readonly string[]).includes(level))
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `log level '${level}' in '${spec}' is not one of ${LEVELS.join(", ")} (e.g. 'info,kafka=debug')`,
      { details: { option: "log-level" } },
    );
  return level as LogLevel;
}

/**
 * The package names a log line can carry (its `package` field: `core` by default, `kafka` for a
 * group worker's lines, `alerts`...): Fleuve's packages, by their folder names.
 */
export const LOG_PACKAGES: readonly string[] = [
  "alerts",
  "cep",
  "cli",
  "core",
  "dashboard",
  "kafka",
  "log",
  "metrics",
  "registry",
  "sql",
  "state-lmdb",
];

/**
 * Parses `FLEUVE_LOG_LEVEL` / `--log-level`: comma-separated, a bare level for every package and
 * `package=level` for one, `package` one of `packages` (default {@link LOG_PACKAGES}: a misspelt
 * name would otherwise set nothing, silently). Fails with FLEUVE_CONFIG_INVALID naming a bad part
 * (an unknown package with the known names).
 */
export function parseLogLevels(
  spec: string | undefined,
  packages: readonly string[] = LOG_PACKAGES,
): LogLevels {
  let def: LogLevel = "info";
  const byPackage = new Map<string, LogLevel>();
  for (const part of (spec ?? "").split(",").map((p) => p.trim())) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) def = checkLevel(part, spec!);
    else {
      const pkg = part.slice(0, eq).trim();
      if (!/^[a-z][a-z0-9-]*$/.test(pkg))
        throw new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          `log level spec '${spec}': '${pkg}' is not a package name (core, kafka, log...)`,
          { details: { option: "log-level" } },
        );
      if (!packages.includes(pkg))
        throw new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          `log level spec '${spec}': unknown package '${pkg}' (known: ${packages.join(", ")})`,
          { details: { option: "log-level", value: pkg } },
        );
      byPackage.set(pkg, checkLevel(part.slice(eq + 1).trim(), spec!));
    }
  }
  return { default: def, byPackage };
}

/** Options of {@link createJobLogger}. */
export interface JobLoggerOptions {
  /** The job's name (field `job` of every line). */
  readonly job: string;
  /** Levels per package (see {@link parseLogLevels}); default `info` for all. */
  readonly levels?: LogLevels;
  /** `json` (default): one JSON object a line; `pretty`: readable lines (colours when `colorize`). */
  readonly format?: "json" | "pretty";
  /** Colours in the pretty form (e.g. when stderr is a terminal). */
  readonly colorize?: boolean;
  /** Where lines go (default stderr); any stream with `write(string)`. */
  readonly destination?: DestinationStream;
}

/** A job's logger: {@link log} is what core's `EnvironmentOptions.log` takes. */
export interface JobLogger {
  /** Writes a line with core's fields; dropped below its package's level. */
  readonly log: LogFunction;
  /** A log function whose lines default to package `pkg` (e.g. a Kafka group worker's). */
  forPackage(pkg: string): LogFunction;
  /** Writes what is buffered. */
  flush(): void;
}

/** A job logger on pino: JSON lines, or pino-pretty's readable form. */
export function createJobLogger(o: JobLoggerOptions): JobLogger {
  const levels = o.levels ?? { default: "info", byPackage: new Map() };
  const destination =
    o.format === "pretty"
      ? pretty({
          colorize: o.colorize ?? false,
          sync: true,
          destination: (o.destination as never) ?? 2,
          ignore: "pid,hostname",
          translateTime: "SYS:HH:MM:ss.l",
          messageFormat:
            "{if operator}[{operator}#{subtask}] {end}{if checkpoint}(checkpoint {checkpoint}) {end}{msg}",
          hideObject: true,
        })
      : (o.destination ?? pino.destination({ dest: 2, sync: true }));
  // pino filters nothing itself (level debug); the per-package levels decide below.
  const logger = pino(
    { level: "debug", base: { job: o.job }, timestamp: pino.stdTimeFunctions.isoTime },
    destination,
  );
  const rank = (l: LogLevel) => LEVELS.indexOf(l);
  const threshold = (pkg: string) => rank(levels.byPackage.get(pkg) ?? levels.default);
  const write = (defaultPackage: string, line: string, fields?: LogFields) => {
    const level = fields?.level ?? "info";
    const pkg = fields?.package ?? defaultPackage;
    if (rank(level) < threshold(pkg)) return;
    const obj: Record<string, unknown> = { package: pkg };
    if (fields?.operator !== undefined) obj.operator = fields.operator;
    if (fields?.subtask !== undefined) obj.subtask = fields.subtask;
    if (fields?.checkpoint !== undefined) obj.checkpoint = fields.checkpoint;
    logger[level](obj, line);
  };
  return {
    log: (line, fields) => write("core", line, fields),
    forPackage: (pkg) => (line, fields) => write(pkg, line, fields),
    flush: () => logger.flush(),
  };
}
