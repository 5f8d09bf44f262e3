/**
 * The `nexmark` connector: Nexmark's table source (nexmark-flink's NexmarkTableSourceFactory) over
 * Fleuve's generator, so that Nexmark's published DDL runs unchanged:
 *
 * ```sql
 * CREATE TABLE datagen (
 *   event_type INT,
 *   person ROW<id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR,
 *     state VARCHAR, dateTime TIMESTAMP(3), extra VARCHAR>,
 *   auction ROW<id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT,
 *     dateTime TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra VARCHAR>,
 *   bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
 *     dateTime TIMESTAMP(3), extra VARCHAR>,
 *   dateTime AS CASE WHEN event_type = 0 THEN person.dateTime
 *     WHEN event_type = 1 THEN auction.dateTime ELSE bid.dateTime END,
 *   WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
 * ) WITH ('connector' = 'nexmark', 'first-event.rate' = '10000', 'events.num' = '100000');
 * ```
 *
 * Each event is one row: `event_type` 0 (person), 1 (auction) or 2 (bid), the event in its ROW
 * column and NULL in the other two. Nexmark's options map onto the generator's configuration;
 * those its generator has no counterpart for are refused when they differ from Nexmark's
 * defaults (the proportions are fixed at 1:3:46, and there is one event rate), rather than
 * silently ignored. Unlike Nexmark, whose base time is the wall clock when the job starts, the
 * stream is a pure function of the options (`base-time`, `seed`), so runs and restores are
 * reproducible.
 */

import {
  type ConnectorContext,
  type ConnectorRecord,
  defineConnector,
  FleuveError,
  GeneratorSource,
  type ParsedOptions,
  type Source,
} from "@fleuve/core";
import { DEFAULT_CONFIG, type NexmarkConfig } from "./config.js";
import type { NexmarkEvent } from "./events.js";
import { AUCTION_PROPORTION, BID_PROPORTION, NexmarkGenerator, PERSON_PROPORTION } from "./generator.js";

const OPTIONS = {
  "first-event.rate": {
    type: "integer",
    default: 10_000,
    min: 1,
    doc: "Events per second of event time: event number k has dateTime base-time + k * 1000 / rate.",
  },
  "next-event.rate": {
    type: "integer",
    default: 10_000,
    min: 1,
    doc: "Nexmark's second rate; Fleuve's generator has one, so it must equal first-event.rate.",
  },
  "events.num": {
    type: "integer",
    default: 0,
    min: 0,
    doc: "Events in the stream (0: without end, as Nexmark).",
  },
  "person.proportion": {
    type: "integer",
    default: PERSON_PROPORTION,
    doc: "People per 50 events (fixed: 1).",
  },
  "auction.proportion": {
    type: "integer",
    default: AUCTION_PROPORTION,
    doc: "Auctions per 50 events (fixed: 3).",
  },
  "bid.proportion": { type: "integer", default: BID_PROPORTION, doc: "Bids per 50 events (fixed: 46)." },
  "person.avg-size": {
    type: "string",
    default: "200b",
    doc: "Average size of a person (a memory size: 200b, 1kb).",
  },
  "auction.avg-size": { type: "string", default: "500b", doc: "Average size of an auction." },
  "bid.avg-size": { type: "string", default: "100b", doc: "Average size of a bid." },
  "bid.hot-ratio.auctions": {
    type: "integer",
    default: DEFAULT_CONFIG.hotAuctionRatio,
    min: 1,
    doc: "1 in this many bids goes to a random auction, the others to the hot one.",
  },
  "bid.hot-ratio.bidders": {
    type: "integer",
    default: DEFAULT_CONFIG.hotBiddersRatio,
    min: 1,
    doc: "1 in this many bids has a random bidder, the others the hot one.",
  },
  "auction.hot-ratio.sellers": {
    type: "integer",
    default: DEFAULT_CONFIG.hotSellersRatio,
    min: 1,
    doc: "1 in this many auctions has a random seller, the others the hot one.",
  },
  "rate.limited": {
    type: "boolean",
    default: false,
    doc: "Emit at first-event.rate events per second of wall-clock time (default: as fast as possible).",
  },
  seed: { type: "integer", default: DEFAULT_CONFIG.seed, min: 0, doc: "Fleuve: the generator's seed." },
  "base-time": {
    type: "integer",
    default: DEFAULT_CONFIG.baseTime,
    min: 0,
    doc: "Fleuve: the dateTime of the first event, epoch milliseconds (Nexmark takes the wall clock).",
  },
  "out-of-order.group-size": {
    type: "integer",
    default: DEFAULT_CONFIG.outOfOrderGroupSize,
    min: 1,
    doc: "Fleuve: events are shuffled within groups of this size (1: in order).",
  },
  "people.active": {
    type: "integer",
    default: DEFAULT_CONFIG.numActivePeople,
    min: 1,
    doc: "Fleuve: people new auctions and bids pick from.",
  },
  "auctions.in-flight": {
    type: "integer",
    default: DEFAULT_CONFIG.numInFlightAuctions,
    min: 1,
    doc: "Fleuve: auctions new bids pick from.",
  },
} as const;

/** The columns the connector gives. */
const COLUMNS = ["event_type", "person", "auction", "bid"];
/** The most events of an unbounded stream (the generator's limit). */
const UNBOUNDED_EVENTS = 2 ** 40;

function invalidOption(option: string, message: string, value?: unknown): FleuveError {
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `connector 'nexmark' source: option '${option}': ${message}`,
    {
      details: { connector: "nexmark", side: "source", option, ...(value === undefined ? {} : { value }) },
    },
  );
}

/** A memory size as Flink's MemorySize parses it (`200b`, `200`, `2kb`, `1m`), in bytes. */
export function parseMemorySize(option: string, text: string): number {
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text);
  const unit = (m?.[2] ?? "").toLowerCase();
  const scale: Record<string, number> = {
    "": 1,
    b: 1,
    bytes: 1,
    k: 1024,
    kb: 1024,
    kibibytes: 1024,
    m: 1024 ** 2,
    mb: 1024 ** 2,
    mebibytes: 1024 ** 2,
  };
  const s = scale[unit];
  if (m === null || s === undefined)
    throw invalidOption(option, `'${text}' is not a memory size (e.g. 200b, 2kb)`, text);
  return Number(m[1]) * s;
}

/** The generator configuration of the table's options (checking those without a counterpart). */
export function nexmarkConfig(o: ParsedOptions<typeof OPTIONS>): NexmarkConfig {
  for (const [option, fixed] of [
    ["person.proportion", PERSON_PROPORTION],
    ["auction.proportion", AUCTION_PROPORTION],
    ["bid.proportion", BID_PROPORTION],
  ] as const) {
    if (o[option] !== fixed)
      throw invalidOption(
        option,
        `Fleuve's generator has the fixed proportions 1:3:46 (person:auction:bid); got ${o[option]}`,
        o[option],
      );
  }
  if (o["next-event.rate"] !== o["first-event.rate"])
    throw invalidOption(
      "next-event.rate",
      `Fleuve's generator has one rate: set it to first-event.rate (${o["first-event.rate"]}), got ${o["next-event.rate"]}`,
      o["next-event.rate"],
    );
  const events = o["events.num"];
  // The generator validates the rest, naming its own option: say which table option that is.
  const config: Partial<NexmarkConfig> = {
    seed: o.seed,
    events: events === 0 ? UNBOUNDED_EVENTS : events,
    eventsPerSecond: o["first-event.rate"],
    baseTime: o["base-time"],
    outOfOrderGroupSize: o["out-of-order.group-size"],
    numActivePeople: o["people.active"],
    numInFlightAuctions: o["auctions.in-flight"],
    hotAuctionRatio: o["bid.hot-ratio.auctions"],
    hotSellersRatio: o["auction.hot-ratio.sellers"],
    hotBiddersRatio: o["bid.hot-ratio.bidders"],
    avgPersonByteSize: parseMemorySize("person.avg-size", o["person.avg-size"]),
    avgAuctionByteSize: parseMemorySize("auction.avg-size", o["auction.avg-size"]),
    avgBidByteSize: parseMemorySize("bid.avg-size", o["bid.avg-size"]),
  };
  return new NexmarkGenerator(config).config;
}

/** The row of one event: its type number and the event in its column, the others NULL. */
export function eventRow(e: NexmarkEvent): Record<string, unknown> {
  const { type: _type, ...fields } = e;
  return {
    event_type: e.type === "person" ? 0 : e.type === "auction" ? 1 : 2,
    person: e.type === "person" ? fields : null,
    auction: e.type === "auction" ? fields : null,
    bid: e.type === "bid" ? fields : null,
  };
}

function nexmarkSource(o: ParsedOptions<typeof OPTIONS>, context: ConnectorContext): Source<ConnectorRecord> {
  for (const f of context.schema ?? [])
    if (!COLUMNS.includes(f.name))
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `connector 'nexmark' source: column '${f.name}' is not one it gives; its columns are ${COLUMNS.join(", ")} (computed columns may derive others)`,
        { details: { connector: "nexmark", side: "source", field: f.name } },
      );
  const config = nexmarkConfig(o);
  const generator = new NexmarkGenerator(config);
  const count = o["events.num"] === 0 ? Number.POSITIVE_INFINITY : config.events;
  return new GeneratorSource<ConnectorRecord>(
    (index) => {
      const e = generator.eventAt(index);
      return {
        topic: "nexmark",
        partition: 0,
        offset: index,
        timestamp: e.dateTime,
        key: null,
        value: eventRow(e),
        headers: {},
      };
    },
    o["rate.limited"] ? { count, ratePerSecond: o["first-event.rate"] } : { count },
  );
}

/** The "nexmark" connector: Nexmark's events as one table (nexmark-flink's `'connector' = 'nexmark'`). */
export const nexmarkConnector = defineConnector({
  name: "nexmark",
  package: "@fleuve/sql",
  description:
    "Nexmark's events (people, auctions, bids) as one table, as nexmark-flink's source: event_type and a ROW column per type.",
  source: {
    description:
      "Generates the Nexmark stream: events.num events (or without end), deterministic for a seed.",
    options: OPTIONS,
    create: nexmarkSource,
  },
});
