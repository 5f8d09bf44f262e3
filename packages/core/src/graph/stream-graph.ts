/**
 * The stream graph (Flink's StreamGraph): a plain, inspectable description of operators (nodes)
 * and how records move between them (edges). The DataStream API builds it; CEP and SQL will
 * compile to it; the runtime turns it into chained tasks (the job graph). Nothing here runs.
 */
import type { Sink } from "../connector/sink.js";
import { FleuveError } from "../errors.js";
import type { KeySelector } from "../spi/key-groups.js";
import type { StreamOperator } from "../spi/operator.js";
import type { OutputTag } from "../spi/output-tag.js";

/** How records of an edge are distributed among the target's parallel subtasks. */
export type PartitionerKind =
  | "forward" // subtask i -> subtask i (same parallelism)
  | "hash" // by key group of the key (keyBy)
  | "rebalance" // round-robin over all target subtasks
  | "rescale" // round-robin over a local subset of target subtasks
  | "shuffle" // random
  | "broadcast" // every record to every target subtask
  | "global" // everything to subtask 0
  | "custom"; // user function of the key

/** A node of the stream graph: one operator with its parallelism. */
export interface GraphNode {
  readonly id: number;
  name: string;
  /** Stable id set by the user (for state matching on restore); otherwise derived from `id`. */
  uid: string | undefined;
  /**
   * What the operator's state depends on (e.g. its keys and aggregates), field by field; stored
   * with its state in checkpoints, so a restore finds state written for another schema
   * (see api/state-fit.ts). Undefined: not declared.
   */
  stateSchema?: Readonly<Record<string, string>> | undefined;
  readonly kind: "source" | "operator" | "sink";
  /** Number of inputs the operator takes: 0 (source), 1, or 2 (connected streams). */
  readonly inputArity: 0 | 1 | 2;
  /** Parallelism; undefined means the environment's default at execution time. */
  parallelism: number | undefined;
  /** Creates a fresh operator instance for each parallel subtask. */
  readonly createOperator: () => StreamOperator<any>;
  /** Key selectors per input when the operator is keyed. */
  readonly keySelectors: readonly (KeySelector<any> | undefined)[];
  /** Whether the operator may be chained with its predecessor. */
  chaining: "always" | "head" | "never";
  /** For sources: is the input bounded. */
  readonly bounded?: boolean;
  /** For sources: can its positions be redistributed when its parallelism changes. */
  readonly rescalable?: boolean;
  /** Short human description (window size, function kind...) for plans and dashboards. */
  readonly description?: string;
  /** For sinks: the sink its operator writes to (checked before the job starts). */
  readonly sink?: Sink<any>;
}

/** An edge: records from `source` (main output or a side output) to input `inputIndex` of `target`. */
export interface GraphEdge {
  readonly source: number;
  readonly target: number;
  readonly inputIndex: 0 | 1;
  readonly partitioner: PartitionerKind;
  readonly keySelector?: KeySelector<any>;
  readonly customPartitioner?: (key: any, numPartitions: number) => number;
  readonly sideOutput?: OutputTag<any>;
  /** True when the user asked for `forward()`; a default forward edge between different parallelisms becomes rebalance, as in Flink. */
  readonly explicit?: boolean;
}

/** A plain view of a node, for printing and tooling. */
export interface GraphNodeView {
  id: number;
  name: string;
  uid: string;
  kind: string;
  parallelism: number;
  keyed: boolean;
  description?: string;
}

/** The logical graph of a job: one node per operator, before chaining. */
export class StreamGraph {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];

  /** Adds a node and returns it. */
  addNode(node: Omit<GraphNode, "id">): GraphNode {
    const n = { ...node, id: this.nodes.length } as GraphNode;
    this.nodes.push(n);
    return n;
  }

  /** Adds an edge. */
  addEdge(edge: GraphEdge): void {
    if (!this.nodes[edge.source] || !this.nodes[edge.target]) {
      throw new FleuveError(
        "FLEUVE_GRAPH_INVALID",
        `edge ${edge.source} -> ${edge.target} names a missing node`,
      );
    }
    this.edges.push(edge);
  }

  /** Edges into a node. */
  inputsOf(id: number): GraphEdge[] {
    return this.edges.filter((e) => e.target === id);
  }

  /** Edges out of a node. */
  outputsOf(id: number): GraphEdge[] {
    return this.edges.filter((e) => e.source === id);
  }

  /**
   * A copy holding only nodes `ids` and the nodes they read from (transitively), and the nodes
   * sinks among them feed (their global committers), with their edges:
   * the job of some sinks of a graph that holds others too (a SQL environment's earlier INSERTs).
   * Nodes are renumbered in order; each keeps the uid it has here, so its state still matches.
   */
  upstreamOf(ids: readonly number[]): StreamGraph {
    const keep = new Set<number>();
    const todo = [...ids];
    for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
      if (keep.has(id)) continue;
      if (this.nodes[id] === undefined)
        throw new FleuveError("FLEUVE_GRAPH_INVALID", `upstreamOf: no node ${id}`);
      keep.add(id);
      for (const e of this.inputsOf(id)) todo.push(e.source);
      // What a sink feeds (its global committer, see DataStream.sinkTo) is part of the sink.
      if (this.nodes[id]?.kind === "sink") for (const e of this.outputsOf(id)) todo.push(e.target);
    }
    const copy = new StreamGraph();
    const renumbered = new Map<number, number>();
    for (const n of this.nodes) {
      if (!keep.has(n.id)) continue;
      const { id: _, ...rest } = n;
      renumbered.set(n.id, copy.addNode({ ...rest, uid: this.uidOf(n) }).id);
    }
    for (const e of this.edges) {
      const source = renumbered.get(e.source);
      const target = renumbered.get(e.target);
      if (source !== undefined && target !== undefined) copy.addEdge({ ...e, source, target });
    }
    return copy;
  }

  /** The stable id of a node. */
  uidOf(node: GraphNode): string {
    return node.uid ?? `${node.name}#${node.id}`;
  }

  /** A JSON-friendly view (functions left out). */
  toJSON(defaultParallelism = 1): {
    nodes: GraphNodeView[];
    edges: { source: number; target: number; input: number; partitioner: string; sideOutput?: string }[];
  } {
    return {
      nodes: this.nodes.map((n) => ({
        id: n.id,
        name: n.name,
        uid: this.uidOf(n),
        kind: n.kind,
        parallelism: n.parallelism ?? defaultParallelism,
        keyed: n.keySelectors.some((k) => k !== undefined),
        ...(n.description ? { description: n.description } : {}),
      })),
      edges: this.edges.map((e) => ({
        source: e.source,
        target: e.target,
        input: e.inputIndex,
        partitioner: e.partitioner,
        ...(e.sideOutput ? { sideOutput: e.sideOutput.id } : {}),
      })),
    };
  }

  /** A readable plan, one line per node with its inputs. */
  describe(defaultParallelism = 1): string {
    const lines: string[] = [];
    for (const n of this.nodes) {
      const ins = this.inputsOf(n.id)
        .map(
          (e) =>
            `${this.nodes[e.source]!.name}#${e.source}${e.sideOutput ? `[${e.sideOutput.id}]` : ""} -${e.partitioner}->`,
        )
        .join(", ");
      lines.push(
        `#${n.id} ${n.name} (${n.kind}, p=${n.parallelism ?? defaultParallelism}${n.keySelectors.some(Boolean) ? ", keyed" : ""}${n.description ? `, ${n.description}` : ""})${ins ? ` <- ${ins}` : ""}`,
      );
    }
    return lines.join("\n");
  }
}
