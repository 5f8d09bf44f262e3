/**
 * Absence in processing time in a running job: "an order with no payment within a second" fires from
 * the operator's processing-time timer while the source is still open and silent: no later event
 * and no end of input is needed. (The test waits for that output, it does not time it.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink, ScriptedSource } from "@fleuve/core/testing";
import { CEP } from "../../src/cep.js";
import { Pattern } from "../../src/pattern.js";

interface OrderEvent {
  order: string;
  kind: "placed" | "paid";
}

test("processing time: an absence fires from its timer while the input is open and silent", {
  timeout: 60_000,
}, async () => {
  const unpaid = Pattern.for<OrderEvent>()
    .begin("placed")
    .where((e) => e.kind === "placed")
    .notFollowedBy("paid")
    .where((e) => e.kind === "paid")
    .within(1_000);
  let release!: () => void;
  const source = new ScriptedSource<OrderEvent>(
    [
      { value: { order: "o1", kind: "placed" } },
      { value: { order: "o2", kind: "placed" } },
      { value: { order: "o2", kind: "paid" } },
    ],
    { holdUntil: new Promise<void>((r) => (release = r)) },
  );
  const env = StreamExecutionEnvironment.create({ parallelism: 2, log: () => {} });
  const sink = new CollectSink<string>();
  CEP.pattern(
    env
      .fromSource(source)
      .setParallelism(1)
      .keyBy((e) => e.order),
    unpaid,
    { timeDomain: "processing" },
  )
    .select((m) => `${m.placed[0]!.order} unpaid`)
    .sinkTo(sink);
  const client = env.executeAsync("unpaid-orders");
  for (let waited = 0; sink.values().length === 0; waited += 10) {
    if (waited > 30_000) throw new Error("no alert while the input stayed open");
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(source.finishedScripts, 1);
  assert.deepEqual(sink.values(), ["o1 unpaid"], "fired while the source was still open (not released)");
  release();
  await client.result;
  assert.deepEqual(sink.values(), ["o1 unpaid"]);
});
