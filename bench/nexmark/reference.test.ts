import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { canonicalFile, euroFromDollarPrice, renderRow } from "./canonical.js";
import { multisetDiff } from "./compare.js";
import type { NexmarkEvent } from "./events.js";
import { NexmarkGenerator } from "./generator.js";
import { REFERENCE_QUERIES, referenceQ13, referenceQuery } from "./reference.js";

/**
 * Rows and SHA-256 of the canonical result files Flink 1.20.3 wrote for seed 42, 20 000 events,
 * 500 events/s (40 s of event time), parallelism 1 and 2 alike:
 *   bench/flink/run.sh query --query all --events 20000 --seed 42 --rate 500
 */
const FLINK_SEED42_N20000_RATE500: Record<string, [number, string]> = {
  q0: [18400, "0e475bec0e25c80b15bd56338cc2c2e76927b5536833a9d16cfd0bd70bcdff6b"],
  q1: [18400, "a0f8ba2580d565a1e01978187e37142f528580a0f12050c5733c683eff564955"],
  q2: [53, "325e99a58dc826e0ff65ba47261b944d417bd03c25b072e51de0d095d6862b3c"],
  q3: [166, "3408ab0665a2d758dfc73f619d96cd5807e556e5a747d6953d2cf8fb8da86409"],
  q4: [5, "b7cb2a87a37a7d0452665ee1ee4c5383d9ea0e8e988244a2e847c742533a6c91"],
  q5: [24, "d4f59d690b08b0e9dd8b79d62397bb37580e552c94fc8472059e7e10d49ec560"],
  q7: [4, "057cc6875b1ff81b14abb298a6d4605cb98237beb275b48591654e3ddf6721e3"],
  q8: [95, "0d78400fe95ebe7134b5f1cc12791bd3e937e341c03296e66e6137c44c5ae763"],
  q9: [1111, "51e1cbba9a3186087c70ef56babf504da5cc605398d9a3122a94cb33a49524ff"],
  q11: [401, "1dcb0406f5693099f9734adcf9d2a3b602e3b157cd0db3f3780303aab50e36e5"],
  // bench/nexmark/sql/q13.sql, its side input rows `i,i` for i < 10 000 (SideInput.java).
  q13: [18400, "8c38db25848ab0f76ba5dc524e0c1f0704d57e0da9214d56417ad109b61d978e"],
};

const B = 1_704_067_200_000;

/** Hand-made events at the edges of the semantics (the same file was run through Flink). */
function edgeEvents(): NexmarkEvent[] {
  const ev: NexmarkEvent[] = [];
  const person = (id: number, t: number, state: string) =>
    ev.push({
      type: "person",
      id,
      name: "Kate Smith",
      emailAddress: "ab@cd.com",
      creditCard: "0000 1111 2222 3333",
      city: "Bend",
      state,
      dateTime: B + t,
      extra: "x",
    });
  const auction = (id: number, t: number, exp: number, seller: number, category: number) =>
    ev.push({
      type: "auction",
      id,
      itemName: "item",
      description: "desc",
      initialBid: 100,
      reserve: 200,
      dateTime: B + t,
      expires: B + exp,
      seller,
      category,
      extra: "y",
    });
  const bid = (auction: number, bidder: number, price: number, t: number, extra = "e") =>
    ev.push({
      type: "bid",
      auction,
      bidder,
      price,
      channel: "Google",
      url: "https://www.nexmark.com/a/b/c/item.htm?query=1",
      dateTime: B + t,
      extra,
    });
  person(1000, 0, "CA");
  person(1001, 0, "WA");
  person(1002, 9999, "OR");
  person(1003, 10000, "ID");
  auction(1000, 0, 3000, 1000, 10);
  auction(1001, 5, 6000, 1001, 11);
  auction(1002, 9999, 15000, 1002, 10);
  auction(1003, 10001, 20000, 1002, 12);
  auction(1004, 12000, 12000, 1003, 10);
  // q4/q9: bids at the auction's start and at its expiry count, one after expiry does not; ties.
  bid(1000, 2000, 500, 0, "b");
  bid(1000, 2001, 500, 0, "a");
  bid(1000, 2002, 900, 3001);
  bid(1000, 2003, 400, 3000);
  bid(1001, 2000, 700, 6000);
  bid(1001, 2004, 700, 5999);
  bid(1002, 2005, 300, 9999);
  bid(1003, 2000, 800, 10001);
  bid(1004, 2006, 100, 12000);
  bid(1004, 2007, 100, 12001);
  // q7: a bid exactly at a window end matches both windows when it is both maxima.
  bid(1005, 2008, 5000, 5000);
  bid(1006, 2009, 5000, 10000);
  bid(1007, 2010, 4000, 15000);
  // q11: bids exactly 10 000 ms apart share a session, 10 001 ms apart do not.
  bid(1008, 3000, 1, 20000);
  bid(1008, 3000, 1, 30000);
  bid(1008, 3000, 1, 40001);
  bid(1008, 3000, 1, 50001);
  bid(1009, 3001, 1, 41000);
  bid(1010, 3002, 1, 41001);
  return ev.sort((x, y) => x.dateTime - y.dateTime);
}

function lines(q: (typeof REFERENCE_QUERIES)[number], events: NexmarkEvent[]): string[] {
  return canonicalFile(referenceQuery(q, events).map(renderRow))
    .split("\n")
    .filter((l) => l !== "");
}

describe("nexmark reference queries", () => {
  it("reproduce Flink's result files for seed 42, 20 000 events", () => {
    const events = [...new NexmarkGenerator({ seed: 42, events: 20_000, eventsPerSecond: 500 })];
    const sideInput = Array.from({ length: 10_000 }, (_, i) => [i, String(i)] as const);
    for (const q of [...REFERENCE_QUERIES, "q13" as const]) {
      const rows = q === "q13" ? referenceQ13(events, sideInput) : referenceQuery(q, events);
      const text = canonicalFile(rows.map(renderRow));
      const [count, sha] = FLINK_SEED42_N20000_RATE500[q]!;
      assert.equal(text.split("\n").length - 1, count, `${q} rows`);
      assert.equal(createHash("sha256").update(text, "latin1").digest("hex"), sha, `${q} result hash`);
    }
  });

  it("match Flink at the edges: inclusive BETWEEN, window ends, touching sessions, ties", () => {
    const ev = edgeEvents();
    const t = (ms: number) => String(B + ms);
    assert.deepEqual(lines("q4", ev), ["10,300", "11,700", "12,800"]);
    assert.deepEqual(lines("q7", ev), [
      `1005,5000,2008,${t(5000)},e`,
      `1006,5000,2009,${t(10000)},e`,
      `1006,5000,2009,${t(10000)},e`,
      `1008,1,3000,${t(20000)},e`,
      `1008,1,3000,${t(30000)},e`,
      `1008,1,3000,${t(30000)},e`,
      `1008,1,3000,${t(40001)},e`,
      `1008,1,3000,${t(50001)},e`,
      `1009,1,3001,${t(41000)},e`,
      `1010,1,3002,${t(41001)},e`,
    ]);
    const q11 = lines("q11", ev);
    assert.ok(q11.includes(`2000,3,${t(0)},${t(20001)}`));
    assert.ok(q11.includes(`3000,2,${t(20000)},${t(40000)}`));
    assert.ok(q11.includes(`3000,2,${t(40001)},${t(60001)}`));
    assert.equal(q11.length, 15);
    const q9 = lines("q9", ev);
    assert.equal(q9.length, 5);
    assert.equal(q9[0], `1000,item,desc,100,200,${t(0)},${t(3000)},1000,10,y,1000,2000,500,${t(0)},b`);
    assert.equal(q9[1], `1001,item,desc,100,200,${t(5)},${t(6000)},1001,11,y,1001,2004,700,${t(5999)},e`);
    assert.deepEqual(lines("q3", ev), [
      "Kate Smith,Bend,CA,1000",
      "Kate Smith,Bend,ID,1004",
      "Kate Smith,Bend,OR,1002",
    ]);
    assert.equal(lines("q5", ev).length, 43);
    assert.equal(lines("q8", ev).length, 4);
  });

  it("render q1's euro price exactly, with three decimals", () => {
    assert.equal(euroFromDollarPrice(1), "0.908");
    assert.equal(euroFromDollarPrice(100), "90.800");
    assert.equal(euroFromDollarPrice(1840), "1670.720");
    assert.equal(euroFromDollarPrice(99_999_900), "90799909.200");
  });

  it("compare finds multiset differences, ignoring order", () => {
    assert.deepEqual(multisetDiff(["a", "b", "b"], ["b", "a", "b"]), { onlyA: [], onlyB: [] });
    assert.deepEqual(multisetDiff(["a", "b", "b"], ["b", "c"]), { onlyA: ["a", "b"], onlyB: ["c"] });
  });
});
