// The detectors against brute-force batch computations of the same statistics: each oracle below
// recomputes, for every point, the statistic from the whole history kept so far (no incremental
// state), and the rule's alerts must be the ones the oracle finds, with the same expected level and
// score (for knnCad every non-conformity recomputed from the whole series; for confirmed its two
// rules run alone and their alerts paired afterwards). Streaming (out of order, restored
// mid-series) is covered for every rule in detect.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import {
  anomaly,
  type ConfirmedOptions,
  confirmed,
  defaultAlertRule,
  evaluateSeries,
  ewma,
  knnCad,
  type Rule,
  type RuleAlert,
  ruleFromConfig,
  seasonalEsd,
  threshold,
} from "@fleuve/alerts";
import { FleuveError } from "@fleuve/core";
import fc from "fast-check";
import { esdCritical, normalQuantile, tQuantile } from "../src/detectors.js";
import { tailLevel } from "../src/rules.js";

const sortedCopy = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
function medianOf(xs: readonly number[]): number {
  const s = sortedCopy(xs);
  const n = s.length;
  return ((s[(n - 1) >> 1] as number) + (s[n >> 1] as number)) / 2;
}

/**
 * The least spread of `anomaly()`'s `countNoise`, naively: 0 unless every value seen so far (`seen`)
 * is a non-negative integer and the history's values (`vs`) spread at least as Poisson counts do
 * (MAD * 1.4826 squared >= their median); then the standard deviation of the mean of `n` Poisson
 * counts at `level` (at least 1).
 */
function poissonFloor(seen: readonly number[], vs: readonly number[], level: number, n: number): number {
  if (!seen.every((v) => Number.isInteger(v) && v >= 0)) return 0;
  const m = medianOf(vs);
  const spread = medianOf(vs.map((y) => Math.abs(y - m))) * 1.4826;
  return spread ** 2 >= m ? Math.sqrt(Math.max(Math.abs(level), 1) / n) : 0;
}

/** Series: increasing times (gaps 1-3), calm values with spikes, drops and a level shift now and then. */
const seriesArb = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 1, max: 3 }),
      v: fc.oneof(
        { weight: 12, arbitrary: fc.integer({ min: 40, max: 60 }) },
        { weight: 1, arbitrary: fc.integer({ min: -200, max: 400 }) },
      ),
      shift: fc.oneof(
        { weight: 30, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: -100, max: 100 }) },
      ),
    }),
    { minLength: 2, maxLength: 220, size: "max" },
  )
  .map((raw) => {
    let t = 0;
    let level = 0;
    return raw.map((r): [number, number] => {
      t += r.gap;
      level += r.shift;
      return [t, r.v + level];
    });
  });

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-7 * Math.max(1, Math.abs(a), Math.abs(b));

function sameAlerts(got: readonly RuleAlert[], want: readonly RuleAlert[]): void {
  assert.deepEqual(
    got.map((a) => [a.time, a.kind]),
    want.map((a) => [a.time, a.kind]),
  );
  got.forEach((a, i) => {
    const w = want[i] as RuleAlert;
    assert.ok(close(a.expected, w.expected), `expected ${a.expected} vs ${w.expected} at ${a.time}`);
    assert.ok(close(a.score, w.score), `score ${a.score} vs ${w.score} at ${a.time}`);
  });
}

test("the normal and t quantiles and the ESD critical values match published tables", () => {
  const near = (got: number, want: number, tol: number) =>
    assert.ok(Math.abs(got - want) <= tol, `${got} vs ${want}`);
  near(normalQuantile(0.975), 1.959964, 1e-6);
  near(normalQuantile(0.001), -3.090232, 1e-6);
  near(normalQuantile(0.5), 0, 1e-12);
  near(normalQuantile(1e-6), -4.753424, 1e-5);
  // Student's t (two-sided tables): 30 df at 95%, 20 df at 99%, 60 df at 99.8%, 120 df at 95%.
  near(tQuantile(0.975, 30), 2.042272, 1e-3);
  near(tQuantile(0.995, 20), 2.84534, 1e-3);
  near(tQuantile(0.999, 60), 3.231709, 1e-3);
  near(tQuantile(0.975, 120), 1.97993, 1e-4);
  // lambda_1 is Grubbs' two-sided critical value: 2.822 for n = 25, 3.384 for n = 100 at alpha 0.05.
  near(esdCritical(25, 1, 0.05), 2.822, 0.005);
  near(esdCritical(100, 1, 0.05), 3.384, 0.005);
  assert.throws(() => normalQuantile(1), RangeError);
});

/** `fn` throws FLEUVE_CONFIG_INVALID naming `option` in its details and its message. */
const names = (fn: () => unknown, option: string) =>
  assert.throws(
    fn,
    (e: unknown) =>
      e instanceof FleuveError && e.details.option === option && e.message.includes(`'${option}'`),
  );

test("bad detector options fail when the rule is built, naming the option", () => {
  names(() => ewma({ alpha: 0 }), "ewma.alpha");
  names(() => ewma({ alpha: 1.5 }), "ewma.alpha");
  names(() => ewma({ threshold: -1 }), "ewma.threshold");
  names(() => ewma({ alfa: 0.1 } as never), "ewma.alfa");
  names(() => seasonalEsd({ maxAnoms: 0.9 }), "seasonalEsd.maxAnoms");
  names(() => seasonalEsd({ alpha: 1 }), "seasonalEsd.alpha");
  names(() => seasonalEsd({ minPoints: 5 }), "seasonalEsd.minPoints");
  names(() => seasonalEsd({ season: -1 }), "seasonalEsd.season");
  names(() => anomaly({ spread: "std" as never }), "anomaly.spread");
  names(() => anomaly({ shift: 2.5 }), "anomaly.shift");
  names(() => anomaly({ shift: -1 }), "anomaly.shift");
  names(() => anomaly({ seasonGain: 1 }), "anomaly.seasonGain");
  names(() => anomaly({ risk: 1 }), "anomaly.risk");
});

/** EWMA by its closed form: weights alpha (1 - alpha)^age, the first point the rest. */
function ewmaOracle(
  pts: readonly [number, number][],
  o: { alpha: number; threshold: number; minPoints: number; warmup: number; cooldown: number },
): RuleAlert[] {
  const out: RuleAlert[] = [];
  let last: number | null = null;
  for (let j = 1; j < pts.length; j++) {
    const [t, x] = pts[j] as [number, number];
    const w = (i: number) => (i === 0 ? (1 - o.alpha) ** (j - 1) : o.alpha * (1 - o.alpha) ** (j - 1 - i));
    let mean = 0;
    for (let i = 0; i < j; i++) mean += w(i) * (pts[i] as [number, number])[1];
    let variance = 0;
    for (let i = 0; i < j; i++) variance += w(i) * ((pts[i] as [number, number])[1] - mean) ** 2;
    const score = (x - mean) / (Math.sqrt(variance) + Math.abs(mean) * 1e-3 + 1e-9);
    if (
      j >= o.minPoints &&
      t - (pts[0] as [number, number])[0] >= o.warmup &&
      Math.abs(score) > o.threshold &&
      (last === null || t - last >= o.cooldown)
    ) {
      last = t;
      out.push({
        time: t,
        value: x,
        expected: mean,
        score,
        rule: "ewma",
        kind: score > 0 ? "spike" : "drop",
      });
    }
  }
  return out;
}

test("ewma: the alerts, levels and scores of the closed-form weighted mean and variance", () => {
  let alerted = 0;
  fc.assert(
    fc.property(
      seriesArb,
      fc.constantFrom(0.02, 0.1, 0.3, 1),
      fc.constantFrom(1, 2.5, 4),
      fc.integer({ min: 0, max: 8 }),
      (pts, alpha, threshold, cooldown) => {
        const o = { alpha, threshold, minPoints: 5, warmup: 3, cooldown };
        const got = evaluateSeries("s", pts, [ewma(o) as Rule]);
        alerted += got.length;
        sameAlerts(got, ewmaOracle(pts, o));
      },
    ),
    { numRuns: 150 },
  );
  assert.ok(alerted > 100, `only ${alerted} alerts: the comparison tested little`);
});

/** S-H-ESD as its doc defines it, naively: full sorts of the history at every point. */
function esdOracle(
  pts: readonly [number, number][],
  o: {
    season: number;
    seasonTolerance: number;
    lookback: number;
    maxPoints: number;
    maxAnoms: number;
    alpha: number;
    minPoints: number;
    warmup: number;
    cooldown: number;
  },
): RuleAlert[] {
  const out: RuleAlert[] = [];
  let hist: { t: number; v: number; r: number }[] = [];
  let last: number | null = null;
  const first = (pts[0] as [number, number])[0];
  for (const [t, v] of pts) {
    hist = hist.filter((h) => h.t >= t - o.lookback).slice(-(o.maxPoints - 1));
    let expected = v;
    if (hist.length > 0) {
      const same = hist.filter((h) => {
        const d = (((t - h.t) % o.season) + o.season) % o.season;
        return o.season > 0 && Math.min(d, o.season - d) <= o.seasonTolerance;
      });
      expected = medianOf((same.length >= 3 ? same : hist).map((h) => h.v));
    }
    const r = v - expected;
    if (hist.length >= o.minPoints && t - first >= o.warmup) {
      const all = [...hist.map((h) => h.r), r];
      const n = all.length;
      const m = medianOf(all);
      const mad = medianOf(all.map((x) => Math.abs(x - m))) * 1.4826 + Math.abs(expected) * 1e-3 + 1e-9;
      const dNew = Math.abs(r - m);
      const rank = 1 + hist.filter((h) => Math.abs(h.r - m) > dNew).length;
      const devs = all.map((x) => Math.abs(x - m)).sort((a, b) => b - a);
      const k = Math.max(1, Math.floor(o.maxAnoms * n));
      let upTo = 0;
      for (let i = 1; i <= k; i++) if ((devs[i - 1] as number) / mad > esdCritical(n, i, o.alpha)) upTo = i;
      if (rank <= upTo && (last === null || t - last >= o.cooldown)) {
        last = t;
        out.push({
          time: t,
          value: v,
          expected,
          score: (r - m) / mad,
          rule: "seasonalEsd",
          kind: r > 0 ? "spike" : "drop",
        });
      }
    }
    hist.push({ t, v, r });
  }
  return out;
}

test("seasonalEsd: the alerts, levels and scores of a naive seasonal median and generalized ESD", () => {
  let alerted = 0;
  fc.assert(
    fc.property(
      seriesArb,
      fc.constantFrom(0, 7, 24),
      fc.constantFrom(0.02, 0.1),
      fc.constantFrom(0.05, 0.001),
      fc.integer({ min: 0, max: 6 }),
      (pts, season, maxAnoms, alpha, cooldown) => {
        const o = {
          season,
          seasonTolerance: 1,
          lookback: 150,
          maxPoints: 80,
          maxAnoms,
          alpha,
          minPoints: 25,
          warmup: 10,
          cooldown,
        };
        const got = evaluateSeries("s", pts, [seasonalEsd(o) as Rule]);
        alerted += got.length;
        sameAlerts(got, esdOracle(pts, o));
      },
    ),
    { numRuns: 150 },
  );
  assert.ok(alerted > 50, `only ${alerted} alerts: the comparison tested little`);
});

/** The robust z-score with the MAD as spread, naively, with the new-extreme condition. */
function madOracle(
  pts: readonly [number, number][],
  o: {
    lookback: number;
    threshold: number;
    warmup: number;
    minPoints: number;
    cooldown: number;
    margin: number;
    countNoise?: boolean;
  },
): RuleAlert[] {
  const out: RuleAlert[] = [];
  let hist: [number, number][] = [];
  const seen: number[] = [];
  let last: number | null = null;
  const first = (pts[0] as [number, number])[0];
  for (const [t, v] of pts) {
    hist = hist.filter((h) => h[0] >= t - o.lookback);
    seen.push(v);
    if (t - first >= o.warmup && hist.length >= o.minPoints) {
      const vs = hist.map((h) => h[1]);
      const m = medianOf(vs);
      const floor = o.countNoise === false ? 0 : poissonFloor(seen, vs, m, 1);
      const spread = Math.max(medianOf(vs.map((x) => Math.abs(x - m))) * 1.4826, floor);
      const score = (v - m) / (spread + Math.abs(m) * 1e-3 + 1e-9);
      const hi = Math.max(...vs);
      const lo = Math.min(...vs);
      const beyond = v > hi + o.margin * (hi - m) || v < lo - o.margin * (m - lo);
      if (Math.abs(score) > o.threshold && beyond && (last === null || t - last >= o.cooldown)) {
        last = t;
        out.push({
          time: t,
          value: v,
          expected: m,
          score,
          rule: "anomaly",
          kind: score > 0 ? "spike" : "drop",
        });
      }
    }
    hist.push([t, v]);
  }
  return out;
}

test("anomaly with spread 'mad': the alerts of a naive median / MAD robust z-score", () => {
  let alerted = 0;
  fc.assert(
    fc.property(
      seriesArb,
      fc.constantFrom(2, 3.5, 5),
      fc.integer({ min: 0, max: 6 }),
      fc.constantFrom(0, 0.05, 0.5),
      (pts, threshold, cooldown, margin) => {
        const o = { lookback: 60, threshold, warmup: 8, minPoints: 6, cooldown, margin };
        // Without the season and the level test (both on by default): the plain robust z-score.
        const got = evaluateSeries("s", pts, [anomaly({ ...o, spread: "mad", season: 0, shift: 0 }) as Rule]);
        alerted += got.length;
        sameAlerts(got, madOracle(pts, o));
      },
    ),
    { numRuns: 150 },
  );
  assert.ok(alerted > 50, `only ${alerted} alerts: the comparison tested little`);
});

/** Small counts (0-4, now and then up to 40) at increasing times (gaps 1-3), as tweets per 5 minutes at night. */
const countsArb = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 1, max: 3 }),
      v: fc.oneof(
        { weight: 12, arbitrary: fc.integer({ min: 0, max: 4 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }) },
      ),
    }),
    { minLength: 2, maxLength: 220, size: "max" },
  )
  .map((raw) => {
    let t = 0;
    return raw.map((r): [number, number] => {
      t += r.gap;
      return [t, r.v];
    });
  });

test("anomaly with countNoise: the alerts of a naive score whose spread is at least Poisson's noise", () => {
  let alerted = 0;
  let floored = 0;
  fc.assert(
    fc.property(
      fc.oneof({ weight: 3, arbitrary: countsArb }, { weight: 1, arbitrary: seriesArb }),
      fc.constantFrom(2, 3.5, 5),
      fc.integer({ min: 0, max: 6 }),
      fc.constantFrom(0, 3),
      fc.constantFrom(0, 5),
      fc.constantFrom(true, true, true, false),
      (pts, threshold, cooldown, shift, season, countNoise) => {
        const o = {
          lookback: 60,
          threshold,
          warmup: 8,
          minPoints: 6,
          cooldown,
          shift,
          season,
          seasonTolerance: 1,
          countNoise,
        };
        const got = evaluateSeries("s", pts, [anomaly(o) as Rule]);
        sameAlerts(got, anomalyOracle(pts, o).alerts);
        alerted += got.length;
        // How often the floor changed the alerts (against the same rule without it).
        if (countNoise) {
          const without = evaluateSeries("s", pts, [anomaly({ ...o, countNoise: false }) as Rule]);
          if (!isDeepStrictEqual(got, without)) floored++;
        }
      },
    ),
    { numRuns: 200 },
  );
  assert.ok(alerted > 50, `only ${alerted} alerts: the comparison tested little`);
  assert.ok(floored > 5, `the Poisson floor changed the alerts of only ${floored} series`);
});

test("anomaly with countNoise: 2 tweets after a night of 0 and 1 is noise, 30 is news; integer speeds are no counts", () => {
  const o = { warmup: 0, minPoints: 10, season: 0, shift: 0, cooldown: 0 };
  const night = Array.from({ length: 60 }, (_, i): [number, number] => [i, i % 6 === 3 ? 1 : 0]);
  const counts = (countNoise: boolean, tail: number[]) =>
    evaluateSeries(
      "s",
      [...night, ...tail.map((v, i): [number, number] => [60 + i, v])],
      [anomaly({ ...o, countNoise }) as Rule],
    ).map((a) => [a.time, a.value, Math.round(a.score)]);
  // Median 0, MAD 0: without the floor, 2 scores 2e9; Poisson's noise at an expected 0 is 1.
  assert.deepEqual(counts(false, [2]), [[60, 2, 2e9]]);
  assert.deepEqual(counts(true, [2]), []);
  assert.deepEqual(counts(true, [30]), [[60, 30, 30]]);
  // One value that is no count (1.5) and the series is judged as measurements from then on.
  assert.deepEqual(counts(true, [1.5, 3]), [
    [60, 1.5, 1.5e9],
    [61, 3, 3e9],
  ]);
  // Speeds in whole mph spread far less than Poisson counts at 60 would (sd 7.7): no floor.
  const speeds = Array.from({ length: 40 }, (_, i): [number, number] => [
    i,
    [59, 60, 61, 60][i % 4] as number,
  ]);
  const jump: [number, number] = [40, 66];
  const speedAlerts = (countNoise: boolean) =>
    evaluateSeries("s", [...speeds, jump], [anomaly({ ...o, countNoise }) as Rule]).map((a) => a.time);
  assert.deepEqual(speedAlerts(true), [40]);
  assert.deepEqual(speedAlerts(false), [40]);
  names(() => anomaly({ countNoise: "yes" as never }), "anomaly.countNoise");
});

/** SPOT's z_q by the method of moments, naively: a full sort, the peaks over the 98th percentile. */
function tailOracle(xs: readonly number[], risk: number): number | undefined {
  const sorted = sortedCopy(xs);
  const n = sorted.length;
  if (n === 0) return undefined;
  const pos = 0.98 * (n - 1);
  const lo = sorted[Math.floor(pos)] as number;
  const u = lo + ((sorted[Math.min(Math.floor(pos) + 1, n - 1)] as number) - lo) * (pos - Math.floor(pos));
  const peaks = sorted.filter((x) => x > u).map((x) => x - u);
  if (peaks.length < 10) return undefined;
  const m = peaks.reduce((a, b) => a + b, 0) / peaks.length;
  const v = peaks.reduce((a, b) => a + (b - m) ** 2, 0) / peaks.length;
  if (!(v > 0)) return undefined;
  const xi = 0.5 * (1 - (m * m) / v);
  const sigma = 0.5 * m * (1 + (m * m) / v);
  const r = (risk * n) / peaks.length;
  return Math.abs(xi) < 1e-9 ? u - sigma * Math.log(r) : u + (sigma / xi) * (r ** -xi - 1);
}

/**
 * anomaly with `shift`, `season` and `risk`, naively: the history as {t, v, level, r, a}, each
 * level the median of the last shift - 1 kept values and the point's own, each residual the value
 * less the median of the kept points at the same phase (or of all kept points while fewer than 3
 * are), each a the point's absolute score when it came (0 before minPoints); a point is judged
 * first (its value against the values' median / MAD and range, or with a season its residual
 * against the residuals', above the threshold and the tail level of the past scores), then its
 * level against the levels'; one cooldown.
 */
function anomalyOracle(
  pts: readonly [number, number][],
  o: {
    lookback: number;
    threshold: number;
    warmup: number;
    minPoints: number;
    cooldown: number;
    shift: number;
    season?: number;
    seasonTolerance?: number;
    seasonGain?: number;
    risk?: number;
    margin?: number;
    countNoise?: boolean;
  },
): { alerts: RuleAlert[]; fromLevel: number; tailBound: number; bySeason: number } {
  const out: RuleAlert[] = [];
  let fromLevel = 0;
  let tailBound = 0;
  let bySeason = 0;
  const madOf = (xs: number[]) => {
    const m = medianOf(xs);
    return medianOf(xs.map((y) => Math.abs(y - m)));
  };
  let hist: { t: number; v: number; level: number; r: number; a: number }[] = [];
  let last: number | null = null;
  const first = (pts[0] as [number, number])[0];
  const seen: number[] = [];
  const scoreOf = (xs: number[], x: number, center: number, floorOf: number, noise = 0) => {
    const m = medianOf(xs);
    const spread = Math.max(medianOf(xs.map((y) => Math.abs(y - m))) * 1.4826, noise);
    return (x - center) / (spread + Math.abs(floorOf) * 1e-3 + 1e-9);
  };
  // A new extreme by `margin` (the rule's default 0.05) of the history's reach beyond its median.
  const margin = o.margin ?? 0.05;
  const isAnomaly = (xs: number[], x: number, score: number, bound: number) => {
    const hi = Math.max(...xs);
    const lo = Math.min(...xs);
    const m = medianOf(xs);
    return Math.abs(score) > bound && (x > hi + margin * (hi - m) || x < lo - margin * (m - lo));
  };
  for (const [t, v] of pts) {
    hist = hist.filter((h) => h.t >= t - o.lookback);
    const recent = o.shift > 1 ? hist.slice(Math.max(0, hist.length - (o.shift - 1))) : [];
    const level = medianOf([...recent.map((h) => h.v), v]);
    let expected = v;
    if (hist.length > 0) {
      const season = o.season;
      const same = !season
        ? []
        : hist.filter((h) => {
            const d = (((t - h.t) % season) + season) % season;
            return Math.min(d, season - d) <= (o.seasonTolerance ?? 0);
          });
      expected = medianOf((same.length >= 3 ? same : hist).map((h) => h.v));
    }
    const r = v - expected;
    const vs = hist.map((h) => h.v);
    const rs = hist.map((h) => h.r);
    seen.push(v);
    const noise = (level: number, n: number) =>
      o.countNoise === false ? 0 : poissonFloor(seen, vs, level, n);
    // The season is used while the residuals spread at most (1 - seasonGain) times the values.
    const seasonal =
      !!o.season &&
      hist.length >= o.minPoints &&
      madOf(rs) * 1.4826 <= (1 - (o.seasonGain ?? 0.5)) * (madOf(vs) * 1.4826);
    const score =
      hist.length >= o.minPoints
        ? seasonal
          ? scoreOf(rs, r, medianOf(rs), expected, noise(expected, 1))
          : scoreOf(vs, v, medianOf(vs), medianOf(vs), noise(medianOf(vs), 1))
        : 0;
    if (t - first >= o.warmup && hist.length >= o.minPoints && (last === null || t - last >= o.cooldown)) {
      const tail = o.risk
        ? tailOracle(
            hist.map((h) => h.a),
            o.risk,
          )
        : undefined;
      const bound = Math.max(o.threshold, tail ?? o.threshold);
      if (bound > o.threshold) tailBound++;
      const pointHit = isAnomaly(seasonal ? rs : vs, seasonal ? r : v, score, bound);
      const ls = hist.map((h) => h.level);
      const lScore = scoreOf(
        ls,
        level,
        medianOf(ls),
        medianOf(ls),
        o.shift > 1 ? noise(medianOf(ls), o.shift) : 0,
      );
      const levelHit = !pointHit && o.shift > 1 && isAnomaly(ls, level, lScore, o.threshold);
      if (pointHit || levelHit) {
        last = t;
        if (levelHit) fromLevel++;
        else if (seasonal) bySeason++;
        const s = pointHit ? score : lScore;
        out.push({
          time: t,
          value: pointHit ? v : level,
          expected: levelHit ? medianOf(ls) : seasonal ? expected + medianOf(rs) : medianOf(vs),
          score: s,
          rule: "anomaly",
          kind: s > 0 ? "spike" : "drop",
        });
      }
    }
    hist.push({ t, v, level, r, a: Math.abs(score) });
  }
  return { alerts: out, fromLevel, tailBound, bySeason };
}

test("anomaly with shift: the alerts of a naive median of the last points judged against past medians", () => {
  let alerted = 0;
  let levelAlerts = 0;
  fc.assert(
    fc.property(
      seriesArb,
      fc.constantFrom(2, 3.5, 5),
      fc.integer({ min: 0, max: 6 }),
      fc.constantFrom(2, 3, 6),
      fc.constantFrom(undefined, 0, 0.3),
      (pts, threshold, cooldown, shift, margin) => {
        const o = {
          lookback: 60,
          threshold,
          warmup: 8,
          minPoints: 6,
          cooldown,
          shift,
          season: 0,
          ...(margin === undefined ? {} : { margin }),
        };
        const got = evaluateSeries("s", pts, [anomaly(o) as Rule]);
        const want = anomalyOracle(pts, o);
        alerted += got.length;
        levelAlerts += want.fromLevel;
        sameAlerts(got, want.alerts);
        assert.deepEqual(
          got.map((a) => a.value),
          want.alerts.map((a) => a.value),
        );
      },
    ),
    { numRuns: 150 },
  );
  assert.ok(alerted > 50, `only ${alerted} alerts: the comparison tested little`);
  // Some alerts come from the level test alone.
  assert.ok(levelAlerts > 5, `only ${levelAlerts} level alerts: the level test was barely exercised`);
});

test("anomaly with season: the alerts of a naive same-phase median, residuals judged against past residuals", () => {
  let alerted = 0;
  let bySeason = 0;
  fc.assert(
    fc.property(
      seriesArb,
      fc.boolean(),
      fc.constantFrom(2, 3.5, 5),
      fc.integer({ min: 0, max: 6 }),
      fc.constantFrom(0, 3),
      fc.constantFrom(5, 12),
      fc.constantFrom(0, 1),
      fc.constantFrom(0, 0.2, 0.6),
      (raw, cyclic, threshold, cooldown, shift, season, seasonTolerance, seasonGain) => {
        // Half the series with a cycle of 12 (+60 in the first half of each), which season 12 explains.
        const pts = raw.map(([t, v]): [number, number] => [t, v + (cyclic && t % 12 < 6 ? 60 : 0)]);
        const o = {
          lookback: 60,
          threshold,
          warmup: 8,
          minPoints: 6,
          cooldown,
          shift,
          season,
          seasonTolerance,
          seasonGain,
        };
        const got = evaluateSeries("s", pts, [anomaly(o) as Rule]);
        const want = anomalyOracle(pts, o);
        alerted += got.length;
        bySeason += want.bySeason;
        sameAlerts(got, want.alerts);
      },
    ),
    { numRuns: 200 },
  );
  assert.ok(alerted > 50, `only ${alerted} alerts: the comparison tested little`);
  // Residuals were judged for some alerts (and values for the others).
  assert.ok(bySeason > 20, `only ${bySeason} alerts judged by their residual`);
});

test("tailLevel: SPOT's return level of exponential and generalized Pareto tails", () => {
  // Quantiles of an exponential (xi = 0): P(X > x) = e^-x, so the level exceeded with probability
  // 1e-4 is ln(1e4) = 9.21; of a GPD with xi = 0.25, sigma = 1 above 0: 4 (1e-4^-0.25 - 1) = 36.
  const n = 20_000;
  const grid = (q: (p: number) => number) => Array.from({ length: n }, (_, i) => q((i + 0.5) / n));
  const near = (got: number | undefined, want: number, tol: number) =>
    assert.ok(got !== undefined && Math.abs(got - want) <= tol * want, `${got} vs ${want}`);
  near(
    tailLevel(
      grid((p) => -Math.log(1 - p)),
      1e-4,
    ),
    Math.log(1e4),
    0.03,
  );
  near(
    tailLevel(
      grid((p) => 4 * ((1 - p) ** -0.25 - 1)),
      1e-4,
    ),
    36,
    0.1,
  );
  assert.equal(tailLevel([1, 2, 3], 1e-4), undefined);
  // And the naive oracle of the rule's test agrees with it.
  const xs = grid((p) => -Math.log(1 - p)).filter((_, i) => i % 7 === 0);
  near(tailLevel(xs, 1e-3), tailOracle(xs, 1e-3) as number, 1e-9);
});

/** Longer series of the same kind: the tail needs 10 peaks over the 98th percentile (500 points). */
const longSeriesArb = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 1, max: 3 }),
      v: fc.oneof(
        { weight: 30, arbitrary: fc.integer({ min: 40, max: 60 }) },
        { weight: 1, arbitrary: fc.integer({ min: -200, max: 400 }) },
      ),
    }),
    { minLength: 550, maxLength: 700, size: "max" },
  )
  .map((raw) => {
    let t = 0;
    return raw.map((r): [number, number] => {
      t += r.gap;
      return [t, r.v];
    });
  });

test("anomaly with risk: the alerts of a naive SPOT bound over the past points' scores", () => {
  let alerted = 0;
  let bounded = 0;
  fc.assert(
    fc.property(
      longSeriesArb,
      fc.constantFrom(1, 2),
      fc.integer({ min: 0, max: 3 }),
      fc.constantFrom(0, 3),
      fc.constantFrom(undefined, 5),
      fc.constantFrom(0.05, 0.005),
      (pts, threshold, cooldown, shift, season, risk) => {
        const o = {
          lookback: 1200,
          threshold,
          warmup: 8,
          minPoints: 6,
          cooldown,
          shift,
          seasonTolerance: 1,
          risk,
          season: season ?? 0,
        };
        const got = evaluateSeries("s", pts, [anomaly(o) as Rule]);
        const want = anomalyOracle(pts, o);
        alerted += got.length;
        bounded += want.tailBound;
        sameAlerts(got, want.alerts);
      },
    ),
    { numRuns: 12 },
  );
  assert.ok(alerted > 20, `only ${alerted} alerts: the comparison tested little`);
  // The tail's bound was above the threshold at some points, so it was exercised.
  assert.ok(bounded > 50, `the tail bound decided only ${bounded} times`);
});

test("anomaly: a state checkpointed without levels, residuals and counts goes on as one that had them", () => {
  let alerted = 0;
  fc.assert(
    fc.property(seriesArb, fc.integer({ min: 1, max: 200 }), (pts, cut) => {
      // Nothing forgotten before the cut and no cooldown: the levels and residuals rebuilt from the
      // kept points are the ones learnt along the way, and the alerts after the cut are those of one
      // run with shift and season (without the rebuild the step fails on the missing arrays).
      const o = {
        lookback: 1e9,
        maxPoints: 10_000,
        threshold: 2,
        warmup: 8,
        minPoints: 6,
        cooldown: 0,
        season: 0,
        shift: 0,
      };
      const more = { shift: 4, season: 7, seasonTolerance: 1 };
      const head = pts.slice(0, cut);
      const tail = pts.slice(cut);
      const plain = anomaly(o) as Rule;
      const old = plain.init() as Record<string, unknown>;
      for (const [t, v] of head) plain.step(old, t, v);
      delete old.levels;
      delete old.sortedLevels;
      delete old.counts;
      const resumed = anomaly({ ...o, ...more }) as Rule;
      const got = tail.map(([t, v]) => resumed.step(old, t, v)).filter((a) => a !== undefined);
      const want = evaluateSeries("s", pts, [anomaly({ ...o, ...more }) as Rule]).filter((a) =>
        tail.some(([t]) => t === a.time),
      );
      alerted += got.length;
      sameAlerts(got, want);
    }),
    { numRuns: 100 },
  );
  assert.ok(alerted > 20, `only ${alerted} alerts: the comparison tested little`);
});

interface KnnOptions {
  dim: number;
  k: number;
  training: number;
  threshold: number;
  warmup: number;
  cooldown: number;
}

/** KNN-CAD from scratch: trajectory i ends at point i; it is judged against the `training` before it. */
function knnOracle(pts: readonly [number, number][], o: KnnOptions): RuleAlert[] {
  const traj = (i: number) => pts.slice(i - o.dim + 1, i + 1).map((p) => p[1]);
  const ncm = (i: number) => {
    const d: number[] = [];
    for (let j = i - o.training; j < i; j++) {
      const a = traj(i);
      const b = traj(j);
      d.push(a.reduce((s, x, m) => s + (x - (b[m] as number)) ** 2, 0));
    }
    d.sort((x, y) => x - y);
    return d.slice(0, o.k).reduce((s, x) => s + x, 0);
  };
  // The first judged trajectory needs `training` whole ones before it.
  const firstJudged = o.dim - 1 + o.training;
  const out: RuleAlert[] = [];
  let last: number | null = null;
  for (let i = firstJudged + 1; i < pts.length; i++) {
    const own = ncm(i);
    const past: number[] = [];
    for (let j = Math.max(firstJudged, i - o.training); j < i; j++) past.push(ncm(j));
    const score = past.filter((x) => x < own).length / past.length;
    const [t, v] = pts[i] as [number, number];
    if (
      score >= o.threshold &&
      t - (pts[0] as [number, number])[0] >= o.warmup &&
      (last === null || t - last >= o.cooldown)
    ) {
      last = t;
      const mean = traj(i).reduce((s, x) => s + x, 0) / o.dim;
      out.push({
        time: t,
        value: v,
        expected: mean,
        score,
        rule: "knnCad",
        kind: v >= mean ? "spike" : "drop",
      });
    }
  }
  return out;
}

const knnArb = fc.record({
  dim: fc.integer({ min: 1, max: 5 }),
  k: fc.integer({ min: 1, max: 4 }),
  training: fc.integer({ min: 4, max: 20 }),
  threshold: fc.constantFrom(0.5, 0.9, 1),
  warmup: fc.integer({ min: 0, max: 30 }),
  cooldown: fc.integer({ min: 0, max: 10 }),
});

test("knnCad: the alerts and scores of non-conformities recomputed from the whole series", () => {
  let alerted = 0;
  fc.assert(
    fc.property(seriesArb, knnArb, (pts, o) => {
      const got = evaluateSeries("s", pts, [knnCad(o) as Rule]).map(({ series: _, ...a }) => a);
      const want = knnOracle(pts, o);
      assert.deepEqual(got, want);
      alerted += got.length;
    }),
    { numRuns: 150 },
  );
  assert.ok(alerted > 20, `too few alerts to compare (${alerted})`);
});

test("knnCad: a shape never seen alerts, the same shape again does not", () => {
  // A calm sawtooth, then one spike: the spike's trajectories are unlike the training's.
  const pts: [number, number][] = [];
  for (let i = 0; i < 200; i++) pts.push([i, i % 4 === 0 ? 12 : 10]);
  pts.push([200, 40]);
  for (let i = 201; i < 260; i++) pts.push([i, i % 4 === 0 ? 12 : 10]);
  const rule = () => [knnCad({ dim: 5, k: 3, training: 50, warmup: 0, cooldown: 0 }) as Rule];
  const alerts = evaluateSeries("s", pts, rule());
  assert.equal(alerts[0]?.time, 200);
  assert.equal(alerts[0]?.kind, "spike");
  assert.equal(alerts[0]?.score, 1);
  // Nothing before the spike: the sawtooth repeats itself.
  assert.ok(alerts.every((a) => a.time >= 200));
});

/** Which points' alerts of `rule` alone (by index of the point). */
function alertsByIndex(pts: readonly [number, number][], rule: Rule): Map<number, RuleAlert> {
  const state = rule.init();
  const out = new Map<number, RuleAlert>();
  pts.forEach(([t, v], i) => {
    const a = rule.step(state, t, v);
    if (a) out.set(i, a);
  });
  return out;
}

/**
 * Pairing afterwards: candidate c (of a point at least `warmup` after the first) passes at c when
 * a vote lies in [c - before, c], or (with `quiet`) when no alert was raised at a point before c
 * within `quiet` of it (with `quietFrom` "candidates": no candidate, of the warm-up too), else at
 * the first vote in (c, c + after]; at each point the oldest candidate passing there, if the
 * cooldown allows it. Candidates are taken in order: every alert before c comes from earlier
 * candidates.
 */
function confirmedOracle(
  pts: readonly [number, number][],
  of: () => Rule,
  by: () => Rule,
  o: {
    before: number;
    after: number;
    cooldown: number;
    quiet?: number;
    quietFrom?: "alerts" | "candidates";
    warmup?: number;
  },
): RuleAlert[] {
  const all = alertsByIndex(pts, of());
  const start = pts[0]?.[0] ?? 0;
  const candidates = new Map(
    [...all].filter(([c]) => (pts[c] as [number, number])[0] - start >= (o.warmup ?? 0)),
  );
  const votes = new Set(alertsByIndex(pts, by()).keys());
  const at = new Map<number, RuleAlert>();
  const time = (i: number) => (pts[i] as [number, number])[0];
  // The alerts raised from the passing points in `at` (the cooldown applied), in order.
  const raised = (): [number, RuleAlert][] => {
    const out: [number, RuleAlert][] = [];
    let last: number | null = null;
    for (const [e, alert] of [...at].sort((x, y) => x[0] - y[0])) {
      if (last !== null && time(e) - last < o.cooldown) continue;
      last = time(e);
      out.push([e, alert]);
    }
    return out;
  };
  for (const [c, alert] of [...candidates].sort((x, y) => x[0] - y[0])) {
    let e: number | undefined;
    const quiet = o.quiet ?? 0;
    const ends = o.quietFrom === "candidates" ? [...all.keys()] : raised().map(([r]) => r);
    if (quiet > 0 && !ends.some((r) => r < c && time(c) - time(r) < quiet)) e = c;
    for (let j = c - o.before; j <= c; j++) if (votes.has(j)) e = c;
    for (let j = c + 1; e === undefined && j <= c + o.after; j++) if (votes.has(j)) e = j;
    if (e !== undefined && !at.has(e)) at.set(e, alert);
  }
  return raised().map(([e, alert]) => ({ ...alert, time: time(e), rule: "confirmed" }));
}

test("confirmed: the alerts of its two rules run alone, paired afterwards", () => {
  let alerted = 0;
  let trusted = 0;
  let delayed = 0;
  let quietFromMatters = 0;
  const of = () => anomaly({ lookback: 40, warmup: 5, minPoints: 4, threshold: 2, cooldown: 0 }) as Rule;
  fc.assert(
    fc.property(
      seriesArb,
      knnArb,
      fc.record({
        before: fc.integer({ min: 0, max: 6 }),
        after: fc.integer({ min: 0, max: 6 }),
        cooldown: fc.integer({ min: 0, max: 10 }),
        quiet: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })),
        quietFrom: fc.constantFrom("alerts" as const, "candidates" as const),
        warmup: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })),
      }),
      (pts, k, o) => {
        const by = () => knnCad({ ...k, warmup: 0, cooldown: 0 }) as Rule;
        const got = evaluateSeries("s", pts, [confirmed({ of: of(), by: by(), ...o }) as Rule]).map(
          ({ series: _, ...a }) => a,
        );
        const want = confirmedOracle(pts, of, by, o);
        assert.deepEqual(got, want);
        if (o.quiet > 0) {
          const voted = confirmedOracle(pts, of, by, { ...o, quiet: 0 });
          if (got.length > voted.length) trusted++;
          const other = o.quietFrom === "alerts" ? "candidates" : "alerts";
          if (!isDeepStrictEqual(got, confirmedOracle(pts, of, by, { ...o, quietFrom: other })))
            quietFromMatters++;
        }
        alerted += got.length;
        for (const a of got) if (!pts.some(([t, v]) => t === a.time && v === a.value)) delayed++;
      },
    ),
    { numRuns: 200 },
  );
  assert.ok(alerted > 20, `too few alerts to compare (${alerted})`);
  assert.ok(delayed > 0, "no alert waited for its vote");
  assert.ok(trusted > 0, "no candidate alerted without a vote after a quiet spell");
  assert.ok(quietFromMatters > 0, "quietFrom never changed the alerts");
});

test("confirmed: a candidate without a vote near it does not alert; with one, it does", () => {
  // `of` alerts above 100, `by` below -10: the vote must come within before / after points.
  const of = () => threshold({ above: 100 }) as Rule;
  const by = () => threshold({ below: -10, name: "vote" }) as Rule;
  const rule = (before: number, after: number) => [
    confirmed({ of: of(), by: by(), before, after, cooldown: 0 }) as Rule,
  ];
  // A vote 2 points before the candidate.
  const early: [number, number][] = [
    [0, 0],
    [1, -60],
    [2, 0],
    [3, 0],
    [4, 0],
    [5, 200],
  ];
  assert.deepEqual(evaluateSeries("s", early, rule(1, 0)), []);
  assert.deepEqual(
    evaluateSeries("s", early, rule(4, 0)).map((a) => [a.time, a.value, a.rule]),
    [[5, 200, "confirmed"]],
  );
  // A vote 2 points after: the alert comes then, with the candidate's value.
  const late: [number, number][] = [
    [0, 0],
    [1, 200],
    [2, 0],
    [3, -60],
  ];
  assert.deepEqual(evaluateSeries("s", late, rule(0, 1)), []);
  assert.deepEqual(
    evaluateSeries("s", late, rule(0, 2)).map((a) => [a.time, a.value]),
    [[3, 200]],
  );
});

/** `confirmed()` whose candidates are crossings above 100 and votes crossings below -10, no cooldown, quiet 10. */
const quietRule = (o: Partial<ConfirmedOptions> = {}) =>
  confirmed({
    of: threshold({ above: 100 }) as Rule,
    by: threshold({ below: -10, name: "vote" }) as Rule,
    before: 1,
    after: 0,
    cooldown: 0,
    quiet: 10,
    ...o,
  });

test("confirmed with quiet: a candidate after a quiet spell alerts without a vote, a later one needs it", () => {
  const rule = () => [quietRule() as Rule];
  const pts: [number, number][] = [
    [0, 0],
    [1, 200], // the series' first candidate: alerts alone
    [2, 0],
    [5, 200], // 4 after an alert: no vote, nothing
    [6, 0],
    [8, -60],
    [9, 200], // a vote just before: alerts
    [10, 0],
    [19, 200], // 10 after the last alert: quiet again, alerts alone
    [20, 0],
    [21, 200], // needs a vote again
  ];
  assert.deepEqual(
    evaluateSeries("s", pts, rule()).map((a) => a.time),
    [1, 9, 19],
  );
  names(() => confirmed({ of: anomaly() as Rule, by: knnCad() as Rule, quiet: -1 }), "confirmed.quiet");
});

test("confirmed with quietFrom candidates: any candidate, of the warm-up too, ends a quiet spell", () => {
  // A warm-up of 5 time units.
  const rule = (quietFrom: "alerts" | "candidates") => [quietRule({ quietFrom, warmup: 5 }) as Rule];
  const pts: [number, number][] = [
    [0, 0],
    [2, 200], // a candidate of the warm-up: no alert, but the series is not quiet from here
    [3, 0],
    [8, 200], // 6 after it: needs a vote ("alerts": nothing alerted yet, so it alerts alone)
    [9, 0],
    [19, 200], // 11 after the last candidate: alerts alone either way
    [20, 0],
    [25, 200], // 6 after: needs a vote either way
    [30, -60],
    [31, 200], // with the vote just before: alerts
    [32, 0],
    [45, 200], // 14 after the last candidate and the last alert: alone
  ];
  assert.deepEqual(
    evaluateSeries("s", pts, rule("candidates")).map((a) => a.time),
    [19, 31, 45],
  );
  assert.deepEqual(
    evaluateSeries("s", pts, rule("alerts")).map((a) => a.time),
    [8, 19, 31, 45],
  );
  names(
    () => confirmed({ of: anomaly() as Rule, by: knnCad() as Rule, quietFrom: "votes" as never }),
    "confirmed.quietFrom",
  );
  names(() => confirmed({ of: anomaly() as Rule, by: knnCad() as Rule, warmup: -1 }), "confirmed.warmup");
});

test("confirmed: a state checkpointed before the warm-up and quietFrom existed goes on as warmed up", () => {
  const rule = quietRule({ quietFrom: "candidates", warmup: 1000 }) as unknown as Rule<
    Record<string, unknown>
  >;
  const s = rule.init();
  rule.step(s, 0, 0);
  // The state as the previous version wrote it: no `first`, no `lastCandidate`.
  const { first: _f, lastCandidate: _c, ...old } = JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
  assert.deepEqual(
    rule.step(old, 1, 200)?.time,
    1,
    "a candidate alerts at once: neither the warm-up nor a quiet spell starts again",
  );
});

test("defaultAlertRule: the same alerts as its configuration form", () => {
  // A 5-minute series, 6 days: a daily wave with noise, two spikes (day 3.5 and day 4).
  const pts: [number, number][] = [];
  let seed = 7;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < 6 * 288; i++) {
    const t = i * 300_000;
    const spike = i === Math.round(3.5 * 288) || i === 4 * 288 ? 80 : 0;
    pts.push([t, 50 + 10 * Math.sin((2 * Math.PI * i) / 288) + 3 * rnd() + spike]);
  }
  const got = evaluateSeries("s", pts, [defaultAlertRule()]);
  const want = evaluateSeries("s", pts, [
    ruleFromConfig({
      rule: "confirmed",
      quiet: 604_800_000,
      quietFrom: "candidates",
      warmup: 216_000_000,
      of: { rule: "anomaly", cooldown: 0, warmup: 0 },
      name: "anomaly",
    }),
  ]);
  assert.deepEqual(got, want);
  // The first spike alerts (after the 2.5-day warm-up; anomaly() flagged points in its first
  // days, so KNN-CAD's vote is what lets it through).
  assert.equal(got[0]?.time, Math.round(3.5 * 288) * 300_000);
  assert.equal(got[0]?.rule, "anomaly");
  names(() => defaultAlertRule({ warmup: 1 } as never), "defaultAlertRule.warmup");
});

test("knnCad and confirmed: bad options fail naming the option; configuration builds them", () => {
  names(() => knnCad({ dim: 0 }), "knnCad.dim");
  names(() => knnCad({ k: 30, training: 20 }), "knnCad.k");
  names(() => knnCad({ threshold: 1.5 }), "knnCad.threshold");
  names(() => knnCad({ dims: 3 } as never), "knnCad.dims");
  names(() => confirmed({ of: anomaly() as Rule } as never), "confirmed.by");
  names(() => confirmed({ of: anomaly() as Rule, by: knnCad() as Rule, before: -1 }), "confirmed.before");
  names(() => ruleFromConfig({ rule: "confirmed", by: { rule: "knnCad", k: 0 } }), "knnCad.k");
  const r = ruleFromConfig({ rule: "confirmed", before: 3 });
  assert.equal(r.name, "confirmed");
  assert.equal(ruleFromConfig({ rule: "knnCad" }).name, "knnCad");
  // The state is plain JSON: it checkpoints as it is.
  const s = r.init();
  for (let i = 0; i < 50; i++) r.step(s, i * 60_000, i % 7);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
});
