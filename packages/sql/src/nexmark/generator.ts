/**
 * The Nexmark event generator (semantics of Beam's / Flink-nexmark's generator; see
 * docs/nexmark.md). The stream is a pure function of the configuration: the event at stream
 * position i is the event with number k = shuffle(i), built from its own random generator seeded
 * by (seed, k). The Java twin (bench/flink/.../NexmarkGenerator.java) is bit-identical; the
 * stream hash (hash.ts) proves it.
 */
import { maxOutOfOrdernessMs, type NexmarkConfig, resolveConfig } from "./config.js";
import type { Auction, Bid, NexmarkEvent, Person } from "./events.js";
import { eventState, mixSeed, NexmarkRng } from "./rng.js";
import {
  CHANNELS_NUMBER,
  FIRST_NAMES,
  HOT_CHANNELS,
  LAST_NAMES,
  type NexmarkTables,
  nexmarkTables,
  nextExtra,
  nextString,
  US_CITIES,
  US_STATES,
} from "./strings.js";

/** Of every 50 events: 1 person, then 3 auctions, then 46 bids. */
export const PERSON_PROPORTION = 1;
/** Auctions per 50 events. */
export const AUCTION_PROPORTION = 3;
/** Bids per 50 events. */
export const BID_PROPORTION = 46;
/** Events per proportion cycle (50). */
export const PROPORTION_DENOMINATOR = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;
/** Ids start high so that small runs still find matches in the queries. */
export const FIRST_PERSON_ID = 1000;
/** The first auction id. */
export const FIRST_AUCTION_ID = 1000;
/** The first category id (categories are 10..14). */
export const FIRST_CATEGORY_ID = 10;
/** Number of categories. */
export const NUM_CATEGORIES = 5;
/** Random people/auctions may be up to this many ids ahead of the last one created. */
export const PERSON_ID_LEAD = 10;
/** Random auctions may be up to this many ids ahead of the last one created. */
export const AUCTION_ID_LEAD = 10;
/** The hot auction/seller/bidder is the last id rounded down to a multiple of this. */
export const HOT_AUCTION_RATIO = 100;
/** Hot sellers are the last person id rounded down to a multiple of this. */
export const HOT_SELLER_RATIO = 100;
/** Hot bidders are the last person id rounded down to a multiple of this, plus one. */
export const HOT_BIDDER_RATIO = 100;
/** 1 in this many bids comes through an ordinary (not hot) channel. */
export const HOT_CHANNELS_RATIO = 2;
/** Multiplier of the in-group shuffle (Nexmark's). */
const SHUFFLE_MULTIPLIER = 953;

/** The base-0 id of the last person created up to event number k. */
export function lastBase0PersonId(k: number): number {
  const epoch = Math.floor(k / PROPORTION_DENOMINATOR);
  let offset = k % PROPORTION_DENOMINATOR;
  if (offset >= PERSON_PROPORTION) offset = PERSON_PROPORTION - 1;
  return epoch * PERSON_PROPORTION + offset;
}

/** The base-0 id of the last auction created up to event number k (-1 before the first). */
export function lastBase0AuctionId(k: number): number {
  let epoch = Math.floor(k / PROPORTION_DENOMINATOR);
  let offset = k % PROPORTION_DENOMINATOR;
  if (offset < PERSON_PROPORTION) {
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    offset = AUCTION_PROPORTION - 1;
  } else {
    offset -= PERSON_PROPORTION;
  }
  return epoch * AUCTION_PROPORTION + offset;
}

/** Generates the bounded Nexmark stream for one configuration. */
export class NexmarkGenerator {
  /** The resolved configuration. */
  readonly config: NexmarkConfig;
  /** Bound on out-of-orderness, ms (see {@link maxOutOfOrdernessMs}). */
  readonly maxOutOfOrdernessMs: number;
  private readonly seedMix: number;
  private readonly rng = new NexmarkRng(0);
  private readonly numEventsForAuctions: number;
  private readonly tables: NexmarkTables = nexmarkTables();

  constructor(config: Partial<NexmarkConfig> = {}) {
    this.config = resolveConfig(config);
    this.maxOutOfOrdernessMs = maxOutOfOrdernessMs(this.config);
    this.seedMix = mixSeed(this.config.seed);
    this.numEventsForAuctions = Math.floor(
      (this.config.numInFlightAuctions * PROPORTION_DENOMINATOR) / AUCTION_PROPORTION,
    );
  }

  /** Number of events in the stream. */
  get size(): number {
    return this.config.events;
  }

  /** Event time of event number k (epoch ms). */
  timestampOf(k: number): number {
    return this.config.baseTime + Math.floor((k * 1000) / this.config.eventsPerSecond);
  }

  /**
   * The event number at stream position i: positions are shuffled within consecutive groups of
   * outOfOrderGroupSize (a final incomplete group keeps its order, so the stream stays bounded).
   */
  eventNumberAt(i: number): number {
    const n = this.config.outOfOrderGroupSize;
    if (n === 1) return i;
    const j = i % n;
    const base = i - j;
    if (base + n > this.config.events) return i;
    return base + ((j * SHUFFLE_MULTIPLIER) % n);
  }

  /** The event at stream position i (0 <= i < events). */
  eventAt(i: number): NexmarkEvent {
    return this.eventWithNumber(this.eventNumberAt(i));
  }

  /** The event with number k; a pure function of (config, k). */
  eventWithNumber(k: number): NexmarkEvent {
    const rng = this.rng;
    rng.state = eventState(this.seedMix, k);
    const ts = this.timestampOf(k);
    const rem = k % PROPORTION_DENOMINATOR;
    if (rem < PERSON_PROPORTION) return this.person(rng, k, ts);
    if (rem < PERSON_PROPORTION + AUCTION_PROPORTION) return this.auction(rng, k, ts);
    return this.bid(rng, k, ts);
  }

  /** Iterates over stream positions [from, to). */
  *events(from = 0, to = this.config.events): IterableIterator<NexmarkEvent> {
    for (let i = from; i < to; i++) yield this.eventAt(i);
  }

  /** Iterates over the whole stream. */
  [Symbol.iterator](): IterableIterator<NexmarkEvent> {
    return this.events();
  }

  /** A random person id (base 0) among the active people, possibly up to PERSON_ID_LEAD ahead. */
  private nextBase0PersonId(rng: NexmarkRng, k: number): number {
    const numPeople = lastBase0PersonId(k) + 1;
    const active = Math.min(numPeople, this.config.numActivePeople);
    const n = rng.nextInt(active + PERSON_ID_LEAD);
    return numPeople - active + n;
  }

  /** A random auction id (base 0) among the in-flight auctions, possibly up to AUCTION_ID_LEAD ahead. */
  private nextBase0AuctionId(rng: NexmarkRng, k: number): number {
    const maxAuction = lastBase0AuctionId(k);
    const minAuction = Math.max(maxAuction - this.config.numInFlightAuctions, 0);
    return minAuction + rng.nextInt(maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
  }

  /**
   * A price in cents, roughly log-uniform like Nexmark's round(10^(6u) * 100) but in integers
   * only: a uniform decade d in 0..5 times a uniform 6-digit mantissa, floor(m * 10^d / 1000),
   * so 100 <= price <= 99_999_900 and the top prices rarely tie.
   */
  private nextPrice(rng: NexmarkRng): number {
    const decade = rng.nextInt(6);
    const mantissa = 100_000 + rng.nextInt(900_000);
    return Math.floor((mantissa * POW10[decade]!) / 1000);
  }

  private person(rng: NexmarkRng, k: number, ts: number): Person {
    const id = lastBase0PersonId(k) + FIRST_PERSON_ID;
    const name = `${FIRST_NAMES[rng.nextInt(FIRST_NAMES.length)]!} ${LAST_NAMES[rng.nextInt(LAST_NAMES.length)]!}`;
    const emailAddress = `${nextString(rng, 7)}@${nextString(rng, 5)}.com`;
    const digits = this.tables.fourDigits;
    const creditCard = `${digits[rng.nextInt(10000)]!} ${digits[rng.nextInt(10000)]!} ${digits[rng.nextInt(10000)]!} ${digits[rng.nextInt(10000)]!}`;
    const city = US_CITIES[rng.nextInt(US_CITIES.length)]!;
    const state = US_STATES[rng.nextInt(US_STATES.length)]!;
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    const extra = nextExtra(rng, size, this.config.avgPersonByteSize);
    return { type: "person", id, name, emailAddress, creditCard, city, state, dateTime: ts, extra };
  }

  private auction(rng: NexmarkRng, k: number, ts: number): Auction {
    const id = lastBase0AuctionId(k) + FIRST_AUCTION_ID;
    const seller =
      (rng.nextInt(this.config.hotSellersRatio) > 0
        ? Math.floor(lastBase0PersonId(k) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO
        : this.nextBase0PersonId(rng, k)) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + rng.nextInt(NUM_CATEGORIES);
    const initialBid = this.nextPrice(rng);
    const horizon = this.timestampOf(k + this.numEventsForAuctions) - ts;
    const expires = ts + 1 + rng.nextInt(Math.max(horizon * 2, 1));
    const itemName = nextString(rng, 20);
    const description = nextString(rng, 100);
    const reserve = initialBid + this.nextPrice(rng);
    const size = 8 + itemName.length + description.length + 8 + 8 + 8 + 8 + 8;
    const extra = nextExtra(rng, size, this.config.avgAuctionByteSize);
    return {
      type: "auction",
      id,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime: ts,
      expires,
      seller,
      category,
      extra,
    };
  }

  private bid(rng: NexmarkRng, k: number, ts: number): Bid {
    const auction =
      (rng.nextInt(this.config.hotAuctionRatio) > 0
        ? Math.floor(lastBase0AuctionId(k) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
        : this.nextBase0AuctionId(rng, k)) + FIRST_AUCTION_ID;
    const bidder =
      (rng.nextInt(this.config.hotBiddersRatio) > 0
        ? Math.floor(lastBase0PersonId(k) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1
        : this.nextBase0PersonId(rng, k)) + FIRST_PERSON_ID;
    const price = this.nextPrice(rng);
    let channel: string;
    let url: string;
    if (rng.nextInt(HOT_CHANNELS_RATIO) > 0) {
      const c = rng.nextInt(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[c]!;
      url = this.tables.hotUrls[c]!;
    } else {
      const c = rng.nextInt(CHANNELS_NUMBER);
      channel = this.tables.channelNames[c]!;
      url = this.tables.channelUrls[c]!;
    }
    const extra = nextExtra(rng, 32, this.config.avgBidByteSize);
    return { type: "bid", auction, bidder, price, channel, url, dateTime: ts, extra };
  }
}

const POW10 = [1, 10, 100, 1000, 10000, 100000];
