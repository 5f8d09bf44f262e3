/**
 * Nexmark q4, average closing price per category: the winning bid's price of every auction
 * (see winning-bids.ts), then per category the average of those prices as an integer, truncated
 * (Flink's AVG over BIGINT). The per-category sums are final at the end of the input: an
 * event-time timer at +Infinity (the final watermark) emits the final table.
 */
import { type DataStream, type KeyedProcessFunction, type ValueState, valueState } from "@fleuve/core";
import type { NexmarkEvent } from "../events.js";
import { winningBids } from "./winning-bids.js";

interface SumCount {
  sum: number;
  count: number;
}

interface AverageFn extends KeyedProcessFunction<number, readonly [number, number], string> {
  acc?: ValueState<SumCount>;
}

/** q4: `category,avg`. */
export function q4(events: DataStream<NexmarkEvent>): DataStream<string> {
  return winningBids(events)
    .map((w) => [w.auction.category, w.bid.price] as const)
    .keyBy((cp) => cp[0])
    .process<string>({
      open(ctx) {
        this.acc = ctx.getState(valueState<SumCount>("sum-count"));
      },
      processElement(cp, ctx, _out) {
        const st = this.acc!.value();
        if (st === undefined) {
          this.acc!.update({ sum: cp[1], count: 1 });
          ctx.timerService().registerEventTimeTimer(Number.POSITIVE_INFINITY);
        } else {
          st.sum += cp[1];
          st.count++;
        }
      },
      onTimer(_ts, ctx, out) {
        const st = this.acc!.value()!;
        out.collect(`${ctx.getCurrentKey()},${Math.trunc(st.sum / st.count)}`);
      },
    } as AverageFn);
}
