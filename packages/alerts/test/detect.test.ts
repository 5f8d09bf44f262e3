import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Alert,
  anomaly,
  confirmed,
  detectAlerts,
  evaluateSeries,
  ewma,
  knnCad,
  LATE_POINTS,
  type Rule,
  rateOfChange,
  seasonalEsd,
  threshold,
} from "@fleuve/alerts";
import { FleuveError } from "@fleuve/core";
import type { OperatorSnapshot } from "@fleuve/core/spi";
import { harnessFor } from "@fleuve/core/testing";
import fc from "fast-check";

interface Point {
  s: string;
  t: number;
  v: number;
  /** Whether a watermark follows this point (watermarks come now and then, as periodic ones do). */
  w?: boolean;
}

/** Small windows so that short random series raise alerts of every rule. */
const rules = (): Rule[] => [
  anomaly({ lookback: 40, warmup: 5, minPoints: 4, threshold: 2, cooldown: 6, spread: "iqr" }) as Rule,
  threshold({ above: 80, below: 5 }) as Rule,
  rateOfChange({ maxRise: 30, maxFall: 30, per: 1, cooldown: 2 }) as Rule,
  anomaly({
    lookback: 40,
    warmup: 5,
    minPoints: 4,
    threshold: 2,
    cooldown: 3,
    spread: "mad",
    name: "mad",
  }) as Rule,
  anomaly({
    lookback: 40,
    warmup: 5,
    minPoints: 4,
    threshold: 2,
    cooldown: 3,
    shift: 3,
    season: 6,
    seasonTolerance: 1,
    risk: 0.01,
    name: "combined",
  }) as Rule,
  ewma({ alpha: 0.2, warmup: 3, minPoints: 4, threshold: 2, cooldown: 3 }) as Rule,
  seasonalEsd({
    season: 6,
    seasonTolerance: 1,
    lookback: 60,
    maxPoints: 40,
    minPoints: 25,
    warmup: 5,
    cooldown: 2,
  }) as Rule,
  knnCad({ dim: 3, k: 2, training: 6, threshold: 0.8, warmup: 5, cooldown: 3 }) as Rule,
  confirmed({
    of: anomaly({ lookback: 40, warmup: 5, minPoints: 4, threshold: 2, cooldown: 0 }) as Rule,
    by: knnCad({ dim: 2, k: 2, training: 5, threshold: 0.8, warmup: 0, cooldown: 0 }) as Rule,
    before: 2,
    after: 3,
    cooldown: 3,
  }) as Rule,
];

const harness = (snapshot?: OperatorSnapshot) =>
  harnessFor(
    detectAlerts<Point, string>({ value: (p) => p.v, rules: rules() }),
    (p: Point) => p.s,
    snapshot ? { restoreFrom: snapshot } : {},
  );

/** Per series: distinct, increasing times; values mostly calm with spikes and drops. */
const seriesArb = fc
  .array(
    fc.record({
      s: fc.constantFrom("a", "b", "c"),
      // 0: two points of a series at one instant (the operator orders them by value, as the batch does).
      gap: fc.integer({ min: 0, max: 4 }),
      v: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 20, max: 30 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 100 }) },
      ),
      jitter: fc.integer({ min: 0, max: 7 }),
      w: fc.boolean(),
    }),
    { minLength: 1, maxLength: 150, size: "max" },
  )
  .map((raw) => {
    const clock: Record<string, number> = {};
    return raw.map((r) => {
      clock[r.s] = (clock[r.s] ?? 0) + r.gap;
      return { p: { s: r.s, t: clock[r.s] as number, v: r.v, w: r.w }, jitter: r.jitter };
    });
  });

const DISORDER = 7;

/** Arrival order: each point delayed by its jitter (at most DISORDER), so the input is out of order. */
function arrivals(gen: { p: Point; jitter: number }[]): Point[] {
  return gen
    .map((g, i) => ({ ...g, i }))
    .sort((a, b) => a.p.t + a.jitter - (b.p.t + b.jitter) || a.i - b.i)
    .map((g) => g.p);
}

/** Feeds points, with a bounded-out-of-orderness watermark after those that ask for one. */
function feed(
  h: ReturnType<typeof harness>,
  points: Point[],
  maxSeen = { t: Number.NEGATIVE_INFINITY },
): void {
  for (const p of points) {
    h.processElement(p, p.t);
    maxSeen.t = Math.max(maxSeen.t, p.t);
    if (p.w) h.processWatermark(maxSeen.t - DISORDER - 1);
  }
}

function bySeries(alerts: readonly Alert[]): Record<string, Alert[]> {
  const out: Record<string, Alert[]> = {};
  for (const a of alerts) (out[a.series] ??= []).push(a);
  return out;
}

function batch(points: readonly Point[]): Record<string, Alert[]> {
  const out: Record<string, Alert[]> = {};
  for (const s of ["a", "b", "c"]) {
    const alerts = evaluateSeries(
      s,
      points.filter((p) => p.s === s).map((p) => [p.t, p.v] as const),
      rules(),
    );
    if (alerts.length > 0) out[s] = alerts;
  }
  return out;
}

test("on out-of-order input with watermarks, the operator emits what a batch run over the sorted series gives", () => {
  const fired = new Set<string>();
  fc.assert(
    fc.property(seriesArb, (gen) => {
      const points = gen.map((g) => g.p);
      const h = harness();
      feed(h, arrivals(gen));
      h.processWatermark(Number.MAX_SAFE_INTEGER);
      assert.deepEqual(h.getSideOutput(LATE_POINTS), []);
      const streamed = bySeries(h.getOutputValues());
      for (const a of h.getOutputValues()) fired.add(a.rule);
      assert.deepEqual(streamed, batch(points));
    }),
    { numRuns: 200 },
  );
  // The comparison is only worth something if every rule fired.
  assert.deepEqual([...fired].sort(), [
    "anomaly",
    "combined",
    "confirmed",
    "ewma",
    "knnCad",
    "mad",
    "rateOfChange",
    "seasonalEsd",
    "threshold",
  ]);
});

test("restored from a checkpoint taken mid-series, the operator emits what an uninterrupted run emits", () => {
  fc.assert(
    fc.property(seriesArb, fc.double({ min: 0, max: 1, noNaN: true }), (gen, cut) => {
      const order = arrivals(gen);
      const whole = harness();
      feed(whole, order);
      whole.processWatermark(Number.MAX_SAFE_INTEGER);

      const at = Math.floor(cut * order.length);
      const first = harness();
      const maxSeen = { t: Number.NEGATIVE_INFINITY };
      feed(first, order.slice(0, at), maxSeen);
      const before = first.getOutputValues();
      const snap = first.snapshot();
      first.close();
      const second = harness(snap);
      feed(second, order.slice(at), maxSeen);
      second.processWatermark(Number.MAX_SAFE_INTEGER);
      assert.deepEqual([...before, ...second.getOutputValues()], whole.getOutputValues());
    }),
    { numRuns: 100 },
  );
});

test("a point behind the watermark goes to LATE_POINTS and changes nothing", () => {
  const h = harness();
  h.processElement({ s: "a", t: 10, v: 25 }, 10);
  h.processWatermark(20);
  h.processElement({ s: "a", t: 15, v: 99 }, 15);
  h.processWatermark(Number.MAX_SAFE_INTEGER);
  assert.deepEqual(
    h.getSideOutput(LATE_POINTS).map((r) => r.value),
    [{ s: "a", t: 15, v: 99 }],
  );
  assert.deepEqual(h.getOutputValues(), []);
});

test("alerts carry the series, the point's time and value, and the rule", () => {
  const h = harnessFor(
    detectAlerts<Point, string>({
      value: (p) => p.v,
      rules: [{ rule: "threshold", above: 50, name: "high" }],
    }),
    (p: Point) => p.s,
  );
  for (const [t, v] of [
    [1, 10],
    [2, 60],
    [3, 70],
    [4, 10],
    [5, 55],
  ] as const)
    h.processElement({ s: "cpu", t, v }, t);
  h.processWatermark(10);
  assert.deepEqual(h.getOutputValues(), [
    { series: "cpu", time: 2, value: 60, expected: 50, score: 60, rule: "high", kind: "level" },
    { series: "cpu", time: 5, value: 55, expected: 50, score: 55, rule: "high", kind: "level" },
  ]);
});

test("a value that is not a finite number fails naming the option and the record", () => {
  const h = harnessFor(
    detectAlerts<{ s: string; v: unknown }, string>({ value: (p) => p.v as number, rules: [anomaly()] }),
    (p) => p.s,
  );
  assert.throws(
    () => h.processElement({ s: "a", v: "12" }, 1),
    (e: unknown) => e instanceof FleuveError && /'value' gave 12, not a finite number/.test(e.message),
  );
});
