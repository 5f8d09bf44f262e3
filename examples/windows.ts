// Windows on event time: views per page in tumbling 10 s windows, and each user's sessions
// (activity separated by more than 5 s of silence). A window fires when the watermark passes its
// end; its result carries the timestamp end - 1. Windows may accept late records for a while
// (allowedLateness: the window fires again, with all its contents); records later than that go
// to a side output instead of being dropped silently.
import {
  type AggregateFunction,
  EventTimeSessionWindows,
  OutputTag,
  type ProcessWindowFunction,
  StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "@fleuve/core";

interface View {
  user: string;
  page: string;
  at: number; // event time, ms
}

const views: View[] = [
  { user: "ada", page: "/home", at: 1_000 },
  { user: "bob", page: "/home", at: 2_000 },
  { user: "ada", page: "/cart", at: 4_000 },
  { user: "ada", page: "/home", at: 13_000 }, // watermark 12 999: [0, 10 s) fires
  { user: "bob", page: "/home", at: 9_000 }, // late, but within the 5 s allowed lateness: fires again
  { user: "bob", page: "/cart", at: 24_000 }, // watermark 23 999: [0, 10 s) is dropped
  { user: "ada", page: "/home", at: 8_000 }, // too late for every window: side output
  { user: "bob", page: "/home", at: 26_000 },
];

// The watermark follows each record (output independent of timing), trailing the newest by 1 ms.
const strategy = WatermarkStrategy.forGenerator<View>(() => {
  let max = Number.NEGATIVE_INFINITY;
  return {
    onEvent(_v, ts, out) {
      max = Math.max(max, ts);
      out.emitWatermark(max - 1);
    },
    onPeriodicEmit() {},
  };
}).withTimestampAssigner((v) => v.at);

const count: AggregateFunction<View, number, number> = {
  createAccumulator: () => 0,
  add: (_v, acc) => acc + 1,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

const s = (ms: number) => `${ms / 1000}s`;
const describe: ProcessWindowFunction<number, string, string, TimeWindow> = {
  process(key, ctx, [n], out) {
    const w = ctx.window();
    out.collect(`${key} [${s(w.start)}, ${s(w.end)}): ${n}`);
  },
};

const env = StreamExecutionEnvironment.create();
const input = env.fromCollection(views, { strategy });
const tooLate = new OutputTag<View>("too-late");

const pageViews = input
  .keyBy((v) => v.page)
  .window(TumblingEventTimeWindows.of(10_000))
  .allowedLateness(5_000)
  .sideOutputLateData(tooLate)
  .aggregate(count, describe);
pageViews.print("page views");
pageViews
  .getSideOutput(tooLate)
  .map((v) => `${v.user} ${v.page} at ${s(v.at)}`)
  .print("too late");

input
  .keyBy((v) => v.user)
  .window(EventTimeSessionWindows.withGap(5_000))
  .aggregate(count, describe)
  .print("session");

await env.execute("windows");

/* Output:
page views> /home [0s, 10s): 2
page views> /cart [0s, 10s): 1
session> bob [2s, 7s): 1
session> ada [1s, 9s): 2
page views> /home [0s, 10s): 3
page views> /home [10s, 20s): 1
session> bob [9s, 14s): 1
session> ada [13s, 18s): 1
too late> ada /home at 8s
page views> /cart [20s, 30s): 1
page views> /home [20s, 30s): 1
session> bob [24s, 31s): 2
*/
