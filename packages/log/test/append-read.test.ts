// Append/read round trip: whatever batches are appended come back identical (offsets contiguous,
// keys/values/headers/timestamps intact), across segment rolls, pagination limits and a reopen.
import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import {
  type LogRecord,
  openLog,
  type Partition,
  type ProducerRecord,
  partitionForKey,
} from "../src/index.js";
import { manualClock, plain, tmpDir } from "./helpers.js";

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const recordArb: fc.Arbitrary<ProducerRecord> = fc.record({
  key: fc.option(bytes(24), { nil: null }),
  value: fc.option(bytes(300), { nil: null }),
  headers: fc.array(fc.tuple(fc.string({ maxLength: 8 }), bytes(16)), { maxLength: 3 }),
  timestamp: fc.integer({ min: 0, max: 2 ** 41 }),
});

function readAll(p: Partition, maxBytes: number, maxRecords: number): LogRecord[] {
  const out: LogRecord[] = [];
  let off = p.logStartOffset;
  while (off < p.logEndOffset) {
    const res = p.fetch(off, { maxBytes, maxRecords });
    assert.ok(res.nextOffset > off, "fetch makes progress");
    assert.ok(res.records.length <= maxRecords);
    for (const r of res.records)
      out.push({ ...r, key: r.key && Buffer.from(r.key), value: r.value && Buffer.from(r.value) });
    off = res.nextOffset;
  }
  return out;
}

test("random batches round-trip through append, fetch and reopen", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(recordArb, { minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 25 }),
      fc.integer({ min: 1, max: 5000 }),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 0, max: 2 ** 41 }),
      (batches, maxBytes, maxRecords, probeTs) => {
        const dir = tmpDir();
        let log = openLog({
          dir,
          defaultTopicConfig: { segmentBytes: 3000, indexIntervalBytes: 200, retentionMs: -1 },
        });
        const t = log.createTopic("t", { partitions: 1 });
        let expectedOffset = 0;
        for (const b of batches) {
          const [res] = t.append(b.map((r) => ({ ...r, partition: 0 })));
          assert.equal(res!.baseOffset, expectedOffset);
          assert.equal(res!.lastOffset, expectedOffset + b.length - 1);
          expectedOffset += b.length;
        }
        const expected = batches.flat();
        const check = () => {
          const p = log.topic("t").partition(0);
          assert.equal(p.logEndOffset, expected.length);
          const got = readAll(p, maxBytes, maxRecords);
          assert.deepEqual(
            got.map((r) => r.offset),
            expected.map((_, i) => i),
          );
          assert.deepEqual(got.map(plain), expected.map(plain));
          // Seek by timestamp equals the brute-force "first offset with timestamp >= t".
          for (const ts of [probeTs, expected[0]!.timestamp!, expected[expected.length - 1]!.timestamp!]) {
            const want = expected.findIndex((r) => r.timestamp! >= ts);
            assert.equal(p.offsetForTimestamp(ts), want < 0 ? null : want, `offsetForTimestamp(${ts})`);
          }
        };
        check();
        log.close();
        log = openLog({ dir });
        check();
        log.close();
      },
    ),
    { numRuns: 40 },
  );
});

test("fetch from every offset returns the suffix starting exactly there", () => {
  const dir = tmpDir();
  const log = openLog({ dir, defaultTopicConfig: { segmentBytes: 1500, indexIntervalBytes: 100 } });
  const t = log.createTopic("t");
  for (let i = 0; i < 40; i++) {
    t.append(Array.from({ length: (i % 4) + 1 }, (_, j) => ({ value: Buffer.from(`${i}-${j}`) })));
  }
  const p = t.partition(0);
  assert.ok(p.segments.length > 3, "several segments were rolled");
  const all = p.fetch(0, { maxBytes: 1 << 20 }).records.map((r) => r.value!.toString());
  assert.equal(all.length, p.logEndOffset);
  for (let off = 0; off < p.logEndOffset; off++) {
    const res = p.fetch(off, { maxRecords: 3 });
    assert.deepEqual(
      res.records.map((r) => r.value!.toString()),
      all.slice(off, off + 3),
    );
    assert.equal(res.records[0]!.offset, off);
  }
  assert.deepEqual(p.fetch(p.logEndOffset).records, []);
  assert.throws(() => p.fetch(p.logEndOffset + 1), { code: "FLEUVE_LOG_OFFSET_OUT_OF_RANGE" });
  assert.throws(() => p.fetch(-1), { code: "FLEUVE_LOG_OFFSET_OUT_OF_RANGE" });
  log.close();
});

test("keys are partitioned like Kafka; null keys stick to one partition per append and rotate", () => {
  const log = openLog({ dir: path.join(tmpDir(), "log") });
  const t = log.createTopic("keyed", { partitions: 5 });
  const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);
  t.append(keys.map((k) => ({ key: Buffer.from(k), value: Buffer.from(k) })));
  for (let p = 0; p < 5; p++) {
    for (const r of t.partition(p).fetch(0, { maxBytes: 1 << 20 }).records) {
      assert.equal(partitionForKey(r.key!, 5), p);
    }
  }
  const before = t.partitions.map((p) => p.logEndOffset);
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = t.append([{ value: Buffer.from("a") }, { value: Buffer.from("b") }]);
    assert.equal(res.length, 1, "one partition per append call for null keys");
    seen.push(res[0]!.partition);
  }
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4], "sticky partition rotates round-robin");
  assert.deepEqual(
    t.partitions.map((p, i) => p.logEndOffset - before[i]!),
    [2, 2, 2, 2, 2],
  );
  log.close();
});

test("the active segment rolls by size and by time (segmentMs, wall clock)", () => {
  const clock = manualClock();
  const log = openLog({ dir: tmpDir(), clock: clock.now });
  const t = log.createTopic("t", { config: { segmentMs: 1000, segmentBytes: 10_000, retentionMs: -1 } });
  const p = t.partition(0);
  t.append([{ value: Buffer.alloc(10) }]);
  clock.advance(999);
  t.append([{ value: Buffer.alloc(10) }]);
  assert.equal(p.segments.length, 1, "not yet");
  clock.advance(1);
  t.append([{ value: Buffer.alloc(10) }]);
  assert.equal(p.segments.length, 2, "rolled after segmentMs");
  assert.equal(p.active.baseOffset, 2);
  // Old record timestamps do not cause rolls: only the wall clock counts.
  t.append([{ value: Buffer.alloc(10), timestamp: 0 }]);
  assert.equal(p.segments.length, 2);
  // Size: a batch that would overflow segmentBytes goes to a new segment.
  t.append([{ value: Buffer.alloc(9_000) }]);
  t.append([{ value: Buffer.alloc(2_000) }]);
  assert.equal(p.segments.length, 3);
  assert.ok(p.segments.every((s) => s.size <= 10_000));
  log.close();
});
