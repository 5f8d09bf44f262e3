/**
 * The source API (a compact version of Flink's FLIP-27 sources): a source creates one reader per
 * parallel subtask; the runtime polls readers in batches, so no promise is created per record.
 */

/** What a source reader emits into. */
export interface SourceOutput<T> {
  /** Emits a record, optionally with its event timestamp (ms). */
  collect(value: T, timestamp?: number): void;
  /** Emits a watermark decided by the source itself (in addition to the watermark strategy). */
  emitWatermark(watermark: number): void;
  /** Marks this reader idle until it emits again. */
  markIdle(): void;
  /**
   * An output for one split (a partition...) with its own watermark generator. The source's
   * watermark is then the minimum over its active splits, as Flink's per-split watermarks:
   * a partition that lags holds the watermark back; an idle one does not.
   */
  forSplit(splitId: string): SourceOutput<T>;
  /** The split is gone (reassigned or finished): it no longer holds the watermark back. */
  releaseSplit(splitId: string): void;
  /**
   * Rejects raw input that cannot become a record (e.g. bad bytes): fails the job or goes to the
   * dead-letter writer, per the job's error policy.
   */
  reject(raw: unknown, reason: string, timestamp?: number): void;
}

/** Result of one poll of a reader. */
export type PollStatus = "more" | "nothing-yet" | "end";

/** Information a reader gets about where it runs. */
export interface SourceReaderContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Processing time now (ms); manual in tests. */
  now(): number;
}

/** Reads one subtask's share of a source. */
export interface SourceReader<T> {
  /**
   * Emits up to `max` records (more is allowed but hurts latency) and says whether more are ready
   * now (`more`), none are ready yet (`nothing-yet`: the runtime waits on `available()`), or the
   * input has ended (`end`, bounded sources only).
   */
  poll(output: SourceOutput<T>, max: number): PollStatus;
  /** After `nothing-yet`: resolves when polling again may produce data. Default: a short delay. */
  available?(): Promise<void>;
  /**
   * Position to checkpoint (offsets...), for checkpoint `checkpointId`: a reader that acts when a
   * checkpoint completes (see `notifyCheckpointComplete`) knows that checkpoint's own position.
   */
  snapshot?(checkpointId?: number): unknown;
  /** Restores a position taken by `snapshot`. */
  restore?(state: unknown): void;
  /** The checkpoint with this id is complete (e.g. commit offsets to a group for monitoring). */
  notifyCheckpointComplete?(checkpointId: number): void;
  close?(): void;
}

/** A source of records. */
export interface Source<T> {
  /** True when the input ends by itself (then a final watermark fires every pending window). */
  readonly bounded: boolean;
  /**
   * True when the source can be restored at another parallelism: its readers then get, in
   * `restore`, the array of every old reader's position and keep what they own.
   */
  readonly rescalable?: boolean;
  createReader(ctx: SourceReaderContext): SourceReader<T>;
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

/** A bounded source over an array, split round-robin among subtasks. */
export class CollectionSource<T> implements Source<T> {
  readonly bounded = true;
  constructor(
    private readonly items: readonly T[],
    private readonly timestamps?: readonly number[],
  ) {}
  createReader(ctx: SourceReaderContext): SourceReader<T> {
    const { items, timestamps } = this;
    let i = ctx.subtaskIndex;
    const step = ctx.parallelism;
    return {
      poll(out, max) {
        let n = 0;
        while (i < items.length && n < max) {
          if (timestamps) out.collect(items[i]!, timestamps[i]);
          else out.collect(items[i]!);
          i += step;
          n++;
        }
        return i < items.length ? "more" : "end";
      },
      snapshot: () => i,
      restore: (s) => {
        i = s as number;
      },
    };
  }
}

/** Options of {@link GeneratorSource}. */
export interface GeneratorOptions {
  /** Number of records (Infinity: unbounded). */
  readonly count: number;
  /** Records per second over all subtasks (undefined: as fast as possible). */
  readonly ratePerSecond?: number;
}

/**
 * Generates records from their index (like Flink's DataGeneratorSource). Indexes are split
 * round-robin among subtasks; a rate limit paces emission by processing time.
 */
export class GeneratorSource<T> implements Source<T> {
  readonly bounded: boolean;
  constructor(
    private readonly generate: (index: number) => T,
    private readonly options: GeneratorOptions,
  ) {
    this.bounded = Number.isFinite(options.count);
  }
  createReader(ctx: SourceReaderContext): SourceReader<T> {
    const { generate } = this;
    const { count, ratePerSecond } = this.options;
    let i = ctx.subtaskIndex;
    const step = ctx.parallelism;
    const perSubtaskRate = ratePerSecond === undefined ? undefined : ratePerSecond / step;
    const start = ctx.now();
    let emitted = 0;
    let wait: number | undefined;
    return {
      poll(out, max) {
        let budget = max;
        if (perSubtaskRate !== undefined) {
          const allowed = Math.floor(((ctx.now() - start) / 1000) * perSubtaskRate) + 1 - emitted;
          if (allowed <= 0) {
            wait = Math.max(1, Math.ceil(((emitted + 1) / perSubtaskRate) * 1000 - (ctx.now() - start)));
            return i < count ? "nothing-yet" : "end";
          }
          budget = Math.min(max, allowed);
        }
        let n = 0;
        while (i < count && n < budget) {
          out.collect(generate(i));
          i += step;
          n++;
        }
        emitted += n;
        return i < count ? "more" : "end";
      },
      available: () => new Promise((resolve) => setTimeout(resolve, wait ?? 1)),
      snapshot: () => ({ i, emitted }),
      restore: (s) => {
        const st = s as { i: number; emitted: number };
        i = st.i;
        emitted = st.emitted;
      },
    };
  }
}
