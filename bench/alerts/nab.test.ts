// The NAB evaluation on a few series: the figures it reports must be what a brute-force count
// gives from the same series, labels and alerts (this checks the scoring, not the score).
import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateSeries } from "@fleuve/alerts";
import {
  defaultRules,
  evaluate,
  type FileScore,
  firstScoredTime,
  groupScores,
  loadNab,
  type NabFile,
  renderTable,
  scoreFile,
} from "./nab.js";

const SUBSET = [
  "realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv",
  "realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv",
  "realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv",
  "realKnownCause/rogue_agent_key_hold.csv",
  "artificialWithAnomaly/art_load_balancer_spikes.csv",
];

test("precision and recall per group are what a brute-force count of the alerts gives", async () => {
  const files = loadNab((n) => SUBSET.includes(n));
  assert.equal(files.length, SUBSET.length);
  const scores = await evaluate(files);
  const rows = groupScores(scores);

  // Brute force, independently: alerts from the batch evaluation (not the streamed run), then
  // for every window whether any alert lies in it, for every alert whether any window holds it,
  // by NAB's probation rule as its sweeper states it: points of index < min(floor(0.15 n), 750)
  // are probationary, an alert there counts neither way, a window without a later point not at all.
  const brute: Record<string, { windows: number; hit: number; fa: number; files: number }> = {};
  for (const f of files) {
    const probation = Math.min(Math.floor(0.15 * f.points.length), 0.15 * 5000);
    const scored = (t: number) => f.points.some(([pt], i) => i >= probation && pt === t);
    const times = evaluateSeries(f.name, f.points, defaultRules())
      .map((a) => a.time)
      .filter(scored);
    const windows = f.windows.filter(([a, b]) =>
      f.points.some(([pt], i) => i >= probation && a <= pt && pt <= b),
    );
    let hit = 0;
    for (const [a, b] of windows) {
      let any = false;
      for (const t of times) if (a <= t && t <= b) any = true;
      if (any) hit++;
    }
    let fa = 0;
    for (const t of times) {
      let inside = false;
      for (const [a, b] of windows) if (a <= t && t <= b) inside = true;
      if (!inside) fa++;
    }
    for (const g of [f.group, ...(f.group.startsWith("real") ? ["real (all)"] : [])]) {
      const r = (brute[g] ??= { windows: 0, hit: 0, fa: 0, files: 0 });
      r.windows += windows.length;
      r.hit += hit;
      r.fa += fa;
      r.files++;
    }
  }
  assert.deepEqual(
    rows.map((r) => r.group),
    ["artificialWithAnomaly", "realAWSCloudwatch", "realKnownCause", "real (all)"],
  );
  for (const r of rows) {
    const b = brute[r.group];
    assert.ok(b, r.group);
    assert.deepEqual(
      { files: r.files, windows: r.windows, hit: r.windowsHit, fa: r.falseAlarms },
      { files: b.files, windows: b.windows, hit: b.hit, fa: b.fa },
      r.group,
    );
    assert.equal(r.precision, b.hit + b.fa > 0 ? b.hit / (b.hit + b.fa) : undefined, r.group);
    assert.equal(r.recall, b.windows > 0 ? b.hit / b.windows : undefined, r.group);
  }
  // The subset has hits and false alarms both, so both counts were exercised.
  const all = rows.find((r) => r.group === "real (all)");
  assert.ok(all && all.windowsHit > 0 && all.falseAlarms > 0, JSON.stringify(all));

  // The table shows those figures, two decimals.
  const table = renderTable(rows);
  for (const r of rows) {
    const p = r.precision === undefined ? "n/a" : r.precision.toFixed(2);
    const rc = r.recall === undefined ? "n/a" : r.recall.toFixed(2);
    assert.ok(
      table.includes(
        `| ${r.group} | ${r.files} | ${r.windows} | ${r.windowsHit} | ${r.falseAlarms} | ${p} | ${rc} |`,
      ),
      table,
    );
  }
});

test("NAB's probationary period: its alerts count neither way, a window inside it not at all; strict counts all", () => {
  // 100 points a minute apart: probation is the first 15 points (minutes 0-14).
  const points = Array.from({ length: 100 }, (_, i): [number, number] => [i * 60_000, 0]);
  const m = (i: number) => i * 60_000;
  const file: NabFile = {
    name: "realX/x.csv",
    group: "realX",
    points,
    windows: [
      [m(2), m(8)], // ends in probation: not counted
      [m(10), m(20)], // straddles it: counted, hit only after minute 15
      [m(50), m(60)],
    ],
    scoredFrom: firstScoredTime(points),
  };
  assert.equal(file.scoredFrom, m(15));
  // Alerts at minutes 3 (in window 1, probation), 12 (window 2, probation), 30 (false alarm), 55 (window 3).
  const alerts = [m(3), m(12), m(30), m(55)];
  const pick = (s: FileScore) => [s.windows, s.windowsHit, s.falseAlarms, s.alerts];
  assert.deepEqual(pick(scoreFile(file, alerts)), [2, 1, 1, 4]);
  assert.deepEqual(pick(scoreFile(file, [...alerts, m(15)])), [2, 2, 1, 5]);
  assert.deepEqual(pick(scoreFile(file, [m(14), m(8)])), [2, 0, 0, 2]);
  assert.deepEqual(pick(scoreFile(file, alerts, { strict: true })), [3, 3, 1, 4]);
});

test("with the held-out groups of a NAB checkout, rows for the tuned-on and the held-out real series", () => {
  const f = (group: string, windows: number, windowsHit: number, falseAlarms: number): FileScore => ({
    name: `${group}/x.csv`,
    group,
    windows,
    windowsHit,
    falseAlarms,
    alerts: windowsHit + falseAlarms,
  });
  const rows = groupScores([
    f("artificialWithAnomaly", 1, 1, 0),
    f("realAWSCloudwatch", 4, 3, 1),
    f("realKnownCause", 2, 0, 2),
    f("realTweets", 5, 4, 0),
    f("realTraffic", 3, 1, 1),
  ]);
  const pick = (g: string) => {
    const r = rows.find((x) => x.group === g);
    return r && [r.files, r.windows, r.windowsHit, r.falseAlarms];
  };
  assert.deepEqual(pick("real (all)"), [4, 14, 8, 4]);
  assert.deepEqual(pick("real (tuned on)"), [2, 6, 3, 3]);
  assert.deepEqual(pick("real (held out)"), [2, 8, 5, 1]);
  assert.equal(rows.find((x) => x.group === "real (held out)")?.precision, 5 / 6);
  // Without held-out groups (../shared/datasets/nab), neither row.
  assert.deepEqual(
    groupScores([f("realAWSCloudwatch", 4, 3, 1)]).map((r) => r.group),
    ["realAWSCloudwatch", "real (all)"],
  );
});
