// A job to try savepoints on: it counts and sums the numbers 0..5999 by remainder mod 3 and emits
// the totals once, at the end of its input. Stop it half-way with a savepoint and resume from it:
// the totals are the same as in one uninterrupted run (state and source position are restored).
//   node packages/cli/bin/fleuve.js run examples/savepoint-counter.ts -- 1000   (1000 numbers/s)
//   node packages/cli/bin/fleuve.js savepoint savepoint-counter --stop          (in another shell)
//   node packages/cli/bin/fleuve.js run examples/savepoint-counter.ts --from-savepoint <path> -- 1000
// Operators get uids: a savepoint maps state to operators by uid, so the job may change around them.
import {
  type AggregateFunction,
  defineJob,
  type ProcessWindowFunction,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "@fleuve/core";

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

const label: ProcessWindowFunction<Totals, string, number, TimeWindow> = {
  process(remainder, _ctx, [t], out) {
    out.collect(`n % 3 = ${remainder}: ${t!.count} numbers, sum ${t!.sum}`);
  },
};

export default defineJob({
  name: "savepoint-counter",
  build(env, args) {
    // Optional rate (numbers per second): slow enough to take a savepoint by hand.
    const rate = args[0] === undefined ? undefined : Number(args[0]);
    return env
      .fromGenerator((i) => i, {
        count: 6000,
        ratePerSecond: rate,
        // Event time = the number itself; one window holds them all, so it fires at end of input.
        strategy: WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((n) => n),
      })
      .uid("numbers")
      .keyBy((n) => n % 3)
      .window(TumblingEventTimeWindows.of<number>(1_000_000))
      .aggregate(totals, label)
      .uid("totals");
  },
});

/* Output:
n % 3 = 0: 2000 numbers, sum 5997000
n % 3 = 1: 2000 numbers, sum 5999000
n % 3 = 2: 2000 numbers, sum 6001000
*/
