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

test("an operator's own counter is created at 0, is the same object for the same name, and is in the snapshot", () => {
  const m = new OperatorMetrics("Cep", "cep-1", 0);
  const c = m.counter("cep.droppedPartialMatches");
  assert.equal(c.count, 0);
  c.inc();
  c.inc(2);
  assert.equal(m.counter("cep.droppedPartialMatches").count, 3);
  assert.notEqual(m.counter("other"), c);
  assert.deepEqual(m.snapshot().counters, { "cep.droppedPartialMatches": 3, other: 0 });
});

test("the summary sums an operator's own gauges and counters over its subtasks, and merging summaries adds them", async () => {
  const { MetricsRegistry } = await import("../../src/metrics/registry.js");
  const { mergeSummaries } = await import("../../src/runtime/thread-runner.js");
  const reg = new MetricsRegistry();
  const first = reg.operator("Cep", "cep-1", 0);
  first.gauge("cep.partialMatches").set(4);
  first.counter("cep.droppedPartialMatches").inc(5);
  const second = reg.operator("Cep", "cep-1", 1);
  second.gauge("cep.partialMatches").set(3);
  second.gauge("cep.bufferedEvents").set(9);
  second.probe("numKeyedStateEntries", () => 100);
  reg.operator("Sink", "sink-1", 0);
  const s = reg.summary();
  assert.deepEqual(s["cep-1"]!.gauges, { "cep.partialMatches": 7, "cep.bufferedEvents": 9 });
  assert.deepEqual(s["cep-1"]!.counters, { "cep.droppedPartialMatches": 5 });
  assert.deepEqual(s["sink-1"]!.gauges, {});
  // Another thread's summary of the same operator (worker threads): the figures add up.
  const other = new MetricsRegistry();
  other.operator("Cep", "cep-1", 2).counter("cep.droppedPartialMatches").inc(1);
  other.operator("Cep", "cep-1", 2).gauge("cep.partialMatches").set(1);
  const merged = mergeSummaries([s, other.summary()]);
  assert.deepEqual(merged["cep-1"]!.gauges, { "cep.partialMatches": 8, "cep.bufferedEvents": 9 });
  assert.deepEqual(merged["cep-1"]!.counters, { "cep.droppedPartialMatches": 6 });
  assert.deepEqual(
    s["cep-1"]!.counters,
    { "cep.droppedPartialMatches": 5 },
    "merging leaves its inputs alone",
  );
});

test("an event log keeps the newest events numbered from 1, its snapshot is a copy, and its name is claimed", async () => {
  const { EVENT_LOG_CAPACITY } = await import("../../src/metrics/registry.js");
  const m = new OperatorMetrics("Alerts", "alerts-1", 0);
  assert.equal(m.snapshot().user.events, undefined, "no events field without an event log");
  const log = m.user.events("alerts");
  assert.equal(m.user.events("alerts"), log, "the same log for the same name");
  const n = EVENT_LOG_CAPACITY + 7;
  for (let i = 1; i <= n; i++) log.add({ i });
  const snap = m.snapshot().user.events!.alerts!;
  assert.equal(snap.total, n);
  assert.deepEqual(
    snap.recent.map((e) => [e.seq, e.data.i]),
    Array.from({ length: EVENT_LOG_CAPACITY }, (_, k) => [k + 8, k + 8]),
  );
  log.add({ i: n + 1 });
  assert.equal(snap.recent.length, EVENT_LOG_CAPACITY, "a snapshot taken before does not change");
  assert.throws(() => m.user.counter("alerts"), /already a log of events, it cannot also be a counter/);
  assert.throws(() => m.user.events("bad name"), /metric name 'bad name' is not valid/);
});
