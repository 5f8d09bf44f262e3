/**
 * The same job at parallelism 1 and 4 produces the same multiset of results, and both equal a
 * plain-JS oracle: a union of two event-time sources into a keyed process function with
 * event-time timers (per-key 10 ms windows), connected with a third keyed stream.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { runPipeline } from "../../src/testing/index.js";
import { build, canon, events, oracle } from "./union-connect-job.js";

test("a keyed job with timers, union and connect gives the same results at parallelism 1 and 4", {
  timeout: 60_000,
}, async () => {
  await fc.assert(
    fc.asyncProperty(
      events,
      events,
      events,
      fc.integer({ min: 1, max: 16 }),
      fc.integer({ min: 1, max: 4 }),
      async (a, b, c, batchSize, channelCapacity) => {
        const expected = canon(oracle(a, b, c));
        for (const parallelism of [1, 4]) {
          // Small batches and channels: more interleavings and more backpressure, same results.
          const run = await runPipeline(build(a, b, c), { parallelism, batchSize, channelCapacity });
          assert.deepEqual(canon(run.values), expected, `parallelism ${parallelism}`);
        }
      },
    ),
    { numRuns: 40 },
  );
});
