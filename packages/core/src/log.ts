/**
 * The log seam of core: the runtime writes lines through a {@link LogFunction} with structured
 * fields, and stays free of any logging library (`@fleuve/metrics` puts pino behind it).
 */
/** Structured fields of a log line: what a JSON logger writes beside the message. */
export interface LogFields {
  /** Default "info". */
  readonly level?: "debug" | "info" | "warn" | "error";
  /** The package the line comes from (default "core"); per-package log levels filter on it. */
  readonly package?: string;
  readonly operator?: string;
  readonly subtask?: number;
  readonly checkpoint?: number;
}

/** Writes one log line, with optional {@link LogFields}; `(line) => ...` functions are ones too. */
export type LogFunction = (line: string, fields?: LogFields) => void;
