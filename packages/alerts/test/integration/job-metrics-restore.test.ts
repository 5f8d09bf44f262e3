/**
 * Alerts on a job's own metrics inside the job (`jobMetricsSource` into `detectAlerts`) keep what
 * the rules learnt across a stop with savepoint and a restore. The job reads events stamped in
 * 1970, so its event-time operators' watermark lag is decades, always above the threshold: an
 * uninterrupted run raises one alert per such series (one per crossing) and never another. Run,
 * stopped with a savepoint once every series has alerted and a checkpoint holds that, then
 * restored and run for as many samples again, the job must raise no alert the second time: the
 * same alerts as one uninterrupted run. Rule states that were not restored would alert again.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type Alert, detectAlerts, jobMetricsSource, type MetricSample, threshold } from "@fleuve/alerts";
import { type JobClient, StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";

const LAG = 1e9; // ms: about 11 days; the job's event time is decades behind

/** Polls `check` until it holds (a deadline only, no fixed sleep). */
async function waitFor(what: string, check: () => boolean, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function job(dir: string, alerts: Alert[], restoreFrom?: string) {
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    checkpointing: { dir: join(dir, "cp"), intervalMs: 200 },
    ...(restoreFrom ? { restoreFrom } : {}),
  });
  env
    .fromGenerator<number>((i) => i, {
      count: Number.POSITIVE_INFINITY,
      ratePerSecond: 200,
      strategy: WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((i) => i),
    })
    .name("Old events")
    .forEach(() => {}, "Discard");
  env
    .fromSource(
      jobMetricsSource({
        everyMs: 50,
        series: (s) => s.startsWith("Old events#") && s.endsWith(".watermarkLagMs"),
      }),
      undefined,
      "Job metrics",
    )
    .keyBy((s) => s.series)
    .process(
      detectAlerts<MetricSample, string>({
        value: (s) => s.value,
        rules: [threshold({ above: LAG, name: "lag" })],
      }),
    )
    .name("Metric alerts")
    .forEach((a) => {
      alerts.push(a);
    }, "Alerts");
  return env.executeAsync("metric-alerts");
}

/** Samples the metrics source emitted so far (only the watched series). */
function samples(client: JobClient): number {
  return client
    .snapshot()
    .operators.filter((o) => o.operatorName === "Job metrics")
    .reduce((n, o) => n + o.recordsOut, 0);
}

test("a restored job-metrics watch keeps its rule states: the same alerts as one uninterrupted run", {
  timeout: 900_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-metric-alerts-"));
  try {
    const first: Alert[] = [];
    const a = job(dir, first);
    // The first alert, then two completed checkpoints after it, so the checkpoint holds the state.
    await waitFor("an alert on the watermark lag", () => first.length > 0);
    const completed = a.snapshot().job.checkpointsCompleted;
    await waitFor("two more checkpoints", () => a.snapshot().job.checkpointsCompleted >= completed + 2);
    const sampledBefore = samples(a);
    const savepoint = await a.stopWithSavepoint(join(dir, "sp"));
    await a.result;
    assert.deepEqual(
      first.map((x) => [x.series, x.rule, x.kind]),
      [["Old events#0.watermarkLagMs", "lag", "level"]],
      "one alert per series in the first run",
    );
    assert.ok(first[0]!.value > LAG);

    const second: Alert[] = [];
    const b = job(dir, second, savepoint);
    try {
      // As many samples again (each above the threshold), all evaluated: the alert operator took
      // one more after them, and each sample's watermark comes right behind it.
      await waitFor("as many samples again", () => samples(b) >= sampledBefore);
      const sampled = samples(b);
      await waitFor(
        "the alert operator to take them",
        () =>
          b
            .snapshot()
            .operators.filter((o) => o.operatorName === "Metric alerts")
            .reduce((n, o) => n + o.recordsIn, 0) > sampled,
      );
    } finally {
      b.cancel();
      await b.result.catch(() => {});
    }
    assert.deepEqual(second, [], "no alert again after the restore: the rule knew the series was above");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
