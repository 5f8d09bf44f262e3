/** Nexmark q9, winning bids: every auction with its winning bid (see winning-bids.ts). */
import type { DataStream } from "@fleuve/core";
import type { NexmarkEvent } from "../events.js";
import { winningBids } from "./winning-bids.js";

/**
 * q9: `id,itemName,description,initialBid,reserve,dateTime,expires,seller,category,extra,
 * auction,bidder,price,bidDateTime,bidExtra`.
 */
export function q9(events: DataStream<NexmarkEvent>): DataStream<string> {
  return winningBids(events).map(({ auction: a, bid: b }) => {
    return `${a.id},${a.itemName},${a.description},${a.initialBid},${a.reserve},${a.dateTime},${a.expires},${a.seller},${a.category},${a.extra},${b.auction},${b.bidder},${b.price},${b.dateTime},${b.extra}`;
  });
}
