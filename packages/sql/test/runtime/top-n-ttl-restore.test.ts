// A savepoint taken by a Top-N without a state TTL (its rows in the plain state `sql-top-n`, the
// only layout before table.exec.state.ttl applied to Top-N) restores into a Top-N with the TTL:
// the output of the interrupted run (first half without TTL, savepoint, second half with TTL)
// equals an uninterrupted run with the TTL, and moved rows then expire TTL after the move.
import assert from "node:assert/strict";
import { test } from "node:test";
import { harnessFor } from "@fleuve/core/testing";
import { type Row, rowKind } from "@fleuve/sql";
import { TopNFunction, type TopNSpec } from "../../src/runtime/top-n.js";

const HOUR = 3_600_000;

const spec = (stateTtlMs: number | undefined, updatingInput = false): TopNSpec => ({
  compare: (a, b) => (b.v as number) - (a.v as number),
  start: 1,
  end: 2,
  rankColumn: "rn",
  updatingInput,
  stateTtlMs,
});
const harness = (s: TopNSpec, restoreFrom?: ReturnType<ReturnType<typeof harnessFor>["snapshot"]>) =>
  harnessFor<Row, Row, string>(new TopNFunction(s), (r) => r.k as string, restoreFrom ? { restoreFrom } : {});
const text = (r: Row) => `${rowKind(r)}${JSON.stringify({ ...r, $rowkind: undefined })}`;

/** 40 rows over 4 keys, values from a fixed linear congruential sequence. */
const INPUT: Row[] = [];
for (let i = 0, x = 7; i < 40; i++) {
  x = (x * 1103515245 + 12345) % 2147483648;
  INPUT.push({ k: `k${x % 4}`, v: x % 100 });
}

test("a Top-N savepoint taken without TTL restores into a Top-N with TTL: same output as uninterrupted", () => {
  const whole = harness(spec(HOUR));
  whole.setProcessingTime(1000);
  for (const r of INPUT) whole.processElement({ ...r });
  const expected = whole.getOutputValues().map(text);

  const first = harness(spec(undefined));
  first.setProcessingTime(1000);
  for (const r of INPUT.slice(0, 20)) first.processElement({ ...r });
  const savepoint = first.snapshot();
  const second = harness(spec(HOUR), savepoint);
  second.setProcessingTime(1000);
  for (const r of INPUT.slice(20)) second.processElement({ ...r });
  assert.deepEqual([...first.getOutputValues(), ...second.getOutputValues()].map(text), expected);

  // Its savepoint (moved keys under the TTL'd state, untouched ones still plain) restores again.
  const third = harness(spec(HOUR), second.snapshot(2));
  third.setProcessingTime(1000);
  third.processElement({ k: "k0", v: 1000 });
  third.processElement({ k: "k1", v: 1000 });
  const again = harness(spec(HOUR));
  again.setProcessingTime(1000);
  for (const r of INPUT) again.processElement({ ...r });
  again.processElement({ k: "k0", v: 1000 });
  again.processElement({ k: "k1", v: 1000 });
  assert.deepEqual(
    third.getOutputValues().map(text),
    again.getOutputValues().slice(expected.length).map(text),
  );
});

test("rows moved from the plain state expire TTL after the move, and are not read twice", () => {
  const first = harness(spec(undefined));
  first.processElement({ k: "a", v: 50 });
  first.processElement({ k: "a", v: 40 });
  const second = harness(spec(10_000), first.snapshot());
  second.setProcessingTime(100_000);
  // a's rows move over at 100 s: 45 ranks second.
  second.processElement({ k: "a", v: 45 });
  assert.deepEqual(second.getOutputValues().map(text), [
    '-U{"k":"a","v":40,"rn":2}',
    '+U{"k":"a","v":45,"rn":2}',
  ]);
  // 10 s after the move they have expired, and the plain state was cleared: 1 ranks first.
  second.setProcessingTime(110_000);
  second.processElement({ k: "a", v: 1 });
  assert.deepEqual(second.getOutputValues().slice(2).map(text), ['+I{"k":"a","v":1,"rn":1}']);
});
