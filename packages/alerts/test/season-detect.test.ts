// The period detector against synthetic seasonal series whose period is known, and autoSeason's
// state against a checkpoint: a state serialised to JSON and read back at any point goes on
// exactly as the uninterrupted one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { autoSeason, detectPeriod, evaluateSeries, filledMeans, ruleFromConfig } from "@fleuve/alerts";
import { FleuveError } from "@fleuve/core";
import fc from "fast-check";

const HOUR = 3_600_000;

/** A deterministic pseudo-random generator (a linear congruential one), so a failing seed replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 4294967296;
  };
}

/** `cycles` periods of a random shape of length `period`, plus a trend and noise of `noise` times the shape's range. */
function seasonal(period: number, cycles: number, noise: number, seed: number): number[] {
  const r = rng(seed);
  const shape = Array.from({ length: period }, () => r() * 10);
  // The noise is relative to this shape's own range: a short random shape can span far less than
  // 10, and noise scaled to 10 then drowns it (period 6 with a shape of range 2 and noise ±1.4).
  const range = Math.max(...shape) - Math.min(...shape);
  return Array.from(
    { length: period * cycles },
    (_, i) => (shape[i % period] as number) + 0.01 * i + noise * range * (r() - 0.5),
  );
}

for (const method of ["acf", "profile"] as const)
  test(`detectPeriod (${method}) finds the period of a noisy seasonal series, as a candidate or by its peak`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 40 }),
        fc.integer({ min: 6, max: 10 }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.integer(),
        (period, cycles, noise, seed) => {
          const x = seasonal(period, cycles, noise, seed);
          // Among candidates that include it (and a longer one of which it is not a divisor).
          assert.equal(
            detectPeriod(x, { candidates: [period, period + 3], searchPeaks: false, method }).period,
            period,
          );
          // With no candidate: the autocorrelation's highest peak, the period or, when the random
          // shape nearly repeats within it (2.4 0.0 8.3 | 3.7 0.5 8.3), a divisor of it.
          if (method === "acf") {
            const found = detectPeriod(x, { candidates: [] }).period;
            assert.ok(found > 1 && period % found === 0, `found ${found} for ${period}`);
          }
        },
      ),
    );
  });

test("detectPeriod: white noise has no period, nor has a trend alone", () => {
  fc.assert(
    fc.property(fc.integer(), (seed) => {
      const r = rng(seed);
      const noise = Array.from({ length: 400 }, () => r());
      assert.equal(detectPeriod(noise, { candidates: [24, 168], searchPeaks: false }).period, 0);
      const trend = Array.from({ length: 400 }, (_, i) => i * 3 + r() * 0.5);
      assert.equal(detectPeriod(trend, { candidates: [24], searchPeaks: false }).period, 0);
    }),
  );
});

test("detectPeriod: a candidate the history does not cover twice is not chosen", () => {
  const x = seasonal(24, 3, 0, 1);
  assert.equal(detectPeriod(x, { candidates: [24, 48], searchPeaks: false }).period, 24);
  assert.equal(detectPeriod(x.slice(0, 40), { candidates: [24], searchPeaks: false }).period, 0);
});

test("filledMeans: empty buckets filled linearly between their neighbours, the ends by the nearest", () => {
  assert.deepEqual(filledMeans([0, 4, 0, 0, 0, 10, 0], [0, 2, 0, 0, 0, 1, 0]), [2, 2, 4, 6, 8, 10, 10]);
  assert.deepEqual(filledMeans([0, 0], [0, 0]), [0, 0]);
});

/** Hourly points with a daily cycle, a spike now and then, over `days` days. */
function dailySeries(days: number, seed: number): [number, number][] {
  const r = rng(seed);
  return Array.from({ length: days * 24 }, (_, i): [number, number] => [
    i * HOUR,
    50 + 20 * Math.sin((2 * Math.PI * i) / 24) + 2 * r() + (r() < 0.01 ? 60 * r() : 0),
  ]);
}

test("autoSeason: a daily series gets the daily season once two days are seen", () => {
  const rule = autoSeason({ searchPeaks: false });
  const s = rule.init();
  for (const [t, v] of dailySeries(10, 7)) rule.step(s, t, v);
  assert.equal(s.season, 24 * HOUR);
});

test("autoSeason: a state checkpointed (as JSON) at any point goes on as the uninterrupted one", () => {
  fc.assert(
    fc.property(fc.integer(), fc.integer({ min: 1, max: 20 * 24 - 1 }), (seed, at) => {
      const points = dailySeries(20, seed);
      const config = { warmup: 2 * 24 * HOUR, searchPeaks: false } as const;
      const whole = evaluateSeries("s", points, [autoSeason(config)]);
      const first = autoSeason(config);
      let state = first.init();
      const out: unknown[] = [];
      points.forEach(([t, v], i) => {
        if (i === at) state = JSON.parse(JSON.stringify(state));
        const a = (i < at ? first : autoSeason(config)).step(state, t, v);
        if (a) out.push({ series: "s", ...a });
      });
      assert.deepEqual(out, whole);
    }),
    { numRuns: 15 },
  );
});

test("autoSeason: from configuration, and bad options fail naming the option", () => {
  assert.equal(ruleFromConfig({ rule: "autoSeason", method: "profile" }).name, "anomaly");
  for (const [options, option] of [
    [{ method: "fft" }, "autoSeason.method"],
    [{ bucket: 0 }, "autoSeason.bucket"],
    [{ periods: [0] }, "autoSeason.periods[0]"],
    [{ season: 1 }, "autoSeason.season"],
    [{ threshold: -1 }, "anomaly.threshold"],
  ] as const)
    assert.throws(
      () => autoSeason(options as never),
      (e: unknown) => e instanceof FleuveError && (e.details as { option?: string }).option === option,
      JSON.stringify(options),
    );
});
