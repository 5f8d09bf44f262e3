/**
 * The record shapes Fleuve code sees, independent of the client library: what a producer sends and
 * what a consumer yields.
 */
import type { Message, MessageToProduce } from "@platformatic/kafka";

/** Bytes or text; text is encoded as UTF-8. */
export type Bytes = Buffer | string;

/** A record to send. `partition` unset: the key's murmur2 hash picks it (Kafka's default partitioner). */
export interface ProducerRecord {
  topic: string;
  key?: Bytes | null;
  value: Bytes | null;
  partition?: number;
  /** Milliseconds since the epoch; the broker's time when unset. */
  timestamp?: number | bigint;
  headers?: Readonly<Record<string, Bytes>>;
}

/** A record read from Kafka. */
export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: bigint;
  /** Milliseconds since the epoch. */
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: ReadonlyMap<string, Buffer>;
}

function bytes(v: Bytes): Buffer {
  if (typeof v === "string") return Buffer.from(v, "utf8");
  // A Buffer that crossed worker threads is a plain Uint8Array (structured clone): view its bytes
  // as a Buffer (no copy) so that the partitioner and the client see a Buffer.
  return Buffer.isBuffer(v)
    ? v
    : Buffer.from((v as Uint8Array).buffer, (v as Uint8Array).byteOffset, (v as Uint8Array).byteLength);
}

/** Approximate encoded size of a record, for splitting sends under `batch.size`. */
export function estimateSize(r: ProducerRecord): number {
  let n = 24; // record framing: lengths, varints, attributes
  if (r.key != null) n += typeof r.key === "string" ? Buffer.byteLength(r.key) : r.key.length;
  if (r.value != null) n += typeof r.value === "string" ? Buffer.byteLength(r.value) : r.value.length;
  if (r.headers) {
    for (const [k, v] of Object.entries(r.headers)) {
      n += Buffer.byteLength(k) + (typeof v === "string" ? Buffer.byteLength(v) : v.length) + 4;
    }
  }
  return n;
}

/** Our record to the client's message. */
export function toMessage(r: ProducerRecord): MessageToProduce<Buffer, Buffer, Buffer, Buffer> {
  const m: MessageToProduce<Buffer, Buffer, Buffer, Buffer> = { topic: r.topic };
  if (r.key != null) m.key = bytes(r.key);
  if (r.value != null) m.value = bytes(r.value);
  if (r.partition !== undefined) m.partition = r.partition;
  if (r.timestamp !== undefined) m.timestamp = BigInt(r.timestamp);
  if (r.headers) {
    const h = new Map<Buffer, Buffer>();
    for (const [k, v] of Object.entries(r.headers)) h.set(Buffer.from(k, "utf8"), bytes(v));
    m.headers = h;
  }
  return m;
}

/** The client's message to our record. */
export function fromMessage(m: Message<Buffer, Buffer, Buffer, Buffer>): ConsumerRecord {
  const headers = new Map<string, Buffer>();
  for (const [k, v] of m.headers) headers.set(k.toString("utf8"), v);
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    timestamp: m.timestamp,
    // The wire format keeps null (length -1) apart from empty; the no-op deserializer passes it on.
    key: m.key ?? null,
    value: m.value ?? null,
    headers,
  };
}
