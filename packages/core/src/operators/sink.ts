import {
  type CommittableMessage,
  isTwoPhaseCommitSink,
  type PreCommitSinkWriter,
  type Sink,
  SinkRecordError,
  type SinkWriter,
} from "../connector/sink.js";
import { FleuveError, restartCannotCure } from "../errors.js";
import { Histogram } from "../metrics/registry.js";
import { type LatencyMarker, OneInputOperator } from "../spi/operator.js";
import { NO_TIMESTAMP } from "../time/watermark.js";

interface PendingCommit {
  checkpointId: number;
  committables: unknown[];
}

/**
 * Writes records to a sink writer. For two-phase-commit sinks it pre-commits on every checkpoint
 * barrier, keeps the prepared committables in its checkpointed state, and commits them when the
 * checkpoint completes (or, after a restore, as soon as it opens). A sink with a global committer
 * (`TwoPhaseCommitSink.globalCommitter`) also gets what it prepared sent downstream to it, before
 * the barrier, and once more, prepared at once, when its input ends (no barrier can follow then);
 * after a restore the first of these also carries the restored committables.
 */
export class SinkOperator<T> extends OneInputOperator<T, CommittableMessage<unknown>> {
  private writer!: SinkWriter<T>;
  private pending: PendingCommit[] = [];
  private recovered: unknown[] = [];
  /**
   * Being committed, not confirmed yet: later checkpoints list these again, so a run that fails
   * before the commit lands (e.g. its broker is down) leaves them to the next restore.
   */
  private committing: PendingCommit[] = [];
  private commitChain: Promise<void> = Promise.resolve();
  private commitError: unknown;
  /** Set by a latency marker: the next timestamped record is sampled for end-to-end latency. */
  private sampleNext = false;
  private endToEnd!: Histogram;
  /** With a global committer: prepared when the input ended, listed by the next checkpoint. */
  private preparedAtEnd: unknown[] | undefined;

  constructor(private readonly sink: Sink<T>) {
    super();
  }

  private get twoPhase(): boolean {
    return isTwoPhaseCommitSink(this.sink);
  }

  /** True when the sink has a global committer downstream, which gets what each checkpoint prepared. */
  private get toCommitter(): boolean {
    return isTwoPhaseCommitSink(this.sink) && this.sink.globalCommitter !== undefined;
  }

  /** With a global committer: what this subtask restored, sent with its next message. */
  private restoredForCommitter: unknown[] | undefined;

  private sendToCommitter(committables: unknown[], end: boolean): void {
    const { subtaskIndex: subtask, parallelism } = this.runtime;
    const restored = this.restoredForCommitter;
    this.restoredForCommitter = undefined;
    this.output.collect(
      { subtask, parallelism, committables, end, ...(restored === undefined ? {} : { restored }) },
      NO_TIMESTAMP,
    );
  }

  override open(): void {
    const m = this.runtime.metrics;
    this.endToEnd = m.endToEndLatencyMs ??= new Histogram();
    if (this.recovered.length > 0) {
      // Prepared in a checkpoint that completed: commit again (commits are idempotent), before the
      // writer starts and discards whatever later transactions an earlier run left behind.
      const recovered = this.recovered;
      this.recovered = [];
      this.commitListed({ checkpointId: 0, committables: recovered });
    }
    this.writer = this.sink.createWriter({
      subtaskIndex: this.runtime.subtaskIndex,
      parallelism: this.runtime.parallelism,
    });
  }

  override get mayBlockInput(): boolean {
    return true;
  }

  override readyForInput(): Promise<void> | undefined {
    return this.writer?.ready?.();
  }

  processElement(value: T, timestamp: number): void {
    if (this.sampleNext && timestamp !== NO_TIMESTAMP) {
      this.sampleNext = false;
      this.endToEnd.record(Date.now() - timestamp);
    }
    try {
      this.writer.write(value, timestamp === NO_TIMESTAMP ? undefined : timestamp);
    } catch (e) {
      if (e instanceof FleuveError) throw e;
      // A record its serializer rejected: dead letters (or skip) under the job's error policy.
      if (e instanceof SinkRecordError && (this.runtime.errorPolicy ?? "fail") !== "fail")
        throw this.userError(e, value, timestamp);
      throw new FleuveError(
        "FLEUVE_SINK_FAILED",
        `sink '${this.runtime.operatorName}' failed on record: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e, details: { operator: this.runtime.operatorName, record: value } },
      );
    }
  }

  /** Records the marker's latency, and samples the next record's end-to-end latency. */
  override processLatencyMarker(marker: LatencyMarker): void {
    this.sampleNext = true;
    super.processLatencyMarker(marker);
  }

  protected override onWatermark(watermark: number): void {
    this.writer.writeWatermark?.(watermark);
  }

  /** Tells the writer, so a sink that forwards watermarks (an exchange) forwards idleness too. */
  override processIdle(idle: boolean): void {
    this.writer.idle?.(idle);
    super.processIdle(idle);
  }

  protected override snapshotCustom(checkpointId: number): unknown {
    if (!this.twoPhase) return undefined;
    let c: unknown[];
    if (this.preparedAtEnd !== undefined) {
      // Prepared and sent when the input ended: nothing can be sent after the end.
      c = this.preparedAtEnd;
      this.preparedAtEnd = undefined;
    } else if (this.ended && this.toCommitter) c = [];
    else {
      c = (this.writer as PreCommitSinkWriter<T, unknown>).prepareCommit(checkpointId);
      // Before the barrier goes downstream: the committer's snapshot of this checkpoint holds it.
      if (this.toCommitter) this.sendToCommitter(c, false);
    }
    if (c.length > 0) this.pending.push({ checkpointId, committables: c });
    return [...this.committing, ...this.pending].map((p) => ({
      checkpointId: p.checkpointId,
      committables: p.committables,
    }));
  }

  protected override snapshotReady(): Promise<void> | undefined {
    if (!this.twoPhase) return undefined;
    return (this.writer as PreCommitSinkWriter<T, unknown>).prepared?.();
  }

  protected override restoreCustom(states: readonly unknown[]): void {
    for (const s of states) {
      for (const p of (s as PendingCommit[] | undefined) ?? []) this.recovered.push(...p.committables);
    }
    // A checkpoint of before the sink had its global committer holds these only here.
    if (this.toCommitter && this.recovered.length > 0) this.restoredForCommitter = [...this.recovered];
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    if (this.pending.length === 0) return;
    const ready = this.pending.filter((p) => p.checkpointId <= checkpointId);
    if (ready.length === 0) return;
    this.pending = this.pending.filter((p) => p.checkpointId > checkpointId);
    this.commitListed({ checkpointId, committables: ready.flatMap((p) => p.committables) });
  }

  /** Commits, keeping the committables listed in checkpoints until the commit is confirmed. */
  private commitListed(entry: PendingCommit): void {
    this.committing.push(entry);
    this.commit(entry.committables);
    this.commitChain.then(
      () => {
        this.committing = this.committing.filter((c) => c !== entry);
      },
      () => {},
    );
  }

  private commitsInFlight = 0;

  /** Commits now when the sink commits synchronously and nothing is in flight; else in order after. */
  private commit(committables: unknown[]): void {
    if (this.commitError) throw this.commitError;
    const sink = this.sink;
    if (!isTwoPhaseCommitSink(sink)) return;
    const fail = (e: unknown) => {
      // Keep an error a restart cannot cure as it is (e.g. a missing topic), so no restart is tried.
      if (e instanceof FleuveError && restartCannotCure(e)) {
        this.commitError = e;
        return e;
      }
      this.commitError = new FleuveError(
        "FLEUVE_SINK_FAILED",
        `sink '${this.runtime.operatorName}' could not commit: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
      return this.commitError;
    };
    if (this.commitsInFlight === 0) {
      let r: void | Promise<void>;
      try {
        r = sink.commit(committables);
      } catch (e) {
        throw fail(e);
      }
      if (!(r instanceof Promise)) return;
      this.track(r.catch((e) => Promise.reject(fail(e))));
      return;
    }
    this.track(this.commitChain.then(() => sink.commit(committables)).catch((e) => Promise.reject(fail(e))));
  }

  private track(p: Promise<void>): void {
    this.commitsInFlight++;
    this.commitChain = p.finally(() => {
      this.commitsInFlight--;
    });
    this.commitChain.catch(() => {});
  }

  /** Set by finish(): the input ended. */
  private ended = false;

  override finish(): void {
    this.writer.finish?.();
    this.ended = true;
    if (this.twoPhase && !this.runtime.checkpointing) {
      // No checkpoints: nothing else would ever commit the last transaction.
      const c = (this.writer as PreCommitSinkWriter<T, unknown>).prepareCommit(0);
      this.commit(c);
      if (this.toCommitter) this.sendToCommitter(c, true);
    } else if (this.toCommitter) {
      // The final checkpoint comes after the end, when nothing can be sent: prepare now, list the
      // result in the next checkpoint (which commits it).
      this.preparedAtEnd = (this.writer as PreCommitSinkWriter<T, unknown>).prepareCommit(0);
      this.sendToCommitter(this.preparedAtEnd, true);
    }
  }

  override pendingWork(): Promise<void> {
    return this.commitChain;
  }

  override close(): void {
    this.writer?.close?.();
  }
}
