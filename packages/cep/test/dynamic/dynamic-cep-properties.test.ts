/**
 * Dynamic patterns on random inputs, with the recording matcher ("an a, then any b within w"):
 * random events over a few keys and random rule updates (new `within`, finish or drop, removals)
 * at random event times. In event time the result must equal a reference written here from the
 * documented rules (an update applies to the events from its timestamp on; a replaced version's
 * partial matches finish under it or are dropped), whether the updates arrive first or
 * interleaved with the events, and with a snapshot and restore at another parallelism at random
 * points.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { OutputTag } from "@fleuve/core";
import { keyGroupOf, normalizeKey, type OperatorSnapshot, subtaskForKeyGroup } from "@fleuve/core/spi";
import { KeyedTwoInputOperatorHarness } from "@fleuve/core/testing";
import fc from "fast-check";
import { DynamicCepOperator } from "../../src/dynamic/dynamic-cep-operator.js";
import type { PatternUpdate } from "../../src/dynamic/pattern-update.js";
import type { PatternProcessFunction, TimedOutMatch } from "../../src/pattern-process-function.js";
import { type Ev, FakeMatcher } from "../operator/fake-matcher.js";

const timedOutTag = new OutputTag<TimedOutMatch<{ a: Ev[] }>>("timed-out");
const fn: PatternProcessFunction<{ a: Ev[]; b: Ev[] }, string> = {
  processMatch: (m, ctx, out) =>
    out.collect(`v${ctx.patternVersion} ${m.a[0]!.id}-${m.b[0]!.id}@${ctx.timestamp}`),
};
const registry = { aThenB: (p: { within: number }) => p.within };

function harness(
  extra: { parallelism?: number; subtaskIndex?: number; restoreFrom?: OperatorSnapshot[] } = {},
) {
  return new KeyedTwoInputOperatorHarness<Ev, PatternUpdate, string>(
    new DynamicCepOperator<Ev, string>(
      registry,
      (spec) => new FakeMatcher((spec.params as { within: number }).within),
      fn,
      { timedOut: timedOutTag },
    ),
    (e: Ev) => e.key,
    undefined,
    extra,
  );
}

interface TimedEvent {
  ev: Ev;
  ts: number;
  seq: number;
}
interface TimedUpdate {
  update: PatternUpdate;
  ts: number;
}

/** What the documented rules give: per key, events in (timestamp, arrival) order, updates at their timestamps. */
function reference(events: readonly TimedEvent[], updates: readonly TimedUpdate[]) {
  const matches: string[] = [];
  const timedOut: string[] = [];
  const keys = [...new Set(events.map((e) => e.ev.key))];
  for (const key of keys) {
    const evs = events.filter((e) => e.ev.key === key).sort((x, y) => x.ts - y.ts || x.seq - y.seq);
    // Runs: an open `a` under a version, finishing or not.
    let runs: { a: Ev; at: number; v: number; within: number; finishing: boolean }[] = [];
    let current: { v: number; within: number } | undefined;
    const expire = (t: number) => {
      runs = runs.filter((r) => {
        if (r.at + r.within > t) return true;
        timedOut.push(`v${r.v} ${r.a.id}@${r.at + r.within}`);
        return false;
      });
    };
    const apply = (u: PatternUpdate) => {
      if (current !== undefined && u.version <= current.v) return;
      if (current === undefined && u.remove === true) return;
      for (const r of runs)
        if (current !== undefined && r.v === current.v && !r.finishing) r.finishing = true;
      if ((u.onReplace ?? "finish") === "drop")
        runs = runs.filter((r) => !(current !== undefined && r.v === current.v));
      current =
        u.remove === true
          ? undefined
          : { v: u.version, within: (u.pattern!.params as { within: number }).within };
    };
    let ui = 0;
    const pending = updates.slice().sort((x, y) => x.ts - y.ts);
    for (const e of evs) {
      while (ui < pending.length && pending[ui]!.ts <= e.ts) {
        expire(pending[ui]!.ts - 1);
        apply(pending[ui]!.update);
        ui++;
      }
      expire(e.ts);
      if (e.ev.kind === "b") {
        // Finishing versions first (older partial matches), then the current one.
        const ordered = [...runs.filter((r) => r.finishing), ...runs.filter((r) => !r.finishing)];
        for (const r of ordered) matches.push(`v${r.v} ${r.a.id}-${e.ev.id}@${e.ts}`);
        runs = [];
      } else if (e.ev.kind === "a" && current !== undefined) {
        runs.push({ a: e.ev, at: e.ts, v: current.v, within: current.within, finishing: false });
      }
    }
    for (; ui < pending.length; ui++) {
      expire(pending[ui]!.ts - 1);
      apply(pending[ui]!.update);
    }
    expire(Number.POSITIVE_INFINITY);
  }
  return { matches: matches.sort(), timedOut: timedOut.sort() };
}

type Step =
  | { kind: "event"; e: TimedEvent }
  | { kind: "update"; u: TimedUpdate }
  | { kind: "wm1"; w: number }
  | { kind: "wm2"; w: number }
  | { kind: "snap"; parallelism: number };

function run(steps: readonly Step[]) {
  let p = 1;
  let hs = [harness()];
  const out: string[] = [];
  const timedOut: string[] = [];
  const drain = () => {
    for (const h of hs) {
      out.push(...h.getOutputValues());
      timedOut.push(
        ...h
          .getSideOutput(timedOutTag)
          .map((r) => `v${r.value.patternVersion} ${r.value.match.a![0]!.id}@${r.timestamp}`),
      );
      h.clearOutput();
    }
  };
  let w1 = Number.NEGATIVE_INFINITY;
  let w2 = Number.NEGATIVE_INFINITY;
  for (const s of steps) {
    if (s.kind === "event") {
      const kg = keyGroupOf(normalizeKey(s.e.ev.key), 128);
      hs[subtaskForKeyGroup(kg, p, 128)]!.processElement1(s.e.ev, s.e.ts);
    } else if (s.kind === "update") {
      for (const h of hs) h.processElement2(s.u.update, s.u.ts);
    } else if (s.kind === "wm1") {
      w1 = s.w;
      for (const h of hs) h.processWatermark1(s.w);
    } else if (s.kind === "wm2") {
      w2 = s.w;
      for (const h of hs) h.processWatermark2(s.w);
    } else {
      const snaps = hs.map((h) => h.snapshot());
      drain();
      p = s.parallelism;
      hs = Array.from({ length: p }, (_, i) =>
        harness({ parallelism: p, subtaskIndex: i, restoreFrom: snaps }),
      );
      // A restored operator learns its inputs' watermarks again.
      for (const h of hs) {
        if (w1 !== Number.NEGATIVE_INFINITY) h.processWatermark1(w1);
        if (w2 !== Number.NEGATIVE_INFINITY) h.processWatermark2(w2);
      }
    }
  }
  for (const h of hs) h.endInput();
  drain();
  return { matches: out.sort(), timedOut: timedOut.sort() };
}

test("dynamic patterns in event time: updates apply at their timestamps, whatever their arrival, across restores (random inputs)", () => {
  const arb = fc.record({
    events: fc.array(
      fc.record({
        k: fc.constantFrom("a", "b", "x"),
        key: fc.constantFrom("k1", "k2", "k3"),
        jitter: fc.integer({ min: 0, max: 6 }),
      }),
      { maxLength: 60 },
    ),
    updates: fc.array(
      fc.record({
        at: fc.integer({ min: 1, max: 200 }),
        within: fc.constantFrom(5, 20, 100),
        onReplace: fc.constantFrom("finish" as const, "drop" as const),
        remove: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
    snaps: fc.array(
      fc.record({ at: fc.integer({ min: 0, max: 80 }), parallelism: fc.integer({ min: 1, max: 3 }) }),
      { maxLength: 3 },
    ),
    wmEvery: fc.integer({ min: 1, max: 8 }),
  });
  fc.assert(
    fc.property(arb, ({ events: raw, updates: rawUpdates, snaps, wmEvery }) => {
      // Events 3 ms apart, late by up to 6 ms; the events' watermark trails by 7 ms: none is late.
      const events: TimedEvent[] = raw.map((r, i) => ({
        ev: { kind: r.k as Ev["kind"], key: r.key, id: `${r.k}${i}` },
        ts: 10 + 3 * i - r.jitter,
        seq: i,
      }));
      // Version 1 at time 0, then updates in time order with growing versions.
      const updates: TimedUpdate[] = [
        { ts: 0, update: { id: "r", version: 1, pattern: { factory: "aThenB", params: { within: 20 } } } },
        ...rawUpdates
          .sort((x, y) => x.at - y.at)
          .map((u, i) => ({
            ts: u.at,
            update: u.remove
              ? { id: "r", version: i + 2, remove: true, onReplace: u.onReplace }
              : {
                  id: "r",
                  version: i + 2,
                  pattern: { factory: "aThenB", params: { within: u.within } },
                  onReplace: u.onReplace,
                },
          })),
      ];
      const eventSteps = (withSnaps: boolean): Step[] => {
        const steps: Step[] = [];
        events.forEach((e, i) => {
          steps.push({ kind: "event", e });
          if (i % wmEvery === wmEvery - 1) steps.push({ kind: "wm1", w: 10 + 3 * i - 7 });
          if (withSnaps)
            for (const s of snaps) if (s.at === i) steps.push({ kind: "snap", parallelism: s.parallelism });
        });
        return steps;
      };
      // A: every update first; the update stream then ends (its watermark: +Infinity).
      const a: Step[] = [
        ...updates.map((u): Step => ({ kind: "update", u })),
        { kind: "wm2", w: Number.POSITIVE_INFINITY },
        ...eventSteps(false),
      ];
      // B: each update arrives among the events, as from a source with monotonous timestamps
      // (after an update at u, that stream's watermark is u - 1), with restores.
      const b: Step[] = [];
      const evSteps = eventSteps(true);
      let ui = 0;
      for (const s of evSteps) {
        // An update arrives before the events' watermark can pass it (the update stream holds it back).
        while (ui < updates.length && s.kind === "event" && updates[ui]!.ts <= s.e.ts + 1) {
          b.push({ kind: "update", u: updates[ui]! });
          b.push({ kind: "wm2", w: updates[ui]!.ts - 1 });
          ui++;
        }
        b.push(s);
      }
      for (; ui < updates.length; ui++) b.push({ kind: "update", u: updates[ui]! });
      b.push({ kind: "wm2", w: Number.POSITIVE_INFINITY });
      const ref = reference(events, updates);
      const gotA = run(a);
      assert.deepEqual(gotA, ref);
      assert.deepEqual(run(b), ref);
    }),
    { numRuns: 200 },
  );
});
