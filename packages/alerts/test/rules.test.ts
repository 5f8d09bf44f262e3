import assert from "node:assert/strict";
import { test } from "node:test";
import {
  anomaly,
  detectAlerts,
  evaluateSeries,
  type RuleConfig,
  rateOfChange,
  ruleFromConfig,
  threshold,
} from "@fleuve/alerts";
import { FleuveError } from "@fleuve/core";

/** Asserts that `fn` throws FLEUVE_CONFIG_INVALID naming `option`. */
function failsNaming(fn: () => unknown, option: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FleuveError, String(e));
    assert.equal(e.code, "FLEUVE_CONFIG_INVALID");
    assert.equal(e.details.option, option);
    assert.ok(e.message.includes(`'${option}'`), e.message);
    return true;
  });
}

test("bad configuration fails when the job is built, naming the option", () => {
  failsNaming(() => anomaly({ lookback: -5 }), "anomaly.lookback");
  failsNaming(() => anomaly({ cooldown: -1 }), "anomaly.cooldown");
  failsNaming(() => anomaly({ margin: -0.1 }), "anomaly.margin");
  failsNaming(() => anomaly({ threshold: 0 }), "anomaly.threshold");
  failsNaming(() => anomaly({ maxPoints: 1.5 }), "anomaly.maxPoints");
  failsNaming(() => anomaly({ lookbak: 5 } as never), "anomaly.lookbak");
  failsNaming(() => rateOfChange({ maxRise: 1, per: 0 }), "rateOfChange.per");
  failsNaming(() => rateOfChange({}), "rateOfChange.maxRise");
  failsNaming(() => threshold({}), "threshold.above");
  failsNaming(() => threshold({ above: 1, below: 2 }), "threshold.below");
  failsNaming(() => ruleFromConfig({ rule: "zscore" } as unknown as RuleConfig), "rule");
  failsNaming(
    () => detectAlerts({ value: (x: number) => x, rules: [{ rule: "seasonal" } as unknown as RuleConfig] }),
    "rule",
  );
  failsNaming(
    () => detectAlerts({ value: (x: number) => x, rules: [{ rule: "anomaly", warmup: -1 }] }),
    "anomaly.warmup",
  );
  failsNaming(() => detectAlerts({ value: (x: number) => x, rules: [] }), "rules");
  failsNaming(() => detectAlerts({ value: (x: number) => x, rules: [anomaly(), anomaly()] }), "rules");
});

test("threshold alerts once per crossing, rate of change per time unit", () => {
  const pts = [
    [0, 5],
    [60_000, 12],
    [120_000, 13],
    [180_000, 4],
    [240_000, 11],
  ] as const;
  assert.deepEqual(
    evaluateSeries("x", pts, [threshold({ above: 10 })]).map((a) => a.time),
    [60_000, 240_000],
  );
  // Rises of 7 and 7 per minute: above 5; the fall of 9 per minute is beyond maxFall 8.
  assert.deepEqual(
    evaluateSeries("x", pts, [rateOfChange({ maxRise: 5, maxFall: 8 })]).map((a) => [
      a.time,
      a.kind,
      a.score,
    ]),
    [
      [60_000, "spike", 7],
      [180_000, "drop", -9],
      [240_000, "spike", 7],
    ],
  );
});

test("the anomaly rule learns a level: a jump alerts once, the same level later does not", () => {
  const pts: [number, number][] = [];
  for (let i = 0; i < 100; i++) pts.push([i * 1000, 50 + (i % 5)]);
  pts.push([100_000, 200]); // a spike far above anything seen
  for (let i = 101; i < 150; i++) pts.push([i * 1000, 50 + (i % 5)]);
  pts.push([150_000, 190]); // high, but not beyond the spike still in the history
  pts.push([151_000, 0]); // a drop below anything seen
  const rule = anomaly({ lookback: 200_000, warmup: 10_000, cooldown: 0 });
  const alerts = evaluateSeries("s", pts, [rule]);
  assert.deepEqual(
    alerts.map((a) => [a.time, a.kind]),
    [
      [100_000, "spike"],
      [151_000, "drop"],
    ],
  );
  assert.equal(alerts[0]?.expected, 52);
});

test("the anomaly rule's margin: a peak a little above the last ones is not news, one well above is", () => {
  // Idle at 1 with a blip to 10 every 50 points (a nightly job; the first one alerts): the
  // history's reach above its median is 9, so with the default margin 0.05 a new peak must clear
  // 10 + 0.45, and after 10.2 joined the history, 10.2 + 0.46.
  const pts: [number, number][] = [];
  for (let i = 0; i < 300; i++) pts.push([i * 1000, i % 50 === 25 ? 10 : 1]);
  pts.push([300_000, 10.2]); // barely a new extreme
  pts.push([301_000, 1]);
  pts.push([302_000, 10.8]); // clear of the old peak by more than 5% of its reach
  const o = { lookback: 1e9, warmup: 10_000, cooldown: 0, season: 0, shift: 0 };
  const times = (margin?: number) =>
    evaluateSeries("s", pts, [anomaly(margin === undefined ? o : { ...o, margin })]).map((a) => a.time);
  assert.deepEqual(times(), [25_000, 302_000]);
  // Without a margin every higher blip alerts; with a wide one neither does.
  assert.deepEqual(times(0), [25_000, 300_000, 302_000]);
  assert.deepEqual(times(0.2), [25_000]);
});

test("seasonal anomaly: the expected level is the same phase of earlier seasons", () => {
  // A square wave with period 20: 10 points at 0, 10 at 100. 150 where 0 is due is a spike
  // against its phase, yet its robust z-score against the whole history (median 50) is under 1.4.
  // The IQR as spread: the MAD of a history more than half at one level is 0, which the wave's
  // first periods are.
  const pts: [number, number][] = [];
  for (let i = 0; i < 200; i++) pts.push([i, Math.floor(i / 10) % 2 === 0 ? 0 : 100]);
  pts.push([200, 150]);
  const flat = evaluateSeries("s", pts, [
    anomaly({ warmup: 100, newExtreme: false, cooldown: 0, threshold: 1.4, spread: "iqr" }),
  ]);
  const seasonal = evaluateSeries("s", pts, [
    anomaly({
      warmup: 100,
      newExtreme: false,
      cooldown: 0,
      threshold: 1.4,
      spread: "iqr",
      season: 20,
      seasonTolerance: 0,
    }),
  ]);
  assert.deepEqual(flat, []);
  assert.deepEqual(
    seasonal.map((a) => [a.time, a.expected, a.kind]),
    [[200, 0, "spike"]],
  );
});
