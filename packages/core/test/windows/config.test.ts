/**
 * Window configuration errors are raised when the job is built, with FLEUVE_WINDOW_INVALID and a
 * message naming the option; windowAll runs at parallelism 1 and sees every record.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ContinuousEventTimeTrigger,
  CountTrigger,
  EventTimeSessionWindows,
  GlobalWindows,
  isFleuveError,
  OutputTag,
  ProcessingTimeSessionWindows,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  StreamExecutionEnvironment,
  type Trigger,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  WatermarkStrategy,
} from "../../src/index.js";
import { WindowDriver } from "./driver.js";

function throwsWindowInvalid(fn: () => unknown, option: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isFleuveError(e, "FLEUVE_WINDOW_INVALID"), `expected FLEUVE_WINDOW_INVALID, got ${String(e)}`);
    assert.match(e.message, new RegExp(`\\b${option}\\b`), `message names '${option}': ${e.message}`);
    assert.equal(e.details.option, option);
    return true;
  });
}

test("window sizes, slides, offsets and gaps are validated at build time, naming the option", () => {
  throwsWindowInvalid(() => TumblingEventTimeWindows.of(0), "size");
  throwsWindowInvalid(() => TumblingEventTimeWindows.of(-5), "size");
  throwsWindowInvalid(() => TumblingEventTimeWindows.of(1.5), "size");
  throwsWindowInvalid(() => TumblingEventTimeWindows.of(Number.NaN), "size");
  throwsWindowInvalid(() => TumblingProcessingTimeWindows.of(0), "size");
  throwsWindowInvalid(() => TumblingEventTimeWindows.of(10, 10), "offset");
  throwsWindowInvalid(() => TumblingEventTimeWindows.of(10, -10), "offset");
  throwsWindowInvalid(() => TumblingEventTimeWindows.of(10, 0.5), "offset");
  throwsWindowInvalid(() => SlidingEventTimeWindows.of(10, 0), "slide");
  throwsWindowInvalid(() => SlidingEventTimeWindows.of(10, -1), "slide");
  throwsWindowInvalid(() => SlidingEventTimeWindows.of(10, 20), "slide");
  throwsWindowInvalid(() => SlidingEventTimeWindows.of(0, 1), "size");
  throwsWindowInvalid(() => SlidingEventTimeWindows.of(10, 5, 5), "offset");
  throwsWindowInvalid(() => SlidingProcessingTimeWindows.of(10, 2.5), "slide");
  throwsWindowInvalid(() => EventTimeSessionWindows.withGap(0), "gap");
  throwsWindowInvalid(() => ProcessingTimeSessionWindows.withGap(-1), "gap");
  throwsWindowInvalid(() => EventTimeSessionWindows.withDynamicGap(42 as any), "gapExtractor");
  throwsWindowInvalid(() => CountTrigger.of(0), "maxCount");
  throwsWindowInvalid(() => ContinuousEventTimeTrigger.of(-1), "interval");
  // valid edge cases
  assert.doesNotThrow(() => TumblingEventTimeWindows.of(10, -9));
  assert.doesNotThrow(() => SlidingEventTimeWindows.of(10, 10, 9));
});

test("stream-level window options are validated when the job is built", () => {
  const env = StreamExecutionEnvironment.create();
  const keyed = env.fromElements(1, 2, 3).keyBy((x) => x % 2);
  throwsWindowInvalid(
    () => keyed.window(TumblingEventTimeWindows.of(10)).allowedLateness(-1),
    "allowedLateness",
  );
  throwsWindowInvalid(
    () => keyed.window(TumblingEventTimeWindows.of(10)).allowedLateness(0.5),
    "allowedLateness",
  );
  throwsWindowInvalid(() => keyed.window(GlobalWindows.create()).reduce((a, b) => a + b), "trigger");
  throwsWindowInvalid(() => keyed.window(undefined as any), "assigner");
  throwsWindowInvalid(
    () => keyed.window(TumblingEventTimeWindows.of(10)).sideOutputLateData("x" as any),
    "outputTag",
  );
  const nonMerging: Trigger<number, any> = {
    onElement: () => "CONTINUE",
    onEventTime: () => "CONTINUE",
    onProcessingTime: () => "CONTINUE",
    clear: () => {},
  };
  throwsWindowInvalid(() => keyed.window(EventTimeSessionWindows.withGap(5)).trigger(nonMerging), "trigger");
  throwsWindowInvalid(
    () =>
      keyed.window(SlidingEventTimeWindows.of(10, 5)).aggregate({
        createAccumulator: () => 0,
        add: (v: number, a: number) => a + v,
        getResult: (a: number) => a,
      } as any),
    "aggregateFunction",
  );
  throwsWindowInvalid(
    () => keyed.window(TumblingEventTimeWindows.of(10)).process({} as any),
    "processWindowFunction",
  );
  assert.doesNotThrow(() =>
    keyed
      .window(GlobalWindows.create())
      .trigger(CountTrigger.of(2))
      .sideOutputLateData(new OutputTag("late")),
  );
});

test("an event-time window on records without timestamps fails with a message saying what to do", () => {
  const d = new WindowDriver<number, number>(
    (x) => x,
    (s) => s.window(TumblingEventTimeWindows.of<number>(10)).reduce((a, b) => a + b),
  );
  assert.throws(
    () => d.element(1),
    (e: unknown) =>
      isFleuveError(e, "FLEUVE_WINDOW_INVALID") && /assignTimestampsAndWatermarks/.test(e.message),
  );
  const s = new WindowDriver<number, number>(
    (x) => x,
    (st) => st.window(EventTimeSessionWindows.withDynamicGap<number>(() => 0)).reduce((a, b) => a + b),
  );
  assert.throws(
    () => s.element(1, 5),
    (e: unknown) => isFleuveError(e, "FLEUVE_WINDOW_INVALID") && /gap extractor returned 0/.test(e.message),
  );
});

test("windowAll gathers every record in one subtask (parallelism 1 even when the job has 3)", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 3 });
  const items = Array.from({ length: 300 }, (_, i) => i);
  const out: string[] = [];
  const subtasks = new Set<number>();
  env
    .fromCollection(items, { timestamps: items, strategy: WatermarkStrategy.forMonotonousTimestamps() })
    .windowAll(TumblingEventTimeWindows.of<number>(100))
    .process<string>({
      open(ctx) {
        subtasks.add(ctx.subtaskIndex);
      },
      process(ctx, elements, o) {
        o.collect(`${ctx.window().start}:${elements.length}:${elements.reduce((a, b) => a + b, 0)}`);
      },
    })
    .forEach((v) => {
      out.push(v);
    });
  await env.execute();
  assert.deepEqual(out.sort(), ["0:100:4950", "100:100:14950", "200:100:24950"]);
  assert.deepEqual([...subtasks], [0]);
});

test("apply (Flink's WindowFunction) gets key, window and elements", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const items = [1, 2, 3, 11, 12];
  const out: string[] = [];
  env
    .fromCollection(items, { timestamps: items, strategy: WatermarkStrategy.forMonotonousTimestamps() })
    .keyBy((x) => x % 2)
    .window(TumblingEventTimeWindows.of<number>(10))
    .apply<string>((key, w, els, o) => o.collect(`${key}:${w.start}:${els.join(",")}`))
    .forEach((v) => {
      out.push(v);
    });
  await env.execute();
  assert.deepEqual(out.sort(), ["0:0:2", "0:10:12", "1:0:1,3", "1:10:11"]);
});
