/**
 * Generator parameters. Names and defaults follow the Nexmark suite (Beam's NexmarkConfiguration /
 * Flink-nexmark's GeneratorConfig); deviations are listed in docs/nexmark.md. The Java twin
 * (bench/flink/.../NexmarkConfig.java) has the same fields and defaults.
 */
import { FleuveError } from "@fleuve/core";

/** Everything that determines the event stream. */
export interface NexmarkConfig {
  /** Seed, an integer in 0..2^32-1. */
  readonly seed: number;
  /** Number of events in the (bounded) stream. */
  readonly events: number;
  /** Event-time rate: event number k has dateTime baseTime + floor(k * 1000 / eventsPerSecond). */
  readonly eventsPerSecond: number;
  /** Event time of event number 0, epoch milliseconds. */
  readonly baseTime: number;
  /** Events are shuffled within consecutive groups of this size (1 = in order). Not a multiple of 953. */
  readonly outOfOrderGroupSize: number;
  /** People that new auctions/bids pick from (the most recent ones). */
  readonly numActivePeople: number;
  /** Auctions that new bids pick from (the most recent ones); also sets auction lengths. */
  readonly numInFlightAuctions: number;
  /** 1 in hotAuctionRatio bids goes to a random auction, the others to the current hot auction. */
  readonly hotAuctionRatio: number;
  /** 1 in hotSellersRatio auctions has a random seller, the others the current hot seller. */
  readonly hotSellersRatio: number;
  /** 1 in hotBiddersRatio bids has a random bidder, the others the current hot bidder. */
  readonly hotBiddersRatio: number;
  /** Average size target of a person; `extra` pads each event towards it. */
  readonly avgPersonByteSize: number;
  /** Average size target of an auction. */
  readonly avgAuctionByteSize: number;
  /** Average size target of a bid. */
  readonly avgBidByteSize: number;
}

/** The defaults (Nexmark's, except baseTime and outOfOrderGroupSize, see docs/nexmark.md). */
export const DEFAULT_CONFIG: NexmarkConfig = {
  seed: 42,
  events: 1_000_000,
  eventsPerSecond: 10_000,
  baseTime: 1_704_067_200_000, // 2024-01-01T00:00:00Z, a multiple of every window size used
  outOfOrderGroupSize: 1000,
  numActivePeople: 1000,
  numInFlightAuctions: 100,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
};

/** Largest average byte size accepted (keeps `extra` within the string pool). */
export const MAX_AVG_BYTE_SIZE = 3000;

function check(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `Nexmark option ${name} must be an integer in [${min}, ${max}], got ${String(value)}`,
      { details: { option: name, value } },
    );
  }
}

/** Fills in defaults and validates every option; throws FLEUVE_CONFIG_INVALID naming the option. */
export function resolveConfig(partial: Partial<NexmarkConfig> = {}): NexmarkConfig {
  const c: NexmarkConfig = { ...DEFAULT_CONFIG, ...partial };
  check("seed", c.seed, 0, 0xffffffff);
  check("events", c.events, 0, 2 ** 40);
  check("eventsPerSecond", c.eventsPerSecond, 1, 1_000_000_000);
  check("baseTime", c.baseTime, 0, 2 ** 50);
  check("outOfOrderGroupSize", c.outOfOrderGroupSize, 1, 1_000_000);
  if (c.outOfOrderGroupSize % 953 === 0) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `Nexmark option outOfOrderGroupSize must not be a multiple of 953 (the shuffle would not be a permutation), got ${c.outOfOrderGroupSize}`,
      { details: { option: "outOfOrderGroupSize", value: c.outOfOrderGroupSize } },
    );
  }
  check("numActivePeople", c.numActivePeople, 1, 100_000_000);
  check("numInFlightAuctions", c.numInFlightAuctions, 1, 100_000_000);
  check("hotAuctionRatio", c.hotAuctionRatio, 1, 1_000_000);
  check("hotSellersRatio", c.hotSellersRatio, 1, 1_000_000);
  check("hotBiddersRatio", c.hotBiddersRatio, 1, 1_000_000);
  check("avgPersonByteSize", c.avgPersonByteSize, 0, MAX_AVG_BYTE_SIZE);
  check("avgAuctionByteSize", c.avgAuctionByteSize, 0, MAX_AVG_BYTE_SIZE);
  check("avgBidByteSize", c.avgBidByteSize, 0, MAX_AVG_BYTE_SIZE);
  // Auction lengths draw from [1, 2 * horizon]; the draw must fit 32 bits.
  const horizonMs = Math.floor((Math.floor((c.numInFlightAuctions * 50) / 3) * 1000) / c.eventsPerSecond) + 1;
  if (2 * horizonMs > 0xffffffff) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `Nexmark options numInFlightAuctions=${c.numInFlightAuctions} and eventsPerSecond=${c.eventsPerSecond} make auctions last longer than 2^31 ms; raise eventsPerSecond or lower numInFlightAuctions`,
      { details: { option: "numInFlightAuctions", value: c.numInFlightAuctions } },
    );
  }
  return c;
}

/**
 * The bound on out-of-orderness in milliseconds: no event's dateTime is more than this below the
 * largest dateTime before it. A watermark of (max dateTime seen - bound - 1) never makes an event
 * late; that is Flink's forBoundedOutOfOrderness(bound).
 */
export function maxOutOfOrdernessMs(c: NexmarkConfig): number {
  if (c.outOfOrderGroupSize <= 1) return 0;
  return Math.ceil(((c.outOfOrderGroupSize - 1) * 1000) / c.eventsPerSecond);
}
