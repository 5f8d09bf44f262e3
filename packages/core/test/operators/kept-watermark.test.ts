/**
 * An operator's watermark kept in checkpoints (StreamOperator.keepWatermark), beyond the window
 * operators (test/windows/restored-watermark.test.ts): a keyed process function with
 * `process(fn, { restoreWatermark: true })` reads the restored watermark (the minimum of the old
 * subtasks') from `timerService().currentWatermark()`, so a record late before the snapshot is late
 * after it; an operator of two inputs keeps its combined watermark the same way. Without the
 * option, or from a snapshot taken without it, the restored operator starts with no watermark, as
 * Flink's KeyedProcessOperator does.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type KeyedProcessFunction, type KeyedStream, StreamExecutionEnvironment } from "../../src/index.js";
import { type OneInputOperator, type OperatorSnapshot, TwoInputOperator } from "../../src/spi/operator.js";
import { TwoInputOperatorHarness } from "../../src/testing/index.js";
import {
  assertRescaleStartsFromMinimum,
  type Rec,
  afterRestore as restored,
  snapshotsAt,
} from "../fixtures/kept-watermark.js";

/**
 * Holds each record until the watermark passes its time, then emits `key@ts`; a record at or
 * behind the watermark it reads is dropped as `late key@ts` (the shape of SQL's window Top-N).
 */
const holdUntilWatermark: KeyedProcessFunction<string, Rec, string> = {
  processElement(r, ctx, out) {
    const timers = ctx.timerService();
    if (r.ts <= timers.currentWatermark()) out.collect(`late ${r.key}@${r.ts}`);
    else timers.registerEventTimeTimer(r.ts);
  },
  onTimer(ts, ctx, out) {
    out.collect(`${ctx.getCurrentKey()}@${ts}`);
  },
};

/** The keyed process operator of `holdUntilWatermark`, its watermark kept or not. */
function create(restoreWatermark: boolean): OneInputOperator<Rec, string> {
  const env = StreamExecutionEnvironment.create();
  const keyed = env.fromElements<Rec>().keyBy((r) => r.key) as KeyedStream<Rec, string>;
  if (restoreWatermark) keyed.process(holdUntilWatermark, { restoreWatermark: true });
  else keyed.process(holdUntilWatermark);
  const node = env.graph.nodes.find((n) => n.name === "KeyedProcess")!;
  return node.createOperator() as OneInputOperator<Rec, string>;
}

/** Snapshots of `watermarks.length` subtasks, subtask i having seen watermark `watermarks[i]` only. */
function snapshots(restoreWatermark: boolean, watermarks: readonly number[]): OperatorSnapshot[] {
  return snapshotsAt(() => create(restoreWatermark), watermarks);
}

/** Restores `snaps` at parallelism 1, feeds records at 30 and 55, then watermarks 40 and 60. */
function afterRestore(restoreWatermark: boolean, snaps: OperatorSnapshot[]) {
  return restored(create(restoreWatermark), snaps, [30, 55], [40, 60]);
}

test("a keyed process function with restoreWatermark reads the minimum of the old subtasks' watermarks after a restore: a record late before is late after", () => {
  const r = afterRestore(true, snapshots(true, [100, 50]));
  assert.deepEqual(r.out, ["late a@30", "a@55"]);
  // Watermark 40 is behind the restored 50: 50 is forwarded in its place (once).
  assert.deepEqual(r.watermarks, [50, 60]);
});

test("each subtask of a rescale to 3 starts from the minimum, and snapshots its own watermark only", () => {
  assertRescaleStartsFromMinimum(() => create(true));
});

test("without the option (Flink's KeyedProcessOperator), from a snapshot taken without it, or where a subtask had no watermark: none after the restore, as before", () => {
  for (const [now, before, watermarks] of [
    [false, false, [100]],
    [true, false, [100]],
    [false, true, [100]],
    [true, true, [100, Number.NEGATIVE_INFINITY]],
  ] as const) {
    const r = afterRestore(now, snapshots(before, watermarks));
    const where = `now ${now}, before ${before}, ${watermarks.join(" ")}`;
    assert.deepEqual(r.out, ["a@30", "a@55"], where);
    assert.deepEqual(r.watermarks, [40, 60], where);
  }
});

/** An operator of two inputs that keeps its watermark (or not) and reports it with each record. */
class TwoInputKeeping extends TwoInputOperator<number, number, string> {
  constructor(keep: boolean) {
    super();
    if (keep) this.keepWatermark();
  }
  processElement1(v: number, timestamp: number): void {
    this.output.collect(`${v} at ${this.currentWatermark}`, timestamp);
  }
  processElement2(v: number, timestamp: number): void {
    this.processElement1(v, timestamp);
  }
}

test("an operator of two inputs keeps its combined watermark the same way (keepWatermark)", () => {
  for (const keep of [true, false]) {
    const first = new TwoInputOperatorHarness(new TwoInputKeeping(keep));
    first.open();
    first.processWatermark1(80);
    first.processWatermark2(30);
    const h = new TwoInputOperatorHarness(new TwoInputKeeping(keep), { restoreFrom: first.snapshot() });
    h.open();
    h.processElement1(1);
    h.processWatermark1(10);
    h.processWatermark2(20);
    h.processElement2(2);
    h.processWatermark2(40);
    h.processWatermark1(50);
    const out = h.getOutput().map((r) => r.value);
    if (keep) {
      assert.deepEqual(out, ["1 at 30", "2 at 30"]);
      assert.deepEqual(h.getWatermarks(), [30, 40]);
    } else {
      assert.deepEqual(out, ["1 at -Infinity", "2 at 10"]);
      assert.deepEqual(h.getWatermarks(), [10, 40]);
    }
  }
});
