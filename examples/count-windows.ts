// Count windows: windows of a number of records rather than of time. countWindow(3) sums each
// sensor's readings three at a time; countWindow(3, 1) is a moving average over each sensor's
// last three readings, updated with every reading; countWindowAll(4) batches the whole stream
// four readings at a time. A window that has not reached its count when the input ends does not
// fire (like Flink's, which are GlobalWindows with a CountTrigger, plus a CountEvictor if sliding).
import { type AggregateFunction, StreamExecutionEnvironment } from "@fleuve/core";

interface Reading {
  sensor: string;
  value: number;
}

const readings: Reading[] = [
  { sensor: "a", value: 1 },
  { sensor: "b", value: 10 },
  { sensor: "a", value: 2 },
  { sensor: "a", value: 3 },
  { sensor: "b", value: 20 },
  { sensor: "a", value: 4 },
  { sensor: "b", value: 30 },
];

const average: AggregateFunction<Reading, { sum: number; n: number }, number> = {
  createAccumulator: () => ({ sum: 0, n: 0 }),
  add: (r, acc) => ({ sum: acc.sum + r.value, n: acc.n + 1 }),
  getResult: (acc) => acc.sum / acc.n,
  merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
};

const env = StreamExecutionEnvironment.create();
const input = env.fromCollection(readings);
const bySensor = input.keyBy((r) => r.sensor);

bySensor
  .countWindow(3)
  .reduce((x, y) => ({ sensor: x.sensor, value: x.value + y.value }))
  .map((r) => `${r.sensor}: ${r.value}`)
  .print("sum of 3");

bySensor
  .countWindow(3, 1)
  .aggregate(average, {
    process(sensor, _ctx, [avg], out) {
      out.collect(`${sensor}: ${avg}`);
    },
  })
  .print("moving average");

input
  .countWindowAll(4)
  .process({
    process(_ctx, batch, out) {
      out.collect(batch.map((r) => `${r.sensor}${r.value}`).join(" "));
    },
  })
  .print("batch of 4");

await env.execute("count-windows");

/* Output:
moving average> a: 1
moving average> b: 10
moving average> a: 1.5
sum of 3> a: 6
moving average> a: 2
batch of 4> a1 b10 a2 a3
moving average> b: 15
moving average> a: 3
sum of 3> b: 60
moving average> b: 20
*/
