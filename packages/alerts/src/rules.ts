/**
 * Alert rules as pure state machines: a rule gets a series' points in event-time order, one at a
 * time, and keeps everything it learns in a plain JSON state. The streaming operator
 * ({@link detectAlerts}) and the batch evaluation ({@link evaluateSeries}) run the same `step`, so
 * they agree by construction, and the state checkpoints as it is.
 */

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

/** spike: above what was expected; drop: below it; level: a fixed threshold crossed. */
export type AlertKind = "spike" | "drop" | "level";

/** One alert: which series, when (event time), what was seen against what was expected. */
export interface Alert {
  readonly series: string;
  /** Event time of the point that raised it (ms). */
  readonly time: number;
  readonly value: number;
  /** The threshold, the previous value's allowed rate, or the learnt normal level. */
  readonly expected: number;
  /** How far off: the robust z-score for anomalies, the rate for rate of change, the value for thresholds. */
  readonly score: number;
  /** The rule's name. */
  readonly rule: string;
  readonly kind: AlertKind;
}

/** What a rule's step reports; the operator adds the series. */
export type RuleAlert = Omit<Alert, "series">;

/**
 * A rule: `init` makes the state of a new series, `step` feeds one point (in event-time order),
 * changes the state in place and may return an alert. States are plain JSON.
 */
export interface Rule<S = unknown> {
  readonly name: string;
  readonly type: "threshold" | "rateOfChange" | "anomaly";
  init(): S;
  step(state: S, time: number, value: number): RuleAlert | undefined;
}

/** Options of {@link threshold}. */
export interface ThresholdOptions {
  /** Alert when the value rises above this. */
  readonly above?: number;
  /** Alert when the value falls below this. */
  readonly below?: number;
  /** Default "threshold". */
  readonly name?: string;
}

interface ThresholdState {
  /** 1 above, -1 below, 0 within: a crossing alerts once, not at every point beyond. */
  side: number;
}

/**
 * A fixed level: alerts (kind "level") when the value crosses `above` or `below`, once per
 * crossing; it alerts again only after the value came back within the limits.
 */
export function threshold(options: ThresholdOptions): Rule<ThresholdState> {
  checkKeys("threshold", options, ["above", "below", "name"]);
  const above = options.above === undefined ? undefined : num("threshold.above", options.above);
  const below = options.below === undefined ? undefined : num("threshold.below", options.below);
  if (above === undefined && below === undefined)
    throw invalid("threshold.above", "or 'threshold.below' must be given");
  if (above !== undefined && below !== undefined && below > above)
    throw invalid("threshold.below", `(${below}) must not exceed 'threshold.above' (${above})`);
  const name = options.name ?? "threshold";
  return {
    name,
    type: "threshold",
    init: () => ({ side: 0 }),
    step(s, time, value) {
      const side = above !== undefined && value > above ? 1 : below !== undefined && value < below ? -1 : 0;
      const crossed = side !== 0 && side !== s.side;
      s.side = side;
      if (!crossed) return undefined;
      const expected = side > 0 ? (above as number) : (below as number);
      return { time, value, expected, score: value, rule: name, kind: "level" };
    },
  };
}

/** Options of {@link rateOfChange}. */
export interface RateOfChangeOptions {
  /** Alert when the value rises faster than this per `per` ms. */
  readonly maxRise?: number;
  /** Alert when the value falls faster than this (a positive number) per `per` ms. */
  readonly maxFall?: number;
  /** The time unit of the rates, ms (default 60,000: per minute). */
  readonly per?: number;
  /** After an alert, none of this rule for this long (ms, default 0). */
  readonly cooldown?: number;
  /** Default "rateOfChange". */
  readonly name?: string;
}

interface RateState {
  t: number | null;
  v: number | null;
  last: number | null;
}

/** The rate between consecutive points: alerts "spike" above `maxRise`, "drop" beyond `maxFall`. */
export function rateOfChange(options: RateOfChangeOptions): Rule<RateState> {
  checkKeys("rateOfChange", options, ["maxRise", "maxFall", "per", "cooldown", "name"]);
  const maxRise =
    options.maxRise === undefined ? undefined : num("rateOfChange.maxRise", options.maxRise, { min: 0 });
  const maxFall =
    options.maxFall === undefined ? undefined : num("rateOfChange.maxFall", options.maxFall, { min: 0 });
  if (maxRise === undefined && maxFall === undefined)
    throw invalid("rateOfChange.maxRise", "or 'rateOfChange.maxFall' must be given");
  const per = num("rateOfChange.per", options.per ?? 60_000, { positive: true });
  const cooldown = num("rateOfChange.cooldown", options.cooldown ?? 0, { min: 0 });
  const name = options.name ?? "rateOfChange";
  return {
    name,
    type: "rateOfChange",
    init: () => ({ t: null, v: null, last: null }),
    step(s, time, value) {
      const prevT = s.t;
      const prevV = s.v;
      s.t = time;
      s.v = value;
      // Two points at one instant have no rate.
      if (prevT === null || prevV === null || time === prevT) return undefined;
      const rate = ((value - prevV) / (time - prevT)) * per;
      const kind =
        maxRise !== undefined && rate > maxRise
          ? "spike"
          : maxFall !== undefined && -rate > maxFall
            ? "drop"
            : undefined;
      if (kind === undefined || (s.last !== null && time - s.last < cooldown)) return undefined;
      s.last = time;
      return { time, value, expected: prevV, score: rate, rule: name, kind };
    },
  };
}

/** Options of {@link anomaly}; every one has a default that the NAB evaluation uses as it is. */
export interface AnomalyOptions {
  /** How much history the normal level is learnt from (ms, default 28 days). */
  readonly lookback?: number;
  /** At most this many points of history are kept (default 10,000), whatever `lookback` says. */
  readonly maxPoints?: number;
  /** No alert before the series is this old (ms, default 3 days): it is still learning. */
  readonly warmup?: number;
  /** Fewest points of history before any alert (default 10). */
  readonly minPoints?: number;
  /** Robust z-score (|value - median| / spread) above which a point is anomalous (default 5). */
  readonly threshold?: number;
  /**
   * The spread of the z-score: "mad" (default), the median absolute deviation from the median *
   * 1.4826, or "iqr", the interquartile range / 1.349 (both estimate a normal's standard deviation).
   */
  readonly spread?: "iqr" | "mad";
  /**
   * Also require the point to lie beyond every value of the history (default true): a level that
   * was already seen in the lookback is normal for this series, however far from the median.
   */
  readonly newExtreme?: boolean;
  /**
   * Seasonality (ms, default 7 days; 0 for none): the expected level of a point is the median of the
   * history's points at the same phase of the season (within `seasonTolerance`; the whole
   * history's median while fewer than 3 are), and what is judged is its residual (value - expected)
   * against the residuals of the history's points (as they were when each came): their median,
   * spread and, with `newExtreme`, their range; while the season explains less than `seasonGain`
   * of the spread, the value is judged as without a season.
   */
  readonly season?: number;
  /** Phase tolerance for `season` (ms, default 1 hour). */
  readonly seasonTolerance?: number;
  /**
   * With `season`: residuals are judged only while the season explains at least this share of the
   * series' spread, i.e. the residuals' spread is at most (1 - seasonGain) times the values' (in
   * [0, 1), default 0.5); otherwise the point's value is judged as without a season. A series
   * without that cycle is then judged as if no season were set.
   */
  readonly seasonGain?: number;
  /**
   * Level shifts (points, default 24; 0 or 1: off): the rule also tests the median of the last
   * `shift` points (this one included) the same way as a point, against the history of those
   * medians (their median, spread, and, with `newExtreme`, their range): a level that holds for
   * half of `shift` points and is new alerts even when no single point of it is extreme.
   */
  readonly shift?: number;
  /**
   * An adaptive threshold per series from its own tail (default 0: off), SPOT-like (Siffer et al.
   * 2017, peaks over threshold): the absolute scores of the history's points (as they were when
   * each came) above their 98th percentile u are fitted with a generalized Pareto distribution
   * (method of moments), and a point must also score above the level that distribution exceeds
   * with probability `risk` per point. Needs 10 such peaks; until then `threshold` alone decides.
   */
  readonly risk?: number;
  /**
   * With `newExtreme`: by how much a new extreme must clear the old one, as a share of the
   * history's reach on that side (default 0.05): above max + margin * (max - median), or below
   * min - margin * (median - min). A series that keeps returning to about the same peak (a nightly
   * job's blip) then does not alert each time one is a little higher than the last. Applies to
   * values, residuals and levels alike.
   */
  readonly margin?: number;
  /**
   * Count data (default true): while every value of the series is a non-negative integer and its
   * history is at least as dispersed as Poisson counts (spread squared >= median), a point's spread
   * is at least the Poisson standard deviation at its expected level, sqrt(max(expected, 1)), and a
   * level's (the median of `shift` points) sqrt(max(expected, 1) / shift). A quiet stretch of a count
   * (tweets at night: 0, 1, 2) has a tiny median absolute deviation, but 2 against an expected 0 is
   * Poisson noise, not a score of thousands. Measurements that happen to be integers (a speed in
   * mph) spread less than Poisson counts would and are left as they are.
   */
  readonly countNoise?: boolean;
  /**
   * With `shift`: a level must hold for this long (ms, default 0: off) before it alerts. A level
   * candidate then waits; at the first point `persist` ms or more after it, the median of the points
   * since (that one included) must still lie at least half-way from the usual level to the
   * candidate's, and the alert comes then, with the candidate's level, expected level and score.
   * Idle series with bursts (a host at 0 % CPU running a job now and then) raise the median of
   * `shift` points for a while without a lasting change; those candidates fall back within the hour.
   * While one waits, further level candidates are not taken; point candidates are not affected.
   */
  readonly persist?: number;
  /** After an alert, none of this rule for this series for this long (ms, default 1 day). */
  readonly cooldown?: number;
  /** Default "anomaly". */
  readonly name?: string;
}

/** @internal The options {@link anomaly} takes (autoSeason takes them too, but `season`). */
export const ANOMALY_OPTION_KEYS = [
  "lookback",
  "maxPoints",
  "warmup",
  "minPoints",
  "threshold",
  "spread",
  "newExtreme",
  "season",
  "seasonTolerance",
  "seasonGain",
  "shift",
  "risk",
  "margin",
  "countNoise",
  "persist",
  "cooldown",
  "name",
] as const;

/** The defaults of {@link anomaly}: one configuration for every series. */
export const ANOMALY_DEFAULTS = {
  lookback: 28 * DAY,
  maxPoints: 10_000,
  warmup: 3 * DAY,
  minPoints: 10,
  threshold: 5,
  spread: "mad",
  newExtreme: true,
  season: 7 * DAY,
  seasonTolerance: HOUR,
  seasonGain: 0.5,
  shift: 24,
  risk: 0,
  margin: 0.05,
  countNoise: true,
  persist: 0,
  cooldown: DAY,
} as const;

interface AnomalyState {
  /** First point's time: the warm-up counts from it. */
  first: number | null;
  /** Last alert's time, for the cooldown. */
  last: number | null;
  /** History in event-time order. */
  times: number[];
  values: number[];
  /** The history's values, sorted: median, quartiles and extremes in O(1). */
  sorted: number[];
  /**
   * With `shift`: for each point of the history, the median of the `shift` points up to it (as it
   * was when the point came), in event-time order and sorted; absent otherwise.
   */
  levels?: number[];
  sortedLevels?: number[];
  /**
   * With `season`: each history point's residual (value - expected level, as it was when the point
   * came), in event-time order and sorted; absent otherwise.
   */
  residuals?: number[];
  sortedResiduals?: number[];
  /**
   * With `risk`: each history point's absolute score (as it was when the point came; 0 before the
   * history had `minPoints` points, or in a state checkpointed before `risk` was set), in
   * event-time order and sorted; absent otherwise.
   */
  scores?: number[];
  sortedScores?: number[];
  /**
   * Whether every value seen is a non-negative integer (see `countNoise`); absent in states
   * checkpointed before it existed, then taken from the kept history.
   */
  counts?: boolean;
  /**
   * With `persist`: the level candidate waiting to be confirmed by the points after it (its time,
   * level, expected level and score); absent or null when none waits.
   */
  pendingLevel?: { time: number; level: number; expected: number; score: number } | null;
}

/**
 * The level a generalized Pareto tail fitted to the peaks of `sorted` (ascending, non-negative)
 * above its 98th percentile exceeds with probability `risk` per value: SPOT's z_q with the method
 * of moments (xi = (1 - m^2 / v) / 2, sigma = m (1 + m^2 / v) / 2 for peaks' mean m and variance
 * v). Undefined with fewer than 10 peaks or peaks all equal.
 */
export function tailLevel(sorted: readonly number[], risk: number): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const u = quantile(sorted, 0.98);
  let count = 0;
  let sum = 0;
  for (let i = n - 1; i >= 0 && (sorted[i] as number) > u; i--) {
    count++;
    sum += (sorted[i] as number) - u;
  }
  if (count < 10) return undefined;
  const m = sum / count;
  let v = 0;
  for (let i = n - count; i < n; i++) v += ((sorted[i] as number) - u - m) ** 2;
  v /= count;
  if (!(v > 0)) return undefined;
  const xi = (1 - (m * m) / v) / 2;
  const sigma = (m * (1 + (m * m) / v)) / 2;
  const r = (risk * n) / count;
  return Math.abs(xi) < 1e-9 ? u - sigma * Math.log(r) : u + (sigma / xi) * (r ** -xi - 1);
}

/** A value a count can take: a non-negative integer. */
const isCount = (v: number): boolean => Number.isInteger(v) && v >= 0;

function median(values: number[]): number {
  values.sort((x, y) => x - y);
  return quantile(values, 0.5);
}

/**
 * Anomaly detection that learns each series' normal level: a robust z-score of the point against
 * the median and the median absolute deviation (or interquartile range) of its recent history (or
 * of the same phase of earlier seasons), that must also set a new extreme of the history (by
 * `margin` of its reach beyond the median); with
 * `shift`, the median of the last points is tested the same way against the history of such
 * medians (a level shift); a cooldown keeps one incident to one alert. Kind "spike" above the
 * expected level, "drop" below. Each step costs O(history).
 */
export function anomaly(options: AnomalyOptions = {}): Rule<AnomalyState> {
  checkKeys("anomaly", options, ANOMALY_OPTION_KEYS);
  const o = { ...ANOMALY_DEFAULTS, ...options };
  const lookback = num("anomaly.lookback", o.lookback, { positive: true });
  const maxPoints = num("anomaly.maxPoints", o.maxPoints, { min: 2, integer: true });
  const warmup = num("anomaly.warmup", o.warmup, { min: 0 });
  const minPoints = num("anomaly.minPoints", o.minPoints, { min: 1, integer: true });
  const z = num("anomaly.threshold", o.threshold, { positive: true });
  const seasonOption = num("anomaly.season", o.season, { min: 0 });
  const season = seasonOption > 0 ? seasonOption : undefined;
  const tol = num("anomaly.seasonTolerance", o.seasonTolerance, { min: 0 });
  const gain = num("anomaly.seasonGain", o.seasonGain, { min: 0 });
  if (gain >= 1) throw invalid("anomaly.seasonGain", `must be < 1, got ${gain}`);
  const shift = num("anomaly.shift", o.shift, { min: 0, integer: true });
  const risk = num("anomaly.risk", o.risk, { min: 0 });
  if (risk >= 1) throw invalid("anomaly.risk", `must be < 1, got ${risk}`);
  const cooldown = num("anomaly.cooldown", o.cooldown, { min: 0 });
  const persist = num("anomaly.persist", o.persist, { min: 0 });
  const margin = num("anomaly.margin", o.margin, { min: 0 });
  if (typeof o.newExtreme !== "boolean") throw invalid("anomaly.newExtreme", "must be a boolean");
  if (typeof o.countNoise !== "boolean") throw invalid("anomaly.countNoise", "must be a boolean");
  const countNoise = o.countNoise;
  if (o.spread !== "iqr" && o.spread !== "mad")
    throw invalid("anomaly.spread", `must be "iqr" or "mad", got ${JSON.stringify(o.spread)}`);
  const mad = o.spread === "mad";
  const name = options.name ?? "anomaly";

  /** The expected level at `time`: the same phase's median among the first `count` history points. */
  const expectedAt = (s: AnomalyState, time: number, count = s.times.length): number => {
    if (season !== undefined) {
      const same: number[] = [];
      for (let i = 0; i < count; i++) {
        const d = Math.abs((((time - (s.times[i] as number)) % season) + season) % season);
        if (Math.min(d, season - d) <= tol) same.push(s.values[i] as number);
      }
      if (same.length >= 3) return median(same);
    }
    // Too few points of this phase yet (or no season): the median of those points.
    return count === s.times.length ? quantile(s.sorted, 0.5) : median(s.values.slice(0, count));
  };

  /** The spread of a sorted history, as an estimate of a normal's standard deviation. */
  const spreadOf = (sorted: readonly number[]): number =>
    mad
      ? medianAbsDeviation(sorted, quantile(sorted, 0.5)) * 1.4826
      : (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / 1.349;

  /**
   * The score of `value` against a sorted history and its expected level (floor: 0.1% of `level`;
   * with `poisson` n, the spread is at least the standard deviation of the mean of n Poisson counts
   * at `level`, see `countNoise`).
   */
  const scoreOf = (
    sorted: readonly number[],
    expected: number,
    value: number,
    level = expected,
    poisson = 0,
  ): number => {
    const spread = spreadOf(sorted);
    const noise = poisson > 0 ? Math.sqrt(Math.max(Math.abs(level), 1) / poisson) : 0;
    // A flat history has no spread: a small floor keeps the score finite and meaningful.
    return (value - expected) / (Math.max(spread, noise) + Math.abs(level) * 1e-3 + 1e-9);
  };

  /** Whether a score of `value` against `sorted` is an anomaly: above `bound`, and a new extreme by `margin`. */
  const anomalous = (sorted: readonly number[], value: number, score: number, bound = z): boolean => {
    if (!(Math.abs(score) > bound)) return false;
    if (!o.newExtreme) return true;
    const lo = sorted[0] as number;
    const hi = sorted[sorted.length - 1] as number;
    const mid = quantile(sorted, 0.5);
    return value > hi + margin * (hi - mid) || value < lo - margin * (mid - lo);
  };

  return {
    name,
    type: "anomaly",
    init: () => ({
      first: null,
      last: null,
      times: [],
      values: [],
      sorted: [],
      counts: true,
      ...(shift > 1 ? { levels: [], sortedLevels: [] } : {}),
      ...(season === undefined ? {} : { residuals: [], sortedResiduals: [] }),
      ...(risk > 0 ? { scores: [], sortedScores: [] } : {}),
    }),
    step(s, time, value) {
      if (s.first === null) s.first = time;
      s.counts ??= s.values.every(isCount);
      if (!isCount(value)) s.counts = false;
      // A state checkpointed without levels (before `shift` existed, or with `shift` off): the
      // levels of its history recomputed from the points it kept.
      if (shift > 1 && s.levels?.length !== s.values.length) {
        s.levels = s.values.map((_, i) => median(s.values.slice(Math.max(0, i - shift + 1), i + 1)));
        s.sortedLevels = [...s.levels].sort((x, y) => x - y);
      }
      // The same for residuals: each kept point's against the kept points before it.
      if (season !== undefined && s.residuals?.length !== s.values.length) {
        s.residuals = s.values.map((v, i) => (i === 0 ? 0 : v - expectedAt(s, s.times[i] as number, i)));
        s.sortedResiduals = [...s.residuals].sort((x, y) => x - y);
      }
      // Turned off since the checkpoint: nothing kept for them.
      if (shift <= 1 && s.levels !== undefined) {
        delete s.levels;
        delete s.sortedLevels;
      }
      if (season === undefined && s.residuals !== undefined) {
        delete s.residuals;
        delete s.sortedResiduals;
      }
      const levels = s.levels ?? [];
      const sortedLevels = s.sortedLevels ?? [];
      if (risk > 0 && s.scores?.length !== s.values.length) {
        s.scores = s.values.map(() => 0);
        s.sortedScores = [...s.scores];
      }
      if (risk === 0 && s.scores !== undefined) {
        delete s.scores;
        delete s.sortedScores;
      }
      const residuals = s.residuals ?? [];
      const sortedResiduals = s.sortedResiduals ?? [];
      const scores = s.scores ?? [];
      const sortedScores = s.sortedScores ?? [];
      // Forget what is older than the lookback, or beyond maxPoints.
      const drop = expiredCount(s.times, time, lookback, maxPoints);
      for (let i = 0; i < drop; i++) {
        s.sorted.splice(lowerBound(s.sorted, s.values[i] as number), 1);
        if (shift > 1) sortedLevels.splice(lowerBound(sortedLevels, levels[i] as number), 1);
        if (season !== undefined)
          sortedResiduals.splice(lowerBound(sortedResiduals, residuals[i] as number), 1);
        if (risk > 0) sortedScores.splice(lowerBound(sortedScores, scores[i] as number), 1);
      }
      if (drop > 0) {
        s.times.splice(0, drop);
        s.values.splice(0, drop);
        if (shift > 1) levels.splice(0, drop);
        if (season !== undefined) residuals.splice(0, drop);
        if (risk > 0) scores.splice(0, drop);
      }
      // The level: the median of the last `shift` points of the history and this one.
      const level = shift > 1 ? median([...s.values.slice(-(shift - 1)), value]) : value;
      let alert: RuleAlert | undefined;
      const live = time - s.first >= warmup && s.sorted.length >= minPoints;
      const canAlert = live && (s.last === null || time - s.last >= cooldown);
      // The point's score (when it can alert, or with `risk` always, for the tail): its value
      // against the history's values, or with a season its residual against the history's
      // residuals, centred on their median (residuals are kept even before any alert can come).
      const needScore = s.sorted.length >= minPoints && (canAlert || risk > 0);
      const expected = season !== undefined ? (s.times.length > 0 ? expectedAt(s, time) : value) : 0;
      const residual = value - expected;
      // The season is used while it explains enough of the spread (`seasonGain`).
      const seasonal =
        season !== undefined && needScore && spreadOf(sortedResiduals) <= (1 - gain) * spreadOf(s.sorted);
      // Counts at least as dispersed as Poisson's get its noise as the least spread (`countNoise`).
      const poisson =
        countNoise && s.counts && needScore && spreadOf(s.sorted) ** 2 >= quantile(s.sorted, 0.5);
      const center = seasonal ? quantile(sortedResiduals, 0.5) : 0;
      const judged = seasonal ? sortedResiduals : s.sorted;
      const x = seasonal ? residual : value;
      const usual = seasonal ? expected + center : quantile(s.sorted, 0.5);
      const score = needScore
        ? scoreOf(judged, seasonal ? center : usual, x, seasonal ? expected : usual, poisson ? 1 : 0)
        : 0;
      if (canAlert) {
        const bound = risk > 0 ? Math.max(z, tailLevel(sortedScores, risk) ?? z) : z;
        if (anomalous(judged, x, score, bound)) {
          alert = { time, value, expected: usual, score, rule: name, kind: score > 0 ? "spike" : "drop" };
        } else if (shift > 1) {
          const usualLevel = quantile(sortedLevels, 0.5);
          const lScore = scoreOf(sortedLevels, usualLevel, level, usualLevel, poisson ? shift : 0);
          if (persist > 0) {
            if (anomalous(sortedLevels, level, lScore))
              s.pendingLevel ??= { time, level, expected: usualLevel, score: lScore };
          } else if (anomalous(sortedLevels, level, lScore))
            alert = {
              time,
              value: level,
              expected: usualLevel,
              score: lScore,
              rule: name,
              kind: lScore > 0 ? "spike" : "drop",
            };
        }
        if (alert) s.last = time;
      }
      // A waiting level candidate is judged once `persist` has passed: did the level hold?
      const pending = s.pendingLevel;
      if (pending && time > pending.time && time - pending.time >= persist) {
        s.pendingLevel = null;
        const since = [value];
        for (let i = s.times.length - 1; i >= 0 && (s.times[i] as number) > pending.time; i--)
          since.push(s.values[i] as number);
        const shifted = pending.level - pending.expected;
        const held = (median(since) - pending.expected) * Math.sign(shifted) >= 0.5 * Math.abs(shifted);
        if (held && !alert && (s.last === null || time - s.last >= cooldown)) {
          s.last = time;
          alert = {
            time,
            value: pending.level,
            expected: pending.expected,
            score: pending.score,
            rule: name,
            kind: pending.score > 0 ? "spike" : "drop",
          };
        }
      }
      s.times.push(time);
      s.values.push(value);
      s.sorted.splice(lowerBound(s.sorted, value), 0, value);
      if (shift > 1) {
        levels.push(level);
        sortedLevels.splice(lowerBound(sortedLevels, level), 0, level);
      }
      if (season !== undefined) {
        residuals.push(residual);
        sortedResiduals.splice(lowerBound(sortedResiduals, residual), 0, residual);
      }
      if (risk > 0) {
        const a = Math.abs(score);
        scores.push(a);
        sortedScores.splice(lowerBound(sortedScores, a), 0, a);
      }
      return alert;
    },
  };
}

/**
 * The batch evaluation: runs rules over one series' points sorted by event time (ties by value,
 * as the operator orders them), from fresh states. The streaming operator must agree with it.
 */
export function evaluateSeries(
  series: string,
  points: readonly (readonly [time: number, value: number])[],
  rules: readonly Rule[],
): Alert[] {
  const states = rules.map((r) => r.init());
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Alert[] = [];
  for (const [t, v] of sorted) {
    rules.forEach((r, i) => {
      const a = r.step(states[i], t, v);
      if (a) out.push({ series, ...a });
    });
  }
  return out;
}
