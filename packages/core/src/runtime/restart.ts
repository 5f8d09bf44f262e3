/** Decides whether and when a failed job restarts (Flink's restart strategies). */
import type { RestartStrategy } from "../api/config.js";

/** Tracks failures against a restart strategy. */
export class RestartTracker {
  private attempts = 0;
  private readonly failures: number[] = [];
  private delay = 0;
  private lastFailure = Number.NEGATIVE_INFINITY;

  constructor(private readonly strategy: RestartStrategy) {}

  /** Records a failure at `now` (ms); returns the delay before restarting, or undefined to give up. */
  onFailure(now: number): number | undefined {
    const s = this.strategy;
    switch (s.type) {
      case "none":
        return undefined;
      case "fixed-delay":
        if (this.attempts >= s.attempts) return undefined;
        this.attempts++;
        return s.delayMs;
      case "exponential-delay": {
        const reset = s.resetAfterMs ?? s.maxDelayMs * 2;
        if (now - this.lastFailure >= reset) this.delay = 0;
        this.lastFailure = now;
        this.delay =
          this.delay === 0 ? s.initialDelayMs : Math.min(s.maxDelayMs, this.delay * (s.multiplier ?? 2));
        return this.delay;
      }
      case "failure-rate": {
        this.failures.push(now);
        while (this.failures.length > 0 && now - this.failures[0]! > s.intervalMs) this.failures.shift();
        if (this.failures.length > s.maxFailures) return undefined;
        return s.delayMs;
      }
    }
  }
}
