/**
 * Measures the pure-JavaScript Kafka clients against a real broker so Fleuve picks one on numbers,
 * not on reputation. Needs a broker: `npm run services:up` (or `node scripts/services.mjs up`).
 *
 *   node --import tsx bench/kafka-clients/compare.ts            # full run (1M records, 3 runs each)
 *   N=100000 RUNS=1 node --import tsx bench/kafka-clients/compare.ts   # quick smoke run
 *   CAPS_ONLY=1 node --import tsx bench/kafka-clients/compare.ts       # capability checks only
 *
 * For each client: idempotent produce (acks=all, 5k-record send() calls awaited one after another),
 * read_committed consume of the same records (time from the first to the last record, so group join
 * is excluded and reported apart), transactional produce (begin / 2 x send 5k / commit). Then a
 * capability check that runs on the broker, not from the docs: aborted records hidden from
 * read_committed, offsets committed inside a transaction, and zombie fencing by transactional.id.
 * Results: bench/kafka-clients/RESULTS.md.
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Admin, Consumer, type Message, ProduceAcks, Producer } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";

const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const N = Number(process.env.N ?? 1_000_000);
const TXN_N = Number(process.env.TXN_N ?? N);
const RUNS = Number(process.env.RUNS ?? 3);
// Records per send() call. Neither client splits a send() into several record batches, so 10k x 100 B
// (~1.1 MB) exceeds the broker's default message.max.bytes (1 MiB); 5k (~0.55 MB) fits.
const BATCH = 5_000;
const TXN_BATCH = 10_000; // records per transaction: two send() calls
const VALUE = Buffer.alloc(100, 0x61); // 100-byte payload, no key
const ONLY = process.env.CLIENTS?.split(",");

interface Timing {
  ms: number;
  extraMs?: number;
}

interface ClientUnderTest {
  name: string;
  version: string;
  produce(topic: string, n: number): Promise<Timing>;
  produceTransactional(topic: string, n: number, txId: string): Promise<Timing>;
  consume(topic: string, n: number, groupId: string): Promise<Timing>;
  capabilities(admin: Admin): Promise<Record<string, string>>;
}

let seq = 0;
function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now()}-${seq++}`;
}

async function createTopic(admin: Admin, topic: string): Promise<void> {
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
}

async function committedOffset(admin: Admin, groupId: string, topic: string): Promise<bigint | undefined> {
  // Offsets committed in a transaction become visible when the coordinator has written the commit
  // markers, shortly after EndTxn returns: ask for stable offsets and poll briefly.
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await admin.listConsumerGroupOffsets({ groups: [groupId], requireStable: true });
    for (const g of res) {
      for (const t of g.topics) {
        const off =
          t.name === topic ? t.partitions.find((p) => p.partitionIndex === 0)?.committedOffset : undefined;
        if (off !== undefined && off >= 0n) return off;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

async function outcome(label: string, fn: () => Promise<string>): Promise<string> {
  try {
    return await fn();
  } catch (err) {
    return `FAILED (${label}: ${err instanceof Error ? err.message : String(err)})`;
  }
}

// ------------------------------------------------------------------------------------------------
// @platformatic/kafka
// ------------------------------------------------------------------------------------------------

/**
 * Options every transactional @platformatic/kafka producer needs (found by the capability check):
 * - producerId -1n / producerEpoch -1: 1.35.0 sends InitProducerId with producerId 0, epoch 0 unless
 *   told otherwise; the broker reads that as "recover producer 0" and answers PRODUCER_FENCED to a new
 *   instance taking over a transactional.id that was used before, so zombie fencing and restarts fail.
 * - retryDelay 20 ms: the first send of a transaction right after a commit gets CONCURRENT_TRANSACTIONS
 *   (the coordinator is still writing markers); the default 250 ms back-off caps throughput at ~4 txn/s.
 *   The Java client retries that error after 20 ms for the same reason.
 */
const PLATFORMATIC_TX_FIX = { producerId: -1n, producerEpoch: -1, retryDelay: 20 };

const platformatic: ClientUnderTest = {
  name: "@platformatic/kafka",
  version: "",
  async produce(topic, n) {
    const p = new Producer({
      clientId: "bench",
      bootstrapBrokers: [BOOTSTRAP],
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
    });
    try {
      const t0 = performance.now();
      for (let i = 0; i < n; i += BATCH) {
        const len = Math.min(BATCH, n - i);
        const messages = new Array(len);
        for (let j = 0; j < len; j++) messages[j] = { topic, value: VALUE };
        await p.send({ messages });
      }
      return { ms: performance.now() - t0 };
    } finally {
      await p.close();
    }
  },
  async produceTransactional(topic, n, txId) {
    const p = new Producer({
      clientId: "bench-tx",
      bootstrapBrokers: [BOOTSTRAP],
      idempotent: true,
      acks: ProduceAcks.ALL,
      transactionalId: txId,
      autocreateTopics: false,
      ...PLATFORMATIC_TX_FIX,
    });
    try {
      const t0 = performance.now();
      for (let i = 0; i < n; i += TXN_BATCH) {
        const tx = await p.beginTransaction();
        for (let k = i; k < Math.min(i + TXN_BATCH, n); k += BATCH) {
          const len = Math.min(BATCH, n - k);
          const messages = new Array(len);
          for (let j = 0; j < len; j++) messages[j] = { topic, value: VALUE };
          await tx.send({ messages });
        }
        await tx.commit();
      }
      return { ms: performance.now() - t0 };
    } finally {
      await p.close();
    }
  },
  async consume(topic, n, groupId) {
    const c = new Consumer({ clientId: "bench", groupId, bootstrapBrokers: [BOOTSTRAP], isolationLevel: 1 });
    const t0 = performance.now();
    const stream = await c.consume({ topics: [topic], mode: "earliest", autocommit: false });
    let first = 0;
    let count = 0;
    const ms = await new Promise<number>((resolve, reject) => {
      stream.on("error", reject);
      stream.on("data", () => {
        if (count === 0) first = performance.now();
        if (++count === n) resolve(performance.now() - first);
      });
    });
    await stream.close();
    await c.close(true);
    return { ms, extraMs: first - t0 };
  },
  async capabilities(admin) {
    const topic = unique("cap-pl");
    await createTopic(admin, topic);
    const mk = (txId: string, fix = true) =>
      new Producer({
        clientId: "cap",
        bootstrapBrokers: [BOOTSTRAP],
        idempotent: true,
        acks: ProduceAcks.ALL,
        transactionalId: txId,
        autocreateTopics: false,
        ...(fix ? PLATFORMATIC_TX_FIX : {}),
      });
    const readCommitted = async (untilValue: string, isolationLevel: 0 | 1) => {
      const c = new Consumer({
        clientId: "cap",
        groupId: unique("g"),
        bootstrapBrokers: [BOOTSTRAP],
        isolationLevel,
      });
      const stream = await c.consume({ topics: [topic], mode: "earliest", autocommit: false });
      const seen: string[] = [];
      await new Promise<void>((resolve) => {
        stream.on("data", (m: Message) => {
          seen.push(m.value.toString());
          if (m.value.toString() === untilValue) resolve();
        });
      });
      await stream.close();
      await c.close(true);
      return seen;
    };
    const r: Record<string, string> = {};
    const txId = unique("cap-tx");
    r.transactions = await outcome("commit/abort", async () => {
      const p = mk(txId);
      let tx = await p.beginTransaction();
      await tx.send({ messages: [{ topic, value: Buffer.from("c1") }] });
      await tx.commit();
      // Two aborted transactions in a row: a filter keeping one aborted range per producer leaks a1.
      for (const v of ["a1", "a2"]) {
        tx = await p.beginTransaction();
        await tx.send({ messages: [{ topic, value: Buffer.from(v) }] });
        await tx.abort();
      }
      tx = await p.beginTransaction();
      await tx.send({ messages: [{ topic, value: Buffer.from("c2") }] });
      await tx.commit();
      await p.close();
      const rc = await readCommitted("c2", 1);
      const ru = await readCommitted("c2", 0);
      return rc.join(",") === "c1,c2" && ru.join(",") === "c1,a1,a2,c2"
        ? "yes (read_committed saw c1,c2; read_uncommitted saw c1,a1,a2,c2)"
        : `NO (read_committed saw ${rc}, read_uncommitted saw ${ru})`;
    });
    r.offsetsInTransaction = await outcome("addConsumer/addOffset", async () => {
      const groupId = unique("cap-offsets");
      const c = new Consumer({ clientId: "cap", groupId, bootstrapBrokers: [BOOTSTRAP] });
      const stream = await c.consume({ topics: [topic], mode: "earliest", autocommit: false });
      const first = await new Promise<Message>((resolve) => stream.once("data", resolve));
      const p = mk(unique("cap-tx-off"));
      const tx = await p.beginTransaction();
      await tx.send({ messages: [{ topic, value: Buffer.from("derived") }] });
      await tx.addConsumer(c);
      await tx.addOffset(first);
      await tx.commit();
      await p.close();
      await stream.close();
      await c.close(true);
      const off = await committedOffset(admin, groupId, topic);
      return off === first.offset + 1n
        ? `yes (consumer-group offset ${off} committed with the transaction; API takes a consumed Message, not arbitrary offsets)`
        : `NO (committed offset ${off}, expected ${first.offset + 1n})`;
    });
    const fencing = async (fix: boolean) => {
      const zombieId = unique("cap-zombie");
      const a = mk(zombieId, fix);
      const open = await a.beginTransaction();
      await open.send({ messages: [{ topic, value: Buffer.from("zombie") }] });
      const b = mk(zombieId, fix);
      const btx = await b.beginTransaction(); // InitProducerId bumps the epoch: a is now a zombie
      await btx.send({ messages: [{ topic, value: Buffer.from("b-ok") }] });
      await btx.commit();
      let zombieError = "none";
      try {
        await open.send({ messages: [{ topic, value: Buffer.from("zombie2") }] });
        await open.commit();
      } catch (err) {
        zombieError = (err as Error).message;
      }
      await Promise.resolve(a.close(true)).catch(() => {});
      await b.close();
      const rc = await readCommitted("b-ok", 1);
      const leaked = rc.filter((v) => v.startsWith("zombie"));
      return zombieError !== "none" && leaked.length === 0
        ? `yes (old producer's commit failed: "${zombieError.slice(0, 80)}"; no zombie record visible)`
        : `NO (zombie error: ${zombieError}; zombie records visible: ${leaked})`;
    };
    r["fencing (client defaults)"] = await outcome("zombie fencing", () => fencing(false));
    r["fencing (producerId -1n)"] = await outcome("zombie fencing", () => fencing(true));
    await admin.deleteTopics({ topics: [topic] });
    return r;
  },
};

// ------------------------------------------------------------------------------------------------
// kafkajs
// ------------------------------------------------------------------------------------------------

const kafka = new Kafka({ clientId: "bench", brokers: [BOOTSTRAP], logLevel: logLevel.NOTHING });

const kafkajs: ClientUnderTest = {
  name: "kafkajs",
  version: "",
  async produce(topic, n) {
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await p.connect();
    try {
      const t0 = performance.now();
      for (let i = 0; i < n; i += BATCH) {
        const len = Math.min(BATCH, n - i);
        const messages = new Array(len);
        for (let j = 0; j < len; j++) messages[j] = { value: VALUE };
        await p.send({ topic, acks: -1, messages });
      }
      return { ms: performance.now() - t0 };
    } finally {
      await p.disconnect();
    }
  },
  async produceTransactional(topic, n, txId) {
    const p = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: txId,
      allowAutoTopicCreation: false,
    });
    await p.connect();
    try {
      const t0 = performance.now();
      for (let i = 0; i < n; i += TXN_BATCH) {
        const tx = await p.transaction();
        for (let k = i; k < Math.min(i + TXN_BATCH, n); k += BATCH) {
          const len = Math.min(BATCH, n - k);
          const messages = new Array(len);
          for (let j = 0; j < len; j++) messages[j] = { value: VALUE };
          await tx.send({ topic, acks: -1, messages });
        }
        await tx.commit();
      }
      return { ms: performance.now() - t0 };
    } finally {
      await p.disconnect();
    }
  },
  async consume(topic, n, groupId) {
    const c = kafka.consumer({ groupId, readUncommitted: false });
    const t0 = performance.now();
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    let first = 0;
    let count = 0;
    const ms = await new Promise<number>((resolve, reject) => {
      c.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (count === 0) first = performance.now();
          count += batch.messages.length;
          if (count >= n) resolve(performance.now() - first);
        },
      }).catch(reject);
    });
    await c.disconnect();
    return { ms, extraMs: first - t0 };
  },
  async capabilities(admin) {
    const topic = unique("cap-kjs");
    await createTopic(admin, topic);
    const mk = async (txId: string) => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, transactionalId: txId });
      await p.connect();
      return p;
    };
    const read = async (untilValue: string, readUncommitted: boolean) => {
      const c = kafka.consumer({ groupId: unique("g"), readUncommitted });
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      const seen: string[] = [];
      await new Promise<void>((resolve) => {
        c.run({
          eachMessage: async ({ message }) => {
            seen.push(String(message.value));
            if (String(message.value) === untilValue) resolve();
          },
        });
      });
      await c.disconnect();
      return seen;
    };
    const r: Record<string, string> = {};
    r.transactions = await outcome("commit/abort", async () => {
      const p = await mk(unique("cap-tx"));
      let tx = await p.transaction();
      await tx.send({ topic, messages: [{ value: "c1" }] });
      await tx.commit();
      for (const v of ["a1", "a2"]) {
        tx = await p.transaction();
        await tx.send({ topic, messages: [{ value: v }] });
        await tx.abort();
      }
      tx = await p.transaction();
      await tx.send({ topic, messages: [{ value: "c2" }] });
      await tx.commit();
      await p.disconnect();
      const rc = await read("c2", false);
      const ru = await read("c2", true);
      return rc.join(",") === "c1,c2" && ru.join(",") === "c1,a1,a2,c2"
        ? "yes (read_committed saw c1,c2; read_uncommitted saw c1,a1,a2,c2)"
        : `NO (read_committed saw ${rc}, read_uncommitted saw ${ru})`;
    });
    r.offsetsInTransaction = await outcome("sendOffsets", async () => {
      const groupId = unique("cap-offsets");
      const p = await mk(unique("cap-tx-off"));
      const tx = await p.transaction();
      await tx.send({ topic, messages: [{ value: "derived" }] });
      await tx.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic, partitions: [{ partition: 0, offset: "2" }] }],
      });
      await tx.commit();
      await p.disconnect();
      const off = await committedOffset(admin, groupId, topic);
      return off === 2n
        ? `yes (sendOffsets committed offset ${off} for group ${groupId.slice(0, 11)}...; arbitrary offsets allowed)`
        : `NO (committed offset ${off}, expected 2)`;
    });
    r.fencing = await outcome("zombie fencing", async () => {
      const zombieId = unique("cap-zombie");
      const a = await mk(zombieId);
      const open = await a.transaction();
      await open.send({ topic, messages: [{ value: "zombie" }] });
      const b = await mk(zombieId); // connect() runs InitProducerId: a is now a zombie
      const btx = await b.transaction();
      await btx.send({ topic, messages: [{ value: "b-ok" }] });
      await btx.commit();
      let zombieError = "none";
      try {
        await open.send({ topic, messages: [{ value: "zombie2" }] });
        await open.commit();
      } catch (err) {
        zombieError = (err as Error).message;
      }
      await a.disconnect().catch(() => {});
      await b.disconnect();
      const rc = await read("b-ok", false);
      const leaked = rc.filter((v) => v.startsWith("zombie"));
      return zombieError !== "none" && leaked.length === 0
        ? `yes (old producer's commit failed: "${zombieError.slice(0, 80)}"; no zombie record visible)`
        : `NO (zombie error: ${zombieError}; zombie records visible: ${leaked})`;
    });
    await admin.deleteTopics({ topics: [topic] });
    return r;
  },
};

// ------------------------------------------------------------------------------------------------

/** Reads a dependency's version from its package.json (not every package exports that path). */
function packageVersion(name: string): string {
  const main = createRequire(import.meta.url).resolve(name);
  const root = main.slice(0, main.lastIndexOf(`node_modules/${name}`) + `node_modules/${name}`.length);
  return JSON.parse(readFileSync(`${root}/package.json`, "utf8")).version;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)]!;
}

function rate(n: number, ms: number): string {
  return Number.isNaN(ms) ? "-" : `${Math.round(n / (ms / 1000)).toLocaleString("en-US")} rec/s`;
}

async function main(): Promise<void> {
  platformatic.version = packageVersion("@platformatic/kafka");
  kafkajs.version = packageVersion("kafkajs");
  const admin = new Admin({ clientId: "bench-admin", bootstrapBrokers: [BOOTSTRAP] });
  const clients = [platformatic, kafkajs].filter((c) => !ONLY || ONLY.some((o) => c.name.includes(o)));
  console.log(
    `broker ${BOOTSTRAP}; N=${N}, TXN_N=${TXN_N}, value ${VALUE.length} B, ${RUNS} runs; node ${process.version}`,
  );
  const table: string[] = [];
  const samples = new Map(
    clients.map((c) => [
      c,
      { prod: [] as number[], cons: [] as number[], join: [] as number[], txn: [] as number[] },
    ]),
  );
  // Clients take turns within each run, so a load change on a shared machine hits both alike.
  for (let run = 0; run < (process.env.CAPS_ONLY ? 0 : RUNS); run++) {
    for (const client of clients) {
      const s = samples.get(client)!;
      const topic = unique("bench");
      await createTopic(admin, topic);
      const p = await client.produce(topic, N);
      s.prod.push(p.ms);
      const c = await client.consume(topic, N, unique("bench-g"));
      s.cons.push(c.ms);
      s.join.push(c.extraMs ?? 0);
      const txTopic = unique("bench-tx");
      await createTopic(admin, txTopic);
      const t = await client.produceTransactional(txTopic, TXN_N, unique("bench-txid"));
      s.txn.push(t.ms);
      await admin.deleteTopics({ topics: [topic, txTopic] });
      console.log(
        `${client.name} run ${run + 1}: produce ${rate(N, p.ms)}, consume ${rate(N, c.ms)} ` +
          `(first record after ${Math.round(c.extraMs ?? 0)} ms), transactional ${rate(TXN_N, t.ms)}`,
      );
    }
  }
  for (const client of clients) {
    const s = samples.get(client)!;
    const caps = await client.capabilities(admin);
    console.log(`${client.name} capabilities:`, caps);
    table.push(
      `| ${client.name} ${client.version} | ${rate(N, median(s.prod))} | ${rate(N, median(s.cons))} | ` +
        `${Math.round(median(s.join))} ms | ${rate(TXN_N, median(s.txn))} |`,
    );
    for (const [k, v] of Object.entries(caps)) table.push(`|   ${k} | ${v} | | | |`);
  }
  await admin.close();
  console.log(
    "\n| client | produce (idempotent, acks=all) | consume (read_committed) | join→first record | transactional produce (10k/txn) |",
  );
  console.log("|---|---|---|---|---|");
  for (const line of table) console.log(line);
}

await main();
process.exit(0);
