// Event time and watermarks. Readings arrive out of order; the watermark strategy allows 2 s of
// disorder, so after a reading at 7 s the watermark is 7000 - 2000 - 1 = 4999: "no reading with a
// timestamp <= 4999 will follow". The reading of 4 s that still arrives afterwards is late: the
// process function sees it behind the watermark and sends it to a side output. (As in Flink, a
// record goes out before the generator sees it, so a record sees the watermark of the records
// before it, not the one it raises.)
// (Here the watermark follows every event, so the output does not depend on timing; the
// everyday choice, WatermarkStrategy.forBoundedOutOfOrderness(2000), emits the same watermarks
// periodically, every 200 ms of processing time.)
import { OutputTag, StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";

interface Reading {
  sensor: string;
  at: number; // event time, ms
  celsius: number;
}

const readings: Reading[] = [
  { sensor: "s1", at: 1000, celsius: 20.5 },
  { sensor: "s1", at: 3000, celsius: 21.0 },
  { sensor: "s1", at: 2000, celsius: 20.8 }, // out of order, but within the 2 s bound
  { sensor: "s1", at: 7000, celsius: 22.4 },
  { sensor: "s1", at: 4000, celsius: 21.7 }, // 3 s behind the newest: late
  { sensor: "s1", at: 8000, celsius: 22.9 },
];

const boundMs = 2000;
const strategy = WatermarkStrategy.forGenerator<Reading>(() => {
  let maxTs = Number.NEGATIVE_INFINITY;
  return {
    onEvent(_r, ts, out) {
      maxTs = Math.max(maxTs, ts);
      out.emitWatermark(maxTs - boundMs - 1);
    },
    onPeriodicEmit() {},
  };
}).withTimestampAssigner((r) => r.at);

const late = new OutputTag<Reading>("late-readings");
const env = StreamExecutionEnvironment.create();
const onTime = env.fromCollection(readings, { strategy }).process<string>({
  processElement(r, ctx, out) {
    const wm = ctx.timerService().currentWatermark();
    if (r.at <= wm) ctx.output(late, r);
    else out.collect(`t=${r.at} ${r.celsius} °C (watermark ${wm})`);
  },
});
onTime.print("on time");
onTime
  .getSideOutput(late)
  .map((r) => `t=${r.at} ${r.celsius} °C`)
  .print("late");
await env.execute("event-time");

/* Output:
on time> t=1000 20.5 °C (watermark -Infinity)
on time> t=3000 21 °C (watermark -1001)
on time> t=2000 20.8 °C (watermark 999)
on time> t=7000 22.4 °C (watermark 999)
late> t=4000 21.7 °C
on time> t=8000 22.9 °C (watermark 4999)
*/
