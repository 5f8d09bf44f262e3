// The temporal sort's state restored from a snapshot, at the same parallelism and at another one:
// the held rows, their timers and the time of the last batch emitted (Flink's lastTriggeringTs)
// come back, so a row at or before that time is still dropped after the restore, and the output
// of the interrupted run equals the uninterrupted run's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { harnessFor } from "@fleuve/core/testing";
import type { Row } from "@fleuve/sql";
import { RowtimeSortFunction } from "../../src/runtime/temporal-sort.js";

type Step = { row: Row } | { watermark: number };
type Snapshot = ReturnType<ReturnType<typeof harnessFor>["snapshot"]>;
const harness = (options: { restoreFrom?: Snapshot; parallelism?: number; subtaskIndex?: number }) =>
  harnessFor<Row, Row, string>(
    new RowtimeSortFunction(
      (r) => r.ts as number,
      (a, b) => (a.ts as number) - (b.ts as number),
    ),
    () => "",
    options,
  );
const feed = (h: ReturnType<typeof harness>, steps: readonly Step[]) => {
  for (const s of steps) {
    if ("row" in s) h.processElement({ ...s.row });
    else h.processWatermark(s.watermark);
  }
};

const BEFORE: Step[] = [
  { row: { id: 1, ts: 1000 } },
  { row: { id: 2, ts: 20_000 } },
  { row: { id: 3, ts: 5000 } },
  { watermark: 15_000 }, // emits 1 and 3; 2 is held with its timer; the last batch is at 5 s
];
const AFTER: Step[] = [
  { row: { id: 4, ts: 5000 } }, // at the last batch's time: late, dropped
  { row: { id: 5, ts: 10_000 } }, // behind the watermark but after the last batch: kept
  { row: { id: 6, ts: 2000 } }, // late
  { watermark: Number.MAX_SAFE_INTEGER },
];

test("a temporal sort snapshot restores held rows, timers and the last emitted time, at parallelism 1 and 2", () => {
  const whole = harness({});
  feed(whole, [...BEFORE, ...AFTER]);
  const expected = whole.getOutputValues().map((r) => r.id);
  assert.deepEqual(expected, [1, 3, 5, 2]);

  const first = harness({});
  feed(first, BEFORE);
  const snapshot = first.snapshot();
  assert.equal(first.numEventTimeTimers(), 1);

  for (const parallelism of [1, 2]) {
    const subtasks = Array.from({ length: parallelism }, (_, subtaskIndex) =>
      harness({ restoreFrom: snapshot, parallelism, subtaskIndex }).open(),
    );
    // The subtask owning the single key gets its timer back; the others get nothing.
    const owners = subtasks.filter((h) => h.numEventTimeTimers() === 1);
    assert.equal(owners.length, 1, `one owner of the key at parallelism ${parallelism}`);
    const owner = owners[0] as ReturnType<typeof harness>;
    feed(owner, AFTER);
    assert.deepEqual(
      [...first.getOutputValues(), ...owner.getOutputValues()].map((r) => r.id),
      expected,
      `restored at parallelism ${parallelism}`,
    );
  }
});
