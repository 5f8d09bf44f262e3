// A gated operator (readyForInput) that still holds records when its input ends: the subtask
// finishes only once the gate clears, so what the operator emits then reaches the output (an
// asynchronous lookup's results). Through the public API, at parallelism 1 and 2, with the
// operator chained to a bounded source and behind an exchange.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { MAX_WATERMARK, type SourceOutput, StreamExecutionEnvironment } from "../../src/index.js";
import { OneInputOperator } from "../../src/spi/index.js";
import { waitUntil } from "../wait-until.js";

/** Holds every record until an asynchronous step resolves, then emits it doubled. */
class AsyncDoubler extends OneInputOperator<number, number> {
  private held: [number, number][] = [];
  private pending: Promise<void> | undefined;
  private ready = false;
  processElement(value: number, timestamp: number): void {
    this.held.push([value, timestamp]);
  }
  override get mayBlockInput(): boolean {
    return true;
  }
  override readyForInput(): Promise<void> | undefined {
    if (this.held.length === 0) return undefined;
    if (this.pending !== undefined) return this.pending;
    if (!this.ready) {
      this.pending = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.ready = true;
        this.pending = undefined;
      });
      return this.pending;
    }
    for (const [v, ts] of this.held) this.output.collect(v * 2, ts);
    this.held = [];
    this.ready = false;
    return undefined;
  }
}

for (const parallelism of [1, 2]) {
  test(`a gated operator's records held at the end of input are emitted (parallelism ${parallelism})`, async () => {
    const env = StreamExecutionEnvironment.create({ parallelism });
    const input = Array.from({ length: 500 }, (_, i) => i);
    const chained = await env
      .fromCollection(input)
      .transform("AsyncDoubler", () => new AsyncDoubler())
      .executeAndCollect();
    assert.deepEqual(
      [...chained].sort((a, b) => a - b),
      input.map((i) => i * 2),
    );
    const env2 = StreamExecutionEnvironment.create({ parallelism });
    const behindExchange = await env2
      .fromCollection(input)
      .keyBy((i) => i % 3)
      .transform("AsyncDoubler", () => new AsyncDoubler())
      .executeAndCollect();
    assert.deepEqual(
      [...behindExchange].sort((a, b) => a - b),
      input.map((i) => i * 2),
    );
  });
}

/** Holds every record until the test opens it; notes the end-of-input watermark. */
class HeldUntilOpened extends OneInputOperator<number, number> {
  static sawEndOfInput = false;
  static open: () => void = () => {};
  private static opened = new Promise<void>((resolve) => {
    HeldUntilOpened.open = resolve;
  });
  private held: [number, number][] = [];
  private released = false;
  processElement(value: number, timestamp: number): void {
    this.held.push([value, timestamp]);
  }
  override processWatermark(watermark: number): void {
    // All inputs ended: the subtask delivers the final watermark, then tries to finish (same turn).
    if (watermark === MAX_WATERMARK) HeldUntilOpened.sawEndOfInput = true;
    super.processWatermark(watermark);
  }
  override get mayBlockInput(): boolean {
    return true;
  }
  override readyForInput(): Promise<void> | undefined {
    if (this.held.length === 0) return undefined;
    if (!this.released) {
      return HeldUntilOpened.opened.then(() => {
        this.released = true;
      });
    }
    for (const [v, ts] of this.held) this.output.collect(v * 2, ts);
    this.held = [];
    return undefined;
  }
}

test("checkpoints go on while a subtask whose inputs ended waits for its gate to finish", async () => {
  const env = StreamExecutionEnvironment.create({
    parallelism: 2,
    checkpointing: { dir: mkdtempSync(join(tmpdir(), "fleuve-gate-ckpt-")), intervalMs: 50 },
  });
  // An endless branch keeps the job (and its checkpoints) running; the bounded branch ends behind
  // an exchange into the gated operator, which holds its records until the test opens it.
  let n = 0;
  env
    .fromSource<number>({
      bounded: false,
      createReader: () => ({
        poll: (out: SourceOutput<number>) => {
          out.collect(n++, Date.now());
          return "nothing-yet";
        },
        available: () => new Promise<void>((resolve) => setImmediate(resolve)),
        snapshot: () => n,
      }),
    } as never)
    .forEach(() => {});
  const doubled: number[] = [];
  env
    .fromCollection([1, 2, 3])
    .keyBy((x) => x)
    .transform("HeldUntilOpened", () => new HeldUntilOpened())
    .forEach((v) => {
      doubled.push(v);
    });
  const client = env.executeAsync("gate-checkpoints");
  const completed = () => client.snapshot().job.checkpointsCompleted;
  try {
    await waitUntil(() => HeldUntilOpened.sawEndOfInput, "the gated subtask's inputs to end");
    // At most one checkpoint was in flight then; the second to complete started after the end.
    const atEnd = completed();
    await waitUntil(() => completed() >= atEnd + 2, "two checkpoints after the gated subtask's inputs ended");
    HeldUntilOpened.open();
    await waitUntil(() => doubled.length === 3, "the held records after the gate opened");
    assert.deepEqual(
      [...doubled].sort((a, b) => a - b),
      [2, 4, 6],
    );
  } finally {
    client.cancel();
    await client.result.catch(() => {});
  }
});

test("a gated operator chained to a source that waits for data emits its held records without new input", async () => {
  // The source emits 1, 2, 3, then has nothing (for as long as the test wants): the gate's
  // asynchronous step must still release the records, not wait for the source's next record.
  let sent = false;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let ended = false;
  void finished.then(() => {
    ended = true;
  });
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const doubled: number[] = [];
  env
    .fromSource<number>({
      bounded: true,
      createReader: () => ({
        poll: (out: SourceOutput<number>) => {
          if (!sent) {
            for (const v of [1, 2, 3]) out.collect(v, 0);
            sent = true;
          }
          return ended ? "end" : "nothing-yet";
        },
        available: () => finished,
      }),
    } as never)
    .transform("AsyncDoubler", () => new AsyncDoubler())
    .forEach((v) => {
      doubled.push(v);
    });
  const client = env.executeAsync("gate-waiting-source");
  try {
    await waitUntil(() => doubled.length === 3, "the held records while the source waits");
    assert.deepEqual(doubled, [2, 4, 6]);
  } finally {
    finish();
    await client.result;
  }
});

test("a gated operator chained to a waiting source flushes what it releases to an exchange (keyBy) without new input", async () => {
  // As the test above, with a keyBy after the gate: the released records go through a record
  // writer whose pending batch must be flushed while the source waits, not after its next record
  // (which never comes here: the source ends only when the test has seen the records).
  let sent = false;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let ended = false;
  void finished.then(() => {
    ended = true;
  });
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    // No periodic watermark nor latency marker while the source waits: either flushes the writer
    // and would hide what is tested.
    autoWatermarkIntervalMs: 3_600_000,
    latencyTrackingIntervalMs: 0,
  });
  const doubled: number[] = [];
  env
    .fromSource<number>({
      bounded: true,
      createReader: () => ({
        poll: (out: SourceOutput<number>) => {
          if (!sent) {
            for (const v of [1, 2, 3]) out.collect(v, 0);
            sent = true;
          }
          return ended ? "end" : "nothing-yet";
        },
        available: () => finished,
      }),
    } as never)
    .transform("AsyncDoubler", () => new AsyncDoubler())
    .keyBy((x) => x % 2)
    // Two subtasks after the keyBy: an exchange (at parallelism 1 on both sides it would be chained).
    .map((x) => x)
    .setParallelism(2)
    .forEach((v) => {
      doubled.push(v);
    });
  const client = env.executeAsync("gate-waiting-source-exchange");
  try {
    await waitUntil(
      () => doubled.length === 3,
      "the held records through the exchange while the source waits",
    );
    assert.deepEqual(
      [...doubled].sort((a, b) => a - b),
      [2, 4, 6],
    );
  } finally {
    finish();
    await client.result;
  }
});
