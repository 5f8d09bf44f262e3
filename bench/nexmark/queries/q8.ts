/**
 * Nexmark q8, new users: tumbling 10 s windows; the people (distinct id, name, window) who created
 * an auction (as seller) in the same window. A window coGroup of people and sellers on
 * `id = seller`: per key and window it sees both sides at once, which gives the distinct
 * semantics of the SQL without a join per auction.
 */
import { type DataStream, TumblingEventTimeWindows } from "@fleuve/core";
import type { NexmarkEvent } from "../events.js";
import { auctions, persons, TEN_SECONDS, tumbleStart } from "./common.js";

/** q8: `id,name,windowStart`. */
export function q8(events: DataStream<NexmarkEvent>): DataStream<string> {
  // Sellers only: the auction's other fields are not needed (the record keeps its timestamp).
  const sellers = auctions(events).map((a) => a.seller);
  return persons(events)
    .coGroup(sellers)
    .where((p) => p.id)
    .equalTo((seller) => seller)
    .window(TumblingEventTimeWindows.of(TEN_SECONDS))
    .apply<string>((people, sold, out) => {
      if (people.length === 0 || sold.length === 0) return;
      let emitted: string[] | undefined;
      for (const p of people) {
        if (emitted?.includes(p.name)) continue;
        (emitted ??= []).push(p.name);
        out.collect(`${p.id},${p.name},${tumbleStart(p.dateTime, TEN_SECONDS)}`);
      }
    }, "Q8CoGroup");
}
