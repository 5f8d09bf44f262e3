/**
 * Triggers checkpoints at the sources, collects every subtask's snapshot as the barriers pass,
 * writes them asynchronously (processing goes on), and tells operators when a checkpoint is
 * complete. Runs inside the executor loop: all calls are synchronous except the file writes.
 */

import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import type { CheckpointingOptions } from "../api/config.js";
import { CheckpointPruner } from "../checkpoint/retention.js";
import {
  type CheckpointMetadata,
  type CheckpointStorage,
  checkpointFolder,
  deferredSnapshotFile,
  resolveCheckpointStorage,
  writeCheckpoint,
  writeCheckpointPart,
} from "../checkpoint/storage.js";
import { settleWithin } from "../checkpoint/write-deadline.js";
import { FleuveError } from "../errors.js";
import type { LogFunction } from "../log.js";
import type { JobMetrics } from "../metrics/registry.js";
import type { ErrorPolicy } from "../spi/error-policy.js";
import { isExternalSnapshot } from "../spi/keyed-state-backend.js";
import type { OperatorSnapshot } from "../spi/operator.js";
import { collectStateFiles } from "../state/state-files.js";
import type { CheckpointAcknowledger, Subtask } from "./subtask.js";

/**
 * A checkpoint of this executor that is also its part of a savepoint of a whole job spread over
 * several executors that checkpoint on their own (the units of a scale-out job): the checkpoint is
 * taken and completed as any other (into the executor's checkpoint folder, transactions commit),
 * and the snapshots of `operators` are also written, in full (no changelog, no reference to an
 * earlier checkpoint), into `dir` as the file `file` (plus `<file>.deferred` and state files),
 * without `_metadata`: the deployment writes that once every part is in.
 */
export interface SavepointPart {
  /** The savepoint folder. */
  readonly dir: string;
  /** Name of this part's file, as a savepoint of the whole job names it (e.g. `task-3-1.bin`). */
  readonly file: string;
  /** Uids of the operators whose state goes into the part (the job's; not e.g. exchanges). */
  readonly operators: ReadonlySet<string>;
  /** Sources stop right after the barrier (stop-with-savepoint). */
  readonly stop: boolean;
  /**
   * Called with the checkpoint's id when it starts, before any operator snapshots: operators that
   * act on the savepoint (an exchange that forwards its barrier) look it up by that id.
   */
  readonly onTriggered?: (checkpointId: number) => void;
}

/** A {@link SavepointPart} written, and its checkpoint completed. */
export interface SavepointPartWritten {
  /** The executor's checkpoint that the part is. */
  readonly checkpointId: number;
  /** The part's files in the savepoint folder, with their checksums, for `_metadata`. */
  readonly files: CheckpointMetadata["files"];
}

/** A savepoint part being taken: the request and the part's snapshots so far. */
interface PartInProgress {
  readonly request: SavepointPart;
  /** Serialized snapshots of the part's operators, one per subtask acknowledged. */
  readonly snapshots: Buffer[];
  /** Sink snapshots, serialized once their asynchronous work is done. */
  readonly deferred: Record<string, OperatorSnapshot>;
  /** State files of backends that write their own. */
  readonly files: Map<string, Buffer>;
  readonly resolve: (written: SavepointPartWritten) => void;
  readonly reject: (e: unknown) => void;
}

/** A savepoint request waiting for its checkpoint. */
interface SavepointRequest {
  dir: string;
  resolve: (path: string) => void;
  reject: (e: unknown) => void;
}

interface Pending {
  readonly id: number;
  readonly startedAt: number;
  /** `performance.now()` at the start: the write's deadline runs on real time, whatever the job's clock. */
  readonly startedReal: number;
  readonly files: Map<string, Buffer>;
  acked: number;
  /** Earlier checkpoint folders whose state files this one references. */
  readonly references: Set<string>;
  /** Backend callbacks to run once this checkpoint is durable. */
  readonly onComplete: ((folder: string) => void)[];
  /** Asynchronous work of operators (sink flushes) the checkpoint waits for. */
  readonly readies: Promise<void>[];
  /**
   * Snapshots of operators that wait for asynchronous work (sinks), by file name: serialized
   * once that work is done, since it fills in what they hand over (e.g. a Kafka transaction's
   * producer id), which a restore needs to tell that transaction from a later one.
   */
  readonly deferred: Map<string, Record<string, OperatorSnapshot>>;
  readonly savepoint?: SavepointRequest;
  /** This checkpoint is also a part of a savepoint of the whole job. */
  readonly part?: PartInProgress;
  /** A unit's last checkpoint before it moves ({@link CheckpointCoordinator.handOver}). */
  handOver?: { resolve: (id: number) => void; reject: (e: unknown) => void };
  /**
   * The storage write under way; settles when it does or when the checkpoint timeout passes
   * (the checkpoint is then aborted), so that nothing waits on a hung write for longer.
   */
  writing?: Promise<void>;
  /** A participant's part is written; the checkpoint waits for the main thread's verdict. */
  written?: boolean;
}

/**
 * How the coordinator of one worker thread of a job (a participant) reports to the job's
 * coordinator in the main thread, which owns checkpoint ids and writes `_metadata`.
 */
export interface CheckpointParticipantReports {
  /**
   * This thread's part of checkpoint `id` is durably written: the checksums of its files and the
   * earlier checkpoint folders its state files build on, both for `_metadata`.
   */
  acked(id: number, files: CheckpointMetadata["files"], references: string[]): void;
  /** This thread could not write its part of checkpoint `id` (why). */
  declined(id: number, reason: string): void;
}

/** Describes a subtask for the coordinator. */
export interface SubtaskInfo {
  readonly subtask: Subtask;
  /** File name of its snapshots in a checkpoint folder. */
  readonly file: string;
  readonly isSource: boolean;
  readonly parallelism: number;
}

/** Operator uid -> parallelism, source flag and the files of its subtasks, for the metadata. */
export type CheckpointLayout = CheckpointMetadata["operators"];

/** What a {@link CheckpointCoordinator} coordinates and where it writes. */
export interface CheckpointCoordinatorOptions {
  /** Periodic checkpoints and where they go; undefined when only savepoints are taken. */
  readonly checkpointing: Required<CheckpointingOptions> | undefined;
  readonly jobName: string;
  readonly maxParallelism: number;
  /** The subtasks whose snapshots make up a checkpoint (every one acknowledges it). */
  readonly subtasks: readonly SubtaskInfo[];
  readonly layout: CheckpointLayout;
  /** Id of the first checkpoint of this attempt (after the restored one's). */
  readonly firstCheckpointId: number;
  readonly log: LogFunction;
  /** Processing time (ms), for the pause between checkpoints. */
  readonly clock: () => number;
  /** The job's error policy: a checkpoint waits for its dead letters to be flushed (see `DeadLetterPolicy.flush`). */
  readonly errorPolicy?: ErrorPolicy;
  /** Where completed and failed checkpoints are counted (the job's metrics), if anywhere. */
  readonly stats?: JobMetrics;
  /**
   * Keep the subtasks' snapshot files of periodic checkpoints inside `_metadata` when they are
   * small (see `writeCheckpoint`): one file to write per checkpoint. For a scale-out unit, whose
   * light checkpoints are its commits, every 100 ms by default.
   */
  readonly inlineSnapshots?: boolean;
}

/**
 * What the task loop and the restart policy need from the checkpoint coordination of one job
 * attempt. A {@link CheckpointCoordinator} does it all in this thread; a deployment spread over
 * several threads may trigger, acknowledge and complete checkpoints elsewhere.
 */
export interface CheckpointCoordination {
  /**
   * Called every loop round: triggers a periodic checkpoint when due, aborts timed-out ones and
   * rethrows a failure of an earlier one. Returns true if it did work.
   */
  tick(now: number): boolean;
  /** Tells the operators here of checkpoints completed since the last call. */
  notifyCompleted(): void;
  /** Takes a savepoint into `dir`; resolves with its path once written. With `stopSources`, sources stop after its barrier. */
  savepoint(dir: string, now: number, stopSources?: boolean): Promise<string>;
  /**
   * Takes a checkpoint that is also this executor's part of a savepoint of the whole job (see
   * {@link SavepointPart}); resolves once the part is written and the checkpoint complete.
   * Absent where the deployment takes whole savepoints itself.
   */
  savepointPart?(part: SavepointPart, now: number): Promise<SavepointPartWritten>;
  /**
   * A last checkpoint of an executor that checkpoints on its own (a scale-out unit moving to
   * another process), with the sources stopped right after its barrier: resolves with its id once
   * it is complete and the operators were told (sinks commit). Absent where that cannot be.
   */
  handOver?(now: number): Promise<number>;
  /** Checkpoint writes in flight, for the loop's idle wait. */
  readonly writesInFlight: Promise<void>[];
  /** Resolves when every checkpoint being written is done (before a restart or the end). */
  drain(): Promise<void>;
  /** A final checkpoint of a job whose subtasks all finished; resolves when written and notified. */
  finalCheckpoint(now: number): Promise<void>;
  /** Id of the newest completed checkpoint (0 when none). */
  readonly latestCompleted: number;
}

/** The checkpoint coordinator of one running job (one attempt), all in this thread. */
export class CheckpointCoordinator implements CheckpointAcknowledger, CheckpointCoordination {
  private nextId: number;
  private readonly pending = new Map<number, Pending>();
  private readonly completedToNotify: number[] = [];
  private lastTrigger = Number.NEGATIVE_INFINITY;
  private lastCompletedAt = Number.NEGATIVE_INFINITY;
  private failure: unknown;
  /** Id of the newest completed checkpoint. */
  latestCompleted = 0;
  private readonly bySubtask = new Map<Subtask, SubtaskInfo>();
  private readonly options: Required<CheckpointingOptions> | undefined;
  private readonly jobName: string;
  private readonly maxParallelism: number;
  private readonly subtasks: readonly SubtaskInfo[];
  private readonly operatorLayout: CheckpointLayout;
  private readonly log: LogFunction;
  private readonly clock: () => number;
  private readonly flushDeadLetters: (() => Promise<void>) | undefined;
  private readonly stats: JobMetrics | undefined;
  /** Set on a worker thread of a job spread over threads: see {@link participate}. */
  private participant: CheckpointParticipantReports | undefined;
  /** Where checkpoints go; savepoints too (the local disk when checkpointing is off). */
  private readonly storage: CheckpointStorage;
  /** Deletes old checkpoints, knowing those written here (none when checkpointing is off). */
  private readonly pruner: CheckpointPruner | undefined;
  /** Files of a periodic checkpoint kept inside its `_metadata` when small (see `inlineSnapshots`). */
  private readonly inline: ReadonlySet<string>;

  constructor(o: CheckpointCoordinatorOptions) {
    this.options = o.checkpointing;
    this.storage = resolveCheckpointStorage(o.checkpointing?.storage);
    const policy = o.errorPolicy;
    this.flushDeadLetters =
      typeof policy === "object" && typeof policy.flush === "function" ? () => policy.flush!() : undefined;
    this.jobName = o.jobName;
    this.maxParallelism = o.maxParallelism;
    this.subtasks = o.subtasks;
    this.operatorLayout = o.layout;
    this.nextId = o.firstCheckpointId;
    this.log = o.log;
    this.clock = o.clock;
    this.stats = o.stats;
    this.pruner =
      o.checkpointing && new CheckpointPruner(o.checkpointing.dir, o.checkpointing.retained, this.storage);
    this.inline = new Set(
      o.inlineSnapshots ? o.subtasks.flatMap((s) => [s.file, deferredSnapshotFile(s.file)]) : [],
    );
    for (const s of this.subtasks) {
      this.bySubtask.set(s.subtask, s);
      s.subtask.acknowledger = this;
    }
  }

  /**
   * Makes this coordinator one participant of a job spread over worker threads: it no longer
   * triggers, times out or completes checkpoints itself; the main thread's coordinator does
   * (Flink's JobManager), through {@link triggerAs}, {@link completeAs} and {@link abortAs}.
   * This thread writes the files of its subtasks and reports them with `reports`.
   */
  participate(reports: CheckpointParticipantReports): void {
    this.participant = reports;
  }

  /**
   * Participant, first phase: opens checkpoint `id` (a savepoint into `savepointDir` when given)
   * here, so that this thread's subtasks can acknowledge its barrier, which may come from another
   * thread's sources as soon as {@link startAs} runs there.
   */
  prepareAs(id: number, now: number, savepointDir: string | undefined): void {
    this.nextId = id + 1;
    const savepoint =
      savepointDir === undefined ? undefined : { dir: savepointDir, resolve: () => {}, reject: () => {} };
    this.begin(id, now, savepoint);
  }

  /** Participant, second phase (every thread prepared `id`): starts it at the sources here. */
  startAs(id: number, stopSources: boolean): void {
    const p = this.pending.get(id);
    if (!p) return; // aborted meanwhile
    this.triggerLocalSources(p, stopSources);
    // A thread without subtasks (more threads than subtasks) has nothing to wait for.
    if (this.subtasks.length === 0 && !p.writing && !p.written) this.persist(p);
  }

  /** Participant: checkpoint `id` is complete (its `_metadata` is written): notify the operators. */
  completeAs(id: number): void {
    const p = this.pending.get(id);
    if (p) {
      for (const cb of p.onComplete) cb(checkpointFolder(id));
      this.pending.delete(id);
    }
    this.completedToNotify.push(id);
    if (id > this.latestCompleted) this.latestCompleted = id;
    this.lastCompletedAt = this.clock();
    this.notifyCompleted();
  }

  /** Participant: checkpoint `id` was aborted by the main thread. */
  abortAs(id: number): void {
    this.pending.delete(id);
    this.releaseAlignments(id);
  }

  /** Subtasks here aligning on aborted checkpoint `id` read their blocked channels again. */
  private releaseAlignments(id: number): void {
    for (const info of this.subtasks) info.subtask.abortCheckpoint(id);
  }

  /** Number of checkpoints in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Triggers a periodic checkpoint when one is due; aborts timed-out ones. Returns true if it did work. */
  tick(now: number): boolean {
    if (this.failure) {
      const f = this.failure;
      this.failure = undefined;
      throw f;
    }
    if (this.participant) return false;
    // The timeout covers the whole checkpoint, its write included (Flink's), and savepoints of
    // jobs without periodic checkpoints.
    const timeoutMs = this.timeoutMs;
    for (const p of this.pending.values()) {
      if (now - p.startedAt > timeoutMs) this.abort(p, this.timedOut(p));
    }
    const o = this.options;
    if (!o) return false;
    if (
      !this.handingOver &&
      this.pending.size < o.maxConcurrent &&
      !this.savepointPending() &&
      now - this.lastTrigger >= o.intervalMs &&
      now - this.lastCompletedAt >= o.minPauseMs
    ) {
      this.trigger(now);
      return true;
    }
    return false;
  }

  /** How long a checkpoint or savepoint may take, write included (Flink's default when not configured). */
  private get timeoutMs(): number {
    return this.options?.timeoutMs ?? 600_000;
  }

  /** The folder checkpoint `p` is written into. */
  private folderOf(p: Pending): string {
    return p.savepoint ? p.savepoint.dir : join(this.options!.dir, checkpointFolder(p.id));
  }

  /** Why `p` is aborted when its timeout passed: the timeout and where it was going. */
  private timedOut(p: Pending): string {
    const where = p.savepoint || this.options ? this.folderOf(p) : "";
    const target = p.part ? `${where} and ${p.part.request.dir}` : where;
    return p.writing
      ? `timed out after ${this.timeoutMs} ms: its write to ${target} had not finished`
      : `timed out after ${this.timeoutMs} ms (target ${target})`;
  }

  /** True while `p` is in flight: neither completed nor aborted. */
  private live(p: Pending): boolean {
    return this.pending.get(p.id) === p;
  }

  /**
   * `work` (the write of `p`) bounded by what is left of the checkpoint timeout: past it, `p` is
   * aborted (if still in flight) and the returned promise settles; `work` may land later, and
   * its handlers must then treat `p` as aborted (see {@link live}).
   */
  private bounded(p: Pending, work: Promise<void>): Promise<void> {
    const left = this.timeoutMs - (performance.now() - p.startedReal);
    return settleWithin(work, left, () => {
      if (this.live(p)) this.abort(p, this.timedOut(p));
    });
  }

  /** True while a savepoint (or a savepoint part) is in flight: a periodic one would subsume it. */
  private savepointPending(): boolean {
    for (const p of this.pending.values()) if (p.savepoint || p.part || p.handOver) return true;
    return false;
  }

  /** Starts checkpoint (or savepoint) now. With `stopSources`, sources stop right after its barrier. */
  trigger(now: number, savepoint?: SavepointRequest, stopSources = false, part?: PartInProgress): number {
    const p = this.begin(this.nextId++, now, savepoint, part);
    part?.request.onTriggered?.(p.id);
    this.triggerLocalSources(p, stopSources);
    return p.id;
  }

  /** Opens checkpoint `id`, which subsumes older ones not yet written. */
  private begin(
    id: number,
    now: number,
    savepoint: SavepointRequest | undefined,
    part?: PartInProgress,
  ): Pending {
    this.lastTrigger = now;
    // A task that sees a newer barrier drops the older alignment, so older unacknowledged
    // checkpoints can no longer complete: abort them (Flink subsumes them likewise).
    for (const old of [...this.pending.values()])
      if (!old.writing && !old.written) this.abort(old, `subsumed by checkpoint ${id}`, true);
    const p: Pending = {
      id,
      startedAt: now,
      startedReal: performance.now(),
      files: new Map(),
      acked: 0,
      references: new Set(),
      onComplete: [],
      readies: [],
      deferred: new Map(),
      savepoint,
      ...(part ? { part } : {}),
    };
    this.pending.set(id, p);
    if (!this.participant) this.stats?.checkpointsInProgress.set(this.pending.size);
    return p;
  }

  /**
   * Starts checkpoint `p` at the source subtasks here, and at subtasks whose inputs all ended but
   * that wait for a gate to finish; finished subtasks take their part at once.
   */
  private triggerLocalSources(p: Pending, stopSources: boolean): void {
    for (const info of this.subtasks) {
      const st = info.subtask;
      if (st.state === "finished") {
        // (a participant: one that finished after its barrier passed has acknowledged already)
        if (!p.files.has(info.file)) this.acknowledge(p.id, st, st.snapshotFinished(p.id));
      } else if (info.isSource) {
        st.triggerCheckpoint(p.id);
        if (stopSources) st.suspend();
      } else if (st.waitingToFinish) {
        // Its inputs all ended (no barrier will come) while a gate holds its last records: it
        // takes its part here, held records included, as Flink triggers tasks whose upstream finished.
        st.triggerCheckpoint(p.id);
      }
    }
  }

  /** Takes a savepoint into `dir` (resolves with its path once written). */
  savepoint(dir: string, now: number, stopSources = false): Promise<string> {
    return new Promise((resolve, reject) => {
      this.trigger(now, { dir, resolve, reject }, stopSources);
    });
  }

  /** See {@link CheckpointCoordination.handOver}. */
  handOver(now: number): Promise<number> {
    if (this.participant || !this.options) {
      return Promise.reject(
        new FleuveError(
          "FLEUVE_CHECKPOINT_FAILED",
          "a hand-over checkpoint needs an executor that checkpoints on its own (a scale-out unit)",
        ),
      );
    }
    // its checkpoint is the executor's last: none follows, which the next owner would not restore
    this.handingOver = true;
    return new Promise((resolve, reject) => {
      const id = this.trigger(now, undefined, true);
      // acknowledgements come from the loop's next steps, so nothing completed it yet
      this.pending.get(id)!.handOver = { resolve, reject };
    });
  }

  /** Takes a checkpoint that is also a part of a savepoint of the whole job (see {@link SavepointPart}). */
  savepointPart(request: SavepointPart, now: number): Promise<SavepointPartWritten> {
    if (this.participant || !this.options) {
      return Promise.reject(
        new FleuveError(
          "FLEUVE_CHECKPOINT_FAILED",
          "a savepoint part needs an executor that checkpoints on its own (a scale-out unit)",
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.trigger(now, undefined, request.stop, {
        request,
        snapshots: [],
        deferred: {},
        files: new Map(),
        resolve,
        reject,
      });
    });
  }

  /**
   * The savepoint part's copy of a subtask's snapshots (its operators only), taken before the
   * checkpoint's own handling changes them: keyed state in full (a changelog backend's standalone
   * snapshot; files of backends that write their own copied in), serialized now.
   */
  private takePart(part: PartInProgress, subtask: Subtask, snapshots: OperatorSnapshot[]): void {
    const own: Record<string, OperatorSnapshot> = {};
    subtask.operatorIds.forEach((uid, k) => {
      if (!part.request.operators.has(uid)) return;
      const { ready, ...stored } = snapshots[k]!;
      if (ready) {
        // serialized once the sink's work is done, as the checkpoint's copy (the same objects)
        part.deferred[uid] = stored;
        return;
      }
      const keyed = stored.keyed;
      if (keyed !== undefined && isExternalSnapshot(keyed)) {
        if (keyed.standalone) own[uid] = { ...stored, keyed: keyed.standalone() };
        else {
          // files of a backend that writes its own (LMDB): copied into the savepoint folder
          const copy = {
            ...keyed,
            files: keyed.files.map((f) => ({ ...f })),
            references: keyed.references.map((r) => ({ ...r })),
          };
          delete copy.onComplete;
          delete copy.persist;
          const one = { [uid]: { ...stored, keyed: copy } };
          const collected = collectStateFiles(one, part.request.file, {
            checkpointRoot: this.options?.dir,
            savepoint: true,
          });
          for (const [name, bytes] of collected.files) part.files.set(name, bytes);
          own[uid] = one[uid]!;
        }
      } else own[uid] = stored;
    });
    part.snapshots.push(serialize(own));
  }

  /** The files of a savepoint part: its subtasks' snapshots merged into one file, as one subtask of the job. */
  private partFiles(part: PartInProgress): Map<string, Buffer> {
    const merged: Record<string, OperatorSnapshot> = {};
    for (const b of part.snapshots) Object.assign(merged, deserialize(b) as Record<string, OperatorSnapshot>);
    const files = new Map(part.files);
    files.set(part.request.file, serialize(merged));
    if (Object.keys(part.deferred).length > 0)
      files.set(deferredSnapshotFile(part.request.file), serialize(part.deferred));
    return files;
  }

  acknowledge(checkpointId: number, subtask: Subtask, snapshots: OperatorSnapshot[]): void {
    const p = this.pending.get(checkpointId);
    if (!p) return; // aborted meanwhile
    const info = this.bySubtask.get(subtask)!;
    if (p.part) {
      try {
        this.takePart(p.part, subtask, snapshots);
      } catch (e) {
        this.abort(p, `its savepoint part could not be taken: ${(e as Error).message}`);
        return;
      }
    }
    const byUid: Record<string, OperatorSnapshot> = {};
    const deferred: Record<string, OperatorSnapshot> = {};
    let hasDeferred = false;
    subtask.operatorIds.forEach((uid, k) => {
      const { ready, ...stored } = snapshots[k]!;
      if (ready) {
        p.readies.push(ready);
        deferred[uid] = stored;
        hasDeferred = true;
      } else byUid[uid] = stored;
    });
    // Letters this subtask rejected before the barrier are handed over: the checkpoint waits
    // until they are acknowledged (they would be lost if it completed first and the job crashed).
    if (this.flushDeadLetters) p.readies.push(this.flushDeadLetters());
    let data: Buffer;
    try {
      // State files of backends that write their own go into the folder next to this file.
      const own = collectStateFiles(byUid, info.file, {
        checkpointRoot: this.options?.dir,
        savepoint: p.savepoint !== undefined,
      });
      for (const [name, bytes] of own.files) p.files.set(name, bytes);
      for (const r of own.references) p.references.add(r);
      p.onComplete.push(...own.onComplete);
      p.readies.push(...own.persists);
      // Serialize now: the snapshot references live state that the next record will change.
      // (Sink snapshots hold only what they handed over, serialized once their work is done.)
      data = serialize(byUid);
      if (hasDeferred) p.deferred.set(deferredSnapshotFile(info.file), deferred);
    } catch (e) {
      this.failure = new FleuveError(
        "FLEUVE_CHECKPOINT_FAILED",
        `checkpoint ${checkpointId}: state of '${subtask.name}' cannot be serialized (state must be plain data: objects, arrays, Maps, Sets, numbers, strings, bigints, Dates): ${(e as Error).message}`,
        { cause: e },
      );
      this.pending.delete(checkpointId);
      return;
    }
    if (!p.files.has(info.file)) p.acked++;
    p.files.set(info.file, data);
    if (p.acked === this.subtasks.length) this.persist(p);
  }

  private persist(p: Pending): void {
    const folder = this.folderOf(p);
    // Sinks that flush asynchronously (Kafka) must have their prepared data acknowledged first.
    const timeoutMs = this.timeoutMs;
    const ready =
      p.readies.length === 0
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const t = setTimeout(
              () => reject(new Error(`sinks did not confirm their prepared data within ${timeoutMs} ms`)),
              timeoutMs,
            );
            Promise.all(p.readies).then(
              () => {
                clearTimeout(t);
                resolve();
              },
              (e) => {
                clearTimeout(t);
                reject(e);
              },
            );
          });
    const serialized = ready.then(() => {
      for (const [name, snaps] of p.deferred) p.files.set(name, serialize(snaps));
    });
    const reports = this.participant;
    if (reports) {
      // This thread's part only: the main thread writes `_metadata` once every thread's part is in.
      const work = serialized
        .then(() => writeCheckpointPart(folder, p.files, this.storage))
        .then(
          (sums) => {
            if (!this.live(p)) return; // aborted meanwhile (by the main thread, or timed out)
            p.writing = undefined;
            p.written = true;
            reports.acked(p.id, sums, [...p.references]);
          },
          (e: unknown) => {
            if (!this.live(p)) return;
            this.pending.delete(p.id);
            reports.declined(p.id, `could not be written to ${folder}: ${(e as Error).message}`);
          },
        );
      const left = timeoutMs - (performance.now() - p.startedReal);
      p.writing = settleWithin(work, left, () => {
        if (!this.live(p)) return;
        this.pending.delete(p.id);
        reports.declined(p.id, this.timedOut(p));
      });
      return;
    }
    let partSums: CheckpointMetadata["files"] = {};
    let written: string[] = [];
    const part = p.part;
    const work = serialized
      .then(async () => {
        // The part first: the checkpoint completes (and its transactions commit) only with it.
        if (part) partSums = await writeCheckpointPart(part.request.dir, this.partFiles(part), this.storage);
      })
      .then(() =>
        writeCheckpoint(
          folder,
          p.files,
          {
            checkpointId: p.id,
            kind: p.savepoint ? "savepoint" : "checkpoint",
            jobName: this.jobName,
            createdAt: new Date().toISOString(),
            maxParallelism: this.maxParallelism,
            operators: this.operatorLayout,
            references: [...p.references],
          },
          this.storage,
          p.savepoint ? undefined : this.inline,
        ).then((names) => {
          written = names;
        }),
      )
      .then(
        () => {
          if (!this.live(p)) {
            // Landed after the checkpoint was aborted (timed out): never restorable, never
            // reported complete, so its transactions are not committed on it; the folder goes.
            this.log(
              `checkpoint ${p.id}: its write to ${folder} finished after it was aborted; deleting it`,
              {
                level: "warn",
                checkpoint: p.id,
              },
            );
            this.storage.remove(folder, written).catch(() => {});
            return;
          }
          for (const cb of p.onComplete) cb(checkpointFolder(p.id));
          this.pending.delete(p.id);
          this.completedToNotify.push(p.id);
          if (p.id > this.latestCompleted) this.latestCompleted = p.id;
          this.lastCompletedAt = this.clock();
          if (this.stats) {
            let bytes = 0;
            for (const f of p.files.values()) bytes += f.length;
            this.stats.checkpointCompleted(this.lastCompletedAt - p.startedAt, bytes);
            this.stats.checkpointsInProgress.set(this.pending.size);
          }
          const pruner = this.pruner;
          if (!p.savepoint && pruner) {
            pruner.completed(p.id, folder, [...p.references], written);
            // One prune at a time, and drained with the writes: a restore or a caller that lists
            // the folders after the job must not meet a prune half done.
            const newest = this.latestCompleted;
            this.pruning = this.pruning
              .then(() => pruner.prune(newest))
              .catch((e: unknown) =>
                this.log(`could not delete old checkpoints: ${(e as Error).message}`, { level: "warn" }),
              );
          }
          p.savepoint?.resolve(folder);
          part?.resolve({ checkpointId: p.id, files: partSums });
          // once its operators were told (notifyCompleted): its transactions are committing then
          if (p.handOver) this.notifiedThen.set(p.id, p.handOver.resolve);
        },
        (e: unknown) => {
          if (!this.live(p)) {
            // aborted already (and counted): only its leftovers go
            this.storage.remove(folder).catch(() => {});
            return;
          }
          this.pending.delete(p.id);
          this.stats?.checkpointsFailed.inc();
          this.stats?.checkpointsInProgress.set(this.pending.size);
          const err = new FleuveError(
            "FLEUVE_CHECKPOINT_FAILED",
            `checkpoint ${p.id} could not be written to ${folder}: ${(e as Error).message}`,
            {
              cause: e,
            },
          );
          if (p.savepoint) p.savepoint.reject(err);
          else this.log(err.message, { level: "warn" });
          part?.reject(err);
          p.handOver?.reject(err);
          if (!p.savepoint) this.pruner?.failed(p.id, folder);
          this.storage.remove(folder).catch(() => {});
        },
      );
    p.writing = this.bounded(p, work);
  }

  private abort(p: Pending, why: string, quiet = false): void {
    this.pending.delete(p.id);
    this.releaseAlignments(p.id);
    if (this.participant) return; // the main thread decides and says why
    // A subsumed checkpoint did not fail: its successor covers it.
    if (!quiet) this.stats?.checkpointsFailed.inc();
    this.stats?.checkpointsInProgress.set(this.pending.size);
    // a write cut short may have left files (deleted at the next prune, unless it lands: then at once)
    if (p.writing && !p.savepoint && this.options) this.pruner?.failed(p.id, this.folderOf(p));
    // A subsumed periodic checkpoint is routine (its successor covers it); say nothing then.
    if (!quiet || p.savepoint || p.part)
      this.log(`checkpoint ${p.id} aborted: ${why}`, { level: "warn", checkpoint: p.id });
    p.savepoint?.reject(new FleuveError("FLEUVE_CHECKPOINT_FAILED", `savepoint ${p.id} aborted: ${why}`));
    p.part?.reject(
      new FleuveError("FLEUVE_CHECKPOINT_FAILED", `checkpoint ${p.id} (a savepoint part) aborted: ${why}`),
    );
    p.handOver?.reject(
      new FleuveError("FLEUVE_CHECKPOINT_FAILED", `checkpoint ${p.id} (a hand-over) aborted: ${why}`),
    );
  }

  /** Set by {@link handOver}: no periodic checkpoint is triggered any more. */
  private handingOver = false;

  /** Hand-over checkpoints completed, resolved once their operators are told (see {@link handOver}). */
  private readonly notifiedThen = new Map<number, (id: number) => void>();

  /** Notifies operators of completed checkpoints (called from the executor loop). */
  notifyCompleted(): void {
    while (this.completedToNotify.length > 0) {
      const id = this.completedToNotify.shift()!;
      for (const info of this.subtasks) {
        for (const op of info.subtask.operators) op.notifyCheckpointComplete(id);
      }
      this.notifiedThen.get(id)?.(id);
      this.notifiedThen.delete(id);
    }
  }

  /**
   * Resolves when every checkpoint being written is done, or aborted because its timeout passed
   * (a hung write is not waited for longer), and deletions of old checkpoints are done or have
   * taken as long as a checkpoint may.
   */
  async drain(): Promise<void> {
    const writes = [...this.pending.values()].map((p) => p.writing).filter(Boolean);
    await Promise.allSettled(writes);
    await settleWithin(this.pruning, this.timeoutMs, () =>
      this.log(`deleting old checkpoints took over ${this.timeoutMs} ms; not waiting for it`, {
        level: "warn",
      }),
    );
  }

  /** Deletion of old checkpoints in progress (never rejects). */
  private pruning: Promise<void> = Promise.resolve();

  /** Pending writes, for the executor's idle wait. */
  get writesInFlight(): Promise<void>[] {
    return [...this.pending.values()]
      .map((p) => p.writing)
      .filter((w): w is Promise<void> => w !== undefined);
  }

  /** A final checkpoint of a job whose subtasks all finished; resolves when written and notified. */
  async finalCheckpoint(now: number): Promise<void> {
    if (!this.options) return;
    const id = this.trigger(now);
    const p = this.pending.get(id);
    if (p?.writing) await p.writing;
    else if (this.pending.has(id))
      throw new FleuveError("FLEUVE_CHECKPOINT_FAILED", `final checkpoint ${id} did not complete`);
    if (this.failure) throw this.failure;
    this.notifyCompleted();
    await this.pruning;
  }
}
