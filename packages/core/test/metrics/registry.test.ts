// An operator's own gauges (OperatorMetrics.gauge): created at 0 on first use, the same gauge for
// the same name, listed by name.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OperatorMetrics } from "../../src/metrics/registry.js";

test("an operator's own gauge is created at 0, is the same object for the same name, and is listed", () => {
  const m = new OperatorMetrics("Cep", "cep-1", 0);
  const g = m.gauge("cep.partialMatches");
  assert.equal(g.value, 0);
  g.set(7);
  assert.equal(m.gauge("cep.partialMatches").value, 7);
  assert.notEqual(m.gauge("cep.bufferedEvents"), g);
  assert.deepEqual(
    [...m.gauges].map(([name, x]) => [name, x.value]),
    [
      ["cep.partialMatches", 7],
      ["cep.bufferedEvents", 0],
    ],
  );
});

test("the summary sums recordsRejected over an operator's subtasks, and merging summaries adds them", async () => {
  const { MetricsRegistry } = await import("../../src/metrics/registry.js");
  const { mergeSummaries } = await import("../../src/runtime/thread-runner.js");
  const reg = new MetricsRegistry();
  reg.operator("Map", "map-1", 0).recordsRejected.inc();
  const second = reg.operator("Map", "map-1", 1);
  second.recordsRejected.inc();
  second.recordsRejected.inc();
  reg.operator("Sink", "sink-1", 0);
  const s = reg.summary();
  assert.equal(s["map-1"]!.recordsRejected, 3);
  assert.equal(s["sink-1"]!.recordsRejected, 0);
  assert.equal(mergeSummaries([s, s])["map-1"]!.recordsRejected, 6);
});
