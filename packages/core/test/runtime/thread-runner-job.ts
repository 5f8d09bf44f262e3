// A job module for the worker-thread tests: each thread imports it and builds the same graph.
import { appendFileSync } from "node:fs";
import {
  defineJob,
  FleuveError,
  type KeyedProcessFunction,
  type ValueState,
  valueState,
  WatermarkStrategy,
} from "../../src/index.js";

interface Ev {
  k: number;
  v: number;
  ts: number;
}

const sumUntilEnd: KeyedProcessFunction<number, Ev, string> & { sum?: ValueState<number> } = {
  open(ctx) {
    this.sum = ctx.getState(valueState<number>("sum"));
  },
  processElement(e, ctx) {
    this.sum!.update((this.sum!.value() ?? 0) + e.v);
    ctx.timerService().registerEventTimeTimer(1e12);
  },
  onTimer(_t, ctx, out) {
    out.collect(`${ctx.getCurrentKey()}:${this.sum!.value()}`);
  },
};

export default defineJob({
  name: "threads-fixture",
  build(env, args) {
    const n = Number(args[0] ?? 50_000);
    const failAt = args[1] === undefined ? -1 : Number(args[1]);
    const events = env.fromGenerator<Ev>((i) => ({ k: (i * 7919) % 997, v: i % 100, ts: i }), {
      count: n,
      strategy: WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.ts),
    });
    // args[2]: a file that gets a line per throw, and the error is then permanent (no restart cures it)
    const permanentLog = args[2];
    const checked = events.map((e) => {
      if (e.v === failAt && permanentLog !== undefined) {
        appendFileSync(permanentLog, `${e.v}\n`);
        throw new FleuveError("FLEUVE_JOB_FAILED", `permanent boom at ${e.v}`, { permanent: true });
      }
      if (e.v === failAt) throw new Error(`boom at ${e.v}`);
      return e;
    });
    const sums = checked.keyBy((e) => e.k).process(sumUntilEnd);
    // rebalance + a second keyBy: records cross threads both ways
    return sums
      .rebalance()
      .map((s) => s.split(":").map(Number) as [number, number])
      .keyBy((p) => p[0] % 13)
      .reduce((a, b) => [a[0], a[1] + b[1]])
      .map((p) => `${p[0] % 13}=${p[1]}`);
  },
});
