// Page views per page and minute of event time, as a job module. Run it with
//   node packages/cli/bin/fleuve.js run examples/page-views.ts
// and see examples/page-views.test.ts for a unit test of the same job.
import {
  type AggregateFunction,
  defineJob,
  type ProcessWindowFunction,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "@fleuve/core";

export interface Click {
  page: string;
  user: string;
  at: number; // event time, ms
}

export interface PageViews {
  page: string;
  minute: number;
  views: number;
}

export const clicks: Click[] = [
  { page: "/", user: "ada", at: 5_000 },
  { page: "/cart", user: "ada", at: 42_000 },
  { page: "/", user: "bob", at: 31_000 }, // out of order by 11 s: within the 15 s bound
  { page: "/", user: "cyd", at: 61_000 },
  { page: "/cart", user: "bob", at: 64_000 },
  { page: "/", user: "ada", at: 59_000 },
];

const count: AggregateFunction<Click, number, number> = {
  createAccumulator: () => 0,
  add: (_c, n) => n + 1,
  getResult: (n) => n,
  merge: (a, b) => a + b,
};

const perMinute: ProcessWindowFunction<number, PageViews, string, TimeWindow> = {
  process(page, ctx, [views], out) {
    out.collect({ page, minute: ctx.window().start / 60_000, views: views! });
  },
};

export default defineJob({
  name: "page-views",
  build(env) {
    return env
      .fromCollection(clicks, {
        strategy: WatermarkStrategy.forBoundedOutOfOrderness<Click>(15_000).withTimestampAssigner(
          (c) => c.at,
        ),
      })
      .keyBy((c) => c.page)
      .window(TumblingEventTimeWindows.of(60_000))
      .aggregate(count, perMinute);
  },
});

/* Output:
{"page":"/","minute":0,"views":3}
{"page":"/cart","minute":0,"views":1}
{"page":"/","minute":1,"views":1}
{"page":"/cart","minute":1,"views":1}
*/
