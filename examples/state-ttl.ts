// Keyed state with a time-to-live. A user's "visit" state expires 30 min (of processing time)
// after it was last written, so a click after a long pause starts a new visit. TTL is measured
// in processing time, as in Flink; to make this example reproducible it drives the clock by
// hand (ManualProcessingTime, the clock tests use), advancing it to each click's time.
import {
  type KeyedProcessFunction,
  ManualProcessingTime,
  StreamExecutionEnvironment,
  type ValueState,
  valueState,
} from "@fleuve/core";

const clock = new ManualProcessingTime(0);
const minute = 60_000;

const clicks = [
  { user: "ada", at: 0 },
  { user: "ada", at: 10 * minute },
  { user: "ada", at: 35 * minute }, // 25 min after the last write: still the same visit
  { user: "ada", at: 70 * minute }, // 35 min of silence: the state expired
];

const visits: KeyedProcessFunction<string, { user: string; at: number }, string> & {
  visit?: ValueState<number>;
} = {
  open(ctx) {
    this.visit = ctx.getState(
      valueState<number>("visit-number", { ttl: { ttlMs: 30 * minute, updateType: "OnCreateAndWrite" } }),
    );
  },
  processElement(click, _ctx, out) {
    clock.advanceTo(click.at);
    const current = this.visit!.value();
    if (current === undefined) {
      out.collect(`${click.at / minute} min: ${click.user} starts a new visit`);
      this.visit!.update(1);
    } else {
      out.collect(`${click.at / minute} min: ${click.user} continues a visit`);
      this.visit!.update(current); // a write refreshes the TTL
    }
  },
};

const env = StreamExecutionEnvironment.create({ processingTime: clock });
env
  .fromCollection(clicks)
  .keyBy((c) => c.user)
  .process(visits)
  .print();
await env.execute("state-ttl");

/* Output:
0 min: ada starts a new visit
10 min: ada continues a visit
35 min: ada continues a visit
70 min: ada starts a new visit
*/
