import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isFleuveError } from "@fleuve/core";
import {
  type ConsumerRecord,
  KafkaClient,
  type KafkaPartitionReader,
  type PartitionStart,
} from "../src/index.js";
import { BOOTSTRAP, brokerTestOptions, Closer, uniqueTopic } from "./broker.js";

const options = await brokerTestOptions();

/** Polls until `count` records arrived (or 40 polls of at most 200 ms found nothing more). */
async function pollUntil(reader: KafkaPartitionReader, count: number): Promise<ConsumerRecord[]> {
  const got: ConsumerRecord[] = [];
  for (let idle = 0; got.length < count && idle < 40; ) {
    const batch = await reader.poll();
    got.push(...batch);
    idle = batch.length === 0 ? idle + 1 : 0;
  }
  return got;
}

function byPartition(records: readonly ConsumerRecord[]): string[][] {
  const out: string[][] = [[], [], []];
  for (const r of records) out[r.partition]!.push(String(r.value));
  return out;
}

describe("KafkaPartitionReader (group-less fetch path)", { ...options, timeout: 300_000 }, () => {
  let client: KafkaClient;
  const closer = new Closer();
  let topic: string;
  /** What read_committed must return per partition, in order (the oracle). */
  const committed: string[][] = [[], [], []];
  const everything: string[][] = [[], [], []];

  before(async () => {
    client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
    topic = uniqueTopic("reader");
    await client.createTopics([{ name: topic, partitions: 3 }]);
    const plain = closer.track(client.producer({ "batch.size": 2048 }));
    const txp = closer.track(client.producer({ "transactional.id": uniqueTopic("reader-tx") }));
    for (let round = 0; round < 4; round++) {
      const records = Array.from({ length: 60 }, (_, i) => ({
        topic,
        partition: i % 3,
        value: `p${round}-${i}`,
      }));
      await plain.send(records);
      for (const r of records) {
        committed[r.partition]!.push(r.value);
        everything[r.partition]!.push(r.value);
      }
      // commit, abort, abort: two aborted transactions per producer between commits.
      for (const [kind, n] of [
        ["c", 4],
        ["a", 3],
        ["a", 2],
      ] as const) {
        const tx = await txp.beginTransaction();
        const values = Array.from({ length: n }, (_, i) => ({
          topic,
          partition: (round + i) % 3,
          value: `${kind}${round}-${i}`,
        }));
        await tx.send(values);
        await (kind === "c" ? tx.commit() : tx.abort());
        for (const v of values) {
          everything[v.partition]!.push(v.value);
          if (kind === "c") committed[v.partition]!.push(v.value);
        }
      }
    }
  });
  after(async () => {
    await closer.closeAll();
    if (!client) return;
    await client.deleteTopics([topic]);
    await client.close();
  });

  const all = (offset: PartitionStart["offset"]): PartitionStart[] =>
    [0, 1, 2].map((partition) => ({ topic, partition, offset }));

  test("read_committed from earliest: exactly the committed records, in order per partition", async () => {
    const reader = closer.track(client.partitionReader());
    await reader.assign(all("earliest"));
    const total = committed.reduce((n, p) => n + p.length, 0);
    const got = await pollUntil(reader, total);
    assert.deepEqual(byPartition(got), committed);
    for (const p of [0, 1, 2]) {
      const offsets = got.filter((r) => r.partition === p).map((r) => r.offset);
      assert.deepEqual(
        offsets,
        [...offsets].sort((a, b) => (a < b ? -1 : 1)),
        "offsets increase",
      );
    }
  });

  test("read_uncommitted sees the aborted records too (so the filter above is real)", async () => {
    const reader = closer.track(client.partitionReader({ "isolation.level": "read_uncommitted" }));
    await reader.assign(all("earliest"));
    const got = await pollUntil(
      reader,
      everything.reduce((n, p) => n + p.length, 0),
    );
    assert.deepEqual(byPartition(got), everything);
  });

  test("positions() resume exactly where a reader stopped; 'latest' skips what is there", async () => {
    const first = closer.track(client.partitionReader());
    await first.assign(all("earliest"));
    await pollUntil(
      first,
      committed.reduce((n, p) => n + p.length, 0),
    );
    const checkpoint = first.positions();
    await first.close();

    const latest = closer.track(client.partitionReader());
    await latest.assign(all("latest"));
    assert.deepEqual(
      latest.positions().map((p) => p.offset),
      checkpoint.map((p) => p.offset),
      "after everything was read, positions equal the end of each partition",
    );

    const producer = closer.track(client.producer());
    const fresh = Array.from({ length: 9 }, (_, i) => ({ topic, partition: i % 3, value: `new-${i}` }));
    await producer.send(fresh);
    const resumed = closer.track(client.partitionReader());
    await resumed.assign(checkpoint);
    const got = await pollUntil(resumed, fresh.length);
    assert.deepEqual(got.map((r) => String(r.value)).sort(), fresh.map((r) => r.value).sort());
    for (const p of [0, 1, 2])
      committed[p]!.push(...fresh.filter((r) => r.partition === p).map((r) => r.value));
  });

  test("a missing topic or an offset beyond the end fails with FLEUVE_SOURCE_FAILED naming it", async () => {
    const missing = closer.track(client.partitionReader());
    await missing.assign([{ topic: `${topic}-nope`, partition: 0, offset: 0n }]);
    await assert.rejects(missing.poll(), (err) => {
      assert.ok(isFleuveError(err, "FLEUVE_SOURCE_FAILED"));
      assert.match(err.message, /-nope/);
      return true;
    });
    const beyond = closer.track(client.partitionReader());
    await beyond.assign([{ topic, partition: 0, offset: 1_000_000n }]);
    await assert.rejects(beyond.poll(), (err) => {
      assert.ok(isFleuveError(err, "FLEUVE_SOURCE_FAILED"));
      assert.match(err.message, /OFFSET_OUT_OF_RANGE/);
      assert.ok(err.message.includes(`${topic}-0`));
      return true;
    });
  });
});
