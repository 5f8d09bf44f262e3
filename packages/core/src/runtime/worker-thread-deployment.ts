/**
 * One worker thread's share of a job spread over worker threads (`runJob(module, { threads })`):
 * subtask j of every task runs on worker `j % workers` (Flink's slot sharing), and channels to
 * subtasks of other workers go through a {@link PeerLink} per peer worker. Checkpoints are
 * coordinated by the main thread (thread-checkpoint-coordinator.ts); this worker takes part in
 * them through a {@link CheckpointParticipant}.
 */
import { restoreFor } from "../checkpoint/restore.js";
import type { LoadedCheckpoint } from "../checkpoint/storage.js";
import { FleuveError } from "../errors.js";
import type { JobMetricsSnapshot, MetricsSnapshot, OperatorMetricsSnapshot } from "../metrics/registry.js";
import type { OperatorRestore } from "../spi/operator.js";
import type { Channel, OutputChannel } from "./channel.js";
import {
  type CheckpointCoordination,
  CheckpointCoordinator,
  type CheckpointCoordinatorOptions,
  type CheckpointParticipantReports,
} from "./checkpoint-coordinator.js";
import type { Deployment, OperatorToRestore } from "./deployment.js";
import type { PeerLink } from "./remote-channel.js";
import type { CheckpointCommand } from "./thread-checkpoint-coordinator.js";

/** What a worker thread reports to the main thread about checkpoints and its end. */
export interface WorkerReports extends CheckpointParticipantReports {
  /** This worker opened checkpoint `id` (the first phase of a trigger). */
  prepared(id: number): void;
  /** Every subtask of this worker finished: it waits (operators open) for the final checkpoint. */
  finished(): void;
  /**
   * Asks the main thread for what it holds of the job's metrics (see {@link JobMetricsShare});
   * absent: the worker's own metrics are all its sources see.
   */
  jobMetrics?(): Promise<JobMetricsShare>;
}

/**
 * The main thread's answer to a worker asking for the job's metrics: the job-wide figures it keeps
 * (restarts, checkpoints) and each other worker's operators, which it asked them for (or, from a
 * worker that did not answer within a second, as that worker last reported them), by worker index
 * (`null` for the asking worker, which adds its own).
 */
export interface JobMetricsShare {
  readonly job: JobMetricsSnapshot;
  readonly threads: readonly (readonly OperatorMetricsSnapshot[] | null)[];
}

/**
 * What the main thread tells a worker: checkpoint commands, `stop` once a stop-with-savepoint is
 * complete, and `end` once every worker finished and the final checkpoint is complete.
 */
export type WorkerCommand = CheckpointCommand | { type: "stop"; savepointDir: string } | { type: "end" };

/** Worker `worker` of `workers`, linked to each peer worker. */
export class WorkerThreadDeployment implements Deployment {
  readonly kind = "worker-thread";
  /** The links as an array: the task loop flushes them every round. */
  private readonly linkList: readonly PeerLink[];

  constructor(
    readonly worker: number,
    readonly workers: number,
    /** peer worker index -> link */
    readonly links: ReadonlyMap<number, PeerLink>,
    /** Where checkpoint acknowledgements and the end of this worker's input go (the main thread). */
    private readonly reports: WorkerReports,
  ) {
    this.linkList = [...links.values()];
  }

  /** Commands of the main thread not yet taken by the coordination (it takes them in the task loop). */
  private readonly inbox: CheckpointCommand[] = [];
  /** Set by `end` or `stop`: the job ends, this worker's final wait is over. */
  private ended = false;
  /** Wakes the task loop (set by the executor). */
  private wake: () => void = () => {};
  /** Wakes the participant's final wait, when it waits. */
  private commandArrived: (() => void) | undefined;

  /** Takes a command of the main thread (called on each message). */
  control(command: WorkerCommand): void {
    if (command.type === "end" || command.type === "stop") this.ended = true;
    else this.inbox.push(command);
    this.wake();
    this.commandArrived?.();
  }

  /** The worker that runs subtask `subtask` of every task. */
  workerOf(subtask: number): number {
    return subtask % this.workers;
  }

  runsHere(subtask: number): boolean {
    return subtask % this.workers === this.worker;
  }

  remoteOutput(channelId: number, _sender: number, receiver: number, capacity: number): OutputChannel {
    return this.linkTo(this.workerOf(receiver)).sender(channelId, capacity);
  }

  remoteInput(channelId: number, sender: number, _receiver: number, channel: Channel): void {
    this.linkTo(this.workerOf(sender)).receiver(channelId, channel);
  }

  private linkTo(peer: number): PeerLink {
    const l = this.links.get(peer);
    if (!l) {
      throw new FleuveError(
        "FLEUVE_JOB_FAILED",
        `internal error: worker ${this.worker} of ${this.workers} has no link to worker ${peer}`,
      );
    }
    return l;
  }

  restore(checkpoint: LoadedCheckpoint, op: OperatorToRestore): OperatorRestore | undefined {
    return restoreFor(checkpoint, op);
  }

  /** A checkpoint of a job spread over threads is one checkpoint of the whole job. */
  checkpointHolds(_subtask: number): boolean {
    return true;
  }

  /** This worker's part in the checkpoints the main thread coordinates (savepoints included). */
  coordinate(options: CheckpointCoordinatorOptions): CheckpointCoordination {
    const local = new CheckpointCoordinator(options);
    local.participate(this.reports);
    return new CheckpointParticipant(local, this, this.reports, options.clock);
  }

  /** The commands of the main thread that came since the last call (for the participant). */
  takeCommands(): CheckpointCommand[] {
    return this.inbox.splice(0);
  }

  /** True once the main thread said the job ends. */
  get jobEnded(): boolean {
    return this.ended;
  }

  /** Resolves when the next command of the main thread arrives. */
  nextCommand(): Promise<void> {
    return new Promise((resolve) => {
      this.commandArrived = () => {
        this.commandArrived = undefined;
        resolve();
      };
    });
  }

  onArrival(wake: () => void): void {
    for (const l of this.linkList) l.onArrivalHook = wake;
    this.wake = wake;
  }

  flush(): void {
    const ls = this.linkList;
    for (let i = 0; i < ls.length; i++) ls[i]!.flush();
  }

  /**
   * The whole job's metrics, as the main thread's Prometheus endpoint shows them: the main thread's
   * job-wide figures and the other workers' operators, with this worker's own (`local()`, taken
   * when the answer comes) in its place, in worker order.
   */
  jobMetrics(local: () => MetricsSnapshot): Promise<MetricsSnapshot> {
    const ask = this.reports.jobMetrics;
    if (ask === undefined) return Promise.resolve(local());
    return ask.call(this.reports).then((share) => {
      const own = local().operators;
      const operators: OperatorMetricsSnapshot[] = [];
      for (let w = 0; w < Math.max(share.threads.length, this.worker + 1); w++)
        operators.push(...(w === this.worker ? own : (share.threads[w] ?? [])));
      return { job: share.job, operators };
    });
  }
}

/**
 * A worker thread's checkpoint coordination: a {@link CheckpointCoordinator} in participant mode
 * that the main thread drives. Commands are taken in the task loop's `tick` (between steps, and
 * only once the operators are open), so a trigger starts a checkpoint at the local sources exactly
 * where a periodic trigger would in one thread.
 */
export class CheckpointParticipant implements CheckpointCoordination {
  constructor(
    private readonly local: CheckpointCoordinator,
    private readonly deployment: WorkerThreadDeployment,
    private readonly reports: WorkerReports,
    private readonly clock: () => number,
  ) {}

  tick(now: number): boolean {
    const commands = this.deployment.takeCommands();
    for (const c of commands) {
      switch (c.type) {
        case "prepare":
          this.local.prepareAs(c.id, now, c.savepointDir);
          this.reports.prepared(c.id);
          break;
        case "start":
          this.local.startAs(c.id, c.stopSources);
          break;
        case "complete":
          this.local.completeAs(c.id);
          break;
        case "abort":
          this.local.abortAs(c.id);
          break;
      }
    }
    // rethrows a snapshot that failed (state that cannot be serialized): the worker fails
    this.local.tick(now);
    return commands.length > 0;
  }

  notifyCompleted(): void {
    this.local.notifyCompleted();
  }

  /**
   * The main thread takes savepoints; the executor asks for one here only to stop after a
   * stop-with-savepoint the main thread already completed (see worker-entry.ts): resolves at once.
   */
  savepoint(dir: string): Promise<string> {
    return Promise.resolve(dir);
  }

  get writesInFlight(): Promise<void>[] {
    return this.local.writesInFlight;
  }

  drain(): Promise<void> {
    return this.local.drain();
  }

  /**
   * Every local subtask finished: tells the main thread, then keeps taking part in checkpoints
   * (finished subtasks stay open, so sinks commit their last transaction on the final one) until
   * the main thread says the job ends.
   */
  async finalCheckpoint(_now: number): Promise<void> {
    if (!this.deployment.jobEnded) this.reports.finished();
    while (!this.deployment.jobEnded) {
      await this.deployment.nextCommand();
      this.tick(this.clock());
    }
  }

  get latestCompleted(): number {
    return this.local.latestCompleted;
  }
}
