// Retention deletes whole old segments by size or by time, keeps the suffix intact, and never
// renumbers offsets.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { openLog } from "../src/index.js";
import { manualClock, tmpDir } from "./helpers.js";

test("size retention deletes oldest segments until the partition fits, keeping the exact suffix", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 5, maxLength: 60 }),
      fc.integer({ min: 500, max: 5000 }),
      (batchSizes, retentionBytes) => {
        const log = openLog({
          dir: tmpDir(),
          defaultTopicConfig: { segmentBytes: 800, retentionBytes, retentionMs: -1 },
        });
        const t = log.createTopic("t");
        const all: string[] = [];
        for (const n of batchSizes) {
          const first = all.length;
          const vals = Array.from({ length: n }, (_, i) => `v${first + i}`);
          all.push(...vals);
          t.append(vals.map((v) => ({ value: Buffer.from(v) })));
        }
        log.enforceRetention();
        const p = t.partition(0);
        assert.ok(
          p.segments.length === 1 || p.sizeInBytes - p.segments[0]!.size < retentionBytes,
          "no further segment could be deleted",
        );
        assert.equal(p.logEndOffset, all.length);
        const got = p.fetch(p.logStartOffset, { maxBytes: 1 << 24 }).records;
        assert.deepEqual(
          got.map((r) => r.value!.toString()),
          all.slice(p.logStartOffset),
        );
        if (p.logStartOffset > 0) {
          assert.throws(() => p.fetch(p.logStartOffset - 1), { code: "FLEUVE_LOG_OFFSET_OUT_OF_RANGE" });
        }
        log.close();
      },
    ),
    { numRuns: 40 },
  );
});

test("time retention deletes segments whose newest record is older than retentionMs", () => {
  const clock = manualClock();
  const dir = tmpDir();
  const log = openLog({
    dir,
    clock: clock.now,
    defaultTopicConfig: { segmentBytes: 400, retentionMs: 10_000 },
  });
  const t = log.createTopic("t");
  const stamps: number[] = [];
  for (let i = 0; i < 200; i++) {
    clock.advance(100);
    stamps.push(clock.now());
    t.append([{ value: Buffer.from(`r${i}`), timestamp: clock.now() }]);
  }
  const p = t.partition(0);
  clock.advance(5_000);
  log.enforceRetention();
  const horizon = clock.now() - 10_000;
  const start = p.logStartOffset;
  assert.ok(start > 0, "something expired");
  // Everything newer than the horizon survives; every deleted record was older than it.
  assert.ok(stamps.slice(0, start).every((s) => s < horizon));
  const first = stamps.findIndex((s) => s >= horizon);
  assert.ok(start <= first);
  // Only whole segments go: the first kept segment has a record newer than the horizon.
  assert.ok(p.segments[0]!.maxTimestamp >= horizon);
  const got = p.fetch(start, { maxBytes: 1 << 22 }).records.map((r) => r.value!.toString());
  assert.deepEqual(
    got,
    stamps.slice(start).map((_, i) => `r${start + i}`),
  );
  // Once everything is old, the partition empties but keeps its offsets.
  clock.advance(60_000);
  log.enforceRetention();
  assert.equal(p.logStartOffset, 200);
  assert.equal(p.logEndOffset, 200);
  assert.deepEqual(p.fetch(200).records, []);
  const [r] = t.append([{ value: Buffer.from("new") }]);
  assert.equal(r!.baseOffset, 200);
  log.close();
  const again = openLog({ dir, clock: clock.now });
  assert.equal(again.topic("t").partition(0).logStartOffset, 200);
  assert.deepEqual(
    again
      .topic("t")
      .partition(0)
      .fetch(200)
      .records.map((x) => x.value!.toString()),
    ["new"],
  );
  again.close();
});
