// murmur2 must match Kafka's Java Utils.murmur2 bit for bit, so keys land in the same partitions.
// The vectors in fixtures/murmur2-vectors.tsv were produced by running the Java implementation:
//   java packages/log/test/fixtures/Murmur2Vectors.java > packages/log/test/fixtures/murmur2-vectors.tsv
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { test } from "node:test";
import { crc32c } from "../src/crc32c.js";
import { murmur2, partitionForKey, toPositive } from "../src/index.js";

const rows = fs
  .readFileSync(new URL("./fixtures/murmur2-vectors.tsv", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((l) => l.split("\t"));

test("murmur2 matches Kafka's Java Utils.murmur2 on every vector", () => {
  assert.ok(rows.length >= 20);
  for (const [kind, input, hash, mod3, mod12] of rows) {
    const bytes = kind === "hex" ? Buffer.from(input!, "hex") : Buffer.from(input!, "utf8");
    assert.equal(murmur2(bytes), Number(hash), `murmur2(${kind} ${JSON.stringify(input)})`);
    assert.equal(toPositive(murmur2(bytes)) % 3, Number(mod3));
    assert.equal(partitionForKey(bytes, 12), Number(mod12));
    if (kind === "utf8") assert.equal(partitionForKey(input!, 3), Number(mod3));
  }
});

test("Kafka's own unit-test vector: murmur2('21') = -973932308", () => {
  assert.equal(murmur2(Buffer.from("21")), -973932308);
});

test("crc32c matches the Castagnoli check values", () => {
  assert.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43); // RFC 3720 B.4: 32 bytes of 0xff
  // Slicing-by-8 path and byte-wise tail agree with a running checksum over arbitrary splits.
  const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff));
  const whole = crc32c(data);
  for (const cut of [1, 7, 8, 9, 500, 999])
    assert.equal(crc32c(data, cut, data.length, crc32c(data, 0, cut)), whole);
});
