import assert from "node:assert/strict";
import { test } from "node:test";
import { type Alert, JobMetricsSampler, threshold, watchJobMetrics } from "@fleuve/alerts";
import { FleuveError, type MetricsSnapshot, StreamExecutionEnvironment } from "@fleuve/core";

/** A snapshot with one chain-head operator subtask, as the runtime reports it. */
function snap(busyTimeMs: number, recordsIn: number, watermark: number, restarts = 0): MetricsSnapshot {
  return {
    job: { restarts, checkpointsFailed: 0 },
    operators: [
      {
        operatorName: "Window",
        subtaskIndex: 0,
        chainHead: true,
        busyTimeMs,
        backPressuredTimeMs: 0,
        recordsIn,
        currentOutputWatermark: watermark,
      },
    ],
  } as unknown as MetricsSnapshot;
}

test("the sampler turns snapshots into time shares, rates and lags", () => {
  const s = new JobMetricsSampler();
  assert.deepEqual(s.sample(snap(0, 0, 9_000), 10_000), [
    { series: "Window#0.watermarkLagMs", time: 10_000, value: 1_000 },
    { series: "job.restarts", time: 10_000, value: 0 },
    { series: "job.checkpointsFailed", time: 10_000, value: 0 },
  ]);
  assert.deepEqual(
    s.sample(snap(1_500, 4_000, 11_500), 12_000).map((x) => [x.series, x.value]),
    [
      ["Window#0.watermarkLagMs", 500],
      ["Window#0.recordsInPerSecond", 2_000],
      ["Window#0.busyRatio", 0.75],
      ["Window#0.backPressuredRatio", 0],
      ["job.restarts", 0],
      ["job.checkpointsFailed", 0],
    ],
  );
});

test("watchJobMetrics runs the rules over the job's own metrics", () => {
  let clock = 0;
  let busy = 0;
  let restarts = 0;
  const alerts: Alert[] = [];
  const w = watchJobMetrics(
    { snapshot: () => snap(busy, 0, Number.NEGATIVE_INFINITY, restarts) },
    {
      // Above 0.9: a subtask busy more than 90% of the time, or any restart.
      rules: [threshold({ above: 0.9, name: "high" })],
      series: (name) => name.endsWith(".busyRatio") || name === "job.restarts",
      onAlert: (a) => alerts.push(a),
      now: () => clock,
    },
  );
  try {
    // Busy 50% of each second, then 95%; a restart at 5 s.
    const busyPerSecond = [0, 500, 500, 950, 950, 500];
    for (let i = 0; i < busyPerSecond.length; i++) {
      clock = i * 1000;
      busy += busyPerSecond[i] as number;
      if (i === 5) restarts = 1;
      w.sampleOnce();
    }
  } finally {
    w.stop();
  }
  assert.deepEqual(
    alerts.map((a) => [a.series, a.time, a.rule, a.kind]),
    [
      ["Window#0.busyRatio", 3000, "high", "level"],
      ["job.restarts", 5000, "high", "level"],
    ],
  );
});

test("the sampler reads a real job's snapshot", async () => {
  const env = StreamExecutionEnvironment.create();
  env
    .fromSequence(1, 10)
    .map((x) => x * 2)
    .sinkTo({ createWriter: () => ({ write() {} }) });
  const client = env.executeAsync("watched");
  const samples = new JobMetricsSampler().sample(client.snapshot(), Date.now());
  await client.result;
  assert.deepEqual(
    samples.filter((x) => x.series.startsWith("job.")).map((x) => [x.series, x.value]),
    [
      ["job.restarts", 0],
      ["job.checkpointsFailed", 0],
    ],
  );
});

test("bad watch options fail naming the option", () => {
  const client = { snapshot: () => snap(0, 0, 0) };
  for (const [opts, option] of [
    [{ rules: [threshold({ above: 1 })], onAlert: () => {}, everyMs: -1 }, "everyMs"],
    [{ rules: [], onAlert: () => {} }, "rules"],
    [{ rules: [{ rule: "nope" }], onAlert: () => {} }, "rule"],
  ] as const) {
    assert.throws(
      () => watchJobMetrics(client, opts as never),
      (e: unknown) => e instanceof FleuveError && e.details.option === option,
    );
  }
});
