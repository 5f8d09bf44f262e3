/**
 * The sink API (a compact version of Flink's Sink V2): a sink creates one writer per parallel
 * subtask; a {@link TwoPhaseCommitSink} also commits what its writers prepared at each checkpoint.
 */

import type { OneInputOperator } from "../spi/operator.js";

/**
 * Thrown by a sink writer's `write` when the record itself cannot be written (its serializer
 * rejected it: a value that does not match its schema, say), as opposed to a failing destination.
 * The sink operator then applies the job's error policy, as for a user function: with dead letters,
 * the record goes there with this message, and the job goes on; with "fail", the job fails.
 */
export class SinkRecordError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SinkRecordError";
  }
}

/** A sink: one writer per parallel subtask. */
export interface Sink<T> {
  createWriter(ctx: SinkWriterContext): SinkWriter<T>;
}

/** Information a sink writer gets about where it runs. */
export interface SinkWriterContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
}

/** Writes one subtask's share of a stream. */
export interface SinkWriter<T> {
  write(value: T, timestamp: number | undefined): void;
  /**
   * Backpressure: a promise while the writer holds as much unacknowledged data as it allows (the
   * runtime then stops feeding this subtask until it resolves), undefined when it takes more.
   * Checked before each batch of records, so a writer may exceed its bound by one batch.
   */
  ready?(): Promise<void> | undefined;
  /**
   * The input's event-time watermark advanced (as Flink's `SinkWriter.writeWatermark`): sinks
   * that forward watermarks downstream, such as the exchanges of a scale-out job, use it.
   */
  writeWatermark?(watermark: number): void;
  /**
   * The input became idle (`true`: no records or watermarks for the idle timeout of its sources,
   * see `WatermarkStrategy.withIdleness`) or active again (`false`), as a channel's idleness in
   * Flink. Sinks that forward watermarks downstream must forward this too, or an idle input holds
   * back the watermark downstream: the exchanges of a scale-out job do.
   */
  idle?(idle: boolean): void;
  /** Called when the input ended (after the final watermark). */
  finish?(): void;
  close?(): void;
}

/**
 * A sink with exactly-once output through two-phase commit, tied to checkpoints: at each
 * checkpoint barrier the writer prepares what it wrote since the previous one (pre-commit); when
 * the checkpoint is complete, {@link TwoPhaseCommitSink.commit} makes it visible. After a failure,
 * what was prepared in the restored checkpoint is committed again, so `commit` must be idempotent;
 * what was prepared later is never committed and must be discarded by the writer on start
 * (e.g. by fencing its transactional id).
 */
export interface TwoPhaseCommitSink<T, C> extends Sink<T> {
  createWriter(ctx: SinkWriterContext): PreCommitSinkWriter<T, C>;
  /** Makes prepared output visible. Idempotent. */
  commit(committables: readonly C[]): void | Promise<void>;
  /**
   * Whether output stays invisible until a checkpoint commits it (transactions, in-progress
   * files). Default true. Such a sink commits only at checkpoints, or once when its input ends, so
   * a job that feeds it from an unbounded source without checkpointing is refused at start: it would
   * never commit anything. False for sinks whose writes are visible at once and that use
   * checkpoints only to re-send what was unacknowledged (at-least-once).
   */
  readonly needsCheckpoints?: boolean;
  /**
   * How to make this sink at-least-once (e.g. `logSink exactlyOnce: false`), added to the error
   * that refuses it without checkpointing. Optional.
   */
  readonly atLeastOnceHint?: string;
  /**
   * Flink's global committer (Sink V2's `addGlobalCommitter` post-commit topology): when set, the
   * job gets one more operator downstream of the sink's writers, at parallelism 1, made by this
   * function. Each writer subtask sends it a {@link CommittableMessage} of what it prepared, through
   * the job's ordinary edge: at each checkpoint before the barrier, and once when its input ends.
   * In one process (one thread or worker threads) the job checkpoints as a whole, so the
   * committer's checkpoint `n` holds every writer's committables of `n`, and `n` completing means
   * the writers' `n` completed. Under `fleuve run --group` each unit checkpoints on its own: that
   * holds only over exactly-once exchanges (a writer's messages are visible once its checkpoint
   * completed); over at-least-once exchanges the committer could act on committables of a writer
   * checkpoint that never completes, so such a job is refused at start
   * (`checkGlobalCommitters`, `@fleuve/core/scale-out`). The committer checkpoints what it has
   * not committed and acts when a checkpoint completes (its `notifyCheckpointComplete`), or at its
   * `finish()` without checkpointing. The writers still commit their own committables as without
   * it; the committer's commits must tolerate both orders, and committables it already had (a
   * writer forwards what it restored, see {@link CommittableMessage.restored}).
   */
  readonly globalCommitter?: () => OneInputOperator<CommittableMessage<C>, never>;
  /**
   * With a global committer: the option that adds it, named in the error that refuses it over
   * at-least-once exchanges (e.g. the `filesystem` sink's `'sink.partition-commit.policy.kind'`).
   */
  readonly globalCommitterOption?: string;
}

/** What one writer subtask of a sink with a global committer prepared: see {@link TwoPhaseCommitSink.globalCommitter}. */
export interface CommittableMessage<C> {
  readonly subtask: number;
  readonly parallelism: number;
  /** What `prepareCommit` returned (possibly nothing). */
  readonly committables: readonly C[];
  /** Sent when the writer's input ended (its last message): no checkpoint barrier follows it. */
  readonly end: boolean;
  /**
   * On a writer's first message after a restore: the committables of the checkpoint it restored
   * (which it commits again itself). A checkpoint taken before the sink had a global committer
   * holds them only there; the committer may already have them from its own state.
   */
  readonly restored?: readonly C[];
}

/** The writer of a {@link TwoPhaseCommitSink}. */
export interface PreCommitSinkWriter<T, C> extends SinkWriter<T> {
  /** Ends the current transaction and returns what to commit once checkpoint `checkpointId` completes. */
  prepareCommit(checkpointId: number): C[];
  /**
   * For writers that send asynchronously: resolves once everything the last `prepareCommit`
   * returned is acknowledged by the destination. The checkpoint completes only after that, so a
   * crash can never leave a checkpoint that lists a transaction with records still in flight.
   */
  prepared?(): Promise<void>;
}

/** True when a sink commits in two phases. */
export function isTwoPhaseCommitSink<T>(sink: Sink<T>): sink is TwoPhaseCommitSink<T, unknown> {
  return typeof (sink as Partial<TwoPhaseCommitSink<T, unknown>>).commit === "function";
}
