/** Job-wide configuration, validated when set. */

import { type CheckpointStorage, resolveCheckpointStorage } from "../checkpoint/storage.js";
import { FleuveError } from "../errors.js";
import type { LogFunction } from "../log.js";
import type { DeadLetter, DeadLetterPolicy, ErrorPolicy } from "../spi/error-policy.js";
import { DEFAULT_MAX_PARALLELISM, UPPER_MAX_PARALLELISM } from "../spi/key-groups.js";
import type { KeyedStateBackendFactory } from "../spi/keyed-state-backend.js";
import type { ProcessingTimeScheduler } from "../spi/processing-time.js";
import { heapStateBackend } from "../state/heap-keyed-state-backend.js";

export type { DeadLetter, DeadLetterPolicy, ErrorPolicy };

/** Options of a {@link StreamExecutionEnvironment}. */
export interface EnvironmentOptions {
  /** Default parallelism of operators (default 1). */
  parallelism?: number;
  /** Number of key groups, the upper bound for rescaling keyed state (default 128). */
  maxParallelism?: number;
  /**
   * Longest time (ms) a partly filled batch may wait before it is sent to the next task
   * (default 0: batches are sent at the end of every task step, i.e. after at most `batchSize`
   * records). A larger value trades latency for throughput.
   */
  bufferTimeoutMs?: number;
  /** Records per batch between tasks and per source poll (default 1024). */
  batchSize?: number;
  /** Maximum batches queued per channel before the sender is back-pressured (default 8). */
  channelCapacity?: number;
  /** Interval (ms) of periodic watermark generation (default 200, as Flink). */
  autoWatermarkIntervalMs?: number;
  /** Interval (ms) of latency markers from sources; 0 disables them (default 1000). */
  latencyTrackingIntervalMs?: number;
  /** Processing-time clock; tests pass a ManualProcessingTime. */
  processingTime?: ProcessingTimeScheduler;
  /** Periodic checkpoints; off when absent. */
  checkpointing?: CheckpointingOptions;
  /** What to do on failure (default: none, or fixed-delay with 3 attempts when checkpointing is on). */
  restartStrategy?: RestartStrategy;
  /** Start from this savepoint or checkpoint directory (or a checkpoint root: its latest valid checkpoint). */
  restoreFrom?: string;
  /** Allow a savepoint to hold state of operators the job no longer has (it is dropped). */
  allowNonRestoredState?: boolean;
  /**
   * Resume from the newest valid checkpoint in `checkpointing.dir` if there is one, else start
   * fresh: a job killed and started again carries on where it stopped (default false).
   */
  resumeFromLatestCheckpoint?: boolean;
  /**
   * Where the runtime writes its log lines (restores, restarts, checkpoint problems); default
   * stderr. The fields say the level, package, operator, subtask and checkpoint of a line, for a
   * structured logger (`@fleuve/metrics`' createJobLogger, `fleuve run --log-format json`).
   */
  log?: LogFunction;
  /** What to do with records user functions throw on (default "fail"). */
  errorPolicy?: ErrorPolicy;
  /**
   * Where keyed state lives: the heap (default) or e.g. `lmdbStateBackend({ dir })` from
   * `@fleuve/state-lmdb` for state larger than memory with incremental checkpoints.
   */
  stateBackend?: KeyedStateBackendFactory;
}

/** Periodic checkpoints (Flink's CheckpointConfig). */
export interface CheckpointingOptions {
  /** Directory of checkpoints (`chk-<id>/` folders in it). */
  dir: string;
  /** Time between checkpoint triggers (ms). */
  intervalMs: number;
  /** Least time between the end of one checkpoint and the start of the next (default 0). */
  minPauseMs?: number;
  /**
   * A checkpoint (or savepoint) not complete after this long, its storage write included, is aborted
   * and counted failed (default 600000); savepoints of a job without periodic checkpoints use the default.
   */
  timeoutMs?: number;
  /** Checkpoints in flight at once (default 1). */
  maxConcurrent?: number;
  /** Completed checkpoints kept on disk (default 3). */
  retained?: number;
  /**
   * Where checkpoints and savepoints go: the local file system by default (`dir` is a path on
   * it); another {@link CheckpointStorage} (e.g. an object store) takes `dir` as its folder path.
   */
  storage?: CheckpointStorage;
}

/** What to do when a job fails (Flink's restart strategies). Restarts restore the latest checkpoint. */
export type RestartStrategy =
  | { type: "none" }
  | { type: "fixed-delay"; attempts: number; delayMs: number }
  | {
      type: "exponential-delay";
      initialDelayMs: number;
      maxDelayMs: number;
      multiplier?: number;
      resetAfterMs?: number;
    }
  | { type: "failure-rate"; maxFailures: number; intervalMs: number; delayMs: number };

/** Resolved configuration. */
export interface JobConfig {
  parallelism: number;
  maxParallelism: number;
  bufferTimeoutMs: number;
  batchSize: number;
  channelCapacity: number;
  autoWatermarkIntervalMs: number;
  latencyTrackingIntervalMs: number;
  processingTime: ProcessingTimeScheduler | undefined;
  checkpointing: Required<CheckpointingOptions> | undefined;
  restartStrategy: RestartStrategy;
  restoreFrom: string | undefined;
  resumeFromLatestCheckpoint: boolean;
  allowNonRestoredState: boolean;
  log: LogFunction | undefined;
  errorPolicy: ErrorPolicy;
  stateBackend: KeyedStateBackendFactory;
}

/** Checks a parallelism value; throws FLEUVE_PARALLELISM_INVALID naming `what`. */
export function checkParallelism(p: number, what: string, maxParallelism?: number): void {
  if (!Number.isInteger(p) || p < 1) {
    throw new FleuveError(
      "FLEUVE_PARALLELISM_INVALID",
      `${what}: parallelism must be an integer >= 1, got ${p}`,
      {
        details: { option: "parallelism", value: p },
      },
    );
  }
  if (maxParallelism !== undefined && p > maxParallelism) {
    throw new FleuveError(
      "FLEUVE_PARALLELISM_INVALID",
      `${what}: parallelism ${p} exceeds max parallelism ${maxParallelism}; lower the parallelism or raise maxParallelism (set it before building the job: it cannot change once state exists)`,
      { details: { option: "parallelism", value: p, maxParallelism } },
    );
  }
}

function positive(name: string, v: number, allowZero: boolean): number {
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0) || !Number.isInteger(v)) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `option '${name}' must be an integer ${allowZero ? ">= 0" : ">= 1"}, got ${v}`,
      {
        details: { option: name, value: v },
      },
    );
  }
  return v;
}

/** Validates options and fills defaults. */
export function resolveConfig(o: EnvironmentOptions = {}): JobConfig {
  const maxParallelism = o.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
  if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > UPPER_MAX_PARALLELISM) {
    throw new FleuveError(
      "FLEUVE_PARALLELISM_INVALID",
      `maxParallelism must be an integer in [1, ${UPPER_MAX_PARALLELISM}], got ${maxParallelism}`,
      { details: { option: "maxParallelism", value: maxParallelism } },
    );
  }
  const parallelism = o.parallelism ?? 1;
  checkParallelism(parallelism, "environment", maxParallelism);
  return {
    parallelism,
    maxParallelism,
    bufferTimeoutMs: positive("bufferTimeoutMs", o.bufferTimeoutMs ?? 0, true),
    batchSize: positive("batchSize", o.batchSize ?? 1024, false),
    channelCapacity: positive("channelCapacity", o.channelCapacity ?? 8, false),
    autoWatermarkIntervalMs: positive("autoWatermarkIntervalMs", o.autoWatermarkIntervalMs ?? 200, false),
    latencyTrackingIntervalMs: positive(
      "latencyTrackingIntervalMs",
      o.latencyTrackingIntervalMs ?? 1000,
      true,
    ),
    processingTime: o.processingTime,
    checkpointing: resolveCheckpointing(o.checkpointing),
    restartStrategy: resolveRestart(o.restartStrategy, o.checkpointing !== undefined),
    restoreFrom: o.restoreFrom,
    resumeFromLatestCheckpoint: o.resumeFromLatestCheckpoint ?? false,
    allowNonRestoredState: o.allowNonRestoredState ?? false,
    log: o.log,
    errorPolicy: resolveErrorPolicy(o.errorPolicy),
    stateBackend: resolveStateBackend(o.stateBackend),
  };
}

function resolveStateBackend(f: KeyedStateBackendFactory | undefined): KeyedStateBackendFactory {
  if (f === undefined) return heapStateBackend();
  if (typeof f === "function") return f;
  throw new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    "option 'stateBackend' must be a state backend factory such as lmdbStateBackend({ dir }) from @fleuve/state-lmdb",
    { details: { option: "stateBackend" } },
  );
}

function resolveErrorPolicy(p: ErrorPolicy | undefined): ErrorPolicy {
  if (p === undefined) return "fail";
  if (p === "fail" || p === "skip") return p;
  if (typeof p === "object" && p !== null && typeof p.deadLetter === "function") return p;
  throw new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `option 'errorPolicy' must be "fail", "skip" or { deadLetter(letter) {...} }, got ${String(p)}`,
    {
      details: { option: "errorPolicy" },
    },
  );
}

function resolveCheckpointing(
  c: CheckpointingOptions | undefined,
): Required<CheckpointingOptions> | undefined {
  if (!c) return undefined;
  if (typeof c.dir !== "string" || c.dir.length === 0) {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "option 'checkpointing.dir' must name a directory", {
      details: { option: "checkpointing.dir", value: c.dir },
    });
  }
  return {
    dir: c.dir,
    storage: resolveCheckpointStorage(c.storage),
    intervalMs: positive("checkpointing.intervalMs", c.intervalMs, false),
    minPauseMs: positive("checkpointing.minPauseMs", c.minPauseMs ?? 0, true),
    timeoutMs: positive("checkpointing.timeoutMs", c.timeoutMs ?? 600_000, false),
    maxConcurrent: positive("checkpointing.maxConcurrent", c.maxConcurrent ?? 1, false),
    retained: positive("checkpointing.retained", c.retained ?? 3, false),
  };
}

function resolveRestart(r: RestartStrategy | undefined, checkpointing: boolean): RestartStrategy {
  if (!r) return checkpointing ? { type: "fixed-delay", attempts: 3, delayMs: 1000 } : { type: "none" };
  switch (r.type) {
    case "none":
      return r;
    case "fixed-delay":
      positive("restartStrategy.attempts", r.attempts, true);
      positive("restartStrategy.delayMs", r.delayMs, true);
      return r;
    case "exponential-delay":
      positive("restartStrategy.initialDelayMs", r.initialDelayMs, false);
      positive("restartStrategy.maxDelayMs", r.maxDelayMs, false);
      if ((r.multiplier ?? 2) < 1) {
        throw new FleuveError("FLEUVE_CONFIG_INVALID", "option 'restartStrategy.multiplier' must be >= 1", {
          details: { option: "restartStrategy.multiplier", value: r.multiplier },
        });
      }
      return r;
    case "failure-rate":
      positive("restartStrategy.maxFailures", r.maxFailures, false);
      positive("restartStrategy.intervalMs", r.intervalMs, false);
      positive("restartStrategy.delayMs", r.delayMs, true);
      return r;
    default:
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `option 'restartStrategy.type' is unknown: ${(r as { type: string }).type}`,
        {
          details: { option: "restartStrategy.type" },
        },
      );
  }
}
