/**
 * SourceOperator's per-split watermarks go through the WatermarkValve: the source's watermark is
 * the minimum over its active splits, it is idle when every split is idle, and active again as
 * soon as one split is (Flink's WatermarkOutputMultiplexer). Each split's own watermark and
 * idleness are in the source's metrics, beside the reader's figures per split.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PollStatus, Source, SourceOutput } from "../../src/connector/source.js";
import { OperatorMetrics } from "../../src/metrics/registry.js";
import { SourceOperator } from "../../src/operators/source.js";
import type { LatencyMarker, Output } from "../../src/spi/operator.js";
import { ManualProcessingTime } from "../../src/spi/processing-time.js";

/** What the source operator emits, in order. */
type Emitted = { record: string; timestamp: number } | { watermark: number } | { idle: boolean };

/**
 * A source operator whose reader runs `script` once on its output, then has nothing more; the
 * reader gives `splitMetrics` as its figures per split when set.
 */
function runSource(
  script: (out: SourceOutput<string>) => void,
  metrics = new OperatorMetrics("source", "source", 0),
  splitMetrics?: () => Record<string, Record<string, number>>,
): Emitted[] {
  const source: Source<string> = {
    bounded: false,
    createReader: () => {
      let done = false;
      return {
        poll(out: SourceOutput<string>): PollStatus {
          if (!done) script(out);
          done = true;
          return "nothing-yet";
        },
        ...(splitMetrics ? { splitMetrics } : {}),
      };
    },
  };
  const emitted: Emitted[] = [];
  const output: Output<string> = {
    collect: (record, timestamp) => emitted.push({ record, timestamp }),
    collectSide: () => {},
    emitWatermark: (watermark) => emitted.push({ watermark }),
    emitIdle: (idle) => emitted.push({ idle }),
    emitLatencyMarker: (_m: LatencyMarker) => {},
  };
  const op = new SourceOperator<string>(source, undefined, 0, 1_000_000, 0);
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
      processingTime: new ManualProcessingTime(0),
      metrics,
      checkpointing: false,
    },
    output,
  );
  op.open();
  op.poll(10);
  return emitted;
}

test("the source's watermark is the minimum over its active splits; a released split no longer holds it back", () => {
  const emitted = runSource((out) => {
    const a = out.forSplit("a");
    const b = out.forSplit("b");
    a.emitWatermark(10);
    b.emitWatermark(20);
    a.emitWatermark(30);
    out.releaseSplit("b");
    b.emitWatermark(40); // released: ignored
    a.emitWatermark(35);
  });
  assert.deepEqual(emitted, [{ watermark: 10 }, { watermark: 20 }, { watermark: 30 }, { watermark: 35 }]);
});

test("a source whose splits were all idle is active again when a split is, even before its watermark advances", () => {
  const emitted = runSource((out) => {
    const a = out.forSplit("a");
    const b = out.forSplit("b");
    a.emitWatermark(10);
    b.emitWatermark(20);
    a.markIdle();
    b.markIdle();
    b.collect("x", 25);
  });
  assert.deepEqual(emitted, [
    { watermark: 10 },
    { watermark: 20 },
    { idle: true },
    { idle: false },
    { record: "x", timestamp: 25 },
  ]);
});

test("each split's watermark and idleness are in the source's metrics, beside the reader's figures", () => {
  const metrics = new OperatorMetrics("source", "source", 0);
  runSource(
    (out) => {
      const a = out.forSplit("a");
      const b = out.forSplit("b");
      out.forSplit("c"); // no watermark yet: no currentWatermark
      out.forSplit("d");
      a.emitWatermark(10);
      b.emitWatermark(20);
      b.markIdle();
      out.releaseSplit("d"); // released: gone from the figures
    },
    metrics,
    () => ({ a: { recordsLag: 5 }, x: { recordsLag: 7 } }),
  );
  assert.deepEqual(metrics.snapshot().splits, {
    a: { recordsLag: 5, currentWatermark: 10, idle: 0 },
    b: { currentWatermark: 20, idle: 1 },
    c: { idle: 0 },
    x: { recordsLag: 7 },
  });
});

test("a source without splits and without figures per split has no split metrics", () => {
  const metrics = new OperatorMetrics("source", "source", 0);
  const emitted = runSource((out) => out.collect("x", 1), metrics);
  assert.deepEqual(emitted, [{ record: "x", timestamp: 1 }]);
  assert.equal(metrics.snapshot().splits, undefined);
});
