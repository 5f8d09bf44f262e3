/**
 * Nexmark q5, hot items: HOP windows of 10 s sliding every 2 s; per window the number of bids of
 * each auction; the auctions whose count is >= the window's maximum (all ties).
 *
 * Stage 1 counts per auction and window with a sliding window + count aggregate (Fleuve slices
 * HOP windows into 2 s panes: one counter update per bid, not five). Stage 2, keyed by window,
 * keeps the window's maximum and the auctions that reach it, and emits them when the watermark
 * reaches the window's end (all counts of the window have arrived by then).
 */
import {
  type DataStream,
  type KeyedProcessFunction,
  type ProcessWindowFunction,
  SlidingEventTimeWindows,
  type TimeWindow,
  type ValueState,
  valueState,
} from "@fleuve/core";
import type { Bid, NexmarkEvent } from "../events.js";
import { bids, countAgg, TEN_SECONDS } from "./common.js";

/** Slide of q5's windows. */
export const Q5_SLIDE = 2000;

/** One auction's count in one window. */
interface AuctionCount {
  readonly auction: number;
  readonly num: number;
  readonly start: number;
  readonly end: number;
}

const withWindow: ProcessWindowFunction<number, AuctionCount, number, TimeWindow> = {
  process(auction, ctx, counts, out) {
    const w = ctx.window();
    out.collect({ auction, num: counts[0]!, start: w.start, end: w.end });
  },
};

/** The hottest auctions of one window so far. */
interface Hottest {
  max: number;
  top: AuctionCount[];
}

interface HottestFn extends KeyedProcessFunction<number, AuctionCount, string> {
  hottest?: ValueState<Hottest>;
}

/** q5: `auction,num,windowStart,windowEnd`. */
export function q5(events: DataStream<NexmarkEvent>): DataStream<string> {
  return bids(events)
    .keyBy((b) => b.auction)
    .window(SlidingEventTimeWindows.of<Bid>(TEN_SECONDS, Q5_SLIDE))
    .aggregate(countAgg, withWindow)
    .keyBy((c) => c.start)
    .process<string>({
      open(ctx) {
        this.hottest = ctx.getState(valueState<Hottest>("hottest"));
      },
      processElement(c, ctx, _out) {
        const state = this.hottest!;
        const h = state.value();
        if (h === undefined) {
          state.update({ max: c.num, top: [c] });
          ctx.timerService().registerEventTimeTimer(c.end - 1);
        } else if (c.num > h.max) {
          h.max = c.num;
          h.top = [c];
        } else if (c.num === h.max) {
          h.top.push(c);
        }
      },
      onTimer(_ts, _ctx, out) {
        const state = this.hottest!;
        for (const c of state.value()!.top) out.collect(`${c.auction},${c.num},${c.start},${c.end}`);
        state.clear();
      },
    } as HottestFn);
}
