/**
 * The event file format: one CSV line per event, first field the type tag, no quoting (generated
 * strings never hold ',' or newlines). This rendering is also the canonical form the stream hash
 * is computed over, so the Java side renders exactly the same bytes.
 *
 *   P,id,name,emailAddress,creditCard,city,state,dateTime,extra
 *   A,id,itemName,description,initialBid,reserve,dateTime,expires,seller,category,extra
 *   B,auction,bidder,price,channel,url,dateTime,extra
 */
import { FleuveError } from "@fleuve/core";
import type { NexmarkEvent } from "./events.js";

/** Renders one event as its CSV line (without the newline). */
export function renderEvent(e: NexmarkEvent): string {
  switch (e.type) {
    case "bid":
      return `B,${e.auction},${e.bidder},${e.price},${e.channel},${e.url},${e.dateTime},${e.extra}`;
    case "auction":
      return `A,${e.id},${e.itemName},${e.description},${e.initialBid},${e.reserve},${e.dateTime},${e.expires},${e.seller},${e.category},${e.extra}`;
    case "person":
      return `P,${e.id},${e.name},${e.emailAddress},${e.creditCard},${e.city},${e.state},${e.dateTime},${e.extra}`;
  }
}

function bad(line: string, why: string): FleuveError {
  return new FleuveError(
    "FLEUVE_SOURCE_FAILED",
    `Nexmark event line is malformed (${why}): ${line.slice(0, 120)}`,
    {
      details: { line: line.slice(0, 200) },
    },
  );
}

function int(line: string, s: string | undefined): number {
  const v = Number(s);
  if (s === undefined || s === "" || !Number.isSafeInteger(v))
    throw bad(line, `not an integer: ${String(s)}`);
  return v;
}

/** Parses a line written by {@link renderEvent}; throws FLEUVE_SOURCE_FAILED on a malformed line. */
export function parseEvent(line: string): NexmarkEvent {
  const f = line.split(",");
  switch (f[0]) {
    case "B":
      if (f.length !== 8) throw bad(line, "a bid has 8 fields");
      return {
        type: "bid",
        auction: int(line, f[1]),
        bidder: int(line, f[2]),
        price: int(line, f[3]),
        channel: f[4]!,
        url: f[5]!,
        dateTime: int(line, f[6]),
        extra: f[7]!,
      };
    case "A":
      if (f.length !== 11) throw bad(line, "an auction has 11 fields");
      return {
        type: "auction",
        id: int(line, f[1]),
        itemName: f[2]!,
        description: f[3]!,
        initialBid: int(line, f[4]),
        reserve: int(line, f[5]),
        dateTime: int(line, f[6]),
        expires: int(line, f[7]),
        seller: int(line, f[8]),
        category: int(line, f[9]),
        extra: f[10]!,
      };
    case "P":
      if (f.length !== 9) throw bad(line, "a person has 9 fields");
      return {
        type: "person",
        id: int(line, f[1]),
        name: f[2]!,
        emailAddress: f[3]!,
        creditCard: f[4]!,
        city: f[5]!,
        state: f[6]!,
        dateTime: int(line, f[7]),
        extra: f[8]!,
      };
    default:
      throw bad(line, "the first field must be P, A or B");
  }
}
