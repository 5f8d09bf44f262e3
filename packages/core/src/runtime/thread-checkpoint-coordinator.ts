/**
 * The checkpoint coordinator of a job spread over worker threads, in the main thread (Flink's
 * CheckpointCoordinator in the JobManager). It owns checkpoint ids and decides when to trigger
 * (interval, min pause, max concurrent, timeout), takes savepoints, and completes a checkpoint:
 * each worker thread (a participant: WorkerThreadDeployment's coordination, with a
 * CheckpointCoordinator in participant mode) snapshots its own
 * subtasks as the barriers pass them, writes their files into the checkpoint folder and reports
 * "acked"; once every worker acked, this coordinator writes `_metadata` (the commit point, last)
 * and tells every worker "complete", so operators get notifyCheckpointComplete (exactly-once
 * sinks commit then). A newer trigger subsumes checkpoints not yet acked by all, as in one thread.
 */
import { join } from "node:path";
import type { CheckpointingOptions } from "../api/config.js";
import { pruneCheckpoints } from "../checkpoint/retention.js";
import {
  type CheckpointMetadata,
  type CheckpointStorage,
  checkpointFolder,
  resolveCheckpointStorage,
  writeCheckpointMetadata,
} from "../checkpoint/storage.js";
import { settleWithin } from "../checkpoint/write-deadline.js";
import { FleuveError } from "../errors.js";
import type { JobMetrics } from "../metrics/registry.js";

/**
 * What the main thread tells a worker about checkpoints. A trigger has two phases: every worker
 * opens the checkpoint (`prepare`, answered with "prepared"), then every worker starts it at its
 * sources (`start`). A barrier crosses to another worker on a port of its own, which may be read
 * before that worker's port to the main thread: with two phases, no barrier can reach a worker
 * that does not know its checkpoint yet.
 */
export type CheckpointCommand =
  | { type: "prepare"; id: number; savepointDir?: string }
  | { type: "start"; id: number; stopSources: boolean }
  | { type: "complete"; id: number }
  | { type: "abort"; id: number };

interface PendingCheckpoint {
  readonly id: number;
  readonly startedAt: number;
  /** Workers that have not prepared yet (see {@link CheckpointCommand}). */
  readonly unprepared: Set<number>;
  /** Sources stop right after the barrier (stop-with-savepoint). */
  readonly stopSources: boolean;
  /** Workers that have not acked yet. */
  readonly waitingFor: Set<number>;
  readonly files: Record<string, { sha256: string; bytes: number }>;
  readonly references: Set<string>;
  readonly savepoint?: { dir: string; resolve: (path: string) => void; reject: (e: unknown) => void };
  /**
   * Set once every worker acked: `_metadata` is being written. Settles when the write does or when
   * the checkpoint timeout passes (the checkpoint is then aborted): nothing waits longer on a hung write.
   */
  writing?: Promise<void>;
  /** Resolves when the checkpoint completed, rejects when it was aborted (for the final one). */
  readonly completion: Promise<void>;
  readonly done: { resolve: () => void; reject: (e: unknown) => void };
}

/** Options of a {@link ThreadCheckpointCoordinator}. */
export interface ThreadCheckpointCoordinatorOptions {
  /** Periodic checkpoints (undefined: savepoints only). */
  readonly checkpointing: Required<CheckpointingOptions> | undefined;
  readonly jobName: string;
  readonly maxParallelism: number;
  /** Operator uid -> parallelism, source or not, and the file of each subtask, for `_metadata`. */
  readonly operators: CheckpointMetadata["operators"];
  /** Number of worker threads. */
  readonly workers: number;
  /** Id of the first checkpoint (one more than the restored one). */
  readonly firstId: number;
  /** Sends a command to worker `worker`. */
  readonly send: (worker: number, command: CheckpointCommand) => void;
  readonly log: (line: string) => void;
  /** Where completed and failed checkpoints are counted (the job's metrics), if anywhere. */
  readonly stats?: JobMetrics;
}

/** Coordinates the checkpoints of one attempt of a job spread over worker threads. */
export class ThreadCheckpointCoordinator {
  private nextId: number;
  private readonly pending = new Map<number, PendingCheckpoint>();
  private lastTrigger = Number.NEGATIVE_INFINITY;
  private lastCompletedAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Deletion of old checkpoints in progress (never rejects). */
  private pruning: Promise<void> = Promise.resolve();
  /** Id of the newest completed checkpoint (0: none yet in this attempt). */
  latestCompleted = 0;

  /** The highest checkpoint id triggered so far (firstId - 1: none). */
  get idsUsedUpTo(): number {
    return this.nextId - 1;
  }

  constructor(private readonly o: ThreadCheckpointCoordinatorOptions) {
    this.nextId = o.firstId;
  }

  private get storage(): CheckpointStorage {
    return resolveCheckpointStorage(this.o.checkpointing?.storage);
  }

  /** Starts periodic checkpoints (when configured). */
  start(): void {
    const c = this.o.checkpointing;
    if (!c) return;
    // Ticks often enough to honour the interval and notice timeouts; triggering is cheap.
    this.timer = setInterval(() => this.tick(performance.now()), Math.min(c.intervalMs, 100));
    this.timer.unref();
  }

  /** Triggers a periodic checkpoint when one is due; aborts timed-out ones. */
  private tick(now: number): void {
    const c = this.o.checkpointing!;
    // The timeout covers the whole checkpoint, its `_metadata` write included (Flink's).
    for (const p of this.pending.values()) {
      if (now - p.startedAt > c.timeoutMs) this.abort(p, this.timedOut(p));
    }
    if (
      this.pending.size < c.maxConcurrent &&
      now - this.lastTrigger >= c.intervalMs &&
      now - this.lastCompletedAt >= c.minPauseMs
    )
      this.trigger(now);
  }

  /** Starts a checkpoint (or savepoint) on every worker; returns it. */
  private trigger(
    now: number,
    savepoint?: PendingCheckpoint["savepoint"],
    stopSources = false,
  ): PendingCheckpoint {
    const id = this.nextId++;
    this.lastTrigger = now;
    // Workers drop the older alignment when a newer barrier arrives: older checkpoints that some
    // worker has not acked can no longer complete (as in one thread).
    for (const old of [...this.pending.values()])
      if (!old.writing) this.abort(old, `subsumed by checkpoint ${id}`, true);
    let done!: PendingCheckpoint["done"];
    const completion = new Promise<void>((resolve, reject) => {
      done = { resolve, reject };
    });
    completion.catch(() => {});
    const all = () => new Set(Array.from({ length: this.o.workers }, (_, w) => w));
    const p: PendingCheckpoint = {
      id,
      startedAt: now,
      unprepared: all(),
      stopSources,
      waitingFor: all(),
      files: {},
      references: new Set(),
      savepoint,
      completion,
      done,
    };
    this.pending.set(id, p);
    this.o.stats?.checkpointsInProgress.set(this.pending.size);
    for (let w = 0; w < this.o.workers; w++)
      this.o.send(w, { type: "prepare", id, ...(savepoint ? { savepointDir: savepoint.dir } : {}) });
    return p;
  }

  /** Takes a savepoint into `dir`; with `stopSources`, sources stop right after its barrier. */
  savepoint(dir: string, stopSources = false): Promise<string> {
    if (this.stopped)
      return Promise.reject(new FleuveError("FLEUVE_CHECKPOINT_FAILED", "the job is restarting or ended"));
    return new Promise((resolve, reject) => {
      this.trigger(performance.now(), { dir, resolve, reject }, stopSources);
    });
  }

  /** A final checkpoint once every worker's subtasks finished; resolves once it is complete. */
  async finalCheckpoint(): Promise<void> {
    if (!this.o.checkpointing) return;
    const p = this.trigger(performance.now());
    await p.completion;
    await this.pruning;
  }

  /** Worker `worker` opened checkpoint `id`; once every worker did, they start it. */
  prepared(worker: number, id: number): void {
    const p = this.pending.get(id);
    if (!p || p.unprepared.size === 0) return;
    p.unprepared.delete(worker);
    if (p.unprepared.size === 0)
      for (let w = 0; w < this.o.workers; w++)
        this.o.send(w, { type: "start", id, stopSources: p.stopSources });
  }

  /** Worker `worker` wrote its part of checkpoint `id`. */
  acked(worker: number, id: number, files: CheckpointMetadata["files"], references: readonly string[]): void {
    const p = this.pending.get(id);
    if (!p || p.writing) return; // aborted meanwhile
    p.waitingFor.delete(worker);
    Object.assign(p.files, files);
    for (const r of references) p.references.add(r);
    if (p.waitingFor.size === 0) this.persist(p);
  }

  /** Worker `worker` could not write its part of checkpoint `id`. */
  declined(worker: number, id: number, reason: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.abort(p, `worker ${worker}: ${reason}`);
    this.storage.remove(this.folderOf(p)).catch(() => {});
  }

  /** How long a checkpoint or savepoint may take, write included (Flink's default when not configured). */
  private get timeoutMs(): number {
    return this.o.checkpointing?.timeoutMs ?? 600_000;
  }

  /** Why `p` is aborted when its timeout passed: the timeout and where it was going. */
  private timedOut(p: PendingCheckpoint): string {
    const folder = this.folderOf(p);
    return p.writing
      ? `timed out after ${this.timeoutMs} ms: its write to ${folder} had not finished`
      : `timed out after ${this.timeoutMs} ms (target ${folder})`;
  }

  private folderOf(p: PendingCheckpoint): string {
    return p.savepoint ? p.savepoint.dir : join(this.o.checkpointing!.dir, checkpointFolder(p.id));
  }

  private persist(p: PendingCheckpoint): void {
    const folder = this.folderOf(p);
    const live = () => this.pending.get(p.id) === p;
    const work = writeCheckpointMetadata(
      folder,
      {
        checkpointId: p.id,
        kind: p.savepoint ? "savepoint" : "checkpoint",
        jobName: this.o.jobName,
        createdAt: new Date().toISOString(),
        maxParallelism: this.o.maxParallelism,
        operators: this.o.operators,
        files: p.files,
        references: [...p.references],
      },
      this.storage,
    ).then(
      () => {
        if (!live()) {
          // Landed after the checkpoint timed out: never restorable, never reported complete.
          this.o.log(`checkpoint ${p.id}: its write to ${folder} finished after it was aborted; deleting it`);
          this.storage.remove(folder).catch(() => {});
          return;
        }
        this.pending.delete(p.id);
        if (p.id > this.latestCompleted) this.latestCompleted = p.id;
        this.lastCompletedAt = performance.now();
        if (this.o.stats) {
          let bytes = 0;
          for (const f of Object.values(p.files)) bytes += f.bytes;
          this.o.stats.checkpointCompleted(this.lastCompletedAt - p.startedAt, bytes);
          this.o.stats.checkpointsInProgress.set(this.pending.size);
        }
        // Workers of a failed attempt are gone; the checkpoint is complete all the same, and
        // the restart restores it (sinks commit what it holds on restore).
        if (!this.stopped)
          for (let w = 0; w < this.o.workers; w++) this.o.send(w, { type: "complete", id: p.id });
        const c = this.o.checkpointing;
        if (!p.savepoint && c) {
          // One prune at a time, drained with the writes (as in one thread). A listing each time,
          // not a CheckpointPruner: a worker's part of an aborted checkpoint may still land.
          const newest = this.latestCompleted;
          this.pruning = this.pruning
            .then(() => pruneCheckpoints(c.dir, c.retained, newest, this.storage))
            .catch((e: unknown) => this.o.log(`could not delete old checkpoints: ${(e as Error).message}`));
        }
        p.savepoint?.resolve(folder);
        p.done.resolve();
      },
      (e: unknown) => {
        if (!live()) {
          // aborted already (and counted): only its leftovers go
          this.storage.remove(folder).catch(() => {});
          return;
        }
        this.pending.delete(p.id);
        this.o.stats?.checkpointsFailed.inc();
        this.o.stats?.checkpointsInProgress.set(this.pending.size);
        const err = new FleuveError(
          "FLEUVE_CHECKPOINT_FAILED",
          `checkpoint ${p.id} could not be written to ${folder}: ${(e as Error).message}`,
          { cause: e },
        );
        if (!this.stopped)
          for (let w = 0; w < this.o.workers; w++) this.o.send(w, { type: "abort", id: p.id });
        if (p.savepoint) p.savepoint.reject(err);
        else this.o.log(err.message);
        p.done.reject(err);
        this.storage.remove(folder).catch(() => {});
      },
    );
    p.writing = settleWithin(work, this.timeoutMs - (performance.now() - p.startedAt), () => {
      if (live()) this.abort(p, this.timedOut(p));
    });
  }

  private abort(p: PendingCheckpoint, why: string, quiet = false): void {
    this.pending.delete(p.id);
    // A subsumed checkpoint did not fail: its successor covers it.
    if (!quiet) this.o.stats?.checkpointsFailed.inc();
    this.o.stats?.checkpointsInProgress.set(this.pending.size);
    if (!this.stopped) for (let w = 0; w < this.o.workers; w++) this.o.send(w, { type: "abort", id: p.id });
    // A subsumed periodic checkpoint is routine (its successor covers it); say nothing then.
    if (!quiet || p.savepoint) this.o.log(`checkpoint ${p.id} aborted: ${why}`);
    const err = new FleuveError("FLEUVE_CHECKPOINT_FAILED", `checkpoint ${p.id} aborted: ${why}`);
    p.savepoint?.reject(
      new FleuveError("FLEUVE_CHECKPOINT_FAILED", `savepoint ${p.id} aborted: ${why}`, { cause: err }),
    );
    p.done.reject(err);
  }

  /**
   * Stops triggering (the attempt failed or ended): checkpoints not yet acked by every worker are
   * aborted; resolves once `_metadata` writes under way and prunes are done (a write no longer than
   * its checkpoint timeout allows). Returns the id of the newest completed checkpoint.
   */
  async stop(why: string): Promise<number> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const p of [...this.pending.values()]) if (!p.writing) this.abort(p, why, true);
    this.stopped = true;
    await Promise.allSettled([...this.pending.values()].map((p) => p.writing));
    await this.pruning;
    return this.latestCompleted;
  }
}
