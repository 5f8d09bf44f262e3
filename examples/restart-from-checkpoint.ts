// Checkpoints and a restart strategy: the job fails once half-way (a simulated crash), restarts
// from its latest checkpoint and still counts every number exactly once: state and source
// position come back together. (The runtime logs the failure and the restart on stderr.)
//   node packages/cli/bin/fleuve.js run examples/restart-from-checkpoint.ts
import { rmSync } from "node:fs";
import {
  type AggregateFunction,
  defineJob,
  type ProcessWindowFunction,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "@fleuve/core";

const checkpoints = ".fleuve/examples/restart-from-checkpoint";
// A restart restores the newest checkpoint in the folder: start with an empty one.
rmSync(checkpoints, { recursive: true, force: true });

let crashed = false;

interface Totals {
  count: number;
  sum: number;
}

const totals: AggregateFunction<number, Totals, Totals> = {
  createAccumulator: () => ({ count: 0, sum: 0 }),
  add: (n, acc) => ({ count: acc.count + 1, sum: acc.sum + n }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ count: a.count + b.count, sum: a.sum + b.sum }),
};

const label: ProcessWindowFunction<Totals, string, string, TimeWindow> = {
  process(_key, _ctx, [t], out) {
    // A number lost or counted twice would change both figures.
    out.collect(`${t!.count} numbers, sum ${t!.sum}`);
  },
};

export default defineJob({
  name: "restart-from-checkpoint",
  options: {
    checkpointing: { dir: checkpoints, intervalMs: 100 },
    restartStrategy: { type: "fixed-delay", attempts: 3, delayMs: 100 },
  },
  build(env) {
    return env
      .fromGenerator((i) => i, {
        count: 4000,
        ratePerSecond: 4000, // 1 s: time for a few checkpoints before the crash
        strategy: WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((n) => n),
      })
      .uid("numbers")
      .map((n) => {
        if (n === 3000 && !crashed) {
          crashed = true;
          throw new Error("simulated crash at 3000");
        }
        return n;
      })
      .uid("crash-once")
      .keyBy(() => "all")
      .window(TumblingEventTimeWindows.of<number>(1_000_000))
      .aggregate(totals, label)
      .uid("count");
  },
});

/* Output:
4000 numbers, sum 7998000
*/
