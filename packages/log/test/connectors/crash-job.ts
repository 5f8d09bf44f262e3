// The job of the crash test, run in a child process: log source -> keyed running total and
// tumbling windows -> exactly-once log sink, with checkpoints. Argv: <logDir> <checkpointDir>.
// It prints `checkpoint <id>` when a checkpoint completes, so the test kills it at points of progress.
import {
  type KeyedProcessFunction,
  StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  type ValueState,
  valueState,
  WatermarkStrategy,
} from "@fleuve/core";
import { reportCheckpoints } from "@fleuve/core/testing/suites";
import { logSink, logSource } from "../../src/index.js";

interface Ev {
  user: number;
  amount: number;
  ts: number;
}

const [logDir, cpDir] = process.argv.slice(2) as [string, string];

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
  checkpointing: { dir: cpDir, intervalMs: 30 },
  resumeFromLatestCheckpoint: true,
  restartStrategy: { type: "none" },
  log: () => {},
});
const events = env
  .fromSource(
    reportCheckpoints(
      logSource<Ev>({
        log: logDir,
        topic: "events",
        bounded: true,
        deserialize: (r) => JSON.parse(r.value!.toString()) as Ev,
      }),
    ),
    WatermarkStrategy.forMonotonousTimestamps<Ev>(),
    "events",
  )
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
  .sinkTo(
    logSink<string>({
      log: logDir,
      topic: "out",
      serializer: "string",
      deliveryGuarantee: "exactly-once",
    }),
    "out",
  )
  .uid("out");
await env.execute("crash-job");
