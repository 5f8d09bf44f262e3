/**
 * A binary min-heap over parallel arrays ("columns"), ordered by one numeric key column, that moves
 * elements exactly as `java.util.PriorityQueue` does (same sift-up, sift-down, poll and bulk
 * removal). Flink CEP keeps its partial and completed matches in such queues and visits them in
 * array order, which decides the order of matches and which of two tied matches a skip strategy
 * keeps; keeping the same layout gives the same output as Flink.
 */

/** Parallel arrays; column `key` orders the heap (smaller first). */
export interface Columns {
  readonly cols: number[][];
  readonly key: number;
}

function move(c: Columns, from: number, to: number): void {
  for (const col of c.cols) col[to] = col[from]!;
}

function stash(c: Columns, i: number, tmp: number[]): void {
  for (let k = 0; k < c.cols.length; k++) tmp[k] = c.cols[k]![i]!;
}

function unstash(c: Columns, tmp: number[], i: number): void {
  for (let k = 0; k < c.cols.length; k++) c.cols[k]![i] = tmp[k]!;
}

const tmpRow: number[] = [];

function siftUp(c: Columns, k: number, row: number[]): void {
  const keys = c.cols[c.key]!;
  const x = row[c.key]!;
  while (k > 0) {
    const parent = (k - 1) >>> 1;
    if (x >= keys[parent]!) break;
    move(c, parent, k);
    k = parent;
  }
  unstash(c, row, k);
}

function siftDown(c: Columns, k: number, row: number[], n: number): void {
  const keys = c.cols[c.key]!;
  const x = row[c.key]!;
  const half = n >>> 1;
  while (k < half) {
    let child = (k << 1) + 1;
    const right = child + 1;
    if (right < n && keys[child]! > keys[right]!) child = right;
    if (x <= keys[child]!) break;
    move(c, child, k);
    k = child;
  }
  unstash(c, row, k);
}

/** Number of elements. */
export function heapSize(c: Columns): number {
  return c.cols[0]!.length;
}

/** Appends `row` and sifts it up (PriorityQueue.offer). */
export function heapOffer(c: Columns, row: number[]): void {
  const n = heapSize(c);
  for (const col of c.cols) col.push(0);
  siftUp(c, n, row);
}

/** Removes the smallest element (PriorityQueue.poll); its values are left in `out`. */
export function heapPoll(c: Columns, out: number[]): void {
  stash(c, 0, out);
  const n = heapSize(c) - 1;
  stash(c, n, tmpRow);
  for (const col of c.cols) col.length = n;
  if (n > 0) siftDown(c, 0, tmpRow, n);
}

/**
 * Removes the elements for which `drop(i)` is true (called once per index, in array order, before
 * anything moves), keeps the others in order and re-heapifies (PriorityQueue.removeIf/removeAll).
 */
export function heapRemoveIf(c: Columns, drop: (i: number) => boolean): boolean {
  const n = heapSize(c);
  let i = 0;
  while (i < n && !drop(i)) i++;
  if (i >= n) return false;
  const dead = new Uint8Array(n);
  dead[i] = 1;
  for (let j = i + 1; j < n; j++) if (drop(j)) dead[j] = 1;
  let w = i;
  for (let j = i; j < n; j++) if (dead[j] === 0) move(c, j, w++);
  for (const col of c.cols) col.length = w;
  for (let k = (w >>> 1) - 1; k >= 0; k--) {
    stash(c, k, tmpRow);
    siftDown(c, k, tmpRow, w);
  }
  return true;
}
