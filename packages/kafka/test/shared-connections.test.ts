// The readers and at-least-once writers of one process share their requests (shared-fetcher.ts,
// shared-sender.ts): each reader still gets exactly its partitions' records in offset order, each
// writer's records land in its order, and one request serves them all.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { type ConsumerRecord, KafkaClient, type KafkaPartitionReader, kafkaSink } from "../src/index.js";
import * as fetcher from "../src/shared-fetcher.js";
import * as sender from "../src/shared-sender.js";
import { BOOTSTRAP, brokerTestOptions, Closer, uniqueTopic } from "./broker.js";

const options = await brokerTestOptions();

/** Polls `reader` until it returned `count` records (fails after 40 empty polls in a row). */
async function pollUntil(reader: KafkaPartitionReader, count: number): Promise<ConsumerRecord[]> {
  const got: ConsumerRecord[] = [];
  for (let idle = 0; got.length < count; ) {
    const batch = await reader.poll();
    got.push(...batch);
    idle = batch.length === 0 ? idle + 1 : 0;
    if (idle >= 40) assert.fail(`${got.length} of ${count} records after 40 empty polls`);
  }
  return got;
}

describe("readers and writers of one process share requests", { ...options, timeout: 300_000 }, () => {
  let client: KafkaClient;
  const closer = new Closer();
  const topics: string[] = [];

  before(async () => {
    client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  });
  after(async () => {
    await closer.closeAll();
    if (!client) return;
    if (topics.length > 0) await client.deleteTopics(topics);
    await client.close();
  });

  async function topicWith(partitions: number, perPartition: number): Promise<string[][]> {
    const topic = uniqueTopic("shared-fetch");
    topics.push(topic);
    await client.createTopics([{ name: topic, partitions }]);
    const p = closer.track(client.producer());
    const values: string[][] = Array.from({ length: partitions }, () => []);
    const records = [];
    for (let i = 0; i < perPartition; i++) {
      for (let part = 0; part < partitions; part++) {
        const value = `${part}-${i}`;
        values[part]!.push(value);
        records.push({ topic, partition: part, value });
      }
    }
    await p.send(records);
    return Object.assign(values, { topic });
  }

  test("readers that poll together get one Fetch, each only its own partitions in order", async () => {
    const values = (await topicWith(3, 50)) as string[][] & { topic: string };
    const readers = [0, 1, 2].map(() => closer.track(client.partitionReader()));
    // A reader of the same partitions at another offset (two jobs of one process on one topic).
    const second = closer.track(client.partitionReader());
    await Promise.all(readers.map((r, i) => r.assign([{ topic: values.topic, partition: i, offset: 0n }])));
    await second.assign([0, 1, 2].map((partition) => ({ topic: values.topic, partition, offset: 10n })));
    const before = fetcher.fetchRequestsSent;
    // All three wait in the same turn: the first round asks for their partitions in one request.
    const first = await Promise.all(readers.map((r) => r.poll()));
    assert.equal(
      fetcher.fetchRequestsSent - before,
      1,
      "one Fetch request for the three readers' first poll",
    );
    for (const [i, batch] of first.entries()) assert.ok(batch.length > 0, `reader ${i} got records`);
    const all = await Promise.all(
      readers.map(async (r, i) => [...first[i]!, ...(await pollUntil(r, 50 - first[i]!.length))]),
    );
    for (const [i, got] of all.entries()) {
      assert.deepEqual(
        got.map((r) => `${r.partition}:${String(r.value)}`),
        values[i]!.map((v) => `${i}:${v}`),
        `reader ${i}: its partition's records, in order, once`,
      );
      assert.deepEqual(r(readers[i]!), [[values.topic, i, 50n]]);
    }
    const rest = await pollUntil(second, 3 * 40);
    for (const part of [0, 1, 2]) {
      assert.deepEqual(
        rest.filter((x) => x.partition === part).map((x) => String(x.value)),
        values[part]!.slice(10),
        `the second reader of partition ${part} read it from offset 10`,
      );
    }
  });

  test("a closed reader's waiting poll returns none, and the others go on", async () => {
    const values = (await topicWith(2, 5)) as string[][] & { topic: string };
    const a = client.partitionReader();
    const b = closer.track(client.partitionReader());
    await a.assign([{ topic: values.topic, partition: 0, offset: 5n }]); // at the end: waits
    await b.assign([{ topic: values.topic, partition: 1, offset: 0n }]);
    const waiting = a.poll();
    await a.close();
    assert.deepEqual(await waiting, []);
    assert.deepEqual(
      (await pollUntil(b, 5)).map((x) => String(x.value)),
      values[1],
    );
  });

  test("one reader's partition error fails that reader only; the readers sharing its request go on", async () => {
    const values = (await topicWith(2, 5)) as string[][] & { topic: string };
    const bad = client.partitionReader();
    const good = closer.track(client.partitionReader());
    // Past the partition's end: the broker answers OFFSET_OUT_OF_RANGE for that partition, and the
    // client fails the whole response, shared with the good reader's partition.
    await bad.assign([{ topic: values.topic, partition: 0, offset: 1000n }]);
    await good.assign([{ topic: values.topic, partition: 1, offset: 0n }]);
    const [failed, read] = await Promise.allSettled([bad.poll(), pollUntil(good, 5)]);
    assert.equal(failed.status, "rejected");
    const err = (failed as PromiseRejectedResult).reason as Error & { code?: string };
    assert.equal(err.code, "FLEUVE_SOURCE_FAILED");
    assert.match(err.message, new RegExp(`${values.topic}-0@1000`));
    assert.equal(read.status, "fulfilled");
    assert.deepEqual(
      (read as PromiseFulfilledResult<ConsumerRecord[]>).value.map((x) => String(x.value)),
      values[1],
    );
    await bad.close();
  });

  test("a reader closed while its request is in flight returns none at once; the others go on", async () => {
    const values = (await topicWith(2, 3)) as string[][] & { topic: string };
    const a = client.partitionReader();
    const b = closer.track(client.partitionReader());
    // Both at the end of their partitions: their request waits for a record.
    await a.assign([{ topic: values.topic, partition: 0, offset: 3n }]);
    await b.assign([{ topic: values.topic, partition: 1, offset: 3n }]);
    const waitingA = a.poll();
    const waitingB = pollUntil(b, 2);
    await new Promise((r) => setImmediate(r));
    await a.close();
    assert.deepEqual(await waitingA, []);
    const p = closer.track(client.producer());
    await p.send([
      { topic: values.topic, partition: 1, value: "late-1" },
      { topic: values.topic, partition: 1, value: "late-2" },
    ]);
    assert.deepEqual(
      (await waitingB).map((x) => String(x.value)),
      ["late-1", "late-2"],
    );
  });

  test("at-least-once writers of a process send together, each one's records in its order (property)", async () => {
    const topic = uniqueTopic("shared-send");
    topics.push(topic);
    await client.createTopics([{ name: topic, partitions: 3 }]);
    const sink = kafkaSink<{ w: number; i: number; p: number }>({
      bootstrap: BOOTSTRAP,
      topic,
      serializer: "json",
      deliveryGuarantee: "at-least-once",
      partition: (v) => v.p,
    });
    const writers = [0, 1, 2].map((i) => sink.createWriter({ subtaskIndex: i, parallelism: 3 }));
    for (const w of writers) await w.ready?.();
    // Two writers writing in one turn: one request.
    const before = sender.produceRequestsSent;
    writers[0]!.write({ w: 0, i: -1, p: 0 }, undefined);
    writers[1]!.write({ w: 1, i: -1, p: 1 }, undefined);
    const reader = closer.track(client.partitionReader());
    await reader.assign([0, 1, 2].map((partition) => ({ topic, partition, offset: 0n })));
    const seen: ConsumerRecord[] = await pollUntil(reader, 2);
    assert.equal(sender.produceRequestsSent - before, 1, "the two writers' records went in one request");
    const next = [0, 0, 0];
    let expected = 2;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.boolean()), {
          minLength: 1,
          maxLength: 60,
        }),
        async (steps) => {
          for (const [w, p, yieldAfter] of steps) {
            writers[w]!.write({ w, i: next[w]!++, p }, undefined);
            expected++;
            if (yieldAfter) await new Promise((r) => setImmediate(r));
          }
        },
      ),
      { numRuns: 30 },
    );
    seen.push(...(await pollUntil(reader, expected - seen.length)));
    const byWriter = [[], [], []] as number[][];
    for (const r of seen) {
      const v = JSON.parse(String(r.value)) as { w: number; i: number; p: number };
      assert.equal(r.partition, v.p, "partition chosen by the sink");
      if (v.i >= 0) byWriter[v.w]!.push(v.i);
    }
    for (const [w, got] of byWriter.entries()) {
      // One partition's records are in offset order; across partitions, sort by partition first.
      const sorted = [...got].sort((x, y) => x - y);
      assert.deepEqual(
        sorted,
        Array.from({ length: next[w]! }, (_, i) => i),
        `writer ${w}: every record once`,
      );
    }
    for (const part of [0, 1, 2]) {
      for (const w of [0, 1, 2]) {
        const order = seen
          .filter((r) => r.partition === part)
          .map((r) => JSON.parse(String(r.value)) as { w: number; i: number })
          .filter((v) => v.w === w && v.i >= 0)
          .map((v) => v.i);
        assert.deepEqual(
          order,
          [...order].sort((x, y) => x - y),
          `writer ${w} in partition ${part}: in order`,
        );
      }
    }
    for (const w of writers) w.close?.();
  });

  test("an at-least-once sink sends at the end of the turn by default (linger.ms 0); a linger.ms set is kept", async () => {
    const topic = uniqueTopic("sink-linger");
    topics.push(topic);
    await client.createTopics([{ name: topic, partitions: 1 }]);
    const turn = () => new Promise((r) => setImmediate(r));
    // A client.id of its own: a producer of its own, so no other writer's request is in flight.
    const sinkWith = (props: Record<string, string | number>) =>
      kafkaSink<string>({ bootstrap: BOOTSTRAP, topic, serializer: "string", props });
    const quick = sinkWith({ "client.id": "linger-default" }).createWriter({
      subtaskIndex: 0,
      parallelism: 1,
    });
    const slow = sinkWith({ "client.id": "linger-set", "linger.ms": 600_000 }).createWriter({
      subtaskIndex: 0,
      parallelism: 1,
    });
    await quick.ready?.();
    await slow.ready?.();
    // Default: the record is in a request once the current turn is done, not after a timer (a
    // linger timer fires in a later turn's timers phase, after this turn's immediates).
    let before = sender.produceRequestsSent;
    quick.write("quick", undefined);
    await turn();
    assert.equal(sender.produceRequestsSent - before, 1, "sent at the end of the turn it was written in");
    // linger.ms set: nothing is sent before it elapses, however many turns go by...
    before = sender.produceRequestsSent;
    slow.write("slow", undefined);
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(sender.produceRequestsSent - before, 0, "an explicit linger.ms holds the batch");
    // ...until something cuts the batch (here the end of input).
    slow.finish?.();
    const reader = closer.track(client.partitionReader());
    await reader.assign([{ topic, partition: 0, offset: 0n }]);
    // Two producers: either may land first.
    const got = (await pollUntil(reader, 2)).map((x) => String(x.value)).sort();
    assert.deepEqual(got, ["quick", "slow"]);
    quick.close?.();
    slow.close?.();
  });
});

function r(reader: KafkaPartitionReader): [string, number, bigint][] {
  return reader.positions().map((p) => [p.topic, p.partition, p.offset]);
}
