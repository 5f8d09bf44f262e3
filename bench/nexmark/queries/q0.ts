/** Nexmark q0, pass-through: every bid as `auction,bidder,price,dateTime,extra`. */
import type { DataStream } from "@fleuve/core";
import type { NexmarkEvent } from "../events.js";
import { bids } from "./common.js";

/** q0: the bids, unchanged. */
export function q0(events: DataStream<NexmarkEvent>): DataStream<string> {
  return bids(events).map((b) => `${b.auction},${b.bidder},${b.price},${b.dateTime},${b.extra}`);
}
