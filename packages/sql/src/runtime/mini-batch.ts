/**
 * The bundle trigger of `table.exec.mini-batch` (Flink's MiniBatchAssigner with its
 * CountBundleTrigger, folded into each bundled operator): an operator holds its input rows, or
 * what they change, for a bundle and acts on them once when the bundle ends: after `size` input
 * rows, `latencyMs` of processing time after the bundle's first row, before each watermark and
 * checkpoint it passes on, and at the end of the input. What was held is thus always sent before
 * the watermark or barrier that follows it, so exactly-once checkpoints and savepoints see no
 * bundle in flight. The Top-N (top-n.ts) and the group aggregation (group-aggregate.ts) bundle
 * through it.
 */

import { OneInputOperator, type Triggerable } from "@fleuve/core/spi";

/**
 * `table.exec.mini-batch.*`: a bundle ends after `size` input rows (Infinity: no limit, the option
 * unset) or `latencyMs` of processing time.
 */
export interface MiniBatchSpec {
  readonly size: number;
  readonly latencyMs: number;
}

/**
 * A keyed one-input operator whose input comes in bundles (see the file's comment): subclasses
 * take each row in {@link addToBundle} and act on the bundle in {@link finishBundle}.
 */
export abstract class MiniBatchOperator<IN, OUT>
  extends OneInputOperator<IN, OUT>
  implements Triggerable<number>
{
  /** Input rows in the current bundle. */
  private count = 0;
  /** The processing time of the current bundle's first row (meaningful while `count > 0`). */
  private bundleStart = 0;
  /**
   * Whether a latency callback is pending. At most one is: a bundle ended by its size or a
   * watermark leaves its callback to the next bundle, which it moves on to that bundle's own
   * deadline (the runtime scans its callback queue every loop, so one per bundle would pile up).
   */
  private latencyPending = false;
  private closed = false;

  constructor(protected readonly miniBatch: MiniBatchSpec) {
    super();
  }

  override open(): void {
    // No timers; the timer service makes snapshots of the same shape as the plain operator's (a
    // keyed process operator's), so that a savepoint moves between the two.
    this.getTimerService(this);
  }

  /** Takes one input row into the current bundle (its key is the backend's current key). */
  protected abstract addToBundle(value: IN, timestamp: number): void;

  /** Acts on the rows of the bundle that ends and forgets them; the next bundle starts empty. */
  protected abstract finishBundle(): void;

  processElement(value: IN, timestamp: number): void {
    if (this.count === 0) {
      this.bundleStart = this.runtime.processingTime.now();
      if (!this.latencyPending) this.scheduleLatency(this.bundleStart + this.miniBatch.latencyMs);
    }
    this.addToBundle(value, timestamp);
    if (++this.count >= this.miniBatch.size) this.flush();
  }

  /** Asks for {@link onLatency} at processing time `at`. */
  private scheduleLatency(at: number): void {
    this.latencyPending = true;
    this.runtime.processingTime.schedule(at, (now) => this.onLatency(now));
  }

  /** Ends the bundle if it is `latencyMs` old; a younger one (the first ended early) is waited for. */
  private onLatency(now: number): void {
    this.latencyPending = false;
    if (this.closed || this.count === 0) return;
    const due = this.bundleStart + this.miniBatch.latencyMs;
    if (now >= due) this.flush();
    else this.scheduleLatency(due);
  }

  /** Ends the bundle and starts the next one. */
  private flush(): void {
    if (this.count === 0) return;
    this.count = 0;
    this.finishBundle();
  }

  protected override onWatermark(_watermark: number): void {
    this.flush();
  }

  override snapshotState(checkpointId: number) {
    // Before the later operators of the chain take theirs and before the barrier goes out.
    this.flush();
    return super.snapshotState(checkpointId);
  }

  override finish(): void {
    this.flush();
  }

  override close(): void {
    this.closed = true;
  }

  onEventTime(): void {}

  onProcessingTime(): void {}
}
