/**
 * Strings for generated events. Random text is cut from a fixed pool (built once from a fixed
 * seed) at a random offset: cheap (V8 slices instead of copying) yet still spread over 64 Ki
 * offsets. No generated string contains ',', '"', a newline or a non-ASCII character, so the CSV
 * rendering needs no quoting and UTF-8 bytes equal UTF-16 code units.
 */
import { fmix32, NexmarkRng } from "./rng.js";

/** Number of distinct start offsets in the pool. */
export const POOL_OFFSETS = 65536;
/** Longest string cut from the pool. */
export const MAX_POOL_STRING = 4096;

function buildPool(special: number): string {
  const rng = new NexmarkRng(0x6e65786d); // "nexm"
  const codes = new Array<number>(POOL_OFFSETS + MAX_POOL_STRING);
  for (let i = 0; i < codes.length; i++) {
    codes[i] = rng.nextInt(13) === 0 ? special : 97 + rng.nextInt(26);
  }
  let s = "";
  for (let i = 0; i < codes.length; i += 4096) s += String.fromCharCode(...codes.slice(i, i + 4096));
  return s;
}

/**
 * The generator's fixed tables: the text pools and the channel, URL and digit strings. Built on
 * first use rather than when the module loads, since every SQL job loads this module with the
 * `nexmark` connector and building them costs about 0.1 s of CPU that only a generator needs.
 */
export interface NexmarkTables {
  /** Lowercase letters with about one space in 13. */
  readonly text: string;
  /** The same letters with '_' in place of the spaces (for URL path segments). */
  readonly url: string;
  /** "0000".."9999", for credit card numbers. */
  readonly fourDigits: readonly string[];
  /** The URLs of {@link HOT_CHANNELS} (fixed, seed independent). */
  readonly hotUrls: readonly string[];
  /** Ordinary channel names, "channel-0".."channel-9999". */
  readonly channelNames: readonly string[];
  /** Their URLs; nine in ten carry a channel_id parameter (fixed, seed independent). */
  readonly channelUrls: readonly string[];
}

let tables: NexmarkTables | undefined;

/** The generator's fixed tables (built at the first call). */
export function nexmarkTables(): NexmarkTables {
  if (tables !== undefined) return tables;
  const text = buildPool(32);
  const url = text.replaceAll(" ", "_");
  const fourDigits = Array.from({ length: 10000 }, (_, i) => String(i).padStart(4, "0"));
  const hotUrls = HOT_CHANNELS.map((_, i) => baseUrl(new NexmarkRng(fmix32(0x484f5400 + i)), url));
  const channelNames = Array.from({ length: CHANNELS_NUMBER }, (_, i) => `channel-${i}`);
  const channelUrls = Array.from({ length: CHANNELS_NUMBER }, (_, i) => {
    const rng = new NexmarkRng(fmix32(0x43484e4c ^ i));
    const base = baseUrl(rng, url);
    return rng.nextInt(10) > 0 ? `${base}&channel_id=${reverseBits32(i)}` : base;
  });
  tables = { text, url, fourDigits, hotUrls, channelNames, channelUrls };
  return tables;
}

/** A string of 3..maxLength-1 characters cut from `pool` (Nexmark's nextString length rule). */
function cut(pool: string, rng: NexmarkRng, maxLength: number): string {
  const len = 3 + rng.nextInt(maxLength - 3);
  const off = rng.nextInt(POOL_OFFSETS);
  return pool.substring(off, off + len);
}

/** A string of 3..maxLength-1 characters (Nexmark's nextString length rule). */
export function nextString(rng: NexmarkRng, maxLength: number): string {
  return cut((tables ?? nexmarkTables()).text, rng, maxLength);
}

/** Like {@link nextString}, from the URL pool. */
export function nextUrlString(rng: NexmarkRng, maxLength: number): string {
  return cut((tables ?? nexmarkTables()).url, rng, maxLength);
}

/** A string of exactly `len` characters (0 <= len <= MAX_POOL_STRING). */
export function nextExactString(rng: NexmarkRng, len: number): string {
  const off = rng.nextInt(POOL_OFFSETS);
  return (tables ?? nexmarkTables()).text.substring(off, off + len);
}

/**
 * Padding that brings an event of `currentSize` bytes to about `desiredAverage` bytes:
 * length (desiredAverage - currentSize) +- 20 %, or "" when the event is already big enough.
 */
export function nextExtra(rng: NexmarkRng, currentSize: number, desiredAverage: number): string {
  if (currentSize > desiredAverage) return "";
  const avg = desiredAverage - currentSize;
  const delta = Math.floor((avg * 2 + 5) / 10); // round(avg * 0.2) in integers
  const len = avg - delta + rng.nextInt(2 * delta + 1);
  return nextExactString(rng, len);
}

/** First names of the Nexmark person generator. */
export const FIRST_NAMES = [
  "Peter",
  "Paul",
  "Luke",
  "John",
  "Saul",
  "Vicky",
  "Kate",
  "Julie",
  "Sarah",
  "Deiter",
  "Walter",
];
/** Last names. */
export const LAST_NAMES = [
  "Shultz",
  "Abrams",
  "Spencer",
  "White",
  "Bartels",
  "Walton",
  "Smith",
  "Jones",
  "Noris",
];
/** Cities. */
export const US_CITIES = [
  "Phoenix",
  "Los Angeles",
  "San Francisco",
  "Boise",
  "Portland",
  "Bend",
  "Redmond",
  "Seattle",
  "Kent",
  "Cheyenne",
];
/** States (q3 selects OR, ID and CA). */
export const US_STATES = ["AZ", "CA", "ID", "OR", "WA", "WY"];

/** A channel's URL: three path segments cut from the URL pool. */
function baseUrl(rng: NexmarkRng, urlPool: string): string {
  return `https://www.nexmark.com/${cut(urlPool, rng, 5)}/${cut(urlPool, rng, 5)}/${cut(urlPool, rng, 5)}/item.htm?query=1`;
}

/** Reverses the 32 bits of x; unsigned result. */
export function reverseBits32(x: number): number {
  let r = 0;
  for (let i = 0; i < 32; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return r >>> 0;
}

/** The hot channels: half of all bids come through one of these. */
export const HOT_CHANNELS = ["Google", "Facebook", "Baidu", "Apple"];
/** Number of ordinary channels, "channel-0".."channel-9999". */
export const CHANNELS_NUMBER = 10000;
