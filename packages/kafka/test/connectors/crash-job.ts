// The job of the Kafka crash test, run in a child process: Kafka source -> keyed running total and
// tumbling windows -> exactly-once Kafka sink, with checkpoints.
// Argv: <bootstrap> <input topic> <output topic> <checkpoint dir> <transactional id prefix> [restart [gate]].
// With "restart", the job restarts itself after failures (exponential delay, no limit) and logs to
// stderr: the broker-lost test stops the broker under it. With a gate file too, each source reader
// holds after HOLD_AFTER records until that file exists, so the test decides when the rest of the
// input is read: the job cannot finish, nor stop using the broker, before the test has stopped it.
import { existsSync } from "node:fs";
import {
  type KeyedProcessFunction,
  StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  type ValueState,
  valueState,
  WatermarkStrategy,
} from "@fleuve/core";
import { heldSource } from "@fleuve/core/testing/suites";
import { type KafkaSourceRecord, kafkaSink, kafkaSource } from "../../src/index.js";

interface Ev {
  user: number;
  amount: number;
  ts: number;
}

const [bootstrap, input, output, cpDir, prefix, restart, gate] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string | undefined,
  string | undefined,
];

/** Records a reader emits before it holds at the gate (each reader has about half the input). */
const HOLD_AFTER = 20_000;
const runningTotal: KeyedProcessFunction<number, Ev, string> & { total?: ValueState<number> } = {
  open(ctx) {
    this.total = ctx.getState(valueState<number>("total"));
  },
  processElement(e, _ctx, out) {
    const t = (this.total!.value() ?? 0) + e.amount;
    this.total!.update(t);
    out.collect(`total ${e.user} ${e.ts} ${t}`);
  },
};

const env = StreamExecutionEnvironment.create({
  parallelism: 2,
  checkpointing: { dir: cpDir, intervalMs: 100 },
  resumeFromLatestCheckpoint: true,
  restartStrategy:
    restart === "restart"
      ? { type: "exponential-delay", initialDelayMs: 300, maxDelayMs: 2000 }
      : { type: "none" },
  log: restart === "restart" ? (l) => process.stderr.write(`${new Date().toISOString()} ${l}\n`) : () => {},
});
const source = kafkaSource<string, Ev, Buffer>({
  bootstrap,
  topics: [input],
  bounded: true,
  key: "string",
  value: "json",
});
const events = env
  .fromSource(
    gate === undefined
      ? source
      : heldSource(source, HOLD_AFTER, {
          closed: () => !existsSync(gate),
          onHold: (i) =>
            process.stderr.write(`${new Date().toISOString()} reader ${i}: holding at the gate\n`),
        }),
    WatermarkStrategy.forMonotonousTimestamps<KafkaSourceRecord<string, Ev, Buffer>>().withTimestampAssigner(
      (r) => r.value.ts,
    ),
    "events",
  )
  .uid("events")
  .map((r) => r.value)
  .uid("values");
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
  .sinkTo(
    kafkaSink<string>({
      bootstrap,
      topic: output,
      serializer: "string",
      deliveryGuarantee: "exactly-once",
      transactionalIdPrefix: prefix,
    }),
    "out",
  )
  .uid("out");
await env.execute("kafka-crash-job");
