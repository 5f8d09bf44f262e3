/**
 * The job graph (Flink's JobGraph): the stream graph turned into tasks. Operators joined by
 * chainable edges run in one task (direct calls); other edges become channels between tasks. A
 * task has one subtask per degree of parallelism.
 */
import type { JobConfig } from "../api/config.js";
import type { GraphEdge, GraphNode, StreamGraph } from "../graph/stream-graph.js";

/** A chain of operators run as one task. */
export interface JobVertex {
  readonly id: number;
  readonly head: GraphNode;
  /** Nodes of the chain in topological order, head first. */
  readonly nodes: GraphNode[];
  readonly parallelism: number;
  /** Edges into the head from other tasks. */
  readonly inputs: GraphEdge[];
}

/** The tasks of a job: its vertices, each a chain of stream-graph nodes. */
export interface JobGraph {
  readonly vertices: JobVertex[];
  /** node id -> vertex id */
  readonly vertexOf: number[];
  /** node id -> resolved parallelism */
  readonly parallelismOf: number[];
  /** True when the edge joins two operators of one chain. */
  isChained(edge: GraphEdge): boolean;
}

/** Builds the job graph (chained vertices) from the stream graph. Nodes are created in topological order by the API. */
export function buildJobGraph(graph: StreamGraph, config: JobConfig): JobGraph {
  const parallelismOf = graph.nodes.map((n) => n.parallelism ?? config.parallelism);
  const vertexOf: number[] = [];
  const vertices: JobVertex[] = [];
  const chained = new Set<GraphEdge>();

  const chainable = (e: GraphEdge): boolean => {
    const src = graph.nodes[e.source]!;
    const dst = graph.nodes[e.target]!;
    if (dst.inputArity !== 1 || dst.chaining !== "always" || src.chaining === "never") return false;
    if (graph.inputsOf(dst.id).length !== 1) return false;
    const p = parallelismOf[src.id]!;
    if (p !== parallelismOf[dst.id]) return false;
    // With one subtask on each side every partitioner sends to the same place, so chain it.
    return e.partitioner === "forward" || p === 1;
  };

  for (const node of graph.nodes) {
    const ins = graph.inputsOf(node.id);
    if (ins.length === 1 && chainable(ins[0]!)) {
      const v = vertexOf[ins[0]!.source]!;
      vertexOf[node.id] = v;
      vertices[v]!.nodes.push(node);
      chained.add(ins[0]!);
    } else {
      const v: JobVertex = {
        id: vertices.length,
        head: node,
        nodes: [node],
        parallelism: parallelismOf[node.id]!,
        inputs: ins,
      };
      vertexOf[node.id] = v.id;
      vertices.push(v);
    }
  }
  return { vertices, vertexOf, parallelismOf, isChained: (e) => chained.has(e) };
}

/**
 * Which receiver subtasks a sender subtask is connected to over an edge between tasks, in the
 * order of the sender's channels.
 */
export function receiversOf(
  edge: GraphEdge,
  sender: number,
  senderParallelism: number,
  receiverParallelism: number,
): number[] {
  switch (edge.partitioner) {
    case "forward":
      return [sender];
    case "rescale": {
      if (senderParallelism >= receiverParallelism) {
        return [Math.floor((sender * receiverParallelism) / senderParallelism)];
      }
      const out: number[] = [];
      for (let j = 0; j < receiverParallelism; j++) {
        if (Math.floor((j * senderParallelism) / receiverParallelism) === sender) out.push(j);
      }
      return out;
    }
    default: {
      // "global" too: records all go to channel 0 (receiver 0), but every receiver needs a channel
      // to get the watermarks and the end of input, or the subtasks without input never finish.
      const all: number[] = [];
      for (let j = 0; j < receiverParallelism; j++) all.push(j);
      return all;
    }
  }
}
