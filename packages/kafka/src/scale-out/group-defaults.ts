/** Defaults of `startGroupWorker` (`fleuve run --group`); the CLI's help states them. */
export const GROUP_DEFAULTS = {
  /** Checkpoint interval when neither the options nor the job set one (ms). */
  checkpointIntervalMs: 1000,
  /** Kafka `session.timeout.ms` of the membership (ms). */
  sessionTimeoutMs: 6000,
} as const;
