/**
 * Keys, key groups and key hashing.
 *
 * As in Flink, every key belongs to one of `maxParallelism` key groups (fixed per job), and each
 * parallel subtask owns a contiguous range of key groups. State is snapshotted per key group, so a
 * job can later be restored at another parallelism by handing key groups to new owners.
 */
import { describeRecord, FleuveError } from "../errors.js";

/** A scalar key: what a key selector may return. */
export type KeyScalar = string | number | bigint | boolean;
/** A key: a scalar, or a tuple of scalars (composite key). */
export type Key = KeyScalar | readonly KeyScalar[];
/** Extracts the key of a record. Must be deterministic. */
export type KeySelector<T, K extends Key = Key> = (value: T) => K;
/**
 * The identity of a key inside maps: scalars stand for themselves (numbers as numbers), tuples and
 * bigints are encoded to a string once per record so that equal keys are equal map keys.
 */
export type NormalizedKey = string | number | boolean;

/** Default max parallelism, as Flink's default for small jobs (128). */
export const DEFAULT_MAX_PARALLELISM = 128;
/** Upper bound on max parallelism (Flink: 2^15). */
export const UPPER_MAX_PARALLELISM = 32768;

/** Normalizes a key for use as a Map key; throws FLEUVE_KEY_INVALID for values that cannot be keys. */
export function normalizeKey(key: unknown, operatorName?: string, record?: unknown): NormalizedKey {
  switch (typeof key) {
    case "string":
    case "boolean":
      return key;
    case "number":
      if (Number.isNaN(key)) break;
      // -0 and 0 are the same key
      return key === 0 ? 0 : key;
    case "bigint":
      return `\u0001n${key}`;
    case "object":
      if (Array.isArray(key)) {
        let s = "\u0001t";
        for (const part of key) {
          const t = typeof part;
          if (t !== "string" && t !== "number" && t !== "bigint" && t !== "boolean") {
            throw invalidKey(key, operatorName, record);
          }
          if (t === "number" && Number.isNaN(part)) throw invalidKey(key, operatorName, record);
          s += `${t[0]}${String(part).length}:${String(part)}`;
        }
        return s;
      }
      break;
  }
  throw invalidKey(key, operatorName, record);
}

function invalidKey(key: unknown, operatorName?: string, record?: unknown): FleuveError {
  const where = operatorName ? ` in operator '${operatorName}'` : "";
  const rec = record === undefined ? "" : ` for record ${describeRecord(record)}`;
  return new FleuveError(
    "FLEUVE_KEY_INVALID",
    `key selector${where} returned ${describeRecord(key)}${rec}: a key must be a string, number (not NaN), bigint, boolean or an array of those`,
    { details: { operator: operatorName, key, record } },
  );
}

/** 32-bit hash of a normalized key (stable across processes and runs). */
export function hashKey(key: NormalizedKey): number {
  if (typeof key === "number") {
    if (Number.isInteger(key) && key >= -2147483648 && key <= 2147483647) return mix32(key | 0);
    return hashString(String(key));
  }
  if (typeof key === "boolean") return key ? 1231 : 1237;
  return hashString(key);
}

/** FNV-1a over UTF-16 code units, finished with a murmur3 mix. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** Murmur3 fmix32: spreads bits so that key groups are balanced (Flink re-hashes with murmur too). */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The key group of a normalized key. */
export function keyGroupOf(key: NormalizedKey, maxParallelism: number): number {
  return hashKey(key) % maxParallelism;
}

/** The subtask owning a key group (Flink's computeOperatorIndexForKeyGroup). */
export function subtaskForKeyGroup(keyGroup: number, parallelism: number, maxParallelism: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The key groups [start, end] (inclusive) owned by `subtask` (Flink's KeyGroupRangeAssignment). */
export function keyGroupRangeFor(
  subtask: number,
  parallelism: number,
  maxParallelism: number,
): { start: number; end: number } {
  const start = Math.floor((subtask * maxParallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((subtask + 1) * maxParallelism - 1) / parallelism);
  return { start, end };
}
