/**
 * Shared pieces of the Fleuve Nexmark queries: typed views of the event stream and the window
 * constants of docs/nexmark.md. Every query maps the event stream to canonical result lines
 * (bench/nexmark/canonical.ts), rendered once, in the query's last step.
 */
import type { AggregateFunction, DataStream } from "@fleuve/core";
import type { Auction, Bid, NexmarkEvent, Person } from "../events.js";

/** A Nexmark query on Fleuve: the event stream in, canonical result lines out. */
export type FleuveQuery = (events: DataStream<NexmarkEvent>) => DataStream<string>;

/** 10 s, the window size (and session gap) of q5, q7, q8, q11, q12. */
export const TEN_SECONDS = 10_000;

/** The bids of the stream (filter keeps the narrowed type). */
export function bids(events: DataStream<NexmarkEvent>): DataStream<Bid> {
  return events.filter((e) => e.type === "bid") as DataStream<NexmarkEvent> as DataStream<Bid>;
}

/** The auctions of the stream. */
export function auctions(events: DataStream<NexmarkEvent>): DataStream<Auction> {
  return events.filter((e) => e.type === "auction") as DataStream<NexmarkEvent> as DataStream<Auction>;
}

/** The people of the stream. */
export function persons(events: DataStream<NexmarkEvent>): DataStream<Person> {
  return events.filter((e) => e.type === "person") as DataStream<NexmarkEvent> as DataStream<Person>;
}

/** Start of the epoch-aligned tumbling window of `size` ms holding `t` (t >= 0). */
export function tumbleStart(t: number, size: number): number {
  return t - (t % size);
}

/** COUNT(*) as an AggregateFunction (a number accumulator: no allocation per record). */
export const countAgg: AggregateFunction<unknown, number, number> = {
  createAccumulator: () => 0,
  add: (_v, acc) => acc + 1,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};
