/**
 * A sink writer's `ready()` bounds the data in flight to its destination: while it returns a
 * promise, the runtime stops feeding the sink's subtask, and the source upstream is held back by
 * the full channels. The destination here acknowledges writes slowly, on timers.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { GeneratorSource, type Sink, StreamExecutionEnvironment } from "../../src/index.js";

const LIMIT = 500;
const BATCH = 64;

function slowSink(stats: { maxUnacked: number; acked: number[]; waits: number }): Sink<number> {
  return {
    createWriter() {
      let unacked = 0;
      let drained: Promise<void> | undefined;
      let release: (() => void) | undefined;
      return {
        write(v) {
          unacked++;
          stats.maxUnacked = Math.max(stats.maxUnacked, unacked);
          // Acknowledged 1 ms later, in order.
          setTimeout(() => {
            unacked--;
            stats.acked.push(v);
            if (unacked < LIMIT && release) {
              release();
              release = undefined;
              drained = undefined;
            }
          }, 1);
        },
        ready() {
          if (unacked < LIMIT) return undefined;
          stats.waits++;
          drained ??= new Promise<void>((r) => {
            release = r;
          });
          return drained;
        },
      };
    },
  };
}

test("sink ready(): in-flight data stays within the writer's bound (plus one batch), nothing lost", async () => {
  const stats = { maxUnacked: 0, acked: [] as number[], waits: 0 };
  const env = StreamExecutionEnvironment.create({ parallelism: 1, batchSize: BATCH });
  const N = 20_000;
  env
    .fromSource(new GeneratorSource((i) => i, { count: N }), undefined, "numbers")
    .map((x) => x * 2)
    .sinkTo(slowSink(stats), "slow");
  const job = env.executeAsync("backpressure");
  await job.result;
  // Let the last acknowledgements land.
  while (stats.acked.length < N) await new Promise((r) => setTimeout(r, 5));
  assert.ok(stats.waits > 0, "the sink asked the runtime to wait");
  assert.ok(stats.maxUnacked <= LIMIT + BATCH, `at most ${LIMIT + BATCH} in flight, saw ${stats.maxUnacked}`);
  assert.deepEqual(
    stats.acked,
    Array.from({ length: N }, (_, i) => i * 2),
  );
});
