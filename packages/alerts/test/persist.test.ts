// anomaly()'s `persist`: a level candidate alerts only when the level holds for a while.
import assert from "node:assert/strict";
import { test } from "node:test";
import { anomaly, evaluateSeries, type Rule, ruleFromConfig } from "@fleuve/alerts";
import { FleuveError } from "@fleuve/core";

/**
 * One point a second: a base of 50 with a 0 and a 100 every 10 points (so the values' range is
 * [0, 100] and the level, the median of 24 points, 50), then `burst` points of 95 (no new extreme
 * of the values, a new high of the level), then the base again.
 */
function series(burst: number): [number, number][] {
  const pts: [number, number][] = [];
  const base = (i: number) => (i % 10 === 0 ? 0 : i % 10 === 5 ? 100 : 50);
  for (let i = 0; i < 300; i++) pts.push([i * 1000, base(i)]);
  for (let i = 300; i < 300 + burst; i++) pts.push([i * 1000, 95]);
  for (let i = 300 + burst; i < 400 + burst; i++) pts.push([i * 1000, base(i)]);
  return pts;
}

// One alert per series (the cooldown outlasts it), no season.
const options = { lookback: 1e9, warmup: 10_000, cooldown: 1e9, season: 0 } as const;

test("anomaly with persist: a level that holds alerts once persist has passed, a burst that falls back does not", () => {
  const alerts = (burst: number, persist?: number) =>
    evaluateSeries("s", series(burst), [anomaly(persist === undefined ? options : { ...options, persist })]);
  // Without persist both the long and the short burst alert as a level, at the same point.
  const long = alerts(40);
  const short = alerts(14);
  assert.equal(long.length, 1);
  assert.equal(short.length, 1);
  const candidate = long[0] as NonNullable<(typeof long)[0]>;
  assert.deepEqual(
    short.map((a) => a.time),
    [candidate.time],
  );
  // The level when 11 of the last 24 points are 95: half-way (72.5) from 50.
  assert.deepEqual([candidate.value, candidate.expected, candidate.kind], [72.5, 50, "spike"]);
  // With persist 10 s the level held: the same alert, 10 points later.
  assert.deepEqual(alerts(40, 10_000), [{ ...candidate, time: candidate.time + 10_000 }]);
  // The short burst was back at the base within those 10 s: no alert.
  assert.deepEqual(alerts(14, 10_000), []);
  // persist 0 is off.
  assert.deepEqual(alerts(40, 0), long);
});

test("anomaly with persist: a state checkpointed (as JSON) at any point, a level waiting or not, goes on as the uninterrupted one", () => {
  const pts = series(40);
  const config = { ...options, persist: 10_000 };
  const whole = evaluateSeries("s", pts, [anomaly(config) as Rule]);
  assert.equal(whole.length, 1);
  let cutWhileWaiting = 0;
  for (let at = 280; at < 360; at++) {
    const first = anomaly(config);
    let state = first.init();
    const out: unknown[] = [];
    pts.forEach(([t, v], i) => {
      if (i === at) {
        if (state.pendingLevel) cutWhileWaiting++;
        state = JSON.parse(JSON.stringify(state));
      }
      const a = (i < at ? first : anomaly(config)).step(state, t, v);
      if (a) out.push({ series: "s", ...a });
    });
    assert.deepEqual(out, whole, `checkpointed at point ${at}`);
  }
  // The cuts include states with a level candidate waiting (the new state this option keeps).
  assert.ok(cutWhileWaiting >= 5, `${cutWhileWaiting} cuts while a level waited`);
});

test("anomaly with persist: from configuration, and a bad value fails naming the option", () => {
  const rule = ruleFromConfig({ rule: "anomaly", ...options, persist: 10_000 });
  assert.equal(evaluateSeries("s", series(14), [rule]).length, 0);
  for (const persist of [-1, Number.NaN]) {
    assert.throws(
      () => anomaly({ persist }),
      (e: unknown) =>
        e instanceof FleuveError &&
        e.code === "FLEUVE_CONFIG_INVALID" &&
        e.details.option === "anomaly.persist" &&
        e.message.includes("'anomaly.persist'"),
    );
  }
});
