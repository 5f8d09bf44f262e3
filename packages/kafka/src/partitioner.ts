/**
 * Kafka's default partitioner as the Java client (and so Flink, Kafka Streams, Connect) applies
 * it to a keyed record: partition = toPositive(murmur2(keyBytes)) % numPartitions, toPositive
 * clearing the sign bit. @platformatic/kafka's own default takes `murmur2(key) >>> 0` instead,
 * which puts every key whose hash has its top bit set (about half of them) in another partition
 * than a Java producer would, so that two producers of one topic disagree on where a key lives.
 */
import { murmur2 } from "@platformatic/kafka";

/** `u` as a Buffer: itself if it is one, else a view of its bytes (no copy). */
function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/**
 * A partitioner for a `@platformatic/kafka` Producer's `partitioner` option: a record with a key
 * (a Buffer or any Uint8Array) gets `toPositive(murmur2(key))` (the client takes it modulo the topic's partition count), one
 * without a key the next partition of its topic in turn (round robin, as the client's own
 * default does for unkeyed records).
 */
export function javaPartitioner(): (message: { readonly topic: string }, key: Buffer | undefined) => number {
  const next = new Map<string, number>();
  return (message, key) => {
    // A key that crossed worker threads arrives as a plain Uint8Array (structured clone drops
    // Buffer's prototype): it is still a key, viewed as a Buffer without copying.
    if (key instanceof Uint8Array) return murmur2(asBuffer(key)) & 0x7fffffff;
    const n = next.get(message.topic) ?? 0;
    next.set(message.topic, (n + 1) % 0x7fffffff);
    return n;
  };
}
