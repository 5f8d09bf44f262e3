/**
 * jobMetricsSource in a job spread over two worker threads samples the whole job, as the
 * Prometheus endpoint shows it: the operators of the other thread (the watermark of "Stamped#1",
 * which runs only on thread 1 while the source samples on thread 0) and the job-wide figures the
 * main thread keeps (the restart the job went through: each thread's own count is always 0).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { MetricSample } from "@fleuve/alerts";
import { runJob } from "@fleuve/core";
import { STAMPS } from "../fixtures/threaded-metrics-job.js";

function samplesIn(dir: string): MetricSample[] {
  const file = join(dir, "samples.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.endsWith("}"))
    .map((l) => JSON.parse(l) as MetricSample);
}

test("on worker threads, jobMetricsSource sees the other thread's operators and the main thread's restarts", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-metrics-threads-"));
  const fixture = new URL("../fixtures/threaded-metrics-job.ts", import.meta.url).href;
  const client = await runJob(fixture, {
    parallelism: 2,
    threads: 2,
    args: [dir],
    options: { restartStrategy: { type: "fixed-delay", attempts: 3, delayMs: 0 } },
  });
  let failed: unknown;
  client.result.catch((e: unknown) => {
    failed = e;
  });
  try {
    // thread 1's operators: a figure of one snapshot, and one of two in a row (a share of time);
    // thread 0's own watermark too (on a busy machine it may come after the others)
    const seen = (s: MetricSample[]) =>
      s.some((x) => x.series === "Stamped#1.watermarkLagMs") &&
      s.some((x) => x.series === "Stamped#0.watermarkLagMs") &&
      s.some((x) => x.series === "Stamped#1.busyRatio") &&
      s.some((x) => x.series === "job.restarts" && x.value === 1);
    const deadline = Date.now() + 480_000;
    let samples = samplesIn(dir);
    while (!seen(samples)) {
      assert.equal(failed, undefined, "the job failed");
      assert.ok(
        Date.now() < deadline,
        `the samples so far: ${[...new Set(samples.map((x) => x.series))].join(", ")}`,
      );
      await new Promise((r) => setTimeout(r, 100));
      samples = samplesIn(dir);
    }
    // Thread 1's watermark, exactly: its records are stamped STAMPS[1], the watermark one ms less.
    const lag1 = samples.filter((x) => x.series === "Stamped#1.watermarkLagMs");
    for (const x of lag1) assert.equal(x.value, x.time - (STAMPS[1] - 1), JSON.stringify(x));
    // Thread 0's own operators are there too, with their own watermark.
    const lag0 = samples.filter((x) => x.series === "Stamped#0.watermarkLagMs");
    assert.ok(lag0.length > 0);
    for (const x of lag0) assert.equal(x.value, x.time - (STAMPS[0] - 1), JSON.stringify(x));
    // The restart is the main thread's figure: once counted, every later sample says 1.
    const restarts = samples.filter((x) => x.series === "job.restarts").map((x) => x.value);
    assert.ok(
      restarts.slice(restarts.indexOf(1)).every((v) => v === 1),
      `job.restarts samples: ${restarts.join(" ")}`,
    );
    for (const x of samples.filter((x) => x.series === "Stamped#1.busyRatio"))
      assert.ok(Number.isFinite(x.value) && x.value >= 0, JSON.stringify(x));
  } finally {
    client.cancel();
    await client.result.catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});
