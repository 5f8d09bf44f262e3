/**
 * Aligned checkpoints of a subtask with input channels, as a state machine of its own (Flink's
 * SingleCheckpointBarrierHandler with its WaitingForFirstBarrier and CollectingBarriers states).
 *
 * A checkpoint's barrier flows down every channel. When the first barrier of checkpoint `k`
 * arrives, the channel that delivered it is blocked (records behind the barrier belong after the
 * snapshot); alignment completes when every channel that has not ended delivered barrier `k`,
 * then the subtask snapshots its operators and every channel is read again.
 *
 * The aligner holds no channels: it knows them by position (0..n-1) and asks a
 * {@link BarrierAlignmentController} to block, unblock and snapshot. It does nothing per record.
 */

/** What the aligner asks of the subtask whose inputs it aligns. */
export interface BarrierAlignmentController {
  /** Stops reading channel `channel`: it delivered the barrier of the checkpoint being aligned. */
  blockChannel(channel: number): void;
  /** Reads channel `channel` again (its checkpoint completed or was aborted). */
  unblockChannel(channel: number): void;
  /** Every input is aligned on checkpoint `checkpointId`: snapshot and forward the barrier now. */
  triggerCheckpoint(checkpointId: number): void;
}

/** States of a {@link BarrierAligner}, named as in Flink. */
export type BarrierAlignmentState = "waiting-for-first-barrier" | "collecting-barriers";

/** Per-channel state, one byte per channel. */
const OPEN = 0;
const BARRIER_RECEIVED = 1;
const ENDED = 2;

/** Aligns checkpoint barriers over the input channels of one subtask. */
export class BarrierAligner {
  private readonly channels: Uint8Array;
  /** Channels that delivered the barrier of {@link pendingCheckpointId}. */
  private received = 0;
  private ended = 0;
  private pending: number | undefined;
  /** Highest checkpoint triggered or aborted here: its barriers and older ones are ignored. */
  private closedUpTo = 0;

  constructor(
    /** Number of input channels. */
    readonly channelCount: number,
    private readonly controller: BarrierAlignmentController,
  ) {
    this.channels = new Uint8Array(channelCount);
  }

  /** Whether a checkpoint is being aligned. */
  get state(): BarrierAlignmentState {
    return this.pending === undefined ? "waiting-for-first-barrier" : "collecting-barriers";
  }

  /** The checkpoint being aligned, or undefined while waiting for a first barrier. */
  get pendingCheckpointId(): number | undefined {
    return this.pending;
  }

  /** True when every channel ended (no barrier can come any more). */
  get allEnded(): boolean {
    return this.ended === this.channelCount;
  }

  /**
   * Channel `channel` delivered the barrier of checkpoint `checkpointId`. A barrier of a checkpoint
   * already triggered or aborted, or older than the one being aligned, is ignored; a newer one
   * aborts the checkpoint being aligned (its barriers will never all arrive) and starts its own.
   */
  barrierReceived(channel: number, checkpointId: number): void {
    if (checkpointId <= this.closedUpTo) return;
    const pending = this.pending;
    if (pending === undefined || checkpointId > pending) {
      if (pending !== undefined) this.abort(pending);
      this.pending = checkpointId;
    } else if (checkpointId < pending) return;
    if (this.channels[channel] === OPEN) {
      this.channels[channel] = BARRIER_RECEIVED;
      this.received++;
      this.controller.blockChannel(channel);
    }
    this.completeIfAligned();
  }

  /** Channel `channel` ended: it no longer holds any alignment back. */
  endOfInput(channel: number): void {
    const was = this.channels[channel];
    if (was === ENDED) return;
    if (was === BARRIER_RECEIVED) this.received--;
    this.channels[channel] = ENDED;
    this.ended++;
    this.completeIfAligned();
  }

  /**
   * Gives up checkpoint `checkpointId` (a newer one subsumed it): unblocks the channels that
   * delivered its barrier, and ignores its barriers from now on.
   */
  abort(checkpointId: number): void {
    if (checkpointId <= this.closedUpTo) return;
    this.closedUpTo = checkpointId;
    if (this.pending !== undefined && this.pending <= checkpointId) this.release();
  }

  private completeIfAligned(): void {
    const id = this.pending;
    if (id === undefined || this.received + this.ended < this.channelCount) return;
    this.closedUpTo = id;
    this.release();
    this.controller.triggerCheckpoint(id);
  }

  /** Back to waiting for a first barrier, with every channel that has not ended unblocked. */
  private release(): void {
    this.pending = undefined;
    if (this.received === 0) return;
    this.received = 0;
    const chs = this.channels;
    for (let c = 0; c < chs.length; c++) {
      if (chs[c] !== BARRIER_RECEIVED) continue;
      chs[c] = OPEN;
      this.controller.unblockChannel(c);
    }
  }
}
