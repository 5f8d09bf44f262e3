/** A binary min-heap of numbers (timestamps). Allocation-free after growth. */
export class NumberMinHeap {
  private data: number[] = [];

  /** Number of entries (duplicates count). */
  get size(): number {
    return this.data.length;
  }

  /** The smallest entry, or undefined when empty. */
  peek(): number | undefined {
    return this.data[0];
  }

  /** Adds an entry. */
  push(x: number): void {
    const d = this.data;
    d.push(x);
    let i = d.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (d[p]! <= x) break;
      d[i] = d[p]!;
      i = p;
    }
    d[i] = x;
  }

  /** Removes and returns the smallest entry, or undefined when empty. */
  pop(): number | undefined {
    const d = this.data;
    if (d.length === 0) return undefined;
    const top = d[0]!;
    const last = d.pop()!;
    if (d.length > 0) {
      let i = 0;
      const n = d.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && d[r]! < d[l]! ? r : l;
        if (d[c]! >= last) break;
        d[i] = d[c]!;
        i = c;
      }
      d[i] = last;
    }
    return top;
  }
}
