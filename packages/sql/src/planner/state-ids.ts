/**
 * Operator ids of a planned query that survive editing it. Flink SQL numbers operators by their
 * position in the plan, so adding a projection renumbers everything after it and a savepoint no
 * longer restores. Here every operator with state (sources, sinks, keyed operators: aggregations,
 * joins, Top-N, deduplication, OVER, MATCH_RECOGNIZE) gets a uid from what its state depends on:
 * its kind and the ids of the stateful operators it reads from, looking through stateless ones
 * (projections, filters, window assignment). Adding, dropping or changing a projection or filter
 * therefore keeps every id. What the state holds (keys, aggregate calls, window) is its declared
 * state schema (`DataStream.stateSchema`), stored with it: a restore into an operator whose
 * schema changed is refused, naming the change (see core.s api/state-fit.ts).
 */
import { createHash } from "node:crypto";
import type { GraphNode, StreamGraph } from "@fleuve/core";

/** A short hash of `text`, for ids. */
function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 10);
}

/** `Source: orders` -> `orders`, as an id part. */
function slug(text: string): string {
  return text
    .replace(/^(Source|Sink):\s*/, "")
    .replace(/[^A-Za-z0-9_.-]+/g, "_")
    .slice(0, 60);
}

function hasState(node: GraphNode): boolean {
  return (
    node.kind !== "operator" ||
    node.stateSchema !== undefined ||
    node.keySelectors.some((k) => k !== undefined)
  );
}

/**
 * Gives every stateful operator of `graph` without a uid its structural uid, and keyed operators
 * that declared no state schema their name as one (a conservative schema: any change of the
 * operator's text is then reported as incompatible). Run after planning each statement; nodes
 * that already have a uid (from an earlier statement or the user) are left alone.
 */
export function assignStateIds(graph: StreamGraph): void {
  const taken = new Set(graph.nodes.flatMap((n) => (n.uid === undefined ? [] : [n.uid])));
  /** The nearest stateful ancestors of node `id` (itself if it has state): their uids and schemas. */
  const lineage = new Map<number, string[]>();
  const lineageOf = (node: GraphNode): string[] => {
    const known = lineage.get(node.id);
    if (known !== undefined) return known;
    let out: string[];
    if (hasState(node) && node.uid !== undefined)
      out = [
        `${node.uid}${node.stateSchema === undefined ? "" : ` (schema ${shortHash(JSON.stringify(node.stateSchema))})`}`,
      ];
    else {
      out = graph
        .inputsOf(node.id)
        .sort((a, b) => a.inputIndex - b.inputIndex)
        .flatMap((e) => lineageOf(graph.nodes[e.source] as GraphNode));
    }
    lineage.set(node.id, out);
    return out;
  };
  // Nodes are numbered in creation order, so inputs come before the nodes that read them.
  for (const node of graph.nodes) {
    if (node.uid !== undefined || !hasState(node)) continue;
    const inputs = graph
      .inputsOf(node.id)
      .sort((a, b) => a.inputIndex - b.inputIndex)
      .map((e) => lineageOf(graph.nodes[e.source] as GraphNode));
    let base: string;
    if (node.kind !== "operator") {
      // A source's position, a sink's transactions: the table says what they belong to.
      base = `${node.kind}-${slug(node.name)}`;
      node.stateSchema ??= { [node.kind]: slug(node.name) };
    } else {
      node.stateSchema ??= { operator: node.name };
      const kind = node.stateSchema.kind ?? node.name.replace(/\(.*$/s, "");
      const upstream = inputs.map((ids) => ids.map((i) => i.replace(/ \(schema .*$/s, "")).join("+"));
      base = `${slug(kind)}-${shortHash(`${kind}|${upstream.join("|")}`)}`;
      // What the state was computed from: a changed input (its schema) makes it incompatible too.
      node.stateSchema = { ...node.stateSchema, inputs: inputs.map((ids) => ids.join(" + ")).join(", ") };
    }
    let uid = base;
    for (let n = 2; taken.has(uid); n++) uid = `${base}-${n}`;
    taken.add(uid);
    node.uid = uid;
  }
}
