/** The test kit itself: two-input harnesses, processing time, snapshots, lifecycle, collect helpers. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type BroadcastProcessFunction,
  type CoProcessFunction,
  isFleuveError,
  mapState,
  type ValueState,
  valueState,
} from "../../src/index.js";
import {
  BroadcastProcessOperator,
  CollectSink,
  CoProcessOperator,
  harnessFor,
  KeyedTwoInputOperatorHarness,
  runPipeline,
  ScriptedSource,
} from "../../src/testing/index.js";

interface Order {
  id: string;
  total: number;
}
interface Pay {
  order: string;
  paid: number;
}
type JoinState = { order?: ValueState<Order> };
/** Emits "paid" when the payment of a known order arrives; times orders out after 100 ms of processing time. */
const join: CoProcessFunction<Order, Pay, string, string> & JoinState = {
  open(ctx) {
    this.order = ctx.getState(valueState<Order>("order"));
  },
  processElement1(o, ctx) {
    this.order!.update(o);
    ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 100);
  },
  processElement2(p, ctx, out) {
    const o = this.order!.value();
    if (o) out.collect(`${ctx.getCurrentKey()} paid ${p.paid}/${o.total}`);
    this.order!.clear();
  },
  onTimer(t, ctx, out) {
    if (this.order!.value()) out.collect(`${ctx.getCurrentKey()} timed out at ${t}`);
    this.order!.clear();
  },
};

const joinHarness = (opts = {}) =>
  new KeyedTwoInputOperatorHarness<Order, Pay, string, string>(
    new CoProcessOperator(join),
    (o) => o.id,
    (p) => p.order,
    opts,
  );

test("keyed two-input harness: both inputs share the key's state; processing-time timers via the clock", () => {
  const h = joinHarness();
  h.setProcessingTime(1000);
  h.processElement1({ id: "a", total: 5 }, 1);
  h.processElement1({ id: "b", total: 7 }, 2);
  h.processElement2({ order: "a", paid: 5 }, 3);
  assert.deepEqual(h.getOutput(), [{ value: "a paid 5/5", timestamp: 3 }]);
  assert.equal(h.numKeyedStateEntries(), 1);
  assert.equal(h.numProcessingTimeTimers(), 2);
  h.setProcessingTime(1099);
  assert.equal(h.getOutput().length, 1);
  h.setProcessingTime(1100);
  assert.deepEqual(h.getOutput()[1], { value: "b timed out at 1100", timestamp: undefined });
  assert.equal(h.numKeyedStateEntries(), 0);
});

test("snapshot of a two-input harness restores state and processing-time timers into a new one", () => {
  const h = joinHarness();
  h.processElement1({ id: "a", total: 5 });
  h.processElement1({ id: "b", total: 7 });
  const snap = h.snapshot();
  h.processElement2({ order: "a", paid: 1 }); // after the snapshot: not in the restored harness
  h.close();
  const r = joinHarness({ restoreFrom: snap });
  r.processElement2({ order: "b", paid: 7 });
  assert.deepEqual(r.getOutputValues(), ["b paid 7/7"]);
  r.setProcessingTime(100);
  assert.deepEqual(r.getOutputValues(), ["b paid 7/7", "a timed out at 100"]);
  assert.throws(
    () => r.initializeState(snap),
    (e) => isFleuveError(e, "FLEUVE_STATE_INVALID"),
  );
});

test("keyed broadcast harness: broadcast state is written on input 2, read per key, and snapshotted", () => {
  const limits = mapState<string, number>("limits");
  const fn: BroadcastProcessFunction<Pay, [string, number], string, string> = {
    processElement(p, ctx, out) {
      const limit = ctx.getBroadcastState(limits).get("max") ?? Number.POSITIVE_INFINITY;
      if (p.paid > limit) out.collect(`${ctx.getCurrentKey()} over ${limit}`);
    },
    processBroadcastElement([k, v], ctx) {
      ctx.getBroadcastState(limits).put(k, v);
    },
  };
  const make = (opts = {}) =>
    new KeyedTwoInputOperatorHarness<Pay, [string, number], string, string>(
      new BroadcastProcessOperator(fn, [limits]),
      (p) => p.order,
      undefined,
      opts,
    );
  const h = make();
  h.processElement1({ order: "x", paid: 1000 });
  h.processElement2(["max", 100]);
  h.processElement1({ order: "y", paid: 150 });
  h.processElement1({ order: "z", paid: 50 });
  assert.deepEqual(h.getOutputValues(), ["y over 100"]);
  const restored = make({ parallelism: 2, subtaskIndex: 1, restoreFrom: h.snapshot() });
  restored.processElement1({ order: "w", paid: 101 });
  assert.deepEqual(restored.getOutputValues(), ["w over 100"], "broadcast state copied to every subtask");
});

test("harness lifecycle: endInput fires event-time timers and forwards the final watermark; bad subtask index", () => {
  const h = harnessFor<number, string, string>(
    {
      processElement(v, ctx) {
        ctx.timerService().registerEventTimeTimer(v);
      },
      onTimer(t, ctx, out) {
        out.collect(`${ctx.getCurrentKey()}@${t}`);
      },
    },
    (v) => (v % 2 ? "odd" : "even"),
  );
  h.processElement(10, 1);
  h.processElement(3, 1);
  h.processWatermark(5);
  assert.deepEqual(h.getOutputValues(), ["odd@3"]);
  assert.deepEqual(h.getWatermarks(), [5]);
  h.endInput();
  assert.deepEqual(h.getOutput(), [
    { value: "odd@3", timestamp: 3 },
    { value: "even@10", timestamp: 10 },
  ]);
  assert.deepEqual(h.getWatermarks(), [5, Number.POSITIVE_INFINITY]);
  // timer results come before the watermark that fired them
  assert.deepEqual(h.getOutputWithWatermarks(), [
    { value: "odd@3", timestamp: 3 },
    { watermark: 5 },
    { value: "even@10", timestamp: 10 },
    { watermark: Number.POSITIVE_INFINITY },
  ]);
  h.clearOutput();
  assert.deepEqual([h.getOutput(), h.getWatermarks()], [[], []]);
  assert.throws(
    () => harnessFor({ processElement() {} }, (v: number) => v, { parallelism: 2, subtaskIndex: 2 }),
    (e) => isFleuveError(e, "FLEUVE_CONFIG_INVALID"),
  );
});

test("runPipeline, CollectSink and ScriptedSource: timestamps, sink subtasks, metrics", {
  timeout: 60_000,
}, async () => {
  const src = new ScriptedSource<string>([
    { value: "a", timestamp: 1 },
    { watermark: 1 },
    { value: "b" },
    { value: "c", timestamp: 3 },
  ]);
  const run = await runPipeline((env) => env.fromSource(src).map((s) => s.toUpperCase()), { parallelism: 2 });
  assert.deepEqual(
    run.records.map((r) => [r.value, r.timestamp]),
    [
      ["A", 1],
      ["B", undefined],
      ["C", 3],
    ],
    "the script plays on subtask 0, in order",
  );
  assert.deepEqual(new Set(run.records.map((r) => r.subtask)), new Set([0]));
  assert.equal(src.finishedScripts, 2);
  const sink = Object.values(run.result.metrics).find((m) => m.name === "CollectSink")!;
  assert.equal(sink.recordsIn, 3);

  const spread = await runPipeline(
    (env) =>
      env
        .fromSequence(1, 40)
        .rebalance()
        .map((x) => x),
    { parallelism: 4 },
  );
  assert.equal(new Set(spread.records.map((r) => r.subtask)).size, 4, "a CollectSink at parallelism 4");
  assert.deepEqual(
    spread.values.sort((a, b) => a - b),
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
  assert.ok(new CollectSink<number>().values().length === 0);
});

test("harnessFor without a key selector keys scalar records by themselves", () => {
  const h = harnessFor<string, string>({
    processElement(v, ctx, out) {
      out.collect(`${ctx.getCurrentKey()}=${v}`);
    },
  });
  h.processElement("a");
  h.processElement("b");
  assert.deepEqual(h.getOutputValues(), ["a=a", "b=b"]);
  assert.throws(
    () => (h as unknown as { processElement(v: unknown): void }).processElement({ not: "a key" }),
    (e) => isFleuveError(e, "FLEUVE_KEY_INVALID"),
  );
});
