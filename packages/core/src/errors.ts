/**
 * One root error type for all of Fleuve, with stable codes users can match on.
 *
 * Codes follow `FLEUVE_<AREA>_<WHAT>`. Each package owns its codes: it declares them with
 * {@link defineErrorCodes} in its own `errors.ts` (core's are {@link CORE_ERROR_CODES}) and
 * documents them in its section of docs/errors.md; one test checks every package's codes against
 * that page. Core never lists another package's codes, so a new package edits nothing here.
 */

/** The form every code has: `FLEUVE_<AREA>_<WHAT>`, upper case. */
const CODE_FORMAT = /^FLEUVE_[A-Z][A-Z0-9]*_[A-Z][A-Z0-9_]*[A-Z0-9]$/;

/**
 * The error codes one package declares, each with its one-line meaning (the text its section of
 * docs/errors.md starts with). Made by {@link defineErrorCodes}.
 */
export interface ErrorCodeTable<C extends string = string> {
  /** The npm package that owns these codes (e.g. `@fleuve/log`): its section in docs/errors.md. */
  readonly package: string;
  /** Each code with its one-line meaning. */
  readonly codes: Readonly<Record<C, string>>;
}

/**
 * Declares a package's error codes. Call it once per package, in that package's `errors.ts`, and
 * make the codes known to {@link FleuveError}'s type by augmenting {@link ErrorCodeRegistry}:
 *
 * ```ts
 * export const LOG_ERROR_CODES = defineErrorCodes("@fleuve/log", {
 *   FLEUVE_LOG_CORRUPT: "An embedded log segment failed its checksum beyond the recoverable tail.",
 * });
 * declare module "@fleuve/core" {
 *   interface ErrorCodeRegistry extends Record<keyof typeof LOG_ERROR_CODES.codes, true> {}
 * }
 * ```
 *
 * @throws Error when a code does not have the form `FLEUVE_<AREA>_<WHAT>` or has no meaning (a
 *   programming error in the declaring package, found when it is loaded).
 */
export function defineErrorCodes<const T extends Record<string, string>>(
  packageName: string,
  codes: T,
): ErrorCodeTable<keyof T & string> {
  for (const [code, meaning] of Object.entries(codes)) {
    if (!CODE_FORMAT.test(code))
      throw new Error(`${packageName}: error code ${code} is not FLEUVE_<AREA>_<WHAT>`);
    if (meaning.trim() === "") throw new Error(`${packageName}: error code ${code} has no meaning`);
  }
  return Object.freeze({ package: packageName, codes: Object.freeze({ ...codes }) });
}

/** The codes core itself raises, with a one-line meaning each (the same text as docs/errors.md). */
export const CORE_ERROR_CODES = defineErrorCodes("@fleuve/core", {
  FLEUVE_CONFIG_INVALID: "An option or argument has a value Fleuve cannot use; the message names it.",
  FLEUVE_GRAPH_INVALID: "The job graph cannot be built as written (e.g. an operator used before its input).",
  FLEUVE_WINDOW_INVALID: "A window size, slide, gap or offset is out of range.",
  FLEUVE_PARALLELISM_INVALID: "Parallelism is not a positive integer or exceeds max parallelism.",
  FLEUVE_KEY_INVALID: "A key selector returned a value that cannot be a key (undefined, NaN, object...).",
  FLEUVE_STATE_INVALID: "State was used outside a keyed context, or a state descriptor is invalid.",
  FLEUVE_STATE_INCOMPATIBLE: "Restored state does not match the state type the job declares.",
  FLEUVE_TIMER_INVALID: "A timer was registered outside a keyed context or at an invalid time.",
  FLEUVE_CHECKPOINT_CORRUPT:
    "A checkpoint or savepoint is incomplete or fails its checksums; an older one is used if there is one.",
  FLEUVE_CHECKPOINT_NOT_FOUND: "No usable checkpoint or savepoint exists at the path given.",
  FLEUVE_CHECKPOINT_FAILED: "A checkpoint or savepoint could not be taken or written (timeout, disk error).",
  FLEUVE_USER_FUNCTION_FAILED: "A user function threw; the message names the operator and the record.",
  FLEUVE_JOB_FAILED: "The job stopped on an error; the cause is attached.",
  FLEUVE_JOB_CANCELLED: "The job was cancelled before it finished.",
  FLEUVE_SOURCE_FAILED: "A source could not read its input.",
  FLEUVE_SINK_FAILED: "A sink could not write its output.",
  // Shared by every package that implements `fleuve` commands (the CLI, the log's commands, the
  // benchmarks), so it lives below them all.
  FLEUVE_CLI_USAGE: "The fleuve command was called with wrong arguments.",
  FLEUVE_JOB_MODULE_INVALID: "A job file does not export a job, or could not be loaded.",
});

/**
 * Every error code the program knows, as keys. Core's codes are here; another package adds its own
 * by augmenting this interface next to its {@link defineErrorCodes} call, so {@link FleuveError}
 * type-checks its codes without core listing them.
 */
export interface ErrorCodeRegistry extends Record<keyof typeof CORE_ERROR_CODES.codes, true> {}

/** A stable Fleuve error code: any code a package has declared (see {@link ErrorCodeRegistry}). */
export type ErrorCode = keyof ErrorCodeRegistry & string;

/**
 * True when `value` has the form of a Fleuve error code (`FLEUVE_<AREA>_<WHAT>`), whichever package
 * declares it: used where a code arrives as data (from a worker thread) and its package's table may
 * not be loaded here.
 */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && CODE_FORMAT.test(value);
}

/** The root of every error Fleuve throws on purpose. Match on {@link FleuveError.code}. */
export class FleuveError extends Error {
  /** Stable code, `FLEUVE_<AREA>_<WHAT>`. */
  readonly code: ErrorCode;
  /** Structured details (operator name, record, option...) for programs; the message has them too. */
  readonly details: Readonly<Record<string, unknown>>;
  /**
   * Set by the thrower when it knows a restart cannot cure this error (e.g. a connector that has
   * confirmed its topic is missing): the job fails at once. See {@link restartCannotCure}.
   */
  readonly permanent: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown>; permanent?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FleuveError";
    this.code = code;
    this.details = options?.details ?? {};
    this.permanent = options?.permanent === true;
  }
}

/** Codes of errors a restart cannot cure: the job fails at once instead of restarting. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "FLEUVE_CONFIG_INVALID",
  "FLEUVE_GRAPH_INVALID",
  "FLEUVE_STATE_INCOMPATIBLE",
  "FLEUVE_CHECKPOINT_NOT_FOUND",
  "FLEUVE_PARALLELISM_INVALID",
]);

/**
 * True for errors a restart cannot cure (a bad option, a restore that cannot work, or one its
 * thrower marked `permanent`): no restart is tried.
 */
export function restartCannotCure(err: FleuveError): boolean {
  return err.permanent || PERMANENT.has(err.code);
}

/** True when `err` is a {@link FleuveError}, optionally with the given code. */
export function isFleuveError(err: unknown, code?: ErrorCode): err is FleuveError {
  return err instanceof FleuveError && (code === undefined || err.code === code);
}

/** A short, bounded rendering of a record for error messages (never the whole of a huge value). */
export function describeRecord(value: unknown, max = 200): string {
  let s: string;
  try {
    s = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value, bigintReplacer);
  } catch {
    s = String(value);
  }
  if (s === undefined) s = String(value);
  return s.length > max ? `${s.slice(0, max)}…(${s.length} chars)` : s;
}

function bigintReplacer(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? `${v}n` : v;
}
