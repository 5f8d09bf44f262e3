/**
 * Alerts in the dashboard: `AlertHistory` takes the alerts of the `alerts` event log of every
 * operator subtask in the metrics snapshots (new ones only, a replayed one once, gaps counted as
 * missed, the active ones the latest per operator, series and rule within the active time), and
 * `/api/alerts` of a dashboard over a real job running `detectAlerts` lists exactly the alerts the
 * batch evaluation of the same points gives.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { anomaly, detectAlerts, evaluateSeries, type Rule, rateOfChange, threshold } from "@fleuve/alerts";
import {
  JobMetrics,
  type MetricsSnapshot,
  OperatorMetrics,
  type OperatorMetricsSnapshot,
  type RecordedEvent,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from "@fleuve/core";
import { ALERT_ACTIVE_MS, type AlertEntry, AlertHistory, startDashboard } from "../src/index.js";

/** An operator subtask whose `alerts` event log holds `recent` of `total` events. */
function op(id: string, subtask: number, total: number, recent: RecordedEvent[]): OperatorMetricsSnapshot {
  const o = new OperatorMetrics(id.toUpperCase(), id, subtask).snapshot();
  return { ...o, user: { ...o.user, events: { alerts: { total, recent } } } };
}

function snap(...operators: OperatorMetricsSnapshot[]): MetricsSnapshot {
  return { job: new JobMetrics().snapshot(), operators };
}

const ev = (seq: number, at: number, series: string, rule: string, time: number): RecordedEvent => ({
  seq,
  at,
  data: { series, rule, kind: "spike", time, value: seq, expected: 1, score: 2 },
});

test("the history sees the alerts of a log that started again (a worker thread or unit process restarted), not only past its old count", () => {
  const h = new AlertHistory();
  const now = 10 * ALERT_ACTIVE_MS;
  h.note(
    snap(
      op("a", 0, 3, [
        ev(1, now - 30, "eu", "x", 1),
        ev(2, now - 20, "eu", "x", 2),
        ev(3, now - 10, "eu", "x", 3),
      ]),
    ),
  );
  // The worker restarted: its metrics (and the log) are new, so the count starts again at 1.
  h.note(snap(op("a", 0, 1, [ev(1, now - 5, "us", "x", 4)])));
  // ... and reaches the old count again with other alerts.
  h.note(
    snap(
      op("a", 0, 3, [
        ev(1, now - 5, "us", "x", 4),
        ev(2, now - 4, "us", "x", 5),
        ev(3, now - 3, "us", "x", 6),
      ]),
    ),
  );
  const v = h.view(now);
  assert.deepEqual(
    v.recent.map((a) => a.time),
    [6, 5, 4, 3, 2, 1],
  );
  assert.equal(v.missed, 0);
  assert.equal(v.total, 3);
});

test("the history takes new alerts once, counts the ones it never saw, and keeps the latest per series and rule active", () => {
  const h = new AlertHistory();
  const now = 10 * ALERT_ACTIVE_MS;
  const old = now - ALERT_ACTIVE_MS - 1;
  h.note(snap(op("a", 0, 2, [ev(1, old, "eu", "anomaly", 100), ev(2, now - 5, "eu", "floor", 200)])));
  // Sampled again with one more: only seq 3 is new. Subtask 1 of `a` shows events 3-4 only: 1-2
  // were gone from its log (it keeps the newest) before the dashboard sampled.
  h.note(
    snap(
      op("a", 0, 3, [
        ev(1, old, "eu", "anomaly", 100),
        ev(2, now - 5, "eu", "floor", 200),
        ev(3, now - 1, "us", "anomaly", 300),
      ]),
      op("a", 1, 4, [ev(3, now, "asia", "anomaly", 400), ev(4, now, "asia", "anomaly", 500)]),
      op("b", 0, 1, [{ seq: 1, at: now, data: { note: "not an alert" } }]),
    ),
  );
  // After a restore from a checkpoint, subtask 0 raises an alert it raised before again.
  h.note(snap(op("a", 0, 4, [ev(4, now, "eu", "anomaly", 100)])));
  const v = h.view(now);
  const brief = (a: AlertEntry) => `${a.operatorId}[${a.subtask}] ${a.series} ${a.rule} ${a.time}`;
  assert.deepEqual(v.recent.map(brief), [
    "a[1] asia anomaly 500",
    "a[1] asia anomaly 400",
    "a[0] us anomaly 300",
    "a[0] eu floor 200",
    "a[0] eu anomaly 100",
  ]);
  assert.deepEqual(v.active.map(brief), [
    "a[1] asia anomaly 500",
    "a[0] us anomaly 300",
    "a[0] eu floor 200",
  ]);
  assert.equal(v.total, 4 + 4 + 1);
  assert.equal(v.missed, 2);
  assert.deepEqual(v.recent[0], {
    operator: "A",
    operatorId: "a",
    subtask: 1,
    raisedAt: now,
    series: "asia",
    rule: "anomaly",
    kind: "spike",
    time: 500,
    value: 4,
    expected: 1,
    score: 2,
  });
});

interface Payments {
  region: string;
  at: number;
  count: number;
}

test("/api/alerts lists the alerts of a running job's alert operator: the batch evaluation's, every one active", async () => {
  const start = Date.UTC(2026, 0, 5);
  const step = 10 * 60_000;
  const points: Payments[] = [];
  for (let i = 0; i < 2 * 144; i++) {
    const at = start + i * step;
    const noise = (i * 37) % 11;
    points.push(
      { region: "eu", at, count: i === 200 ? 400 : 120 + noise },
      { region: "us", at, count: i >= 230 && i < 236 ? 3 : 80 + noise },
    );
  }
  const rules = (): Rule[] => [
    threshold({ below: 10, name: "floor" }) as Rule,
    rateOfChange({ maxRise: 100, per: step, cooldown: 3_600_000 }) as Rule,
    // Two days of data: a one-day warm-up (the default is 3 days) leaves the second day to alert on.
    anomaly({ warmup: 86_400_000 }) as Rule,
  ];
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env
    .fromCollection(points, {
      strategy: WatermarkStrategy.forMonotonousTimestamps<Payments>().withTimestampAssigner((p) => p.at),
    })
    .keyBy((p) => p.region)
    .process(detectAlerts<Payments, string>({ value: (p) => p.count, rules: rules() }))
    .name("Payment alerts")
    .forEach(() => {}, "Sink");
  const client = env.executeAsync("alerts-api");
  const dashboard = await startDashboard({
    jobName: "alerts-api",
    snapshot: () => client.snapshot(),
    plan: client.plan!(),
    result: client.result,
    port: 0,
  });
  try {
    await client.result;
    dashboard.watch.sample();
    const res = await fetch(`${dashboard.url}api/alerts`);
    assert.equal(res.status, 200);
    const v = (await res.json()) as {
      active: AlertEntry[];
      recent: AlertEntry[];
      total: number;
      missed: number;
    };
    const oracle = ["eu", "us"].flatMap((r) =>
      evaluateSeries(
        r,
        points.filter((p) => p.region === r).map((p) => [p.at, p.count] as const),
        rules(),
      ),
    );
    assert.ok(oracle.length >= 4, `the points raise alerts (${oracle.length})`);
    const key = (a: { series: string; rule: string; kind: string; time: number; value: number }) =>
      `${a.series} ${a.rule} ${a.kind} ${a.time} ${a.value}`;
    assert.deepEqual(v.recent.map(key).sort(), oracle.map(key).sort());
    assert.ok(v.recent.every((a) => a.operator === "Payment alerts"));
    assert.equal(v.total, oracle.length);
    assert.equal(v.missed, 0);
    // Raised moments ago, so the latest of each series and rule is active.
    const latest = new Map<string, string>();
    for (const a of [...oracle].sort((x, y) => x.time - y.time)) latest.set(`${a.series} ${a.rule}`, key(a));
    assert.deepEqual(v.active.map(key).sort(), [...latest.values()].sort());
    const api = (await (await fetch(`${dashboard.url}api`)).json()) as { endpoints: string[] };
    assert.ok(api.endpoints.includes("GET /api/alerts"));
  } finally {
    await dashboard.close();
  }
});
