/**
 * Hand-written plain TypeScript loops computing what each benchmark pipeline computes, without the
 * engine: the same generated records, the same watermark rule (max timestamp - bound - 1) and the
 * same results, so the benchmark table can show the engine's overhead as a ratio. They are written
 * as one would write them by hand for speed (e.g. panes for the sliding window), not as a copy of
 * the engine's algorithms.
 */
import type { BenchEvent, StreamShape } from "./events.js";

/** A window result as every window benchmark emits it. */
export interface WindowResult {
  readonly key: number;
  /** Window end (exclusive), ms. For sessions: last timestamp + gap, as Flink's TimeWindow. */
  readonly end: number;
  /** The aggregate (count or sum). */
  readonly agg: number;
}

type Gen = (i: number) => BenchEvent;

/** map -> filter, as the stateless pipeline. */
export function statelessBaseline(
  count: number,
  gen: Gen,
  emit: (o: { key: number; score: number; created: number }) => void,
): void {
  for (let i = 0; i < count; i++) {
    const e = gen(i);
    const o = { key: e.key, score: e.value * 2 + 1, created: e.created };
    if (o.key % 10 !== 0) emit(o);
  }
}

/** Running count per key, emitted for every record. */
export function keyedCountBaseline(
  count: number,
  gen: Gen,
  emit: (o: { key: number; count: number; created: number }) => void,
): void {
  const counts = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const e = gen(i);
    const c = (counts.get(e.key) ?? 0) + 1;
    counts.set(e.key, c);
    emit({ key: e.key, count: c, created: e.created });
  }
}

/** Count per key and tumbling window of `size` ms; a window fires when the watermark reaches end - 1. */
export function tumblingCountBaseline(
  count: number,
  gen: Gen,
  shape: StreamShape,
  size: number,
  emit: (o: WindowResult) => void,
): void {
  const windows = new Map<number, Map<number, number>>(); // window start -> key -> count
  let maxTs = Number.NEGATIVE_INFINITY;
  let lowestEnd = Number.POSITIVE_INFINITY;
  const bound = shape.maxOutOfOrdernessMs;
  const fire = (wm: number) => {
    lowestEnd = Number.POSITIVE_INFINITY;
    for (const [start, m] of windows) {
      const end = start + size;
      if (end - 1 <= wm) {
        for (const [key, c] of m) emit({ key, end, agg: c });
        windows.delete(start);
      } else if (end < lowestEnd) lowestEnd = end;
    }
  };
  for (let i = 0; i < count; i++) {
    const e = gen(i);
    const ts = e.ts;
    const start = ts - (ts % size);
    let m = windows.get(start);
    if (m === undefined) {
      m = new Map();
      windows.set(start, m);
      if (start + size < lowestEnd) lowestEnd = start + size;
    }
    m.set(e.key, (m.get(e.key) ?? 0) + 1);
    if (ts > maxTs) {
      maxTs = ts;
      if (maxTs - bound - 1 >= lowestEnd - 1) fire(maxTs - bound - 1);
    }
  }
  fire(Number.POSITIVE_INFINITY);
}

/**
 * Sum per key over sliding windows (`size`, `slide`, size a multiple of slide) with panes: each
 * record updates one pane; firing a window adds the newest pane to a running per-key sum and
 * subtracts the pane that left the window.
 */
export function slidingSumBaseline(
  count: number,
  gen: Gen,
  shape: StreamShape,
  size: number,
  slide: number,
  emit: (o: WindowResult) => void,
): void {
  const panes = new Map<number, Map<number, number>>(); // pane start -> key -> sum
  const running = new Map<number, number>(); // key -> sum over the window being fired
  const bound = shape.maxOutOfOrdernessMs;
  let maxTs = Number.NEGATIVE_INFINITY;
  let nextEnd = Number.NaN; // end of the next window to fire
  let lastPane = Number.NEGATIVE_INFINITY;
  const addPane = (start: number, sign: 1 | -1) => {
    const p = panes.get(start);
    if (p === undefined) return;
    for (const [key, s] of p) {
      const v = (running.get(key) ?? 0) + sign * s;
      if (v === 0) running.delete(key);
      else running.set(key, v);
    }
    if (sign < 0) panes.delete(start);
  };
  const fireUpTo = (wm: number) => {
    while (nextEnd - 1 <= wm && (running.size > 0 || nextEnd - slide <= lastPane)) {
      addPane(nextEnd - slide, 1);
      addPane(nextEnd - slide - size, -1);
      for (const [key, s] of running) emit({ key, end: nextEnd, agg: s });
      nextEnd += slide;
    }
  };
  for (let i = 0; i < count; i++) {
    const e = gen(i);
    const ts = e.ts;
    const start = ts - (ts % slide);
    let p = panes.get(start);
    if (p === undefined) {
      p = new Map();
      panes.set(start, p);
      if (start > lastPane) lastPane = start;
      if (Number.isNaN(nextEnd) || start + slide < nextEnd) nextEnd = start + slide;
    }
    p.set(e.key, (p.get(e.key) ?? 0) + e.value);
    if (ts > maxTs) {
      maxTs = ts;
      if (maxTs - bound - 1 >= nextEnd - 1) fireUpTo(maxTs - bound - 1);
    }
  }
  fireUpTo(Number.POSITIVE_INFINITY);
}

interface Session {
  start: number;
  end: number;
  count: number;
  live: boolean;
}

/**
 * Count per key and session: records at most `gap` ms apart belong to one session (Flink merges
 * windows [ts, ts + gap) that overlap or touch).
 */
export function sessionCountBaseline(
  count: number,
  gen: Gen,
  shape: StreamShape,
  gap: number,
  emit: (o: WindowResult) => void,
): void {
  const open = new Map<number, Session[]>();
  // Sessions in the order their current end was set: an entry is stale when the session grew since.
  let queue: { s: Session; key: number; end: number }[] = [];
  let head = 0;
  const bound = shape.maxOutOfOrdernessMs;
  let maxTs = Number.NEGATIVE_INFINITY;
  const fire = (wm: number) => {
    while (head < queue.length) {
      const q = queue[head]!;
      const stale = !q.s.live || q.s.end !== q.end;
      if (!stale && q.end - 1 > wm) break;
      head++;
      if (stale) continue;
      q.s.live = false;
      emit({ key: q.key, end: q.end, agg: q.s.count });
      const list = open.get(q.key)!;
      if (list.length === 1) open.delete(q.key);
      else list.splice(list.indexOf(q.s), 1);
    }
    if (head > 65536 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };
  for (let i = 0; i < count; i++) {
    const e = gen(i);
    const ts = e.ts;
    let list = open.get(e.key);
    if (list === undefined) {
      list = [];
      open.set(e.key, list);
    }
    let merged: Session | undefined;
    for (let k = 0; k < list.length; k++) {
      const s = list[k]!;
      if (s.start <= ts + gap && ts <= s.end) {
        if (merged === undefined) {
          merged = s;
        } else {
          merged.start = Math.min(merged.start, s.start);
          merged.end = Math.max(merged.end, s.end);
          merged.count += s.count;
          s.live = false;
          list.splice(k--, 1);
        }
      }
    }
    if (merged === undefined) {
      merged = { start: ts, end: ts + gap, count: 1, live: true };
      list.push(merged);
      queue.push({ s: merged, key: e.key, end: merged.end });
    } else {
      merged.count++;
      if (ts < merged.start) merged.start = ts;
      if (ts + gap > merged.end) merged.end = ts + gap;
      queue.push({ s: merged, key: e.key, end: merged.end });
    }
    if (ts > maxTs) {
      maxTs = ts;
      fire(maxTs - bound - 1);
    }
  }
  fire(Number.POSITIVE_INFINITY);
}
