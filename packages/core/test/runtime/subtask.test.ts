/**
 * Subtask: how it forwards what its input channels deliver to the head of its chain (watermarks
 * and idleness combined per input), and what a source subtask emits before a checkpoint barrier.
 * Barrier alignment has its own tests (barrier-aligner.test.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PollStatus, Source, SourceOutput } from "../../src/connector/source.js";
import { OperatorMetrics } from "../../src/metrics/registry.js";
import { SourceOperator } from "../../src/operators/source.js";
import { Channel, ItemKind } from "../../src/runtime/channel.js";
import { ChainingOutput } from "../../src/runtime/outputs.js";
import { Subtask } from "../../src/runtime/subtask.js";
import { OneInputOperator, type OperatorSnapshot } from "../../src/spi/operator.js";
import { OperatorStateStore } from "../../src/spi/operator-state.js";
import { ManualProcessingTime } from "../../src/spi/processing-time.js";
import { WatermarkStrategy } from "../../src/time/watermark.js";

/** Head operator that logs the watermarks and idleness changes it gets. */
class ProgressLog extends OneInputOperator<unknown, never> {
  readonly log: ({ watermark: number } | { idle: boolean })[] = [];
  processElement(): void {}
  override processWatermark(watermark: number): void {
    this.log.push({ watermark });
  }
  override processIdle(idle: boolean): void {
    this.log.push({ idle });
  }
}

function subtaskOver(channels: Channel[], head: ProgressLog): Subtask {
  return new Subtask({
    name: "log (1/1)",
    subtaskIndex: 0,
    operators: [head],
    operatorIds: ["log"],
    headMetrics: new OperatorMetrics("log", "log", 0),
    inputs: channels,
    writers: [],
    source: undefined,
    twoInput: false,
    keyedInputs: [false],
  });
}

test("when the last active channel goes idle holding the watermark back, the head gets the highest watermark, then idleness", () => {
  const channels = [new Channel(8, 0, 0), new Channel(8, 0, 1)];
  const head = new ProgressLog();
  const subtask = subtaskOver(channels, head);
  // Order forced by stepping after each item: wm 169 on 0, 0 idle, 1 idle (1 never sent a watermark).
  channels[0]!.push({ kind: ItemKind.Watermark, watermark: 169 });
  subtask.step(10);
  channels[0]!.push({ kind: ItemKind.Idle, idle: true });
  subtask.step(10);
  assert.deepEqual(head.log, [], "channel 1 still holds the watermark back");
  channels[1]!.push({ kind: ItemKind.Idle, idle: true });
  subtask.step(10);
  assert.deepEqual(head.log, [{ watermark: 169 }, { idle: true }]);
  // Channel 1 comes back: active first, then its watermark once it passes 169.
  channels[1]!.push({ kind: ItemKind.Watermark, watermark: 200 });
  subtask.step(10);
  assert.deepEqual(head.log.slice(2), [{ idle: false }, { watermark: 200 }]);
});

/** Chained after a source: logs the records, watermarks and checkpoint snapshots it gets, in order. */
class ChainLog extends OneInputOperator<number, never> {
  readonly log: string[] = [];
  processElement(value: number): void {
    this.log.push(`record ${value}`);
  }
  protected override onWatermark(watermark: number): void {
    this.log.push(`watermark ${watermark}`);
  }
  override snapshotState(checkpointId: number): OperatorSnapshot {
    this.log.push(`snapshot ${checkpointId}`);
    return {};
  }
}

test("a source subtask sends the watermark of the records it emitted before a checkpoint barrier, not only at its next periodic emit", () => {
  // A reader with records 10, 20, 30 (their own timestamps), then nothing more.
  const source: Source<number> = {
    bounded: false,
    createReader: () => {
      let done = false;
      return {
        poll(out: SourceOutput<number>): PollStatus {
          if (!done) for (const v of [10, 20, 30]) out.collect(v, v);
          done = true;
          return "nothing-yet";
        },
      };
    },
  };
  const clock = new ManualProcessingTime(0);
  // Periodic watermarks every 1000 s: none is due while the test runs.
  const op = new SourceOperator<number>(
    source,
    WatermarkStrategy.forBoundedOutOfOrderness<number>(5),
    0,
    1_000_000,
    0,
  );
  const chained = new ChainLog();
  const runtime = (name: string) => ({
    operatorName: name,
    operatorId: name,
    subtaskIndex: 0,
    parallelism: 1,
    maxParallelism: 128,
    keySelectors: [],
    keyedState: undefined,
    operatorState: new OperatorStateStore(),
    processingTime: clock,
    metrics: new OperatorMetrics(name, name, 0),
    checkpointing: true,
  });
  const metrics = new OperatorMetrics("log", "log", 0);
  chained.setup(runtime("log"), {
    collect() {},
    collectSide() {},
    emitWatermark() {},
    emitIdle() {},
    emitLatencyMarker() {},
  });
  op.setup(runtime("source"), new ChainingOutput(chained as OneInputOperator<unknown, unknown>, metrics));
  op.open();
  const subtask = new Subtask({
    name: "source (1/1)",
    subtaskIndex: 0,
    operators: [op as SourceOperator<unknown>, chained as OneInputOperator<unknown, unknown>],
    operatorIds: ["source", "log"],
    headMetrics: new OperatorMetrics("source", "source", 0),
    inputs: [],
    writers: [],
    source: op as SourceOperator<unknown>,
    twoInput: false,
    keyedInputs: [false],
  });
  subtask.acknowledger = { acknowledge() {} };
  subtask.step(10);
  assert.deepEqual(chained.log, ["record 10", "record 20", "record 30"], "no periodic watermark was due");
  subtask.triggerCheckpoint(1);
  // The restored source may read nothing more: its records' watermark must go out with them.
  assert.deepEqual(chained.log.slice(3), ["watermark 24", "snapshot 1"]);
  subtask.triggerCheckpoint(2);
  assert.deepEqual(
    chained.log.slice(5),
    ["snapshot 2"],
    "a watermark that did not advance is not sent again",
  );
});
