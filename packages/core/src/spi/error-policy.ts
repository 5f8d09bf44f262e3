/**
 * What operators do with a record that user code throws on: part of the operator SPI, so that an
 * operator can apply the job's policy without importing the configuration API (which sits above it).
 */
import { describeRecord } from "../errors.js";

/** A record a user function or deserializer rejected, with why and where. */
export interface DeadLetter {
  readonly jobName: string;
  readonly operator: string;
  readonly subtask: number;
  /** The error message. */
  readonly error: string;
  /** The record (as the operator received it), or the original bytes for a deserialization failure. */
  readonly record: unknown;
  /** Event timestamp of the record, when it had one. */
  readonly timestamp: number | undefined;
  /** Processing time of the failure (ms since the epoch). */
  readonly failedAt: number;
}

/**
 * The JSON form every dead-letter writer stores (the log's topic, a Kafka topic), so that one
 * reader reads letters from either: the letter's fields, with a record that JSON cannot hold
 * (a cycle, a BigInt) replaced by its description.
 */
export function deadLetterJson(l: DeadLetter): Record<string, unknown> {
  let record: unknown = l.record;
  try {
    JSON.stringify(record);
  } catch {
    record = describeRecord(record, 10_000);
  }
  return {
    job: l.jobName,
    operator: l.operator,
    subtask: l.subtask,
    error: l.error,
    record,
    timestamp: l.timestamp ?? null,
    failedAt: l.failedAt,
  };
}

/**
 * What to do with a record that a user function throws on (or a source cannot deserialize):
 * fail the job (default), skip it, or hand it to a dead-letter writer (e.g. a log topic) and go on.
 */
export type ErrorPolicy = "fail" | "skip" | DeadLetterPolicy;

/** An error policy handing rejected records to a dead-letter writer. */
export interface DeadLetterPolicy {
  /** Takes one rejected record; called synchronously where the record was rejected. */
  deadLetter(letter: DeadLetter): void;
  /**
   * For writers that send asynchronously (a Kafka topic): resolves once every letter handed over
   * so far is acknowledged by the destination, rejects if one was not. Each checkpoint waits for
   * it before it completes, so the input positions it stores never skip a letter still in flight:
   * a letter is written at least once. Optional.
   */
  flush?(): Promise<void>;
}

/**
 * Thrown (not an Error) to abandon the current record when the error policy skips it; the
 * runtime catches it at the next operator boundary and goes on with the next record.
 */
export const SKIP_RECORD: unique symbol = Symbol.for("fleuve.skip-record") as never;
