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
