/**
 * Patterns that change while the job runs, with the recording matcher of the operator tests: add,
 * replace (partial matches finish under their version, or are dropped), remove, stale updates
 * ignored, bad updates under the error policy, updates applied at their timestamps in event time
 * (checkpointed while they wait), and a restore (also at another parallelism) in the middle of
 * finishing partial matches.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { OutputTag } from "@fleuve/core";
import { keyGroupOf, normalizeKey, type OperatorSnapshot, subtaskForKeyGroup } from "@fleuve/core/spi";
import { KeyedTwoInputOperatorHarness } from "@fleuve/core/testing";
import { DynamicCepOperator, PATTERNS_GAUGE } from "../../src/dynamic/dynamic-cep-operator.js";
import type { PatternUpdate } from "../../src/dynamic/pattern-update.js";
import { CEP_COUNTERS } from "../../src/operator/cep-operator.js";
import type {
  DroppedMatch,
  PatternProcessFunction,
  TimedOutMatch,
} from "../../src/pattern-process-function.js";
import { type Ev, FakeMatcher } from "../operator/fake-matcher.js";

const timedOutTag = new OutputTag<TimedOutMatch<{ a: Ev[] }>>("timed-out");
const droppedTag = new OutputTag<DroppedMatch<{ a: Ev[] }>>("dropped");

/** "id vN: a-b" per match. */
const labelled: PatternProcessFunction<{ a: Ev[]; b: Ev[] }, string> = {
  processMatch(m, ctx, out) {
    out.collect(`${ctx.patternId} v${ctx.patternVersion}: ${m.a[0]!.id}-${m.b[0]!.id}`);
  },
};

const registry = { aThenB: (p: { within: number }) => p.within };

function harness(
  extra: { parallelism?: number; subtaskIndex?: number; restoreFrom?: OperatorSnapshot[] } = {},
) {
  const op = new DynamicCepOperator<Ev, string>(
    registry,
    (spec) => new FakeMatcher((spec.params as { within: number }).within),
    labelled,
    { timedOut: timedOutTag, dropped: droppedTag },
  );
  return new KeyedTwoInputOperatorHarness<Ev, PatternUpdate, string>(op, (e: Ev) => e.key, undefined, extra);
}

/** Both inputs' watermark: the operator's is the smaller of the two. */
function wm(h: ReturnType<typeof harness>, w: number): void {
  h.processWatermark1(w);
  h.processWatermark2(w);
}

const ev = (kind: Ev["kind"], id: string, key = "k"): Ev => ({ kind, key, id });
const rule = (id: string, version: number, within: number, onReplace?: "finish" | "drop"): PatternUpdate => ({
  id,
  version,
  pattern: { factory: "aThenB", params: { within } },
  ...(onReplace ? { onReplace } : {}),
});

test("a pattern added while the job runs applies to the events processed after it", () => {
  const h = harness();
  h.processElement1(ev("a", "a0"), 1);
  h.processElement1(ev("b", "b0"), 2);
  wm(h, 2); // no pattern yet: nothing, and nothing kept
  assert.equal(h.numKeyedStateEntries(), 0);
  h.processElement2(rule("r", 1, 100));
  assert.equal(h.metrics.gauge(PATTERNS_GAUGE).value, 1);
  h.processElement1(ev("a", "a1"), 3);
  h.processElement1(ev("b", "b1"), 4);
  wm(h, 4);
  assert.deepEqual(h.getOutputValues(), ["r v1: a1-b1"]);
});

test("replace with onReplace finish: the old version's partial matches complete under it, it starts none; the new version runs beside them", () => {
  const h = harness();
  h.processElement2(rule("r", 1, 100));
  h.processElement1(ev("a", "a1"), 1);
  wm(h, 1);
  h.processElement2(rule("r", 2, 100, "finish"));
  h.processElement1(ev("a", "a2"), 2);
  h.processElement1(ev("b", "b1"), 3);
  h.processElement1(ev("a", "a3"), 4);
  h.processElement1(ev("b", "b2"), 5);
  wm(h, 5);
  assert.deepEqual(h.getOutputValues(), ["r v1: a1-b1", "r v2: a2-b1", "r v2: a3-b2"]);
  assert.equal(h.numKeyedStateEntries(), 0, "the finished version left nothing behind");
});

test("replace with onReplace finish: an old partial match that times out is reported under its version", () => {
  const h = harness();
  h.processElement2(rule("r", 1, 10));
  h.processElement1(ev("a", "a1"), 1);
  wm(h, 1);
  h.processElement2(rule("r", 2, 1000, "finish"));
  wm(h, 50);
  assert.deepEqual(
    h
      .getSideOutput(timedOutTag)
      .map((r) => [r.value.patternId, r.value.patternVersion, r.value.timeoutTimestamp]),
    [["r", 1, 11]],
  );
});

test("replace with onReplace drop: the old version's partial matches are discarded at once", () => {
  const h = harness();
  h.processElement2(rule("r", 1, 100));
  h.processElement1(ev("a", "a1"), 1);
  wm(h, 1);
  h.processElement2(rule("r", 2, 100, "drop"));
  assert.equal(h.numKeyedStateEntries(), 0);
  h.processElement1(ev("b", "b1"), 3);
  wm(h, 3);
  assert.deepEqual(h.getOutputValues(), []);
  assert.deepEqual(h.getSideOutput(timedOutTag), []);
});

test("remove: finish lets partial matches complete, drop discards them; the pattern starts nothing after", () => {
  for (const onReplace of ["finish", "drop"] as const) {
    const h = harness();
    h.processElement2(rule("r", 1, 100));
    h.processElement1(ev("a", "a1"), 1);
    wm(h, 1);
    h.processElement2({ id: "r", version: 2, remove: true, onReplace });
    assert.equal(h.metrics.gauge(PATTERNS_GAUGE).value, 0);
    h.processElement1(ev("a", "a2"), 2);
    h.processElement1(ev("b", "b1"), 3);
    wm(h, 3);
    assert.deepEqual(h.getOutputValues(), onReplace === "finish" ? ["r v1: a1-b1"] : [], onReplace);
    assert.equal(h.numKeyedStateEntries(), 0);
  }
});

test("updates whose version is not above the current one are ignored (a replayed rules topic), also after a removal", () => {
  const h = harness();
  h.processElement2(rule("r", 5, 100));
  h.processElement2(rule("r", 3, 1)); // older
  h.processElement2(rule("r", 5, 1)); // same version again
  h.processElement1(ev("a", "a1"), 1);
  h.processElement1(ev("b", "b1"), 50);
  wm(h, 50);
  assert.deepEqual(h.getOutputValues(), ["r v5: a1-b1"], "within stayed 100");
  h.processElement2({ id: "r", version: 6, remove: true });
  h.processElement2(rule("r", 5, 100));
  assert.equal(h.metrics.gauge(PATTERNS_GAUGE).value, 0);
});

test("several patterns run side by side, each reported with its id", () => {
  const h = harness();
  h.processElement2(rule("short", 1, 5));
  h.processElement2(rule("long", 1, 100));
  h.processElement1(ev("a", "a1"), 1);
  h.processElement1(ev("b", "b1"), 20);
  wm(h, 20);
  assert.deepEqual(h.getOutputValues(), ["long v1: a1-b1"]);
  assert.deepEqual(
    h.getSideOutput(timedOutTag).map((r) => r.value.patternId),
    ["short"],
  );
});

test("a bad update is a bad record: the error names the field, and the job's error policy applies", () => {
  const h = harness();
  const bad: [unknown, RegExp][] = [
    [{ id: "", version: 1, remove: true }, /'id'/],
    [{ id: "r", version: "1", remove: true }, /'version'/],
    [{ id: "r", version: 1 }, /exactly one of 'pattern' and 'remove/],
    [{ id: "r", version: 1, pattern: { factory: "nope" } }, /unknown factory 'nope'; registered: aThenB/],
    [{ id: "r", version: 1, remove: true, onReplace: "keep" }, /'onReplace'/],
  ];
  for (const [u, re] of bad) {
    assert.throws(
      () => h.processElement2(u as PatternUpdate),
      (e: Error & { code?: string }) => e.code === "FLEUVE_USER_FUNCTION_FAILED" && re.test(e.message),
      String(re),
    );
  }
});

test("event time: an update applies to the events from its timestamp on, whether it arrives before or after them", () => {
  const run = (updateFirst: boolean) => {
    const h = harness();
    h.processElement2(rule("r", 1, 100));
    const update = () => h.processElement2(rule("r", 2, 100, "drop"), 6);
    if (updateFirst) update();
    h.processElement1(ev("a", "a1"), 1);
    h.processElement1(ev("b", "b1"), 5);
    h.processElement1(ev("a", "a2"), 6);
    h.processElement1(ev("b", "b2"), 9);
    if (!updateFirst) update();
    h.processWatermark1(10);
    assert.deepEqual(h.getOutputValues(), [], "the update stream's watermark holds event time back");
    h.processWatermark2(10);
    return h.getOutputValues();
  };
  assert.deepEqual(run(true), ["r v1: a1-b1", "r v2: a2-b2"]);
  assert.deepEqual(run(false), ["r v1: a1-b1", "r v2: a2-b2"]);
});

test("event time: an update the watermark has passed, or without a timestamp, applies to the events processed after it", () => {
  const h = harness();
  h.processElement2(rule("r", 1, 100));
  h.processElement1(ev("a", "a1"), 1);
  wm(h, 3);
  h.processElement2(rule("r", 2, 100, "drop"), 2); // the watermark is past 2: applies now
  h.processElement1(ev("a", "a2"), 4);
  h.processElement1(ev("b", "b1"), 5);
  wm(h, 5);
  assert.deepEqual(h.getOutputValues(), ["r v2: a2-b1"]);
});

test("replace or remove with onReplace drop: each dropped partial match goes to the dropped side output, with its version, the update's time and reason replaced", () => {
  const h = harness();
  h.processElement2(rule("r", 1, 100));
  h.processElement1(ev("a", "a1"), 1);
  h.processElement1(ev("a", "a2", "k2"), 2);
  h.processElement1(ev("a", "a3"), 3);
  wm(h, 3);
  h.processElement2(rule("r", 2, 100, "drop"), 6); // waits for the watermark to reach 6
  h.processElement1(ev("a", "a4"), 7);
  assert.equal(h.getSideOutput(droppedTag).length, 0);
  wm(h, 8);
  const dropped = () =>
    h
      .getSideOutput(droppedTag)
      .map((r) => [
        r.value.match.a![0]!.id,
        r.value.patternId,
        r.value.patternVersion,
        r.value.reason,
        r.timestamp,
      ])
      .sort();
  assert.deepEqual(dropped(), [
    ["a1", "r", 1, "replaced", 6],
    ["a2", "r", 1, "replaced", 6],
    ["a3", "r", 1, "replaced", 6],
  ]);
  h.processElement2({ id: "r", version: 3, remove: true, onReplace: "drop" }, 9);
  wm(h, 9);
  assert.deepEqual(dropped().slice(3), [["a4", "r", 2, "replaced", 9]]);
  assert.equal(h.metrics.counter(CEP_COUNTERS.droppedPartialMatches).count, 4, "each drop is counted");
  assert.deepEqual(h.getOutputValues(), []);
  assert.equal(h.numKeyedStateEntries(), 0);
});

test("pending updates are checkpointed: a restore before the watermark reaches an update applies it at its timestamp", () => {
  const h = harness();
  h.processElement2(rule("r", 1, 100));
  h.processElement2(rule("r", 2, 100, "drop"), 6);
  h.processElement1(ev("a", "a1"), 1);
  h.processElement1(ev("a", "a2"), 7);
  wm(h, 2);
  const restored = harness({ restoreFrom: [h.snapshot()] });
  wm(restored, 2);
  restored.processElement1(ev("b", "b1"), 8);
  wm(restored, 10);
  // a1's partial match was dropped by the update at 6; a2 (at 7) started under v2.
  assert.deepEqual(restored.getOutputValues(), ["r v2: a2-b1"]);
});

test("restore in the middle of finishing partial matches, at another parallelism, continues them under their version", () => {
  const keys = ["k1", "k2", "k3", "k4", "k5", "k6"];
  const feedBefore = (hs: ReturnType<typeof harness>[]) => {
    for (const h of hs) h.processElement2(rule("r", 1, 100));
    for (const k of keys) hs[0]!.processElement1(ev("a", `a-${k}`, k), 1);
    for (const h of hs) wm(h, 1);
    for (const h of hs) h.processElement2(rule("r", 2, 100, "finish"));
  };
  const feedAfter = (route: (k: string) => ReturnType<typeof harness>, all: ReturnType<typeof harness>[]) => {
    for (const k of keys) route(k).processElement1(ev("b", `b-${k}`, k), 5);
    for (const h of all) wm(h, 5);
  };
  // Uninterrupted.
  const one = harness();
  feedBefore([one]);
  feedAfter(() => one, [one]);
  const expected = one.getOutputValues().sort();
  assert.equal(expected.length, keys.length);
  assert.ok(expected.every((v) => v.startsWith("r v1: ")));
  // Snapshot after the update, restore at parallelism 3.
  const before = harness();
  feedBefore([before]);
  const snap = before.snapshot();
  const three = [0, 1, 2].map((i) => harness({ parallelism: 3, subtaskIndex: i, restoreFrom: [snap] }));
  for (const h of three) wm(h, 1);
  const owner = (k: string) => three[subtaskForKeyGroup(keyGroupOf(normalizeKey(k), 128), 3, 128)]!;
  feedAfter(owner, three);
  assert.deepEqual(three.flatMap((h) => h.getOutputValues()).sort(), expected);
  assert.ok(three.every((h) => h.metrics.gauge(PATTERNS_GAUGE).value === 1));
});

test("processing time: an update applies on arrival, and partial matches time out on the clock under their version", () => {
  const op = new DynamicCepOperator<Ev, string>(
    registry,
    (spec) => new FakeMatcher((spec.params as { within: number }).within),
    labelled,
    { timedOut: timedOutTag, timeDomain: "processing" },
  );
  const h = new KeyedTwoInputOperatorHarness<Ev, PatternUpdate, string>(op, (e: Ev) => e.key);
  h.setProcessingTime(100);
  h.processElement2(rule("r", 1, 50), 999_999); // a timestamp plays no part in processing time
  h.processElement1(ev("a", "a1"));
  h.setProcessingTime(110);
  h.processElement2(rule("r", 2, 5, "finish"));
  h.processElement1(ev("a", "a2"));
  h.setProcessingTime(120);
  assert.deepEqual(
    h.getSideOutput(timedOutTag).map((r) => [r.value.patternVersion, r.value.match.a![0]!.id, r.timestamp]),
    [[2, "a2", 115]],
  );
  h.setProcessingTime(150);
  assert.deepEqual(
    h.getSideOutput(timedOutTag).map((r) => [r.value.patternVersion, r.value.match.a![0]!.id, r.timestamp]),
    [
      [2, "a2", 115],
      [1, "a1", 150],
    ],
  );
  assert.equal(h.numKeyedStateEntries(), 0);
  assert.equal(h.numProcessingTimeTimers(), 0);
});

test("rules that change often: the operator keeps only the compiled versions that run or still finish", () => {
  const op = new DynamicCepOperator<Ev, string>(
    registry,
    (spec) => new FakeMatcher((spec.params as { within: number }).within),
    labelled,
    { timedOut: timedOutTag, dropped: droppedTag },
  );
  const h = new KeyedTwoInputOperatorHarness<Ev, PatternUpdate, string>(op, (e: Ev) => e.key);
  let t = 0;
  for (let v = 1; v <= 200; v++) {
    // Each version gets a partial match (within 15 ms), and is replaced 10 ms later.
    h.processElement2(rule("r", v, 15, v % 2 === 0 ? "finish" : "drop"));
    h.processElement1(ev("a", `a${v}`, `k${v % 3}`), (t += 10));
    wm(h, t);
    assert.ok(op.compiledVersions <= 3, `version ${v}: ${op.compiledVersions} compiled versions held`);
  }
  wm(h, t + 100);
  // Versions replaced with "finish" reported their partial matches' time-outs; "drop" ones not.
  const versions = h.getSideOutput(timedOutTag).map((r) => r.value.patternVersion);
  assert.ok(versions.length > 50 && versions.every((v) => v % 2 === 1 || v === 200), versions.join(","));
  assert.equal(h.numKeyedStateEntries(), 0);
});
