// The producers' partitioner is Kafka's Java default for keyed records, checked against an
// independent implementation (kafkajs's JavaCompatiblePartitioner, a port of the Java client's):
// for random keys and partition counts both give the same partition. @platformatic/kafka's own
// default (murmur2 >>> 0) differs for about half the keys, which this test also shows.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { murmur2 } from "@platformatic/kafka";
import { Partitioners } from "kafkajs";
import { javaPartitioner } from "../src/partitioner.js";

const javaOracle = Partitioners.JavaCompatiblePartitioner();
const oracle = (key: Buffer, n: number) =>
  javaOracle({
    topic: "t",
    partitionMetadata: Array.from({ length: n }, (_, i) => ({
      partitionId: i,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    })),
    message: { key, value: null },
  });

test("a keyed record goes where the Java client puts it: toPositive(murmur2(key)) % partitions", () => {
  const partition = javaPartitioner();
  let differsFromClientDefault = 0;
  for (let i = 0; i < 2000; i++) {
    const key = randomBytes(1 + (i % 40));
    const n = 1 + (i % 12);
    const ours = partition({ topic: "t" }, key) % n;
    assert.equal(ours, oracle(key, n), `key ${key.toString("hex")}, ${n} partitions`);
    if ((murmur2(key) >>> 0) % n !== ours) differsFromClientDefault++;
  }
  assert.ok(
    differsFromClientDefault > 100,
    `the client's default differs for ${differsFromClientDefault} keys`,
  );
});

test("the partitions the Java client computes (vectors made by running it, in @fleuve/log's fixtures)", () => {
  const rows = readFileSync(new URL("../../log/test/fixtures/murmur2-vectors.tsv", import.meta.url), "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split("\t"));
  assert.ok(rows.length >= 20);
  const partition = javaPartitioner();
  for (const [kind, input, , mod3, mod12] of rows) {
    const key = kind === "hex" ? Buffer.from(input as string, "hex") : Buffer.from(input as string, "utf8");
    assert.equal(partition({ topic: "t" }, key) % 3, Number(mod3), `${kind} ${input} of 3`);
    assert.equal(partition({ topic: "t" }, key) % 12, Number(mod12), `${kind} ${input} of 12`);
  }
});

test("records without a key take each partition in turn, per topic", () => {
  const partition = javaPartitioner();
  assert.deepEqual(
    [0, 1, 2, 3].map(() => partition({ topic: "a" }, undefined) % 3),
    [0, 1, 2, 0],
  );
  assert.equal(partition({ topic: "b" }, undefined), 0);
});

test("a key that crossed worker threads (a plain Uint8Array, as structured clone gives a Buffer) is partitioned as its bytes", () => {
  const partition = javaPartitioner();
  for (let i = 0; i < 200; i++) {
    const key = randomBytes(1 + (i % 30));
    const cloned = structuredClone(key) as Uint8Array;
    assert.equal(Buffer.isBuffer(cloned), false);
    const n = 1 + (i % 12);
    assert.equal(
      partition({ topic: "t" }, cloned as Buffer) % n,
      oracle(key, n),
      `key ${key.toString("hex")}`,
    );
  }
  // A view into a larger buffer: only its own bytes count.
  const big = Uint8Array.from([9, 9, 1, 2, 3, 9]);
  const view = big.subarray(2, 5);
  assert.equal(partition({ topic: "t" }, view as Buffer), murmur2(Buffer.from([1, 2, 3])) & 0x7fffffff);
});
