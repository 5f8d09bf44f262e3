/**
 * More anomaly detectors, as rules (see rules.ts): an EWMA of the level and its variance, and a
 * streaming seasonal-hybrid ESD (Twitter's S-H-ESD). Like every rule they take a series' points
 * in event-time order, keep bounded plain-JSON state per series (it checkpoints as it is) and run
 * unchanged in the streaming operator and the batch evaluation.
 */
import type { Rule, RuleAlert } from "./rules.js";
import {
  checkKeys,
  expiredCount,
  invalid,
  lowerBound,
  medianAbsDeviation,
  num,
  quantile,
} from "./support.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Options of {@link ewma}. */
export interface EwmaOptions {
  /** Weight of the newest point in the moving mean and variance, in (0, 1] (default 0.02). */
  readonly alpha?: number;
  /** |value - mean| / standard deviation above which a point is anomalous (default 6). */
  readonly threshold?: number;
  /** No alert before the series is this old (ms, default 1 day). */
  readonly warmup?: number;
  /** Fewest points seen before any alert (default 30). */
  readonly minPoints?: number;
  /** After an alert, none of this rule for this series for this long (ms, default 1 day). */
  readonly cooldown?: number;
  /** Default "ewma". */
  readonly name?: string;
}

/** The defaults of {@link ewma}. */
export const EWMA_DEFAULTS = {
  alpha: 0.02,
  threshold: 6,
  warmup: DAY,
  minPoints: 30,
  cooldown: DAY,
} as const;

interface EwmaState {
  first: number | null;
  last: number | null;
  n: number;
  mean: number;
  variance: number;
}

/**
 * Exponentially weighted moving mean and variance (West's / Finch's incremental form: after point
 * x, `mean += alpha * (x - mean)`, `variance = (1 - alpha) * (variance + alpha * (x - mean_before)^2)`,
 * which is exactly the weighted mean and variance with weights alpha * (1 - alpha)^age, the first
 * point taking the remaining weight). A point is scored against the mean and deviation learnt
 * before it; O(1) state per series. Kind "spike" above the mean, "drop" below.
 */
export function ewma(options: EwmaOptions = {}): Rule<EwmaState> {
  checkKeys("ewma", options, ["alpha", "threshold", "warmup", "minPoints", "cooldown", "name"]);
  const o = { ...EWMA_DEFAULTS, ...options };
  const alpha = num("ewma.alpha", o.alpha, { positive: true });
  if (alpha > 1) throw invalid("ewma.alpha", `must be <= 1, got ${alpha}`);
  const z = num("ewma.threshold", o.threshold, { positive: true });
  const warmup = num("ewma.warmup", o.warmup, { min: 0 });
  const minPoints = num("ewma.minPoints", o.minPoints, { min: 1, integer: true });
  const cooldown = num("ewma.cooldown", o.cooldown, { min: 0 });
  const name = options.name ?? "ewma";
  return {
    name,
    type: "anomaly",
    init: () => ({ first: null, last: null, n: 0, mean: 0, variance: 0 }),
    step(s, time, value) {
      if (s.first === null) {
        s.first = time;
        s.n = 1;
        s.mean = value;
        return undefined;
      }
      let alert: RuleAlert | undefined;
      // The same floor as anomaly(): a flat series has no spread, yet a move off it is news.
      const sd = Math.sqrt(s.variance) + Math.abs(s.mean) * 1e-3 + 1e-9;
      const score = (value - s.mean) / sd;
      if (
        s.n >= minPoints &&
        time - s.first >= warmup &&
        Math.abs(score) > z &&
        (s.last === null || time - s.last >= cooldown)
      ) {
        s.last = time;
        alert = { time, value, expected: s.mean, score, rule: name, kind: score > 0 ? "spike" : "drop" };
      }
      const diff = value - s.mean;
      s.mean += alpha * diff;
      s.variance = (1 - alpha) * (s.variance + alpha * diff * diff);
      s.n++;
      return alert;
    },
  };
}

/** Options of {@link seasonalEsd}. */
export interface SeasonalEsdOptions {
  /**
   * Seasonality (ms, default 1 day; 0 for none): the expected level of a point is the median of the
   * history's points at the same phase (within `seasonTolerance`).
   */
  readonly season?: number;
  /** Phase tolerance for `season` (ms, default 30 minutes). */
  readonly seasonTolerance?: number;
  /** How much history the test looks at (ms, default 14 days). */
  readonly lookback?: number;
  /** At most this many points of history (default 4,032: 14 days of 5-minute points). */
  readonly maxPoints?: number;
  /** At most this share of the history's points can be anomalies, ESD's k / n (default 0.02). */
  readonly maxAnoms?: number;
  /** Significance level of the ESD test (default 0.05). */
  readonly alpha?: number;
  /** No alert before the series is this old (ms, default 1 day). */
  readonly warmup?: number;
  /** Fewest points of history before any alert (default 50). */
  readonly minPoints?: number;
  /** After an alert, none of this rule for this series for this long (ms, default 1 day). */
  readonly cooldown?: number;
  /** Default "seasonalEsd". */
  readonly name?: string;
}

/** The defaults of {@link seasonalEsd}. */
export const SEASONAL_ESD_DEFAULTS = {
  season: DAY,
  seasonTolerance: HOUR / 2,
  lookback: 14 * DAY,
  maxPoints: 4032,
  maxAnoms: 0.02,
  alpha: 0.05,
  warmup: DAY,
  minPoints: 50,
  cooldown: DAY,
} as const;

interface EsdState {
  first: number | null;
  last: number | null;
  /** History in event-time order, and each point's residual as it was computed when it came. */
  times: number[];
  values: number[];
  residuals: number[];
  /** The same values and residuals, sorted. */
  sortedValues: number[];
  sortedResiduals: number[];
}

/** Inverse of the standard normal distribution function (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const tail = (q: number) =>
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/**
 * Quantile of Student's t with `df` degrees of freedom, by the Cornish-Fisher expansion around the
 * normal quantile (four terms: within 1e-3 of the exact value from df 20 on, which is where the
 * ESD test uses it: its history holds at least `minPoints` points).
 */
export function tQuantile(p: number, df: number): number {
  const x = normalQuantile(p);
  const x2 = x * x;
  const g1 = ((x2 + 1) * x) / 4;
  const g2 = (((5 * x2 + 16) * x2 + 3) * x) / 96;
  const g3 = ((((3 * x2 + 19) * x2 + 17) * x2 - 15) * x) / 384;
  const g4 = (((((79 * x2 + 776) * x2 + 1482) * x2 - 1920) * x2 - 945) * x) / 92160;
  return x + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/**
 * The critical value of the i-th step (1-based) of Rosner's generalized ESD test over n points at
 * significance alpha: lambda_i = (n - i) t / sqrt((n - i - 1 + t^2) (n - i + 1)), with t the
 * 1 - alpha / (2 (n - i + 1)) quantile of Student's t with n - i - 1 degrees of freedom.
 */
export function esdCritical(n: number, i: number, alpha: number): number {
  const t = tQuantile(1 - alpha / (2 * (n - i + 1)), n - i - 1);
  return ((n - i) * t) / Math.sqrt((n - i - 1 + t * t) * (n - i + 1));
}

/** The median of a sorted array plus one more value. */
function medianWith(sorted: readonly number[], extra: number): number {
  const n = sorted.length + 1;
  const at = (k: number) => {
    // k-th smallest (0-based) of sorted ∪ {extra}.
    const pos = lowerBound(sorted, extra);
    if (k < pos) return sorted[k] as number;
    if (k === pos) return extra;
    return sorted[k - 1] as number;
  };
  return (at((n - 1) >> 1) + at(n >> 1)) / 2;
}

/**
 * Seasonal-hybrid ESD (Twitter's S-H-ESD, Hochenbaum et al. 2017), as a streaming approximation:
 * - decomposition: the expected level of a point is the median of the history's points at the same
 *   phase of the season (an STL-like cycle-subseries estimate, by medians instead of loess, on a
 *   sliding history); its residual is value - expected, computed once when the point comes;
 * - hybrid ESD: over the residuals of the history plus the new one (n values), the median m and the
 *   MAD (times 1.4826) give each residual a score |r - m| / MAD; Rosner's generalized ESD with at
 *   most k = max(1, floor(maxAnoms * n)) outliers then finds the largest i <= k whose i-th largest
 *   score exceeds its critical value lambda_i, and the new point is an anomaly if its score ranks
 *   within those i. The approximation: m and MAD are not recomputed as the i largest are removed
 *   (with k <= 2% of n they barely move), and past residuals are not revised as the season's
 *   medians learn, which keeps a step at O(history) time.
 * Memory per series: at most `maxPoints` points (time, value, residual). Kind "spike" above the
 * expected level, "drop" below.
 */
export function seasonalEsd(options: SeasonalEsdOptions = {}): Rule<EsdState> {
  checkKeys("seasonalEsd", options, [
    "season",
    "seasonTolerance",
    "lookback",
    "maxPoints",
    "maxAnoms",
    "alpha",
    "warmup",
    "minPoints",
    "cooldown",
    "name",
  ]);
  const o = { ...SEASONAL_ESD_DEFAULTS, ...options };
  const season = num("seasonalEsd.season", o.season, { min: 0 });
  const tol = num("seasonalEsd.seasonTolerance", o.seasonTolerance, { min: 0 });
  const lookback = num("seasonalEsd.lookback", o.lookback, { positive: true });
  const maxPoints = num("seasonalEsd.maxPoints", o.maxPoints, { min: 2, integer: true });
  const maxAnoms = num("seasonalEsd.maxAnoms", o.maxAnoms, { positive: true });
  if (maxAnoms > 0.5) throw invalid("seasonalEsd.maxAnoms", `must be <= 0.5, got ${maxAnoms}`);
  const alpha = num("seasonalEsd.alpha", o.alpha, { positive: true });
  if (alpha >= 1) throw invalid("seasonalEsd.alpha", `must be < 1, got ${alpha}`);
  const warmup = num("seasonalEsd.warmup", o.warmup, { min: 0 });
  // The t quantile's expansion is accurate from 20 degrees of freedom on.
  const minPoints = num("seasonalEsd.minPoints", o.minPoints, { min: 25, integer: true });
  const cooldown = num("seasonalEsd.cooldown", o.cooldown, { min: 0 });
  const name = options.name ?? "seasonalEsd";

  const expectedAt = (s: EsdState, time: number): number => {
    if (season > 0) {
      const same: number[] = [];
      for (let i = 0; i < s.times.length; i++) {
        const d = (((time - (s.times[i] as number)) % season) + season) % season;
        if (Math.min(d, season - d) <= tol) same.push(s.values[i] as number);
      }
      if (same.length >= 3) {
        same.sort((x, y) => x - y);
        return quantile(same, 0.5);
      }
    }
    return quantile(s.sortedValues, 0.5);
  };

  return {
    name,
    type: "anomaly",
    init: () => ({
      first: null,
      last: null,
      times: [],
      values: [],
      residuals: [],
      sortedValues: [],
      sortedResiduals: [],
    }),
    step(s, time, value) {
      if (s.first === null) s.first = time;
      const drop = expiredCount(s.times, time, lookback, maxPoints);
      for (let i = 0; i < drop; i++) {
        s.sortedValues.splice(lowerBound(s.sortedValues, s.values[i] as number), 1);
        s.sortedResiduals.splice(lowerBound(s.sortedResiduals, s.residuals[i] as number), 1);
      }
      if (drop > 0) {
        s.times.splice(0, drop);
        s.values.splice(0, drop);
        s.residuals.splice(0, drop);
      }
      const expected = s.values.length > 0 ? expectedAt(s, time) : value;
      const r = value - expected;
      let alert: RuleAlert | undefined;
      if (s.times.length >= minPoints && time - s.first >= warmup) {
        const score = esdScore(s.sortedResiduals, r, maxAnoms, alpha, expected);
        if (score !== undefined && (s.last === null || time - s.last >= cooldown)) {
          s.last = time;
          alert = { time, value, expected, score, rule: name, kind: r > 0 ? "spike" : "drop" };
        }
      }
      s.times.push(time);
      s.values.push(value);
      s.residuals.push(r);
      s.sortedValues.splice(lowerBound(s.sortedValues, value), 0, value);
      s.sortedResiduals.splice(lowerBound(s.sortedResiduals, r), 0, r);
      return alert;
    },
  };
}

/**
 * The hybrid ESD decision for a new residual r against the history's sorted residuals: its score
 * (r - m) / MAD when the test flags it, undefined otherwise (see {@link seasonalEsd}).
 */
function esdScore(
  sorted: readonly number[],
  r: number,
  maxAnoms: number,
  alpha: number,
  level: number,
): number | undefined {
  const n = sorted.length + 1;
  const m = medianWith(sorted, r);
  // The same kind of floor as anomaly(): a flat stretch has no spread.
  const mad = medianAbsDeviation(sorted, m, r) * 1.4826 + Math.abs(level) * 1e-3 + 1e-9;
  const dNew = Math.abs(r - m);
  const k = Math.max(1, Math.floor(maxAnoms * n));
  // The i largest deviations, from both ends of the sorted residuals (the new one among them).
  let lo = 0;
  let hi = sorted.length - 1;
  let newUsed = false;
  let rank = 0;
  let flaggedUpTo = 0;
  for (let i = 1; i <= k; i++) {
    const dl = lo <= hi ? m - (sorted[lo] as number) : Number.NEGATIVE_INFINITY;
    const dh = lo <= hi ? (sorted[hi] as number) - m : Number.NEGATIVE_INFINITY;
    let d: number;
    // Ties rank the new point first: it is the one being judged.
    if (!newUsed && dNew >= dl && dNew >= dh) {
      d = dNew;
      newUsed = true;
      rank = i;
    } else if (dl >= dh) {
      d = dl;
      lo++;
    } else {
      d = dh;
      hi--;
    }
    if (d / mad > esdCritical(n, i, alpha)) flaggedUpTo = i;
  }
  return rank > 0 && rank <= flaggedUpTo ? (r - m) / mad : undefined;
}
