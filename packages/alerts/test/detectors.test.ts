// The detectors against brute-force batch computations of the same statistics: each oracle below
// recomputes, for every point, the statistic from the whole history kept so far (no incremental
// state), and the rule's alerts must be the ones the oracle finds, with the same expected level and
// score. Streaming (out of order, restored mid-series) is covered for every rule in detect.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { anomaly, evaluateSeries, ewma, type Rule, type RuleAlert, seasonalEsd } from "@fleuve/alerts";
import { FleuveError } from "@fleuve/core";
import fc from "fast-check";
import { esdCritical, normalQuantile, tQuantile } from "../src/detectors.js";

const sortedCopy = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
function medianOf(xs: readonly number[]): number {
  const s = sortedCopy(xs);
  const n = s.length;
  return ((s[(n - 1) >> 1] as number) + (s[n >> 1] as number)) / 2;
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

test("bad detector options fail when the rule is built, naming the option", () => {
  const names = (fn: () => unknown, option: string) =>
    assert.throws(
      fn,
      (e: unknown) =>
        e instanceof FleuveError && e.details.option === option && e.message.includes(`'${option}'`),
    );
  names(() => ewma({ alpha: 0 }), "ewma.alpha");
  names(() => ewma({ alpha: 1.5 }), "ewma.alpha");
  names(() => ewma({ threshold: -1 }), "ewma.threshold");
  names(() => ewma({ alfa: 0.1 } as never), "ewma.alfa");
  names(() => seasonalEsd({ maxAnoms: 0.9 }), "seasonalEsd.maxAnoms");
  names(() => seasonalEsd({ alpha: 1 }), "seasonalEsd.alpha");
  names(() => seasonalEsd({ minPoints: 5 }), "seasonalEsd.minPoints");
  names(() => seasonalEsd({ season: -1 }), "seasonalEsd.season");
  names(() => anomaly({ spread: "std" as never }), "anomaly.spread");
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
  o: { lookback: number; threshold: number; warmup: number; minPoints: number; cooldown: number },
): RuleAlert[] {
  const out: RuleAlert[] = [];
  let hist: [number, number][] = [];
  let last: number | null = null;
  const first = (pts[0] as [number, number])[0];
  for (const [t, v] of pts) {
    hist = hist.filter((h) => h[0] >= t - o.lookback);
    if (t - first >= o.warmup && hist.length >= o.minPoints) {
      const vs = hist.map((h) => h[1]);
      const m = medianOf(vs);
      const score = (v - m) / (medianOf(vs.map((x) => Math.abs(x - m))) * 1.4826 + Math.abs(m) * 1e-3 + 1e-9);
      const beyond = v > Math.max(...vs) || v < Math.min(...vs);
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
      (pts, threshold, cooldown) => {
        const o = { lookback: 60, threshold, warmup: 8, minPoints: 6, cooldown };
        const got = evaluateSeries("s", pts, [anomaly({ ...o, spread: "mad" }) as Rule]);
        alerted += got.length;
        sameAlerts(got, madOracle(pts, o));
      },
    ),
    { numRuns: 150 },
  );
  assert.ok(alerted > 50, `only ${alerted} alerts: the comparison tested little`);
});
