/**
 * What the rules of rules.ts and detectors.ts share: option checks that fail naming the option, and
 * order statistics over sorted arrays. Internal to the package.
 */
import { FleuveError } from "@fleuve/core";

/** @internal A bad option: FLEUVE_CONFIG_INVALID naming it. */
export function invalid(option: string, message: string): FleuveError {
  return new FleuveError("FLEUVE_CONFIG_INVALID", `alert rule option '${option}' ${message}`, {
    details: { option },
  });
}

/** @internal Validates a numeric option, naming it. */
export function num(
  option: string,
  v: unknown,
  opts: { min?: number; positive?: boolean; integer?: boolean } = {},
) {
  if (typeof v !== "number" || Number.isNaN(v))
    throw invalid(option, `must be a number, got ${JSON.stringify(v)}`);
  if (opts.positive && !(v > 0)) throw invalid(option, `must be > 0, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw invalid(option, `must be >= ${opts.min}, got ${v}`);
  if (opts.integer && !Number.isInteger(v)) throw invalid(option, `must be an integer, got ${v}`);
  return v;
}

/** @internal Unknown options fail, naming them. */
export function checkKeys(rule: string, options: object, allowed: readonly string[]): void {
  for (const k of Object.keys(options)) {
    if (!allowed.includes(k))
      throw invalid(`${rule}.${k}`, `is unknown (options of ${rule}: ${allowed.join(", ")})`);
  }
}

/** @internal First index of `a` (sorted) whose value is >= x. */
export function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if ((a[m] as number) < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** @internal Linear-interpolated quantile of a sorted array. */
export function quantile(sorted: readonly number[], p: number): number {
  const i = p * (sorted.length - 1);
  const a = Math.floor(i);
  const lo = sorted[a] as number;
  const hi = sorted[Math.min(a + 1, sorted.length - 1)] as number;
  return lo + (hi - lo) * (i - a);
}

/**
 * @internal The median of |x - m| over a sorted array (and one more value `extra`, if given),
 * walking outward from m: O(n), no copy.
 */
export function medianAbsDeviation(sorted: readonly number[], m: number, extra?: number): number {
  const n = sorted.length + (extra === undefined ? 0 : 1);
  let hi = lowerBound(sorted, m);
  let lo = hi - 1;
  let extraUsed = extra === undefined;
  const lower = (n - 1) >> 1;
  const upper = n >> 1;
  let a = 0;
  let b = 0;
  for (let k = 0; k <= upper; k++) {
    const dl = lo >= 0 ? m - (sorted[lo] as number) : Number.POSITIVE_INFINITY;
    const dh = hi < sorted.length ? (sorted[hi] as number) - m : Number.POSITIVE_INFINITY;
    const de = extraUsed ? Number.POSITIVE_INFINITY : Math.abs((extra as number) - m);
    let d: number;
    if (de <= dl && de <= dh) {
      d = de;
      extraUsed = true;
    } else if (dl <= dh) {
      d = dl;
      lo--;
    } else {
      d = dh;
      hi++;
    }
    if (k === lower) a = d;
    if (k === upper) b = d;
  }
  return (a + b) / 2;
}

/**
 * @internal How many of a history's oldest points to forget before adding one at `time`: those older
 * than `lookback`, and as many more as keep it under `maxPoints`.
 */
export function expiredCount(
  times: readonly number[],
  time: number,
  lookback: number,
  maxPoints: number,
): number {
  let drop = 0;
  while (
    drop < times.length &&
    ((times[drop] as number) < time - lookback || times.length - drop >= maxPoints)
  )
    drop++;
  return drop;
}
