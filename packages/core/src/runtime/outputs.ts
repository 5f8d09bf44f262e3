/**
 * Outputs that wire operators together inside a task (chaining: a direct call into the next
 * operator) and route side outputs. Built once per subtask; nothing here allocates per record.
 */
import type { OperatorMetrics, RecordCounter } from "../metrics/registry.js";
import { type LatencyMarker, type OneInputOperator, type Output, SKIP_RECORD } from "../spi/operator.js";
import type { OutputTag } from "../spi/output-tag.js";

/**
 * Feeds a chained one-input operator directly, counting its records in per record. For a chained
 * operator after a fan-out or on a side output; one fed by the only main output of the operator
 * before it takes {@link FollowingChainingOutput} instead.
 */
export class ChainingOutput implements Output<unknown> {
  /** The fed operator's records-in counter, held directly: one load less per record than via its metrics. */
  protected readonly recordsIn: RecordCounter;
  constructor(
    protected readonly op: OneInputOperator<unknown, unknown>,
    metrics: OperatorMetrics,
  ) {
    this.recordsIn = metrics.recordsIn;
    // counted here per record (a restarted attempt may have followed before: keep its count)
    this.recordsIn.unfollow();
  }
  collect(value: unknown, timestamp: number): void {
    this.recordsIn.increment();
    try {
      this.op.processElement(value, timestamp);
    } catch (e) {
      if (e !== SKIP_RECORD) throw e;
    }
  }
  collectSide(): void {}
  emitWatermark(watermark: number): void {
    this.op.processWatermark(watermark);
  }
  emitIdle(idle: boolean): void {
    this.op.processIdle(idle);
  }
  emitLatencyMarker(marker: LatencyMarker): void {
    this.op.processLatencyMarker(marker);
  }
}

/** Feeds a chained keyed operator: sets the current key first (a record whose key fails is not counted in). */
export class KeyedChainingOutput extends ChainingOutput {
  override collect(value: unknown, timestamp: number): void {
    this.op.setKeyContextElement(value, 0);
    super.collect(value, timestamp);
  }
}

/**
 * Feeds a chained one-input operator that is the only main output of the operator before it,
 * without counting per record: every record that reaches it was counted one call earlier in that
 * operator's records out ({@link NodeOutput.collect}), so its records-in counter follows that one
 * ({@link RecordCounter.follow}) and is worked out when read.
 */
export class FollowingChainingOutput extends ChainingOutput {
  constructor(
    op: OneInputOperator<unknown, unknown>,
    metrics: OperatorMetrics,
    upstreamRecordsOut: RecordCounter,
  ) {
    super(op, metrics);
    this.recordsIn.follow(upstreamRecordsOut);
  }
  override collect(value: unknown, timestamp: number): void {
    try {
      this.op.processElement(value, timestamp);
    } catch (e) {
      if (e !== SKIP_RECORD) throw e;
    }
  }
}

/**
 * {@link FollowingChainingOutput} for a keyed operator: sets the current key first. A record whose
 * key selector fails never reaches the operator, so it is taken back out of the records in (it
 * was counted in with the records out before it), as it was never counted in.
 */
export class KeyedFollowingChainingOutput extends FollowingChainingOutput {
  override collect(value: unknown, timestamp: number): void {
    let keyed = false;
    try {
      this.op.setKeyContextElement(value, 0);
      keyed = true;
      this.op.processElement(value, timestamp);
    } catch (e) {
      if (!keyed) {
        this.recordsIn.inc(-1);
        throw e;
      }
      if (e !== SKIP_RECORD) throw e;
    }
  }
}

/** Sends to several outputs. */
export class FanOutOutput implements Output<unknown> {
  constructor(private readonly outputs: readonly Output<unknown>[]) {}
  collect(value: unknown, timestamp: number): void {
    const o = this.outputs;
    for (let i = 0; i < o.length; i++) o[i]!.collect(value, timestamp);
  }
  collectSide(): void {}
  emitWatermark(watermark: number): void {
    for (const o of this.outputs) o.emitWatermark(watermark);
  }
  emitIdle(idle: boolean): void {
    for (const o of this.outputs) o.emitIdle(idle);
  }
  emitLatencyMarker(marker: LatencyMarker): void {
    for (const o of this.outputs) o.emitLatencyMarker(marker);
  }
}

/** Drops records (an operator whose main output nobody consumes). */
export const DISCARD: Output<unknown> = {
  collect() {},
  collectSide() {},
  emitWatermark() {},
  emitIdle() {},
  emitLatencyMarker() {},
};

/** The output of one operator: main output, side outputs by tag id, and the recordsOut count. */
export class NodeOutput implements Output<unknown> {
  private readonly allOutputs: Output<unknown>[];
  /** The operator's records-out counter, held directly: one load less per record than via its metrics. */
  private readonly recordsOut: RecordCounter;
  constructor(
    private readonly main: Output<unknown>,
    private readonly sides: ReadonlyMap<string, Output<unknown>>,
    private readonly metrics: OperatorMetrics,
  ) {
    this.allOutputs = [main, ...sides.values()];
    this.recordsOut = metrics.recordsOut;
  }
  collect(value: unknown, timestamp: number): void {
    this.recordsOut.increment();
    this.main.collect(value, timestamp);
  }
  collectSide(tag: OutputTag<unknown>, value: unknown, timestamp: number): void {
    const o = this.sides.get(tag.id);
    if (o !== undefined) o.collect(value, timestamp);
  }
  emitWatermark(watermark: number): void {
    this.metrics.currentOutputWatermark.value = watermark;
    const outs = this.allOutputs;
    for (let i = 0; i < outs.length; i++) outs[i]!.emitWatermark(watermark);
  }
  emitIdle(idle: boolean): void {
    for (const o of this.allOutputs) o.emitIdle(idle);
  }
  emitLatencyMarker(marker: LatencyMarker): void {
    this.main.emitLatencyMarker(marker);
  }
}
