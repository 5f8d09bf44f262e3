/**
 * The layered layout on random job graphs (DAGs with fan-in and fan-out): every node is placed,
 * no two boxes overlap, every edge runs left to right (its target's layer is after its source's,
 * as in Flink's web UI), each node sits one layer after its deepest input (longest path, the
 * reference computed here by brute force over all paths), and the drawing holds every box.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH } from "../src/layout.js";

/** A DAG: edges only from a lower id to a higher one (as the DataStream API numbers operators). */
const dag = fc.integer({ min: 2, max: 10 }).chain((n) =>
  fc
    .array(
      fc
        .tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 }))
        .filter(([a, b]) => a !== b)
        .map(([a, b]) => ({ source: Math.min(a, b), target: Math.max(a, b) })),
      { maxLength: 2 * n },
    )
    // one edge per pair, as a stream graph has (the brute force below enumerates paths)
    .map((edges) => [...new Map(edges.map((e) => [`${e.source}>${e.target}`, e])).values()])
    .map((edges) => ({ ids: Array.from({ length: n }, (_, i) => i), edges })),
);

/** Length of the longest path into `id`, by enumerating every path (brute force). */
function longestPathTo(id: number, edges: readonly { source: number; target: number }[]): number {
  let best = 0;
  for (const e of edges) if (e.target === id) best = Math.max(best, 1 + longestPathTo(e.source, edges));
  return best;
}

test("layered layout: placed, no overlaps, edges left to right, layers by longest path", () => {
  fc.assert(
    fc.property(dag, ({ ids, edges }) => {
      const l = layoutGraph(ids, edges);
      assert.equal(l.nodes.length, ids.length);
      const at = new Map(l.nodes.map((p) => [p.id, p]));
      for (const id of ids) {
        const p = at.get(id)!;
        assert.equal(p.layer, longestPathTo(id, edges), `layer of ${id}`);
        assert.ok(p.x >= 0 && p.y >= 0 && p.x + NODE_WIDTH <= l.width && p.y + NODE_HEIGHT <= l.height);
      }
      for (const a of l.nodes)
        for (const b of l.nodes) {
          if (a.id >= b.id) continue;
          const apart =
            a.x + NODE_WIDTH <= b.x ||
            b.x + NODE_WIDTH <= a.x ||
            a.y + NODE_HEIGHT <= b.y ||
            b.y + NODE_HEIGHT <= a.y;
          assert.ok(apart, `boxes ${a.id} and ${b.id} overlap`);
        }
      assert.equal(l.edges.length, edges.length);
      for (const e of l.edges) {
        assert.ok(at.get(e.target)!.layer > at.get(e.source)!.layer);
        const [[x1], [x2]] = e.points as [[number, number], [number, number]];
        assert.ok(x1 < x2, "edge drawn left to right");
      }
    }),
    { numRuns: 300 },
  );
});

test("a chain is one row; a fan-out's branches are stacked in one layer", () => {
  const chain = layoutGraph(
    [0, 1, 2],
    [
      { source: 0, target: 1 },
      { source: 1, target: 2 },
    ],
  );
  assert.deepEqual(
    chain.nodes.map((n) => n.layer),
    [0, 1, 2],
  );
  assert.equal(new Set(chain.nodes.map((n) => n.y)).size, 1);
  const fan = layoutGraph(
    [0, 1, 2, 3],
    [
      { source: 0, target: 1 },
      { source: 0, target: 2 },
      { source: 1, target: 3 },
      { source: 2, target: 3 },
    ],
  );
  assert.deepEqual(
    fan.nodes.map((n) => n.layer),
    [0, 1, 1, 2],
  );
  assert.equal(fan.nodes[1]!.x, fan.nodes[2]!.x);
  assert.notEqual(fan.nodes[1]!.y, fan.nodes[2]!.y);
});
