/**
 * An order-independent digest of a benchmark's results: the number of results, the sum of their
 * aggregate values and a hash sum over (key, window, aggregate). The engine, the plain baseline
 * and the brute-force oracle of the smoke test must produce the same digest.
 */
import { mix32 } from "./events.js";

/** Order-independent summary of a result stream. */
export interface Digest {
  /** Number of results. */
  n: number;
  /** Sum of the aggregate values. */
  total: number;
  /** Sum (mod 2^32) of a hash of every result. */
  sig: number;
}

/** An empty digest. */
export function emptyDigest(): Digest {
  return { n: 0, total: 0, sig: 0 };
}

/** Adds one result, identified by `key` and `window` (a number; 0 when none), with aggregate `agg`. */
export function addResult(d: Digest, key: number, window: number, agg: number): void {
  d.n++;
  d.total += agg;
  // window ends are ms since the epoch: fold them to 32 bits before hashing
  const w = (window % 4294967296) ^ Math.floor(window / 4294967296);
  d.sig = (d.sig + mix32(mix32(key) ^ mix32(w) ^ agg)) >>> 0;
}
