/**
 * Alert rules as pure state machines: a rule gets a series' points in event-time order, one at a
 * time, and keeps everything it learns in a plain JSON state. The streaming operator
 * ({@link detectAlerts}) and the batch evaluation ({@link evaluateSeries}) run the same `step`, so
 * they agree by construction, and the state checkpoints as it is.
 */

import { type EwmaOptions, ewma, type SeasonalEsdOptions, seasonalEsd } from "./detectors.js";
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
   * Seasonality (ms, e.g. a day): when set, the expected level is the median of the history's
   * points at the same phase of the season (within `seasonTolerance`), not of the whole history.
   */
  readonly season?: number;
  /** Phase tolerance for `season` (ms, default 1 hour). */
  readonly seasonTolerance?: number;
  /** After an alert, none of this rule for this series for this long (ms, default 1 day). */
  readonly cooldown?: number;
  /** Default "anomaly". */
  readonly name?: string;
}

/** The defaults of {@link anomaly}: one configuration for every series. */
export const ANOMALY_DEFAULTS = {
  lookback: 28 * DAY,
  maxPoints: 10_000,
  warmup: 3 * DAY,
  minPoints: 10,
  threshold: 5,
  spread: "mad",
  newExtreme: true,
  seasonTolerance: HOUR,
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
}

function median(values: number[]): number {
  values.sort((x, y) => x - y);
  return quantile(values, 0.5);
}

/**
 * Anomaly detection that learns each series' normal level: a robust z-score of the point against
 * the median and the median absolute deviation (or interquartile range) of its recent history (or of the same phase of earlier
 * seasons), that must also set a new extreme of the history; a cooldown keeps one incident to one
 * alert. Kind "spike" above the expected level, "drop" below.
 */
export function anomaly(options: AnomalyOptions = {}): Rule<AnomalyState> {
  checkKeys("anomaly", options, [
    "lookback",
    "maxPoints",
    "warmup",
    "minPoints",
    "threshold",
    "spread",
    "newExtreme",
    "season",
    "seasonTolerance",
    "cooldown",
    "name",
  ]);
  const o = { ...ANOMALY_DEFAULTS, ...options };
  const lookback = num("anomaly.lookback", o.lookback, { positive: true });
  const maxPoints = num("anomaly.maxPoints", o.maxPoints, { min: 2, integer: true });
  const warmup = num("anomaly.warmup", o.warmup, { min: 0 });
  const minPoints = num("anomaly.minPoints", o.minPoints, { min: 1, integer: true });
  const z = num("anomaly.threshold", o.threshold, { positive: true });
  const season =
    options.season === undefined ? undefined : num("anomaly.season", options.season, { positive: true });
  const tol = num("anomaly.seasonTolerance", o.seasonTolerance, { min: 0 });
  const cooldown = num("anomaly.cooldown", o.cooldown, { min: 0 });
  if (typeof o.newExtreme !== "boolean") throw invalid("anomaly.newExtreme", "must be a boolean");
  if (o.spread !== "iqr" && o.spread !== "mad")
    throw invalid("anomaly.spread", `must be "iqr" or "mad", got ${JSON.stringify(o.spread)}`);
  const mad = o.spread === "mad";
  const name = options.name ?? "anomaly";

  const expectedAt = (s: AnomalyState, time: number): number => {
    if (season === undefined) return quantile(s.sorted, 0.5);
    const same: number[] = [];
    for (let i = 0; i < s.times.length; i++) {
      const d = Math.abs((((time - (s.times[i] as number)) % season) + season) % season);
      if (Math.min(d, season - d) <= tol) same.push(s.values[i] as number);
    }
    // Too few points of this phase yet: the whole history's median.
    return same.length >= 3 ? median(same) : quantile(s.sorted, 0.5);
  };

  return {
    name,
    type: "anomaly",
    init: () => ({ first: null, last: null, times: [], values: [], sorted: [] }),
    step(s, time, value) {
      if (s.first === null) s.first = time;
      // Forget what is older than the lookback, or beyond maxPoints.
      const drop = expiredCount(s.times, time, lookback, maxPoints);
      for (let i = 0; i < drop; i++) s.sorted.splice(lowerBound(s.sorted, s.values[i] as number), 1);
      if (drop > 0) {
        s.times.splice(0, drop);
        s.values.splice(0, drop);
      }
      let alert: RuleAlert | undefined;
      if (time - s.first >= warmup && s.sorted.length >= minPoints) {
        const n = s.sorted.length;
        const expected = expectedAt(s, time);
        const spread = mad
          ? medianAbsDeviation(s.sorted, quantile(s.sorted, 0.5)) * 1.4826
          : (quantile(s.sorted, 0.75) - quantile(s.sorted, 0.25)) / 1.349;
        // A flat history has no spread: a small floor keeps the score finite and meaningful.
        const scale = spread + Math.abs(expected) * 1e-3 + 1e-9;
        const score = (value - expected) / scale;
        const beyond = value > (s.sorted[n - 1] as number) || value < (s.sorted[0] as number);
        if (
          Math.abs(score) > z &&
          (!o.newExtreme || beyond) &&
          (s.last === null || time - s.last >= cooldown)
        ) {
          s.last = time;
          alert = { time, value, expected, score, rule: name, kind: score > 0 ? "spike" : "drop" };
        }
      }
      s.times.push(time);
      s.values.push(value);
      s.sorted.splice(lowerBound(s.sorted, value), 0, value);
      return alert;
    },
  };
}

/** A rule given as plain configuration: `{ rule: "anomaly", threshold: 6 }`. */
export type RuleConfig =
  | ({ readonly rule: "threshold" } & ThresholdOptions)
  | ({ readonly rule: "rateOfChange" } & RateOfChangeOptions)
  | ({ readonly rule: "anomaly" } & AnomalyOptions)
  | ({ readonly rule: "ewma" } & EwmaOptions)
  | ({ readonly rule: "seasonalEsd" } & SeasonalEsdOptions);

/** Builds a rule from plain configuration (a file, a CLI flag); unknown rules and options throw. */
export function ruleFromConfig(config: RuleConfig): Rule {
  const { rule, ...options } = config as { rule: unknown } & Record<string, unknown>;
  switch (rule) {
    case "threshold":
      return threshold(options) as Rule;
    case "rateOfChange":
      return rateOfChange(options) as Rule;
    case "anomaly":
      return anomaly(options) as Rule;
    case "ewma":
      return ewma(options) as Rule;
    case "seasonalEsd":
      return seasonalEsd(options) as Rule;
    default:
      throw invalid(
        "rule",
        `is unknown: ${JSON.stringify(rule)} (rules: threshold, rateOfChange, anomaly, ewma, seasonalEsd)`,
      );
  }
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
