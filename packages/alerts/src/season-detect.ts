/**
 * Automatic detection of a series' period, and {@link autoSeason}: the anomaly rule of rules.ts
 * whose `season` is chosen per series, online, from its own history (no season, a day, a week, or
 * the period its autocorrelation shows) instead of being fixed for every series.
 */
import { ANOMALY_OPTION_KEYS, type AnomalyOptions, anomaly, type Rule, type RuleAlert } from "./rules.js";
import { checkKeys, invalid, num } from "./support.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Options of {@link detectPeriod}. */
export interface DetectPeriodOptions {
  /** Candidate periods, in buckets (e.g. 24 and 168 for hourly buckets). */
  readonly candidates: readonly number[];
  /** Also consider the lag of the highest local peak of the autocorrelation (default true). */
  readonly searchPeaks?: boolean;
  /** Shortest lag the peak search considers, in buckets (default 2). */
  readonly minLag?: number;
  /** Autocorrelation a period needs to be chosen (default 0.3); below it, no period (0). */
  readonly minCorrelation?: number;
  /**
   * A longer period is chosen over a shorter one only if its autocorrelation is higher by this much
   * (default 0.05): a daily cycle also correlates at a week.
   */
  readonly preferShorter?: number;
  /**
   * How a candidate period is scored (default "acf"): "acf", its autocorrelation; "profile", the
   * share of the variance that the mean of each phase explains, with the degrees of freedom taken
   * into account (1 - (SS_residual / (n - period)) / (SS / (n - 1))), so that a week is not chosen
   * over a day just because it has 7 times the phases.
   */
  readonly method?: "acf" | "profile";
}

/** What {@link detectPeriod} found. */
export interface DetectedPeriod {
  /** The period in buckets, 0 for none. */
  readonly period: number;
  /** Its autocorrelation (that of the best candidate when none is chosen). */
  readonly correlation: number;
}

/**
 * The autocorrelation of `x` at `lag` after removing its least-squares line (a trend correlates at
 * every lag and would pass for a season): sum (x_t - f_t)(x_{t+lag} - f_{t+lag}) / sum (x_t - f_t)^2.
 * NaN entries (empty buckets) must have been filled before. 0 when the residuals have no variance.
 */
export function autocorrelation(x: readonly number[], lag: number): number {
  return autocorrelations(x, [lag])[0] as number;
}

/** {@link autocorrelation} at each of `lags`, the line removed once. */
function autocorrelations(x: readonly number[], lags: readonly number[]): number[] {
  const n = x.length;
  const r = detrended(x);
  let den = 0;
  for (let i = 0; i < n; i++) den += (r[i] as number) ** 2;
  return lags.map((lag) => {
    if (!(den > 0) || lag <= 0 || lag >= n) return 0;
    let num = 0;
    for (let i = 0; i + lag < n; i++) num += (r[i] as number) * (r[i + lag] as number);
    return num / den;
  });
}

/** The "profile" score of each lag (see {@link DetectPeriodOptions.method}). */
function profileScores(x: readonly number[], lags: readonly number[]): number[] {
  const n = x.length;
  const r = detrended(x);
  let ss = 0;
  for (const v of r) ss += v * v;
  return lags.map((p) => {
    if (!(ss > 0) || p <= 1 || n - p <= 0) return 0;
    const sum: number[] = new Array(p).fill(0);
    const count: number[] = new Array(p).fill(0);
    for (let i = 0; i < n; i++) {
      sum[i % p] = (sum[i % p] as number) + (r[i] as number);
      count[i % p] = (count[i % p] as number) + 1;
    }
    let res = 0;
    for (let i = 0; i < n; i++)
      res += ((r[i] as number) - (sum[i % p] as number) / (count[i % p] as number)) ** 2;
    return 1 - res / (n - p) / (ss / (n - 1));
  });
}

/** `x` minus its least-squares line. */
function detrended(x: readonly number[]): number[] {
  const n = x.length;
  const mt = (n - 1) / 2;
  let mx = 0;
  for (const v of x) mx += v;
  mx /= n || 1;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - mt) * ((x[i] as number) - mx);
    sxx += (i - mt) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  return x.map((v, i) => v - mx - b * (i - mt));
}

/**
 * The period of an evenly spaced series (one value per bucket), by its autocorrelation: among the
 * candidates the history covers at least twice (and, with `searchPeaks`, the lag of the highest
 * local maximum of the autocorrelation between `minLag` and half the history), the one with the
 * highest autocorrelation, a shorter one winning unless a longer one beats it by `preferShorter`;
 * none (0) if that autocorrelation is under `minCorrelation`. O(n * candidates), or O(n^2) with
 * the peak search.
 */
export function detectPeriod(x: readonly number[], options: DetectPeriodOptions): DetectedPeriod {
  const { searchPeaks = true, minLag = 2, minCorrelation = 0.3, preferShorter = 0.05 } = options;
  const n = x.length;
  const lags = options.candidates.filter((c) => c > 0 && 2 * c <= n);
  if (searchPeaks && n >= 2 * minLag + 2) {
    const all: number[] = [];
    for (let l = minLag - 1; l <= Math.floor(n / 2) + 1; l++) all.push(l);
    const r = autocorrelations(x, all);
    let best = -1;
    let bestR = Number.NEGATIVE_INFINITY;
    for (let i = 1; i + 1 < all.length; i++) {
      const ri = r[i] as number;
      if (ri > (r[i - 1] as number) && ri >= (r[i + 1] as number) && ri > bestR) {
        bestR = ri;
        best = all[i] as number;
      }
    }
    if (best > 0 && !lags.includes(best)) lags.push(best);
  }
  if (lags.length === 0) return { period: 0, correlation: 0 };
  lags.sort((a, b) => a - b);
  const r = options.method === "profile" ? profileScores(x, lags) : autocorrelations(x, lags);
  let period = lags[0] as number;
  let correlation = r[0] as number;
  for (let i = 1; i < lags.length; i++) {
    if ((r[i] as number) > correlation + preferShorter) {
      period = lags[i] as number;
      correlation = r[i] as number;
    }
  }
  return correlation >= minCorrelation ? { period, correlation } : { period: 0, correlation };
}

/** Options of {@link autoSeason}: those of {@link anomaly} (but `season`), and how the period is found. */
export interface AutoSeasonOptions extends Omit<AnomalyOptions, "season"> {
  /** The periods always considered (ms, default a day and a week). */
  readonly periods?: readonly number[];
  /**
   * Also consider the autocorrelation's highest peak, any period (default false: on NAB it finds
   * lags of 2 to 4 hours on series without a cycle, the slow drift of their level).
   */
  readonly searchPeaks?: boolean;
  /** Autocorrelation a period needs (default 0.3); below it the series is judged without a season. */
  readonly minCorrelation?: number;
  /** See {@link DetectPeriodOptions.method} (default "acf"). */
  readonly method?: "acf" | "profile";
  /** See {@link DetectPeriodOptions.preferShorter} (default 0.05). */
  readonly preferShorter?: number;
  /** The series is averaged into buckets of this length for the detection (ms, default 1 hour). */
  readonly bucket?: number;
  /** The period is detected again this often (ms, default 1 day). */
  readonly redetect?: number;
  /** The season used until the history covers twice the shortest period (ms, default 7 days; 0 for none). */
  readonly initialSeason?: number;
  /** The season used when no period correlates at `minCorrelation` (ms, default 0: none). */
  readonly fallbackSeason?: number;
}

/** The defaults of {@link autoSeason} beyond {@link anomaly}'s. */
export const AUTO_SEASON_DEFAULTS = {
  periods: [DAY, 7 * DAY],
  searchPeaks: false,
  minCorrelation: 0.3,
  preferShorter: 0.05,
  method: "acf",
  bucket: HOUR,
  redetect: DAY,
  initialSeason: 7 * DAY,
  fallbackSeason: 0,
} as const;

/** The state of {@link autoSeason}: the anomaly rule's, and the bucketed history the period is found from. */
export interface AutoSeasonState {
  /** The anomaly rule's state (its residuals are recomputed when the season changes). */
  anomaly: unknown;
  /** The season in use (ms, 0 for none). */
  season: number;
  /** Index (time / bucket) of the first bucket kept. */
  firstBucket: number | null;
  /** Sum and count of the points of each bucket kept, from `firstBucket` on. */
  sums: number[];
  counts: number[];
  /** When the period was last detected (ms), null before. */
  detectedAt: number | null;
}

/** The buckets' means, empty buckets filled linearly between their neighbours (ends: the nearest). */
export function filledMeans(sums: readonly number[], counts: readonly number[]): number[] {
  const n = sums.length;
  const out: number[] = new Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++)
    if ((counts[i] as number) > 0) out[i] = (sums[i] as number) / (counts[i] as number);
  let prev = -1;
  for (let i = 0; i <= n; i++) {
    if (i < n && Number.isNaN(out[i] as number)) continue;
    // Fill (prev, i) between the known values at prev and i.
    for (let j = prev + 1; j < i; j++) {
      const a = prev >= 0 ? (out[prev] as number) : undefined;
      const b = i < n ? (out[i] as number) : undefined;
      out[j] = a === undefined ? (b ?? 0) : b === undefined ? a : a + ((b - a) * (j - prev)) / (i - prev);
    }
    prev = i;
  }
  return out;
}

/**
 * The anomaly rule ({@link anomaly}) with its season detected per series, online: the points are
 * averaged into buckets (1 hour) over the lookback, and once a day the period is detected again
 * from their autocorrelation ({@link detectPeriod}: a day or a week, with `searchPeaks` also the
 * autocorrelation's highest peak; `fallbackSeason` when none scores `minCorrelation`); until the history covers two of
 * the shortest period, `initialSeason`. When the season changes, the residuals of the history are
 * recomputed against the new one. State: the anomaly rule's plus one number pair per bucket of
 * the lookback (672 for 28 days), plain JSON, checkpointed as it is.
 */
export function autoSeason(options: AutoSeasonOptions = {}): Rule<AutoSeasonState> {
  const own = [
    "periods",
    "searchPeaks",
    "minCorrelation",
    "preferShorter",
    "method",
    "bucket",
    "redetect",
    "initialSeason",
    "fallbackSeason",
  ] as const;
  checkKeys("autoSeason", options, [...own, ...ANOMALY_OPTION_KEYS.filter((k) => k !== "season")]);
  const o = { ...AUTO_SEASON_DEFAULTS, ...options };
  const anomalyOptions: Record<string, unknown> = { ...options };
  for (const k of own) delete anomalyOptions[k];
  const bucket = num("autoSeason.bucket", o.bucket, { positive: true });
  const redetect = num("autoSeason.redetect", o.redetect, { positive: true });
  const initialSeason = num("autoSeason.initialSeason", o.initialSeason, { min: 0 });
  const fallbackSeason = num("autoSeason.fallbackSeason", o.fallbackSeason, { min: 0 });
  const minCorrelation = num("autoSeason.minCorrelation", o.minCorrelation);
  const preferShorter = num("autoSeason.preferShorter", o.preferShorter, { min: 0 });
  if (o.method !== "acf" && o.method !== "profile")
    throw invalid("autoSeason.method", `must be "acf" or "profile", got ${JSON.stringify(o.method)}`);
  if (typeof o.searchPeaks !== "boolean") throw invalid("autoSeason.searchPeaks", "must be a boolean");
  if (!Array.isArray(o.periods)) throw invalid("autoSeason.periods", "must be an array of ms");
  const periods = o.periods.map((p, i) => num(`autoSeason.periods[${i}]`, p, { positive: true }));
  const lookback = (anomalyOptions.lookback as number | undefined) ?? 28 * DAY;
  const maxBuckets = Math.max(2, Math.ceil(lookback / bucket));
  const name = options.name ?? "anomaly";
  // One anomaly rule per season in use: they share the state (the season only changes residuals).
  const rules = new Map<number, Rule>();
  const ruleFor = (season: number): Rule => {
    let r = rules.get(season);
    if (r === undefined) {
      r = anomaly({ ...anomalyOptions, name, season }) as Rule;
      rules.set(season, r);
    }
    return r;
  };
  ruleFor(initialSeason); // bad anomaly options throw when the rule is built
  const shortest = periods.length > 0 ? Math.min(...periods) : 2 * bucket;

  return {
    name,
    type: "anomaly",
    init: () => ({
      anomaly: ruleFor(initialSeason).init(),
      season: initialSeason,
      firstBucket: null,
      sums: [],
      counts: [],
      detectedAt: null,
    }),
    step(s, time, value): RuleAlert | undefined {
      const b = Math.floor(time / bucket);
      if (s.firstBucket === null) s.firstBucket = b;
      while (s.firstBucket + s.sums.length <= b) {
        s.sums.push(0);
        s.counts.push(0);
      }
      const i = b - s.firstBucket;
      if (i >= 0) {
        s.sums[i] = (s.sums[i] as number) + value;
        s.counts[i] = (s.counts[i] as number) + 1;
      }
      if (s.sums.length > maxBuckets) {
        const drop = s.sums.length - maxBuckets;
        s.sums.splice(0, drop);
        s.counts.splice(0, drop);
        s.firstBucket += drop;
      }
      if (s.detectedAt === null || time - s.detectedAt >= redetect) {
        s.detectedAt = time;
        // Complete buckets only: the current one is still filling.
        const means = filledMeans(s.sums.slice(0, -1), s.counts.slice(0, -1));
        if (means.length * bucket >= 2 * shortest) {
          const found = detectPeriod(means, {
            candidates: periods.map((p) => Math.round(p / bucket)),
            searchPeaks: o.searchPeaks,
            minCorrelation,
            preferShorter,
            method: o.method,
          });
          const season = found.period > 0 ? found.period * bucket : fallbackSeason;
          if (season !== s.season) {
            s.season = season;
            // Residuals against the old season mean nothing against the new: the anomaly rule
            // recomputes them from the points it kept.
            const a = s.anomaly as { residuals?: number[]; sortedResiduals?: number[] };
            delete a.residuals;
            delete a.sortedResiduals;
          }
        }
      }
      return ruleFor(s.season).step(s.anomaly, time, value);
    },
  };
}
