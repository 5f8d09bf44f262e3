/**
 * The exposition of a real job's metrics: the native names pass Debian's `promtool check metrics`
 * (the Prometheus project's own linter) and carry the job's counts; the Flink mode uses Flink's
 * PrometheusReporter names and labels.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import {
  type Collector,
  type Counter,
  type Histogram,
  type ProcessContext,
  type ProcessFunction,
  type RuntimeContext,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "@fleuve/core";
import { OneInputOperator } from "@fleuve/core/spi";
import { formatPrometheus, snakeCase } from "../src/index.js";

/** Runs `promtool check metrics` on `text`: its exit status and what it printed. */
export function promtoolCheck(text: string): { status: number | null; output: string } {
  const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  if (r.error)
    throw new Error(
      `promtool is needed (Debian package 'prometheus': apt-get install -y prometheus): ${r.error.message}`,
    );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface Ev {
  k: number;
  ts: number;
}

/** Passes records on, with a user counter, histogram and gauge (the user metrics of an operator). */
class Tagged implements ProcessFunction<Ev, Ev> {
  private seen?: Counter;
  private keys?: Histogram;
  open(ctx: RuntimeContext): void {
    this.seen = ctx.getMetricGroup().counter("taggedEvents");
    this.keys = ctx.getMetricGroup().histogram("keyValue");
    ctx.getMetricGroup().gauge("answerOfLife", () => 42);
  }
  processElement(e: Ev, _ctx: ProcessContext, out: Collector<Ev>): void {
    this.seen!.inc();
    this.keys!.record(e.k);
    out.collect(e);
  }
}

async function runSampleJob(n: number) {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env
    .fromGenerator<Ev>((i) => ({ k: i % 7, ts: i * 10 }), {
      count: n,
      strategy: WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.ts),
    })
    .process(new Tagged())
    .name('Tag "quoted"')
    .keyBy((e) => e.k)
    .window(TumblingEventTimeWindows.of(1000))
    .reduce((a, b) => (a.ts > b.ts ? a : b))
    .name("Latest per second");
  const client = env.executeAsync("sample-job");
  await client.result;
  return client.snapshot();
}

/** The value of the sample of `name` whose labels include every one of `labels`. */
function sampleValues(text: string, name: string, labels: Record<string, string>): number[] {
  const out: number[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    const value = line.slice(line.lastIndexOf(" ") + 1);
    out.push(
      value === "+Inf"
        ? Number.POSITIVE_INFINITY
        : value === "-Inf"
          ? Number.NEGATIVE_INFINITY
          : Number(value),
    );
  }
  return out;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test("native names pass promtool check metrics and carry the job's counts", async () => {
  const n = 5000;
  const snapshot = await runSampleJob(n);
  const text = formatPrometheus({ snapshot, jobName: "sample-job" }, "native");
  const lint = promtoolCheck(text);
  assert.equal(lint.output, "", `promtool found problems:\n${lint.output}`);
  assert.equal(lint.status, 0);
  assert.equal(sum(sampleValues(text, "fleuve_operator_records_out_total", { operator: "Generator" })), n);
  assert.equal(sum(sampleValues(text, "fleuve_user_tagged_events_total", { job_name: "sample-job" })), n);
  assert.equal(sum(sampleValues(text, "fleuve_user_key_value_count", {})), n);
  assert.deepEqual(sampleValues(text, "fleuve_user_answer_of_life", {}), [42, 42]);
  // one count per key (7 keys) at every window's end, fired by the watermarks: 5000 * 10 ms = 50 windows
  assert.equal(
    sum(sampleValues(text, "fleuve_operator_records_out_total", { operator: "Latest per second" })),
    7 * 50,
  );
  // labels are escaped, not mangled
  assert.ok(text.includes('operator="Tag \\"quoted\\""'), "the quoted operator name is escaped");
  // the chain head of each task carries its time; both subtasks of the window task appear
  assert.equal(sampleValues(text, "fleuve_task_busy_seconds_total", { task: "Latest per second" }).length, 2);
  // the end of input is an infinite watermark
  assert.deepEqual(
    sampleValues(text, "fleuve_operator_input_watermark_seconds", { operator: "Latest per second" }),
    [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
  );
  assert.equal(sampleValues(text, "fleuve_job_restarts_total", { job_name: "sample-job" })[0], 0);
});

test("split lag and watermarks, restart causes, end-to-end latency, keyed state bytes, rebalances and event logs pass promtool in both modes", async () => {
  const base = await runSampleJob(100);
  const [first, second, ...rest] = base.operators;
  const latency = { count: 4, sum: 8000, max: 2500, p50: 2000, p95: 2500, p99: 2500, p999: 2500 };
  const failure = {
    at: 1_700_000_123_000,
    restart: 2,
    restartDelayMs: 0,
    code: "FLEUVE_JOB_FAILED",
    message: "x",
  };
  const snapshot = {
    ...base,
    job: {
      ...base.job,
      restarts: 3,
      failures: [{ ...failure, at: 1_700_000_000_000, restart: 1 }, failure],
      restartCauses: { FLEUVE_JOB_FAILED: 2, FLEUVE_USER_FUNCTION_FAILED: 1 },
    },
    process: { unitsOwned: 2, unitsTotal: 4, unitStarts: 5, unitStops: 3, rebalances: 3 },
    operators: [
      {
        ...first!,
        splits: {
          "orders-0": {
            recordsLag: 12,
            committedRecordsLag: 40,
            currentWatermark: 1_700_000_001_500,
            idle: 0,
          },
          "orders-1": { recordsLag: 5, idle: 1 },
        },
      },
      {
        ...second!,
        endToEndLatencyMs: latency,
        gauges: { ...second!.gauges, keyedStateSizeBytes: 4096 },
        // an event log (e.g. the alerts an @fleuve/alerts operator raised): its count of events
        user: { ...second!.user, events: { alerts: { total: 3, recent: [] } } },
      },
      ...rest,
    ],
  };
  const text = formatPrometheus({ snapshot, jobName: "j" }, "native");
  const lint = promtoolCheck(text);
  assert.equal(
    lint.output,
    "",
    `promtool found problems:
${lint.output}`,
  );
  assert.deepEqual(sampleValues(text, "fleuve_source_split_lag_records", { split: "orders-0" }), [12]);
  assert.deepEqual(sampleValues(text, "fleuve_source_split_lag_records", { split: "orders-1" }), [5]);
  assert.deepEqual(sampleValues(text, "fleuve_source_split_committed_lag_records", {}), [40]);
  // a split's watermark in seconds, only once it has one; idleness per split
  assert.deepEqual(
    sampleValues(text, "fleuve_source_split_watermark_seconds", { split: "orders-0" }),
    [1_700_000_001.5],
  );
  assert.deepEqual(sampleValues(text, "fleuve_source_split_watermark_seconds", { split: "orders-1" }), []);
  assert.deepEqual(sampleValues(text, "fleuve_source_split_idle", { split: "orders-1" }), [1]);
  assert.deepEqual(sampleValues(text, "fleuve_job_restart_causes_total", { code: "FLEUVE_JOB_FAILED" }), [2]);
  assert.deepEqual(
    sampleValues(text, "fleuve_job_restart_causes_total", { code: "FLEUVE_USER_FUNCTION_FAILED" }),
    [1],
  );
  assert.deepEqual(sampleValues(text, "fleuve_job_last_restart_timestamp_seconds", {}), [1_700_000_123]);
  assert.deepEqual(sampleValues(text, "fleuve_sink_end_to_end_latency_seconds", { quantile: "0.5" }), [2]);
  assert.deepEqual(sampleValues(text, "fleuve_sink_end_to_end_latency_seconds_sum", {}), [8]);
  const at = { operator_id: second!.operatorId, subtask: String(second!.subtaskIndex) };
  assert.deepEqual(sampleValues(text, "fleuve_operator_keyed_state_size_bytes", at), [4096]);
  // a --group process's figures: its counters are counters (never down while it lives), the rest gauges
  for (const [name, type, value] of [
    ["fleuve_process_rebalances_total", "counter", 3],
    ["fleuve_process_unit_starts_total", "counter", 5],
    ["fleuve_process_unit_stops_total", "counter", 3],
    ["fleuve_process_units_owned", "gauge", 2],
    ["fleuve_process_job_units", "gauge", 4],
  ] as const) {
    assert.deepEqual(sampleValues(text, name, {}), [value], name);
    assert.ok(text.includes(`# TYPE ${name} ${type}\n`), `${name} is a ${type}`);
  }
  assert.deepEqual(sampleValues(text, "fleuve_events_total", { ...at, log: "alerts" }), [3]);
  assert.ok(text.includes("# TYPE fleuve_events_total counter"));
  const flink = formatPrometheus({ snapshot, jobName: "j" }, "flink");
  assert.deepEqual(sampleValues(flink, "flink_taskmanager_job_task_operator_pendingRecords", {}), [17]);
  assert.deepEqual(
    sampleValues(flink, "flink_taskmanager_job_task_operator_split_currentWatermark", { split: "orders-0" }),
    [1_700_000_001_500],
  );
  assert.deepEqual(
    sampleValues(flink, "flink_taskmanager_job_task_operator_endToEndLatency", { quantile: "0.99" }),
    [2500],
  );
});

test("promtool does flag what the native mode avoids (the check can fail)", () => {
  const bad = "# HELP records_in Records.\n# TYPE records_in counter\nrecords_in 3\n";
  const lint = promtoolCheck(bad);
  assert.match(lint.output, /counter metrics should have "_total" suffix/);
});

test("the Flink mode uses Flink's PrometheusReporter names and labels", async () => {
  const n = 2000;
  const snapshot = await runSampleJob(n);
  const text = formatPrometheus({ snapshot, jobName: "sample-job", host: "h1" }, "flink");
  const op = "flink_taskmanager_job_task_operator_";
  assert.equal(sum(sampleValues(text, `${op}numRecordsOut`, { operator_name: "Generator" })), n);
  assert.equal(sum(sampleValues(text, `${op}numRecordsIn`, { operator_name: 'Tag \\"quoted\\"' })), n);
  assert.equal(sum(sampleValues(text, `${op}taggedEvents`, { job_name: "sample-job" })), n);
  assert.deepEqual(sampleValues(text, `${op}answerOfLife`, {}), [42, 42]);
  for (const line of text.split("\n").filter((l) => l.startsWith(`${op}numRecordsIn{`))) {
    for (const label of [
      "host",
      "tm_id",
      "job_id",
      "job_name",
      "task_id",
      "task_name",
      "task_attempt_id",
      "task_attempt_num",
      "subtask_index",
      "operator_id",
      "operator_name",
    ])
      assert.ok(line.includes(`${label}="`), `${label} in ${line}`);
  }
  // every Flink counter is a Prometheus gauge, as Flink exports it
  assert.match(text, new RegExp(`# TYPE ${op}numRecordsIn gauge`));
  assert.match(text, /# TYPE flink_jobmanager_job_uptime gauge/);
  assert.equal(sampleValues(text, "flink_jobmanager_job_numRestarts", { job_name: "sample-job" })[0], 0);
  assert.deepEqual(sampleValues(text, `${op}currentInputWatermark`, { operator_name: "Latest per second" }), [
    2 ** 63,
    2 ** 63,
  ]);
  for (const name of ["busyTimeMsPerSecond", "idleTimeMsPerSecond", "backPressuredTimeMsPerSecond"])
    assert.equal(
      sampleValues(text, `flink_taskmanager_job_task_${name}`, { task_name: "Latest per second" }).length,
      2,
    );
});

/** An operator with a gauge and a counter of its own (as the CEP operator keeps partial matches and drops). */
class OddCounter extends OneInputOperator<Ev, Ev> {
  processElement(e: Ev, timestamp: number): void {
    if (e.k % 2 === 1) this.runtime.metrics.counter("odd.seenEvents").inc();
    this.runtime.metrics.gauge("odd.lastKey").set(e.k);
    this.output.collect(e, timestamp);
  }
}

test("an operator's own counters are counters ending in _total (native) and gauges (Flink mode)", async () => {
  const n = 700; // keys 0..6 in turn: 300 odd ones
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  env
    .fromGenerator<Ev>((i) => ({ k: i % 7, ts: i }), { count: n })
    .transform("Odd counter", () => new OddCounter());
  const client = env.executeAsync("own-counter");
  await client.result;
  const snapshot = client.snapshot();
  const native = formatPrometheus({ snapshot, jobName: "own-counter" }, "native");
  const lint = promtoolCheck(native);
  assert.equal(lint.output, "", `promtool found problems:\n${lint.output}`);
  assert.match(native, /# TYPE fleuve_operator_odd_seen_events_total counter/);
  assert.deepEqual(
    sampleValues(native, "fleuve_operator_odd_seen_events_total", { operator: "Odd counter" }),
    [300],
  );
  assert.deepEqual(sampleValues(native, "fleuve_operator_odd_last_key", { operator: "Odd counter" }), [6]);
  const flink = formatPrometheus({ snapshot, jobName: "own-counter" }, "flink");
  const op = "flink_taskmanager_job_task_operator_";
  assert.match(flink, new RegExp(`# TYPE ${op}odd_seenEvents gauge`));
  assert.deepEqual(sampleValues(flink, `${op}odd_seenEvents`, { operator_name: "Odd counter" }), [300]);
});

test("snake case of camel case and dotted names", () => {
  assert.equal(snakeCase("cep.partialMatches"), "cep_partial_matches");
  assert.equal(snakeCase("numKeyedStateEntries"), "num_keyed_state_entries");
  assert.equal(snakeCase("a--b"), "a_b");
});
