// Crash recovery of the active segment: a torn or checksum-failing tail is cut off, never read as
// data, and appends continue at the right offset. Damage that is not at the tail is reported.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { type Log, openLog } from "../src/index.js";
import { tmpDir } from "./helpers.js";

function readValues(log: Log): string[] {
  const p = log.topic("t").partition(0);
  return p.fetch(p.logStartOffset, { maxBytes: 1 << 24 }).records.map((r) => r.value!.toString());
}

/** Appends batches of distinct values; returns the values and the file size after each batch. */
function fill(log: Log, sizes: number[]): { values: string[][]; ends: number[]; file: string } {
  const t = log.createTopic("t");
  const values: string[][] = [];
  const ends: number[] = [];
  sizes.forEach((n, b) => {
    const vals = Array.from({ length: n }, (_, i) => `b${b}-r${i}-${"x".repeat((b * 7 + i) % 50)}`);
    t.append(vals.map((v) => ({ key: Buffer.from(`k${b}`), value: Buffer.from(v) })));
    values.push(vals);
    ends.push(t.partition(0).active.size);
  });
  return { values, ends, file: t.partition(0).active.path(".log") };
}

test("truncating the active segment at any byte keeps exactly the complete batches", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 15 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (sizes, frac) => {
        const dir = tmpDir();
        let log = openLog({ dir });
        const { values, ends, file } = fill(log, sizes);
        log.close();
        const cut = Math.floor(frac * ends[ends.length - 1]!);
        fs.truncateSync(file, cut);
        log = openLog({ dir });
        const complete = ends.filter((e) => e <= cut).length;
        const expected = values.slice(0, complete).flat();
        assert.deepEqual(readValues(log), expected);
        assert.equal(fs.statSync(file).size, complete === 0 ? 0 : ends[complete - 1]);
        // Appends continue right after the last complete batch.
        const [r] = log.topic("t").append([{ value: Buffer.from("after") }]);
        assert.equal(r!.baseOffset, expected.length);
        log.close();
        log = openLog({ dir });
        assert.deepEqual(readValues(log), [...expected, "after"]);
        log.close();
      },
    ),
    { numRuns: 60 },
  );
});

test("garbage written after the last batch is dropped on reopen", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 8 }),
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      (sizes, garbage) => {
        const dir = tmpDir();
        let log = openLog({ dir });
        const { values, file } = fill(log, sizes);
        log.close();
        fs.appendFileSync(file, garbage);
        log = openLog({ dir });
        assert.deepEqual(readValues(log), values.flat());
        const [r] = log.topic("t").append([{ value: Buffer.from("next") }]);
        assert.equal(r!.baseOffset, values.flat().length);
        assert.deepEqual(readValues(log), [...values.flat(), "next"]);
        log.close();
      },
    ),
    { numRuns: 60 },
  );
});

test("a checksum failure in the last batch truncates it; in an earlier batch of the tail segment it is corruption", () => {
  const dir = tmpDir();
  let log = openLog({ dir });
  const { values, ends, file } = fill(log, [3, 3, 3]);
  log.close();
  const data = fs.readFileSync(file);
  // Flip a byte inside the last batch's records: its CRC fails, it is the tail, it goes.
  const flipped = Buffer.from(data);
  flipped[ends[1]! + 60]! ^= 0xff;
  fs.writeFileSync(file, flipped);
  log = openLog({ dir });
  assert.deepEqual(readValues(log), values.slice(0, 2).flat());
  log.close();
  // Flip a byte in the first batch while valid batches follow: not a torn write.
  const mid = fs.readFileSync(file);
  mid[60]! ^= 0xff;
  fs.writeFileSync(file, mid);
  assert.throws(() => openLog({ dir }), { code: "FLEUVE_LOG_CORRUPT" });
});

test("a checksum failure in an older segment is FLEUVE_LOG_CORRUPT on read, never returned as data", () => {
  const dir = tmpDir();
  let log = openLog({ dir, defaultTopicConfig: { segmentBytes: 600, retentionMs: -1 } });
  fill(log, [4, 4, 4, 4, 4, 4]);
  const p = log.topic("t").partition(0);
  assert.ok(p.segments.length >= 3);
  const oldFile = p.segments[0]!.path(".log");
  log.close();
  const data = fs.readFileSync(oldFile);
  data[70]! ^= 0x01;
  fs.writeFileSync(oldFile, data);
  log = openLog({ dir });
  assert.throws(() => readValues(log), { code: "FLEUVE_LOG_CORRUPT" });
  log.close();
});
