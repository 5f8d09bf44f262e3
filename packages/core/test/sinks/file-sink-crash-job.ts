/**
 * Child process of the file-sink SIGKILL test: numbers 0..N-1 through a keyed running count
 * into a fileSink, with checkpoints, resuming from the newest checkpoint when there is one.
 * Usage: node --import tsx file-sink-crash-job.ts <outDir> <checkpointDir> <n>
 */
import {
  fileSink,
  type KeyedProcessFunction,
  StreamExecutionEnvironment,
  type ValueState,
  valueState,
} from "../../src/index.js";

const [outDir, cpDir, nArg] = process.argv.slice(2);
const n = Number(nArg);

const counter: KeyedProcessFunction<number, number, string> & { seen?: ValueState<number> } = {
  open(ctx) {
    this.seen = ctx.getState(valueState<number>("seen"));
  },
  processElement(i, _ctx, out) {
    const c = (this.seen!.value() ?? 0) + 1;
    this.seen!.update(c);
    out.collect(`${i} ${i % 10} ${c}`);
  },
};

const env = StreamExecutionEnvironment.create({
  parallelism: 2,
  checkpointing: { dir: cpDir!, intervalMs: 20 },
  resumeFromLatestCheckpoint: true,
  restartStrategy: { type: "none" },
  log: () => {},
});
env
  .fromGenerator((i) => i, { count: n, ratePerSecond: 40_000 })
  .setParallelism(1)
  .uid("numbers")
  .keyBy((i) => i % 10)
  .process(counter)
  .uid("count")
  .sinkTo(fileSink<string>({ dir: outDir!, format: "text" }), "files")
  .uid("files");
await env.execute("file-sink-crash");
