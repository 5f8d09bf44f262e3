/**
 * Keyed state bytes of the LMDB backend (the `keyedStateSizeBytes` metric): exact, from LMDB's
 * page statistics, so at least the bytes of the values written back and growing with them.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type KeyedProcessFunction,
  StreamExecutionEnvironment,
  type ValueState,
  valueState,
} from "@fleuve/core";
import { lmdbStateBackend } from "../src/index.js";

test("the LMDB backend's state bytes cover its values: 40 keys of 1000 characters take at least 40 kB", async () => {
  const keys = 40;
  const payload = 1000;
  const holding: KeyedProcessFunction<number, number, never> & { s?: ValueState<string> } = {
    open(ctx) {
      this.s = ctx.getState(valueState<string>("payload"));
    },
    processElement(k) {
      this.s!.update(String.fromCharCode(97 + (k % 26)).repeat(payload));
    },
  };
  const dir = mkdtempSync(join(tmpdir(), "fleuve-lmdb-size-"));
  // a cache of 2 entries: nearly every value is written back to LMDB as the job runs
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    stateBackend: lmdbStateBackend({ dir, cacheEntries: 2 }),
  });
  env
    .fromGenerator<number>((i) => i % keys, { count: Number.POSITIVE_INFINITY, ratePerSecond: 400 })
    .keyBy((k) => k)
    .process(holding)
    .name("Holding");
  const client = env.executeAsync("lmdb-size");
  let seen = 0;
  const deadline = Date.now() + 180_000;
  try {
    // sampled while the job runs (the backend is disposed when it ends)
    while (seen < (keys - 2) * payload) {
      assert.ok(Date.now() < deadline, `state bytes stayed at ${seen}`);
      const op = client.snapshot().operators.find((o) => o.operatorName === "Holding");
      const bytes = op?.gauges.keyedStateSizeBytes;
      if (bytes !== undefined && Number.isFinite(bytes)) seen = Math.max(seen, bytes);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    client.cancel();
    await client.result.catch(() => {});
  }
  // all but the 2 cached entries are in LMDB's pages, in whole pages of at least their bytes;
  // and not wildly more: 40 values fit in under 4x their size of 4 kB pages
  assert.ok(seen >= (keys - 2) * payload && seen <= 4 * keys * payload, `${seen} bytes`);
});
