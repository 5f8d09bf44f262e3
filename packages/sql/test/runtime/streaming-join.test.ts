// The SQL regular join operator driven record by record: the changelog Flink's
// StreamingJoinOperator sends (inner joins forward the input's kind; outer joins send +I/-D,
// retracting and restoring NULL-padded rows as partners come and go), duplicates, retractions
// from an updating input, and state TTL in processing time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyedTwoInputOperatorHarness } from "@fleuve/core/testing";
import { type Row, rowKind, withKind } from "@fleuve/sql";
import type { JoinType } from "../../src/runtime/interval-join.js";
import { SqlStreamingJoinOperator } from "../../src/runtime/streaming-join.js";

function harness(type: JoinType, stateTtlMs?: number) {
  const op = new SqlStreamingJoinOperator({
    type,
    matches: (l, r) => l.k === r.k,
    combine: (l, r) => ({ l: l?.id ?? null, r: r?.id ?? null }),
    stateTtlMs,
  });
  return new KeyedTwoInputOperatorHarness<Row, Row, Row>(
    op,
    (row) => row.k as string,
    (row) => row.k as string,
  );
}
const row = (id: string, k = "a"): Row => ({ id, k });
const changes = (h: ReturnType<typeof harness>) =>
  h.getOutputValues().map((r) => `${rowKind(r)}[${r.l}, ${r.r}]`);

test("LEFT JOIN: a left row without partner is padded, retracted when its first partner comes, padded again when its last one goes", () => {
  const h = harness("LEFT");
  h.processElement1(row("o1"), 1);
  h.processElement2(row("p1"), 2);
  h.processElement2(row("p2"), 3);
  h.processElement2(withKind(row("p1"), "-D"), 4);
  h.processElement2(withKind(row("p2"), "-D"), 5);
  h.processElement2(row("x", "b"), 6); // another key: nothing
  assert.deepEqual(changes(h), [
    "+I[o1, null]",
    "-D[o1, null]",
    "+I[o1, p1]",
    "+I[o1, p2]",
    "-D[o1, p1]",
    "-D[o1, p2]",
    "+I[o1, null]",
  ]);
});

test("FULL JOIN pads both sides; a retracted outer row retracts its padded row", () => {
  const h = harness("FULL");
  h.processElement2(row("p1"), 1);
  h.processElement1(row("o1"), 2);
  h.processElement1(withKind(row("o1"), "-U"), 3);
  h.processElement2(withKind(row("p1"), "-D"), 4);
  assert.deepEqual(changes(h), [
    "+I[null, p1]",
    "-D[null, p1]",
    "+I[o1, p1]",
    "-D[o1, p1]",
    "+I[null, p1]",
    "-D[null, p1]",
  ]);
  assert.equal(h.numKeyedStateEntries(), 0);
});

test("INNER JOIN forwards the input's kind, and joins every copy of a duplicated row", () => {
  const h = harness("INNER");
  h.processElement1(row("o1"), 1);
  h.processElement1(row("o1"), 2); // a second, equal row
  h.processElement2(withKind(row("p1"), "+U"), 3);
  h.processElement2(withKind(row("p1"), "-U"), 4);
  h.processElement1(withKind(row("o1"), "-D"), 5);
  h.processElement2(row("p2"), 6);
  assert.deepEqual(changes(h), ["+U[o1, p1]", "+U[o1, p1]", "-U[o1, p1]", "-U[o1, p1]", "+I[o1, p2]"]);
});

test("with a state TTL, a row not written for that long (processing time) no longer joins", () => {
  const h = harness("LEFT", 1000);
  h.setProcessingTime(0);
  h.processElement2(row("p1"), 1);
  h.setProcessingTime(500);
  h.processElement1(row("o1"), 2); // p1 is 500 ms old: joins
  h.setProcessingTime(1200);
  h.processElement1(row("o2"), 3); // p1 was written at 0: expired
  h.setProcessingTime(1300);
  h.processElement2(row("p2"), 4); // o1 written at 500 (700 ms ago) joins; o2 too
  assert.deepEqual(changes(h), ["+I[o1, p1]", "+I[o2, null]", "+I[o1, p2]", "-D[o2, null]", "+I[o2, p2]"]);
  const h2 = harness("INNER");
  h2.setProcessingTime(0);
  h2.processElement2(row("p1"), 1);
  h2.setProcessingTime(1_000_000);
  h2.processElement1(row("o1"), 2); // no TTL: still joins
  assert.deepEqual(changes(h2), ["+I[o1, p1]"]);
});

// Expiry of an append-only side (q7's plan: bids joined with the window maxima on price, a bid
// kept only while a later maximum could still have its dateTime within 10 s before its window
// end). Later right rows have `e` above the right input's watermark; left rows may be late.
import fc from "fast-check";

const BOUND = 10;
function expiringHarness(expire: boolean) {
  const op = new SqlStreamingJoinOperator({
    type: "INNER",
    // l.k = r.k AND l.t BETWEEN r.e - BOUND AND r.e
    matches: (l, r) =>
      l.k === r.k && typeof l.t === "number" && l.t >= (r.e as number) - BOUND && l.t <= (r.e as number),
    combine: (l, r) => ({ l: l?.id ?? null, r: r?.id ?? null }),
    insertOnly: { left: true, right: true },
    expiry: expire
      ? { left: { until: (l) => (typeof l.t === "number" ? l.t + BOUND : null), sweepEveryMs: 3 } }
      : undefined,
  });
  return new KeyedTwoInputOperatorHarness<Row, Row, Row>(
    op,
    (row) => row.k as string,
    (row) => row.k as string,
  );
}

type Step =
  | { kind: "left"; k: string; t: number | null }
  | { kind: "right"; k: string; ahead: number }
  | { kind: "wmLeft" | "wmRight"; by: number }
  | { kind: "idleRight" };

/**
 * Runs `steps`; a right row's `e` is the right watermark + 1 + ahead (never at or below it), a
 * left row's `t` the right watermark + t.
 */
function run(h: ReturnType<typeof expiringHarness>, steps: readonly Step[]): string[] {
  let wmLeft = 0;
  let wmRight = 0;
  steps.forEach((s, i) => {
    // A left row's time is around the right watermark (before or after it: left rows may be late).
    const t = s.kind === "left" && s.t !== null ? wmRight + s.t : null;
    if (s.kind === "left") h.processElement1({ id: `l${i}`, k: s.k, t }, t ?? 0);
    else if (s.kind === "right")
      h.processElement2({ id: `r${i}`, k: s.k, e: wmRight + 1 + s.ahead }, wmRight + 1);
    else if (s.kind === "wmLeft") h.processWatermark1((wmLeft += s.by));
    else if (s.kind === "wmRight") h.processWatermark2((wmRight += s.by));
    else h.processIdle2(true);
  });
  return h.getOutputValues().map((r) => `${r.l}-${r.r}`);
}

const steps = (idle: boolean) =>
  fc.array(
    fc.oneof(
      fc.record({
        kind: fc.constant("left" as const),
        k: fc.constantFrom("a", "b"),
        t: fc.option(fc.integer({ min: -20, max: 20 }), { freq: 10 }),
      }),
      fc.record({ kind: fc.constant("right" as const), k: fc.constantFrom("a", "b"), ahead: fc.nat(15) }),
      fc.record({ kind: fc.constantFrom("wmLeft" as const, "wmRight" as const), by: fc.nat(8) }),
      ...(idle ? [fc.constant({ kind: "idleRight" as const })] : []),
    ),
    { maxLength: 80 },
  );

test("an expiring left side joins exactly as one that keeps every row, late left rows included", () => {
  fc.assert(
    fc.property(steps(true), (s) => {
      assert.deepEqual(run(expiringHarness(true), s), run(expiringHarness(false), s));
    }),
    { numRuns: 500 },
  );
});

test("the expiring side's state no longer holds the rows the right watermark has passed", () => {
  const h = expiringHarness(true);
  for (let t = 0; t < 100; t++) h.processElement1({ id: `l${t}`, k: `k${t}`, t }, t);
  assert.equal(h.numKeyedStateEntries(), 100);
  h.processWatermark1(200);
  h.processWatermark2(40);
  h.processElement2({ id: "r", k: "x", e: 55 }, 41);
  h.processWatermark2(60); // left rows with t + 10 <= 60 go: t <= 50
  assert.equal(h.numKeyedStateEntries(), 49 + 1); // and the right row
  // A row already past its expiry still joins what is kept, and is not kept itself.
  h.processElement1({ id: "late", k: "x", t: 48 }, 48);
  assert.deepEqual(
    h.getOutputValues().map((r) => `${r.l}-${r.r}`),
    ["late-r"],
  );
  assert.equal(h.numKeyedStateEntries(), 50);
});

test("after the right input went idle, the left rows are kept: its later rows may be behind its watermark", () => {
  const h = expiringHarness(true);
  h.processElement1({ id: "l", k: "a", t: 5 }, 5);
  h.processIdle2(true);
  h.processWatermark1(100);
  h.processWatermark2(100);
  h.processElement2({ id: "r", k: "a", e: 10 }, 10);
  assert.deepEqual(
    h.getOutputValues().map((r) => `${r.l}-${r.r}`),
    ["l-r"],
  );
});
