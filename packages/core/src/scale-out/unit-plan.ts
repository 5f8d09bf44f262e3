/**
 * A job cut into units for scale-out over several processes (`fleuve run --group`): a unit is one
 * parallel subtask of one task (a chain of operators). Every edge between two tasks becomes an
 * exchange that a connector provides (a Kafka topic with one partition per receiving subtask, as
 * Kafka Streams' repartition topics); each unit then reads its exchanges like sources, writes them
 * like sinks, and checkpoints and restores on its own. So any process can run any unit, and a unit
 * moves between processes by restoring its latest checkpoint.
 *
 * The core knows nothing of Kafka: it plans the units, builds each unit's graph around the
 * exchange sources and sinks it is given, chooses the receiving subtask of each record, and runs a
 * unit as one subtask of its task.
 */
import type { JobConfig } from "../api/config.js";
import type { JobClient } from "../api/job-client.js";
import {
  type CheckpointStorage,
  listCheckpointFolders,
  loadForRestore,
  localCheckpointStorage,
} from "../checkpoint/storage.js";
import { isTwoPhaseCommitSink, type Sink } from "../connector/sink.js";
import type { Source } from "../connector/source.js";
import { FleuveError } from "../errors.js";
import { type GraphEdge, type GraphNode, StreamGraph } from "../graph/stream-graph.js";
import { SinkOperator } from "../operators/sink.js";
import { SourceOperator } from "../operators/source.js";
import type { SavepointPart, SavepointPartWritten } from "../runtime/checkpoint-coordinator.js";
import { buildJobGraph, receiversOf } from "../runtime/job-graph.js";
import { LocalExecutor } from "../runtime/local-executor.js";
import { channelSelector } from "../runtime/partitioners.js";
import { unboundedSourceUpstream } from "../runtime/sink-commit-check.js";
import { ScaleOutUnitDeployment, type UnitJobMetrics } from "../runtime/unit-deployment.js";

/** An edge between two tasks, carried by an exchange. */
export interface Exchange {
  /** Position among the job's exchanges (stable for a given stream graph). */
  readonly index: number;
  readonly edge: GraphEdge;
  /** Task (vertex) ids at both ends. */
  readonly fromTask: number;
  readonly toTask: number;
  readonly senders: number;
  readonly receivers: number;
  /**
   * True when every source upstream of the sender is bounded: the senders then end (end markers)
   * and so does the exchange, so its source must say it is bounded.
   */
  readonly bounded: boolean;
  /** Stable name, e.g. `keyed-sum#3-to-sink#4`, for topics and transactional ids. */
  readonly name: string;
}

/** One unit: subtask `subtask` of task `task`. */
export interface Unit {
  /** Position among the job's units (0..units.length-1). */
  readonly index: number;
  readonly task: number;
  readonly subtask: number;
  readonly parallelism: number;
  /** Stable name, e.g. `window#3-2`, for checkpoint folders. */
  readonly name: string;
  /** Uids of the operators the unit runs (its task's chain, head first), e.g. for a dashboard. */
  readonly operators: readonly string[];
}

/** The units and exchanges of a job. */
export interface JobUnits {
  readonly units: readonly Unit[];
  readonly exchanges: readonly Exchange[];
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_");

/** A short stable name of a node for topics and folders: its uid if set, else name + id. */
function shortName(node: GraphNode): string {
  if (node.uid !== undefined) return slug(node.uid);
  return `${slug(node.name).slice(0, 24).replace(/_+$/, "")}-${node.id}`;
}

/** Cuts a job into units and exchanges (every edge between tasks becomes an exchange). */
export function planUnits(graph: StreamGraph, config: JobConfig): JobUnits {
  const plan = buildJobGraph(graph, config);
  const units: Unit[] = [];
  const exchanges: Exchange[] = [];
  for (const v of plan.vertices) {
    const headName = shortName(v.head);
    const operators = v.nodes.map((n) => graph.uidOf(n));
    for (let i = 0; i < v.parallelism; i++) {
      units.push({
        index: units.length,
        task: v.id,
        subtask: i,
        parallelism: v.parallelism,
        name: `${headName}-${i}`,
        operators,
      });
    }
    for (const e of v.inputs) {
      if (e.partitioner === "shuffle") {
        throw new FleuveError(
          "FLEUVE_GRAPH_INVALID",
          `shuffle() before '${v.head.name}' cannot run over several processes (a replay would send records elsewhere); use rebalance()`,
          { details: { operator: v.head.name } },
        );
      }
      const from = plan.vertexOf[e.source]!;
      exchanges.push({
        index: exchanges.length,
        edge: e,
        fromTask: from,
        toTask: v.id,
        senders: plan.vertices[from]!.parallelism,
        receivers: v.parallelism,
        bounded: unboundedSourceUpstream(graph, graph.nodes[e.source]!) === undefined,
        name: `${shortName(graph.nodes[e.source]!)}-to-${headName}-${e.inputIndex}${e.sideOutput ? `-${slug(e.sideOutput.id)}` : ""}`,
      });
    }
  }
  return { units, exchanges };
}

/**
 * Refuses a sink's global committer (`TwoPhaseCommitSink.globalCommitter`) in another unit than
 * its writers when the exchanges are not `aligned` with the senders' checkpoints (at-least-once
 * exchanges deliver a message before its sender's checkpoint completes). Each unit checkpoints on
 * its own, so the committer could then act (rename files, write success files) on committables
 * of a writer checkpoint that never completes: after the writer restores an earlier one, its rows
 * are written again, or the files to commit are gone. Over exactly-once exchanges a writer's
 * messages are read only once its checkpoint completed. Throws FLEUVE_CONFIG_INVALID naming the
 * sink, the option that adds the committer and the delivery option.
 */
export function checkGlobalCommitters(graph: StreamGraph, plan: JobUnits, aligned: boolean): void {
  if (aligned) return;
  for (const x of plan.exchanges) {
    const sender = graph.nodes[x.edge.source]!;
    // A sink feeds nothing but its global committer (see DataStream.sinkTo).
    const sink = sender.kind === "sink" ? sender.sink : undefined;
    if (sink === undefined || !isTwoPhaseCommitSink(sink) || sink.globalCommitter === undefined) continue;
    const option = sink.globalCommitterOption ?? "globalCommitter";
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `sink '${sender.name}' has a global committer (its ${option}) in another unit than its writers, ` +
        "and the units' exchanges are at-least-once: each unit checkpoints on its own and such an " +
        "exchange delivers a writer's committables before the writer's checkpoint completes, so the " +
        "committer could commit output the writer writes again after a restore. Run the group with " +
        "exactly-once exchanges (the default: 'fleuve run --group ... --delivery exactly-once'), " +
        `or the job without --group, or the sink without ${option}.`,
      { details: { option: "deliveryGuarantee", sink: sender.name, sinkOption: option } },
    );
  }
}

/** What a unit reads and writes its exchanges with. */
export interface ExchangeConnectors {
  /** The source a receiving subtask reads `x` from (its subtask index is the receiver's). */
  input(x: Exchange): Source<unknown>;
  /** The sink a sending subtask writes `x` to (its subtask index is the sender's). */
  output(x: Exchange): Sink<unknown>;
}

/**
 * The graph of one task's unit: the task's operators, fed by one source per incoming exchange and
 * feeding one sink per outgoing exchange. Operator uids stay those of the job, so state matches.
 */
export function unitGraph(
  graph: StreamGraph,
  config: JobConfig,
  units: JobUnits,
  task: number,
  io: ExchangeConnectors,
): StreamGraph {
  const plan = buildJobGraph(graph, config);
  const v = plan.vertices[task];
  if (!v) throw new FleuveError("FLEUVE_GRAPH_INVALID", `the job has no task ${task}`);
  const out = new StreamGraph();
  const p = v.parallelism;
  const copy = new Map<number, GraphNode>();
  const add = (n: Omit<GraphNode, "id">) => out.addNode({ ...n, parallelism: p });
  // Exchange sources first: nodes are in topological order.
  const inputs = units.exchanges.filter((x) => x.toTask === task);
  const inputNodes = inputs.map((x) => {
    const source = io.input(x);
    return add({
      name: `exchange ${x.name}`,
      uid: `exchange-in:${x.name}`,
      kind: "source",
      inputArity: 0,
      parallelism: p,
      createOperator: () =>
        new SourceOperator(
          source,
          undefined,
          1000 + x.index,
          config.autoWatermarkIntervalMs,
          config.latencyTrackingIntervalMs,
        ),
      keySelectors: [],
      chaining: "always",
      bounded: source.bounded,
      rescalable: false,
    });
  });
  for (const n of v.nodes) copy.set(n.id, add({ ...n, uid: graph.uidOf(n) }));
  inputs.forEach((x, k) => {
    out.addEdge({
      source: inputNodes[k]!.id,
      target: copy.get(x.edge.target)!.id,
      inputIndex: x.edge.inputIndex,
      partitioner: "forward",
    });
  });
  for (const n of v.nodes) {
    for (const e of graph.outputsOf(n.id)) {
      if (copy.has(e.target)) {
        out.addEdge({ ...e, source: copy.get(e.source)!.id, target: copy.get(e.target)!.id });
        continue;
      }
      // By position, not identity: `units` may come from another build of the same job.
      const x = units.exchanges.find(
        (y) =>
          y.edge.source === e.source &&
          y.edge.target === e.target &&
          y.edge.inputIndex === e.inputIndex &&
          y.edge.sideOutput?.id === e.sideOutput?.id,
      );
      if (!x) {
        throw new FleuveError(
          "FLEUVE_GRAPH_INVALID",
          `edge ${e.source} -> ${e.target} is not among the job's exchanges: was the job built differently?`,
        );
      }
      const sink = io.output(x);
      const s = add({
        name: `exchange ${x.name}`,
        uid: `exchange-out:${x.name}`,
        kind: "sink",
        inputArity: 1,
        parallelism: p,
        createOperator: () => new SinkOperator(sink),
        keySelectors: [],
        chaining: "always",
      });
      out.addEdge({
        source: copy.get(n.id)!.id,
        target: s.id,
        inputIndex: 0,
        partitioner: "forward",
        ...(e.sideOutput ? { sideOutput: e.sideOutput } : {}),
      });
    }
  }
  return out;
}

/**
 * Chooses the receiving subtask of each record an exchange carries, with the edge's partitioner:
 * the same {@link channelSelector} as the in-process channels, over the receivers the channels
 * would connect this sender to (`receiversOf`), so a record reaches the same subtask in both
 * deployments. Returns -1 for "every receiver" (broadcast).
 */
export function exchangePartitioner(
  x: Exchange,
  sender: number,
  maxParallelism: number,
  operatorName = "exchange",
): (value: unknown) => number {
  const targets = receiversOf(x.edge, sender, x.senders, x.receivers);
  const choose = channelSelector(x.edge, targets, {
    sender,
    targetParallelism: x.receivers,
    maxParallelism,
    operatorName,
  });
  if (targets.every((t, i) => t === i)) return choose;
  return (v) => {
    const c = choose(v);
    return c < 0 ? c : targets[c]!;
  };
}

/**
 * Runs one unit: subtask `unit.subtask` of a unit graph made by {@link unitGraph}, with its own
 * checkpoints (`config.checkpointing`) and restore point (`config.restoreFrom`: one of the unit's
 * own checkpoints, or a checkpoint or savepoint of the whole job, of which it takes its share).
 * `jobOperators` are the uids of every operator of the whole job ({@link operatorUids}): a
 * whole-job savepoint's state of the other units' operators is theirs, not unmatched.
 * `options.jobMetrics` is what the unit's sources see as the job's metrics (see
 * {@link RunUnitOptions.jobMetrics}).
 */
export function runUnit(
  graph: StreamGraph,
  config: JobConfig,
  jobName: string,
  unit: Unit,
  jobOperators: ReadonlySet<string> = new Set(),
  options: RunUnitOptions = {},
): UnitClient {
  const executor = new LocalExecutor(
    graph,
    config,
    jobName,
    new ScaleOutUnitDeployment(unit.subtask, unit.parallelism, jobOperators, options.jobMetrics),
  );
  const client = executor.start();
  return {
    ...client,
    savepointPart: (part) => executor.savepointPart(part),
    handOver: () => executor.handOver(),
  };
}

/** Options of {@link runUnit}. */
export interface RunUnitOptions {
  /**
   * What the unit's sources (e.g. `jobMetricsSource` of @fleuve/alerts) see as the job's metrics
   * (`SourceReaderContext.jobMetrics`), given the unit's own snapshot (`local()`): a process that
   * runs several units gives the snapshot its Prometheus endpoint shows, every unit's operators and
   * the process figures. Called when a source asks (about once a second), never per record.
   * Default: the unit's own snapshot.
   */
  readonly jobMetrics?: UnitJobMetrics;
}

/** Handle on a running unit: a job client that can also take the unit's part of a savepoint. */
export interface UnitClient extends JobClient {
  /**
   * Takes a checkpoint of the unit that is also its part of a savepoint of the whole job (see
   * {@link SavepointPart}); resolves once the part is written and the checkpoint complete.
   */
  savepointPart(part: SavepointPart): Promise<SavepointPartWritten>;
  /**
   * Takes the unit's last checkpoint before it moves to another process: its sources stop right
   * after the barrier, so the checkpoint holds everything the unit did. Resolves with its id once
   * it is complete and committing; then cancel the unit. Its next owner restores from it.
   */
  handOver(): Promise<number>;
}

/** The uids of every operator of `graph` (what a checkpoint of it names its state by). */
export function operatorUids(graph: StreamGraph): Set<string> {
  return new Set(graph.nodes.map((n) => graph.uidOf(n)));
}

/** The folder of the newest valid checkpoint under `root` (corrupt ones skipped), if any. */
export async function latestCheckpoint(
  root: string,
  log: (line: string) => void = () => {},
  storage: CheckpointStorage = localCheckpointStorage,
): Promise<string | undefined> {
  return (await loadForRestore(root, log, storage))?.path;
}

/**
 * True when `root` holds a completed checkpoint (a `chk-*` folder with its `_metadata`), without
 * reading and verifying its files as {@link latestCheckpoint} does: cheap enough to poll.
 */
export async function hasCompletedCheckpoint(
  root: string,
  storage: CheckpointStorage = localCheckpointStorage,
): Promise<boolean> {
  for (const c of await listCheckpointFolders(root, storage)) {
    if ((await storage.readFile(c.path, "_metadata")) !== undefined) return true;
  }
  return false;
}
