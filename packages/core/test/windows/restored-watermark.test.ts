/**
 * `restoreWatermark()` on windows of every operator (aligned, sessions, the general one; Flink's
 * SQL WindowAggOperator keeps its watermark in a union list state and restores the minimum): a
 * record late before the snapshot is late after the restore, at any parallelism; without it
 * (Flink's DataStream WindowOperator), or from a snapshot taken without it, the restored operator
 * starts with no watermark, as before.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EventTimeSessionWindows,
  EventTimeTrigger,
  type KeyedStream,
  OutputTag,
  PurgingTrigger,
  StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  type WindowedStream,
} from "../../src/index.js";
import type { OneInputOperator, OperatorSnapshot } from "../../src/spi/operator.js";
import {
  assertRescaleStartsFromMinimum,
  type Rec,
  afterRestore as restored,
  snapshotsAt,
} from "../fixtures/kept-watermark.js";

const lateTag = new OutputTag<Rec>("late");

/** Which window operator runs the windows. */
type Kind = "aligned" | "general" | "sessions";

/**
 * Windows counting their records per key, with the watermark restored or not: tumbling 20 ms on
 * the aligned operator, the same on the general one (a trigger other than the default), or
 * sessions of gap 10 ms.
 */
function create(restoreWatermark: boolean, kind: Kind = "aligned"): OneInputOperator<Rec, string> {
  const env = StreamExecutionEnvironment.create();
  const keyed = env.fromElements<Rec>().keyBy((r) => r.key) as KeyedStream<Rec, string>;
  const windowed: WindowedStream<Rec, string, TimeWindow> =
    kind === "sessions"
      ? keyed.window(EventTimeSessionWindows.withGap<Rec>(10))
      : keyed.window(TumblingEventTimeWindows.of<Rec>(20));
  if (kind === "general") windowed.trigger(PurgingTrigger.of(EventTimeTrigger.create()));
  windowed.sideOutputLateData(lateTag);
  if (restoreWatermark) windowed.restoreWatermark();
  windowed.process({
    process(key, ctx, elements, out) {
      out.collect(`${key}|${ctx.window().start}|${[...elements].length}`);
    },
  });
  const node = env.graph.nodes.find((n) => n.name.includes("Window"))!;
  return node.createOperator() as OneInputOperator<Rec, string>;
}

/** Snapshots of `watermarks.length` subtasks, subtask i having seen watermark `watermarks[i]` only. */
function snapshots(
  restoreWatermark: boolean,
  watermarks: readonly number[],
  kind: Kind = "aligned",
): OperatorSnapshot[] {
  return snapshotsAt(() => create(restoreWatermark, kind), watermarks);
}

/**
 * Restores `snaps` into one subtask of parallelism 1, feeds a record of window [20, 40) and one
 * of [40, 60), then watermark 40 and 60: the outputs, late records and watermarks forwarded.
 */
function afterRestore(restoreWatermark: boolean, snaps: OperatorSnapshot[], kind: Kind = "aligned") {
  const r = restored(create(restoreWatermark, kind), snaps, [30, 45], [40, 60]);
  return { out: r.out, late: r.h.getSideOutput(lateTag).map((x) => x.value.ts), watermarks: r.watermarks };
}

test("restored from two subtasks at watermarks 100 and 50 into one: starts at 50, the minimum; a record of a window fired before is late", () => {
  const r = afterRestore(true, snapshots(true, [100, 50]));
  assert.deepEqual(r.late, [30]);
  assert.deepEqual(r.out, ["a|40|1"]);
  // Watermark 40 is behind the restored 50: 50 is forwarded instead (once), as Flink does.
  assert.deepEqual(r.watermarks, [50, 60]);
});

test("sessions and the general window operator (a trigger other than the default) restore the watermark too", () => {
  for (const kind of ["general", "sessions"] as const) {
    const r = afterRestore(true, snapshots(true, [100, 50], kind), kind);
    assert.deepEqual(r.late, [30], kind);
    // Tumbling: [40, 60) fires at 60. Sessions: [45, 55) fires at 60; 30's session ended by 50.
    assert.deepEqual(r.out, kind === "sessions" ? ["a|45|1"] : ["a|40|1"], kind);
    assert.deepEqual(r.watermarks, [50, 60], kind);
    // Without it (Flink's DataStream WindowOperator), nothing is late after the restore.
    assert.deepEqual(afterRestore(false, snapshots(false, [100, 50], kind), kind).late, [], kind);
  }
});

test("each subtask of a rescale reads every old subtask's watermark (union list state)", () => {
  assertRescaleStartsFromMinimum(() => create(true));
});

test("a subtask that had no watermark yet keeps the restored operator at none", () => {
  const r = afterRestore(true, snapshots(true, [100, Number.NEGATIVE_INFINITY]));
  assert.deepEqual(r.late, []);
  assert.deepEqual(r.out, ["a|20|1", "a|40|1"]);
  assert.deepEqual(r.watermarks, [40, 60]);
});

test("without restoreWatermark (DataStream windows), or from a snapshot taken without it: no watermark after the restore, as before", () => {
  for (const [restoreNow, restoreBefore] of [
    [false, false],
    [true, false],
  ] as const) {
    const snaps = snapshots(restoreBefore, [100]);
    assert.equal(snaps[0]!.operator?.unions, undefined);
    const r = afterRestore(restoreNow, snaps);
    assert.deepEqual(r.late, [], `now ${restoreNow}`);
    assert.deepEqual(r.out, ["a|20|1", "a|40|1"]);
    assert.deepEqual(r.watermarks, [40, 60]);
  }
});
