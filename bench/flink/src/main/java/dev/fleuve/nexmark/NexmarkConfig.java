package dev.fleuve.nexmark;

import java.io.Serializable;

/** Generator parameters; same fields, defaults and checks as packages/sql/src/nexmark/config.ts. */
public final class NexmarkConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  public long seed = 42;
  public long events = 1_000_000;
  public long eventsPerSecond = 10_000;
  public long baseTime = 1_704_067_200_000L;
  public long outOfOrderGroupSize = 1000;
  public long numActivePeople = 1000;
  public long numInFlightAuctions = 100;
  public long hotAuctionRatio = 2;
  public long hotSellersRatio = 4;
  public long hotBiddersRatio = 4;
  public long avgPersonByteSize = 200;
  public long avgAuctionByteSize = 500;
  public long avgBidByteSize = 100;

  private static void check(String name, long v, long min, long max) {
    if (v < min || v > max) {
      throw new IllegalArgumentException(
          "Nexmark option " + name + " must be an integer in [" + min + ", " + max + "], got " + v);
    }
  }

  /** Validates every option (the same rules as the TypeScript side). */
  public NexmarkConfig validate() {
    check("seed", seed, 0, 0xffffffffL);
    check("events", events, 0, 1L << 40);
    check("eventsPerSecond", eventsPerSecond, 1, 1_000_000_000);
    check("baseTime", baseTime, 0, 1L << 50);
    check("outOfOrderGroupSize", outOfOrderGroupSize, 1, 1_000_000);
    if (outOfOrderGroupSize % 953 == 0) {
      throw new IllegalArgumentException("Nexmark option outOfOrderGroupSize must not be a multiple of 953");
    }
    check("numActivePeople", numActivePeople, 1, 100_000_000);
    check("numInFlightAuctions", numInFlightAuctions, 1, 100_000_000);
    check("hotAuctionRatio", hotAuctionRatio, 1, 1_000_000);
    check("hotSellersRatio", hotSellersRatio, 1, 1_000_000);
    check("hotBiddersRatio", hotBiddersRatio, 1, 1_000_000);
    check("avgPersonByteSize", avgPersonByteSize, 0, 3000);
    check("avgAuctionByteSize", avgAuctionByteSize, 0, 3000);
    check("avgBidByteSize", avgBidByteSize, 0, 3000);
    long horizonMs = ((numInFlightAuctions * 50) / 3) * 1000 / eventsPerSecond + 1;
    if (2 * horizonMs > 0xffffffffL) {
      throw new IllegalArgumentException("Nexmark options make auctions last longer than 2^31 ms");
    }
    return this;
  }

  /** Bound on out-of-orderness in ms: ceil((group - 1) * 1000 / rate). */
  public long maxOutOfOrdernessMs() {
    if (outOfOrderGroupSize <= 1) return 0;
    return ((outOfOrderGroupSize - 1) * 1000 + eventsPerSecond - 1) / eventsPerSecond;
  }
}
