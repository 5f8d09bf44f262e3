// A gated operator (readyForInput) that still holds records when its input ends: the subtask
// finishes only once the gate clears, so what the operator emits then reaches the output (an
// asynchronous lookup's results). Through the public API, at parallelism 1 and 2, with the
// operator chained to a bounded source and behind an exchange.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "../../src/index.js";
import { OneInputOperator } from "../../src/spi/index.js";

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
