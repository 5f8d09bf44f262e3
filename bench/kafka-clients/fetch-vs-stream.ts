/**
 * Where @platformatic/kafka's consumer time goes: the same 1M records (100 B, one partition,
 * read_committed) read three ways, clients taking turns, 3 rounds:
 *  - raw fetch: Consumer.fetch() in a loop (decoded record batches, no Message objects, no stream);
 *  - stream: Consumer.consume() (what compare.ts measures);
 *  - kafkajs: consumer.run({ eachBatch });
 *  - @fleuve/kafka KafkaPartitionReader: fetch() plus the read_committed filter and record objects.
 * Run: node --import tsx bench/kafka-clients/fetch-vs-stream.ts (broker: npm run services:up).
 * Note: raw fetch does not filter aborted transactions; the topic here has none.
 */

import { KafkaClient } from "@fleuve/kafka";
import { Admin, Consumer, ProduceAcks, Producer } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";

const B = "127.0.0.1:9092";
const N = 1_000_000;
const admin = new Admin({ clientId: "x", bootstrapBrokers: [B] });
const topic = `fprobe-${Date.now()}`;
await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
const p = new Producer({ clientId: "p", bootstrapBrokers: [B], idempotent: true, acks: ProduceAcks.ALL });
const V = Buffer.alloc(100, 97);
for (let i = 0; i < N; i += 5000)
  await p.send({ messages: Array.from({ length: 5000 }, () => ({ topic, value: V })) });
await p.close();
const md = await admin.metadata({ topics: [topic] });
const topicId = md.topics.get(topic)!.id;
const leader = md.topics.get(topic)!.partitions[0]!.leader;
async function rawFetch() {
  const c = new Consumer({ clientId: "c", groupId: `g-${Math.random()}`, bootstrapBrokers: [B] });
  let offset = 0n;
  let n = 0;
  const t0 = performance.now();
  while (n < N) {
    const res = await c.fetch({
      node: leader,
      minBytes: 1,
      maxBytes: 10_485_760,
      maxWaitTime: 500,
      isolationLevel: 1,
      topics: [
        {
          topicId,
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: -1,
              fetchOffset: offset,
              lastFetchedEpoch: -1,
              partitionMaxBytes: 1_048_576,
            },
          ],
        },
      ],
    });
    for (const b of res.responses[0]!.partitions[0]!.records ?? []) {
      for (const r of b.records) {
        n++;
        offset = b.firstOffset + BigInt(r.offsetDelta) + 1n;
      }
    }
  }
  const ms = performance.now() - t0;
  await c.close(true);
  return Math.round(N / (ms / 1000));
}
async function stream() {
  const c = new Consumer({ clientId: "c", groupId: `g-${Math.random()}`, bootstrapBrokers: [B] });
  const s = await c.consume({ topics: [topic], mode: "earliest", autocommit: false });
  let n = 0;
  let t0 = 0;
  const ms = await new Promise<number>((res) =>
    s.on("data", () => {
      if (n === 0) t0 = performance.now();
      if (++n === N) res(performance.now() - t0);
    }),
  );
  await s.close();
  await c.close(true);
  return Math.round(N / (ms / 1000));
}
const kafka = new Kafka({ clientId: "k", brokers: [B], logLevel: logLevel.NOTHING });
async function kjs() {
  const c = kafka.consumer({ groupId: `g-${Math.random()}` });
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  let n = 0;
  let t0 = 0;
  const ms = await new Promise<number>((res) =>
    c.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (n === 0) t0 = performance.now();
        n += batch.messages.length;
        if (n >= N) res(performance.now() - t0);
      },
    }),
  );
  await c.disconnect();
  return Math.round(N / (ms / 1000));
}
async function reader() {
  const client = await KafkaClient.connect({ "bootstrap.servers": B });
  const r = client.partitionReader();
  await r.assign([{ topic, partition: 0, offset: "earliest" }]);
  let n = 0;
  const t0 = performance.now();
  while (n < N) n += (await r.poll()).length;
  const ms = performance.now() - t0;
  await r.close();
  await client.close();
  return Math.round(N / (ms / 1000));
}
for (let r = 0; r < 3; r++) {
  console.log(
    "raw fetch",
    await rawFetch(),
    "| stream",
    await stream(),
    "| kafkajs",
    await kjs(),
    "| KafkaPartitionReader",
    await reader(),
  );
}
await admin.deleteTopics({ topics: [topic] });
await admin.close();
process.exit(0);
