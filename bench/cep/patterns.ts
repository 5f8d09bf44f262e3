/**
 * The benchmark's three patterns on `@fleuve/cep`, the twins of bench/flink's CepBench.pattern
 * (keep both in sync), and the canonical form of a match that both engines write: one line per
 * match, `key|step=i,i|step=i` with the events' line numbers, steps in pattern order.
 */
import { Pattern, skipPastLastEvent } from "@fleuve/cep";
import type { CepScenario } from "./scenarios.js";

/** An input event with its line number in the file (the id the canonical lines use). */
export interface CepTx {
  readonly idx: number;
  readonly key: number;
  readonly ts: number;
  readonly type: string;
  readonly amount: number;
}

const MIN = 60_000;

/**
 * The three patterns with each `within` divided by `timeScale` (1: as written below; a latency run
 * in processing time replays event time `timeScale` times faster, so its windows shrink alike).
 */
export function benchPatterns(timeScale = 1) {
  const w = (ms: number): number => ms / timeScale;
  /** A small payment (< 10), then a large one (> 500) from the same card within 10 minutes. */
  const fraud = Pattern.for<CepTx>()
    .begin("small")
    .where((t) => t.amount < 10)
    .followedBy("large")
    .where((t) => t.amount > 500)
    .within(w(10 * MIN));
  /**
   * A reading above 80, then one or more above 85 with no cooler reading in between, then one above
   * 90 right after, within 3 minutes; one alert per episode (skip past its last event).
   */
  const spikes = Pattern.for<CepTx>()
    .begin("rise", skipPastLastEvent())
    .where((t) => t.amount > 80)
    .next("hot")
    .where((t) => t.amount > 85)
    .oneOrMore()
    .consecutive()
    .next("critical")
    .where((t) => t.amount > 90)
    .within(w(3 * MIN));
  /** An order with no payment from the same customer within 15 minutes (emitted when they pass). */
  const absence = Pattern.for<CepTx>()
    .begin("order")
    .where((t) => t.type === "order")
    .notFollowedBy("payment")
    .where((t) => t.type === "payment")
    .within(w(15 * MIN));
  return {
    fraud: { pattern: fraud, steps: ["small", "large"], withinMs: w(10 * MIN) },
    spikes: { pattern: spikes, steps: ["rise", "hot", "critical"], withinMs: w(3 * MIN) },
    absence: { pattern: absence, steps: ["order"], withinMs: w(15 * MIN) },
  } as const satisfies Record<CepScenario, { pattern: unknown; steps: readonly string[]; withinMs: number }>;
}

/** Each scenario's pattern and its step names in pattern order. */
export const BENCH_PATTERNS = benchPatterns(1);

/** The canonical line of a match (see the file comment). */
export function canonicalMatch(
  match: Readonly<Record<string, readonly CepTx[] | undefined>>,
  steps: readonly string[],
): string {
  let key = -1;
  let line = "";
  for (const s of steps) {
    const evs = match[s];
    if (evs === undefined || evs.length === 0) continue;
    key = evs[0]!.key;
    line += `|${s}=${evs.map((e) => e.idx).join(",")}`;
  }
  return `${key}${line}`;
}
