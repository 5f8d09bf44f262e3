/**
 * Runs a job in this thread: every subtask of every task, scheduled cooperatively. A subtask
 * runs when it has input and room in its output channels (backpressure); steps are synchronous
 * and bounded, and the loop yields to the event loop every few milliseconds so I/O, timers and
 * Ctrl-C are served.
 */
import type { JobConfig } from "../api/config.js";
import type { JobClient, JobResult } from "../api/job-client.js";
import { unmatchedOperators } from "../checkpoint/restore.js";
import {
  ensureDir,
  type LoadedCheckpoint,
  loadForRestore,
  localCheckpointStorage,
} from "../checkpoint/storage.js";
import { FleuveError, restartCannotCure } from "../errors.js";
import type { StreamGraph } from "../graph/stream-graph.js";
import { MetricsRegistry, type OperatorMetrics } from "../metrics/registry.js";
import { SourceOperator } from "../operators/source.js";
import type { KeyedStateBackend } from "../spi/keyed-state-backend.js";
import type { OneInputOperator, Output, StreamOperator } from "../spi/operator.js";
import { OperatorStateStore } from "../spi/operator-state.js";
import { type ProcessingTimeScheduler, SystemProcessingTime } from "../spi/processing-time.js";
import { Channel, type OutputChannel } from "./channel.js";
import type { CheckpointCoordination, CheckpointLayout, SubtaskInfo } from "./checkpoint-coordinator.js";
import { type Deployment, InProcessDeployment } from "./deployment.js";
import { buildJobGraph, receiversOf } from "./job-graph.js";
import { ChainingOutput, DISCARD, FanOutOutput, KeyedChainingOutput, NodeOutput } from "./outputs.js";
import { RecordWriter } from "./record-writer.js";
import { RestartTracker } from "./restart.js";
import { checkSinksCanCommit } from "./sink-commit-check.js";
import { Subtask } from "./subtask.js";

/** Stands for channels between two other workers (never used on this one). */
const NOWHERE: OutputChannel = {
  push() {},
  hasCapacity: () => true,
};

/** Executor of a stream graph in this thread (all subtasks, or this worker's share of them). */
export class LocalExecutor {
  readonly metrics = new MetricsRegistry();
  private readonly subtasks: Subtask[] = [];
  private readonly allOperators: StreamOperator<unknown>[] = [];
  private readonly clock: ProcessingTimeScheduler;
  private readonly systemClock: SystemProcessingTime | undefined;
  private cancelled = false;
  /** Stopped with a savepoint: ends without error. */
  private stopped = false;
  private wake: (() => void) | undefined;
  private coordinator: CheckpointCoordination | undefined;
  private readonly savepointRequests: {
    dir: string;
    stop: boolean;
    resolve: (p: string) => void;
    reject: (e: unknown) => void;
  }[] = [];
  /** Number of restarts so far. */
  restarts = 0;
  /** Where the executor writes its log lines (restores, restarts, checkpoint problems). */
  log: (line: string) => void = (line) => process.stderr.write(`[fleuve] ${line}\n`);

  constructor(
    private readonly graph: StreamGraph,
    private readonly config: JobConfig,
    private readonly jobName: string,
    /** Where the subtasks run: all in this thread unless told otherwise. */
    private readonly deployment: Deployment = new InProcessDeployment(),
  ) {
    deployment.onArrival(() => this.wake?.());
    if (config.log) this.log = config.log;
    if (config.processingTime) {
      this.clock = config.processingTime;
    } else {
      this.systemClock = new SystemProcessingTime();
      this.clock = this.systemClock;
    }
  }

  /** Starts running; returns the client at once. */
  start(): JobClient {
    const result = this.run();
    // Avoid an unhandled rejection when the caller only uses cancel().
    result.catch(() => {});
    return {
      result,
      metrics: this.metrics,
      summary: () => this.metrics.summary(),
      cancel: () => {
        this.cancelled = true;
        this.wake?.();
      },
      triggerSavepoint: (dir: string) => this.requestSavepoint(dir),
      stopWithSavepoint: async (dir: string) => {
        const path = await this.requestSavepoint(dir, true);
        this.stopped = true;
        this.cancelled = true;
        this.wake?.();
        await result.catch(() => {});
        return path;
      },
    };
  }

  private requestSavepoint(dir: string, stop = false): Promise<string> {
    return new Promise((resolve, reject) => {
      this.savepointRequests.push({ dir, stop, resolve, reject });
      this.wake?.();
    });
  }

  private build(restored: LoadedCheckpoint | undefined, firstCheckpointId: number): void {
    const { graph, config } = this;
    this.subtasks.length = 0;
    this.allOperators.length = 0;
    const plan = buildJobGraph(graph, config);
    const P = plan.parallelismOf;
    const dep = this.deployment;
    // 1. operators and their runtimes, per node and (local) subtask
    const ops: StreamOperator<unknown>[][] = graph.nodes.map(() => []);
    const metrics: OperatorMetrics[][] = graph.nodes.map(() => []);
    for (const node of graph.nodes) {
      const p = P[node.id]!;
      for (let i = 0; i < p; i++) {
        if (!dep.runsHere(i)) continue;
        const op = node.createOperator();
        ops[node.id]![i] = op;
        metrics[node.id]![i] = this.metrics.operator(node.name, graph.uidOf(node), i);
        this.allOperators.push(op);
      }
    }
    // 2. channels of every edge between tasks: [edge][sender] -> channels; [vertex][receiver] -> inputs
    // Channel ids are numbered identically in every executor, so both ends agree without talking.
    const inputsOf: Channel[][][] = plan.vertices.map((v) => Array.from({ length: v.parallelism }, () => []));
    const writerChannels = new Map<object, { channels: OutputChannel[]; targets: number[] }[]>();
    let channelId = 0;
    for (const v of plan.vertices) {
      const perInputCount: number[][] = Array.from({ length: v.parallelism }, () => [0, 0]);
      for (const e of v.inputs) {
        const sp = P[e.source]!;
        const perSender: { channels: OutputChannel[]; targets: number[] }[] = [];
        for (let s = 0; s < sp; s++) {
          const targets = receiversOf(e, s, sp, v.parallelism);
          const channels = targets.map((r): OutputChannel => {
            const id = channelId++;
            const indexInInput = perInputCount[r]![e.inputIndex]!++;
            const senderHere = dep.runsHere(s);
            if (dep.runsHere(r)) {
              const ch = new Channel(config.channelCapacity, e.inputIndex, indexInInput);
              inputsOf[v.id]![r]!.push(ch);
              if (!senderHere) dep.remoteInput(id, s, r, ch);
              return ch;
            }
            if (senderHere) return dep.remoteOutput(id, s, r, config.channelCapacity);
            return NOWHERE;
          });
          perSender.push({ channels, targets });
        }
        writerChannels.set(e, perSender);
      }
    }
    // 3. outputs, setup, restore, subtasks
    const infos: SubtaskInfo[] = [];
    if (restored && !config.allowNonRestoredState) {
      const missing = unmatchedOperators(restored, new Set(graph.nodes.map((n) => graph.uidOf(n))));
      if (missing.length > 0) {
        throw new FleuveError(
          "FLEUVE_STATE_INCOMPATIBLE",
          `${restored.path} holds state of operators this job does not have: ${missing.join(", ")}. Give operators the same uid() as before, or set allowNonRestoredState to drop that state`,
        );
      }
    }
    for (const v of plan.vertices) {
      for (let i = 0; i < v.parallelism; i++) {
        if (!dep.runsHere(i)) continue;
        const writers: RecordWriter[] = [];
        // wire tail-first so chained targets exist when their sources are set up
        for (let k = v.nodes.length - 1; k >= 0; k--) {
          const node = v.nodes[k]!;
          const op = ops[node.id]![i]!;
          const main: Output<unknown>[] = [];
          const sides = new Map<string, Output<unknown>[]>();
          for (const e of graph.outputsOf(node.id)) {
            let out: Output<unknown>;
            if (plan.isChained(e)) {
              const target = ops[e.target]![i] as OneInputOperator<unknown, unknown>;
              const tm = metrics[e.target]![i]!;
              const keyed = graph.nodes[e.target]!.keySelectors[0] !== undefined;
              out = keyed ? new KeyedChainingOutput(target, tm) : new ChainingOutput(target, tm);
            } else {
              const wc = writerChannels.get(e)![i]!;
              const w = new RecordWriter(
                e,
                wc.channels,
                config.batchSize,
                P[e.target]!,
                config.maxParallelism,
                wc.targets,
                i,
                node.name,
              );
              writers.push(w);
              out = w;
            }
            if (e.sideOutput) {
              const list = sides.get(e.sideOutput.id) ?? [];
              list.push(out);
              sides.set(e.sideOutput.id, list);
            } else main.push(out);
          }
          const sideOuts = new Map<string, Output<unknown>>();
          for (const [id, list] of sides)
            sideOuts.set(id, list.length === 1 ? list[0]! : new FanOutOutput(list));
          const mainOut = main.length === 0 ? DISCARD : main.length === 1 ? main[0]! : new FanOutOutput(main);
          const m = metrics[node.id]![i]!;
          const keyed = node.keySelectors.some((s) => s !== undefined);
          op.setup(
            {
              operatorName: node.name,
              operatorId: graph.uidOf(node),
              subtaskIndex: i,
              parallelism: v.parallelism,
              maxParallelism: config.maxParallelism,
              keySelectors: node.keySelectors,
              keyedState: keyed
                ? this.trackBackend(
                    config.stateBackend({
                      maxParallelism: config.maxParallelism,
                      clock: () => this.clock.now(),
                      jobName: this.jobName,
                      operatorId: graph.uidOf(node),
                      subtaskIndex: i,
                      parallelism: v.parallelism,
                    }),
                  )
                : undefined,
              operatorState: new OperatorStateStore(),
              processingTime: this.clock,
              metrics: m,
              checkpointing: config.checkpointing !== undefined,
              errorPolicy: config.errorPolicy,
              jobName: this.jobName,
            },
            new NodeOutput(mainOut, sideOuts, m),
          );
        }
        const chainOps = v.nodes.map((n) => ops[n.id]![i]!);
        const head = chainOps[0]!;
        if (restored) {
          for (const node of v.nodes) {
            const r = dep.restore(restored, {
              uid: graph.uidOf(node),
              name: node.name,
              subtask: i,
              parallelism: v.parallelism,
              maxParallelism: config.maxParallelism,
              isSource: node.kind === "source",
              rescalable: node.rescalable === true,
            });
            if (r) ops[node.id]![i]!.initializeState(r);
          }
        }
        const subtask = new Subtask({
          name: `${v.head.name} (${i + 1}/${v.parallelism})`,
          subtaskIndex: i,
          operators: chainOps,
          operatorIds: v.nodes.map((n) => graph.uidOf(n)),
          headMetrics: metrics[v.head.id]![i]!,
          inputs: inputsOf[v.id]![i]!,
          writers,
          source: head instanceof SourceOperator ? head : undefined,
          twoInput: v.head.inputArity === 2,
          keyedInputs: v.head.keySelectors.map((s) => s !== undefined),
        });
        this.subtasks.push(subtask);
        infos.push({
          subtask,
          file: `task-${v.id}-${i}.bin`,
          isSource: v.head.kind === "source",
          parallelism: v.parallelism,
        });
      }
    }
    // Savepoints need a coordinator even without periodic checkpoints: every deployment that can
    // take one gets one.
    const layout: CheckpointLayout = {};
    for (const node of graph.nodes) {
      const p = P[node.id]!;
      layout[graph.uidOf(node)] = {
        parallelism: p,
        source: node.kind === "source",
        files: Array.from({ length: p }, (_, i) => `task-${plan.vertexOf[node.id]}-${i}.bin`).filter((_, i) =>
          dep.checkpointHolds(i),
        ),
      };
    }
    this.coordinator = dep.coordinate({
      checkpointing: config.checkpointing,
      jobName: this.jobName,
      maxParallelism: config.maxParallelism,
      subtasks: infos,
      layout,
      firstCheckpointId,
      log: this.log,
      clock: () => this.clock.now(),
    });
  }

  private async run(): Promise<JobResult> {
    const started = performance.now();
    const { config } = this;
    this.deployment.check(config);
    checkSinksCanCommit(this.graph, config.checkpointing !== undefined);
    const storage = config.checkpointing?.storage ?? localCheckpointStorage;
    if (config.checkpointing && storage.local) ensureDir(config.checkpointing.dir);
    const restarts = new RestartTracker(config.restartStrategy);
    let restoreFrom = config.restoreFrom;
    if (restoreFrom === undefined && config.resumeFromLatestCheckpoint && config.checkpointing) {
      restoreFrom = config.checkpointing.dir;
    }
    let nextCheckpointId = 1;
    for (;;) {
      try {
        let restored: LoadedCheckpoint | undefined;
        if (restoreFrom !== undefined) {
          restored = await loadForRestore(restoreFrom, this.log, storage);
          if (!restored && restoreFrom !== config.restoreFrom && config.restoreFrom !== undefined) {
            // Failed before its first checkpoint: start again from where this run started.
            restoreFrom = config.restoreFrom;
            restored = await loadForRestore(restoreFrom, this.log, storage);
          }
          if (!restored && restoreFrom === config.restoreFrom && config.restoreFrom !== undefined) {
            throw new FleuveError(
              "FLEUVE_CHECKPOINT_NOT_FOUND",
              `no usable checkpoint or savepoint at ${restoreFrom}`,
              {
                details: { path: restoreFrom },
              },
            );
          }
          if (restored) {
            this.log(
              `restoring ${restored.metadata.kind} ${restored.metadata.checkpointId} from ${restored.path}`,
            );
            // Backends whose state is partly elsewhere (a changelog) fetch it before the restore.
            const fetched = await config.stateBackend.prepareRestore?.(
              [...restored.operators.values()].flatMap((subs) =>
                subs.map((s) => s.keyed).filter((k) => k !== undefined),
              ),
            );
            if (fetched) this.log(`restoring ${fetched}`);
            nextCheckpointId = Math.max(nextCheckpointId, restored.metadata.checkpointId + 1);
          }
        }
        this.build(restored, nextCheckpointId);
        // open tail-first, as Flink does, so downstream operators are ready before data flows
        for (const st of this.subtasks) {
          for (let k = st.operators.length - 1; k >= 0; k--) {
            st.operators[k]!.open();
            st.operators[k]!.restoreTimers();
          }
        }
        await this.loop();
        if (this.cancelled)
          throw new FleuveError("FLEUVE_JOB_CANCELLED", `job '${this.jobName}' was cancelled`);
        // (without periodic checkpoints, a worker thread still waits here for the others)
        if (this.coordinator) await this.coordinator.finalCheckpoint(this.clock.now());
        await this.drainOperators();
        this.closeAll();
        return {
          jobName: this.jobName,
          durationMs: performance.now() - started,
          metrics: this.metrics.summary(),
        };
      } catch (e) {
        this.closeAll();
        const err =
          e instanceof FleuveError
            ? e
            : new FleuveError(
                "FLEUVE_JOB_FAILED",
                `job '${this.jobName}' failed: ${e instanceof Error ? e.message : String(e)}`,
                {
                  cause: e,
                },
              );
        if (this.stopped) {
          await this.coordinator?.drain();
          this.coordinator?.notifyCompleted();
          await this.drainOperators();
          return {
            jobName: this.jobName,
            durationMs: performance.now() - started,
            metrics: this.metrics.summary(),
          };
        }
        const delay =
          err.code === "FLEUVE_JOB_CANCELLED" || restartCannotCure(err)
            ? undefined
            : restarts.onFailure(performance.now());
        await this.coordinator?.drain();
        if (delay === undefined) throw err;
        this.log(
          `job '${this.jobName}' failed (${err.message}); restarting in ${delay} ms from the latest checkpoint`,
        );
        await new Promise((r) => setTimeout(r, delay));
        if (this.cancelled)
          throw new FleuveError("FLEUVE_JOB_CANCELLED", `job '${this.jobName}' was cancelled`);
        if (config.checkpointing) {
          restoreFrom = config.checkpointing.dir;
          nextCheckpointId = Math.max(nextCheckpointId, (this.coordinator?.latestCompleted ?? 0) + 1);
        }
        this.restarts++;
      }
    }
  }

  /** Waits for asynchronous work of operators (e.g. sink commits) before the job ends. */
  private async drainOperators(): Promise<void> {
    for (const op of this.allOperators) {
      const w = op.pendingWork();
      if (w) await w;
    }
  }

  private readonly backends: KeyedStateBackend[] = [];

  private trackBackend(b: KeyedStateBackend): KeyedStateBackend {
    this.backends.push(b);
    return b;
  }

  private closeAll(): void {
    for (const op of this.allOperators) {
      try {
        op.close();
      } catch {
        // closing is best effort; the first error is what the user needs
      }
    }
    // Disk-backed state keeps working copies; the checkpoints hold what must survive.
    for (const b of this.backends.splice(0)) {
      try {
        b.dispose?.();
      } catch {
        // best effort, as above
      }
    }
  }

  private async loop(): Promise<void> {
    const { batchSize, bufferTimeoutMs } = this.config;
    const subtasks = this.subtasks;
    const queue = this.systemClock?.queue;
    let lastYield = performance.now();
    for (;;) {
      if (this.cancelled) return;
      let progressed = false;
      let unfinished = 0;
      for (let i = 0; i < subtasks.length; i++) {
        const st = subtasks[i]!;
        if (st.state === "finished") continue;
        unfinished++;
        if (st.canStep()) {
          st.step(batchSize);
          progressed = true;
          if (bufferTimeoutMs === 0) st.flushOutputs(0, 0, true);
          else st.notePending(Date.now());
        }
      }
      this.deployment.flush();
      if (unfinished === 0) return;
      const now = this.clock.now();
      if (queue && queue.size > 0) queue.runDue(now);
      const co = this.coordinator;
      if (co) {
        co.notifyCompleted();
        if (this.savepointRequests.length > 0) {
          for (const r of this.savepointRequests.splice(0))
            co.savepoint(r.dir, now, r.stop).then(r.resolve, r.reject);
        }
        if (co.tick(now)) progressed = true;
      }
      if (bufferTimeoutMs > 0) for (const st of subtasks) st.flushOutputs(now, bufferTimeoutMs, !progressed);
      if (!progressed) {
        for (const st of subtasks) if (st.state === "waiting") st.sourcePeriodic(now);
        this.deployment.flush();
        // Anything made runnable by the periodic work or timers above?
        if (subtasks.some((st) => st.canStep())) continue;
        await this.idleWait(now);
        lastYield = performance.now();
      } else if (performance.now() - lastYield > 5) {
        await new Promise<void>((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
  }

  /** Sleeps until a source has data, a timer is due, or a periodic source duty is due. */
  private idleWait(now: number): Promise<void> {
    const waits: Promise<void>[] = [];
    let next = now + 50;
    for (const st of this.subtasks) {
      const w = st.waitingOn;
      if (w) waits.push(w);
      if (st.source && st.state !== "finished") next = Math.min(next, st.source.nextPeriodicTime());
    }
    const t = this.systemClock?.queue.nextTime();
    if (t !== undefined) next = Math.min(next, t);
    const cp = this.config.checkpointing;
    if (cp) next = Math.min(next, now + cp.intervalMs);
    if (this.coordinator) waits.push(...this.coordinator.writesInFlight);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, next - now));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
      for (const w of waits) w.then(done, done);
    });
  }
}
