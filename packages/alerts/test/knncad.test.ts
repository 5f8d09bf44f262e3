// knnCad and confirmed against brute-force oracles: the oracle of knnCad recomputes, for every
// point, every non-conformity from the whole series (no sliding state); the oracle of confirmed
// runs its two rules alone and pairs their alerts afterwards. Streaming (out of order, restored
// from a checkpoint mid-series) is covered for both in detect.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  anomaly,
  confirmed,
  evaluateSeries,
  knnCad,
  type Rule,
  type RuleAlert,
  ruleFromConfig,
  threshold,
} from "@fleuve/alerts";
import { FleuveError } from "@fleuve/core";
import fc from "fast-check";

/** Series: increasing times (gaps 1-3), calm values with spikes now and then and a level shift or two. */
const seriesArb = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 1, max: 3 }),
      v: fc.oneof(
        { weight: 10, arbitrary: fc.integer({ min: 40, max: 60 }) },
        { weight: 1, arbitrary: fc.integer({ min: -200, max: 400 }) },
      ),
      shift: fc.oneof(
        { weight: 30, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: -100, max: 100 }) },
      ),
    }),
    { minLength: 1, maxLength: 160, size: "max" },
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
 * Pairing afterwards: candidate c passes at c when a vote lies in [c - before, c], else at the
 * first vote in (c, c + after]; at each point the oldest candidate passing there, if the cooldown
 * allows it.
 */
function confirmedOracle(
  pts: readonly [number, number][],
  of: () => Rule,
  by: () => Rule,
  o: { before: number; after: number; cooldown: number },
): RuleAlert[] {
  const candidates = alertsByIndex(pts, of());
  const votes = new Set(alertsByIndex(pts, by()).keys());
  const at = new Map<number, RuleAlert>();
  for (const [c, alert] of [...candidates].sort((x, y) => x[0] - y[0])) {
    let e: number | undefined;
    for (let j = c - o.before; j <= c; j++) if (votes.has(j)) e = c;
    for (let j = c + 1; e === undefined && j <= c + o.after; j++) if (votes.has(j)) e = j;
    if (e !== undefined && !at.has(e)) at.set(e, alert);
  }
  const out: RuleAlert[] = [];
  let last: number | null = null;
  for (const [e, alert] of [...at].sort((x, y) => x[0] - y[0])) {
    const t = (pts[e] as [number, number])[0];
    if (last !== null && t - last < o.cooldown) continue;
    last = t;
    out.push({ ...alert, time: t, rule: "confirmed" });
  }
  return out;
}

test("confirmed: the alerts of its two rules run alone, paired afterwards", () => {
  let alerted = 0;
  let delayed = 0;
  const of = () => anomaly({ lookback: 40, warmup: 5, minPoints: 4, threshold: 2, cooldown: 0 }) as Rule;
  fc.assert(
    fc.property(
      seriesArb,
      knnArb,
      fc.record({
        before: fc.integer({ min: 0, max: 6 }),
        after: fc.integer({ min: 0, max: 6 }),
        cooldown: fc.integer({ min: 0, max: 10 }),
      }),
      (pts, k, o) => {
        const by = () => knnCad({ ...k, warmup: 0, cooldown: 0 }) as Rule;
        const got = evaluateSeries("s", pts, [confirmed({ of: of(), by: by(), ...o }) as Rule]).map(
          ({ series: _, ...a }) => a,
        );
        const want = confirmedOracle(pts, of, by, o);
        assert.deepEqual(got, want);
        alerted += got.length;
        for (const a of got) if (!pts.some(([t, v]) => t === a.time && v === a.value)) delayed++;
      },
    ),
    { numRuns: 200 },
  );
  assert.ok(alerted > 20, `too few alerts to compare (${alerted})`);
  assert.ok(delayed > 0, "no alert waited for its vote");
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

test("knnCad and confirmed: bad options fail naming the option; configuration builds them", () => {
  const names = (fn: () => unknown, option: string) =>
    assert.throws(
      fn,
      (e: unknown) =>
        e instanceof FleuveError && e.details.option === option && e.message.includes(`'${option}'`),
    );
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
