/**
 * Nexmark q12, processing-time windows: per bidder, tumbling 10 s processing-time windows, count.
 * Its rows depend on the wall clock: only their shape is comparable.
 */
import {
  type DataStream,
  type ProcessWindowFunction,
  type TimeWindow,
  TumblingProcessingTimeWindows,
} from "@fleuve/core";
import type { Bid, NexmarkEvent } from "../events.js";
import { bids, countAgg, TEN_SECONDS } from "./common.js";

const windowRow: ProcessWindowFunction<number, string, number, TimeWindow> = {
  process(bidder, ctx, counts, out) {
    const w = ctx.window();
    out.collect(`${bidder},${counts[0]!},${w.start},${w.end}`);
  },
};

/** q12: `bidder,bidCount,windowStart,windowEnd`. */
export function q12(events: DataStream<NexmarkEvent>): DataStream<string> {
  return bids(events)
    .keyBy((b) => b.bidder)
    .window(TumblingProcessingTimeWindows.of<Bid>(TEN_SECONDS))
    .aggregate(countAgg, windowRow);
}
