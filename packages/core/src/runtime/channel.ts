/**
 * A channel between two subtasks in different tasks: a bounded FIFO of record batches and
 * control events. Records cross task boundaries only in batches; the sender stops when the
 * channel holds `capacity` batches (backpressure) and resumes when the receiver drains it.
 */
import type { LatencyMarker } from "../spi/operator.js";

/** Kinds of channel items. */
export enum ItemKind {
  Batch = 0,
  Watermark = 1,
  Idle = 2,
  Latency = 3,
  End = 4,
  Barrier = 5,
}

/** A batch of records as two parallel arrays (no per-record wrapper object). */
export interface RecordBatch {
  kind: ItemKind.Batch;
  values: unknown[];
  timestamps: number[];
}

/** Anything a channel carries. */
export type ChannelItem =
  | RecordBatch
  | { kind: ItemKind.Watermark; watermark: number }
  | { kind: ItemKind.Idle; idle: boolean }
  | { kind: ItemKind.Latency; marker: LatencyMarker }
  | { kind: ItemKind.End }
  | { kind: ItemKind.Barrier; checkpointId: number };

/** The sending end of a channel, as a record writer sees it. */
export interface OutputChannel {
  push(item: ChannelItem): void;
  /** True while the sender may push another batch. */
  hasCapacity(): boolean;
}

/** A bounded FIFO between two subtasks. */
export class Channel implements OutputChannel {
  /** Called after a batch is taken (remote channels return a credit to the sender). */
  onBatchConsumed: (() => void) | undefined;
  private items: ChannelItem[] = [];
  private head = 0;
  /** Batches queued (control events do not count against capacity). */
  batches = 0;
  /** Records queued, for metrics. */
  records = 0;

  constructor(
    readonly capacity: number,
    /** Logical input (0 or 1) of the receiving operator. */
    readonly inputIndex: 0 | 1,
    /** Position of this channel among the receiver's channels of the same logical input. */
    readonly inputChannelIndex: number,
  ) {}

  /** True while the sender may push another batch. */
  hasCapacity(): boolean {
    return this.batches < this.capacity;
  }

  /** True when something is queued. */
  get isEmpty(): boolean {
    return this.head >= this.items.length;
  }

  push(item: ChannelItem): void {
    if (item.kind === ItemKind.Batch) {
      this.batches++;
      this.records += item.values.length;
    }
    this.items.push(item);
  }

  /** Takes the oldest item, or undefined. */
  poll(): ChannelItem | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head] = undefined as unknown as ChannelItem;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (item.kind === ItemKind.Batch) {
      this.batches--;
      this.records -= item.values.length;
      this.onBatchConsumed?.();
    }
    return item;
  }
}
