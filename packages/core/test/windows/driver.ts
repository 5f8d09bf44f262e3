/**
 * A small single-operator test driver: builds the window operator through the public API, then
 * feeds it records, watermarks and processing time (ManualProcessingTime) by hand, so tests of
 * processing-time behaviour are deterministic.
 */
import {
  type DataStream,
  type KeyedStream,
  ManualProcessingTime,
  OperatorMetrics,
  type OutputTag,
  StreamExecutionEnvironment,
} from "../../src/index.js";
import { normalizeKey } from "../../src/spi/key-groups.js";
import type { OneInputOperator, Output } from "../../src/spi/operator.js";
import { OperatorStateStore } from "../../src/spi/operator-state.js";
import { HeapKeyedStateBackend } from "../../src/state/heap-keyed-state-backend.js";

/** One emitted record. */
export interface Emitted<T> {
  value: T;
  ts: number;
}

/** Drives the operator that `build` appends to a keyed stream of T. */
export class WindowDriver<T, R> {
  readonly clock: ManualProcessingTime;
  readonly out: Emitted<R>[] = [];
  readonly side: { tag: string; value: unknown; ts: number }[] = [];
  readonly op: OneInputOperator<T, R>;
  /** The operator's metrics. */
  readonly metrics: OperatorMetrics;
  private readonly keySelector: (v: T) => any;

  constructor(keyBy: (v: T) => any, build: (keyed: KeyedStream<T, any>) => DataStream<R>, startTime = 0) {
    const env = StreamExecutionEnvironment.create({ parallelism: 1 });
    build(env.fromElements<T>().keyBy(keyBy));
    const node = env.graph.nodes.find((n) => n.name.includes("Window"));
    if (!node) throw new Error("no window operator in the graph");
    this.op = node.createOperator() as OneInputOperator<T, R>;
    this.keySelector = keyBy;
    this.clock = new ManualProcessingTime(startTime);
    const out = this.out;
    const side = this.side;
    const output: Output<R> = {
      collect: (value, ts) => out.push({ value, ts }),
      collectSide: (tag: OutputTag<any>, value, ts) => side.push({ tag: tag.id, value, ts }),
      emitWatermark: () => {},
      emitIdle: () => {},
      emitLatencyMarker: () => {},
    };
    const runtime = {
      operatorName: node.name,
      operatorId: "window",
      subtaskIndex: 0,
      parallelism: 1,
      maxParallelism: 128,
      keySelectors: [keyBy],
      keyedState: new HeapKeyedStateBackend(128, () => this.clock.now()),
      operatorState: new OperatorStateStore(),
      processingTime: this.clock,
      metrics: (this.metrics = new OperatorMetrics(node.name, "window", 0)),
    };
    this.op.setup(runtime as any, output);
    this.op.open();
  }

  /** Feeds one record with event timestamp `ts`. */
  element(value: T, ts = Number.NEGATIVE_INFINITY): this {
    const key = this.keySelector(value);
    (this.op as any).runtime.keyedState.setCurrentKey(key, normalizeKey(key));
    this.op.processElement(value, ts);
    return this;
  }

  /** Feeds a watermark. */
  watermark(wm: number): this {
    this.op.processWatermark(wm);
    return this;
  }

  /** Moves processing time to `t`, firing due processing-time timers. */
  advance(t: number): this {
    this.clock.advanceTo(t);
    return this;
  }

  /** Takes and clears the values emitted so far. */
  take(): R[] {
    return this.out.splice(0).map((e) => e.value);
  }
}
