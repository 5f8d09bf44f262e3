// The SQL window join operator driven record by record: a window's pairs come out when the
// watermark reaches its end - 1, unmatched rows padded for outer joins, rows of a fired window
// are dropped as late, state and timers are gone after the window fires, and a snapshot goes on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyedTwoInputOperatorHarness } from "@fleuve/core/testing";
import type { Row } from "../../src/planner/values.js";
import type { JoinType } from "../../src/runtime/interval-join.js";
import { SqlWindowJoinOperator } from "../../src/runtime/window-join.js";

function harness(type: JoinType) {
  const op = new SqlWindowJoinOperator({
    type,
    leftEnd: (row) => row.end as number,
    rightEnd: (row) => row.end as number,
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
