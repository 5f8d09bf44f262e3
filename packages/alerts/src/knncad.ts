/**
 * A trajectory detector and a second opinion, as rules (see rules.ts): `knnCad()`, the k-nearest-
 * neighbour conformal anomaly detector (KNN-CAD, Burnaev and Ishimtsev 2016, an entry of NAB's
 * scoreboard), `confirmed()`, which passes a rule's alert only when another rule agrees near
 * it, and `defaultAlertRule()`, the two with `anomaly()` as the default alerting. Like every
 * rule they take a series' points in event-time order and keep bounded plain-JSON state per
 * series (it checkpoints as it is).
 */
import { anomaly, type Rule, type RuleAlert } from "./rules.js";
import { checkKeys, invalid, num } from "./support.js";

const DAY = 24 * 3_600_000;

/** Options of {@link knnCad}. */
export interface KnnCadOptions {
  /** Points per trajectory: a point is judged with the `dim - 1` points before it (default 19). */
  readonly dim?: number;
  /** Nearest neighbours whose squared distances make the non-conformity (default 27). */
  readonly k?: number;
  /**
   * Trajectories of the recent past that a new one is compared with, and as many of their
   * non-conformities that its own is ranked among (default 300).
   */
  readonly training?: number;
  /**
   * The share of the recent non-conformities that a point's must exceed to alert, in (0, 1]
   * (default 1: all of them, strictly).
   */
  readonly threshold?: number;
  /** No alert before the series is this old (ms, default 3 days). */
  readonly warmup?: number;
  /** After an alert, none of this rule for this series for this long (ms, default 1 day). */
  readonly cooldown?: number;
  /** Default "knnCad". */
  readonly name?: string;
}

/** The defaults of {@link knnCad}. */
export const KNN_CAD_DEFAULTS = {
  dim: 19,
  k: 27,
  training: 300,
  threshold: 1,
  warmup: 3 * DAY,
  cooldown: DAY,
} as const;

interface KnnCadState {
  first: number | null;
  last: number | null;
  /** The last `dim - 1` values (the start of the next trajectory). */
  recent: number[];
  /** The last `training` trajectories, oldest first, each `dim` values. */
  trajectories: number[][];
  /** The non-conformities of the last `training` trajectories judged, oldest first. */
  nonConformities: number[];
}

/**
 * The non-conformity of a trajectory: the sum of its `k` smallest squared Euclidean distances to
 * the `trajectories` (all of them when there are fewer).
 */
export function nonConformity(
  trajectory: readonly number[],
  trajectories: readonly number[][],
  k: number,
): number {
  const d = trajectories.map((t) => {
    let s = 0;
    for (let j = 0; j < trajectory.length; j++) s += ((t[j] as number) - (trajectory[j] as number)) ** 2;
    return s;
  });
  d.sort((a, b) => a - b);
  let sum = 0;
  for (let j = 0; j < Math.min(k, d.length); j++) sum += d[j] as number;
  return sum;
}

/**
 * KNN-CAD, online: each point ends a trajectory of the last `dim` values; its non-conformity is the
 * sum of the squared distances to its `k` nearest among the `training` trajectories before it, and
 * its score the share of the last `training` non-conformities (each as it was when its point came)
 * that are below it, a conformal p-value's complement. A point alerts when that share reaches
 * `threshold`: with the default 1, its recent shape is further from the recent past than any of
 * the last `training` points' were. Unlike the level detectors it judges a shape, not a value: a
 * spike, a dip, a changed rhythm alike. What NAB's version does differently: it learns from its
 * probation only (a fixed share of the file), with a Mahalanobis metric; here the training
 * slides, Euclidean (ranks do not change with the series' scale). Kind "spike" when the point is
 * above the mean of its trajectory, "drop" below. Each step costs O(training * dim); memory per
 * series (training + 1) * dim numbers.
 */
export function knnCad(options: KnnCadOptions = {}): Rule<KnnCadState> {
  checkKeys("knnCad", options, ["dim", "k", "training", "threshold", "warmup", "cooldown", "name"]);
  const o = { ...KNN_CAD_DEFAULTS, ...options };
  const dim = num("knnCad.dim", o.dim, { min: 1, integer: true });
  const k = num("knnCad.k", o.k, { min: 1, integer: true });
  const training = num("knnCad.training", o.training, { min: 1, integer: true });
  if (k > training) throw invalid("knnCad.k", `(${k}) must not exceed 'knnCad.training' (${training})`);
  const threshold = num("knnCad.threshold", o.threshold, { positive: true });
  if (threshold > 1) throw invalid("knnCad.threshold", `must be <= 1, got ${threshold}`);
  const warmup = num("knnCad.warmup", o.warmup, { min: 0 });
  const cooldown = num("knnCad.cooldown", o.cooldown, { min: 0 });
  const name = options.name ?? "knnCad";
  return {
    name,
    type: "anomaly",
    init: () => ({ first: null, last: null, recent: [], trajectories: [], nonConformities: [] }),
    step(s, time, value) {
      if (s.first === null) s.first = time;
      const trajectory = [...s.recent, value];
      s.recent.push(value);
      if (s.recent.length > dim - 1) s.recent.shift();
      if (trajectory.length < dim) return undefined;
      let alert: RuleAlert | undefined;
      // Judged once the training is full: before, the neighbours are too few to say much.
      if (s.trajectories.length >= training) {
        const ncm = nonConformity(trajectory, s.trajectories, k);
        const past = s.nonConformities;
        if (past.length > 0) {
          let below = 0;
          for (const x of past) if (x < ncm) below++;
          const score = below / past.length;
          if (
            score >= threshold &&
            time - s.first >= warmup &&
            (s.last === null || time - s.last >= cooldown)
          ) {
            s.last = time;
            const mean = trajectory.reduce((a, b) => a + b, 0) / dim;
            alert = {
              time,
              value,
              expected: mean,
              score,
              rule: name,
              kind: value >= mean ? "spike" : "drop",
            };
          }
        }
        past.push(ncm);
        if (past.length > training) past.shift();
        s.trajectories.shift();
      }
      s.trajectories.push(trajectory);
      return alert;
    },
  };
}

/** Options of {@link confirmed}. */
export interface ConfirmedOptions {
  /** The rule whose alerts are the candidates (give it no cooldown: {@link confirmed} has its own). */
  readonly of: Rule;
  /** The rule that must agree (no cooldown or warm-up either: its alerts are only votes). */
  readonly by: Rule;
  /** `by` agrees if it alerted at most this many points before the candidate (default 20). */
  readonly before?: number;
  /**
   * ... or does within this many points after it (default 5): the alert then comes at that later
   * point, with the candidate's value, expected level and score.
   */
  readonly after?: number;
  /** After an alert, none of this rule for this series for this long (ms, default 1 day). */
  readonly cooldown?: number;
  /**
   * A candidate alerts without a vote when this rule raised no alert for the series in the last
   * `quiet` ms (its first ever, too): a series that rarely alerts is trusted with `of` alone, one
   * that alerted recently needs `by`'s agreement (default 0: every candidate needs a vote).
   */
  readonly quiet?: number;
  /**
   * What ends a quiet spell: "alerts" (default), this rule's alerts; "candidates", any candidate of
   * `of`, alerted or not, those of the warm-up included. With "candidates" a series whose
   * detector keeps flagging points that nobody confirms is not trusted with it alone.
   */
  readonly quietFrom?: "alerts" | "candidates";
  /**
   * No alert before the series is this old (ms, default 0). Give `of` no warm-up instead of this
   * one when `quietFrom` is "candidates": its candidates of the warm-up then count as activity.
   */
  readonly warmup?: number;
  /** Default "confirmed". */
  readonly name?: string;
}

/** The defaults of {@link confirmed}'s numeric options. */
export const CONFIRMED_DEFAULTS = {
  before: 20,
  after: 5,
  cooldown: DAY,
  quiet: 0,
  quietFrom: "alerts",
  warmup: 0,
} as const;

interface ConfirmedState {
  of: unknown;
  by: unknown;
  /** Points seen. */
  n: number;
  /** The index (of `n`) of the last point where `by` alerted. */
  lastVote: number | null;
  /** Candidates waiting for a vote, oldest first, each until the point of index `until`. */
  pending: { alert: RuleAlert; until: number }[];
  last: number | null;
  /** The first point's time (the warm-up counts from it); absent in states checkpointed before it existed. */
  first?: number | null;
  /** The time of `of`'s last candidate (with `quietFrom` "candidates"). */
  lastCandidate?: number | null;
}

/**
 * A second opinion: an alert of rule `of` (a candidate) passes only when rule `by` alerts too,
 * within `before` points before it (then at once) or `after` points after it (then at that later
 * point). Both rules see every point. Two detectors that look at different things (a new extreme
 * of the level, a shape unlike the recent past) rarely agree by chance, so their agreement keeps
 * most true alerts and drops many false ones. At most one alert per point (the oldest candidate
 * passing there), with the candidate's value, expected level and score, and this rule's name;
 * then none for `cooldown`. With `quiet`, a candidate needs no vote when the rule raised no alert
 * for `quiet` ms before it: an alert budget learnt per series, one unconfirmed alert per quiet
 * spell. State: both rules' and at most `after + 1` waiting candidates.
 */
export function confirmed(options: ConfirmedOptions): Rule<ConfirmedState> {
  checkKeys("confirmed", options, [
    "of",
    "by",
    "before",
    "after",
    "cooldown",
    "quiet",
    "quietFrom",
    "warmup",
    "name",
  ]);
  const isRule = (r: unknown) => typeof (r as Rule | undefined)?.step === "function";
  if (!isRule(options.of)) throw invalid("confirmed.of", "must be a rule");
  if (!isRule(options.by)) throw invalid("confirmed.by", "must be a rule");
  const o = { ...CONFIRMED_DEFAULTS, ...options };
  const before = num("confirmed.before", o.before, { min: 0, integer: true });
  const after = num("confirmed.after", o.after, { min: 0, integer: true });
  const cooldown = num("confirmed.cooldown", o.cooldown, { min: 0 });
  const quiet = num("confirmed.quiet", o.quiet, { min: 0 });
  const warmup = num("confirmed.warmup", o.warmup, { min: 0 });
  const quietFrom = o.quietFrom;
  if (quietFrom !== "alerts" && quietFrom !== "candidates")
    throw invalid(
      "confirmed.quietFrom",
      `must be "alerts" or "candidates", got ${JSON.stringify(quietFrom)}`,
    );
  const name = options.name ?? "confirmed";
  const { of, by } = options;
  return {
    name,
    type: "anomaly",
    init: () => ({
      of: of.init(),
      by: by.init(),
      n: 0,
      lastVote: null,
      pending: [],
      last: null,
      first: null,
      lastCandidate: null,
    }),
    step(s, time, value) {
      const i = s.n++;
      // A state checkpointed before `first` existed has seen points: its warm-up is over.
      s.first ??= i === 0 ? time : time - warmup;
      const raw = of.step(s.of, time, value);
      // A candidate of the warm-up only ends a quiet spell (with quietFrom "candidates").
      const candidate = time - s.first >= warmup ? raw : undefined;
      const vote = by.step(s.by, time, value) !== undefined;
      if (vote) s.lastVote = i;
      s.pending = s.pending.filter((p) => p.until >= i);
      // Candidates that pass here, oldest first: the waiting ones on a vote, then this point's.
      const passing: RuleAlert[] = [];
      if (vote) passing.push(...s.pending.map((p) => p.alert));
      if (vote) s.pending = [];
      if (candidate) {
        const since = quietFrom === "alerts" ? s.last : (s.lastCandidate ?? null);
        const trusted = quiet > 0 && (since === null || time - since >= quiet);
        if (trusted || (s.lastVote !== null && i - s.lastVote <= before)) passing.push(candidate);
        else if (after > 0) s.pending.push({ alert: candidate, until: i + after });
      }
      if (raw) s.lastCandidate = time;
      const first = passing[0];
      if (!first || (s.last !== null && time - s.last < cooldown)) return undefined;
      s.last = time;
      return { ...first, time, rule: name };
    },
  };
}

/** What {@link defaultAlertRule} sets beyond each rule's own defaults. */
export const DEFAULT_ALERT_RULE = {
  /** `confirmed()`'s warm-up (ms): 2.5 days (`anomaly()`'s own is 3), the candidates being confirmed. */
  warmup: 2.5 * DAY,
  /** `confirmed()`'s `quiet` (ms): a candidate alerts alone after a week without any. */
  quiet: 7 * DAY,
} as const;

/**
 * The anomaly alerting that does best on labelled data (the NAB evaluation, one configuration for
 * every series): {@link confirmed} with `anomaly()` (its defaults, no cooldown or warm-up) as
 * candidates and {@link knnCad} (no warm-up or cooldown) as the vote, a 2.5-day warm-up, `quiet`
 * 7 days from the last candidate (`quietFrom` "candidates"): a candidate alerts alone when
 * `anomaly()` flagged nothing in the week before it (its warm-up included), otherwise only when
 * KNN-CAD agrees. As configuration: `{ rule: "confirmed", name: "anomaly", quiet: 604800000,
 * quietFrom: "candidates", warmup: 216000000, of: { rule: "anomaly", cooldown: 0, warmup: 0 } }`.
 */
export function defaultAlertRule(options: { readonly name?: string } = {}): Rule {
  checkKeys("defaultAlertRule", options, ["name"]);
  return confirmed({
    of: anomaly({ cooldown: 0, warmup: 0 }) as Rule,
    by: knnCad({ warmup: 0, cooldown: 0 }) as Rule,
    quiet: DEFAULT_ALERT_RULE.quiet,
    quietFrom: "candidates",
    warmup: DEFAULT_ALERT_RULE.warmup,
    name: options.name ?? "anomaly",
  }) as Rule;
}
