/**
 * The task loop: runs the subtasks of this executor in one thread, scheduled cooperatively. A
 * subtask runs when it has input and room in its output channels (backpressure); steps are
 * synchronous and bounded, and the loop yields to the event loop every few milliseconds so I/O,
 * timers and Ctrl-C are served. Between rounds it flushes buffered outputs (buffer timeout) and
 * the deployment's links, fires due processing-time timers, and lets the checkpoint coordination
 * trigger checkpoints and savepoints; with nothing to do it sleeps until something can run.
 */

import { FleuveError } from "../errors.js";
import type { ProcessingTimeScheduler, SystemProcessingTime } from "../spi/processing-time.js";
import type {
  CheckpointCoordination,
  SavepointPart,
  SavepointPartWritten,
} from "./checkpoint-coordinator.js";
import type { Deployment } from "./deployment.js";
import type { Subtask } from "./subtask.js";

/** A savepoint asked for through the job client, waiting for the loop to start it. */
interface SavepointRequest {
  readonly dir: string;
  readonly stop: boolean;
  readonly resolve: (path: string) => void;
  readonly reject: (e: unknown) => void;
}

/** A savepoint part asked for (scale-out units), waiting for the loop to start it. */
interface SavepointPartRequest {
  readonly part: SavepointPart;
  readonly resolve: (written: SavepointPartWritten) => void;
  readonly reject: (e: unknown) => void;
}

/** What the task loop runs with. */
export interface TaskLoopOptions {
  /** Records a subtask handles per step at most. */
  readonly batchSize: number;
  /** 0: flush outputs after every step; otherwise the longest a partly filled batch waits (ms). */
  readonly bufferTimeoutMs: number;
  /** Interval of periodic checkpoints (ms), if any: the loop wakes up for them. */
  readonly checkpointIntervalMs: number | undefined;
  /** Processing time of operators. */
  readonly clock: ProcessingTimeScheduler;
  /** The system clock when it is `clock`: its timers run from the loop. */
  readonly systemClock: SystemProcessingTime | undefined;
  readonly deployment: Deployment;
}

/** Runs the subtasks of one attempt at a time until they all finish or the loop is cancelled. */
export class TaskLoop {
  private cancelled = false;
  /** Ends the current idle wait early. */
  private wakeUp: (() => void) | undefined;
  private readonly savepointRequests: SavepointRequest[] = [];
  private readonly partRequests: SavepointPartRequest[] = [];
  private readonly handOverRequests: { resolve: (id: number) => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly o: TaskLoopOptions) {}

  /** True once {@link cancel} was called. */
  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Stops the loop at its next round (for good: later runs return at once). */
  cancel(): void {
    this.cancelled = true;
    this.wake();
  }

  /** Ends an idle wait: something may be runnable (data arrived from another executor, a request came). */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * Takes a savepoint into `dir` at the loop's next round; resolves with its path once written.
   * With `stop`, the sources stop right after its barrier. Waits until an attempt with checkpoint
   * coordination runs.
   */
  requestSavepoint(dir: string, stop: boolean): Promise<string> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.savepointRequests.push({ dir, stop, resolve, reject });
      this.wake();
    });
  }

  /**
   * Takes a checkpoint that is also this executor's part of a savepoint of the whole job (see
   * {@link SavepointPart}) at the loop's next round; resolves once written and complete.
   */
  requestSavepointPart(part: SavepointPart): Promise<SavepointPartWritten> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.partRequests.push({ part, resolve, reject });
      this.wake();
    });
  }

  /**
   * Takes a last checkpoint with the sources stopped right after its barrier (a scale-out unit
   * moving to another process; see {@link CheckpointCoordination.handOver}) at the loop's next
   * round; resolves with its id once complete and its operators told.
   */
  requestHandOver(): Promise<number> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.handOverRequests.push({ resolve, reject });
      this.wake();
    });
  }

  /** Set once the job ended: requests that can no longer be served fail with it. */
  private ended: FleuveError | undefined;

  /**
   * The job ended (finished, failed or cancelled): savepoints and savepoint parts asked for now or
   * still queued fail, rather than wait for a loop that no longer runs.
   */
  endRequests(why: string): void {
    this.ended = new FleuveError("FLEUVE_CHECKPOINT_FAILED", `no savepoint: ${why}`);
    for (const r of this.partRequests.splice(0)) r.reject(this.ended);
    for (const r of this.handOverRequests.splice(0)) r.reject(this.ended);
    for (const r of this.savepointRequests.splice(0)) r.reject(this.ended);
  }

  /** Runs `subtasks` until all finished or the loop is cancelled; rejects with the first error. */
  async run(subtasks: readonly Subtask[], co: CheckpointCoordination | undefined): Promise<void> {
    const { batchSize, bufferTimeoutMs, clock, deployment } = this.o;
    const queue = this.o.systemClock?.queue;
    let lastYield = performance.now();
    let lastRound = lastYield;
    for (;;) {
      if (this.cancelled) return;
      let progressed = false;
      let unfinished = 0;
      // One clock read per round: each subtask's time since the last round is busy, idle or backpressured.
      const roundStart = performance.now();
      const elapsed = roundStart - lastRound;
      lastRound = roundStart;
      // Busy time: one clock read after each step, the time since the previous read (the round's
      // start or the previous step's end). The checks of subtasks that do not step in between
      // (a few field reads) count to the next step that runs.
      let lastRead = roundStart;
      for (let i = 0; i < subtasks.length; i++) {
        const st = subtasks[i]!;
        if (st.state === "finished") continue;
        st.accountTime(elapsed);
        unfinished++;
        if (st.canStep()) {
          st.step(batchSize);
          progressed = true;
          if (bufferTimeoutMs === 0) st.flushOutputs(0, 0, true);
          else st.notePending(Date.now());
          const stepEnd = performance.now();
          st.addBusyTime(stepEnd - lastRead);
          lastRead = stepEnd;
        }
      }
      deployment.flush();
      if (unfinished === 0) return;
      const now = clock.now();
      if (queue && queue.size > 0) queue.runDue(now);
      if (co) {
        co.notifyCompleted();
        if (this.savepointRequests.length > 0) {
          for (const r of this.savepointRequests.splice(0))
            co.savepoint(r.dir, now, r.stop).then(r.resolve, r.reject);
        }
        if (this.partRequests.length > 0) {
          for (const r of this.partRequests.splice(0)) {
            if (co.savepointPart) co.savepointPart(r.part, now).then(r.resolve, r.reject);
            else
              r.reject(
                new FleuveError(
                  "FLEUVE_CHECKPOINT_FAILED",
                  "this deployment takes no savepoint parts (only scale-out units do)",
                ),
              );
          }
        }
        if (this.handOverRequests.length > 0) {
          for (const r of this.handOverRequests.splice(0)) {
            if (co.handOver) co.handOver(now).then(r.resolve, r.reject);
            else
              r.reject(
                new FleuveError(
                  "FLEUVE_CHECKPOINT_FAILED",
                  "this deployment takes no hand-over checkpoints (only scale-out units do)",
                ),
              );
          }
        }
        if (co.tick(now)) progressed = true;
      }
      if (bufferTimeoutMs > 0) for (const st of subtasks) st.flushOutputs(now, bufferTimeoutMs, !progressed);
      if (!progressed) {
        for (const st of subtasks) if (st.state === "waiting") st.sourcePeriodic(now);
        deployment.flush();
        // Anything made runnable by the periodic work or timers above?
        if (subtasks.some((st) => st.canStep())) continue;
        await this.idleWait(subtasks, co, now);
        lastYield = performance.now();
      } else if (performance.now() - lastYield > 5) {
        await new Promise<void>((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
  }

  /** Sleeps until a source has data, a timer is due, a periodic duty is due, or {@link wake}. */
  private idleWait(
    subtasks: readonly Subtask[],
    co: CheckpointCoordination | undefined,
    now: number,
  ): Promise<void> {
    const waits: Promise<void>[] = [];
    let next = now + 50;
    for (const st of subtasks) {
      const w = st.waitingOn;
      if (w) waits.push(w);
      if (st.source && st.state !== "finished") next = Math.min(next, st.source.nextPeriodicTime());
    }
    const t = this.o.systemClock?.queue.nextTime();
    if (t !== undefined) next = Math.min(next, t);
    const interval = this.o.checkpointIntervalMs;
    if (interval !== undefined) next = Math.min(next, now + interval);
    if (co) waits.push(...co.writesInFlight);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, next - now));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
      for (const w of waits) w.then(done, done);
    });
  }
}
