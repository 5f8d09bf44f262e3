/**
 * Nexmark q11, user sessions: per bidder, event-time session windows with a 10 s gap; the number
 * of bids per session. Session end = last bid + gap (Flink's merged TimeWindow).
 */
import {
  type DataStream,
  EventTimeSessionWindows,
  type ProcessWindowFunction,
  type TimeWindow,
} from "@fleuve/core";
import type { Bid, NexmarkEvent } from "../events.js";
import { bids, countAgg, TEN_SECONDS } from "./common.js";

const sessionRow: ProcessWindowFunction<number, string, number, TimeWindow> = {
  process(bidder, ctx, counts, out) {
    const w = ctx.window();
    out.collect(`${bidder},${counts[0]!},${w.start},${w.end}`);
  },
};

/** q11: `bidder,bidCount,sessionStart,sessionEnd`. */
export function q11(events: DataStream<NexmarkEvent>): DataStream<string> {
  return bids(events)
    .keyBy((b) => b.bidder)
    .window(EventTimeSessionWindows.withGap<Bid>(TEN_SECONDS))
    .aggregate(countAgg, sessionRow);
}
