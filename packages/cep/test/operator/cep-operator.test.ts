/**
 * The CEP operator's own duties, with a recording matcher (test/operator/fake-matcher.ts) instead
 * of the NFA: event-time buffering and order (timestamps, then arrival or the comparator), late
 * events, deadlines that fire when time passes (event and processing time), the queue of
 * deadlines and the timers left for deadlines out of its order,
 * idle keys released, gauges, and checkpoint/restore (also at another parallelism) against a
 * reference on random inputs.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { OutputTag } from "@fleuve/core";
import { keyGroupOf, normalizeKey, type OperatorSnapshot, subtaskForKeyGroup } from "@fleuve/core/spi";
import { KeyedOneInputOperatorHarness } from "@fleuve/core/testing";
import fc from "fast-check";
import {
  CEP_COUNTERS,
  CEP_GAUGES,
  CepOperator,
  type CepOperatorOptions,
} from "../../src/operator/cep-operator.js";
import type {
  DroppedMatch,
  PatternProcessFunction,
  TimedOutMatch,
} from "../../src/pattern-process-function.js";
import { type Ev, FakeMatcher, fakeReference } from "./fake-matcher.js";

const timedOutTag = new OutputTag<TimedOutMatch<{ a: Ev[] }>>("timed-out");
const droppedTag = new OutputTag<DroppedMatch<{ a: Ev[] }>>("dropped");
const lateTag = new OutputTag<Ev>("late");

/** Emits "a-b" per match. */
const pairs: PatternProcessFunction<{ a: Ev[]; b: Ev[] }, string> = {
  processMatch(m, _ctx, out) {
    out.collect(`${m.a[0]!.id}-${m.b[0]!.id}`);
  },
};

function harness(
  matcher: FakeMatcher,
  options: CepOperatorOptions<Ev> = {},
  extra: { parallelism?: number; subtaskIndex?: number; restoreFrom?: OperatorSnapshot[] } = {},
) {
  return new KeyedOneInputOperatorHarness(
    new CepOperator<Ev, string>(matcher, pairs, { timedOut: timedOutTag, dropped: droppedTag, ...options }),
    (e: Ev) => e.key,
    extra,
  );
}

const ev = (kind: Ev["kind"], id: string, key = "k"): Ev => ({ kind, key, id });

test("event time: events wait for the watermark, then go in timestamp order, time advancing to each timestamp first", () => {
  const m = new FakeMatcher(10);
  const h = harness(m);
  h.processElement(ev("a", "a1"), 1);
  assert.deepEqual(m.log, [], "nothing is processed before the watermark passes the event");
  h.processWatermark(1);
  h.processElement(ev("b", "b1"), 5);
  h.processElement(ev("a", "a2"), 3);
  h.processElement(ev("a", "a3"), 3);
  h.processWatermark(6);
  assert.deepEqual(m.log, [
    ["process", "a1", 1],
    ["advance", 1],
    ["advance", 3],
    ["process", "a2", 3],
    ["process", "a3", 3],
    ["advance", 5],
    ["process", "b1", 5],
  ]);
  assert.deepEqual(h.getOutput(), [
    { value: "a1-b1", timestamp: 5 },
    { value: "a2-b1", timestamp: 5 },
    { value: "a3-b1", timestamp: 5 },
  ]);
  // Everything matched: the key holds nothing, not even a timer.
  assert.equal(h.numKeyedStateEntries(), 0);
  assert.equal(h.numEventTimeTimers(), 0);
});

test("event time: a comparator orders events with equal timestamps; ties under it keep arrival order", () => {
  const m = new FakeMatcher(10);
  // b before a; a's compare equal among themselves, so they keep their arrival order.
  const h = harness(m, { comparator: (x, y) => (x.kind === y.kind ? 0 : x.kind === "b" ? -1 : 1) });
  h.processElement(ev("a", "a1"), 3);
  h.processElement(ev("a", "a2"), 3);
  h.processElement(ev("b", "b1"), 3);
  h.processElement(ev("a", "a3"), 3);
  h.processElement(ev("a", "a4"), 2);
  h.processWatermark(3);
  const processed = m.log.filter((c) => c[0] === "process").map((c) => c[1]);
  assert.deepEqual(processed, ["a4", "b1", "a1", "a2", "a3"]);
  assert.deepEqual(h.getOutputValues(), ["a4-b1"]);
});

test("event time: late events (timestamp <= watermark) go to the late side output, or are counted as dropped", () => {
  const m = new FakeMatcher(10);
  const h = harness(m, { lateOutput: lateTag });
  h.processWatermark(6);
  h.processElement(ev("a", "late1"), 6);
  h.processElement(ev("a", "late2"), 2);
  h.processElement(ev("a", "ontime"), 7);
  h.processWatermark(7);
  assert.deepEqual(
    h.getSideOutput(lateTag).map((r) => [r.value.id, r.timestamp]),
    [
      ["late1", 6],
      ["late2", 2],
    ],
  );
  assert.deepEqual(m.log[0], ["process", "ontime", 7]);

  const h2 = harness(new FakeMatcher(10));
  h2.processWatermark(6);
  h2.processElement(ev("a", "late"), 5);
  assert.equal(h2.metrics.numLateRecordsDropped.count, 1);
});

test("event time: a time-out fires when the watermark passes its deadline, without a later event, stamped with its deadline", () => {
  const m = new FakeMatcher(10);
  const h = harness(m);
  h.processElement(ev("a", "a1"), 1);
  h.processElement(ev("a", "a2"), 4);
  h.processWatermark(4);
  assert.equal(h.numEventTimeTimers(), 0, "a deadline in order waits in the queue of deadlines: no timer");
  h.processWatermark(100);
  assert.deepEqual(
    h.getSideOutput(timedOutTag).map((r) => [r.value.match.a![0]!.id, r.value.timeoutTimestamp, r.timestamp]),
    [
      ["a1", 11, 11],
      ["a2", 14, 14],
    ],
  );
  assert.equal(h.numKeyedStateEntries(), 0);
  assert.equal(h.numEventTimeTimers(), 0);
});

test("event time: a key with waiting events is woken by the watermark queue, a timer only for its deadlines and out-of-order events", () => {
  const m = new FakeMatcher(10);
  const h = harness(m);
  h.processElement(ev("a", "a1"), 1);
  for (let t = 2; t < 50; t++) h.processElement(ev("x", `x${t}`), t);
  assert.equal(h.numEventTimeTimers(), 0, "waiting events need no timer");
  assert.equal(
    h.numKeyedStateEntries(),
    0,
    "a key with no partial match: its events wait in the queue alone",
  );
  h.processWatermark(5); // a1 is in the matcher (deadline 11); x6.. wait in the queue
  // The key's entry (made when a1 started a partial match) does not hold x6..: they waited in the
  // queue before it existed. a1's deadline waits in the queue of deadlines.
  assert.equal(h.numEventTimeTimers(), 0);
  assert.equal(h.numKeyedStateEntries(), 1);
  h.processWatermark(11);
  assert.equal(h.getSideOutput(timedOutTag).length, 1);
  assert.equal(h.numEventTimeTimers(), 0, "x12.. wait in the queue");
  assert.equal(h.numKeyedStateEntries(), 0, "no partial match left: no entry");
  h.processWatermark(60);
  assert.equal(h.numEventTimeTimers(), 0);
  assert.equal(h.numKeyedStateEntries(), 0);
  assert.equal(m.log.filter((c) => c[0] === "process").length, 49, "every event once");

  // An event older than the queue's last one (out of order, another key) is woken by a timer.
  h.processElement(ev("a", "late-key-q", "q"), 80);
  h.processElement(ev("a", "early-key-p", "p"), 70);
  assert.equal(h.numEventTimeTimers(), 1);
  h.processWatermark(75);
  assert.deepEqual(m.log.slice(-2), [
    ["process", "early-key-p", 70],
    ["advance", 75],
  ]);
  h.processWatermark(200);
  // Results of several keys at one watermark come in no set order (as in Flink): sorted by time.
  assert.deepEqual(
    h
      .getSideOutput(timedOutTag)
      .map((r) => [r.value.match.a![0]!.id, r.timestamp] as [string, number])
      .sort((x, y) => x[1] - y[1]),
    [
      ["a1", 11],
      ["early-key-p", 80],
      ["late-key-q", 90],
    ],
  );
  assert.equal(h.numEventTimeTimers(), 0);
  assert.equal(h.numKeyedStateEntries(), 0);
});

test("event time: events that waited in the queue before their key had an entry keep timestamp and arrival order with the entry's own, and a deadline timer does not overtake them", () => {
  const m = new FakeMatcher(10);
  const h = harness(m);
  // No entry: a1, b1, b2 wait in the queue. The watermark at 2 starts a1's partial match (an entry).
  h.processElement(ev("a", "a1"), 1);
  h.processElement(ev("b", "b1"), 5);
  h.processElement(ev("b", "b2"), 12);
  h.processWatermark(2);
  assert.equal(h.numKeyedStateEntries(), 1);
  // Arrives after b1 with the same timestamp, into the entry: processed after b1, so b1 does not
  // match it (arrival order among equal timestamps).
  h.processElement(ev("a", "a2"), 5);
  h.processWatermark(6);
  assert.deepEqual(h.getOutputValues(), ["a1-b1"]);
  assert.deepEqual(
    m.log.filter((c) => c[0] === "process").map((c) => c[1]),
    ["a1", "b1", "a2"],
  );
  // a2's deadline (15) fires at the watermark 20, but b2 (12), which waited in the queue, comes
  // first: it matches a2 rather than a2 timing out.
  h.processWatermark(20);
  assert.deepEqual(h.getOutputValues(), ["a1-b1", "a2-b2"]);
  assert.deepEqual(h.getSideOutput(timedOutTag), []);
  assert.equal(h.numKeyedStateEntries(), 0);
  assert.equal(h.numEventTimeTimers(), 0);

  // The same events through the reference (timestamp order, arrival order among equals).
  const ref = fakeReference(
    [
      { ev: ev("a", "a1"), ts: 1 },
      { ev: ev("b", "b1"), ts: 5 },
      { ev: ev("a", "a2"), ts: 5 },
      { ev: ev("b", "b2"), ts: 12 },
    ],
    10,
    20,
  );
  assert.deepEqual(ref.matches, ["a1-b1@5", "a2-b2@12"]);
  assert.deepEqual(ref.timedOut, []);
});

test("event time: a checkpoint puts the events waiting in the queue into their keys' entries; the restored run gives the same results", () => {
  const run = (snapshotAt: boolean) => {
    const m = new FakeMatcher(10);
    let h = harness(m);
    h.processElement(ev("a", "a1"), 1);
    h.processElement(ev("b", "b1", "other"), 3);
    h.processElement(ev("b", "b1"), 5);
    h.processWatermark(2); // a1's entry; b1 (both keys) still wait in the queue
    h.processElement(ev("a", "a2"), 5);
    h.processElement(ev("a", "a3", "other"), 4);
    if (snapshotAt) {
      const snap = h.snapshot();
      // Every waiting event is in keyed state now: one entry per key.
      assert.equal(h.numKeyedStateEntries(), 2);
      h = harness(new FakeMatcher(10), {}, { restoreFrom: [snap] });
    }
    h.processElement(ev("b", "b2"), 13);
    h.processWatermark(30);
    return { out: h.getOutputValues(), timedOut: h.getSideOutput(timedOutTag).map((r) => r.timestamp) };
  };
  const uninterrupted = run(false);
  assert.deepEqual(uninterrupted.out, ["a1-b1", "a2-b2"]);
  assert.deepEqual(uninterrupted.timedOut, [14]); // a3 of the other key (4 + 10)
  assert.deepEqual(run(true), uninterrupted);
});

test("event time: an event arriving in order after a checkpoint, with the timestamp of one the checkpoint put into its key's entry, comes after it", () => {
  for (const restore of [false, true]) {
    const m = new FakeMatcher(10);
    let h = harness(m);
    h.processElement(ev("a", "a1"), 5); // waits in the queue (no entry)
    const snap = h.snapshot(); // a1 goes into the key's entry
    if (restore) h = harness(new FakeMatcher(10), {}, { restoreFrom: [snap] });
    // In timestamp order (the queue is empty or ends at 5), yet after a1: a1 must see it.
    h.processElement(ev("b", "b1"), 5);
    h.processElement(ev("b", "b2", "other"), 6);
    h.processWatermark(30);
    assert.deepEqual(h.getOutputValues(), ["a1-b1"], restore ? "restored" : "after a checkpoint");
    assert.equal(h.numKeyedStateEntries(), 0);
  }
});

test("event time: a key woken by the queue for its entry's events is not taken to the watermark before its later events that wait in the queue", () => {
  const m = new FakeMatcher(200);
  const snap = (() => {
    const h = harness(m);
    h.processElement(ev("a", "a1"), 60);
    return h.snapshot(); // a1 into the key's entry
  })();
  const h = harness(new FakeMatcher(200), {}, { restoreFrom: [snap] });
  h.processElement(ev("a", "a2"), 59); // into the entry (its latest event is 60), queued at 59
  h.processElement(ev("b", "b1"), 180); // in order: waits in the queue behind the entry's item
  h.processWatermark(1000);
  assert.deepEqual(h.getOutputValues(), ["a2-b1", "a1-b1"]);
  assert.deepEqual(h.getSideOutput(timedOutTag), []);
});

test("event time: events in order wait in the queue even when their key has an entry; out-of-order ones of equal timestamp stay after them", () => {
  const m = new FakeMatcher(10);
  const h = harness(m);
  h.processElement(ev("a", "a1"), 1);
  h.processWatermark(1); // a1 starts a partial match: the key has an entry
  assert.equal(h.numKeyedStateEntries(), 1);
  h.processElement(ev("a", "a2"), 4); // in order: waits in the queue, not in the entry
  h.processElement(ev("x", "x1", "other"), 6);
  h.processElement(ev("b", "b1"), 4); // out of order (the queue ends at 6): into the entry, after a2
  h.processElement(ev("b", "b0"), 3); // out of order, earlier: before a2
  h.processWatermark(8);
  assert.deepEqual(
    m.log.filter((c) => c[0] === "process" && c[1] !== "x1").map((c) => c[1]),
    ["a1", "b0", "a2", "b1"],
  );
  assert.deepEqual(h.getOutputValues(), ["a1-b0", "a2-b1"]);
});

test("event time: deadlines wait in the queue of deadlines, earlier ones too, with no timer; a timer wakes only an event out of order, and a released key deletes its own", () => {
  const m = new FakeMatcher(10);
  const h = harness(m);
  h.processElement(ev("a", "a1"), 1);
  h.processWatermark(1); // k's deadline 11: the queue of deadlines, no timer
  assert.equal(h.numEventTimeTimers(), 0);
  h.processElement(ev("a", "a2"), 3);
  h.processWatermark(3); // a2 in the matcher (deadline 13): 11 already wakes the key
  h.processElement(ev("a", "a3", "p"), 5);
  h.processWatermark(5); // p's deadline 15, after 11 in the queue
  h.processWatermark(11); // a1 times out; k needs 13, earlier than 15: still the queue
  assert.equal(h.numEventTimeTimers(), 0);
  h.processElement(ev("x", "x1", "q"), 12.75);
  h.processElement(ev("b", "b1"), 12.5); // earlier than the queue's last event (12.75): a timer
  assert.equal(h.numEventTimeTimers(), 1);
  h.processElement(ev("b", "b2"), 12.6); // the timer at 12.5 already wakes k: no new one
  assert.equal(h.numEventTimeTimers(), 1);
  h.processWatermark(12.5); // a2 matches b1: k is empty and released with its timers
  assert.deepEqual(h.getOutputValues(), ["a2-b1"]);
  assert.equal(h.numEventTimeTimers(), 1, "k still holds b2: its timer stays");
  h.processWatermark(12.6);
  assert.equal(h.numEventTimeTimers(), 0);
  assert.equal(h.numKeyedStateEntries(), 1, "p's partial match");
  h.processWatermark(20);
  assert.deepEqual(
    h.getSideOutput(timedOutTag).map((r) => [r.value.match.a![0]!.id, r.timestamp]),
    [
      ["a1", 11],
      ["a3", 15],
    ],
  );
  assert.equal(h.numKeyedStateEntries(), 0);
  assert.equal(h.numEventTimeTimers(), 0);
});

test("event time: the queue of deadlines follows the live partial matches, not events times the within, when keys are released long before their deadline", () => {
  const m = new FakeMatcher(1_000_000); // a long within: deadlines far ahead
  const h = harness(m);
  let maxQueued = 0;
  for (let t = 1; t <= 30_000; t++) {
    const key = `k${t % 50}`;
    h.processElement(ev("a", `a${t}`, key), 2 * t);
    h.processWatermark(2 * t); // a partial match: its deadline is queued
    h.processElement(ev("b", `b${t}`, key), 2 * t + 1); // ends it: the key is released
    h.processWatermark(2 * t + 1);
    // White-box: the runner's queue (no public size); 50 keys hold at most 50 live deadlines.
    const queued = (h.operator as unknown as { runner: { deadlines: { size: number } } }).runner.deadlines
      .size;
    maxQueued = Math.max(maxQueued, queued);
  }
  assert.equal(h.getOutputValues().length, 30_000);
  assert.ok(maxQueued <= 2 * 50 + 4096 + 1, `queue held ${maxQueued} items`);
  assert.equal(h.numKeyedStateEntries(), 0);
});

test("event time: the queued deadline of a key released since does not wake the key its entry went to", () => {
  const m = new FakeMatcher(10);
  const h = harness(m);
  h.processElement(ev("a", "a1", "p"), 1);
  h.processWatermark(1); // p's deadline 11 in the queue of deadlines
  h.processElement(ev("b", "b1", "p"), 2);
  h.processWatermark(2); // a1-b1: p's entry is released, its queued deadline left behind
  h.processElement(ev("a", "a2", "q"), 5);
  h.processWatermark(5); // q's partial match, in the entry p released (reused); deadline 15
  const before = m.log.length;
  h.processWatermark(12); // p's old item is reached: nothing of q's is due
  assert.deepEqual(m.log.slice(before), [], "q is not woken by p's old deadline");
  h.processWatermark(20);
  assert.deepEqual(h.getOutputValues(), ["a1-b1"]);
  assert.deepEqual(
    h.getSideOutput(timedOutTag).map((r) => [r.value.match.a![0]!.id, r.timestamp]),
    [["a2", 15]],
  );
  assert.equal(h.numKeyedStateEntries(), 0);
  assert.equal(h.numEventTimeTimers(), 0);
});

test("event time: a checkpoint turns the queued deadlines into timers; the restored run times out at the same deadlines", () => {
  const run = (snapshot: boolean) => {
    let h = harness(new FakeMatcher(10));
    h.processElement(ev("a", "a1", "p"), 1);
    h.processElement(ev("a", "a2", "q"), 2);
    h.processElement(ev("a", "a3", "r"), 3);
    h.processWatermark(3);
    h.processElement(ev("b", "b1", "q"), 4); // q's deadline item is left behind
    h.processWatermark(4);
    const before = h.getOutputValues();
    if (snapshot) {
      assert.equal(h.numEventTimeTimers(), 0);
      const snap = h.snapshot();
      assert.equal(h.numEventTimeTimers(), 2, "p's and r's deadlines, not q's");
      h = harness(new FakeMatcher(10), {}, { restoreFrom: [snap] });
    }
    h.processWatermark(30);
    return {
      out: snapshot ? [...before, ...h.getOutputValues()] : h.getOutputValues(),
      timedOut: h.getSideOutput(timedOutTag).map((r) => [r.value.match.a![0]!.id, r.timestamp]),
      entries: h.numKeyedStateEntries(),
    };
  };
  const uninterrupted = run(false);
  assert.deepEqual(uninterrupted, {
    out: ["a2-b1"],
    timedOut: [
      ["a1", 11],
      ["a3", 13],
    ],
    entries: 0,
  });
  assert.deepEqual(run(true), uninterrupted);
});

test("processing time with a comparator (as Flink CEP): events held until the next millisecond, those of one millisecond in the comparator's order", () => {
  const m = new FakeMatcher(10);
  // b before a within one millisecond; ties (same kind) keep arrival order.
  const h = harness(m, {
    timeDomain: "processing",
    comparator: (x, y) => (x.kind === y.kind ? 0 : x.kind === "b" ? -1 : 1),
  });
  h.setProcessingTime(100);
  h.processElement(ev("a", "a1"));
  h.processElement(ev("b", "b1"));
  h.processElement(ev("a", "a2"));
  h.processElement(ev("b", "b2"));
  assert.deepEqual(m.log, [], "held until the next millisecond");
  assert.equal(h.numProcessingTimeTimers(), 1);
  h.setProcessingTime(101);
  h.processElement(ev("b", "b3")); // stamped 101: waits for 102
  assert.deepEqual(m.log, [
    ["process", "b1", 100],
    ["process", "b2", 100],
    ["process", "a1", 100],
    ["process", "a2", 100],
    ["advance", 100],
    ["advance", 101],
  ]);
  h.setProcessingTime(102);
  assert.deepEqual(h.getOutputValues(), ["a1-b3", "a2-b3"]);
  h.setProcessingTime(200);
  assert.equal(h.numKeyedStateEntries(), 0);
  assert.equal(h.numProcessingTimeTimers(), 0);
});

test("processing time: events are processed on arrival; a time-out fires when the clock passes its deadline", () => {
  const m = new FakeMatcher(10);
  const h = harness(m, { timeDomain: "processing" });
  h.setProcessingTime(100);
  h.processElement(ev("a", "a1")); // no timestamp needed
  h.setProcessingTime(103);
  h.processElement(ev("a", "a2"), 5); // the event's own timestamp plays no part
  assert.deepEqual(m.log, [
    ["process", "a1", 100],
    ["advance", 103],
    ["process", "a2", 103],
  ]);
  assert.equal(h.numProcessingTimeTimers(), 1);
  h.setProcessingTime(110);
  assert.deepEqual(
    h.getSideOutput(timedOutTag).map((r) => [r.value.match.a![0]!.id, r.timestamp]),
    [["a1", 110]],
  );
  h.setProcessingTime(112);
  h.processElement(ev("b", "b1"));
  assert.deepEqual(h.getOutput(), [{ value: "a2-b1", timestamp: 112 }]);
  assert.equal(h.numKeyedStateEntries(), 0);
  assert.equal(h.numProcessingTimeTimers(), 0);
});

test("event time: a record without a timestamp is an error naming the fix", () => {
  const h = harness(new FakeMatcher(10));
  assert.throws(
    () => h.processElement(ev("a", "a1")),
    (e: Error & { code?: string }) =>
      e.code === "FLEUVE_CONFIG_INVALID" && /timestamps/.test(e.message) && /processing/.test(e.message),
  );
});

test("per-key limit: dropped partial matches go to their side output and are counted; gauges follow partial matches and held events", () => {
  const m = new FakeMatcher(1_000, 3);
  const h = harness(m);
  for (let t = 1; t <= 10; t++) h.processElement(ev("a", `a${t}`, t % 2 === 0 ? "even" : "odd"), t);
  assert.equal(h.metrics.gauge(CEP_GAUGES.bufferedEvents).value, 10);
  assert.equal(h.metrics.gauge(CEP_GAUGES.partialMatches).value, 0);
  h.processWatermark(10);
  assert.equal(h.metrics.gauge(CEP_GAUGES.partialMatches).value, 6);
  assert.deepEqual(
    h
      .getSideOutput(droppedTag)
      .map((r) => [r.value.match.a![0]!.id, r.timestamp])
      .sort(),
    [
      ["a1", 7],
      ["a2", 8],
      ["a3", 9],
      ["a4", 10],
    ],
  );
  assert.equal(h.metrics.counter(CEP_COUNTERS.droppedPartialMatches).count, 4);
  h.processElement(ev("b", "b", "odd"), 11);
  h.processWatermark(11);
  assert.equal(h.metrics.gauge(CEP_GAUGES.partialMatches).value, 3);
  assert.equal(h.getOutput().length, 3);
});

// --- checkpoint and restore, at the same and at another parallelism, against a reference ---

interface Step {
  kind: "event" | "wm" | "snap";
  ev?: Ev;
  ts?: number;
  wm?: number;
  parallelism?: number;
}

const MAX_PARALLELISM = 128;

/** Runs `steps` through harnesses that are snapshotted and rebuilt at each "snap" step. */
function runWithRestores(steps: readonly Step[], within: number, domain: "event") {
  let p = 1;
  let hs = [harness(new FakeMatcher(within), { timeDomain: domain, lateOutput: lateTag })];
  const out: string[] = [];
  const timedOut: string[] = [];
  const late: string[] = [];
  const drain = () => {
    for (const h of hs) {
      out.push(...h.getOutput().map((r) => `${r.value}@${r.timestamp}`));
      timedOut.push(...h.getSideOutput(timedOutTag).map((r) => `${r.value.match.a![0]!.id}@${r.timestamp}`));
      late.push(...h.getSideOutput(lateTag).map((r) => r.value.id));
      h.clearOutput();
    }
  };
  let wm = Number.NEGATIVE_INFINITY;
  for (const s of steps) {
    if (s.kind === "event") {
      const kg = keyGroupOf(normalizeKey(s.ev!.key), MAX_PARALLELISM);
      hs[subtaskForKeyGroup(kg, p, MAX_PARALLELISM)]!.processElement(s.ev!, s.ts);
    } else if (s.kind === "wm") {
      wm = s.wm!;
      for (const h of hs) h.processWatermark(wm);
    } else {
      const snaps = hs.map((h) => h.snapshot());
      drain();
      for (const h of hs) h.close();
      p = s.parallelism!;
      hs = Array.from({ length: p }, (_, i) =>
        harness(
          new FakeMatcher(within),
          { timeDomain: domain, lateOutput: lateTag },
          { parallelism: p, subtaskIndex: i, restoreFrom: snaps },
        ),
      );
      // A restored operator knows the watermark again from its input (as after a real restore).
      if (wm !== Number.NEGATIVE_INFINITY) for (const h of hs) h.processWatermark(wm);
    }
  }
  for (const h of hs) h.endInput();
  drain();
  return { out: out.sort(), timedOut: timedOut.sort(), late: late.sort() };
}

test("restore in the middle of partial matches, at the same or another parallelism, gives what an uninterrupted run gives (random inputs)", () => {
  const within = 20;
  const stepArb = fc.array(
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          kind: fc.constant("event" as const),
          k: fc.constantFrom("a", "b", "x"),
          key: fc.constantFrom("k1", "k2", "k3", "k4", "k5"),
          jitter: fc.integer({ min: -8, max: 8 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({ kind: fc.constant("wm" as const), lag: fc.integer({ min: 0, max: 10 }) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("snap" as const),
          parallelism: fc.integer({ min: 1, max: 4 }),
        }),
      },
    ),
    { maxLength: 80 },
  );
  fc.assert(
    fc.property(stepArb, (raw) => {
      // Time moves forward by ~3 ms per event, events jitter around it; watermarks trail it.
      let clock = 100;
      let n = 0;
      let wm = Number.NEGATIVE_INFINITY;
      const steps: Step[] = [];
      const accepted: { ev: Ev; ts: number; seq: number }[] = [];
      const expectedLate: string[] = [];
      for (const r of raw) {
        if (r.kind === "event") {
          clock += 3;
          const ts = clock + r.jitter;
          const e: Ev = { kind: r.k as Ev["kind"], key: r.key, id: `${r.k}${n++}` };
          steps.push({ kind: "event", ev: e, ts });
          if (ts <= wm) expectedLate.push(e.id);
          else accepted.push({ ev: e, ts, seq: n });
        } else if (r.kind === "wm") {
          const w = clock - r.lag;
          if (w > wm) {
            wm = w;
            steps.push({ kind: "wm", wm: w });
          }
        } else steps.push({ kind: "snap", parallelism: r.parallelism });
      }
      const sorted = accepted.slice().sort((x, y) => x.ts - y.ts || x.seq - y.seq);
      const ref = fakeReference(sorted, within, Number.POSITIVE_INFINITY);
      const got = runWithRestores(steps, within, "event");
      const uninterrupted = runWithRestores(
        steps.filter((s) => s.kind !== "snap"),
        within,
        "event",
      );
      assert.deepEqual(got, uninterrupted);
      assert.deepEqual(got.out, ref.matches.sort());
      assert.deepEqual(got.timedOut, ref.timedOut.sort());
      assert.deepEqual(got.late, expectedLate.sort());
    }),
    { numRuns: 150 },
  );
});

test("processing time: random arrivals and clock steps, with restores at other parallelisms, give the reference's matches and time-outs (at their deadlines)", () => {
  const within = 20;
  const stepArb = fc.array(
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant("event" as const),
          k: fc.constantFrom("a", "b", "x"),
          key: fc.constantFrom("k1", "k2", "k3", "k4"),
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({ kind: fc.constant("clock" as const), step: fc.integer({ min: 0, max: 15 }) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("snap" as const),
          parallelism: fc.integer({ min: 1, max: 3 }),
        }),
      },
    ),
    { maxLength: 80 },
  );
  fc.assert(
    fc.property(stepArb, (steps) => {
      let now = 0;
      let p = 1;
      const make = (
        extra: { parallelism?: number; subtaskIndex?: number; restoreFrom?: OperatorSnapshot[] } = {},
      ) =>
        new KeyedOneInputOperatorHarness(
          new CepOperator<Ev, string>(new FakeMatcher(within), pairs, {
            timeDomain: "processing",
            timedOut: timedOutTag,
          }),
          (e: Ev) => e.key,
          { processingTime: now, ...extra },
        );
      let hs = [make()];
      const out: string[] = [];
      const timedOut: string[] = [];
      const drain = () => {
        for (const h of hs) {
          out.push(...h.getOutput().map((r) => `${r.value}@${r.timestamp}`));
          timedOut.push(
            ...h.getSideOutput(timedOutTag).map((r) => `${r.value.match.a![0]!.id}@${r.timestamp}`),
          );
          h.clearOutput();
        }
      };
      const arrivals: { ev: Ev; ts: number }[] = [];
      let n = 0;
      for (const s of steps) {
        if (s.kind === "event") {
          const e: Ev = { kind: s.k as Ev["kind"], key: s.key, id: `${s.k}${n++}` };
          arrivals.push({ ev: e, ts: now });
          hs[
            subtaskForKeyGroup(keyGroupOf(normalizeKey(e.key), MAX_PARALLELISM), p, MAX_PARALLELISM)
          ]!.processElement(e);
        } else if (s.kind === "clock") {
          now += s.step;
          for (const h of hs) h.setProcessingTime(now);
        } else {
          const snaps = hs.map((h) => h.snapshot());
          drain();
          p = s.parallelism;
          hs = Array.from({ length: p }, (_, i) =>
            make({ parallelism: p, subtaskIndex: i, restoreFrom: snaps }),
          );
          for (const h of hs) h.open();
        }
      }
      // The end: time passes until every partial match has timed out.
      now += within + 1;
      for (const h of hs) h.setProcessingTime(now);
      drain();
      const ref = fakeReference(arrivals, within, now);
      assert.deepEqual(out.sort(), ref.matches.sort());
      assert.deepEqual(timedOut.sort(), ref.timedOut.sort());
      for (const h of hs) assert.equal(h.numKeyedStateEntries(), 0, "every key released at the end");
    }),
    { numRuns: 150 },
  );
});
