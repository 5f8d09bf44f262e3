// The SQL interval join operator driven record by record: which pairs it emits and when, how
// outer joins pad rows that expire unmatched, that late rows still join what is cached (as
// Flink's TimeIntervalJoin does), that the output watermark stays behind every emitted row, that
// state is dropped once rows expire, and that a snapshot restored into a new operator goes on
// with the same results.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyedTwoInputOperatorHarness } from "@fleuve/core/testing";
import type { Row } from "../../src/planner/values.js";
import { type JoinType, SqlIntervalJoinOperator } from "../../src/runtime/interval-join.js";

/** `l.t BETWEEN r.t - 10 AND r.t + 5` on key k, output {l, r} by ids. */
function operator(type: JoinType) {
  return new SqlIntervalJoinOperator({
    type,
    lower: -10,
    upper: 5,
    leftTime: (row) => row.t as number,
    rightTime: (row) => row.t as number,
    matches: (l, r) => l.k === r.k,
    combine: (l, r) => ({ l: l?.id ?? null, r: r?.id ?? null }),
    outputTime: (_o, l, r) => (l !== null ? (l.t as number) : (r?.t as number)),
  });
}

function harness(type: JoinType) {
  const op = operator(type);
  const h = new KeyedTwoInputOperatorHarness<Row, Row, Row>(
    op,
    (row) => row.k as string,
    (row) => row.k as string,
  );
  return { h, op };
}

const L = (id: string, t: number, k = "a"): Row => ({ id, t, k });

test("pairs within the bounds from either side; the output watermark stays behind by the larger bound (Flink's getMaxOutputDelay)", () => {
  const { h, op } = harness("INNER");
  assert.equal(op.watermarkDelay, 10);
  h.processElement1(L("l1", 100), 100);
  h.processElement2(L("r1", 95), 95); // l1 in [85, 100]: joins
  h.processElement2(L("r2", 111), 111); // l1 in [101, 116]: no
  h.processElement2(L("r3", 110), 110); // l1 in [100, 115]: joins
  h.processElement2(L("r4", 100, "b"), 100); // other key
  h.processElement1(L("l2", 120), 120); // r in [115, 130]: none cached there... r2? 111 < 115: no
  h.processElement1(L("l3", 105), 105); // r in [100, 115]: r2 (111), r3 (110)
  assert.deepEqual(
    h.getOutput().map((o) => [o.value, o.timestamp]),
    [
      [{ l: "l1", r: "r1" }, 100],
      [{ l: "l1", r: "r3" }, 100],
      [{ l: "l3", r: "r2" }, 105],
      [{ l: "l3", r: "r3" }, 105],
    ],
  );
  h.processWatermark1(150);
  h.processWatermark2(150);
  assert.deepEqual(h.getWatermarks(), [140]);
});

test("an emitted row is never behind the output watermark, whichever side brings it", () => {
  for (const type of ["INNER", "LEFT", "RIGHT", "FULL"] as const) {
    const { h } = harness(type);
    // Rows that are not late (each after the watermark so far); the watermark follows at t - 10.
    const times = [50, 58, 49, 60, 72, 66, 80, 75, 95, 90, 101, 93];
    let wm = Number.NEGATIVE_INFINITY;
    times.forEach((t, i) => {
      assert.ok(t > wm);
      if (i % 2 === 0) h.processElement1(L(`l${i}`, t), t);
      else h.processElement2(L(`r${i}`, t), t);
      wm = Math.max(wm, t - 10);
      h.processWatermark1(wm);
      h.processWatermark2(wm);
    });
    h.endInput();
    let out = Number.NEGATIVE_INFINITY;
    let records = 0;
    for (const e of h.getOutputWithWatermarks()) {
      if ("watermark" in e) out = e.watermark;
      else {
        records++;
        assert.ok(
          (e.timestamp as number) > out,
          `${type}: ${JSON.stringify(e)} is behind the output watermark ${out}`,
        );
      }
    }
    assert.ok(records >= 6, `${type}: ${records} rows`);
  }
});

test("outer joins pad rows that expire unmatched; state is empty once every row expired", () => {
  for (const type of ["LEFT", "RIGHT", "FULL"] as const) {
    const { h } = harness(type);
    h.processElement1(L("l1", 100), 100);
    h.processElement2(L("r1", 200), 200);
    h.processElement1(L("l2", 198), 198); // joins r1 (l in [190, 205])
    h.processWatermark1(109);
    h.processWatermark2(109);
    assert.deepEqual(h.getOutputValues(), [{ l: "l2", r: "r1" }], type);
    // l1 expires when the watermark passes 100 + 10 (Flink's cleanup timer at 100 + 10 + 1).
    h.processWatermark1(110);
    h.processWatermark2(110);
    assert.deepEqual(h.getOutputValues().slice(1), [], `${type}: kept while the watermark is at its bound`);
    h.processWatermark1(111);
    h.processWatermark2(111);
    const padded = type === "RIGHT" ? [] : [{ l: "l1", r: null }];
    assert.deepEqual(h.getOutputValues().slice(1), padded, type);
    h.processWatermark1(1000);
    h.processWatermark2(1000);
    assert.deepEqual(h.getOutputValues().slice(1), padded, `${type}: matched rows are not padded`);
    assert.equal(h.numKeyedStateEntries(), 0, `${type}: no state left`);
    assert.equal(h.numEventTimeTimers(), 0, `${type}: no timers left`);
  }
});

test("a late row joins what is still cached, and is cached only while the other side can still match it (Flink's TimeIntervalJoin)", () => {
  const { h } = harness("LEFT");
  h.processElement2(L("r1", 100), 100);
  h.processWatermark1(103);
  h.processWatermark2(103);
  h.processElement1(L("late", 95), 95); // late (95 <= 103), r1 still cached (until 105): joins
  h.processElement1(L("lost", 80), 80); // late, nothing in [80 - 5, 90]: padded at once
  assert.deepEqual(h.getOutputValues(), [
    { l: "late", r: "r1" },
    { l: "lost", r: null },
  ]);
  // "late" stays cached until the watermark reaches 105; "lost" (until 90) never was.
  h.processElement2(L("r2", 99), 99); // l in [89, 104]: "late"
  h.processElement2(L("r3", 86), 86); // l in [76, 91]: "lost" would, but is gone
  assert.deepEqual(h.getOutputValues().slice(2), [{ l: "late", r: "r2" }]);
});

test("a snapshot restored into a new operator goes on with the same pairs and padding", () => {
  const { h } = harness("FULL");
  h.processElement1(L("l1", 100), 100);
  h.processElement2(L("r1", 300), 300);
  const snap = h.snapshot();
  const { h: h2 } = harness("FULL");
  h2.initializeState(snap);
  h2.processElement2(L("r2", 104), 104); // joins l1 from the snapshot
  h2.processElement1(L("l2", 295), 295); // joins r1 from the snapshot
  h2.endInput();
  const out = h2
    .getOutputValues()
    .map((o) => JSON.stringify(o))
    .sort();
  assert.deepEqual(out, [JSON.stringify({ l: "l1", r: "r2" }), JSON.stringify({ l: "l2", r: "r1" })].sort());
});
