/**
 * The exchange protocol of a scale-out job: what the sending subtasks of an edge between two units
 * write, and how a receiving subtask turns what it reads back into a stream, as a task does over
 * in-process channels. A deployment only moves the bytes (e.g. Kafka: one topic per exchange, one
 * partition per receiver; tests: arrays in memory), in order per sender and receiver.
 *
 * A sender writes each record to the receiver its partitioner chooses (every receiver for
 * broadcast), and to every receiver: its watermark, its idleness changes (an idle sender does not
 * hold the receivers' watermark back, as an idle channel does not), and an end marker when its
 * input ends. It announces itself active before anything else, so that a receiver restored with
 * the sender idle does not ignore a sender that restarted. A receiver combines its senders'
 * watermarks and idleness with the engine's {@link WatermarkValve}, and ends once every sender
 * ended.
 *
 * Savepoints of the whole job travel in band, as Flink's checkpoint barriers do: a sender writes a
 * barrier (its savepoint's id, folder and whether the job stops) to every receiver right after the
 * last record before its cut. A receiver *aligns*: once a sender's barrier arrived, it holds that
 * sender's later messages back (in memory, and in its checkpoints) until every sender's barrier
 * arrived; then the receiving unit snapshots its part of the savepoint at exactly the cut, and the
 * held messages go on (or, for a stop-with-savepoint, never do). So no record is in flight at the
 * cut, and the savepoint needs no exchange state.
 *
 * Memory stays bounded however long an alignment takes, as Flink blocks aligned channels: a
 * receiver whose every sender's barrier arrived (or that stopped at a stop-with-savepoint's cut)
 * reads nothing more ({@link ExchangeReceiver.paused}); and while it still waits for some senders,
 * it holds at most `maxHeld` messages of the others. Senders share one stream per receiver (a Kafka
 * partition), so it must read on to find the missing barriers: past the bound it drops what it
 * held and, once the alignment ends, has its transport deliver the stream again from the first
 * held message ({@link ExchangeReceiver.rewind}), applying then only what it had held. The
 * transport's log is the buffer; this needs message positions (e.g. Kafka offsets).
 *
 * Messages are `v8.serialize`d tuples, so records keep their JS types (Map, Date, bigint...):
 * `[0, value, timestamp?, sender?]`, `[1, sender, watermark]`, `[2, sender]` (end),
 * `[3, sender, idle]`, `[4, sender, barrier]`. Records name their sender (for alignment) since the
 * barrier was added; records without one (older topics) are never held back.
 */
import { deserialize, serialize } from "node:v8";
import type { SinkWriter } from "../connector/sink.js";
import type { SourceOutput } from "../connector/source.js";
import { MAX_WATERMARK, MIN_WATERMARK, WatermarkValve } from "../time/watermark.js";
import { type Exchange, exchangePartitioner } from "./unit-plan.js";

/** The kind of an exchange message: the first element of its tuple. */
export const ExchangeMessageKind = { Record: 0, Watermark: 1, End: 2, Idle: 3, Barrier: 4 } as const;

/**
 * The barrier of a savepoint of the whole job (Flink's checkpoint barrier with its savepoint
 * options): the same in every unit, so a receiver that sees it knows which savepoint to take its
 * part of, and where to write it, without being told otherwise.
 */
export interface SavepointBarrier {
  /** Unique per savepoint of the job. */
  readonly id: string;
  /** The savepoint folder, where each unit writes its part (and one process `_metadata` last). */
  readonly dir: string;
  /** Stop-with-savepoint: nothing after the barrier is processed. */
  readonly stop: boolean;
}

/** A decoded exchange message (see the module comment for the layout). */
export type ExchangeMessage =
  | readonly [kind: 0, value: unknown, timestamp?: number, sender?: number]
  | readonly [kind: 1, sender: number, watermark: number]
  | readonly [kind: 2, sender: number]
  | readonly [kind: 3, sender: number, idle: boolean]
  | readonly [kind: 4, sender: number, barrier: SavepointBarrier];

/**
 * Encodes a record, with its event timestamp if it has one and the index of the sender that sends
 * it (receivers need it to hold back a sender's records while they align a savepoint's barriers).
 */
export function encodeRecord(value: unknown, timestamp: number | undefined, sender?: number): Buffer {
  if (sender !== undefined) return serialize([ExchangeMessageKind.Record, value, timestamp, sender]);
  return serialize(
    timestamp === undefined
      ? [ExchangeMessageKind.Record, value]
      : [ExchangeMessageKind.Record, value, timestamp],
  );
}

/** Encodes the barrier of a savepoint, sent by sender `sender` after its last record before the cut. */
export function encodeBarrier(sender: number, barrier: SavepointBarrier): Buffer {
  return serialize([
    ExchangeMessageKind.Barrier,
    sender,
    { id: barrier.id, dir: barrier.dir, stop: barrier.stop },
  ]);
}

/** Encodes the watermark of sender `sender`. */
export function encodeWatermark(sender: number, watermark: number): Buffer {
  return serialize([ExchangeMessageKind.Watermark, sender, watermark]);
}

/** Encodes the end of sender `sender`'s input. */
export function encodeEnd(sender: number): Buffer {
  return serialize([ExchangeMessageKind.End, sender]);
}

/** Encodes an idleness change of sender `sender`. */
export function encodeIdle(sender: number, idle: boolean): Buffer {
  return serialize([ExchangeMessageKind.Idle, sender, idle]);
}

/**
 * Decodes an exchange message. Throws an Error saying what is wrong with undecodable bytes or a
 * tuple that is no exchange message; `senders` (when given) bounds the sender index.
 */
export function decodeExchangeMessage(bytes: Uint8Array, senders?: number): ExchangeMessage {
  const msg = deserialize(bytes) as unknown;
  if (!Array.isArray(msg)) throw new Error("not an exchange message (no tuple)");
  const kind = msg[0] as unknown;
  if (kind === ExchangeMessageKind.Record) {
    const sender = msg[3] as unknown;
    if (sender !== undefined && !isSender(sender, senders)) {
      throw new Error(`record of sender ${String(sender)}, not a sender of this exchange`);
    }
    return msg as unknown as ExchangeMessage;
  }
  const sender = msg[1] as unknown;
  if (!isSender(sender, senders)) {
    throw new Error(
      `sender ${String(sender)} is not a sender of this exchange${senders === undefined ? "" : ` (0..${senders - 1})`}`,
    );
  }
  switch (kind) {
    case ExchangeMessageKind.Watermark:
      if (typeof msg[2] !== "number") throw new Error(`watermark ${String(msg[2])} is not a number`);
      return msg as unknown as ExchangeMessage;
    case ExchangeMessageKind.End:
      return msg as unknown as ExchangeMessage;
    case ExchangeMessageKind.Idle:
      if (typeof msg[2] !== "boolean") throw new Error(`idleness ${String(msg[2])} is not a boolean`);
      return msg as unknown as ExchangeMessage;
    case ExchangeMessageKind.Barrier: {
      const b = msg[2] as Partial<SavepointBarrier> | undefined;
      if (
        typeof b !== "object" ||
        b === null ||
        typeof b.id !== "string" ||
        typeof b.dir !== "string" ||
        typeof b.stop !== "boolean"
      ) {
        throw new Error("barrier without a savepoint id, folder and stop flag");
      }
      return msg as unknown as ExchangeMessage;
    }
    default:
      throw new Error(`unknown message kind ${String(kind)}`);
  }
}

function isSender(sender: unknown, senders: number | undefined): boolean {
  return (
    typeof sender === "number" &&
    Number.isInteger(sender) &&
    sender >= 0 &&
    (senders === undefined || sender < senders)
  );
}

/** Where a sender's encoded messages go: the deployment's transport. */
export interface ExchangeTransport {
  /**
   * Sends `bytes` to receiving subtask `receiver`, after what this sender sent it before.
   * `timestamp` is a record's event time (for transports that keep one), undefined for the rest.
   */
  send(receiver: number, bytes: Buffer, timestamp: number | undefined): void;
}

/** Options of an {@link ExchangeSender}. */
export interface ExchangeSenderOptions {
  /** The job's max parallelism (key groups). */
  readonly maxParallelism: number;
  /**
   * When watermarks are sent: `"eager"` (default) as they come; `"at-flush"` only the newest one,
   * at {@link ExchangeSender.flush} (and before an idleness change or the end), for transports
   * whose messages become visible at a commit anyway (Kafka transactions at checkpoints).
   */
  readonly watermarks?: "eager" | "at-flush";
}

/** The writer of one sending subtask of an exchange: encodes and routes what the sink gets. */
export class ExchangeSender implements SinkWriter<unknown> {
  private readonly choose: (value: unknown) => number;
  private readonly eager: boolean;
  private watermark = MIN_WATERMARK;
  private sentWatermark = MIN_WATERMARK;
  private sentIdle = false;
  private announced = false;

  constructor(
    readonly exchange: Exchange,
    /** This sender's subtask index. */
    readonly sender: number,
    private readonly transport: ExchangeTransport,
    opts: ExchangeSenderOptions,
  ) {
    this.choose = exchangePartitioner(exchange, sender, opts.maxParallelism, exchange.name);
    this.eager = (opts.watermarks ?? "eager") === "eager";
  }

  /** Sends `bytes` to every receiver. */
  private toAll(bytes: Buffer): void {
    for (let r = 0; r < this.exchange.receivers; r++) this.transport.send(r, bytes, undefined);
  }

  /** Before this sender's first message: it is active (see the module comment). */
  private announce(): void {
    this.announced = true;
    this.toAll(encodeIdle(this.sender, false));
  }

  write(value: unknown, timestamp: number | undefined): void {
    if (!this.announced) this.announce();
    const bytes = encodeRecord(value, timestamp, this.sender);
    const r = this.choose(value);
    if (r < 0) {
      for (let i = 0; i < this.exchange.receivers; i++) this.transport.send(i, bytes, timestamp);
    } else this.transport.send(r, bytes, timestamp);
  }

  writeWatermark(watermark: number): void {
    this.watermark = watermark;
    if (this.eager) this.flush();
  }

  /** The input's idleness changed: receivers stop (or start again) waiting for this sender. */
  idle(idle: boolean): void {
    if (!this.announced) this.announce();
    if (idle === this.sentIdle) return;
    // The watermark reached before going idle is where this sender resumes from.
    this.flush();
    this.sentIdle = idle;
    this.toAll(encodeIdle(this.sender, idle));
  }

  /** Sends the newest watermark if it was not sent yet. */
  flush(): void {
    if (this.watermark <= this.sentWatermark) return;
    if (!this.announced) this.announce();
    this.sentWatermark = this.watermark;
    this.toAll(encodeWatermark(this.sender, this.watermark));
  }

  finish(): void {
    if (!this.announced) this.announce();
    this.flush();
    this.toAll(encodeEnd(this.sender));
  }

  /**
   * Sends the barrier of a savepoint to every receiver, after the newest watermark: everything
   * this sender sent before it is before the savepoint's cut, everything after it is after.
   */
  barrier(barrier: SavepointBarrier): void {
    if (!this.announced) this.announce();
    this.flush();
    this.toAll(encodeBarrier(this.sender, barrier));
  }
}

/** What a receiver keeps in a checkpoint. */
export interface ExchangeReceiverState {
  /** Last watermark per sender; null for none yet (or an ended sender). */
  readonly watermarks: (number | null)[];
  /** Senders whose input ended. */
  readonly ended: number[];
  /** Senders idle at the checkpoint (absent in checkpoints older than idleness crossing exchanges). */
  readonly idle?: number[];
  /** The combined watermark emitted so far: `"max"` for MAX_WATERMARK, null for none (or absent). */
  readonly watermark?: number | "max" | null;
  /**
   * Messages read but not applied yet (held back by a savepoint's alignment), in the order read:
   * a restore applies them before reading on.
   */
  readonly pending?: Uint8Array[];
  /** A savepoint's alignment in progress: its barrier and the senders whose barrier arrived. */
  readonly alignment?: {
    readonly barrier: SavepointBarrier;
    readonly arrived: number[];
    /** Per sender: the position of its barrier (with positions only; null for none yet). */
    readonly barrierAt?: (number | null)[];
    /** Position of the first held message (with positions only). */
    readonly heldFrom?: number;
    /** Past `maxHeld`: held messages were dropped, to be read again from this position. */
    readonly spilledFrom?: number;
  };
  /**
   * Messages to read again (an alignment that spilled ended): the transport delivers its stream
   * from position `from` again; a message before `until` is applied only if its sender's barrier
   * (`barrierAt`) came before it, the others were applied the first time.
   */
  readonly replay?: { readonly from: number; readonly until: number; readonly barrierAt: (number | null)[] };
  /** Position of the last message received (when the transport gives positions). */
  readonly position?: number;
}

/** Options of an {@link ExchangeReceiver}. */
export interface ExchangeReceiverOptions {
  /**
   * What to reject and how to name it when a message cannot be decoded (default: the bytes, no
   * position): e.g. a Kafka record's topic, partition and offset. Only called on bad messages.
   */
  readonly describe?: (raw: unknown) => { readonly raw: unknown; readonly at: string };
  /**
   * Called once every sender's barrier of a savepoint arrived (ended senders send none): the
   * receiving unit should now take its part of that savepoint. Until its checkpoint's snapshot
   * ({@link ExchangeReceiver.snapshot} with the barrier's id), the receiver applies nothing more.
   */
  readonly onAligned?: (barrier: SavepointBarrier) => void;
  /**
   * True for a savepoint that completed or was given up: its barriers (e.g. read again after a
   * restore) are ignored, and an alignment on it is released at the next {@link ExchangeReceiver.release}.
   */
  readonly isOver?: (savepointId: string) => boolean;
  /**
   * Most messages an alignment holds in memory (default {@link DEFAULT_MAX_HELD}); past it, held
   * messages are dropped and read again later (see the module comment). Applies only when the
   * transport gives every message's position ({@link ExchangeReceiver.receive}) and can rewind.
   */
  readonly maxHeld?: number;
}

/** Default {@link ExchangeReceiverOptions.maxHeld}: messages an alignment holds in memory. */
export const DEFAULT_MAX_HELD = 10_000;

/** A savepoint's alignment at a receiver. */
interface Alignment {
  readonly barrier: SavepointBarrier;
  /** Per sender: its barrier arrived (its later messages are held back). */
  readonly arrived: boolean[];
  /** Per sender: the position of its barrier, when the transport gives positions. */
  readonly barrierAt: (number | null)[];
  /** Every sender's barrier arrived and onAligned was called. */
  aligned: boolean;
  /** Position of the first held message. */
  heldFrom?: number | undefined;
  /** The held messages were dropped (past maxHeld): read again from here once the alignment ends. */
  spilledFrom?: number | undefined;
}

/** Messages read again after a spilled alignment (see {@link ExchangeReceiverState.replay}). */
interface Replay {
  readonly until: number;
  readonly barrierAt: (number | null)[];
}

/**
 * The reader side of one receiving subtask of an exchange: decodes the messages of every sender
 * (in order per sender), emits records, and combines the senders' watermarks and idleness.
 */
export class ExchangeReceiver {
  private readonly valve: WatermarkValve;
  /** Per sender: its last watermark, and whether it is idle (for checkpoints). */
  private readonly watermarks: number[];
  private readonly senderIdle: boolean[];
  private readonly senderEnded: boolean[];
  private endedCount = 0;
  /** The idleness told to the output so far. */
  private outputIdle = false;
  /** A savepoint's alignment in progress (Flink's barrier alignment, per sender). */
  private alignment: Alignment | undefined;
  /** Messages held back by the alignment (or by a stop-with-savepoint), in the order read. */
  private held: Uint8Array[] = [];
  /** The held messages are to be applied before anything else (the alignment ended). */
  private releasing = false;
  /** Stopped at a savepoint's barriers (stop-with-savepoint): the id; nothing is applied after them. */
  private stoppedAt: string | undefined;
  private readonly maxHeld: number;
  /** Position of the last message received (when the transport gives positions). */
  private lastPosition: number | undefined;
  /** A rewind the transport has to do: deliver again from this position (see {@link rewind}). */
  private rewindTo: number | undefined;
  /** Messages being read again after a spilled alignment. */
  private replay: Replay | undefined;

  constructor(
    readonly exchange: Exchange,
    private readonly opts: ExchangeReceiverOptions = {},
  ) {
    const n = exchange.senders;
    // The senders are the channels of one input, as in Flink's StatusWatermarkValve.
    this.valve = new WatermarkValve(n, { advanceToMaxWhenAllIdle: true });
    this.watermarks = new Array<number>(n).fill(MIN_WATERMARK);
    this.senderIdle = new Array<boolean>(n).fill(false);
    this.senderEnded = new Array<boolean>(n).fill(false);
    this.maxHeld = opts.maxHeld ?? DEFAULT_MAX_HELD;
  }

  /** Messages held in memory now (by an alignment or a stop): at most `maxHeld` with positions. */
  get heldCount(): number {
    return this.held.length;
  }

  /**
   * True while the transport should read nothing: every sender's barrier arrived and the part is
   * not taken yet, or a stop-with-savepoint's cut was taken, or a rewind is pending. Everything
   * read then would only be held (as Flink blocks every channel of an aligned input).
   */
  get paused(): boolean {
    return this.rewindTo !== undefined || this.stoppedAt !== undefined || this.alignment?.aligned === true;
  }

  /**
   * The position the transport must deliver messages from again, before anything else, once a
   * spilled alignment ended; then call {@link rewound}. Messages received meanwhile are ignored.
   */
  get rewind(): number | undefined {
    return this.rewindTo;
  }

  /** The transport now delivers from {@link rewind}'s position. */
  rewound(): void {
    if (this.rewindTo !== undefined) this.lastPosition = this.rewindTo - 1;
    this.rewindTo = undefined;
  }

  /** True once every sender's input ended. */
  get ended(): boolean {
    return this.endedCount === this.exchange.senders;
  }

  /** The combined watermark so far. */
  get watermark(): number {
    return this.valve.watermark;
  }

  /**
   * Applies one message: a record goes to `out`; a watermark, idleness change or end goes to the
   * valve, which may emit a watermark or change the idleness of `out`. Bytes that are no exchange
   * message are rejected into `out` (the job's error policy decides), with `raw` as the bad input.
   */
  receive(bytes: Uint8Array, out: SourceOutput<unknown>, raw?: unknown, position?: number): void {
    if (this.rewindTo !== undefined) return; // delivered again after the rewind
    if (this.releasing) this.release(out);
    if (position !== undefined) {
      const r = this.replay;
      if (r !== undefined && position < r.until) {
        this.lastPosition = position;
        if (!this.wasHeld(bytes, position, r)) return; // applied the first time
      } else {
        this.replay = undefined;
        this.lastPosition = position;
      }
    }
    if (this.stoppedAt !== undefined) {
      this.held.push(bytes);
      return;
    }
    let msg: ExchangeMessage;
    try {
      msg = decodeExchangeMessage(bytes, this.exchange.senders);
    } catch (e) {
      const d = this.opts.describe?.(raw) ?? { raw: raw ?? bytes, at: "" };
      out.reject(
        d.raw,
        `exchange ${this.exchange.name}: undecodable message${d.at ? ` at ${d.at}` : ""}: ${(e as Error).message}`,
      );
      return;
    }
    const sender = msg[0] === ExchangeMessageKind.Record ? msg[3] : msg[1];
    if (this.alignment && sender !== undefined && this.alignment.arrived[sender]) {
      // after this sender's barrier: applied once the savepoint's part is taken
      this.hold(this.alignment, bytes, position);
      return;
    }
    switch (msg[0]) {
      case ExchangeMessageKind.Record:
        if (msg[2] !== undefined) out.collect(msg[1], msg[2]);
        else out.collect(msg[1]);
        return;
      case ExchangeMessageKind.Barrier:
        this.barrier(msg[1], msg[2], out, position);
        return;
      case ExchangeMessageKind.Watermark: {
        const s = msg[1];
        if (this.senderEnded[s]) return;
        this.senderIdle[s] = false;
        if (msg[2] > this.watermarks[s]!) this.watermarks[s] = msg[2];
        this.apply(this.valve.inputWatermark(s, msg[2]), out);
        return;
      }
      case ExchangeMessageKind.Idle: {
        const s = msg[1];
        if (this.senderEnded[s] || this.senderIdle[s] === msg[2]) return;
        this.senderIdle[s] = msg[2];
        this.apply(this.valve.inputIdle(s, msg[2]), out);
        return;
      }
      case ExchangeMessageKind.End: {
        const s = msg[1];
        if (this.senderEnded[s]) return;
        this.senderEnded[s] = true;
        this.endedCount++;
        this.senderIdle[s] = false;
        this.apply(this.valve.inputWatermark(s, MAX_WATERMARK), out);
        // an ended sender sends no barrier: the alignment may be complete now
        this.checkAligned();
        return;
      }
    }
  }

  /** Holds a message of a sender whose barrier arrived, within `maxHeld` (see the module comment). */
  private hold(a: Alignment, bytes: Uint8Array, position: number | undefined): void {
    if (a.spilledFrom !== undefined) return; // read again once the alignment ends
    if (position !== undefined && this.held.length === 0) a.heldFrom = position;
    // Not while reading again: the positions before `until` are filtered by the previous alignment.
    if (this.held.length >= this.maxHeld && a.heldFrom !== undefined && this.replay === undefined) {
      a.spilledFrom = a.heldFrom;
      this.held = [];
      return;
    }
    this.held.push(bytes);
  }

  /** During a replay: whether the message at `position` was held (not applied the first time). */
  private wasHeld(bytes: Uint8Array, position: number, r: Replay): boolean {
    let msg: ExchangeMessage;
    try {
      msg = decodeExchangeMessage(bytes, this.exchange.senders);
    } catch {
      return false; // rejected the first time
    }
    const sender = msg[0] === ExchangeMessageKind.Record ? msg[3] : msg[1];
    if (sender === undefined) return false;
    const at = r.barrierAt[sender];
    return at !== null && at !== undefined && position > at;
  }

  /**
   * Ends a spilled alignment: the transport delivers again from its first held message, and what
   * was read up to now is applied only if it was held. Returns false when nothing was spilled.
   */
  private replaySpilled(a: Alignment, until: number): boolean {
    if (a.spilledFrom === undefined) return false;
    this.replay = { until, barrierAt: a.barrierAt };
    this.rewindTo = a.spilledFrom;
    this.held = [];
    return true;
  }

  /** The barrier of savepoint `b` from sender `s`, read at `position` (if given). */
  private barrier(s: number, b: SavepointBarrier, out: SourceOutput<unknown>, position?: number): void {
    if (this.opts.isOver?.(b.id)) return;
    if (this.alignment && this.alignment.barrier.id !== b.id) {
      // A newer savepoint: the older one can no longer complete here (Flink aborts it likewise).
      const old = this.alignment;
      this.alignment = undefined;
      // spilled: read again up to this barrier, which is then read again too and starts its alignment
      if (position !== undefined && this.replaySpilled(old, position)) return;
      this.releasing = true;
      this.release(out);
    }
    this.alignment ??= {
      barrier: b,
      arrived: new Array<boolean>(this.exchange.senders).fill(false),
      barrierAt: new Array<number | null>(this.exchange.senders).fill(null),
      aligned: false,
    };
    this.alignment.arrived[s] = true;
    if (position !== undefined) this.alignment.barrierAt[s] = position;
    this.checkAligned();
  }

  /** Calls onAligned once every sender that has not ended sent the alignment's barrier. */
  private checkAligned(): void {
    const a = this.alignment;
    if (!a || a.aligned) return;
    for (let s = 0; s < this.exchange.senders; s++) if (!a.arrived[s] && !this.senderEnded[s]) return;
    a.aligned = true;
    this.opts.onAligned?.(a.barrier);
  }

  /** The savepoint being aligned (every sender's barrier arrived when `aligned`), if any. */
  get aligning(): { readonly barrier: SavepointBarrier; readonly aligned: boolean } | undefined {
    return this.alignment;
  }

  /**
   * Call before reading on (each poll): applies what the end of an alignment released, and gives
   * up an alignment (or a stop) on a savepoint that is over ({@link ExchangeReceiverOptions.isOver}),
   * e.g. one that failed elsewhere, so that no receiver stays blocked.
   */
  release(out: SourceOutput<unknown>): void {
    const over = this.opts.isOver;
    if (this.stoppedAt !== undefined && over?.(this.stoppedAt)) {
      // a stop whose savepoint failed: go on from where it stopped
      this.stoppedAt = undefined;
      this.releasing = true;
    }
    if (this.alignment && over?.(this.alignment.barrier.id)) {
      const a = this.alignment;
      this.alignment = undefined;
      if (!this.replaySpilled(a, (this.lastPosition ?? -1) + 1)) this.releasing = true;
    }
    if (!this.releasing || this.stoppedAt !== undefined) return;
    this.releasing = false;
    const held = this.held;
    this.held = [];
    // Applied as if read now: a barrier among them may start the next alignment.
    for (const m of held) this.receive(m, out);
  }

  /**
   * Tells `out` what the valve decided, as a subtask does over its channels: active before the
   * watermark, idle after it (a watermark reached as the last sender goes idle still goes out).
   */
  private apply(advanced: number | undefined, out: SourceOutput<unknown>): void {
    const idle = this.valve.isIdle;
    if (!idle && this.outputIdle) {
      this.outputIdle = false;
      out.markActive?.();
    }
    // As a task over channels: even MAX_WATERMARK when the only active senders have ended.
    if (advanced !== undefined) out.emitWatermark(advanced);
    if (idle && !this.outputIdle) {
      this.outputIdle = true;
      out.markIdle();
    }
  }

  /**
   * The senders' watermarks, idleness and ends, for a checkpoint, with what alignment holds back.
   * `savepointId` is the savepoint this checkpoint is a part of, if any: when it is the one being
   * aligned (every sender's barrier arrived), this checkpoint is its cut: the alignment ends, and
   * what it held is applied from the next {@link receive} or {@link release} on (for a
   * stop-with-savepoint: never, nor anything read later).
   */
  snapshot(savepointId?: string): ExchangeReceiverState {
    const a = this.alignment;
    const cut = a?.aligned === true && a.barrier.id === savepointId;
    const pending = this.held.length > 0 ? [...this.held] : undefined;
    const alignment =
      a === undefined || cut
        ? undefined
        : {
            barrier: a.barrier,
            arrived: a.arrived.flatMap((x, s) => (x ? [s] : [])),
            ...(a.barrierAt.some((p) => p !== null) ? { barrierAt: [...a.barrierAt] } : {}),
            ...(a.heldFrom === undefined ? {} : { heldFrom: a.heldFrom }),
            ...(a.spilledFrom === undefined ? {} : { spilledFrom: a.spilledFrom }),
          };
    if (cut) {
      this.alignment = undefined;
      // What a spill dropped is read again from now on (after a stop: once the stop failed, or
      // when this checkpoint is restored), the held messages are applied.
      const spilled = this.replaySpilled(a, (this.lastPosition ?? -1) + 1);
      if (a.barrier.stop) this.stoppedAt = a.barrier.id;
      else if (!spilled) this.releasing = true;
    }
    const r = this.replay;
    const replay =
      r === undefined
        ? undefined
        : { from: this.rewindTo ?? (this.lastPosition ?? -1) + 1, until: r.until, barrierAt: r.barrierAt };
    return {
      ...this.progress(),
      ...(pending ? { pending } : {}),
      ...(alignment ? { alignment } : {}),
      ...(replay ? { replay } : {}),
      ...(this.lastPosition === undefined ? {} : { position: this.lastPosition }),
    };
  }

  private progress(): ExchangeReceiverState {
    const idle: number[] = [];
    const ended: number[] = [];
    for (let s = 0; s < this.exchange.senders; s++) {
      if (this.senderIdle[s]) idle.push(s);
      if (this.senderEnded[s]) ended.push(s);
    }
    return {
      watermarks: this.watermarks.map((w, s) => (Number.isFinite(w) && !this.senderEnded[s] ? w : null)),
      ended,
      idle,
      watermark: Number.isFinite(this.valve.watermark)
        ? this.valve.watermark
        : this.valve.watermark === MAX_WATERMARK
          ? "max"
          : null,
    };
  }

  /** Restores what {@link snapshot} returned; call {@link resume} before the next message. */
  restore(state: ExchangeReceiverState): void {
    const n = this.exchange.senders;
    state.watermarks.forEach((w, s) => {
      if (w !== null && s < n) this.watermarks[s] = w;
    });
    for (const s of state.ended) {
      if (this.senderEnded[s] || s >= n) continue;
      this.senderEnded[s] = true;
      this.endedCount++;
    }
    for (const s of state.idle ?? []) if (s < n && !this.senderEnded[s]) this.senderIdle[s] = true;
    const inValve = this.watermarks.map((w, s) => (this.senderEnded[s] ? MAX_WATERMARK : w));
    let combined: number;
    if (state.watermark === undefined) {
      // a checkpoint from before the combined watermark was kept: the minimum over active senders
      combined = MIN_WATERMARK;
      const active = inValve.filter((_, s) => !this.senderIdle[s]);
      if (active.length > 0) combined = Math.min(...active);
    } else combined = state.watermark === "max" ? MAX_WATERMARK : (state.watermark ?? MIN_WATERMARK);
    this.valve.restore(inValve, this.senderIdle, combined);
    this.held = [...(state.pending ?? [])];
    this.lastPosition = state.position;
    if (state.alignment) {
      const arrived = new Array<boolean>(n).fill(false);
      for (const s of state.alignment.arrived) if (s < n) arrived[s] = true;
      const barrierAt = new Array<number | null>(n).fill(null);
      state.alignment.barrierAt?.forEach((p, s) => {
        if (s < n) barrierAt[s] = p;
      });
      this.alignment = {
        barrier: state.alignment.barrier,
        arrived,
        barrierAt,
        aligned: false,
        heldFrom: state.alignment.heldFrom,
        spilledFrom: state.alignment.spilledFrom,
      };
    } else this.releasing = this.held.length > 0;
    if (state.replay) {
      // what a spilled alignment dropped is read again, from where this checkpoint was in it
      this.replay = { until: state.replay.until, barrierAt: state.replay.barrierAt };
      this.rewindTo = state.replay.from;
    }
  }

  /**
   * After a restore: emits the restored watermark and idleness into `out`, applies the messages
   * the checkpoint held back (unless a restored alignment still holds them), and asks again for
   * the part of a savepoint whose barriers had all arrived.
   */
  resume(out: SourceOutput<unknown>): void {
    const w = this.valve.watermark;
    if (w !== MIN_WATERMARK) out.emitWatermark(w);
    if (this.valve.isIdle && !this.outputIdle) {
      this.outputIdle = true;
      out.markIdle();
    }
    this.release(out);
    this.checkAligned();
  }
}
