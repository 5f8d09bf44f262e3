/**
 * The plan builder: turns the job graph (chained tasks) into the running form of one attempt,
 * Flink's ExecutionGraph as deployed here: one {@link Subtask} per parallel instance of each task
 * that the {@link Deployment} runs here, with its operators created, set up and restored, its
 * chained outputs and record writers wired, a channel for every edge between tasks, and the
 * checkpoint coordination over these subtasks.
 */

import type { JobConfig } from "../api/config.js";
import { formatStateFit, stateFit, stateFitError } from "../api/state-fit.js";
import type { LoadedCheckpoint } from "../checkpoint/storage.js";
import type { GraphEdge, GraphNode, StreamGraph } from "../graph/stream-graph.js";
import type { LogFunction } from "../log.js";
import type { MetricsRegistry, MetricsSnapshot, OperatorMetrics } from "../metrics/registry.js";
import { SourceOperator } from "../operators/source.js";
import type { KeyedStateBackend } from "../spi/keyed-state-backend.js";
import type { OneInputOperator, Output, StreamOperator } from "../spi/operator.js";
import { OperatorStateStore } from "../spi/operator-state.js";
import type { ProcessingTimeScheduler } from "../spi/processing-time.js";
import { Channel, type OutputChannel } from "./channel.js";
import type { CheckpointCoordination, CheckpointLayout, SubtaskInfo } from "./checkpoint-coordinator.js";
import type { Deployment } from "./deployment.js";
import { buildJobGraph, type JobGraph, receiversOf } from "./job-graph.js";
import {
  ChainingOutput,
  DISCARD,
  FanOutOutput,
  FollowingChainingOutput,
  KeyedChainingOutput,
  KeyedFollowingChainingOutput,
  NodeOutput,
} from "./outputs.js";
import { RecordWriter } from "./record-writer.js";
import { Subtask } from "./subtask.js";

/** What the plan builder builds from, the same for every attempt of a job. */
export interface ExecutionGraphContext {
  readonly graph: StreamGraph;
  readonly config: JobConfig;
  readonly jobName: string;
  readonly deployment: Deployment;
  /** Where each operator subtask's metrics go (kept across attempts). */
  readonly metrics: MetricsRegistry;
  readonly clock: ProcessingTimeScheduler;
  readonly log: LogFunction;
}

/** The subtasks of one attempt in this executor, and what must be closed when it ends. */
export class ExecutionGraph {
  /** The local subtasks, task by task. */
  readonly subtasks: Subtask[] = [];
  /** Every local operator (of every chain). */
  readonly operators: StreamOperator<unknown>[] = [];
  /** Keyed state backends created for the operators (disposed on close). */
  readonly backends: KeyedStateBackend[] = [];
  /** Checkpoint coordination over the local subtasks; undefined when the deployment takes no part. */
  coordination: CheckpointCoordination | undefined;

  /** Opens every operator and restores its timers, tail-first as Flink does, so downstream operators are ready before data flows. */
  open(): void {
    for (const st of this.subtasks) {
      for (let k = st.operators.length - 1; k >= 0; k--) {
        st.operators[k]!.open();
        st.operators[k]!.restoreTimers();
      }
    }
  }

  /** Waits for asynchronous work of operators (e.g. sink commits) before the job ends. */
  async pendingWork(): Promise<void> {
    for (const op of this.operators) {
      const w = op.pendingWork();
      if (w) await w;
    }
  }

  /** Closes every operator and disposes the state backends; best effort, never throws. */
  close(): void {
    for (const op of this.operators) {
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
}

/** Stands for channels between two subtasks of other executors (never used here). */
const NOWHERE: OutputChannel = {
  push() {},
  hasCapacity: () => true,
};

/** The channels of one sender subtask over one edge, and the receiver subtask of each. */
interface SenderChannels {
  readonly channels: OutputChannel[];
  readonly targets: number[];
}

/** File of subtask `subtask` of task `task` in a checkpoint folder. */
export function subtaskFile(task: number, subtask: number): string {
  return `task-${task}-${subtask}.bin`;
}

/**
 * Builds one attempt: operators, channels, outputs and subtasks of the deployment's share of the
 * job, restored from `restored` when given, with checkpoint ids starting at `firstCheckpointId`.
 * When building fails, what was built is closed before the error is thrown.
 */
export function buildExecutionGraph(
  ctx: ExecutionGraphContext,
  restored: LoadedCheckpoint | undefined,
  firstCheckpointId: number,
): ExecutionGraph {
  const built = new ExecutionGraph();
  try {
    build(ctx, restored, firstCheckpointId, built);
  } catch (e) {
    built.close();
    throw e;
  }
  return built;
}

function build(
  ctx: ExecutionGraphContext,
  restored: LoadedCheckpoint | undefined,
  firstCheckpointId: number,
  built: ExecutionGraph,
): void {
  const { graph, config, deployment: dep } = ctx;
  const plan = buildJobGraph(graph, config);
  // 1. operators and their metrics, per node and (local) subtask
  const ops: StreamOperator<unknown>[][] = graph.nodes.map(() => []);
  const metrics: OperatorMetrics[][] = graph.nodes.map(() => []);
  for (const node of graph.nodes) {
    const p = plan.parallelismOf[node.id]!;
    for (let i = 0; i < p; i++) {
      if (!dep.runsHere(i)) continue;
      const op = node.createOperator();
      ops[node.id]![i] = op;
      const m = ctx.metrics.operator(node.name, graph.uidOf(node), i);
      // counted by its own increments unless its chaining output makes it follow (below); a
      // restarted attempt keeps the count reached
      m.recordsIn.unfollow();
      metrics[node.id]![i] = m;
      built.operators.push(op);
    }
  }
  // 2. channels of every edge between tasks
  const { inputsOf, writerChannels } = connect(plan, config.channelCapacity, dep);
  // 3. outputs, setup, restore, subtasks
  // Incompatible state is not restored (with allowNonRestoredState; refused otherwise).
  const notRestored = new Set<string>();
  if (restored) {
    const fit = stateFit(graph, restored, dep.jobOperators);
    if (fit.needsNonRestored && !config.allowNonRestoredState) throw stateFitError(fit);
    // One executor says what became of each operator's state (every one restores the same).
    if (dep.runsHere(0)) for (const line of formatStateFit(fit)) ctx.log(`state ${line}`);
    for (const o of fit.operators) if (o.fit === "incompatible") notRestored.add(o.uid);
  }
  const infos: SubtaskInfo[] = [];
  for (const v of plan.vertices) {
    for (let i = 0; i < v.parallelism; i++) {
      if (!dep.runsHere(i)) continue;
      const writers: RecordWriter[] = [];
      // wire tail-first so chained targets exist when their sources are set up
      for (let k = v.nodes.length - 1; k >= 0; k--) {
        const node = v.nodes[k]!;
        const outputs = (e: GraphEdge): Output<unknown> => {
          if (plan.isChained(e)) {
            const target = ops[e.target]![i] as OneInputOperator<unknown, unknown>;
            const tm = metrics[e.target]![i]!;
            const keyed = graph.nodes[e.target]!.keySelectors[0] !== undefined;
            // The only main output: each record it gets was just counted in the records out of
            // `node`, so the target's records in follow those instead of counting per record.
            if (onlyMainOutput(graph, node, e)) {
              const out = metrics[node.id]![i]!.recordsOut;
              return keyed
                ? new KeyedFollowingChainingOutput(target, tm, out)
                : new FollowingChainingOutput(target, tm, out);
            }
            return keyed ? new KeyedChainingOutput(target, tm) : new ChainingOutput(target, tm);
          }
          const wc = writerChannels.get(e)![i]!;
          const w = new RecordWriter({
            edge: e,
            channels: wc.channels,
            channelTargets: wc.targets,
            batchSize: config.batchSize,
            targetParallelism: plan.parallelismOf[e.target]!,
            maxParallelism: config.maxParallelism,
            senderSubtask: i,
            operatorName: node.name,
            receiverKeysRecords:
              e.keySelector !== undefined &&
              graph.nodes[e.target]!.keySelectors[e.inputIndex] === e.keySelector,
          });
          writers.push(w);
          return w;
        };
        setUp(ctx, built, node, ops[node.id]![i]!, i, v.parallelism, metrics[node.id]![i]!, outputs);
      }
      const chainOps = v.nodes.map((n) => ops[n.id]![i]!);
      if (restored) {
        for (const node of v.nodes) {
          if (notRestored.has(graph.uidOf(node))) continue;
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
      const head = chainOps[0]!;
      const taskName = v.nodes.map((n) => n.name).join(" -> ");
      for (const n of v.nodes) {
        const m = metrics[n.id]![i]!;
        m.taskName = taskName;
        m.chainHead = n === v.head;
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
      built.subtasks.push(subtask);
      infos.push({
        subtask,
        file: subtaskFile(v.id, i),
        isSource: v.head.kind === "source",
        parallelism: v.parallelism,
      });
    }
  }
  // 4. Savepoints need a coordination even without periodic checkpoints: the deployment gives one
  // whenever it can take part in checkpoints.
  built.coordination = dep.coordinate({
    checkpointing: config.checkpointing,
    jobName: ctx.jobName,
    maxParallelism: config.maxParallelism,
    subtasks: infos,
    layout: checkpointLayout(graph, plan, (i) => dep.checkpointHolds(i)),
    firstCheckpointId,
    log: ctx.log,
    clock: () => ctx.clock.now(),
    ...(config.errorPolicy === undefined ? {} : { errorPolicy: config.errorPolicy }),
    stats: ctx.metrics.job,
  });
}

/**
 * The channels of every edge between tasks: per edge, each sender subtask's channels (in the
 * order of its receivers); per task and receiver subtask, its input channels. Channels with one
 * end elsewhere come from the deployment; channel ids are numbered alike in every executor of a
 * job, so both ends agree without talking.
 */
function connect(
  plan: JobGraph,
  capacity: number,
  dep: Deployment,
): { inputsOf: Channel[][][]; writerChannels: Map<GraphEdge, SenderChannels[]> } {
  const inputsOf: Channel[][][] = plan.vertices.map((v) => Array.from({ length: v.parallelism }, () => []));
  const writerChannels = new Map<GraphEdge, SenderChannels[]>();
  let channelId = 0;
  for (const v of plan.vertices) {
    const perInputCount: number[][] = Array.from({ length: v.parallelism }, () => [0, 0]);
    for (const e of v.inputs) {
      const sp = plan.parallelismOf[e.source]!;
      const perSender: SenderChannels[] = [];
      for (let s = 0; s < sp; s++) {
        const targets = receiversOf(e, s, sp, v.parallelism);
        const channels = targets.map((r): OutputChannel => {
          const id = channelId++;
          const indexInInput = perInputCount[r]![e.inputIndex]!++;
          const senderHere = dep.runsHere(s);
          if (dep.runsHere(r)) {
            const ch = new Channel(capacity, e.inputIndex, indexInInput);
            inputsOf[v.id]![r]!.push(ch);
            if (!senderHere) dep.remoteInput(id, s, r, ch);
            return ch;
          }
          if (senderHere) return dep.remoteOutput(id, s, r, capacity);
          return NOWHERE;
        });
        perSender.push({ channels, targets });
      }
      writerChannels.set(e, perSender);
    }
  }
  return { inputsOf, writerChannels };
}

/**
 * True when `e` is `node`'s only main output: every record `node` counts in its records out goes
 * to `e` and nothing else does (side outputs are not counted in records out; a fan-out sends each
 * record to several edges).
 */
function onlyMainOutput(graph: StreamGraph, node: GraphNode, e: GraphEdge): boolean {
  if (e.sideOutput) return false;
  let main = 0;
  for (const o of graph.outputsOf(node.id)) if (!o.sideOutput) main++;
  return main === 1;
}

/** Sets up one operator subtask: its outputs (main and side), state, clock and metrics. */
function setUp(
  ctx: ExecutionGraphContext,
  built: ExecutionGraph,
  node: GraphNode,
  op: StreamOperator<unknown>,
  subtask: number,
  parallelism: number,
  m: OperatorMetrics,
  outputFor: (e: GraphEdge) => Output<unknown>,
): void {
  const { graph, config, jobName, clock } = ctx;
  const main: Output<unknown>[] = [];
  const sides = new Map<string, Output<unknown>[]>();
  for (const e of graph.outputsOf(node.id)) {
    const out = outputFor(e);
    if (e.sideOutput) {
      const list = sides.get(e.sideOutput.id) ?? [];
      list.push(out);
      sides.set(e.sideOutput.id, list);
    } else main.push(out);
  }
  const sideOuts = new Map<string, Output<unknown>>();
  for (const [id, list] of sides) sideOuts.set(id, list.length === 1 ? list[0]! : new FanOutOutput(list));
  const mainOut = main.length === 0 ? DISCARD : main.length === 1 ? main[0]! : new FanOutOutput(main);
  const operatorId = graph.uidOf(node);
  let keyedState: KeyedStateBackend | undefined;
  if (node.keySelectors.some((s) => s !== undefined)) {
    keyedState = config.stateBackend({
      maxParallelism: config.maxParallelism,
      clock: () => clock.now(),
      jobName,
      operatorId,
      subtaskIndex: subtask,
      parallelism,
    });
    built.backends.push(keyedState);
    const backend = keyedState;
    m.probe("numKeyedStateEntries", () => backend.approximateEntries);
    if ("approximateSizeBytes" in backend)
      m.probe("keyedStateSizeBytes", () => backend.approximateSizeBytes ?? 0);
  }
  op.setup(
    {
      operatorName: node.name,
      operatorId,
      subtaskIndex: subtask,
      parallelism,
      maxParallelism: config.maxParallelism,
      keySelectors: node.keySelectors,
      keyedState,
      operatorState: new OperatorStateStore(),
      processingTime: clock,
      metrics: m,
      checkpointing: config.checkpointing !== undefined,
      errorPolicy: config.errorPolicy,
      jobName,
      // lines of the operator (and of its source reader) say which operator subtask wrote them
      log: (line, fields) => ctx.log(line, { operator: node.name, subtask, ...fields }),
      // the whole job's metrics: this executor's, or (worker threads) asked of the main thread
      jobMetrics: jobMetricsOf(ctx),
    },
    new NodeOutput(mainOut, sideOuts, m),
  );
}

/** What `jobMetrics` gives the operators (and source readers) of this executor. */
function jobMetricsOf(ctx: ExecutionGraphContext): () => MetricsSnapshot | Promise<MetricsSnapshot> {
  const local = () => ctx.metrics.snapshot();
  const ask = ctx.deployment.jobMetrics?.bind(ctx.deployment);
  return ask ? () => ask(local) : local;
}

/**
 * Per operator of the job: its parallelism, whether it is a source, and the files of its subtasks
 * that a checkpoint holds (`holds(subtask)`; every subtask for a checkpoint of the whole job).
 */
export function checkpointLayout(
  graph: StreamGraph,
  plan: JobGraph,
  holds: (subtask: number) => boolean,
): CheckpointLayout {
  const layout: CheckpointLayout = {};
  for (const node of graph.nodes) {
    const p = plan.parallelismOf[node.id]!;
    const files: string[] = [];
    for (let i = 0; i < p; i++) if (holds(i)) files.push(subtaskFile(plan.vertexOf[node.id]!, i));
    layout[graph.uidOf(node)] = {
      parallelism: p,
      source: node.kind === "source",
      files,
      ...(node.stateSchema === undefined ? {} : { schema: node.stateSchema }),
    };
  }
  return layout;
}
