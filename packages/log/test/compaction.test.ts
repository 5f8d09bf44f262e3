// Compaction keeps exactly the last record per key (tombstones only until deleteRetentionMs), as a
// brute-force last-value-per-key oracle computes, and never changes offsets.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { openLog } from "../src/index.js";
import { manualClock, tmpDir } from "./helpers.js";

interface Op {
  key: number;
  value: string | null;
  age: number;
}

const D = 10_000;
const opArb: fc.Arbitrary<Op> = fc.record({
  key: fc.integer({ min: 0, max: 7 }),
  value: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: null, freq: 4 }),
  age: fc.integer({ min: 0, max: 2 * D }),
});

test("compaction equals the last-value-per-key oracle (with tombstone expiry), also after reopen", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(opArb, { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 0, max: 3 * D }),
      (batches, finalAdvance) => {
        const clock = manualClock();
        const dir = tmpDir();
        let log = openLog({ dir, clock: clock.now });
        const t = log.createTopic("c", {
          config: {
            cleanupPolicy: "compact",
            segmentBytes: 500,
            deleteRetentionMs: D,
            indexIntervalBytes: 64,
          },
        });
        const all: { offset: number; key: string; value: string | null; ts: number }[] = [];
        for (const batch of batches) {
          clock.advance(1000);
          const recs = batch.map((o) => ({
            key: Buffer.from(`key-${o.key}`),
            value: o.value === null ? null : Buffer.from(o.value),
            timestamp: clock.now() - o.age,
          }));
          const [r] = t.append(recs.map((x) => ({ ...x, partition: 0 })));
          for (let i = 0; i < recs.length; i++) {
            const x = recs[i]!;
            all.push({
              offset: r!.baseOffset + i,
              key: x.key.toString(),
              value: batch[i]!.value,
              ts: x.timestamp,
            });
          }
        }
        clock.advance(finalAdvance);
        log.compact("c");
        const p = t.partition(0);
        const boundary = p.active.baseOffset; // no transactions: every closed segment is cleanable
        const lastOffset = new Map<string, number>();
        for (const r of all) if (r.offset < boundary) lastOffset.set(r.key, r.offset);
        const expected = all.filter(
          (r) =>
            r.offset >= boundary ||
            (lastOffset.get(r.key) === r.offset && !(r.value === null && r.ts < clock.now() - D)),
        );
        const read = () =>
          log
            .topic("c")
            .partition(0)
            .fetch(0, { maxBytes: 1 << 24 })
            .records.map((r) => ({
              offset: r.offset,
              key: r.key!.toString(),
              value: r.value === null ? null : r.value.toString(),
              ts: r.timestamp,
            }));
        assert.deepEqual(read(), expected);
        assert.equal(p.logEndOffset, all.length);
        log.close();
        log = openLog({ dir, clock: clock.now });
        assert.deepEqual(read(), expected);
        assert.equal(log.topic("c").partition(0).logEndOffset, all.length);
        // Appends continue after the old end even when compaction emptied the tail of a segment.
        const [r] = log.topic("c").append([{ key: Buffer.from("key-0"), value: Buffer.from("z") }]);
        assert.equal(r!.baseOffset, all.length);
        log.close();
      },
    ),
    { numRuns: 30 },
  );
});

test("compacted topics reject null keys", () => {
  const log = openLog({ dir: tmpDir() });
  const t = log.createTopic("c", { config: { cleanupPolicy: "compact" } });
  assert.throws(() => t.append([{ value: Buffer.from("x") }]), { code: "FLEUVE_LOG_RECORD_INVALID" });
  log.close();
});
