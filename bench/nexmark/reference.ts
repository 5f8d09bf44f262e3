/**
 * A plain, obviously-correct TypeScript implementation of the Nexmark queries (whole input in
 * memory, no streaming), producing canonical rows. It pins down the exact semantics documented in
 * docs/nexmark.md, was checked against Flink's output (see reference.test.ts) and serves as the
 * oracle for Fleuve's streaming queries. Valid when no event is late (the generator guarantees
 * that under the documented watermark). q12 (processing time) has no reference.
 */
import { type CanonicalRow, euroFromDollarPrice } from "./canonical.js";
import type { Auction, Bid, NexmarkEvent, Person } from "./events.js";

/** Queries with a reference implementation. */
export const REFERENCE_QUERIES = ["q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8", "q9", "q11"] as const;
/** A query name with a reference implementation. */
export type ReferenceQuery = (typeof REFERENCE_QUERIES)[number];

interface Split {
  persons: Person[];
  auctions: Auction[];
  bids: Bid[];
}

function split(events: Iterable<NexmarkEvent>): Split {
  const s: Split = { persons: [], auctions: [], bids: [] };
  for (const e of events) {
    if (e.type === "bid") s.bids.push(e);
    else if (e.type === "auction") s.auctions.push(e);
    else s.persons.push(e);
  }
  return s;
}

function groupBy<T, K>(xs: readonly T[], key: (x: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const x of xs) {
    const k = key(x);
    const g = m.get(k);
    if (g) g.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** Bids of each auction that fall within its lifetime, dateTime <= bid.dateTime <= expires. */
function bidsInLifetime(s: Split): Map<Auction, Bid[]> {
  const byAuction = groupBy(s.bids, (b) => b.auction);
  const out = new Map<Auction, Bid[]>();
  for (const a of s.auctions) {
    const bs = (byAuction.get(a.id) ?? []).filter((b) => b.dateTime >= a.dateTime && b.dateTime <= a.expires);
    if (bs.length > 0) out.set(a, bs);
  }
  return out;
}

const TEN_S = 10_000;

/** Start of the tumbling window of `size` ms (epoch aligned) holding t. */
function tumbleStart(t: number, size: number): number {
  return t - (((t % size) + size) % size);
}

/** Runs one query over the events; returns its canonical rows (unsorted). */
export function referenceQuery(query: ReferenceQuery, events: Iterable<NexmarkEvent>): CanonicalRow[] {
  const s = split(events);
  switch (query) {
    case "q0":
      return s.bids.map((b) => [b.auction, b.bidder, b.price, b.dateTime, b.extra]);
    case "q1":
      return s.bids.map((b) => [b.auction, b.bidder, euroFromDollarPrice(b.price), b.dateTime, b.extra]);
    case "q2":
      return s.bids.filter((b) => b.auction % 123 === 0).map((b) => [b.auction, b.price]);
    case "q3": {
      const people = groupBy(
        s.persons.filter((p) => p.state === "OR" || p.state === "ID" || p.state === "CA"),
        (p) => p.id,
      );
      const rows: CanonicalRow[] = [];
      for (const a of s.auctions) {
        if (a.category !== 10) continue;
        for (const p of people.get(a.seller) ?? []) rows.push([p.name, p.city, p.state, a.id]);
      }
      return rows;
    }
    case "q4": {
      const finals = new Map<number, number[]>();
      for (const [a, bs] of bidsInLifetime(s)) {
        const max = bs.reduce((m, b) => Math.max(m, b.price), -Infinity);
        const g = finals.get(a.category);
        if (g) g.push(max);
        else finals.set(a.category, [max]);
      }
      // Flink's AVG over BIGINT is a BIGINT: the sum divided by the count, truncated.
      return [...finals].map(([cat, xs]) => [cat, Math.trunc(xs.reduce((x, y) => x + y, 0) / xs.length)]);
    }
    case "q5": {
      const size = TEN_S;
      const slide = 2000;
      const counts = new Map<number, Map<number, number>>(); // window start -> auction -> count
      for (const b of s.bids) {
        const last = tumbleStart(b.dateTime, slide);
        for (let start = last; start > b.dateTime - size; start -= slide) {
          let w = counts.get(start);
          if (!w) counts.set(start, (w = new Map()));
          w.set(b.auction, (w.get(b.auction) ?? 0) + 1);
        }
      }
      const rows: CanonicalRow[] = [];
      for (const [start, w] of counts) {
        const max = Math.max(...w.values());
        for (const [auction, num] of w) if (num >= max) rows.push([auction, num, start, start + size]);
      }
      return rows;
    }
    case "q7": {
      const maxByEnd = new Map<number, number>();
      for (const b of s.bids) {
        const end = tumbleStart(b.dateTime, TEN_S) + TEN_S;
        maxByEnd.set(end, Math.max(maxByEnd.get(end) ?? -Infinity, b.price));
      }
      const rows: CanonicalRow[] = [];
      // A bid matches every window whose max equals its price and with end - 10 s <= t <= end
      // (both ends inclusive: a bid exactly at a window end also matches that window).
      for (const b of s.bids) {
        const end = tumbleStart(b.dateTime, TEN_S) + TEN_S;
        for (const e of [end, end - TEN_S]) {
          if (maxByEnd.get(e) === b.price && b.dateTime >= e - TEN_S && b.dateTime <= e) {
            rows.push([b.auction, b.price, b.bidder, b.dateTime, b.extra]);
          }
        }
      }
      return rows;
    }
    case "q8": {
      const people = new Map<string, CanonicalRow>();
      for (const p of s.persons) {
        const start = tumbleStart(p.dateTime, TEN_S);
        people.set(`${p.id}|${p.name}|${start}`, [p.id, p.name, start]);
      }
      const sellers = new Set(s.auctions.map((a) => `${a.seller}|${tumbleStart(a.dateTime, TEN_S)}`));
      return [...people.values()].filter(([id, , start]) => sellers.has(`${id}|${start}`));
    }
    case "q9": {
      const rows: CanonicalRow[] = [];
      for (const [a, bs] of bidsInLifetime(s)) {
        let w = bs[0]!;
        for (const b of bs) {
          if (
            b.price > w.price ||
            (b.price === w.price &&
              (b.dateTime < w.dateTime ||
                (b.dateTime === w.dateTime &&
                  (b.bidder < w.bidder || (b.bidder === w.bidder && b.extra < w.extra)))))
          ) {
            w = b;
          }
        }
        rows.push([
          a.id,
          a.itemName,
          a.description,
          a.initialBid,
          a.reserve,
          a.dateTime,
          a.expires,
          a.seller,
          a.category,
          a.extra,
          w.auction,
          w.bidder,
          w.price,
          w.dateTime,
          w.extra,
        ]);
      }
      return rows;
    }
    case "q11": {
      const rows: CanonicalRow[] = [];
      for (const [bidder, bs] of groupBy(s.bids, (b) => b.bidder)) {
        const times = bs.map((b) => b.dateTime).sort((x, y) => x - y);
        // Session windows [t, t + gap) merge when they overlap or touch (Flink's TimeWindow
        // intersects with inclusive bounds), i.e. when the next bid is at most gap after the last.
        let start = times[0]!;
        let last = start;
        let count = 0;
        for (const t of times) {
          if (t - last > TEN_S) {
            rows.push([bidder, count, start, last + TEN_S]);
            start = t;
            count = 0;
          }
          last = t;
          count++;
        }
        rows.push([bidder, count, start, last + TEN_S]);
      }
      return rows;
    }
  }
}

/**
 * q13 (bids enriched from a side input, bench/nexmark/sql/q13.sql): every bid whose
 * `auction % 10000` is a key of the side input, once per side-input row with that key, as
 * (auction, bidder, price, dateTime, value). The side input is static, so the processing-time
 * lookup join's result does not depend on when rows arrive. `sideInput`: the side input's rows
 * as (key, value) pairs.
 */
export function referenceQ13(
  events: Iterable<NexmarkEvent>,
  sideInput: Iterable<readonly [number, string]>,
): CanonicalRow[] {
  const values = new Map<number, string[]>();
  for (const [k, v] of sideInput) {
    const vs = values.get(k);
    if (vs) vs.push(v);
    else values.set(k, [v]);
  }
  const rows: CanonicalRow[] = [];
  for (const b of split(events).bids) {
    for (const v of values.get(b.auction % 10_000) ?? [])
      rows.push([b.auction, b.bidder, b.price, b.dateTime, v]);
  }
  return rows;
}
