/**
 * Idleness of a watermark input (Flink's IdlenessTimer of WatermarksWithIdleness): an input that
 * saw no record for a timeout of processing time is idle, so it stops holding the watermark back.
 * Shared by a source, each of its splits and `assignTimestampsAndWatermarks`.
 */

/**
 * Tracks activity cheaply: records only set a flag, and each periodic check (every
 * auto-watermark interval) turns a seen flag into "active now", as Flink's timer counts records
 * and compares the count at each check.
 */
export class IdlenessTimer {
  private seen = false;
  private lastActive: number;

  /** `timeoutMs` of processing time without activity makes the input idle; counted from `now`. */
  constructor(
    private readonly timeoutMs: number,
    now: number,
  ) {
    this.lastActive = now;
  }

  /** A record (or anything that counts as input) arrived. */
  activity(): void {
    this.seen = true;
  }

  /** Whether the input is idle at `now`: no activity for the timeout since the last check that saw some. */
  checkIfIdle(now: number): boolean {
    if (this.seen) {
      this.seen = false;
      this.lastActive = now;
      return false;
    }
    return now - this.lastActive >= this.timeoutMs;
  }
}
