// The SQL window join operator driven record by record: a window's pairs come out when the
// watermark reaches its end - 1, unmatched rows padded for outer joins, rows of a fired window
// are dropped as late, state and timers are gone after the window fires, and a snapshot goes on;
// windows of a zone's wall clock fire at Flink's TimeWindowUtil instants.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyedTwoInputOperatorHarness } from "@fleuve/core/testing";
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
