/**
 * A binary min-heap of fixed-size records stored flat in one number array (`stride` numbers per
 * record, ordered by the number at `key`), that moves records exactly as `java.util.PriorityQueue`
 * does (same sift-up, sift-down, poll and bulk removal). Flink CEP keeps its partial and completed
 * matches in such queues and visits them in array order, which decides the order of matches and
 * which of two tied matches a skip strategy keeps; the same layout gives the same output as Flink.
 */

/** A heap's shape: record size and the offset of the sort key in a record. */
export interface HeapShape {
  readonly stride: number;
  readonly key: number;
}

const tmp: number[] = [];

function place(a: number[], shape: HeapShape, k: number, row: number[]): void {
  const base = k * shape.stride;
  for (let j = 0; j < shape.stride; j++) a[base + j] = row[j]!;
}

function move(a: number[], shape: HeapShape, from: number, to: number): void {
  const s = shape.stride;
  const f = from * s;
  const t = to * s;
  for (let j = 0; j < s; j++) a[t + j] = a[f + j]!;
}

function siftUp(a: number[], shape: HeapShape, k: number, row: number[]): void {
  const x = row[shape.key]!;
  while (k > 0) {
    const parent = (k - 1) >>> 1;
    if (x >= a[parent * shape.stride + shape.key]!) break;
    move(a, shape, parent, k);
    k = parent;
  }
  place(a, shape, k, row);
}

function siftDown(a: number[], shape: HeapShape, k: number, row: number[], n: number): void {
  const s = shape.stride;
  const key = shape.key;
  const x = row[key]!;
  const half = n >>> 1;
  while (k < half) {
    let child = (k << 1) + 1;
    const right = child + 1;
    if (right < n && a[child * s + key]! > a[right * s + key]!) child = right;
    if (x <= a[child * s + key]!) break;
    move(a, shape, child, k);
    k = child;
  }
  place(a, shape, k, row);
}

/** Number of records. */
export function heapSize(a: number[], shape: HeapShape): number {
  return a.length / shape.stride;
}

/**
 * Adds `row` (PriorityQueue.offer) to the heap of the first `size` numbers of `a` (the array may be
 * longer: scratch arrays keep their capacity); returns the new size.
 */
export function heapOffer(a: number[], size: number, shape: HeapShape, row: number[]): number {
  siftUp(a, shape, size / shape.stride, row);
  return size + shape.stride;
}

/** Removes the smallest record (PriorityQueue.poll) into `out`. */
export function heapPoll(a: number[], shape: HeapShape, out: number[]): void {
  const s = shape.stride;
  for (let j = 0; j < s; j++) out[j] = a[j]!;
  const n = a.length / s - 1;
  for (let j = 0; j < s; j++) tmp[j] = a[n * s + j]!;
  a.length = n * s;
  if (n > 0) siftDown(a, shape, 0, tmp, n);
}

/**
 * Removes the records for which `drop(i)` is true (asked once per record, in array order, before
 * anything moves), keeps the others in order and re-heapifies (PriorityQueue.removeIf/removeAll).
 */
export function heapRemoveIf(a: number[], shape: HeapShape, drop: (i: number) => boolean): boolean {
  const s = shape.stride;
  const n = a.length / s;
  let i = 0;
  while (i < n && !drop(i)) i++;
  if (i >= n) return false;
  const dead = new Uint8Array(n);
  dead[i] = 1;
  for (let j = i + 1; j < n; j++) if (drop(j)) dead[j] = 1;
  let w = i;
  for (let j = i; j < n; j++) if (dead[j] === 0) move(a, shape, j, w++);
  a.length = w * s;
  for (let k = (w >>> 1) - 1; k >= 0; k--) {
    for (let j = 0; j < s; j++) tmp[j] = a[k * s + j]!;
    siftDown(a, shape, k, tmp, w);
  }
  return true;
}
