/**
 * The three Nexmark event types, with the fields of the Nexmark model. Times are epoch
 * milliseconds; prices are integer cents (as in Nexmark, where prices are longs).
 */

/** A person registering to the auction site. */
export interface Person {
  readonly type: "person";
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  readonly dateTime: number;
  readonly extra: string;
}

/** A new auction; bids on it count while `dateTime <= bid.dateTime <= expires`. */
export interface Auction {
  readonly type: "auction";
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  readonly dateTime: number;
  readonly expires: number;
  readonly seller: number;
  readonly category: number;
  readonly extra: string;
}

/** A bid on an auction. */
export interface Bid {
  readonly type: "bid";
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  readonly dateTime: number;
  readonly extra: string;
}

/** Any Nexmark event; `type` tells which. */
export type NexmarkEvent = Person | Auction | Bid;
