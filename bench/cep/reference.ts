/** Brute-force references of the benchmark's patterns, for the workers' tests. */
import type { CepEvent } from "./scenarios.js";

const MIN = 60_000;

/**
 * Brute force, per card in file order (timestamps ascend, ties in file order): each small payment
 * with the first large payment after it, if that comes less than 10 minutes later (Flink times a
 * partial match out when time reaches its start + the window, before that moment's events).
 */
export function fraudReference(events: readonly CepEvent[]): string[] {
  const out: string[] = [];
  events.forEach((s, i) => {
    if (!(s.amount < 10)) return;
    for (let j = i + 1; j < events.length; j++) {
      const l = events[j]!;
      if (l.key !== s.key || !(l.amount > 500)) continue;
      if (l.ts - s.ts < 10 * MIN) out.push(`${s.key}|small=${i}|large=${j}`);
      break;
    }
  });
  return out.sort();
}
