/**
 * Job module of the worker-thread checkpoint tests (each thread imports it): the crash job's
 * events (testing/suites/crash-oracle.ts) from a rate-limited generator, a keyed running total and 1 s tumbling
 * windows per user, into an exactly-once fileSink. Args: <outDir> <n> <ratePerSecond>
 * [<failAtEvent> <markerFile> <checkpointDir>]: the running total throws once, at the first event
 * from `failAtEvent` on once a checkpoint is complete in `checkpointDir` (so the restart restores
 * one); the marker file remembers the failure across restarts, which start fresh threads.
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  defineJob,
  fileSink,
  type KeyedProcessFunction,
  type TimeWindow,
  TumblingEventTimeWindows,
  type ValueState,
  valueState,
  WatermarkStrategy,
} from "../../src/index.js";
import { crashEvent } from "../../src/testing/suites/index.js";

/** Users of the job's events. */
export const USERS = 40;

interface Ev {
  user: number;
  amount: number;
  ts: number;
}

export default defineJob({
  name: "threads-checkpoint",
  build(env, args) {
    const [outDir, nArg, rateArg, failArg, marker, cpDir] = args;
    const failTs = failArg === undefined ? Number.POSITIVE_INFINITY : crashEvent(Number(failArg), USERS).ts;
    const checkpointed = () =>
      cpDir !== undefined &&
      existsSync(cpDir) &&
      readdirSync(cpDir).some((d) => d.startsWith("chk-") && existsSync(join(cpDir, d, "_metadata")));
    const runningTotal: KeyedProcessFunction<number, Ev, string> & { total?: ValueState<number> } = {
      open(ctx) {
        this.total = ctx.getState(valueState<number>("total"));
      },
      processElement(e, _ctx, out) {
        // (the file checks run only past failTs, every 50th event, until the failure happened)
        if (e.ts >= failTs && e.ts % 250 === 0 && marker && !existsSync(marker) && checkpointed()) {
          writeFileSync(marker, "failed once");
          throw new Error(`injected failure at ${e.ts}`);
        }
        const t = (this.total!.value() ?? 0) + e.amount;
        this.total!.update(t);
        out.collect(`total ${e.user} ${e.ts} ${t}`);
      },
    };
    const events = env
      .fromGenerator((i) => crashEvent(i, USERS), {
        count: Number(nArg),
        ratePerSecond: Number(rateArg),
        strategy: WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.ts),
      })
      .setParallelism(1) // one sender into keyBy keeps each user's order, which the totals need
      .uid("events");
    const byUser = events.keyBy((e) => e.user);
    const totals = byUser.process(runningTotal).uid("totals");
    type Acc = { n: number; sum: number };
    const windows = byUser
      .window(TumblingEventTimeWindows.of<Ev>(1000))
      .aggregate<Acc, Acc, string>(
        {
          createAccumulator: () => ({ n: 0, sum: 0 }),
          add: (e, a) => ({ n: a.n + 1, sum: a.sum + e.amount }),
          getResult: (a) => a,
          merge: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
        },
        {
          process(key, ctx: { window(): TimeWindow }, results, out) {
            for (const r of results) out.collect(`window ${key} ${ctx.window().start} ${r.n} ${r.sum}`);
          },
        },
      )
      .uid("windows");
    totals
      .union(windows)
      .sinkTo(fileSink<string>({ dir: outDir!, format: "text" }), "files")
      .uid("files");
  },
});
