/**
 * The generator's random numbers: 32-bit integer arithmetic only (Math.imul, >>> 0), so that the
 * Java twin (bench/flink/.../NexmarkRng.java) produces the very same numbers bit for bit.
 * Every event gets its own generator seeded from (seed, event number), which keeps events
 * independent of each other: any range of the stream can be generated on its own.
 */

/** murmur3's 32-bit finaliser: a bijection on 32 bits that spreads every input bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** A splitmix32 generator (Weyl sequence + fmix32); state is one signed 32-bit integer. */
export class NexmarkRng {
  /** The current state (signed 32-bit). */
  state: number;

  constructor(state: number) {
    this.state = state | 0;
  }

  /** The next unsigned 32-bit value. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** A value in [0, n) for 1 <= n <= 2^32 (plain modulo: the tiny bias does not matter here). */
  nextInt(n: number): number {
    return this.next() % n;
  }
}

/** Mixes a user seed (0..2^32-1) into the base every event seed is derived from. */
export function mixSeed(seed: number): number {
  return fmix32((seed ^ 0x2545f491) | 0);
}

/**
 * The initial state for event number `k` (0 <= k < 2^53): fmix32(seedMix ^ fmix32(lo ^ hi * C)).
 * For k < 2^32 this is a bijection of k, so no two events share a state.
 */
export function eventState(seedMix: number, k: number): number {
  const lo = k >>> 0;
  const hi = Math.floor(k / 4294967296) | 0;
  return fmix32(seedMix ^ fmix32(lo ^ Math.imul(hi, 0x27d4eb2f)));
}
