/**
 * Channels between subtasks on different worker threads. Items travel over one MessagePort per
 * pair of workers, coalesced per loop iteration into one message. Flow control is credit-based:
 * a sender may have at most `capacity` batches in flight per channel; the receiver returns a
 * credit when its subtask has taken a batch, so a slow receiver back-pressures the sender.
 */
import type { MessagePort } from "node:worker_threads";
import { type Channel, type ChannelItem, ItemKind, type OutputChannel } from "./channel.js";

/** A message between two workers. */
interface WireMessage {
  /** [channelId, item] in send order */
  items?: [number, ChannelItem][];
  /** [channelId, credits] */
  credits?: [number, number][];
}

/** One worker's link to one peer worker. */
export class PeerLink {
  private outItems: [number, ChannelItem][] = [];
  private outCredits = new Map<number, number>();
  private readonly senders = new Map<number, RemoteSender>();
  private readonly receivers = new Map<number, Channel>();
  /**
   * Items that came before their channel was built: a peer that started sooner (this worker is
   * still restoring a checkpoint, say) may already be sending.
   */
  private readonly early = new Map<number, ChannelItem[]>();

  /** Called whenever something arrived (the executor sets it to wake its loop). */
  onArrivalHook: (() => void) | undefined;

  constructor(private readonly port: MessagePort) {
    port.on("message", (m: WireMessage) => this.receive(m));
  }

  /** The sending end of channel `id`. */
  sender(id: number, capacity: number): RemoteSender {
    const s = new RemoteSender(id, capacity, this);
    this.senders.set(id, s);
    return s;
  }

  /** Registers the receiving end of channel `id`. */
  receiver(id: number, ch: Channel): void {
    this.receivers.set(id, ch);
    const early = this.early.get(id);
    if (early) {
      this.early.delete(id);
      for (const item of early) ch.push(item);
    }
    ch.onBatchConsumed = () => {
      this.outCredits.set(id, (this.outCredits.get(id) ?? 0) + 1);
    };
  }

  /** @internal */
  enqueue(id: number, item: ChannelItem): void {
    this.outItems.push([id, item]);
  }

  /** Sends what was queued since the last flush. */
  flush(): void {
    if (this.outItems.length === 0 && this.outCredits.size === 0) return;
    const m: WireMessage = {};
    if (this.outItems.length > 0) {
      m.items = this.outItems;
      this.outItems = [];
    }
    if (this.outCredits.size > 0) {
      m.credits = [...this.outCredits];
      this.outCredits.clear();
    }
    this.port.postMessage(m);
  }

  private receive(m: WireMessage): void {
    if (m.items) {
      for (const [id, item] of m.items) {
        const ch = this.receivers.get(id);
        if (ch) ch.push(item);
        else {
          const list = this.early.get(id);
          if (list) list.push(item);
          else this.early.set(id, [item]);
        }
      }
    }
    if (m.credits) for (const [id, n] of m.credits) this.senders.get(id)!.inFlight -= n;
    this.onArrivalHook?.();
  }

  close(): void {
    this.port.close();
  }
}

/** The sending end of a channel to another worker. */
export class RemoteSender implements OutputChannel {
  inFlight = 0;
  constructor(
    readonly id: number,
    private readonly capacity: number,
    private readonly link: PeerLink,
  ) {}
  push(item: ChannelItem): void {
    if (item.kind === ItemKind.Batch) this.inFlight++;
    this.link.enqueue(this.id, item);
  }
  hasCapacity(): boolean {
    return this.inFlight < this.capacity;
  }
}
