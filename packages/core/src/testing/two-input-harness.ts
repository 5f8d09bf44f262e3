/**
 * Harnesses for two-input operators (connect, co-process, broadcast, joins): Flink's
 * TwoInputStreamOperatorTestHarness and KeyedTwoInputStreamOperatorTestHarness.
 */
import type { Key, KeySelector } from "../spi/key-groups.js";
import type { TwoInputOperator } from "../spi/operator.js";
import { MAX_WATERMARK, NO_TIMESTAMP } from "../time/watermark.js";
import { type HarnessOptions, OperatorHarness } from "./harness.js";

/**
 * Drives a non-keyed two-input operator. Its watermark is the minimum of the two inputs'.
 *
 * ```ts
 * const h = new TwoInputOperatorHarness(new CoProcessOperator(fn));
 * h.processElement1("left", 1);
 * h.processElement2(42, 2);
 * h.processWatermark1(5); h.processWatermark2(3); // operator watermark: 3
 * ```
 */
export class TwoInputOperatorHarness<IN1, IN2, OUT> extends OperatorHarness<OUT> {
  constructor(
    override readonly operator: TwoInputOperator<IN1, IN2, OUT>,
    options: HarnessOptions = {},
    /** @internal key selectors of the keyed subclass */
    keySelectors: readonly (KeySelector<any> | undefined)[] = [],
  ) {
    super(operator, keySelectors, options);
  }

  /** Feeds a record to input 1. */
  processElement1(value: IN1, timestamp?: number): void {
    this.open();
    this.countIn();
    if (this.keyedState) this.operator.setKeyContextElement(value, 0);
    this.operator.processElement1(value, timestamp ?? NO_TIMESTAMP);
  }

  /** Feeds a record to input 2. */
  processElement2(value: IN2, timestamp?: number): void {
    this.open();
    this.countIn();
    if (this.keyedState) this.operator.setKeyContextElement(value, 1);
    this.operator.processElement2(value, timestamp ?? NO_TIMESTAMP);
  }

  /** Feeds a watermark to input 1. */
  processWatermark1(watermark: number): void {
    this.open();
    this.operator.processWatermark1(watermark);
  }

  /** Feeds a watermark to input 2. */
  processWatermark2(watermark: number): void {
    this.open();
    this.operator.processWatermark2(watermark);
  }

  /** Marks input 1 idle or active (an idle input does not hold the watermark back). */
  processIdle1(idle: boolean): void {
    this.open();
    this.operator.processIdle1(idle);
  }

  /** Marks input 2 idle or active. */
  processIdle2(idle: boolean): void {
    this.open();
    this.operator.processIdle2(idle);
  }

  /** Ends both inputs: final watermark on each, then `finish()`. */
  endInput(): void {
    this.open();
    this.operator.processWatermark1(MAX_WATERMARK);
    this.operator.processWatermark2(MAX_WATERMARK);
    this.operator.finish();
  }
}

/**
 * Drives a keyed two-input operator: the key is set from `keySelector1` / `keySelector2` before
 * each record of input 1 / 2. Leave `keySelector2` out for a keyed broadcast operator (input 2
 * is the broadcast side).
 *
 * ```ts
 * const h = new KeyedTwoInputOperatorHarness(new CoProcessOperator(join), (o: Order) => o.id, (p: Pay) => p.orderId);
 * ```
 */
export class KeyedTwoInputOperatorHarness<IN1, IN2, OUT, K extends Key = Key> extends TwoInputOperatorHarness<
  IN1,
  IN2,
  OUT
> {
  constructor(
    operator: TwoInputOperator<IN1, IN2, OUT>,
    keySelector1: KeySelector<IN1, K>,
    keySelector2?: KeySelector<IN2, K>,
    options: HarnessOptions = {},
  ) {
    super(operator, options, [keySelector1, keySelector2]);
  }
}
