/**
 * Watermarks: minimum over inputs (union and connect), idle inputs, the final watermark of a
 * bounded input, and bounded out-of-orderness (maxTs - bound - 1).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  BoundedOutOfOrdernessGenerator,
  isFleuveError,
  type KeyedProcessFunction,
  OneInputOperator,
  StreamExecutionEnvironment,
  type WatermarkGenerator,
  WatermarkStrategy,
} from "../../src/index.js";
import { TimestampsAndWatermarksOperator } from "../../src/operators/timestamps-and-watermarks.js";
import {
  CoProcessOperator,
  collectWithTimestamps,
  OneInputOperatorHarness,
  ScriptedSource,
  type ScriptStep,
  TwoInputOperatorHarness,
} from "../../src/testing/index.js";
import { MIN_WATERMARK, WatermarkValve } from "../../src/time/watermark.js";

interface Ev {
  src: string;
  ts: number;
  sentinel?: boolean;
}

/** Forwards records; logs the watermarks it receives and calls `onRecord` with the current one. */
class WatermarkRecorder<T> extends OneInputOperator<T, T> {
  constructor(
    private readonly watermarks: number[],
    private readonly onRecord: (value: T, watermark: number) => void = () => {},
  ) {
    super();
  }
  processElement(value: T, timestamp: number): void {
    this.onRecord(value, this.currentWatermark);
    this.output.collect(value, timestamp);
  }
  override processWatermark(watermark: number): void {
    this.watermarks.push(watermark);
    super.processWatermark(watermark);
  }
}

/** A script: records at `ts`, a watermark after each, then a sentinel record after the last watermark. */
function script(src: string, watermarks: number[]): ScriptStep<Ev>[] {
  const steps: ScriptStep<Ev>[] = [];
  for (const w of watermarks) steps.push({ value: { src, ts: w + 1 }, timestamp: w + 1 }, { watermark: w });
  steps.push({ value: { src, ts: 0, sentinel: true }, timestamp: watermarks.at(-1)! + 1 });
  return steps;
}

test("the watermark after a union of 3 sources is the minimum of theirs", { timeout: 60_000 }, async () => {
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const finals = { a: 300, b: 100, c: 200 };
  const [a, b, c] = (["a", "b", "c"] as const).map((s, i) =>
    env.fromSource(
      new ScriptedSource(
        script(
          s,
          [10 * (i + 1), 50 + i, finals[s]].sort((x, y) => x - y),
        ),
        { holdUntil: hold },
      ),
      undefined,
      `src-${s}`,
    ),
  );
  const seen: number[] = [];
  let sentinels = 0;
  let watermarkAtLastSentinel: number | undefined;
  let seenBeforeRelease = -1;
  const out = a!.union(b!, c!).transform(
    "Recorder",
    () =>
      new WatermarkRecorder<Ev>(seen, (v, wm) => {
        if (v.sentinel && ++sentinels === 3) {
          // Every source has sent its last watermark (it precedes the sentinel in its channel).
          watermarkAtLastSentinel = wm;
          seenBeforeRelease = seen.length;
          release();
        }
      }),
  );
  const records = await collectWithTimestamps(out);
  assert.equal(records.length, 12);
  assert.equal(watermarkAtLastSentinel, 100, "min(300, 100, 200)");
  assert.equal(seen.at(-1), Number.POSITIVE_INFINITY, "final watermark once all sources ended");
  // Once released, sources end one by one and each end lifts its input to +Infinity: only the
  // watermarks before that must stay at or below the slowest source.
  const beforeRelease = seen.slice(0, seenBeforeRelease);
  assert.equal(beforeRelease.at(-1), 100);
  for (const w of beforeRelease) assert.ok(w <= 100, `watermark ${w} passed the slowest source`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, "watermarks only advance");
});

test("a connected (two-input) operator's watermark is the minimum of both inputs", {
  timeout: 60_000,
}, async () => {
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const left = env.fromSource(new ScriptedSource(script("l", [5, 40, 400]), { holdUntil: hold }));
  const right = env.fromSource(new ScriptedSource(script("r", [30, 60, 90]), { holdUntil: hold }));
  const seen: number[] = [];
  let sentinels = 0;
  let atEnd: number | undefined;
  let before = -1;
  const out = left
    .connect(right)
    .process<Ev>({
      processElement1: (v, _c, o) => o.collect(v),
      processElement2: (v, _c, o) => o.collect(v),
    })
    .transform(
      "Recorder",
      () =>
        new WatermarkRecorder<Ev>(seen, (v, wm) => {
          if (v.sentinel && ++sentinels === 2) {
            atEnd = wm;
            before = seen.length;
            release();
          }
        }),
    );
  const records = await collectWithTimestamps(out);
  assert.equal(records.length, 8);
  assert.equal(atEnd, 90);
  assert.equal(seen[before - 1], 90);
  for (const w of seen.slice(0, before)) assert.ok(w <= 90, `watermark ${w}`);
  assert.equal(seen.at(-1), Number.POSITIVE_INFINITY);
});

test("two-input harness: min of inputs, idle input does not hold back, active again it does", () => {
  const h = new TwoInputOperatorHarness(
    new CoProcessOperator<number, number, number>({
      processElement1: (v, _c, o) => o.collect(v),
      processElement2: (v, _c, o) => o.collect(v),
    }),
  );
  h.processWatermark1(5);
  assert.deepEqual(h.getWatermarks(), [], "input 2 has no watermark yet");
  h.processWatermark2(3);
  assert.deepEqual(h.getWatermarks(), [3]);
  h.processWatermark2(10);
  assert.deepEqual(h.getWatermarks(), [3, 5]);
  h.processWatermark2(20);
  h.processIdle1(true);
  assert.deepEqual(h.getWatermarks(), [3, 5, 20], "idle input 1 no longer holds back");
  h.processWatermark1(15); // input 1 active again, behind: the watermark does not go back
  h.processWatermark2(30);
  assert.deepEqual(h.getWatermarks(), [3, 5, 20]);
  h.processWatermark1(40);
  assert.deepEqual(h.getWatermarks(), [3, 5, 20, 30]);
});

test("an idle source (withIdleness) stops holding back the watermark of a union", {
  timeout: 60_000,
}, async () => {
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  const env = StreamExecutionEnvironment.create({ parallelism: 1, autoWatermarkIntervalMs: 5 });
  // "fast" sends watermark 1000 then waits; "quiet" sends watermark 10 then stops emitting for good.
  const fast = env.fromSource(
    new ScriptedSource(script("fast", [1000]), { holdUntil: hold }),
    undefined,
    "fast",
  );
  const quiet = env.fromSource(
    new ScriptedSource<Ev>([{ value: { src: "quiet", ts: 10 }, timestamp: 10 }, { watermark: 10 }], {
      holdUntil: hold,
    }),
    WatermarkStrategy.noWatermarks<Ev>().withIdleness(20),
    "quiet",
  );
  const seen: number[] = [];
  let reached!: () => void;
  const passed = new Promise<void>((r) => (reached = r));
  const recorder = new WatermarkRecorder<Ev>(seen);
  const origProcessWatermark = recorder.processWatermark.bind(recorder);
  recorder.processWatermark = (w: number) => {
    origProcessWatermark(w);
    if (w >= 1000) reached();
  };
  fast.union(quiet).transform("Recorder", () => recorder);
  const client = env.executeAsync("idleness");
  // Bounded wait so that a regression fails instead of hanging.
  const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 10_000).unref());
  const outcome = await Promise.race([passed.then(() => "passed" as const), timeout]);
  client.cancel();
  release();
  await assert.rejects(client.result, (e) => isFleuveError(e, "FLEUVE_JOB_CANCELLED"));
  assert.equal(outcome, "passed", `watermark never passed the idle source; saw ${seen}`);
  const beforeIdle = seen.filter((w) => w < 1000);
  for (const w of beforeIdle) assert.ok(w <= 10, `watermark ${w} passed the active quiet source`);
  assert.equal(seen.filter((w) => w >= 1000)[0], 1000);
});

test("the final watermark of a bounded input fires pending event-time timers", {
  timeout: 60_000,
}, async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  // No watermark strategy: only the end of input can fire the timers.
  const fn: KeyedProcessFunction<string, { k: string; ts: number }, string> = {
    processElement(v, ctx) {
      ctx.timerService().registerEventTimeTimer(v.ts + 1_000_000);
    },
    onTimer(t, ctx, out) {
      out.collect(`${ctx.getCurrentKey()}@${t}`);
    },
  };
  const items = [
    { k: "a", ts: 1 },
    { k: "b", ts: 2 },
    { k: "a", ts: 1 },
    { k: "c", ts: 3 },
  ];
  const out = await collectWithTimestamps(
    env
      .fromCollection(items, { timestamps: items.map((i) => i.ts) })
      .keyBy((v) => v.k)
      .process(fn),
  );
  assert.deepEqual(out.map((r) => [r.value, r.timestamp]).sort(), [
    ["a@1000001", 1000001],
    ["b@1000002", 1000002],
    ["c@1000003", 1000003],
  ]);
});

test("bounded out-of-orderness emits maxTs - bound - 1 (generator and operator with a manual clock)", () => {
  const g: WatermarkGenerator<unknown> = new BoundedOutOfOrdernessGenerator<unknown>(50);
  const wms: number[] = [];
  const output = { emitWatermark: (w: number) => wms.push(w), markIdle() {}, markActive() {} };
  g.onPeriodicEmit(output);
  assert.deepEqual(wms, [], "no watermark before the first event");
  for (const ts of [1000, 1200, 1100]) g.onEvent(null, ts, output);
  g.onPeriodicEmit(output);
  assert.deepEqual(wms, [1149]);

  const h = new OneInputOperatorHarness(
    new TimestampsAndWatermarksOperator<{ t: number }>(
      WatermarkStrategy.forBoundedOutOfOrderness<{ t: number }>(50).withTimestampAssigner((e) => e.t),
      200,
    ),
  );
  for (const t of [1000, 1200, 1100]) h.processElement({ t });
  assert.deepEqual(h.getWatermarks(), []);
  h.setProcessingTime(200);
  assert.deepEqual(h.getWatermarks(), [1149]);
  h.processElement({ t: 900 }); // late: does not move the watermark back
  h.setProcessingTime(400);
  assert.deepEqual(h.getWatermarks(), [1149]);
  h.processElement({ t: 1300 });
  h.setProcessingTime(600);
  assert.deepEqual(h.getWatermarks(), [1149, 1249]);
  assert.deepEqual(
    h.getOutput().map((r) => r.timestamp),
    [1000, 1200, 1100, 900, 1300],
    "records are stamped by the assigner",
  );
  h.endInput();
  assert.equal(h.getWatermarks().at(-1), Number.POSITIVE_INFINITY);
  const mono: WatermarkGenerator<unknown> = new BoundedOutOfOrdernessGenerator<unknown>(0);
  const m: number[] = [];
  mono.onEvent(null, 77, { emitWatermark: (w) => m.push(w), markIdle() {}, markActive() {} });
  mono.onPeriodicEmit({ emitWatermark: (w) => m.push(w), markIdle() {}, markActive() {} });
  assert.deepEqual(m, [76]);
});

test("in a pipeline, every bounded-out-of-orderness watermark is max timestamp so far - bound - 1", {
  timeout: 60_000,
}, async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, autoWatermarkIntervalMs: 1 });
  const ts = Array.from({ length: 3000 }, (_, i) => 1000 + i * 3 - (i % 7) * 5);
  const seen: { w: number; max: number }[] = [];
  let max = Number.NEGATIVE_INFINITY;
  const wms: number[] = [];
  const rec = new WatermarkRecorder<number>(wms, (_v) => {});
  const orig = rec.processElement.bind(rec);
  rec.processElement = (v: number, t: number) => {
    max = Math.max(max, t);
    orig(v, t);
  };
  const origWm = rec.processWatermark.bind(rec);
  rec.processWatermark = (w: number) => {
    seen.push({ w, max });
    origWm(w);
  };
  const stream = env
    .fromCollection(ts, {
      strategy: WatermarkStrategy.forBoundedOutOfOrderness<number>(20).withTimestampAssigner((t) => t),
    })
    .transform("Recorder", () => rec);
  await collectWithTimestamps(stream);
  const last = seen.at(-1)!;
  assert.equal(last.w, Number.POSITIVE_INFINITY);
  const finite = seen.slice(0, -1);
  assert.ok(finite.length >= 1, "the end of input emits the last periodic watermark before the final one");
  for (const s of finite) assert.equal(s.w, s.max - 20 - 1);
  assert.equal(finite.at(-1)!.w, Math.max(...ts) - 21);
});

// ---- WatermarkValve: the one minimum of watermarks (subtask inputs, two-input operators, source splits, exchange senders) ----

type Op =
  | { op: "add" }
  | { op: "remove"; pick: number }
  | { op: "watermark"; pick: number; watermark: number }
  | { op: "idle"; pick: number; idle: boolean };

const ops: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ op: "add" }),
  fc.nat().map<Op>((pick) => ({ op: "remove", pick })),
  fc
    .tuple(fc.nat(), fc.integer({ min: 0, max: 50 }))
    .map<Op>(([pick, watermark]) => ({ op: "watermark", pick, watermark })),
  fc.tuple(fc.nat(), fc.boolean()).map<Op>(([pick, idle]) => ({ op: "idle", pick, idle })),
);

/** Plays `script` on a valve of `initial` inputs and checks every result against a brute-force model. */
function checkValve(initial: number, script: readonly Op[], channels: boolean): void {
  const valve = new WatermarkValve(initial, { advanceToMaxWhenAllIdle: channels });
  // model: input index -> its watermark and idleness, for live inputs only
  const model = new Map<number, { watermark: number; idle: boolean }>();
  for (let i = 0; i < initial; i++) model.set(i, { watermark: MIN_WATERMARK, idle: false });
  let combined = MIN_WATERMARK;
  for (const s of script) {
    const live = [...model.keys()];
    let advanced: number | undefined;
    let wentIdle = false;
    if (s.op === "add") {
      const i = valve.addInput();
      assert.ok(!model.has(i), `input ${i} handed out twice`);
      model.set(i, { watermark: MIN_WATERMARK, idle: false });
      assert.equal(valve.inputCount, model.size);
      continue; // adding changes nothing until the input reports
    }
    if (live.length === 0) continue;
    const i = live[s.pick % live.length]!;
    const m = model.get(i)!;
    if (s.op === "remove") {
      model.delete(i);
      advanced = valve.removeInput(i);
    } else if (s.op === "watermark") {
      m.idle = false;
      m.watermark = Math.max(m.watermark, s.watermark);
      advanced = valve.inputWatermark(i, s.watermark);
    } else {
      wentIdle = s.idle && !m.idle;
      m.idle = s.idle;
      advanced = valve.inputIdle(i, s.idle);
    }
    const active = [...model.values()].filter((x) => !x.idle);
    const min = Math.min(...active.map((x) => x.watermark));
    let expected = active.length > 0 && min > combined ? min : undefined;
    // Flink's StatusWatermarkValve: the last active channel went idle holding the watermark back.
    if (channels && wentIdle && active.length === 0 && m.watermark === combined) {
      const max = Math.max(...[...model.values()].map((x) => x.watermark));
      if (max > combined) expected = max;
    }
    if (expected !== undefined) combined = expected;
    assert.equal(advanced, expected);
    assert.equal(valve.watermark, combined);
    assert.equal(valve.isIdle, active.length === 0);
    assert.equal(valve.inputCount, model.size);
  }
}

test("property: the valve's watermark is the running maximum of the minimum over live active inputs (and, for channels, the maximum once all went idle)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 3 }), fc.array(ops, { maxLength: 60 }), fc.boolean(), checkValve),
    { numRuns: 500 },
  );
});

test("property: channels that each send watermarks then go idle, interleaved at random, end at the highest watermark", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 3 }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (perChannel, order) => {
        // Each channel: its watermarks, then idle; merged in the order `order` picks channels.
        const queues: Op[][] = perChannel.map((wms, c) => [
          ...wms.map<Op>((watermark) => ({ op: "watermark", pick: c, watermark })),
          { op: "idle", pick: c, idle: true },
        ]);
        const script: Op[] = [];
        for (const o of order) {
          const q = queues[o % queues.length]!;
          if (q.length > 0) script.push(q.shift()!);
        }
        for (const q of queues) script.push(...q);
        checkValve(perChannel.length, script, true);
        const valve = new WatermarkValve(perChannel.length, { advanceToMaxWhenAllIdle: true });
        for (const step of script)
          if (step.op === "watermark") valve.inputWatermark(step.pick, step.watermark);
          else if (step.op === "idle") valve.inputIdle(step.pick, step.idle);
        const highest = Math.max(MIN_WATERMARK, ...perChannel.flat());
        assert.equal(valve.watermark, highest, "nothing holds the watermark back once every channel is idle");
      },
    ),
    { numRuns: 300 },
  );
});

test("channels valve: wm 169 on channel 0, channel 0 idle, channel 1 idle -> 169 (Flink's StatusWatermarkValve); a splits valve stays", () => {
  const channels = new WatermarkValve(2, { advanceToMaxWhenAllIdle: true });
  assert.equal(channels.inputWatermark(0, 169), undefined, "channel 1 has no watermark yet");
  assert.equal(channels.inputIdle(0, true), undefined);
  assert.equal(channels.inputIdle(1, true), 169);
  assert.equal(channels.isIdle, true);
  const splits = new WatermarkValve(2);
  splits.inputWatermark(0, 169);
  splits.inputIdle(0, true);
  assert.equal(splits.inputIdle(1, true), undefined);
  assert.equal(splits.watermark, MIN_WATERMARK);
});
