/** Nexmark q2, selection: the bids on auctions whose id is a multiple of 123. */
import type { DataStream } from "@fleuve/core";
import type { Bid, NexmarkEvent } from "../events.js";

/** q2: `auction,price` of bids with `auction % 123 == 0` (one filter: no bid view in between). */
export function q2(events: DataStream<NexmarkEvent>): DataStream<string> {
  return (
    events.filter(
      (e) => e.type === "bid" && e.auction % 123 === 0,
    ) as DataStream<NexmarkEvent> as DataStream<Bid>
  ).map((b) => `${b.auction},${b.price}`);
}
