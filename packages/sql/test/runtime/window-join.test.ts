// The SQL window join operator driven record by record: a window's pairs come out when the
// watermark reaches its end - 1, unmatched rows padded for outer joins, rows of a fired window
// are dropped as late, state and timers are gone after the window fires, and a snapshot goes on;
// windows of a zone's wall clock fire at Flink's TimeWindowUtil instants.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyedTwoInputOperatorHarness } from "@fleuve/core/testing";
import fc from "fast-check";
import type { Row } from "../../src/planner/values.js";
import { parseZone, type Zone } from "../../src/planner/zone.js";
import type { JoinType } from "../../src/runtime/interval-join.js";
import { SqlWindowJoinOperator } from "../../src/runtime/window-join.js";
import { windowFiring } from "../../src/runtime/zoned-windows.js";

function harness(type: JoinType, zone?: Zone) {
  const op = new SqlWindowJoinOperator({
    type,
    leftEnd: (row) => row.end as number,
    rightEnd: (row) => row.end as number,
    firing: windowFiring(zone),
    matches: (l, r) => l.k === r.k && l.ok !== false,
    combine: (l, r) => ({ l: l?.id ?? null, r: r?.id ?? null }),
  });
  return new KeyedTwoInputOperatorHarness<Row, Row, Row>(
    op,
    (row) => row.k as string,
    (row) => row.k as string,
  );
}
const row = (id: string, end: number, k = "a", ok = true): Row => ({ id, end, k, ok });
const wm = (h: ReturnType<typeof harness>, w: number) => {
  h.processWatermark1(w);
  h.processWatermark2(w);
};

test("a window fires when the watermark reaches its end - 1, with its pairs and, per type, its padded rows", () => {
  const expected: Record<JoinType, Row[]> = {
    INNER: [{ l: "l1", r: "r1" }],
    LEFT: [
      { l: "l1", r: "r1" },
      { l: "l2", r: null },
    ],
    RIGHT: [
      { l: "l1", r: "r1" },
      { l: null, r: "r2" },
    ],
    FULL: [
      { l: "l1", r: "r1" },
      { l: "l2", r: null },
      { l: null, r: "r2" },
    ],
  };
  for (const type of ["INNER", "LEFT", "RIGHT", "FULL"] as const) {
    const h = harness(type);
    h.processElement1(row("l1", 10), 9);
    h.processElement1(row("l2", 10, "a", false), 9); // matches nothing (the residual says no)
    h.processElement2(row("r1", 10), 9);
    h.processElement2(row("r2", 10, "b"), 9);
    h.processElement1(row("l3", 20), 19); // a later window
    wm(h, 8);
    assert.deepEqual(h.getOutputValues(), [], type);
    wm(h, 9);
    assert.deepEqual(h.getOutputValues(), expected[type], type);
    assert.ok(
      h.getOutput().every((o) => o.timestamp === 9),
      type,
    );
    h.processElement2(row("late", 10), 9); // its window fired: dropped
    wm(h, 100);
    const rest = h.getOutputValues().slice(expected[type].length);
    assert.deepEqual(rest, type === "LEFT" || type === "FULL" ? [{ l: "l3", r: null }] : [], type);
    assert.equal(h.numKeyedStateEntries(), 0, type);
    assert.equal(h.numEventTimeTimers(), 0, type);
  }
});

test("a snapshot restored into a new operator fires the windows it holds", () => {
  const h = harness("INNER");
  h.processElement1(row("l1", 10), 9);
  const h2 = harness("INNER");
  h2.initializeState(h.snapshot());
  h2.processElement2(row("r1", 10), 9);
  wm(h2, 9);
  assert.deepEqual(h2.getOutputValues(), [{ l: "l1", r: "r1" }]);
});

test("windows of Paris's wall clock ending in the spring gap share the instant of the jump: one timer fires them, oldest first", () => {
  const paris = parseZone("Europe/Paris");
  assert.ok(paris !== undefined);
  const h = harness("INNER", paris);
  // hh:mm on 31 March 2024 (clocks went from 02:00 to 03:00 at 01:00 UTC): window ends are
  // wall-clock times (read as UTC), watermarks and timestamps instants.
  const local = (hh: number, mm: number) => Date.UTC(2024, 2, 31, hh, mm);
  const utc = local;
  for (const [id, end] of [
    ["before", local(2, 0)],
    ["gap2", local(3, 0)],
    ["gap1", local(2, 30)],
  ] as const) {
    h.processElement1(row(`l-${id}`, end), 0);
    h.processElement2(row(`r-${id}`, end), 0);
  }
  // 01:59:59.999 CET is 00:59:59.999 UTC.
  wm(h, utc(0, 59) + 59_999);
  assert.deepEqual(h.getOutputValues(), [{ l: "l-before", r: "r-before" }]);
  wm(h, utc(1, 0) - 1);
  assert.equal(h.getOutputValues().length, 1);
  wm(h, utc(1, 0));
  // Stamped with window_time: 02:29:59.999 and 02:59:59.999 read forward by the gap (CEST).
  assert.deepEqual(
    h.getOutput().map((o) => [o.value, o.timestamp]),
    [
      [{ l: "l-before", r: "r-before" }, utc(0, 59) + 59_999],
      [{ l: "l-gap1", r: "r-gap1" }, utc(1, 29) + 59_999],
      [{ l: "l-gap2", r: "r-gap2" }, utc(1, 59) + 59_999],
    ],
  );
  assert.equal(h.numKeyedStateEntries(), 0);
  assert.equal(h.numEventTimeTimers(), 0);
  h.processElement1(row("late", local(2, 30)), 0); // its window fired at the jump: dropped
  assert.equal(h.numKeyedStateEntries(), 0);
});

test("a savepoint with the keyed timers of before (one per key and window) fires each window once", () => {
  const h = harness("LEFT");
  h.processElement1(row("l1", 10, "a"), 9);
  h.processElement2(row("r1", 10, "a"), 9);
  h.processElement1(row("l2", 20, "b"), 19);
  const snap = h.snapshot();
  // As the operator registered them then: [time, key, normalized key, namespace].
  const legacy = {
    ...snap,
    timers: {
      eventTime: [
        [9, "a", "a", 0],
        [19, "b", "b", 0],
      ] as [number, string, string, number][],
      processingTime: [],
    },
  };
  const h2 = harness("LEFT");
  h2.initializeState(legacy);
  wm(h2, 9);
  assert.deepEqual(h2.getOutputValues(), [{ l: "l1", r: "r1" }]);
  assert.equal(h2.numEventTimeTimers(), 1); // b's, restored
  wm(h2, 100);
  assert.deepEqual(h2.getOutputValues(), [
    { l: "l1", r: "r1" },
    { l: "l2", r: null },
  ]);
  assert.equal(h2.numEventTimeTimers(), 0);
  assert.equal(h2.numKeyedStateEntries(), 0);
});

/** One step of a random run: a row on either side, a watermark, or a snapshot restored into a new operator. */
type Step =
  | { kind: "row"; left: boolean; k: string; end: number; ok: boolean }
  | { kind: "wm"; by: number }
  | { kind: "restore" };

test("on random input, the output is a brute-force window join's: each window's pairs (and padded rows) at the first watermark reaching its end - 1, late rows dropped", () => {
  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      arbitrary: fc.record({
        kind: fc.constant("row" as const),
        left: fc.boolean(),
        k: fc.constantFrom("a", "b", "c"),
        end: fc.constantFrom(10, 20, 30, 40),
        ok: fc.boolean(),
      }),
      weight: 6,
    },
    {
      arbitrary: fc.record({ kind: fc.constant("wm" as const), by: fc.integer({ min: 0, max: 12 }) }),
      weight: 2,
    },
    { arbitrary: fc.constant({ kind: "restore" as const }), weight: 1 },
  );
  fc.assert(
    fc.property(
      fc.constantFrom<JoinType>("INNER", "LEFT", "RIGHT", "FULL"),
      fc.array(step, { maxLength: 40 }),
      (type, steps) => {
        // The operator, its outputs tagged with the number of the watermark that sent them.
        let h = harness(type);
        const got: string[] = [];
        let seen = 0;
        const collect = (at: number) => {
          const out = h.getOutput();
          for (; seen < out.length; seen++)
            got.push(JSON.stringify([at, out[seen]?.value, out[seen]?.timestamp]));
        };
        // The oracle: rows per window (key, end) until it fires.
        const windows = new Map<string, { k: string; end: number; left: Row[]; right: Row[] }>();
        const want: string[] = [];
        let w = 0;
        let n = 0;
        let marks = 0;
        const advance = (to: number) => {
          marks++;
          wm(h, to);
          collect(marks);
          const due = [...windows.values()].filter((x) => x.end - 1 <= to);
          for (const x of due) {
            windows.delete(`${x.k}/${x.end}`);
            const rightMatched = x.right.map(() => false);
            for (const l of x.left) {
              let matched = false;
              x.right.forEach((r, i) => {
                if (l.ok === false) return;
                matched = true;
                rightMatched[i] = true;
                want.push(JSON.stringify([marks, { l: l.id, r: r.id }, x.end - 1]));
              });
              if (!matched && (type === "LEFT" || type === "FULL"))
                want.push(JSON.stringify([marks, { l: l.id, r: null }, x.end - 1]));
            }
            if (type === "RIGHT" || type === "FULL")
              x.right.forEach((r, i) => {
                if (!rightMatched[i]) want.push(JSON.stringify([marks, { l: null, r: r.id }, x.end - 1]));
              });
          }
        };
        for (const s of steps) {
          if (s.kind === "row") {
            const r = row(`${s.left ? "l" : "r"}${n++}`, s.end, s.k, s.ok);
            if (s.left) h.processElement1(r, s.end - 1);
            else h.processElement2(r, s.end - 1);
            if (s.end - 1 > w) {
              const key = `${s.k}/${s.end}`;
              let x = windows.get(key);
              if (x === undefined) {
                x = { k: s.k, end: s.end, left: [], right: [] };
                windows.set(key, x);
              }
              (s.left ? x.left : x.right).push(r);
            }
          } else if (s.kind === "wm") {
            w += s.by;
            advance(w);
          } else {
            const snap = h.snapshot();
            h = harness(type);
            h.initializeState(snap);
            seen = 0;
            // A restored job starts without a watermark until its sources send one again.
            if (marks > 0) wm(h, w);
          }
        }
        advance(1000);
        assert.deepEqual([...got].sort(), [...want].sort());
        assert.equal(h.numKeyedStateEntries(), 0);
      },
    ),
    { numRuns: 300 },
  );
});
