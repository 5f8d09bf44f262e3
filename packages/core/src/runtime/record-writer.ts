/**
 * Sends one operator output over one graph edge to the channels of the receiving subtasks,
 * choosing a channel per record with the edge's partitioner and filling a batch per channel.
 */
import { FleuveError } from "../errors.js";
import type { GraphEdge } from "../graph/stream-graph.js";
import {
  type KeySelector,
  keyGroupOf,
  type NormalizedKey,
  normalizeKey,
  subtaskForKeyGroup,
} from "../spi/key-groups.js";
import { keySelectorError, type LatencyMarker, type Output } from "../spi/operator.js";
import type { OutputTag } from "../spi/output-tag.js";
import { ItemKind, type OutputChannel, type RecordBatch } from "./channel.js";

/** Output that batches records into channels. */
export class RecordWriter implements Output<unknown> {
  private readonly pending: RecordBatch[];
  private readonly select: (value: unknown) => number;
  private rr: number;
  /** Processing time when the oldest pending record arrived (for the buffer timeout). */
  oldestPendingAt = 0;
  pendingCount = 0;

  constructor(
    readonly edge: GraphEdge,
    readonly channels: readonly OutputChannel[],
    private readonly batchSize: number,
    /** Parallelism of the target (for hash partitioning). */
    targetParallelism: number,
    maxParallelism: number,
    /** Index of the target subtask of each channel. */
    channelTargets: readonly number[],
    senderSubtask: number,
    operatorName: string,
  ) {
    this.pending = channels.map(() => ({ kind: ItemKind.Batch, values: [], timestamps: [] }));
    this.rr = senderSubtask % Math.max(1, channels.length);
    const n = channels.length;
    switch (edge.partitioner) {
      case "hash": {
        const toTarget = keyGroupTarget(edge.keySelector!, targetParallelism, maxParallelism, operatorName);
        // Channels usually follow the target subtasks in order; map only when they do not.
        if (channelTargets.every((t, i) => t === i) && n === targetParallelism) {
          this.select = toTarget;
        } else {
          const byTarget = new Array<number>(targetParallelism).fill(-1);
          channelTargets.forEach((t, i) => {
            byTarget[t] = i;
          });
          this.select = (v) => byTarget[toTarget(v)]!;
        }
        break;
      }
      case "rebalance":
      case "rescale":
        this.select = () => {
          const c = this.rr;
          this.rr = c + 1 === n ? 0 : c + 1;
          return c;
        };
        break;
      case "shuffle":
        this.select = () => Math.floor(Math.random() * n);
        break;
      case "custom":
        this.select = customTarget(edge.keySelector!, edge.customPartitioner!, n, operatorName);
        break;
      case "broadcast":
        this.select = () => -1;
        break;
      default: // forward, global: a single channel
        this.select = () => 0;
    }
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

/**
 * The receiving subtask of a record by the key group of its key (keyBy), as Flink's
 * KeyGroupStreamPartitioner. Shared by the in-process channels and the exchanges of units.
 */
export function keyGroupTarget(
  sel: KeySelector<any>,
  targetParallelism: number,
  maxParallelism: number,
  operatorName: string,
): (value: unknown) => number {
  return (v) => {
    let key: unknown;
    try {
      key = sel(v);
    } catch (e) {
      throw keySelectorError(e, `key selector after operator '${operatorName}'`, v);
    }
    const nk: NormalizedKey = normalizeKey(key, operatorName, v);
    return subtaskForKeyGroup(keyGroupOf(nk, maxParallelism), targetParallelism, maxParallelism);
  };
}

/** The receiving subtask of a record by a user partitioner of its key (partitionCustom), checked. */
export function customTarget(
  sel: KeySelector<any>,
  part: (key: any, numPartitions: number) => number,
  n: number,
  operatorName: string,
): (value: unknown) => number {
  return (v) => {
    let c: number;
    try {
      c = part(sel(v), n);
    } catch (e) {
      throw keySelectorError(e, `partitionCustom key selector or partitioner after '${operatorName}'`, v);
    }
    if (!Number.isInteger(c) || c < 0 || c >= n) {
      throw new FleuveError(
        "FLEUVE_USER_FUNCTION_FAILED",
        `custom partitioner after '${operatorName}' returned ${c} for a record; it must return an integer in [0, ${n})`,
        { details: { operator: operatorName, record: v } },
      );
    }
    return c;
  };
}
