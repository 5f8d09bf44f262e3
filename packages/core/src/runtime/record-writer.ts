/**
 * Sends one operator output over one graph edge to the channels of the receiving subtasks,
 * choosing a channel per record with the edge's partitioner and filling a batch per channel.
 */
import type { GraphEdge } from "../graph/stream-graph.js";
import type { LatencyMarker, Output } from "../spi/operator.js";
import type { OutputTag } from "../spi/output-tag.js";
import { ItemKind, type OutputChannel, type RecordBatch } from "./channel.js";
import { type ChannelSelectorOptions, channelSelector } from "./partitioners.js";

/** What a {@link RecordWriter} sends over and how it chooses a channel. */
export interface RecordWriterOptions {
  readonly edge: GraphEdge;
  /** The channels to the receiving subtasks this sender is connected to. */
  readonly channels: readonly OutputChannel[];
  /** Index of the target subtask of each channel (parallel to `channels`). */
  readonly channelTargets: readonly number[];
  /** Records per batch: a full batch is pushed at once. */
  readonly batchSize: number;
  /** Parallelism of the target (for hash partitioning). */
  readonly targetParallelism: number;
  readonly maxParallelism: number;
  /** Index of the sending subtask (where round-robin starts). */
  readonly senderSubtask: number;
  /** The sending operator, named in key selector and partitioner errors. */
  readonly operatorName: string;
  /** See {@link ChannelSelectorOptions.receiverKeysRecords}. */
  readonly receiverKeysRecords?: boolean;
}

/** Output that batches records into channels. */
export class RecordWriter implements Output<unknown> {
  readonly edge: GraphEdge;
  readonly channels: readonly OutputChannel[];
  private readonly batchSize: number;
  private readonly pending: RecordBatch[];
  private readonly select: (value: unknown) => number;
  /** Processing time when the oldest pending record arrived (for the buffer timeout). */
  oldestPendingAt = 0;
  pendingCount = 0;

  constructor(o: RecordWriterOptions) {
    this.edge = o.edge;
    this.channels = o.channels;
    this.batchSize = o.batchSize;
    this.pending = o.channels.map(() => ({ kind: ItemKind.Batch, values: [], timestamps: [] }));
    this.select = channelSelector(o.edge, o.channelTargets, {
      sender: o.senderSubtask,
      targetParallelism: o.targetParallelism,
      maxParallelism: o.maxParallelism,
      operatorName: o.operatorName,
      receiverKeysRecords: o.receiverKeysRecords === true,
    });
  }

  /** True when every channel may take another batch. */
  hasCapacity(): boolean {
    const cs = this.channels;
    for (let i = 0; i < cs.length; i++) if (!cs[i]!.hasCapacity()) return false;
    return true;
  }

  collect(value: unknown, timestamp: number): void {
    const c = this.select(value);
    if (c < 0) {
      for (let i = 0; i < this.pending.length; i++) this.add(i, value, timestamp);
    } else {
      this.add(c, value, timestamp);
    }
  }

  private add(c: number, value: unknown, timestamp: number): void {
    const b = this.pending[c]!;
    b.values.push(value);
    b.timestamps.push(timestamp);
    this.pendingCount++;
    if (b.values.length >= this.batchSize) this.flushChannel(c);
  }

  collectSide(_tag: OutputTag<unknown>, _value: unknown, _timestamp: number): void {
    // Side outputs are routed by the node output before reaching a writer.
  }

  private flushChannel(c: number): void {
    const b = this.pending[c]!;
    if (b.values.length === 0) return;
    this.pendingCount -= b.values.length;
    this.channels[c]!.push(b);
    this.pending[c] = { kind: ItemKind.Batch, values: [], timestamps: [] };
  }

  /** Sends every partly filled batch. */
  flush(): void {
    this.oldestPendingAt = 0;
    if (this.pendingCount === 0) return;
    for (let i = 0; i < this.pending.length; i++) this.flushChannel(i);
  }

  emitWatermark(watermark: number): void {
    this.flush();
    for (const ch of this.channels) ch.push({ kind: ItemKind.Watermark, watermark });
  }

  emitIdle(idle: boolean): void {
    this.flush();
    for (const ch of this.channels) ch.push({ kind: ItemKind.Idle, idle });
  }

  emitLatencyMarker(marker: LatencyMarker): void {
    // Flink sends a latency marker to one random channel to keep their cost low.
    this.flush();
    const ch = this.channels[Math.floor(Math.random() * this.channels.length)];
    ch?.push({ kind: ItemKind.Latency, marker });
  }

  /** Sends a checkpoint barrier on every channel, after the records before it. */
  emitBarrier(checkpointId: number): void {
    this.flush();
    for (const ch of this.channels) ch.push({ kind: ItemKind.Barrier, checkpointId });
  }

  /** Ends every channel. */
  end(): void {
    this.flush();
    for (const ch of this.channels) ch.push({ kind: ItemKind.End });
  }
}
