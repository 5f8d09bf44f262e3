/** Defaults of `startGroupWorker` (`fleuve run --group`); the CLI's help states them. */
export const GROUP_DEFAULTS = {
  /** Checkpoint interval when neither the options nor the job set one (ms). */
  checkpointIntervalMs: 1000,
  /**
   * Commit interval (Kafka Streams' `commit.interval.ms` under exactly-once) of exactly-once
   * exchanges when keyed state uses the changelog and no `commitIntervalMs` is given (ms); else the
   * checkpoint interval.
   */
  commitIntervalMs: 100,
  /** Kafka `session.timeout.ms` of the membership (ms). */
  sessionTimeoutMs: 6000,
  /** How long a clean stop waits for final checkpoints (`task.shutdown.graceful.timeout.ms`, ms). */
  shutdownTimeoutMs: 10_000,
} as const;
