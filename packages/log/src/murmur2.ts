/**
 * Kafka's default partitioner hash, so that a key lands in the same partition here as in Kafka.
 * A transcription of `org.apache.kafka.common.utils.Utils.murmur2` (32-bit arithmetic via Math.imul).
 */

const M = 0x5bd1e995;

/** Kafka's `Utils.murmur2` of `data`, as a signed 32-bit integer (the Java `int`). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  // Kafka's switch falls through from case 3 to 1; written as ifs for noFallthroughCasesInSwitch.
  const rest = length & 3;
  if (rest >= 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which would differ for MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/**
 * The partition Kafka's default partitioner picks for a non-null key:
 * `toPositive(murmur2(key)) % numPartitions`. Strings are hashed as UTF-8.
 */
export function partitionForKey(key: Uint8Array | string, numPartitions: number): number {
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : key;
  return toPositive(murmur2(bytes)) % numPartitions;
}
