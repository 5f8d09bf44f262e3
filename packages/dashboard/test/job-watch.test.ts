/**
 * JobWatch on scripted snapshots and a scripted clock: rates are the counters' differences over
 * the elapsed time, a task's time shares come from its chain head, checkpoints and restarts seen
 * between two samples become history entries (several at once marked as such), a restart's
 * entry carries its failure's cause, and the series keep only the last SERIES_LENGTH samples.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JobPlan, MetricsSnapshot, OperatorMetricsSnapshot } from "@fleuve/core";
import { JobWatch, SERIES_LENGTH } from "../src/index.js";

const hist = { count: 0, sum: 0, max: 0, p50: 0, p95: 0, p99: 0, p999: 0 };
const user = { counters: {}, gauges: {}, histograms: {}, meters: {} };

function op(
  operatorId: string,
  chainHead: boolean,
  o: Partial<OperatorMetricsSnapshot>,
): OperatorMetricsSnapshot {
  return {
    operatorName: operatorId,
    operatorId,
    subtaskIndex: 0,
    taskName: "Src -> Sink",
    chainHead,
    recordsIn: 0,
    recordsOut: 0,
    recordsRejected: 0,
    numLateRecordsDropped: 0,
    busyTimeMs: 0,
    idleTimeMs: 0,
    backPressuredTimeMs: 0,
    currentInputWatermark: -Infinity,
    currentOutputWatermark: -Infinity,
    checkpointAlignmentTimeMs: 0,
    latencyMs: hist,
    gauges: {},
    counters: {},
    user,
    ...o,
  };
}

function snap(
  job: Partial<MetricsSnapshot["job"]>,
  src: Partial<OperatorMetricsSnapshot>,
  sink: Partial<OperatorMetricsSnapshot>,
): MetricsSnapshot {
  return {
    job: {
      startedAt: 0,
      uptimeMs: 0,
      restarts: 0,
      checkpointsCompleted: 0,
      checkpointsFailed: 0,
      checkpointsInProgress: 0,
      lastCheckpointDurationMs: 0,
      lastCheckpointSizeBytes: 0,
      ...job,
    },
    operators: [op("Src", true, src), op("Sink", false, sink)],
  };
}

const plan: JobPlan = {
  nodes: [
    { id: 0, name: "Src", uid: "Src", kind: "source", parallelism: 1, keyed: false },
    { id: 1, name: "Sink", uid: "Sink", kind: "sink", parallelism: 1, keyed: false },
  ],
  edges: [{ source: 0, target: 1, input: 0, partitioner: "forward" }],
};

test("rates, time shares, checkpoints and restarts from successive snapshots", () => {
  let now = 10_000;
  let current = snap({}, {}, {});
  const w = new JobWatch(
    () => current,
    plan,
    () => now,
  );
  w.sample();
  assert.deepEqual(w.ratesOf("Src"), [], "no rate from one sample");
  now += 2000;
  current = snap(
    { checkpointsCompleted: 1, lastCheckpointDurationMs: 40, lastCheckpointSizeBytes: 900 },
    {
      recordsOut: 1000,
      busyTimeMs: 500,
      backPressuredTimeMs: 1200,
      idleTimeMs: 300,
      checkpointAlignmentTimeMs: 7,
    },
    { recordsIn: 600, latencyMs: { ...hist, count: 3, p50: 2, p99: 9 } },
  );
  w.sample();
  const src = w.ratesOf("Src")[0]!;
  assert.equal(src.recordsOutPerSecond, 500);
  assert.equal(src.busy, 0.25);
  assert.equal(src.backpressured, 0.6);
  assert.equal(src.idle, 0.15);
  // the sink shares its chain head's time
  assert.equal(w.ratesOf("Sink")[0]!.backpressured, 0.6);
  assert.equal(w.ratesOf("Sink")[0]!.recordsInPerSecond, 300);
  assert.deepEqual(w.series.sourceOut, [500]);
  assert.deepEqual(w.series.sinkIn, [300]);
  assert.deepEqual(w.series.latencyP99, [9]);
  assert.deepEqual(w.series.backpressure, [0.6]);
  assert.equal(w.checkpoints.length, 1);
  assert.deepEqual(w.checkpoints[0], {
    id: 1,
    kind: "checkpoint",
    status: "COMPLETED",
    at: 12_000,
    durationMs: 40,
    sizeBytes: 900,
    subtasks: [{ task: "Src -> Sink", subtask: 0, alignmentMs: 7 }],
  });
  now += 1000;
  current = snap({ checkpointsCompleted: 3, checkpointsFailed: 1, restarts: 1 }, { recordsOut: 1000 }, {});
  w.sample();
  assert.equal(w.checkpoints.length, 3);
  assert.equal(w.checkpoints[1]!.merged, true, "two completed between samples");
  assert.equal(w.checkpoints[2]!.status, "FAILED");
  assert.equal(w.exceptions.length, 1);
  assert.equal(w.exceptions[0]!.kind, "restart");
  // counters that went back (a restarted attempt) give no negative rate
  assert.equal(w.ratesOf("Sink")[0]!.recordsInPerSecond, 0);
});

test("each restart becomes one entry with its failure's cause, once, including a group's units apart", () => {
  const f = (restart: number, at: number, unit?: string) => ({
    at,
    restart,
    restartDelayMs: 250,
    code: "FLEUVE_USER_FUNCTION_FAILED",
    message: `boom ${restart}`,
    stack: `Error: boom ${restart}\n    at map`,
    operator: "Parse",
    ...(unit ? { unit } : {}),
  });
  let current = snap({}, {}, {});
  const w = new JobWatch(
    () => current,
    plan,
    () => 99_000,
  );
  w.sample();
  current = snap({ restarts: 2, failures: [f(1, 1000), f(2, 2000)] }, {}, {});
  w.sample();
  w.sample(); // seen already: no new entry
  assert.deepEqual(
    w.exceptions.map((e) => [e.kind, e.at, e.restart, e.message, e.code, e.operator, e.restartDelayMs]),
    [
      ["restart", 1000, 1, "boom 1", "FLEUVE_USER_FUNCTION_FAILED", "Parse", 250],
      ["restart", 2000, 2, "boom 2", "FLEUVE_USER_FUNCTION_FAILED", "Parse", 250],
    ],
  );
  assert.match(w.exceptions[1]!.stack!, /Error: boom 2/);
  // A group's units number their restarts apart: restart 1 of another unit is a new entry.
  current = snap({ restarts: 3, failures: [f(1, 1000), f(2, 2000), f(1, 3000, "map-1")] }, {}, {});
  w.sample();
  assert.deepEqual(
    w.exceptions.map((e) => e.unit ?? null),
    [null, null, "map-1"],
  );
  // A restart whose failure the snapshot does not hold still shows, without a cause.
  current = snap({ restarts: 4, failures: [f(1, 1000), f(2, 2000), f(1, 3000, "map-1")] }, {}, {});
  w.sample();
  assert.equal(w.exceptions.length, 4);
  assert.equal(w.exceptions[3]!.at, 99_000);
  assert.match(w.exceptions[3]!.message, /no longer hold/);
});

test("the series keep the last SERIES_LENGTH samples", () => {
  let now = 0;
  let n = 0;
  const w = new JobWatch(
    () => snap({}, { recordsOut: (n += 10) }, {}),
    plan,
    () => (now += 1000),
  );
  for (let i = 0; i < SERIES_LENGTH + 20; i++) w.sample();
  assert.equal(w.series.t.length, SERIES_LENGTH);
  assert.equal(w.series.t.at(-1), (SERIES_LENGTH + 20) * 1);
  assert.ok(w.series.sourceOut.every((v) => v === 10));
});
