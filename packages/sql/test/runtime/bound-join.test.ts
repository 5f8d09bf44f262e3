// The bound join (q7's plan: bids buffered in arrival order until the window maxima's watermark
// passes their bound) against a brute-force evaluation: on random out-of-order input, late
// bounded rows, watermarks at and around the bounds, an idle other input, and checkpoints
// restored at the same or another parallelism, its output is exactly the multiset of all
// matching pairs once the input ended.
import assert from "node:assert/strict";
import { test } from "node:test";
import { keyGroupOf, normalizeKey, subtaskForKeyGroup } from "@fleuve/core";
import { KeyedTwoInputOperatorHarness } from "@fleuve/core/testing";
import type { Row } from "@fleuve/sql";
import fc from "fast-check";
import { SqlBoundJoinOperator } from "../../src/runtime/bound-join.js";
import { SqlStreamingJoinOperator } from "../../src/runtime/streaming-join.js";

const BOUND = 10;
const MAX_PARALLELISM = 128;

/**
 * `b.t BETWEEN o.e - BOUND AND o.e` on rows partitioned by `k`, the bounded side left or right.
 * The condition leaves the key out on purpose: pairs of different keys must still never meet, as
 * in a join partitioned by key (the operator matches few pending rows without their keys first).
 * With `probe`, a bounded row looks up the kept rows only if one has `o.e >= b.t`.
 */
function harness(
  boundedIsLeft: boolean,
  opts: { parallelism?: number; subtaskIndex?: number; restoreFrom?: unknown; probe?: boolean } = {},
) {
  const cond = (b: Row, o: Row) =>
    typeof b.t === "number" && b.t >= (o.e as number) - BOUND && b.t <= (o.e as number);
  const { probe = true, ...options } = opts;
  const op = new SqlBoundJoinOperator({
    boundedIsLeft,
    matches: boundedIsLeft ? cond : (l, r) => cond(r, l),
    combine: boundedIsLeft
      ? (l, r) => ({ b: l.id, v: l.v, o: r.id })
      : (l, r) => ({ b: r.id, v: r.v, o: l.id }),
    until: (b) => (typeof b.t === "number" ? b.t + BOUND : null),
    sweepEveryMs: 3,
    // t and v kept as numbers until a value that is not one comes (NULL, a string in v).
    boundedColumns: [
      { name: "id", numeric: false },
      { name: "k", numeric: false },
      { name: "t", numeric: true },
      { name: "v", numeric: true },
    ],
    probe: probe
      ? { probeFrom: (b) => (typeof b.t === "number" ? b.t : null), otherTime: (o) => o.e as number }
      : undefined,
  });
  return new KeyedTwoInputOperatorHarness<Row, Row, Row>(
    op,
    (row) => row.k as string,
    (row) => row.k as string,
    { maxParallelism: MAX_PARALLELISM, ...(options as object) },
  );
}

/** A value as a text that tells -0, NaN and strings apart (the buffer must give them back as they came). */
const show = (v: unknown) =>
  Object.is(v, -0) ? "-0" : typeof v === "string" ? JSON.stringify(v) : String(v);

type Step =
  | { kind: "bounded"; k: string; t: number | null; v: unknown }
  | { kind: "other"; k: string; ahead: number }
  | { kind: "burst"; ks: readonly { k: string; ahead: number }[] }
  | { kind: "wmBounded" | "wmOther"; by: number }
  | { kind: "idleOther" }
  | { kind: "checkpoint"; parallelism: 1 | 2 };

/**
 * Runs `steps` on the operator and returns its output (`b-o` pairs, sorted) and the brute-force
 * pairs. An other-side row's `e` is that input's watermark + 1 + ahead (never at or below it: a
 * window's end when it fires); a bounded row's `t` is around that watermark, before or after it
 * (bounded rows may be late by any amount).
 */
function run(
  boundedIsLeft: boolean,
  probe: boolean,
  steps: readonly Step[],
): { got: string[]; want: string[] } {
  let subtasks = [harness(boundedIsLeft, { probe })];
  const out: string[] = [];
  const bs: Row[] = [];
  const os: Row[] = [];
  let wmB = 0;
  let wmO = 0;
  const owner = (k: string) =>
    subtasks[
      subtaskForKeyGroup(keyGroupOf(normalizeKey(`${k}`), MAX_PARALLELISM), subtasks.length, MAX_PARALLELISM)
    ]!;
  const toBounded = (h: ReturnType<typeof harness>) =>
    boundedIsLeft
      ? { el: h.processElement1.bind(h), wm: h.processWatermark1.bind(h) }
      : { el: h.processElement2.bind(h), wm: h.processWatermark2.bind(h) };
  const toOther = (h: ReturnType<typeof harness>) =>
    boundedIsLeft
      ? { el: h.processElement2.bind(h), wm: h.processWatermark2.bind(h), idle: h.processIdle2.bind(h) }
      : { el: h.processElement1.bind(h), wm: h.processWatermark1.bind(h), idle: h.processIdle1.bind(h) };
  const collect = () => {
    for (const h of subtasks) {
      for (const r of h.getOutputValues()) out.push(`${r.b}:${show(r.v)}-${r.o}`);
      h.clearOutput();
    }
  };
  let idle = false;
  steps.forEach((s, i) => {
    if (s.kind === "bounded") {
      const t = s.t === null ? null : wmO + s.t;
      const row = { id: `b${i}`, k: s.k, t, v: s.v };
      bs.push(row);
      toBounded(owner(s.k)).el(row, t ?? 0);
    } else if (s.kind === "other" || s.kind === "burst") {
      // A burst: more rows of the other side than the operator matches without keys.
      (s.kind === "other" ? [s] : s.ks).forEach(({ k, ahead }, j) => {
        const row = { id: `o${i}.${j}`, k, e: wmO + 1 + ahead };
        os.push(row);
        toOther(owner(k)).el(row, wmO + 1);
      });
    } else if (s.kind === "wmBounded") {
      wmB += s.by;
      for (const h of subtasks) toBounded(h).wm(wmB);
    } else if (s.kind === "wmOther") {
      wmO += s.by;
      for (const h of subtasks) toOther(h).wm(wmO);
    } else if (s.kind === "idleOther") {
      idle = true;
      for (const h of subtasks) toOther(h).idle(true);
    } else if (s.kind === "checkpoint") {
      collect();
      const parallelism = s.parallelism;
      const snaps = subtasks.map((h) => h.snapshot());
      subtasks = Array.from({ length: parallelism }, (_, j) =>
        harness(boundedIsLeft, { parallelism, subtaskIndex: j, restoreFrom: snaps, probe }),
      );
      // The watermarks and idleness the inputs had (not part of a checkpoint, as in a job).
      for (const h of subtasks) {
        h.open();
        if (idle) toOther(h).idle(true);
        toBounded(h).wm(wmB);
        toOther(h).wm(wmO);
      }
    }
  });
  for (const h of subtasks) h.endInput();
  collect();
  const want: string[] = [];
  for (const b of bs) {
    for (const o of os) {
      if (b.k === o.k && typeof b.t === "number" && b.t >= (o.e as number) - BOUND && b.t <= (o.e as number))
        want.push(`${b.id}:${show(b.v)}-${o.id}`);
    }
  }
  return { got: out.sort(), want: want.sort() };
}

const steps = fc.array(
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant("bounded" as const),
        k: fc.constantFrom("a", "b", "c"),
        t: fc.option(fc.integer({ min: -25, max: 25 }), { freq: 12 }),
        // Mostly numbers (-0, NaN and infinities among them), rarely NULL or a string.
        v: fc.oneof(
          { weight: 30, arbitrary: fc.double() },
          { weight: 1, arbitrary: fc.constantFrom(null, "x") },
        ),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("other" as const),
        k: fc.constantFrom("a", "b", "c"),
        ahead: fc.nat(15),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("burst" as const),
        ks: fc.array(fc.record({ k: fc.constantFrom("a", "b", "c"), ahead: fc.nat(15) }), {
          minLength: 9,
          maxLength: 14,
        }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constantFrom("wmBounded" as const, "wmOther" as const),
        by: fc.nat(8),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("checkpoint" as const),
        parallelism: fc.constantFrom(1 as const, 2 as const),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "idleOther" as const }) },
  ),
  { maxLength: 100 },
);

for (const [boundedIsLeft, probe] of [
  [true, true],
  [false, true],
  [true, false],
] as const) {
  const what = `bounded side ${boundedIsLeft ? "left" : "right"}${probe ? "" : ", no probe bound"}`;
  test(`the bound join (${what}) emits exactly the matching pairs`, () => {
    fc.assert(
      fc.property(steps, (s) => {
        const { got, want } = run(boundedIsLeft, probe, s);
        assert.deepEqual(got, want);
      }),
      { numRuns: 400 },
    );
  });
}

test("watermark edges: a row whose bound equals the watermark goes, one just above stays; a late row still joins", () => {
  const h = harness(true);
  h.processWatermark2(20);
  h.processElement1({ id: "gone", k: "a", t: 10 }, 10); // 10 + 10 <= 20: no later maximum can match
  h.processElement1({ id: "kept", k: "a", t: 11 }, 11); // 21 > 20: a window ending at 21 can
  h.processElement2({ id: "w21", k: "a", e: 21 }, 21);
  h.processWatermark2(21);
  h.processElement1({ id: "late", k: "a", t: 12 }, 12); // behind both watermarks: joins what is kept
  h.processElement1({ id: "edge", k: "b", t: 16 }, 16); // bound 26
  h.processWatermark2(25); // a sweep (every 3 ms): 26 > 25, kept
  h.processElement2({ id: "w26", k: "b", e: 26 }, 26); // the earliest end it can have: 16 >= 26 - 10
  h.endInput();
  assert.deepEqual(
    h
      .getOutputValues()
      .map((r) => `${r.b}-${r.o}`)
      .sort(),
    ["edge-w26", "kept-w21", "late-w21"],
  );
});

test("buffered rows survive a checkpoint and join the other side's later rows", () => {
  const h = harness(true);
  for (let t = 0; t < 100; t++) h.processElement1({ id: `b${t}`, k: `k${t % 7}`, t }, t);
  h.processWatermark2(60); // t + 10 <= 60 go: 51 left
  const snap = h.snapshot();
  const h2 = harness(true, { restoreFrom: snap });
  h2.processElement2({ id: "o", k: "k0", e: 70 }, 61); // b63 and b70 have k0 and t in [60, 70]
  h2.endInput();
  assert.deepEqual(
    h2
      .getOutputValues()
      .map((r) => `${r.b}-${r.o}`)
      .sort(),
    ["b63-o", "b70-o"],
  );
});

test("a snapshot of the regular join this plan had before restores into the bound join", () => {
  // The regular join keeps both sides per key (append-only lists); the bound join takes its
  // left rows into the buffer and its right rows as the kept maxima.
  const cond = (b: Row, o: Row) =>
    b.k === o.k && typeof b.t === "number" && b.t >= (o.e as number) - BOUND && b.t <= (o.e as number);
  const old = new KeyedTwoInputOperatorHarness<Row, Row, Row>(
    new SqlStreamingJoinOperator({
      type: "INNER",
      matches: cond,
      combine: (l, r) => ({ b: l?.id ?? null, o: r?.id ?? null }),
      insertOnly: { left: true, right: true },
    }),
    (row) => row.k as string,
    (row) => row.k as string,
    { maxParallelism: MAX_PARALLELISM },
  );
  old.processElement1({ id: "b1", k: "a", t: 5 }, 5);
  old.processElement2({ id: "o1", k: "a", e: 10 }, 10);
  old.processElement1({ id: "b2", k: "a", t: 12 }, 12);
  const h = harness(true, { restoreFrom: old.snapshot() });
  h.processElement1({ id: "late", k: "a", t: 8 }, 8); // joins o1, kept by the old plan
  h.processElement2({ id: "o2", k: "a", e: 20 }, 20); // joins b2 (kept by the old plan), not late (8 < 10)
  h.endInput();
  assert.deepEqual(
    old.getOutputValues().map((r) => `${r.b}-${r.o}`),
    ["b1-o1"],
  );
  assert.deepEqual(
    h
      .getOutputValues()
      .map((r) => `${r.b}-${r.o}`)
      .sort(),
    ["b2-o2", "late-o1"],
  );
});
