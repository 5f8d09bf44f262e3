/**
 * What a ProcessWindowFunction emits from `clear()` carries the cleared window's max timestamp
 * (Flink's WindowOperator: the window context's `output` stamps `window.maxTimestamp()`), not the
 * timestamp of whichever window fired last. Checked for every window operator path (sliced,
 * per-window, sessions fast and general, evicting, windowAll) on random out-of-order input.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type Collector,
  ContinuousEventTimeTrigger,
  CountEvictor,
  type DataStream,
  EventTimeSessionWindows,
  EventTimeTrigger,
  OutputTag,
  type ProcessWindowFunction,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  type WindowAssigner,
} from "../../src/index.js";
import {
  delegating,
  type FnKind,
  type Rec,
  recordSource,
  recordsArb,
  userWrittenSessions,
} from "./oracle-helpers.js";

type Kind =
  | "tumbling-sliced"
  | "tumbling-general"
  | "sliding-sliced"
  | "sliding-general"
  | "sessions"
  | "sessions-dynamic"
  | "sessions-custom"
  | "evictor"
  | "continuous"
  | "window-all";

/**
 * Emits `fire|start|end|key` when the window fires and, from `clear()`, `clear|start|end` to the side
 * output and to the main output (through the collector kept from `process`).
 */
function clearingFn(clearTag: OutputTag<string>): ProcessWindowFunction<unknown, string, any, TimeWindow> {
  return {
    process(this: { out?: Collector<string> }, key, ctx, _elements, out) {
      this.out = out;
      const w = ctx.window();
      out.collect(`fire|${w.start}|${w.end}|${String(key)}`);
    },
    clear(this: { out?: Collector<string> }, ctx) {
      const w = ctx.window();
      ctx.output(clearTag, `clear|${w.start}|${w.end}`);
      this.out?.collect(`clear|${w.start}|${w.end}`);
    },
  };
}

function build(
  s: DataStream<Rec>,
  kind: Kind,
  fnKind: FnKind,
  size: number,
  lateness: number,
  clearTag: OutputTag<string>,
): DataStream<string> {
  const fn = clearingFn(clearTag);
  let assigner: WindowAssigner<Rec, TimeWindow>;
  if (kind.startsWith("sliding")) assigner = SlidingEventTimeWindows.of<Rec>(size * 2, size);
  else if (kind === "sessions") assigner = EventTimeSessionWindows.withGap<Rec>(size);
  else if (kind === "sessions-dynamic") assigner = EventTimeSessionWindows.withDynamicGap<Rec>((r) => r.gap);
  else if (kind === "sessions-custom")
    assigner = userWrittenSessions(EventTimeSessionWindows.withGap<Rec>(size));
  else assigner = TumblingEventTimeWindows.of<Rec>(size);
  if (kind === "window-all") {
    return s
      .windowAll(assigner)
      .allowedLateness(lateness)
      .process({
        process: (ctx, elements, out) => fn.process.call(fn, 0, ctx, elements, out),
        clear: (ctx) => fn.clear!.call(fn, ctx),
      });
  }
  const w = s
    .keyBy((r) => r.key)
    .window(assigner)
    .allowedLateness(lateness);
  if (kind.endsWith("general")) w.trigger(delegating(EventTimeTrigger.create()));
  if (kind === "continuous") w.trigger(ContinuousEventTimeTrigger.of(Math.max(1, size >> 1)));
  if (kind === "evictor") w.evictor(CountEvictor.of(2));
  if (fnKind === "reduce") return w.reduce((a) => a, fn);
  if (fnKind === "aggregate") {
    return w.aggregate(
      {
        createAccumulator: () => 0,
        add: (_r, n) => n + 1,
        getResult: (n) => n,
        merge: (a, b) => a + b,
      },
      fn,
    );
  }
  return w.process(fn);
}

const kinds: Kind[] = [
  "tumbling-sliced",
  "tumbling-general",
  "sliding-sliced",
  "sliding-general",
  "sessions",
  "sessions-dynamic",
  "sessions-custom",
  "evictor",
  "continuous",
  "window-all",
];

for (const kind of kinds) {
  test(`records emitted from clear() carry the cleared window's max timestamp (${kind})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        recordsArb,
        fc.constantFrom<FnKind>("process", "reduce", "aggregate"),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 80 }),
        fc.constantFrom(1, 3),
        async (records, fnKind, size, delay, lateness, parallelism) => {
          const env = StreamExecutionEnvironment.create({ parallelism });
          const src = recordSource(env, records, delay);
          const clearTag = new OutputTag<string>("cleared");
          const out = build(src, kind, fnKind, size, lateness, clearTag);
          const main: [string, number | undefined][] = [];
          const side: [string, number | undefined][] = [];
          out.forEach((v, ts) => {
            main.push([v, ts]);
          });
          out.getSideOutput(clearTag).forEach((v, ts) => {
            side.push([v, ts]);
          });
          await env.execute("clear-timestamps");
          const firedWithKey = new Set(main.filter(([v]) => v.startsWith("fire|")).map(([v]) => v.slice(5)));
          const fired = new Set([...firedWithKey].map((v) => v.split("|").slice(0, 2).join("|")));
          const clearedMain = main.filter(([v]) => v.startsWith("clear|"));
          for (const [v, ts] of [...side, ...clearedMain]) {
            const [, start, end] = v.split("|").map(Number);
            assert.equal(ts, end! - 1, `${v} from clear() carries ${ts}, not the window's max timestamp`);
            assert.ok(fired.has(`${start}|${end}`), `${v}: cleared a window that never fired`);
          }
          // Every window ends (final watermark): each non-merging (key, window) that fired is cleared once.
          if (!kind.startsWith("sessions")) {
            assert.equal(side.length, firedWithKey.size);
            assert.deepEqual(new Set(side.map(([v]) => v.slice(6))), fired);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
}
