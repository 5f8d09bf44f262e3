/**
 * One root error type for all of Fleuve, with stable codes users can match on.
 *
 * Codes follow `FLEUVE_<AREA>_<WHAT>`. Every code is listed in {@link ERROR_CODES} and documented
 * in docs/errors.md; a test checks the two agree.
 */

/** Every stable error code, with a one-line meaning (the same text as docs/errors.md). */
export const ERROR_CODES = {
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
  FLEUVE_CLI_USAGE: "The fleuve command was called with wrong arguments.",
  FLEUVE_JOB_MODULE_INVALID: "A job file does not export a job, or could not be loaded.",
  FLEUVE_LOG_CORRUPT: "An embedded log segment failed its checksum beyond the recoverable tail.",
  FLEUVE_LOG_TOPIC_NOT_FOUND: "The named topic does not exist in the embedded log.",
  FLEUVE_LOG_TOPIC_EXISTS: "A topic with that name already exists in the embedded log.",
  FLEUVE_LOG_TRANSACTION_INVALID:
    "A transactional operation was called in the wrong state or with a fenced producer.",
  FLEUVE_LOG_OFFSET_OUT_OF_RANGE: "A read asked for an offset below the log start or beyond its end.",
  FLEUVE_LOG_LOCKED:
    "Another process (or Log instance) already has the embedded log directory open for writing.",
  FLEUVE_LOG_RECORD_INVALID: "A record cannot be appended as given (e.g. a null key on a compacted topic).",
  FLEUVE_LOG_READ_ONLY: "A write was attempted through an embedded log opened read-only.",
  FLEUVE_KAFKA_UNREACHABLE: "The Kafka broker could not be reached at the address given.",
  FLEUVE_KAFKA_TOPIC_NOT_FOUND:
    "A Kafka topic that a source, a sink or a command names does not exist on the cluster.",
  FLEUVE_KAFKA_TIMEOUT: "The Kafka cluster answered but did not finish an operation in time.",
} as const;

/** A stable Fleuve error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

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
