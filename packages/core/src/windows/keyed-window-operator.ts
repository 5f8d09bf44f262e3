/**
 * @internal The common base of the keyed window operators (aligned, sessions, the general one):
 * with {@link WindowOperatorConfig.restoreWatermark}, the watermark kept in checkpoints and
 * restored, as Flink's SQL window operators (`WindowAggOperator`) keep theirs, so that every kind
 * of window gets it the same way.
 */
import { OneInputOperator, type OperatorRestore, type OperatorSnapshot } from "../spi/operator.js";
import { MIN_WATERMARK } from "../time/watermark.js";

/** Union list state holding each subtask's watermark. */
const WATERMARK_STATE = "window-watermark";

/** @internal Keyed window operator keeping its watermark in checkpoints when `keepsWatermark`. */
export abstract class KeyedWindowOperator<IN, OUT> extends OneInputOperator<IN, OUT> {
  /** A watermark was restored and not yet forwarded. */
  private restoredWatermarkUnsent = false;

  constructor(private readonly keepsWatermark: boolean) {
    super();
  }

  override initializeState(restore: OperatorRestore): void {
    super.initializeState(restore);
    if (!this.keepsWatermark) return;
    // The minimum over the old subtasks (Flink's WindowAggOperator): after a rescale a subtask may
    // hold keys of any of them, so its watermark must be no later than any of theirs. None saved
    // (a checkpoint taken without the option): no watermark, as before.
    const saved = this.runtime.operatorState.getUnionListState<number>(WATERMARK_STATE).get();
    if (saved.length === 0) return;
    const min = Math.min(...saved);
    if (min <= MIN_WATERMARK) return;
    this.currentWatermark = min;
    this.runtime.metrics.currentWatermark.set(min);
    this.restoredWatermarkUnsent = true;
  }

  override snapshotState(checkpointId: number): OperatorSnapshot {
    if (this.keepsWatermark)
      this.runtime.operatorState.getUnionListState<number>(WATERMARK_STATE).update([this.currentWatermark]);
    return super.snapshotState(checkpointId);
  }

  /**
   * As Flink's WindowAggOperator: a watermark not past the restored one forwards the restored one
   * (once: later ones would repeat it), so downstream operators get the time this one starts from.
   */
  override processWatermark(watermark: number): void {
    if (this.restoredWatermarkUnsent) {
      this.restoredWatermarkUnsent = false;
      if (watermark <= this.currentWatermark) {
        this.output.emitWatermark(this.currentWatermark);
        return;
      }
    }
    super.processWatermark(watermark);
  }
}
