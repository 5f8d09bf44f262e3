package dev.fleuve.nexmark;

/**
 * The generator's random numbers: 32-bit integer arithmetic only, bit-identical to
 * packages/sql/src/nexmark/rng.ts (splitmix32 with murmur3's fmix32), so both sides generate the same stream.
 */
public final class NexmarkRng {
  /** Current state (the Weyl sequence position). */
  public int state;

  public NexmarkRng(int state) {
    this.state = state;
  }

  /** murmur3's 32-bit finaliser. */
  public static int fmix32(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }

  /** The next value, as an unsigned 32-bit number in a long. */
  public long next() {
    state += 0x9e3779b9;
    int z = state;
    z = (z ^ (z >>> 16)) * 0x85ebca6b;
    z = (z ^ (z >>> 13)) * 0xc2b2ae35;
    return (z ^ (z >>> 16)) & 0xffffffffL;
  }

  /** A value in [0, n) for 1 <= n <= 2^32 (plain modulo, as the TypeScript side). */
  public long nextInt(long n) {
    return next() % n;
  }

  /** Mixes the user seed (0..2^32-1) into the base of every event seed. */
  public static int mixSeed(long seed) {
    return fmix32(((int) seed) ^ 0x2545f491);
  }

  /** The initial state for event number k. */
  public static int eventState(int seedMix, long k) {
    int lo = (int) k;
    int hi = (int) (k >>> 32);
    return fmix32(seedMix ^ fmix32(lo ^ (hi * 0x27d4eb2f)));
  }
}
