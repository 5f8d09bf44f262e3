/**
 * The CEP runner's queue of key deadlines in event time (a partial match's time-out, an absence):
 * what keyed timers did for it, without their per-key index and timer objects. A deadline is
 * mostly later than every one queued before it (event time plus a constant `within`): that is an
 * append to a sorted run; an earlier one (a key's next partial match, once its first timed out)
 * goes to a binary heap. Both are parallel arrays, so a queued deadline allocates nothing once the
 * arrays have grown. Items are never removed before they are due: each carries a number (`item`)
 * that the runner compares with its entry's to skip those it no longer needs.
 */
import type { Key, NormalizedKey } from "@fleuve/core/spi";

/** A queue of (time, key, normalized key, entry, item number), popped in time order. */
export class DeadlineQueue<E> {
  // The sorted run, from `head` to its end.
  private readonly rTs: number[] = [];
  private readonly rKey: Key[] = [];
  private readonly rNk: NormalizedKey[] = [];
  private readonly rEntry: (E | undefined)[] = [];
  private readonly rItem: number[] = [];
  private head = 0;
  private rLen = 0;
  // The heap (a binary min-heap on time), from 0 to `hLen`.
  private readonly hTs: number[] = [];
  private readonly hKey: Key[] = [];
  private readonly hNk: NormalizedKey[] = [];
  private readonly hEntry: (E | undefined)[] = [];
  private readonly hItem: number[] = [];
  private hLen = 0;
  /** The item {@link popDue} took out (fields, not a returned object: no allocation per item). */
  time = 0;
  key!: Key;
  nk!: NormalizedKey;
  entry!: E;
  item = 0;

  /** Number of queued items (those no longer needed included). */
  get size(): number {
    return this.rLen - this.head + this.hLen;
  }

  /** Queues `entry` of `key` at time `t`. */
  push(t: number, key: Key, nk: NormalizedKey, entry: E, item: number): void {
    const n = this.rLen;
    if (this.head === n || this.rTs[n - 1]! <= t) {
      this.rTs[n] = t;
      this.rKey[n] = key;
      this.rNk[n] = nk;
      this.rEntry[n] = entry;
      this.rItem[n] = item;
      this.rLen = n + 1;
      return;
    }
    let i = this.hLen++;
    // Sift up: move parents later than `t` down, then write the item where it stops.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.hTs[p]! <= t) break;
      this.moveHeap(p, i);
      i = p;
    }
    this.setHeap(i, t, key, nk, entry, item);
  }

  /** The earliest queued time, or +Infinity when the queue is empty. */
  peek(): number {
    const r = this.head < this.rLen ? this.rTs[this.head]! : Number.POSITIVE_INFINITY;
    const h = this.hLen > 0 ? this.hTs[0]! : Number.POSITIVE_INFINITY;
    return Math.min(r, h);
  }

  /**
   * Takes out the earliest item when its time is <= `upTo`, into {@link time}, {@link key},
   * {@link nk}, {@link entry} and {@link item}; returns false (taking nothing) otherwise.
   */
  popDue(upTo: number): boolean {
    const fromRun = this.head < this.rLen;
    if (fromRun && (this.hLen === 0 || this.rTs[this.head]! <= this.hTs[0]!)) {
      const i = this.head;
      if (this.rTs[i]! > upTo) return false;
      this.head = i + 1;
      this.time = this.rTs[i]!;
      this.key = this.rKey[i]!;
      this.nk = this.rNk[i]!;
      this.entry = this.rEntry[i]!;
      this.item = this.rItem[i]!;
      this.rEntry[i] = undefined;
      this.compactRun();
      return true;
    }
    if (this.hLen === 0 || this.hTs[0]! > upTo) return false;
    this.time = this.hTs[0]!;
    this.key = this.hKey[0]!;
    this.nk = this.hNk[0]!;
    this.entry = this.hEntry[0]!;
    this.item = this.hItem[0]!;
    const last = --this.hLen;
    if (last > 0) {
      // The last item takes the root's place, then sinks to its own.
      this.moveHeap(last, 0);
      this.siftDownFrom(0);
    }
    this.hEntry[last] = undefined;
    return true;
  }

  /**
   * Drops the items for which `keep(entry, item)` is false, keeping the others' order: the run is
   * filtered in place, the heap filtered and rebuilt. Costs one pass over the queue.
   */
  compact(keep: (entry: E, item: number) => boolean): void {
    let n = 0;
    for (let i = this.head; i < this.rLen; i++) {
      const entry = this.rEntry[i]!;
      if (!keep(entry, this.rItem[i]!)) continue;
      this.rTs[n] = this.rTs[i]!;
      this.rKey[n] = this.rKey[i]!;
      this.rNk[n] = this.rNk[i]!;
      this.rEntry[n] = entry;
      this.rItem[n] = this.rItem[i]!;
      n++;
    }
    this.rEntry.fill(undefined, n, this.rLen);
    this.head = 0;
    this.rLen = n;
    let h = 0;
    for (let i = 0; i < this.hLen; i++) {
      const entry = this.hEntry[i]!;
      if (!keep(entry, this.hItem[i]!)) continue;
      this.setHeap(h++, this.hTs[i]!, this.hKey[i]!, this.hNk[i]!, entry, this.hItem[i]!);
    }
    this.hEntry.fill(undefined, h, this.hLen);
    this.hLen = h;
    // Floyd's heap construction: sift down every parent, last first.
    for (let i = (h >> 1) - 1; i >= 0; i--) this.siftDownFrom(i);
  }

  /** Calls `fn` on every queued item (in no set order), then empties the queue. */
  drainAll(fn: (t: number, key: Key, nk: NormalizedKey, entry: E, item: number) => void): void {
    for (let i = this.head; i < this.rLen; i++) {
      fn(this.rTs[i]!, this.rKey[i]!, this.rNk[i]!, this.rEntry[i]!, this.rItem[i]!);
      this.rEntry[i] = undefined;
    }
    for (let i = 0; i < this.hLen; i++) {
      fn(this.hTs[i]!, this.hKey[i]!, this.hNk[i]!, this.hEntry[i]!, this.hItem[i]!);
      this.hEntry[i] = undefined;
    }
    this.head = 0;
    this.rLen = 0;
    this.hLen = 0;
  }

  /** The run keeps its arrays' room: emptied, it restarts at 0; half consumed, it moves down. */
  private compactRun(): void {
    const head = this.head;
    if (head === this.rLen) {
      this.head = 0;
      this.rLen = 0;
    } else if (head > 4096 && head * 2 > this.rLen) {
      const n = this.rLen;
      this.rTs.copyWithin(0, head, n);
      this.rKey.copyWithin(0, head, n);
      this.rNk.copyWithin(0, head, n);
      this.rEntry.copyWithin(0, head, n);
      this.rEntry.fill(undefined, n - head, n);
      this.rItem.copyWithin(0, head, n);
      this.rLen = n - head;
      this.head = 0;
    }
  }

  /** Sifts the heap's item at `start` down to its place (heap of `hLen` items). */
  private siftDownFrom(start: number): void {
    const n = this.hLen;
    const t = this.hTs[start]!;
    const key = this.hKey[start]!;
    const nk = this.hNk[start]!;
    const entry = this.hEntry[start]!;
    const item = this.hItem[start]!;
    let i = start;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.hTs[c + 1]! < this.hTs[c]!) c++;
      if (this.hTs[c]! >= t) break;
      this.moveHeap(c, i);
      i = c;
    }
    this.setHeap(i, t, key, nk, entry, item);
  }

  private moveHeap(from: number, to: number): void {
    this.hTs[to] = this.hTs[from]!;
    this.hKey[to] = this.hKey[from]!;
    this.hNk[to] = this.hNk[from]!;
    this.hEntry[to] = this.hEntry[from];
    this.hItem[to] = this.hItem[from]!;
  }

  private setHeap(i: number, t: number, key: Key, nk: NormalizedKey, entry: E, item: number): void {
    this.hTs[i] = t;
    this.hKey[i] = key;
    this.hNk[i] = nk;
    this.hEntry[i] = entry;
    this.hItem[i] = item;
  }
}
