/**
 * A running CEP job's gauges and counter (partial matches, events held, partial matches dropped by
 * the per-key limit) in `JobClient.summary()` (summed over the operator's subtasks) and in the
 * Prometheus exposition of `@fleuve/metrics`, which reads the same snapshot. The expected figures
 * follow from the input and the limit's rule (the oldest partial matches beyond the limit are
 * dropped), not from a run: 10 cards each with 5 small payments, a limit of 2 per card.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type MetricsSummary, OutputTag, StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink, ScriptedSource, type ScriptStep } from "@fleuve/core/testing";
import { formatPrometheus } from "@fleuve/metrics";
import { CEP } from "../../src/cep.js";
import { CEP_COUNTERS, CEP_GAUGES } from "../../src/operator/cep-operator.js";
import { Pattern } from "../../src/pattern.js";
import type { DroppedMatch } from "../../src/pattern-process-function.js";

interface Payment {
  card: string;
  amount: number;
}
const HOUR = 3_600_000;
const CARDS = 10;
const SMALL_PER_CARD = 5;
const LIMIT = 2;

const smallThenLarge = Pattern.for<Payment>()
  .begin("small")
  .where((p) => p.amount < 10)
  .followedBy("large")
  .where((p) => p.amount > 500)
  .within(HOUR);

/**
 * Per card: 5 small payments at 1..5 ms (each starts a partial match waiting for a large one: one
 * NFA run each), a watermark at 20 that releases them to the pattern, then one more payment at
 * 30 ms that waits for the next watermark.
 */
function script(): ScriptStep<Payment>[] {
  const steps: ScriptStep<Payment>[] = [];
  for (let t = 1; t <= SMALL_PER_CARD; t++)
    for (let c = 0; c < CARDS; c++) steps.push({ value: { card: `c${c}`, amount: 1 }, timestamp: t });
  steps.push({ watermark: 20 });
  for (let c = 0; c < CARDS; c++) steps.push({ value: { card: `c${c}`, amount: 50 }, timestamp: 30 });
  return steps;
}

/** The sum of the samples of `name` (any labels) in a Prometheus exposition. */
function sampleSum(text: string, name: string): number {
  let sum = 0;
  let found = false;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    found = true;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  assert.ok(found, `${name} is in the exposition`);
  return sum;
}

function cepOf(summary: MetricsSummary) {
  const op = Object.values(summary).find((o) => o.name === "Fraud CEP");
  assert.ok(op, "the CEP operator is in the summary");
  return op;
}

test("CEP gauges and the dropped-partial-match counter in JobClient.summary() and in Prometheus", {
  timeout: 300_000,
}, async () => {
  let release!: () => void;
  const source = new ScriptedSource<Payment>(script(), {
    holdUntil: new Promise<void>((r) => (release = r)),
  });
  const env = StreamExecutionEnvironment.create({ parallelism: 2, log: () => {} });
  const dropped = new OutputTag<DroppedMatch<{ small: Payment[] }>>("dropped");
  const byCard = env
    .fromSource(source)
    .setParallelism(1)
    .keyBy((p) => p.card);
  const matches = CEP.pattern(byCard, smallThenLarge, { maxPartialMatches: LIMIT, dropped })
    .select((m) => m.small[0]!.card)
    .name("Fraud CEP");
  const droppedSink = new CollectSink<DroppedMatch<{ small: Payment[] }>>();
  matches.getSideOutput(dropped).sinkTo(droppedSink);
  const client = env.executeAsync("cep-metrics");

  // Wait (no timing) until the CEP operator has every record and the watermark 20 on both subtasks.
  const deadline = Date.now() + 240_000;
  for (;;) {
    const ops = client.snapshot().operators.filter((o) => o.operatorName === "Fraud CEP");
    const recordsIn = ops.reduce((n, o) => n + o.recordsIn, 0);
    if (
      ops.length === 2 &&
      recordsIn === CARDS * (SMALL_PER_CARD + 1) &&
      ops.every((o) => o.currentInputWatermark >= 20)
    )
      break;
    if (Date.now() > deadline)
      throw new Error(`the CEP operator did not get its input (${recordsIn} records)`);
    await new Promise((r) => setTimeout(r, 20));
  }

  const kept = CARDS * LIMIT; // the 2 newest small payments per card wait for a large one
  const droppedCount = CARDS * (SMALL_PER_CARD - LIMIT);
  const held = CARDS * LIMIT + CARDS; // events of the kept partial matches, and the one waiting at 30 ms
  const live = cepOf(client.summary());
  assert.equal(live.gauges[CEP_GAUGES.partialMatches], kept);
  assert.equal(live.gauges[CEP_GAUGES.bufferedEvents], held);
  assert.equal(live.counters[CEP_COUNTERS.droppedPartialMatches], droppedCount);

  const native = formatPrometheus({ snapshot: client.snapshot(), jobName: "cep-metrics" }, "native");
  assert.match(native, /# TYPE fleuve_operator_cep_partial_matches gauge/);
  assert.match(native, /# TYPE fleuve_operator_cep_dropped_partial_matches_total counter/);
  assert.equal(sampleSum(native, "fleuve_operator_cep_partial_matches"), kept);
  assert.equal(sampleSum(native, "fleuve_operator_cep_buffered_events"), held);
  assert.equal(sampleSum(native, "fleuve_operator_cep_dropped_partial_matches_total"), droppedCount);
  const flink = formatPrometheus({ snapshot: client.snapshot(), jobName: "cep-metrics" }, "flink");
  const op = "flink_taskmanager_job_task_operator_";
  assert.equal(sampleSum(flink, `${op}cep_partialMatches`), kept);
  assert.equal(sampleSum(flink, `${op}cep_bufferedEvents`), held);
  assert.equal(sampleSum(flink, `${op}cep_droppedPartialMatches`), droppedCount);

  // The end of input times the kept partial matches out: nothing is held, the count of drops stays.
  release();
  const result = await client.result;
  const end = cepOf(result.metrics);
  assert.equal(end.gauges[CEP_GAUGES.partialMatches], 0);
  assert.equal(end.gauges[CEP_GAUGES.bufferedEvents], 0);
  assert.equal(end.counters[CEP_COUNTERS.droppedPartialMatches], droppedCount);
  assert.equal(droppedSink.values().length, droppedCount, "each counted drop went to the side output");
});
