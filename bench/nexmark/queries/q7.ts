/**
 * Nexmark q7, highest bid: tumbling 10 s windows, the max price per window; every bid whose price
 * equals a window's max and whose dateTime is in [windowEnd - 10 s, windowEnd], both ends
 * inclusive (Nexmark's BETWEEN).
 *
 * Flink's SQL joins all bids with the per-window maxima (keeping every bid in state). Here one
 * windowAll aggregate keeps, per window, only the bids at the max price (`top`) and the bids at
 * the window's earliest time (`first`): the bids of window W that lie in [end - 10 s, end] are
 * W's own bids plus those exactly at W's end, which are the earliest bids of the next window
 * when it starts at that instant. Windows fire in order of their end, so when the next window
 * fires, the previous window's max is in the global (per-key, across windows) state.
 */
import {
  type AggregateFunction,
  type DataStream,
  type ProcessAllWindowFunction,
  type TimeWindow,
  TumblingEventTimeWindows,
  valueState,
} from "@fleuve/core";
import type { Bid, NexmarkEvent } from "../events.js";
import { bids, TEN_SECONDS } from "./common.js";

/** Per window: the max price and its bids, the earliest dateTime and its bids. */
interface TopAndFirst {
  max: number;
  top: Bid[];
  firstTime: number;
  first: Bid[];
}

const topAndFirst: AggregateFunction<Bid, TopAndFirst, TopAndFirst> = {
  createAccumulator: () => ({
    max: Number.NEGATIVE_INFINITY,
    top: [],
    firstTime: Number.POSITIVE_INFINITY,
    first: [],
  }),
  add(b, acc) {
    if (b.price > acc.max) {
      acc.max = b.price;
      acc.top = [b];
    } else if (b.price === acc.max) {
      acc.top.push(b);
    }
    if (b.dateTime < acc.firstTime) {
      acc.firstTime = b.dateTime;
      acc.first = [b];
    } else if (b.dateTime === acc.firstTime) {
      acc.first.push(b);
    }
    return acc;
  },
  getResult: (acc) => acc,
  merge(a, b) {
    if (b.max > a.max) {
      a.max = b.max;
      a.top = b.top;
    } else if (b.max === a.max) a.top = a.top.concat(b.top);
    if (b.firstTime < a.firstTime) {
      a.firstTime = b.firstTime;
      a.first = b.first;
    } else if (b.firstTime === a.firstTime) a.first = a.first.concat(b.first);
    return a;
  },
};

/** The previous window's end and max price. */
interface LastWindow {
  readonly end: number;
  readonly max: number;
}

const row = (b: Bid) => `${b.auction},${b.price},${b.bidder},${b.dateTime},${b.extra}`;

const highestBids: ProcessAllWindowFunction<TopAndFirst, string, TimeWindow> = {
  process(ctx, results, out) {
    const w = ctx.window();
    const acc = results[0]!;
    for (const b of acc.top) out.collect(row(b));
    const last = ctx.globalState().getState(valueState<LastWindow>("last-window"));
    const prev = last.value();
    if (prev !== undefined && prev.end === w.start && acc.firstTime === w.start) {
      for (const b of acc.first) if (b.price === prev.max) out.collect(row(b));
    }
    last.update({ end: w.end, max: acc.max });
  },
};

/** q7: `auction,price,bidder,dateTime,extra`. */
export function q7(events: DataStream<NexmarkEvent>): DataStream<string> {
  return bids(events)
    .windowAll(TumblingEventTimeWindows.of<Bid>(TEN_SECONDS))
    .aggregate(topAndFirst, highestBids);
}
