import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Alert,
  JobMetricsSampler,
  jobMetricsSource,
  type MetricSample,
  threshold,
  watchJobMetrics,
} from "@fleuve/alerts";
import {
  FleuveError,
  type MetricsSnapshot,
  type SourceOutput,
  type SourceReader,
  StreamExecutionEnvironment,
} from "@fleuve/core";
import fc from "fast-check";

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
  // a --group process's snapshot: its process figures too, as they are, after the job's
  const group = { ...snap(2_000, 5_000, 13_000), process: { unitsOwned: 3, rebalances: 2 } };
  assert.deepEqual(
    s
      .sample(group, 14_000)
      .slice(-4)
      .map((x) => [x.series, x.time, x.value]),
    [
      ["job.restarts", 14_000, 0],
      ["job.checkpointsFailed", 14_000, 0],
      ["process.unitsOwned", 14_000, 3],
      ["process.rebalances", 14_000, 2],
    ],
  );
});

test("metrics that started again (a restore in a new process, restarted worker threads) give no negative rates: the sample starts over", () => {
  const before = new JobMetricsSampler();
  before.sample(snap(0, 0, 9_000), 10_000);
  before.sample(snap(30_000, 500_000, 59_000), 60_000);
  // Restored from a checkpoint taken then, in a job whose counters count again from 0.
  const after = new JobMetricsSampler();
  after.restore(structuredClone(before.state()));
  assert.deepEqual(
    after.sample(snap(400, 1_000, 61_000), 62_000).map((x) => [x.series, x.value]),
    [
      ["Window#0.watermarkLagMs", 1_000],
      ["job.restarts", 0],
      ["job.checkpointsFailed", 0],
    ],
  );
  // The next sample has deltas again, from the counters as they started over.
  assert.deepEqual(
    after
      .sample(snap(1_400, 3_000, 63_000), 64_000)
      .filter((x) => x.series.startsWith("Window#0.r") || x.series.startsWith("Window#0.b"))
      .map((x) => [x.series, x.value]),
    [
      ["Window#0.recordsInPerSecond", 1_000],
      ["Window#0.busyRatio", 0.5],
      ["Window#0.backPressuredRatio", 0],
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

/** Polls a job-metrics source reader once per period over scripted snapshots; returns what it emitted. */
function pollAll(
  reader: SourceReader<MetricSample>,
  times: readonly number[],
  setNow: (t: number) => void,
): string[] {
  const got: string[] = [];
  const out = {
    collect: (s: MetricSample, ts?: number) => got.push(`${s.series}@${s.time}/${ts}=${s.value}`),
    emitWatermark: (w: number) => got.push(`wm ${w}`),
    markIdle: () => got.push("idle"),
  } as unknown as SourceOutput<MetricSample>;
  for (const t of times) {
    setNow(t);
    reader.poll(out, 100);
  }
  return got;
}

test("jobMetricsSource: a reader restored from a snapshot of its state emits what an uninterrupted one does", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(900), fc.nat(5000), fc.nat(1000)), { minLength: 2, maxLength: 30 }),
      fc.nat(),
      (steps, cutAt) => {
        const cut = 1 + (cutAt % (steps.length - 1));
        // Cumulative figures, as the runtime reports them; one snapshot per period of 1,000 ms.
        let busy = 0;
        let records = 0;
        const snaps = steps.map(([b, r, lag], i) => {
          busy += b;
          records += r;
          return snap(busy, records, 1_000 * (i + 1) - lag);
        });
        const times = snaps.map((_, i) => 1_000 * (i + 1));
        let now = 0;
        // Each reader opens at time 0, before the first period ends.
        const ctx = (subtaskIndex = 0) => ({
          subtaskIndex,
          parallelism: 2,
          now: () => now,
          jobMetrics: () => snaps[now / 1_000 - 1]!,
        });
        const source = jobMetricsSource({ everyMs: 1_000 });
        const open = (subtask = 0) => {
          now = 0;
          return source.createReader(ctx(subtask));
        };
        const whole = pollAll(open(), times, (t) => {
          now = t;
        });
        const first = open();
        const before = pollAll(first, times.slice(0, cut), (t) => {
          now = t;
        });
        // A checkpoint stores the position by structured clone.
        const position = structuredClone(first.snapshot!(1));
        const restored = open();
        restored.restore!(position);
        const after = pollAll(restored, times.slice(cut), (t) => {
          now = t;
        });
        assert.deepEqual([...before, ...after], whole);
        // The second subtask stays idle.
        assert.deepEqual(
          pollAll(open(1), times.slice(0, 2), (t) => {
            now = t;
          }),
          ["idle", "idle"],
        );
      },
    ),
  );
});

test("jobMetricsSource: a bad period fails when the job is built, and a context without job metrics when it opens", () => {
  assert.throws(
    () => jobMetricsSource({ everyMs: 0 }),
    /jobMetricsSource option 'everyMs' must be an integer > 0/,
  );
  assert.throws(
    () => jobMetricsSource().createReader({ subtaskIndex: 0, parallelism: 1, now: () => 0 }),
    /gives its sources no job metrics/,
  );
});
