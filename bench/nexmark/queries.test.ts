/**
 * The Fleuve Nexmark queries against the reference implementation (reference.ts, itself checked
 * against Flink's output): every query, 50 000 events, parallelism 1 and 2, exactly the same
 * multiset of canonical rows. Two event rates: the default (5 s of event time) and 500 events/s
 * (100 s: many windows, sessions that close, auctions that expire). q12 runs on processing time:
 * only the shape of its rows is checked.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualProcessingTime, StreamExecutionEnvironment } from "@fleuve/core";
import { renderRow } from "./canonical.js";
import { multisetDiff } from "./compare.js";
import type { NexmarkConfig } from "./config.js";
import { nexmarkStream } from "./fleuve-source.js";
import { NexmarkGenerator } from "./generator.js";
import { FLEUVE_QUERIES, type FleuveQueryName } from "./queries/index.js";
import { REFERENCE_QUERIES, type ReferenceQuery, referenceQuery } from "./reference.js";

const EVENTS = 50_000;

async function runFleuve(
  query: FleuveQueryName,
  config: Partial<NexmarkConfig>,
  parallelism: number,
): Promise<string[]> {
  const env = StreamExecutionEnvironment.create({ parallelism });
  return FLEUVE_QUERIES[query](nexmarkStream(env, config)).executeAndCollect(`nexmark-${query}`);
}

for (const config of [
  { seed: 42, events: EVENTS },
  { seed: 7, events: EVENTS, eventsPerSecond: 500 },
] satisfies Partial<NexmarkConfig>[]) {
  describe(`Fleuve Nexmark queries = reference (${JSON.stringify(config)})`, () => {
    const events = [...new NexmarkGenerator(config)];
    const expected = new Map<ReferenceQuery, string[]>();
    for (const q of REFERENCE_QUERIES) expected.set(q, referenceQuery(q, events).map(renderRow));

    for (const q of REFERENCE_QUERIES) {
      for (const parallelism of [1, 2]) {
        it(`${q}, parallelism ${parallelism}`, async () => {
          const want = expected.get(q)!;
          const got = await runFleuve(q, config, parallelism);
          const { onlyA, onlyB } = multisetDiff(want, got);
          assert.deepEqual(
            { missing: onlyA.slice(0, 5), extra: onlyB.slice(0, 5), rows: got.length },
            { missing: [], extra: [], rows: want.length },
          );
          // The check must have teeth: the reference finds rows for every query at this size.
          assert.ok(want.length > 0, `${q}: the reference has no rows`);
        });
      }
    }
  });
}

describe("Fleuve Nexmark q12 (processing time): row shape", () => {
  for (const parallelism of [1, 2]) {
    it(`parallelism ${parallelism}`, async () => {
      // A manual clock that moves 10 s every 1000 events (moved by the source's chain, between
      // records of the window operator's task): windows fire during the run, deterministically.
      const clock = new ManualProcessingTime(1_704_067_200_000);
      const env = StreamExecutionEnvironment.create({ parallelism, processingTime: clock });
      let seen = 0;
      const events = nexmarkStream(env, { seed: 42, events: 20_000 }).map((e) => {
        if (++seen % 1000 === 0) clock.advanceTo(clock.now() + 10_000);
        return e;
      });
      const rows = await FLEUVE_QUERIES.q12(events).executeAndCollect("nexmark-q12");
      let counted = 0;
      for (const r of rows) {
        const m = /^(\d+),(\d+),(\d+),(\d+)$/.exec(r);
        assert.ok(m, `bad q12 row ${r}`);
        const [, bidder, count, start, end] = m.map(Number) as [number, number, number, number, number];
        assert.equal(end - start, 10_000, r);
        assert.equal(start % 10_000, 0, r);
        assert.ok(count >= 1 && bidder >= 1000, r);
        counted += count;
      }
      assert.ok(rows.length > 0, "no q12 window fired");
      assert.ok(counted <= 20_000 * 0.92, `q12 counted ${counted} bids, more than the stream has`);
    });
  }
});
