/**
 * Harnesses for one-input operators (Flink's OneInputStreamOperatorTestHarness and
 * KeyedOneInputStreamOperatorTestHarness).
 */
import type { KeyedProcessFunction } from "../functions/functions.js";
import { ProcessOperator } from "../operators/process.js";
import type { Key, KeySelector } from "../spi/key-groups.js";
import type { OneInputOperator } from "../spi/operator.js";
import { MAX_WATERMARK, NO_TIMESTAMP } from "../time/watermark.js";
import { type HarnessOptions, OperatorHarness } from "./harness.js";

/**
 * Drives a non-keyed one-input operator by hand.
 *
 * ```ts
 * const h = new OneInputOperatorHarness(new MyOperator());
 * h.processElement("a", 10);
 * h.processWatermark(10);
 * assert.deepEqual(h.getOutput(), [{ value: "A", timestamp: 10 }]);
 * ```
 */
export class OneInputOperatorHarness<IN, OUT> extends OperatorHarness<OUT> {
  constructor(
    override readonly operator: OneInputOperator<IN, OUT>,
    options: HarnessOptions = {},
    /** @internal key selector of the keyed subclass */
    keySelector?: KeySelector<IN>,
  ) {
    super(operator, keySelector ? [keySelector] : [], options);
  }

  /** Feeds one record; `timestamp` undefined means the record has none. Errors propagate. */
  processElement(value: IN, timestamp?: number): void {
    this.open();
    this.countIn();
    // The runtime sets the current key before every record of a keyed operator.
    if (this.keyedState) this.operator.setKeyContextElement(value, 0);
    this.operator.processElement(value, timestamp ?? NO_TIMESTAMP);
  }

  /** Feeds a watermark (fires event-time timers up to it). */
  processWatermark(watermark: number): void {
    this.open();
    this.operator.processWatermark(watermark);
  }

  /** Ends the input as the runtime does: the final watermark (+Infinity), then `finish()`. */
  endInput(): void {
    this.open();
    this.operator.processWatermark(MAX_WATERMARK);
    this.operator.finish();
  }
}

/**
 * Drives a keyed one-input operator: the current key is set from `keySelector` before each record,
 * and the operator gets keyed state and timers.
 *
 * ```ts
 * const h = new KeyedOneInputOperatorHarness(new ProcessOperator(fn), (e: Ev) => e.user);
 * h.processElement({ user: "a", n: 1 }, 5);
 * h.setProcessingTime(1000); // fires processing-time timers due
 * assert.equal(h.numEventTimeTimers(), 1);
 * ```
 */
export class KeyedOneInputOperatorHarness<IN, OUT, K extends Key = Key> extends OneInputOperatorHarness<
  IN,
  OUT
> {
  constructor(
    operator: OneInputOperator<IN, OUT>,
    keySelector: KeySelector<IN, K>,
    options: HarnessOptions = {},
  ) {
    super(operator, options, keySelector);
  }
}

/**
 * A keyed harness around a (keyed) process function: the quickest way to unit-test one. Without a
 * key selector, each record is its own key (for scalar records).
 *
 * ```ts
 * const h = harnessFor(countPerUser, (e: Ev) => e.user);
 * h.processElement({ user: "a" }, 1);
 * h.processWatermark(100); // fires event-time timers <= 100
 * ```
 */
export function harnessFor<IN, OUT, K extends Key = Key>(
  fn: KeyedProcessFunction<K, IN, OUT>,
  keySelector: KeySelector<IN, K> = (v) => v as unknown as K,
  options: HarnessOptions = {},
): KeyedOneInputOperatorHarness<IN, OUT, K> {
  return new KeyedOneInputOperatorHarness<IN, OUT, K>(
    new ProcessOperator<IN, OUT, K>(fn),
    keySelector,
    options,
  );
}
