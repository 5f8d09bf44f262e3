/**
 * Subtask: how it forwards what its input channels deliver to the head of its chain (watermarks
 * and idleness combined per input). Barrier alignment has its own tests (barrier-aligner.test.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { OperatorMetrics } from "../../src/metrics/registry.js";
import { Channel, ItemKind } from "../../src/runtime/channel.js";
import { Subtask } from "../../src/runtime/subtask.js";
import { OneInputOperator } from "../../src/spi/operator.js";

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
