/**
 * The source API (a compact version of Flink's FLIP-27 sources): a source creates one reader per
 * parallel subtask; the runtime polls readers in batches, so no promise is created per record.
 */
import type { LogFunction } from "../log.js";
import type { MetricsSnapshot } from "../metrics/registry.js";

/** What a source reader emits into. */
export interface SourceOutput<T> {
  /** Emits a record, optionally with its event timestamp (ms). */
  collect(value: T, timestamp?: number): void;
  /** Emits a watermark decided by the source itself (in addition to the watermark strategy). */
  emitWatermark(watermark: number): void;
  /** Marks this reader idle until it emits again. */
  markIdle(): void;
  /**
   * Marks this reader active again without emitting (a record or a watermark does that too), e.g.
   * when an upstream it merges wakes up. Optional: outputs that wrap another may omit it.
   */
  markActive?(): void;
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
  /**
   * Writes a line to the job's log (the environment's `log`, stderr by default; a worker thread's
   * lines go to the main thread's): for what an operator should know, e.g. a misconfiguration
   * that does not stop the job. Absent in contexts made by hand (tests).
   */
  readonly log?: LogFunction;
  /**
   * The metrics of the whole job now (for a source that turns the job's own metrics into a stream,
   * e.g. `jobMetricsSource` of @fleuve/alerts): call it about once a second or less, never per
   * record; it costs the job nothing until it is called. When the job runs in one thread it is a
   * snapshot taken at the call. On worker threads it is a promise of the whole job's snapshot:
   * the main thread asks the other threads for their operators' figures, adds the job-wide ones it
   * keeps (restarts, checkpoints), and this thread adds its own when the answer comes (a thread
   * that does not answer within a second counts with the figures it last reported, as the
   * Prometheus endpoint shows them). In a `--group` process, a snapshot of the operators of its
   * unit. Absent in contexts made by hand (tests).
   */
  readonly jobMetrics?: () => MetricsSnapshot | Promise<MetricsSnapshot>;
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
  snapshot?(checkpointId: number): unknown;
  /** Restores a position taken by `snapshot`. */
  restore?(state: unknown): void;
  /** The checkpoint with this id is complete (e.g. commit offsets to a group for monitoring). */
  notifyCheckpointComplete?(checkpointId: number): void;
  /**
   * Figures per split (partition) for metrics, by split id then name, called when metrics are
   * sampled (about once a second; on worker threads whether or not a reporter reads them), never
   * per record. Known names: `recordsLag`
   * (records, offsets really, between the next one this reader emits and the head of the split)
   * and `committedRecordsLag` (between the offset its consumer group committed and the head, as
   * `kafka-consumer-groups --describe` shows). A split whose head is not known yet is left out.
   * The runtime adds `currentWatermark` and `idle` for splits with an output of their own
   * (`SourceOutput.forSplit`).
   */
  splitMetrics?(): Record<string, Record<string, number>>;
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
