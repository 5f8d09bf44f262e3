import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isFleuveError } from "@fleuve/core";
import { maxOutOfOrdernessMs, resolveConfig } from "./config.js";
import { parseEvent, renderEvent } from "./csv.js";
import type { Auction, Bid, NexmarkEvent, Person } from "./events.js";
import { NexmarkGenerator } from "./generator.js";
import { streamHash } from "./hash.js";
import { eventState, fmix32, mixSeed, NexmarkRng } from "./rng.js";

/** Computed once with the Java twin (bench/flink: ./run.sh generate --events 10000 --seed 42). */
const GOLDEN_SEED42_N10000 = "0ccfe809568ad1d933ee9424b0e4915069e274909f25b573ad6ad80ee2fc53dd";

function all(gen: NexmarkGenerator): NexmarkEvent[] {
  return [...gen];
}

describe("nexmark rng", () => {
  it("produces the fixed values the Java twin also checks", () => {
    const r = new NexmarkRng(0);
    assert.deepEqual([r.next(), r.next(), r.next()], [2462723854, 1020716019, 454327756]);
    assert.equal(fmix32(1), 1364076727);
    assert.equal(mixSeed(42), -1197814187);
    assert.equal(eventState(mixSeed(42), 2 ** 32 + 5), 884285584);
  });

  it("nextInt stays in range", () => {
    const r = new NexmarkRng(7);
    for (const n of [1, 2, 3, 13, 1000, 2 ** 31, 2 ** 32]) {
      for (let i = 0; i < 200; i++) {
        const v = r.nextInt(n);
        assert.ok(Number.isInteger(v) && v >= 0 && v < n, `${v} not in [0, ${n})`);
      }
    }
  });
});

describe("nexmark generator", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = streamHash(new NexmarkGenerator({ seed: 7, events: 5000 }));
    const b = streamHash(new NexmarkGenerator({ seed: 7, events: 5000 }));
    const c = streamHash(new NexmarkGenerator({ seed: 8, events: 5000 }));
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it("matches the golden hash shared with the Java generator (seed 42, 10000 events)", () => {
    assert.equal(streamHash(new NexmarkGenerator({ seed: 42, events: 10_000 })), GOLDEN_SEED42_N10000);
  });

  it("generates any range of positions on its own, equal to the full stream", () => {
    const gen = new NexmarkGenerator({ seed: 3, events: 3000, outOfOrderGroupSize: 77 });
    const full = all(gen).map(renderEvent);
    const other = new NexmarkGenerator({ seed: 3, events: 3000, outOfOrderGroupSize: 77 });
    const part = [...other.events(1234, 2345)].map(renderEvent);
    assert.deepEqual(part, full.slice(1234, 2345));
  });

  it("keeps the proportions person:auction:bid = 1:3:46", () => {
    const n = 50 * 1000;
    const counts = { person: 0, auction: 0, bid: 0 };
    for (const e of new NexmarkGenerator({ seed: 1, events: n })) counts[e.type]++;
    assert.deepEqual(counts, { person: n / 50, auction: (3 * n) / 50, bid: (46 * n) / 50 });
  });

  it("numbers people and auctions consecutively from 1000 and categories from 10", () => {
    const n = 50 * 400;
    const events = all(new NexmarkGenerator({ seed: 5, events: n }));
    const people = events.filter((e): e is Person => e.type === "person").map((p) => p.id);
    const auctions = events.filter((e): e is Auction => e.type === "auction");
    const sortedPeople = [...people].sort((x, y) => x - y);
    assert.deepEqual(
      sortedPeople,
      Array.from({ length: n / 50 }, (_, i) => 1000 + i),
    );
    assert.deepEqual(
      auctions.map((a) => a.id).sort((x, y) => x - y),
      Array.from({ length: (3 * n) / 50 }, (_, i) => 1000 + i),
    );
    const categories = new Set(auctions.map((a) => a.category));
    assert.deepEqual([...categories].sort(), [10, 11, 12, 13, 14]);
    const maxPerson = 1000 + n / 50 - 1;
    const maxAuction = 1000 + (3 * n) / 50 - 1;
    for (const a of auctions) {
      assert.ok(a.seller >= 1000 && a.seller <= maxPerson + 10, `seller ${a.seller}`);
      assert.ok(a.expires > a.dateTime, "an auction expires after it starts");
      assert.ok(a.reserve >= a.initialBid && a.initialBid >= 100 && a.initialBid <= 99_999_900);
    }
    for (const e of events) {
      if (e.type !== "bid") continue;
      assert.ok(e.auction >= 1000 && e.auction <= maxAuction + 10, `auction ${e.auction}`);
      assert.ok(e.bidder >= 1000 && e.bidder <= maxPerson + 10, `bidder ${e.bidder}`);
      assert.ok(e.price >= 100 && e.price <= 99_999_900, `price ${e.price}`);
    }
  });

  it("skews bids, bidders and sellers to the hot ids as the ratios say", () => {
    const n = 50 * 4000;
    const events = all(new NexmarkGenerator({ seed: 11, events: n }));
    const bids = events.filter((e): e is Bid => e.type === "bid");
    const auctions = events.filter((e): e is Auction => e.type === "auction");
    const frac = <T>(xs: T[], p: (x: T) => boolean) => xs.filter(p).length / xs.length;
    // hotAuctionRatio 2: half the bids go to the hot auction (base-0 id a multiple of 100),
    // hotBiddersRatio 4 / hotSellersRatio 4: three quarters to the hot person.
    const hotAuction = frac(bids, (b) => (b.auction - 1000) % 100 === 0);
    const hotBidder = frac(bids, (b) => (b.bidder - 1000) % 100 === 1);
    const hotSeller = frac(auctions, (a) => (a.seller - 1000) % 100 === 0);
    assert.ok(hotAuction > 0.49 && hotAuction < 0.53, `hot auction share ${hotAuction}`);
    assert.ok(hotBidder > 0.74 && hotBidder < 0.77, `hot bidder share ${hotBidder}`);
    assert.ok(hotSeller > 0.73 && hotSeller < 0.78, `hot seller share ${hotSeller}`);
    // Skew also shows as concentration: the top auction gets far more than a fair share of bids.
    const perAuction = new Map<number, number>();
    for (const b of bids) perAuction.set(b.auction, (perAuction.get(b.auction) ?? 0) + 1);
    const top = Math.max(...perAuction.values());
    assert.ok(top > (bids.length / perAuction.size) * 20, `top auction has ${top} bids`);
  });

  it("sets event time from the rate and bounds the out-of-orderness as configured", () => {
    for (const [group, rate, events] of [
      [1, 10_000, 5000],
      [1000, 10_000, 7777],
      [77, 333, 5000],
      [10, 7, 1234],
    ] as const) {
      const gen = new NexmarkGenerator({
        seed: 2,
        events,
        outOfOrderGroupSize: group,
        eventsPerSecond: rate,
      });
      const bound = maxOutOfOrdernessMs(gen.config);
      let maxSeen = -Infinity;
      let worst = 0;
      const seen = new Set<number>();
      for (let i = 0; i < events; i++) {
        const k = gen.eventNumberAt(i);
        seen.add(k);
        const ts = gen.eventAt(i).dateTime;
        assert.equal(ts, gen.config.baseTime + Math.floor((k * 1000) / rate));
        worst = Math.max(worst, maxSeen - ts);
        maxSeen = Math.max(maxSeen, ts);
      }
      assert.equal(seen.size, events, "positions map to distinct event numbers");
      assert.ok(Math.max(...seen) === events - 1);
      assert.ok(worst <= bound, `group ${group}: lateness ${worst} > bound ${bound}`);
      if (group === 1) assert.equal(worst, 0);
      // The shuffle does not always put a group's last event first, so the bound is not always
      // reached, but it must not be far off either (else the watermark lags for nothing).
      else assert.ok(worst > 0 && worst >= bound / 2, `group ${group}: bound ${bound} is loose (${worst})`);
    }
  });

  it("round-trips through the CSV line format, and strings never need quoting", () => {
    for (const e of new NexmarkGenerator({ seed: 9, events: 3000 })) {
      const line = renderEvent(e);
      assert.ok(!/[\n\r"]/.test(line));
      assert.deepEqual(parseEvent(line), e);
      for (const v of Object.values(e)) if (typeof v === "string") assert.ok(!v.includes(","));
    }
  });

  it("pads events with extra text of the Nexmark size rule (average minus fixed size, +-20 %)", () => {
    let sum = 0;
    let count = 0;
    let min = Infinity;
    let max = 0;
    for (const e of new NexmarkGenerator({ seed: 4, events: 50 * 400 })) {
      if (e.type !== "bid") continue;
      sum += e.extra.length;
      count++;
      min = Math.min(min, e.extra.length);
      max = Math.max(max, e.extra.length);
    }
    // Bids count 32 bytes of fixed fields against avgBidByteSize 100: 68 +- 14.
    assert.ok(Math.abs(sum / count - 68) < 1, `mean bid extra ${sum / count}`);
    assert.equal(min, 68 - 14);
    assert.equal(max, 68 + 14);
    const big = [
      ...new NexmarkGenerator({ seed: 4, events: 500, avgAuctionByteSize: 1000, avgPersonByteSize: 0 }),
    ];
    for (const e of big) {
      if (e.type === "person") assert.equal(e.extra, "");
      if (e.type === "auction") {
        const fixed = 8 + e.itemName.length + e.description.length + 40;
        const avg = 1000 - fixed;
        const delta = Math.round(avg * 0.2);
        assert.ok(Math.abs(e.extra.length - avg) <= delta, `auction extra ${e.extra.length} vs ${avg}`);
      }
    }
  });

  it("rejects invalid options with FLEUVE_CONFIG_INVALID naming the option", () => {
    for (const bad of [
      { seed: -1 },
      { seed: 2 ** 32 },
      { events: 1.5 },
      { eventsPerSecond: 0 },
      { outOfOrderGroupSize: 953 * 2 },
      { hotAuctionRatio: 0 },
    ]) {
      assert.throws(
        () => resolveConfig(bad),
        (err: unknown) =>
          isFleuveError(err, "FLEUVE_CONFIG_INVALID") && err.message.includes(Object.keys(bad)[0]!),
      );
    }
  });
});
