/**
 * The order in which Java's HashMap iterates keys, for printing a MAP or MULTISET as Flink's print
 * sink does: it converts the value to a java.util.Map with MapMapConverter.toExternal, which puts
 * the entries into a `new HashMap<>()`, and prints that map's toString. A HashMap iterates its
 * buckets in index order (the key's hashCode, spread as `h ^ (h >>> 16)`, masked by the table's
 * size: 16, doubled whenever the entries pass 3/4 of it or a bucket of a table below 64 passes 8
 * keys), a bucket's keys in the order they were put (Java 8's resize keeps that order).
 *
 * The hashCode of the key's Java type is known for STRING/VARCHAR/CHAR (String.hashCode over
 * UTF-16 units), TINYINT, SMALLINT, INT, BIGINT, BOOLEAN, FLOAT, DOUBLE and DATE (LocalDate);
 * other key types keep the order Fleuve holds. Within a bucket the keys come in the order Fleuve
 * holds them (a JavaScript object's: integer-like keys first), which is Flink's put order unless
 * such keys share a bucket with others; a bucket of more than 8 keys in a table of 64 or more
 * (Java's tree bin, rare) also iterates in the held order here.
 */

import type { DataType } from "../parser/ast.js";

const scratch = new DataView(new ArrayBuffer(8));

/** Java's String.hashCode: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 units, in 32 bits. */
function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Java's Long.hashCode of an integer: the high and low 32 bits of its two's complement, xor-ed. */
function longHash(v: number | bigint): number {
  const x = BigInt.asUintN(64, typeof v === "bigint" ? v : BigInt(Math.trunc(v)));
  return (Number(x >> 32n) ^ Number(x & 0xffffffffn)) | 0;
}

/** Java's Double.hashCode: the bits of doubleToLongBits (one NaN), high and low halves xor-ed. */
function doubleHash(v: number): number {
  scratch.setFloat64(0, Number.isNaN(v) ? Number.NaN : v);
  return (scratch.getInt32(0) ^ scratch.getInt32(4)) | 0;
}

/** Java's Float.hashCode: floatToIntBits (one NaN). */
function floatHash(v: number): number {
  if (Number.isNaN(v)) return 0x7fc00000;
  scratch.setFloat32(0, v);
  return scratch.getInt32(0);
}

/** Java's LocalDate.hashCode of a DATE (epoch milliseconds of its midnight, UTC). */
function dateHash(ms: number): number {
  const d = new Date(ms);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  return ((y & 0xfffff800) ^ ((y << 11) + (m << 6) + day)) | 0;
}

/**
 * The hashCode of a value of type `t` by Java's hashCodes, the strings' and DATEs' given (they
 * differ between Flink's external and internal values); undefined when not known.
 */
function hashByType(
  t: DataType | undefined,
  string: (s: string) => number,
  date: (ms: number) => number,
): ((v: unknown) => number) | undefined {
  if (t?.kind !== "atomic") return undefined;
  switch (t.name) {
    case "STRING":
    case "VARCHAR":
    case "CHAR":
      return (v) => string(String(v));
    case "TINYINT":
    case "SMALLINT":
    case "INT":
      return (v) => Number(v) | 0;
    case "BIGINT":
      // A BIGINT past 2^53 is held as a bigint (long.ts).
      return (v) => longHash(typeof v === "bigint" ? v : Number(v));
    case "BOOLEAN":
      return (v) => (v === true || v === "true" ? 1231 : 1237);
    case "DOUBLE":
      return (v) => doubleHash(Number(v));
    case "FLOAT":
      return (v) => floatHash(Number(v));
    case "DATE":
      return (v) => date(Number(v));
    default:
      return undefined;
  }
}

/** The hashCode of a key of type `t` as its Java external value, held as `key` (its text); undefined when not known. */
const hashOf = (t: DataType | undefined): ((key: string) => number) | undefined =>
  hashByType(t, stringHash, dateHash);

/**
 * `entries` (key text and value, in the order Fleuve holds them) in the order a Java HashMap
 * iterates them once they are put in that order (see the file's comment); as they are when the
 * key type's hashCode is not known.
 */
export function javaHashMapOrder<V>(entries: [string, V][], keyType: DataType | undefined): [string, V][] {
  const hash = hashOf(keyType);
  if (hash === undefined || entries.length < 2) return entries;
  return javaHashMapIndexOrder(entries.map(([k]) => hash(k))).map((i) => entries[i] as [string, V]);
}

/** Flink's MurmurHashUtil mixing steps (Murmur3, 32 bits). */
function mixK1(k: number): number {
  const k1 = Math.imul(k, 0xcc9e2d51);
  return Math.imul((k1 << 15) | (k1 >>> 17), 0x1b873593);
}
function mixH1(h: number, k1: number): number {
  const h1 = h ^ k1;
  return (Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64) | 0;
}

/**
 * The hashCode of a STRING inside Flink (BinaryStringData): MurmurHashUtil.hashBytes of its UTF-8
 * bytes with seed 42, the 4-byte words read little-endian (as MemorySegment.getInt on x86), the
 * bytes past the last word mixed one by one (signed), then Murmur3's finalizer with the length.
 */
export function binaryStringHash(s: string): number {
  const bytes = Buffer.from(s, "utf8");
  const n = bytes.length;
  const aligned = n - (n % 4);
  let h = 42;
  for (let i = 0; i < aligned; i += 4) h = mixH1(h, mixK1(bytes.readInt32LE(i)));
  for (let i = aligned; i < n; i++) h = mixH1(h, mixK1(bytes.readInt8(i)));
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The hashCode of a value of type `t` as Flink holds it inside an operator (internal data: an
 * INT an Integer, a DATE its Integer of days, a STRING a BinaryStringData, NULL 0 as HashMap
 * takes it); undefined for types whose internal hashCode is not known here.
 */
export function flinkInternalHash(t: DataType | undefined): ((v: unknown) => number) | undefined {
  const h = hashByType(t, binaryStringHash, (ms) => Math.floor(ms / 86_400_000) | 0);
  return h === undefined ? undefined : (v) => (v === null || v === undefined ? 0 : h(v));
}

/**
 * The order in which a Java HashMap iterates keys put in the order of `hashes` (their hashCodes,
 * all different keys): indexes into `hashes`.
 */
export function javaHashMapIndexOrder(hashes: readonly number[]): number[] {
  const order = hashes.map((_, i) => i);
  if (hashes.length < 2) return order;
  const spread = hashes.map((h) => h ^ (h >>> 16));
  // Replay HashMap.putVal's resizes: past 3/4 full, or a ninth key in a bucket below 64 slots.
  let capacity = 16;
  let counts = new Map<number, number>();
  const resize = (putSoFar: number) => {
    capacity *= 2;
    counts = new Map();
    for (let j = 0; j < putSoFar; j++) {
      const s = (spread[j] as number) & (capacity - 1);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
  };
  for (let i = 0; i < hashes.length; i++) {
    const slot = (spread[i] as number) & (capacity - 1);
    const before = counts.get(slot) ?? 0;
    counts.set(slot, before + 1);
    // treeifyBin resizes a table below 64 instead; then the size is checked against the new one.
    if (before >= 8 && capacity < 64) resize(i + 1);
    if (i + 1 > capacity * 0.75) resize(i + 1);
  }
  // A stable sort by bucket keeps each bucket's keys in their put order.
  order.sort((a, b) => ((spread[a] as number) & (capacity - 1)) - ((spread[b] as number) & (capacity - 1)));
  return order;
}
