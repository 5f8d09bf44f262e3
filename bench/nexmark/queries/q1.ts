/** Nexmark q1, currency conversion: every bid with its price in euros (`0.908 * price`, exact). */
import type { DataStream } from "@fleuve/core";
import type { NexmarkEvent } from "../events.js";
import { bids } from "./common.js";

/** "000" .. "999": the three decimals of a euro price, without padStart per record. */
const MILLIS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/**
 * q1: `auction,bidder,euroPrice,dateTime,extra`, euroPrice = price * 908 / 1000 with exactly three
 * decimals (canonical.ts's euroFromDollarPrice, inlined with a table; price * 908 < 2^53).
 */
export function q1(events: DataStream<NexmarkEvent>): DataStream<string> {
  return bids(events).map((b) => {
    const milli = b.price * 908;
    const frac = milli % 1000;
    return `${b.auction},${b.bidder},${(milli - frac) / 1000}.${MILLIS[frac]!},${b.dateTime},${b.extra}`;
  });
}
