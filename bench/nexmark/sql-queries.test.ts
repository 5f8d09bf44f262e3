/**
 * The Nexmark SQL scripts (bench/nexmark/sql, the very text Flink runs) on Fleuve, without Flink:
 * each query's final table equals the reference implementation (reference.ts, itself checked
 * against Flink's output) for q0-q11 and q13 (its side input read back from the file the script
 * reads, by a plain split of each line), and a direct computation over the generated events for
 * q14-q22 (q18 and q19, whose ties Flink breaks in arrival order, by the invariants that hold
 * whatever the ties). q12 runs on processing time: q12-proctime.test.ts runs its SQL on a manual
 * clock.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { euroFromDollarPrice, renderRow } from "./canonical.js";
import { multisetDiff } from "./compare.js";
import type { Bid, NexmarkEvent } from "./events.js";
import { nexmarkStream } from "./fleuve-source.js";
import { NexmarkGenerator } from "./generator.js";
import { REFERENCE_QUERIES, type ReferenceQuery, referenceQ13, referenceQuery } from "./reference.js";
import {
  changelogLine,
  foldChangelog,
  planNexmarkSql,
  sqlQueryNames,
  writeSideInput,
} from "./sql-queries.js";

const CONFIG = { seed: 42, events: 20_000 };

/** q13's side input as the scripts get it: the file writeSideInput writes, split by hand. */
function sideInputRows(): [number, string][] {
  const file = join(mkdtempSync(join(tmpdir(), "nexmark-side-")), "side_input.csv");
  writeSideInput(file);
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [k, v] = l.split(",");
      return [Number(k), v as string];
    });
}

async function runSql(query: string, parallelism: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "nexmark-sql-"));
  const sideInput = join(dir, "side_input.csv");
  writeSideInput(sideInput);
  const env = StreamExecutionEnvironment.create({ parallelism });
  const table = await planNexmarkSql(env, nexmarkStream(env, CONFIG), query, sideInput);
  const line = changelogLine(table.columns);
  return foldChangelog(await table.toDataStream().map(line).executeAndCollect(`nexmark-sql-${query}`));
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const minute = (t: number) => new Date(t).toISOString().slice(11, 16);

/** The rank counts and distinct counts of q15/q16 over some bids. */
function stats(bs: readonly Bid[]): number[] {
  const ranks = [
    (p: number) => p < 10_000,
    (p: number) => p >= 10_000 && p < 1_000_000,
    (p: number) => p >= 1_000_000,
  ];
  const count = (f: (b: Bid) => unknown, pick: (b: Bid) => boolean) => new Set(bs.filter(pick).map(f)).size;
  const all = () => true;
  return [
    bs.length,
    ...ranks.map((r) => bs.filter((b) => r(b.price)).length),
    count((b) => b.bidder, all),
    ...ranks.map((r) =>
      count(
        (b) => b.bidder,
        (b) => r(b.price),
      ),
    ),
    count((b) => b.auction, all),
    ...ranks.map((r) =>
      count(
        (b) => b.auction,
        (b) => r(b.price),
      ),
    ),
  ];
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const g = m.get(key(x));
    if (g) g.push(x);
    else m.set(key(x), [x]);
  }
  return m;
}

/** q14-q22 computed directly over the events, as canonical lines. */
function directQuery(query: string, events: readonly NexmarkEvent[]): string[] {
  const bids = events.filter((e): e is Bid => e.type === "bid");
  const hour = (t: number) => new Date(t).getUTCHours();
  switch (query) {
    case "q14":
      return bids
        .filter((b) => b.price * 908 > 1_000_000_000 && b.price * 908 < 50_000_000_000)
        .map((b) => {
          const h = hour(b.dateTime);
          const type = h >= 8 && h <= 18 ? "dayTime" : h <= 6 || h >= 20 ? "nightTime" : "otherTime";
          const cs = [...b.extra].filter((c) => c === "c").length;
          return renderRow([
            b.auction,
            b.bidder,
            euroFromDollarPrice(b.price),
            type,
            b.dateTime,
            b.extra,
            cs,
          ]);
        });
    case "q15":
      return [...groupBy(bids, (b) => day(b.dateTime))].map(([d, bs]) => renderRow([d, ...stats(bs)]));
    case "q16":
      return [...groupBy(bids, (b) => `${b.channel}\u0000${day(b.dateTime)}`)].map(([k, bs]) => {
        const [channel, d] = k.split("\u0000") as [string, string];
        const maxMinute = bs
          .map((b) => minute(b.dateTime))
          .sort()
          .pop() as string;
        return renderRow([channel, d, maxMinute, ...stats(bs)]);
      });
    case "q17":
      return [...groupBy(bids, (b) => `${b.auction}\u0000${day(b.dateTime)}`)].map(([k, bs]) => {
        const [auction, d] = k.split("\u0000") as [string, string];
        const prices = bs.map((b) => b.price);
        const sum = prices.reduce((x, y) => x + y, 0);
        const [, r1, r2, r3] = stats(bs);
        return renderRow([
          auction,
          d,
          bs.length,
          r1 as number,
          r2 as number,
          r3 as number,
          Math.min(...prices),
          Math.max(...prices),
          Math.trunc(sum / bs.length),
          sum,
        ]);
      });
    case "q20": {
      const auctions = new Map(events.flatMap((e) => (e.type === "auction" ? [[e.id, e] as const] : [])));
      return bids.flatMap((b) => {
        const a = auctions.get(b.auction);
        if (a === undefined || a.category !== 10) return [];
        return [
          renderRow([
            b.auction,
            b.bidder,
            b.price,
            b.channel,
            b.url,
            b.dateTime,
            b.extra,
            a.itemName,
            a.description,
            a.initialBid,
            a.reserve,
            a.dateTime,
            a.expires,
            a.seller,
            a.category,
            a.extra,
          ]),
        ];
      });
    }
    case "q21": {
      const ids: Record<string, string> = { apple: "0", google: "1", facebook: "2", baidu: "3" };
      return bids.flatMap((b) => {
        const fromUrl = /(&|^)channel_id=([^&]*)/.exec(b.url)?.[2];
        const id = ids[b.channel.toLowerCase()] ?? fromUrl;
        return id === undefined ? [] : [renderRow([b.auction, b.bidder, b.price, b.channel, id])];
      });
    }
    case "q22":
      return bids.map((b) => {
        const parts = b.url.split("/");
        const dir = (i: number) => parts[i] ?? "null";
        return renderRow([b.auction, b.bidder, b.price, b.channel, dir(3), dir(4), dir(5)]);
      });
    default:
      throw new Error(`no direct computation of ${query}`);
  }
}

describe(`Nexmark SQL scripts on Fleuve (${JSON.stringify(CONFIG)})`, () => {
  const events = [...new NexmarkGenerator(CONFIG)];
  const names = sqlQueryNames().filter((q) => q !== "q12");
  it("the scripts are the suite's queries", () => {
    assert.deepEqual(names, [
      ...REFERENCE_QUERIES,
      "q13",
      "q14",
      "q15",
      "q16",
      "q17",
      "q18",
      "q19",
      "q20",
      "q21",
      "q22",
    ]);
  });
  for (const q of names) {
    if (q === "q18" || q === "q19") continue;
    for (const parallelism of q === "q5" || q === "q9" || q === "q13" || q === "q17" ? [1, 2] : [1]) {
      const reference = (REFERENCE_QUERIES as readonly string[]).includes(q) || q === "q13";
      it(`${q}, parallelism ${parallelism}: the final table equals ${reference ? "the reference" : "the direct computation"}`, async () => {
        const want =
          q === "q13"
            ? referenceQ13(events, sideInputRows()).map(renderRow)
            : reference
              ? referenceQuery(q as ReferenceQuery, events).map(renderRow)
              : directQuery(q, events);
        const got = await runSql(q, parallelism);
        const { onlyA, onlyB } = multisetDiff(want, got);
        assert.deepEqual(
          { missing: onlyA.slice(0, 3), extra: onlyB.slice(0, 3), rows: got.length },
          { missing: [], extra: [], rows: want.length },
        );
        assert.ok(want.length > 0, `${q}: no rows at this size`);
      });
    }
  }
  it("q18 keeps one bid per (bidder, auction), the latest one", async () => {
    const got = await runSql("q18", 1);
    const latest = new Map<string, number>();
    for (const b of events) {
      if (b.type !== "bid") continue;
      const k = `${b.auction},${b.bidder}`;
      latest.set(k, Math.max(latest.get(k) ?? 0, b.dateTime));
    }
    assert.equal(got.length, latest.size);
    for (const line of got) {
      const f = line.split(",");
      assert.equal(Number(f[5]), latest.get(`${f[0]},${f[1]}`), line);
    }
  });
  it("q19 keeps the ten highest bids of each auction, ranked 1 to 10", async () => {
    const got = await runSql("q19", 1);
    const prices = groupBy(
      events.filter((e): e is Bid => e.type === "bid"),
      (b) => String(b.auction),
    );
    let want = 0;
    for (const bs of prices.values()) want += Math.min(10, bs.length);
    assert.equal(got.length, want);
    for (const [auction, bs] of prices) {
      const top = bs
        .map((b) => b.price)
        .sort((x, y) => y - x)
        .slice(0, 10);
      const mine = got.filter((l) => l.startsWith(`${auction},`)).map((l) => l.split(","));
      assert.deepEqual(
        mine.map((f) => Number(f[2])).sort((x, y) => y - x),
        top,
        auction,
      );
      assert.deepEqual(
        mine.map((f) => Number(f[f.length - 1])).sort((x, y) => x - y),
        top.map((_, i) => i + 1),
      );
    }
  });
});

describe("changelogLine", () => {
  it("renders the kind, then each column: NULL as null, DECIMAL(p, s) with s decimals, any column name", () => {
    const columns = [
      { name: "id", type: { kind: "atomic", name: "BIGINT", args: [], notNull: false } },
      { name: 'a"b\\c`x\n', type: { kind: "atomic", name: "STRING", args: [], notNull: false } },
      { name: "price", type: { kind: "atomic", name: "DECIMAL", args: [23, 3], notNull: false } },
      { name: "missing", type: { kind: "atomic", name: "STRING", args: [], notNull: false } },
    ] as Parameters<typeof changelogLine>[0];
    const line = changelogLine(columns);
    const row = { id: 7, 'a"b\\c`x\n': "s,t", price: 1.5, missing: null };
    assert.equal(line(row), "+7,s,t,1.500,null");
    assert.equal(line({ ...row, $rowkind: "+U" }), "+7,s,t,1.500,null");
    assert.equal(line({ ...row, $rowkind: "-U" }), "-7,s,t,1.500,null");
    assert.equal(line({ ...row, $rowkind: "-D", price: "2.25" }), "-7,s,t,2.25,null");
    assert.equal(changelogLine([])({}), "+");
  });
});
