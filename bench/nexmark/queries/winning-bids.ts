/**
 * The winning bid of every auction (Nexmark's WinningBids, shared by q4 and q9): among the bids
 * with `auction.dateTime <= bid.dateTime <= auction.expires`, the highest price, then the earliest
 * dateTime, then the smallest bidder, then the smallest extra.
 *
 * Keyed by auction id, one state object per auction. A result is final once the watermark
 * reaches `expires` (no bid of the auction's lifetime can follow), so it is emitted then by an
 * event-time timer and the state is dropped: results are insert-only and form the final table.
 * A bid may arrive before its auction (out-of-order stream, ids ahead): it waits until the
 * watermark passes its own dateTime; if its auction has not come by then, no auction can make
 * it valid any more (an auction it could belong to has dateTime <= bid.dateTime).
 */
import {
  type CoProcessFunction,
  type DataStream,
  type OnTimerContext,
  type ValueState,
  valueState,
} from "@fleuve/core";
import type { Auction, Bid, NexmarkEvent } from "../events.js";
import { auctions, bids } from "./common.js";

/** An auction and its winning bid. */
export interface WinningBid {
  readonly auction: Auction;
  readonly bid: Bid;
}

/** Per-auction state: the auction once seen, its best bid so far, bids that came first. */
interface AuctionState {
  auction: Auction | undefined;
  best: Bid | undefined;
  early: Bid[] | undefined;
}

/** True when bid `b` beats bid `w` (price desc, dateTime asc, bidder asc, extra asc). */
export function beats(b: Bid, w: Bid): boolean {
  if (b.price !== w.price) return b.price > w.price;
  if (b.dateTime !== w.dateTime) return b.dateTime < w.dateTime;
  if (b.bidder !== w.bidder) return b.bidder < w.bidder;
  return b.extra < w.extra;
}

function consider(st: AuctionState, a: Auction, b: Bid): void {
  if (b.dateTime < a.dateTime || b.dateTime > a.expires) return;
  if (st.best === undefined || beats(b, st.best)) st.best = b;
}

interface WinningBidsFn extends CoProcessFunction<Auction, Bid, WinningBid, number> {
  state?: ValueState<AuctionState>;
}

/** The winning bid of each auction that has one, emitted when the auction expires. */
export function winningBids(events: DataStream<NexmarkEvent>): DataStream<WinningBid> {
  return auctions(events)
    .connect(bids(events))
    .keyBy(
      (a) => a.id,
      (b) => b.auction,
    )
    .process<WinningBid, number>(
      {
        open(ctx) {
          this.state = ctx.getState(valueState<AuctionState>("auction"));
        },
        processElement1(a, ctx, _out) {
          const state = this.state!;
          let st = state.value();
          if (st === undefined) {
            st = { auction: a, best: undefined, early: undefined };
            state.update(st);
          } else {
            st.auction = a;
          }
          if (st.early !== undefined) {
            for (const b of st.early) consider(st, a, b);
            st.early = undefined;
          }
          ctx.timerService().registerEventTimeTimer(a.expires);
        },
        processElement2(b, ctx, _out) {
          const state = this.state!;
          const st = state.value();
          if (st?.auction !== undefined) {
            // The state object is mutated in place (heap state); it is created once per auction.
            consider(st, st.auction, b);
          } else if (b.dateTime > ctx.timerService().currentWatermark()) {
            if (st === undefined) state.update({ auction: undefined, best: undefined, early: [b] });
            else st.early!.push(b);
            ctx.timerService().registerEventTimeTimer(b.dateTime);
          }
        },
        onTimer(ts: number, _ctx: OnTimerContext<number>, out) {
          const state = this.state!;
          const st = state.value();
          if (st === undefined) return;
          const a = st.auction;
          if (a === undefined) {
            // Bids up to ts waited for an auction that can no longer come (its dateTime would be
            // <= theirs <= the watermark); later ones keep waiting for their own timers.
            const early = st.early!.filter((b) => b.dateTime > ts);
            if (early.length === 0) state.clear();
            else st.early = early;
          } else if (ts === a.expires) {
            if (st.best !== undefined) out.collect({ auction: a, bid: st.best });
            state.clear();
          }
        },
      } as WinningBidsFn,
      "WinningBids",
    );
}
