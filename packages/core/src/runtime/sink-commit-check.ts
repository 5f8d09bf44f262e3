/**
 * Refuses, before a job starts, a sink that could never commit: an exactly-once (two-phase-commit)
 * sink makes its output visible only when a checkpoint completes, or once at the end of its input.
 * Fed by an unbounded source in a job without checkpointing, it would run, write, and commit
 * nothing, leaving its transactions or in-progress files open, silently.
 *
 * As in Flink: a committing sink on bounded input commits at the end of input when checkpointing
 * is off (Flink's CommitterOperator.endInput), so such jobs still run.
 */
import { isTwoPhaseCommitSink } from "../connector/sink.js";
import { FleuveError } from "../errors.js";
import type { GraphNode, StreamGraph } from "../graph/stream-graph.js";

/**
 * Throws FLEUVE_CONFIG_INVALID naming the first sink of `graph` that commits only at checkpoints
 * and is fed by an unbounded source, when `checkpointing` is off.
 */
export function checkSinksCanCommit(graph: StreamGraph, checkpointing: boolean): void {
  if (checkpointing) return;
  for (const node of graph.nodes) {
    const sink = node.sink;
    if (!sink || !isTwoPhaseCommitSink(sink) || sink.needsCheckpoints === false) continue;
    const unbounded = unboundedSourceUpstream(graph, node);
    if (unbounded === undefined) continue;
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `sink '${node.name}' is exactly-once: it commits its output only when a checkpoint completes, ` +
        `and checkpointing is off while its input (source '${unbounded.name}') never ends, so it would ` +
        "commit nothing and leave its transactions open. Enable checkpointing (environment option " +
        "checkpointing: { dir, intervalMs }), or use an at-least-once sink" +
        (sink.atLeastOnceHint ? ` (${sink.atLeastOnceHint}).` : "."),
      { details: { option: "checkpointing", sink: node.name, source: unbounded.name } },
    );
  }
}

/** The first unbounded source whose records can reach `node`, if any. */
export function unboundedSourceUpstream(graph: StreamGraph, node: GraphNode): GraphNode | undefined {
  const seen = new Set<number>();
  const stack = [node.id];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = graph.nodes[id]!;
    if (n.kind === "source" && n.bounded !== true) return n;
    for (const e of graph.inputsOf(id)) stack.push(e.source);
  }
  return undefined;
}
