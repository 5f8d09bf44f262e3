/**
 * A layered layout of a job graph, left to right as Flink's web UI draws it: each operator goes to
 * the layer after the deepest of its inputs (longest path from the sources), and the operators of
 * a layer are ordered by the mean position of their inputs (a few barycenter sweeps), which keeps
 * most edges from crossing in the small, mostly linear graphs jobs have. Computed on the server so
 * the page only draws, and so it is tested without a browser.
 */

/** Size of a node box and gaps between them (px). */
export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 88;
const LAYER_GAP = 90;
const ROW_GAP = 36;
const MARGIN = 20;

/** Where a node is drawn: its box's top-left corner. */
export interface Placed {
  readonly id: number;
  readonly layer: number;
  readonly x: number;
  readonly y: number;
}

/** A laid-out graph: node positions by id, edge polylines, and the drawing's size. */
export interface Layout {
  readonly nodes: readonly Placed[];
  /** Per edge (in the order given): points from the source box's right side to the target's left. */
  readonly edges: readonly { source: number; target: number; points: [number, number][] }[];
  readonly width: number;
  readonly height: number;
}

/**
 * Lays out nodes `ids` joined by `edges` (source -> target). Cycles cannot occur in a job graph;
 * an edge that would close one is ignored for layering.
 */
export function layoutGraph(
  ids: readonly number[],
  edges: readonly { readonly source: number; readonly target: number }[],
): Layout {
  const inputs = new Map<number, number[]>(ids.map((id) => [id, []]));
  for (const e of edges) inputs.get(e.target)?.push(e.source);
  const layer = new Map<number, number>();
  const visiting = new Set<number>();
  const depth = (id: number): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let d = 0;
    for (const s of inputs.get(id) ?? []) if (inputs.has(s)) d = Math.max(d, depth(s) + 1);
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  for (const id of ids) depth(id);
  const layers: number[][] = [];
  for (const id of ids) (layers[layer.get(id)!] ??= []).push(id);
  // Order within layers: barycenter of the inputs' rows, two sweeps (ties keep graph order).
  const row = new Map<number, number>();
  for (const l of layers)
    l?.forEach((id, i) => {
      row.set(id, i);
    });
  for (let sweep = 0; sweep < 2; sweep++) {
    for (let k = 1; k < layers.length; k++) {
      const l = layers[k];
      if (!l) continue;
      const key = (id: number) => {
        const ins = (inputs.get(id) ?? []).filter((s) => row.has(s));
        return ins.length === 0 ? row.get(id)! : ins.reduce((a, s) => a + row.get(s)!, 0) / ins.length;
      };
      const keys = new Map(l.map((id) => [id, key(id)]));
      l.sort((a, b) => keys.get(a)! - keys.get(b)! || a - b);
      l.forEach((id, i) => {
        row.set(id, i);
      });
    }
  }
  const tallest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
  const height = MARGIN * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP;
  const placed = new Map<number, Placed>();
  layers.forEach((l, k) => {
    if (!l) return;
    // centre each layer vertically
    const used = l.length * NODE_HEIGHT + (l.length - 1) * ROW_GAP;
    const top = (height - used) / 2;
    l.forEach((id, i) => {
      placed.set(id, {
        id,
        layer: k,
        x: MARGIN + k * (NODE_WIDTH + LAYER_GAP),
        y: top + i * (NODE_HEIGHT + ROW_GAP),
      });
    });
  });
  const width = MARGIN * 2 + Math.max(1, layers.length) * NODE_WIDTH + (layers.length - 1) * LAYER_GAP;
  return {
    nodes: ids.map((id) => placed.get(id)!),
    edges: edges
      .filter((e) => placed.has(e.source) && placed.has(e.target))
      .map((e) => {
        const s = placed.get(e.source)!;
        const t = placed.get(e.target)!;
        return {
          source: e.source,
          target: e.target,
          points: [
            [s.x + NODE_WIDTH, s.y + NODE_HEIGHT / 2],
            [t.x, t.y + NODE_HEIGHT / 2],
          ],
        };
      }),
    width,
    height,
  };
}
