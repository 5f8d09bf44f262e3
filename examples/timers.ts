// Keyed state and event-time timers: a KeyedProcessFunction counts each user's clicks and, when
// a user has been inactive for 10 s of event time, emits the count and clears the state. Each
// click moves the user's timer: the old one is deleted, a new one set at last click + 10 s.
// A timer fires when the watermark passes it; at the end of a bounded input the final watermark
// fires every remaining timer, in timestamp order.
import {
  type KeyedProcessFunction,
  StreamExecutionEnvironment,
  type ValueState,
  valueState,
  WatermarkStrategy,
} from "@fleuve/core";

interface Click {
  user: string;
  at: number;
}

const clicks: Click[] = [
  { user: "ada", at: 0 },
  { user: "bob", at: 2_000 },
  { user: "ada", at: 5_000 },
  { user: "ada", at: 12_000 },
  // cy's click goes out first, then the watermark it makes jumps to 29 999: bob's (12 s) and
  // ada's (22 s) timers fire
  { user: "cy", at: 30_000 },
  { user: "bob", at: 31_000 },
  { user: "ada", at: 31_000 },
];

const inactivityMs = 10_000;

interface Visit {
  clicks: number;
  last: number;
}

const visits: KeyedProcessFunction<string, Click, string> & { visit?: ValueState<Visit> } = {
  open(ctx) {
    this.visit = ctx.getState(valueState<Visit>("visit"));
  },
  processElement(click, ctx) {
    const timers = ctx.timerService();
    const v = this.visit!.value();
    if (v) timers.deleteEventTimeTimer(v.last + inactivityMs);
    this.visit!.update({ clicks: (v?.clicks ?? 0) + 1, last: click.at });
    timers.registerEventTimeTimer(click.at + inactivityMs);
  },
  onTimer(time, ctx, out) {
    const v = this.visit!.value()!;
    out.collect(
      `${ctx.getCurrentKey()}: ${v.clicks} clicks, inactive since ${v.last / 1000} s (timer ${time / 1000} s)`,
    );
    this.visit!.clear();
  },
};

const env = StreamExecutionEnvironment.create();
env
  .fromCollection(clicks, {
    strategy: WatermarkStrategy.forGenerator<Click>(() => ({
      onEvent: (_c, ts, out) => out.emitWatermark(ts - 1), // in order: watermark = ts - 1
      onPeriodicEmit() {},
    })).withTimestampAssigner((c) => c.at),
  })
  .keyBy((c) => c.user)
  .process(visits)
  .print();
await env.execute("inactivity");

/* Output:
bob: 1 clicks, inactive since 2 s (timer 12 s)
ada: 3 clicks, inactive since 12 s (timer 22 s)
cy: 1 clicks, inactive since 30 s (timer 40 s)
bob: 1 clicks, inactive since 31 s (timer 41 s)
ada: 1 clicks, inactive since 31 s (timer 41 s)
*/
