/**
 * The input of the CEP benchmark: a deterministic stream of keyed events for one of three
 * scenarios, written as CSV lines `key,ts,type,amount` that both Fleuve (bench/cep/run.ts) and
 * Flink CEP (bench/flink: dev.fleuve.cep.CepBench) read, so both match the very same input.
 *
 * - `fraud`: card payments (`pay`, amount in currency units); 6 % are small (< 10), 4 % large (> 500).
 * - `spikes`: temperature readings (`temp`, whole degrees) of sensors, a mean-reverting random walk
 *   per sensor around 70 (so hot readings come in runs).
 * - `absence`: shop orders (`order`, 30 %, amount) and payments (`payment`, 70 %) of customers.
 *
 * Keys are drawn uniformly from [0, keys); timestamps ascend (ms since 0, `ts = floor(i * 1000 /
 * rate)`, so several events share a millisecond at high rates); an event is identified by its
 * line number (0-based), which the canonical match lines use.
 */
import { mixSeed, NexmarkRng } from "../nexmark/rng.js";

/** The three benchmark scenarios (one pattern each, see bench/cep/README.md). */
export type CepScenario = "fraud" | "spikes" | "absence";

/** Options of the generator; `rate` defaults per scenario (see {@link DEFAULT_RATE}). */
export interface CepStreamOptions {
  readonly scenario: CepScenario;
  readonly events: number;
  readonly keys: number;
  readonly seed: number;
  /** Events per second of event time. */
  readonly rate?: number;
}

/**
 * Event-time rates chosen so that a key sees a few events inside its pattern's window: a card
 * pays every 5 min on average at 100k cards (window 10 min), a sensor reports every 30 s
 * (window 3 min), a customer acts every 5 min (window 15 min).
 */
export const DEFAULT_RATE: Readonly<Record<CepScenario, (keys: number) => number>> = {
  fraud: (keys) => keys / 300,
  spikes: (keys) => keys / 30,
  absence: (keys) => keys / 300,
};

/** One generated event. */
export interface CepEvent {
  readonly key: number;
  readonly ts: number;
  readonly type: string;
  readonly amount: number;
}

/** Renders an event as its CSV line (without the newline). */
export function renderCepEvent(e: CepEvent): string {
  return `${e.key},${e.ts},${e.type},${e.amount}`;
}

/** Parses a CSV line `key,ts,type,amount`; throws on a malformed line, naming it. */
export function parseCepEvent(line: string): CepEvent {
  const parts = line.split(",");
  if (parts.length !== 4) throw new Error(`CEP bench: expected key,ts,type,amount, got "${line}"`);
  const key = Number(parts[0]);
  const ts = Number(parts[1]);
  const amount = Number(parts[3]);
  if (!Number.isSafeInteger(key) || !Number.isSafeInteger(ts) || !Number.isFinite(amount))
    throw new Error(`CEP bench: bad number in "${line}"`);
  return { key, ts, type: parts[2]!, amount };
}

/** Generates the scenario's events in order (deterministic for the same options). */
export function* generateCepEvents(opts: CepStreamOptions): Generator<CepEvent> {
  const { scenario, events, keys, seed } = opts;
  if (!Number.isSafeInteger(events) || events < 0) throw new Error(`events must be >= 0, got ${events}`);
  if (!Number.isSafeInteger(keys) || keys < 1) throw new Error(`keys must be >= 1, got ${keys}`);
  const rate = opts.rate ?? DEFAULT_RATE[scenario](keys);
  if (!(rate > 0)) throw new Error(`rate must be > 0, got ${rate}`);
  const rng = new NexmarkRng(mixSeed(seed));
  // Per-sensor temperature for `spikes` (the walk's state), allocated only when needed.
  const temp = scenario === "spikes" ? new Float64Array(keys).fill(70) : undefined;
  for (let i = 0; i < events; i++) {
    const key = rng.nextInt(keys);
    const ts = Math.floor((i * 1000) / rate);
    if (scenario === "fraud") {
      const u = rng.nextInt(100);
      const amount = u < 6 ? 1 + rng.nextInt(9) : u < 10 ? 501 + rng.nextInt(1500) : 10 + rng.nextInt(491);
      yield { key, ts, type: "pay", amount };
    } else if (scenario === "spikes") {
      // AR(1) around 70: t' = 70 + 0.85 (t - 70) + noise, noise a sum of 3 uniforms in [-9, 9].
      const noise = rng.nextInt(7) + rng.nextInt(7) + rng.nextInt(7) - 9;
      const t = Math.round(70 + 0.85 * (temp![key]! - 70) + noise * 1.5);
      temp![key] = t;
      yield { key, ts, type: "temp", amount: t };
    } else {
      const isOrder = rng.nextInt(10) < 3;
      yield isOrder
        ? { key, ts, type: "order", amount: 10 + rng.nextInt(491) }
        : { key, ts, type: "payment", amount: 0 };
    }
  }
}
