/**
 * Per-split idleness (Flink's WatermarksWithIdleness on each split's generator): a split that has
 * emitted nothing holds the source's watermark back (it starts at the lowest watermark), until
 * the strategy's idle timeout of processing time passes without a record of it; then the other
 * splits' watermarks go out. Its next record makes it active again and it holds the watermark
 * once more. No wall clock: a ManualProcessingTime, and the periodic duty called by hand.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PollStatus, Source, SourceOutput } from "../../src/connector/source.js";
import { OperatorMetrics } from "../../src/metrics/registry.js";
import { SourceOperator } from "../../src/operators/source.js";
import type { Output } from "../../src/spi/operator.js";
import { ManualProcessingTime } from "../../src/spi/processing-time.js";
import { WatermarkStrategy } from "../../src/time/watermark.js";

type Emitted = { watermark: number } | { idle: boolean };

/** A source operator over two splits, a and b, whose reader runs the step given to `poll`. */
function twoSplits(idleTimeoutMs: number | undefined) {
  const clock = new ManualProcessingTime(0);
  let step: ((a: SourceOutput<string>, b: SourceOutput<string>) => void) | undefined;
  const source: Source<string> = {
    bounded: false,
    createReader: () => ({
      poll(out: SourceOutput<string>): PollStatus {
        const s = step;
        step = undefined;
        s?.(out.forSplit("a"), out.forSplit("b"));
        return "nothing-yet";
      },
    }),
  };
  const emitted: Emitted[] = [];
  const output: Output<string> = {
    collect: () => {},
    collectSide: () => {},
    emitWatermark: (watermark) => emitted.push({ watermark }),
    emitIdle: (idle) => emitted.push({ idle }),
    emitLatencyMarker: () => {},
  };
  const monotonous = WatermarkStrategy.forMonotonousTimestamps<string>();
  const strategy = idleTimeoutMs === undefined ? monotonous : monotonous.withIdleness(idleTimeoutMs);
  const op = new SourceOperator<string>(source, strategy, 0, 100, 0);
  op.setup(
    {
      operatorName: "source",
      operatorId: "source",
      subtaskIndex: 0,
      parallelism: 1,
      maxParallelism: 128,
      keySelectors: [],
      keyedState: undefined,
      operatorState: undefined as never,
      processingTime: clock,
      metrics: new OperatorMetrics("source", "source", 0),
      checkpointing: false,
    },
    output,
  );
  op.open();
  return {
    emitted,
    /** Polls the reader (running `s`) at processing time `at`, the periodic duty included. */
    poll(at: number, s?: (a: SourceOutput<string>, b: SourceOutput<string>) => void) {
      clock.advanceTo(at);
      step = s;
      op.poll(10);
    },
  };
}

test("an empty split holds the watermark until its idle timeout, and again after its next record", () => {
  const src = twoSplits(1_000);
  src.poll(0, (a) => a.collect("x", 50));
  src.poll(100);
  src.poll(900);
  // b has read nothing: the minimum is b's lowest watermark, nothing goes out.
  assert.deepEqual(src.emitted, []);
  src.poll(1_000);
  // b silent for 1 s: idle, a's watermark (50 - 1) goes out.
  assert.deepEqual(src.emitted, [{ watermark: 49 }]);
  src.poll(1_100, (a, b) => {
    b.collect("y", 20);
    a.collect("z", 80);
  });
  src.poll(1_200);
  // b is active again at 19: a's 79 does not go out.
  assert.deepEqual(src.emitted, [{ watermark: 49 }]);
  src.poll(2_100, (a) => a.collect("w", 90));
  // b silent again for 1 s (its last record seen at the check of 1.1 s): a's 89 goes out.
  assert.deepEqual(src.emitted, [{ watermark: 49 }, { watermark: 89 }]);
  src.poll(3_100);
  // a silent too: every split idle, the source is idle.
  assert.deepEqual(src.emitted, [{ watermark: 49 }, { watermark: 89 }, { idle: true }]);
});

test("without an idle timeout an empty split holds the watermark for ever", () => {
  const src = twoSplits(undefined);
  src.poll(0, (a) => a.collect("x", 50));
  for (let t = 100; t <= 60_000; t += 100) src.poll(t);
  assert.deepEqual(src.emitted, []);
});
