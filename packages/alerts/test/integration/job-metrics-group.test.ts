/**
 * jobMetricsSource in a `--group` process (against the real broker) samples what the process's
 * Prometheus endpoint shows, not only its own unit: one process runs the job's two units ("Stamped"
 * with its sink, and the job-metrics source with its own), and the samples hold the exact
 * watermark lag of "Stamped", which only the other unit runs, and the process figures
 * (`process.unitsOwned` = every unit, once both run here).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { jobMetricsSource, type MetricSample } from "@fleuve/alerts";
import { defineJob, type Source, WatermarkStrategy } from "@fleuve/core";
import { KafkaClient, startGroupWorker } from "@fleuve/kafka";

const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
/** Event time of every record (ms, 2017-07-14): the source's watermark is STAMP - 1. */
const STAMP = 1_500_000_000_000;

const stamped: Source<number> = {
  bounded: false,
  createReader() {
    let i = 0;
    return {
      poll(out) {
        out.collect(i++ % 3, STAMP);
        return "nothing-yet";
      },
      available: () => new Promise((resolve) => setTimeout(resolve, 20)),
    };
  },
};

test("in a --group process, jobMetricsSource sees the other units' operators and the process figures", {
  timeout: 300_000,
}, async () => {
  const group = `metrics-group-${process.pid}-${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), "fleuve-metrics-group-"));
  const samples: MetricSample[] = [];
  const job = defineJob({
    name: "metrics-group",
    build(env) {
      env
        .fromSource(stamped, WatermarkStrategy.forMonotonousTimestamps<number>(), "Stamped")
        .forEach(() => {}, "Discard");
      env.fromSource(jobMetricsSource({ everyMs: 100 }), undefined, "Job metrics").forEach((s) => {
        samples.push(s);
      }, "Samples");
    },
  });
  const worker = await startGroupWorker({
    job,
    group,
    bootstrap: BOOTSTRAP,
    checkpointDir: dir,
    parallelism: 1,
    log: () => {},
  });
  let failed: unknown;
  worker.failed.catch((e: unknown) => {
    failed = e;
  });
  try {
    const units = worker.units.length;
    assert.equal(units, 2, `units: ${worker.units.join(", ")}`);
    const unitOf = (op: string) => worker.unitTasks.find((t) => t.operators.some((o) => o.startsWith(op)));
    assert.notEqual(unitOf("Stamped#")?.unit, unitOf("Job metrics#")?.unit, JSON.stringify(worker.unitTasks));
    const seen = () =>
      samples.some((x) => x.series === "Stamped#0.watermarkLagMs") &&
      samples.some((x) => x.series === "process.unitsOwned" && x.value === units);
    // a deadline inside the test's timeout, so the worker is stopped (finally) when it fails
    const deadline = Date.now() + 240_000;
    while (!seen()) {
      assert.equal(failed, undefined, "the worker failed");
      assert.ok(
        Date.now() < deadline,
        `the series sampled so far: ${[...new Set(samples.map((x) => x.series))].join(", ")}`,
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    // the other unit's operator, exactly: its records are stamped STAMP, its watermark one ms less
    const lag = samples.filter((x) => x.series === "Stamped#0.watermarkLagMs");
    for (const x of lag) assert.equal(x.value, x.time - (STAMP - 1), JSON.stringify(x));
    // the process figures, as the process's /metrics shows them (units only ever start here)
    for (const x of samples.filter((s) => s.series === "process.unitsTotal")) assert.equal(x.value, units);
    for (const x of samples.filter((s) => s.series === "process.unitsOwned"))
      assert.ok(x.value >= 1 && x.value <= units, JSON.stringify(x));
    assert.ok(samples.some((x) => x.series === "process.rebalances" && x.value >= 1));
    assert.ok(samples.some((x) => x.series === "process.unitStops" && x.value === 0));
  } finally {
    await worker.stop();
    const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
    await client.deleteTopics((await client.listTopics()).filter((n) => n.startsWith(`fleuve-${group}-`)));
    await client.close();
    rmSync(dir, { recursive: true, force: true });
    // as in the kafka package's group tests: a stopped worker sometimes leaves broker sockets open
    setTimeout(() => process.exit(), 10_000).unref();
  }
});
