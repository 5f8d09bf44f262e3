/**
 * Nexmark q3, local item suggestion: the regular inner join auction ⋈ person on `seller = id`,
 * for auctions of category 10 and people in OR, ID or CA. As in Flink's regular join, each side
 * is kept in keyed state and every match is emitted when its second side arrives, so the output
 * is insert-only and is the final table.
 */
import { type CoProcessFunction, type DataStream, type ListState, listState } from "@fleuve/core";
import type { NexmarkEvent } from "../events.js";
import { auctions, persons } from "./common.js";

type SellerAuction = readonly [seller: number, auctionId: number];
type PersonRow = readonly [id: number, nameCityState: string];

interface Q3Join extends CoProcessFunction<SellerAuction, PersonRow, string, number> {
  /** Ids of this seller's auctions seen so far. */
  auctionIds?: ListState<number>;
  /** `name,city,state` of the people with this id seen so far (one in practice). */
  people?: ListState<string>;
}

/** q3: `name,city,state,auctionId`. */
export function q3(events: DataStream<NexmarkEvent>): DataStream<string> {
  // Only what the result needs goes into state: the auction id, the person's row prefix.
  const sellers = auctions(events)
    .filter((a) => a.category === 10)
    .map((a): SellerAuction => [a.seller, a.id]);
  const people = persons(events)
    .filter((p) => p.state === "OR" || p.state === "ID" || p.state === "CA")
    .map((p): PersonRow => [p.id, `${p.name},${p.city},${p.state}`]);
  return sellers
    .connect(people)
    .keyBy(
      (a) => a[0],
      (p) => p[0],
    )
    .process<string, number>(
      {
        open(ctx) {
          this.auctionIds = ctx.getState(listState<number>("auction-ids"));
          this.people = ctx.getState(listState<string>("people"));
        },
        processElement1(a, _ctx, out) {
          const id = a[1];
          this.auctionIds!.add(id);
          for (const p of this.people!.get()) out.collect(`${p},${id}`);
        },
        processElement2(p, _ctx, out) {
          const row = p[1];
          this.people!.add(row);
          for (const id of this.auctionIds!.get()) out.collect(`${row},${id}`);
        },
      } as Q3Join,
      "Q3Join",
    );
}
