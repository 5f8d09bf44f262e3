/**
 * How long after a transaction's commit a read_committed reader gets its records (issue 11: in the
 * group benchmark a committed record reached its reader 26-45 ms, p50, after its commit marker,
 * where read_uncommitted readers see an append within 2 ms). One transactional producer writes one
 * record per transaction into a one-partition topic, T times, pausing GAP ms (0-GAP, random) between
 * transactions; three readers wait for them, each with its default settings:
 *
 * - `fleuve partitionReader`: KafkaClient.partitionReader (what sources and exchange receivers use,
 *   through the process's shared fetcher), read_committed;
 * - `fleuve consumer`: KafkaClient.consumer (the client's consumer stream, the group benchmark's
 *   reader), read_committed;
 * - `kcat` (librdkafka, an independent client, if installed): `-X isolation.level=read_committed`.
 *
 * Prints, per reader, p50/p90/p99/max of (time the record was read - time the producer's commit
 * returned), in ms. EndTxn returns once the coordinator logged the commit; the markers are written
 * after that, so even an ideal reader shows a round trip or two.
 *
 * Usage: T=200 GAP=50 node --import tsx bench/kafka/committed-read.ts
 */
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { KafkaClient } from "@fleuve/kafka";

const BOOT = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const T = Number(process.env.T ?? 200);
const GAP = Number(process.env.GAP ?? 50);

const client = await KafkaClient.connect({ "bootstrap.servers": BOOT });
const topic = `bench-committed-read-${Date.now()}`;
await client.createTopics([{ name: topic, partitions: 1 }]);

const committedAt: number[] = [];
const seen = new Map<string, number[]>();
const mark = (reader: string, i: number) => {
  let a = seen.get(reader);
  if (!a) seen.set(reader, (a = []));
  if (a[i] === undefined) a[i] = Date.now();
};

let stop = false;
const reader = client.partitionReader({ "isolation.level": "read_committed" });
await reader.assign([{ topic, partition: 0, offset: 0n }]);
const readerDone = (async () => {
  while (!stop) for (const r of await reader.poll()) mark("fleuve partitionReader", Number(String(r.value)));
})();

const consumer = client.consumer({
  "group.id": `${topic}-consumer`,
  "auto.offset.reset": "earliest",
  "isolation.level": "read_committed",
});
const stream = await consumer.subscribe([topic]);
const consumerDone = (async () => {
  for await (const r of stream) {
    const i = Number(String(r.value));
    mark("fleuve consumer", i);
    if (i === T - 1) break;
  }
})();

let kcat: ReturnType<typeof spawn> | undefined;
try {
  kcat = spawn(
    "kcat",
    [
      "-C",
      "-b",
      BOOT,
      "-t",
      topic,
      "-o",
      "beginning",
      "-u",
      "-q",
      "-X",
      "isolation.level=read_committed",
      "-f",
      "%s\n",
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  kcat.on("error", () => {
    kcat = undefined;
  });
  createInterface({ input: kcat.stdout! }).on("line", (l) => mark("kcat", Number(l)));
} catch {
  kcat = undefined;
}

const producer = client.producer({ "transactional.id": `${topic}-tx` });
// let every reader connect and start waiting
await new Promise((r) => setTimeout(r, 2000));
for (let i = 0; i < T; i++) {
  const tx = await producer.beginTransaction();
  await tx.send([{ topic, value: Buffer.from(String(i)) }]);
  await tx.commit();
  committedAt[i] = Date.now();
  await new Promise((r) => setTimeout(r, Math.random() * GAP));
}
const deadline = Date.now() + 10_000;
while (Date.now() < deadline && [...seen.values()].some((a) => a.filter((x) => x !== undefined).length < T))
  await new Promise((r) => setTimeout(r, 50));

const q = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
console.log(`${T} transactions of one record, gap 0-${GAP} ms, load ${loadavg()[0]!.toFixed(1)}`);
for (const [name, a] of seen) {
  const d = committedAt.map((c, i) => (a[i] ?? Number.NaN) - c).filter(Number.isFinite);
  d.sort((x, y) => x - y);
  console.log(
    `  ${name}: read after commit p50 ${q(d, 0.5)} / p90 ${q(d, 0.9)} / p99 ${q(d, 0.99)} / max ${d.at(-1)} ms (${d.length} of ${T})`,
  );
}
stop = true;
kcat?.kill();
await Promise.race([Promise.all([readerDone, consumerDone]), new Promise((r) => setTimeout(r, 2000))]);
await Promise.all([reader.close(), stream.close(), consumer.close(), producer.close()]);
await client.deleteTopics([topic]);
await client.close();
