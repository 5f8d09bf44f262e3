/**
 * The client-side cost of one exactly-once `kafkaSink` transaction (issue 11): one writer runs T
 * transactions one after the other, each with R records (write, barrier, acknowledgement, commit,
 * as the sink operator does), and this prints the process's CPU time and the wall time per
 * transaction, the TCP connections and producers @platformatic/kafka created meanwhile and its
 * requests per transaction by API (diagnostics channels). CPU time, unlike latency, hardly depends on what else the machine runs,
 * so two builds compare even on a busy machine (run each side from its own worktree, alternating).
 *
 * It also prints how long a transaction's records took from their write to their
 * acknowledgement (the barrier comes right after them), p50/p99: what a record written right after
 * a commit waits before the broker has it. GAP=20 pauses that long after each commit, as the
 * commit interval leaves time between a commit and the next records.
 *
 * Usage: node --import tsx bench/kafka/txn-cost.ts   env: T=300 R=10 WARM=16 GAP=0 FLEUVE_KAFKA_BOOTSTRAP=127.0.0.1:9092
 */
import { randomBytes } from "node:crypto";
import { subscribe, tracingChannel } from "node:diagnostics_channel";
import { KafkaClient, kafkaSink } from "@fleuve/kafka";
import { protocolAPIsById } from "@platformatic/kafka";

const BOOT = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const T = Number(process.env.T ?? 300);
const R = Number(process.env.R ?? 10);
const WARM = Number(process.env.WARM ?? 16);
const GAP = Number(process.env.GAP ?? 0);

let connects = 0;
let producers = 0;
subscribe("plt:kafka:instances", (m) => {
  if ((m as { type?: string }).type === "producer") producers++;
});
tracingChannel("plt:kafka:connections:connects").subscribe({
  start: () => void connects++,
  end: () => {},
  asyncStart: () => {},
  asyncEnd: () => {},
  error: () => {},
});

const requests = new Map<string, number>();
tracingChannel("plt:kafka:connections:api").subscribe({
  start: (d) => {
    const name = String(
      protocolAPIsById[(d as { apiKey: number }).apiKey] ?? (d as { apiKey: number }).apiKey,
    );
    requests.set(name, (requests.get(name) ?? 0) + 1);
  },
  end: () => {},
  asyncStart: () => {},
  asyncEnd: () => {},
  error: () => {},
});

const client = await KafkaClient.connect({ "bootstrap.servers": BOOT });
const topic = `txn-cost-${Date.now()}-${randomBytes(4).toString("hex")}`;
await client.createTopics([{ name: topic, partitions: 2 }]);
const sink = kafkaSink<string>({
  bootstrap: BOOT,
  topic,
  serializer: "string",
  deliveryGuarantee: "exactly-once",
  transactionalIdPrefix: topic,
  key: (v) => v,
});
const writer = sink.createWriter({ subtaskIndex: 0, parallelism: 1 });
await writer.ready?.();
let n = 0;
const acked: number[] = [];
async function transaction(): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; i < R; i++) writer.write(`${n}-${i}`, undefined);
  const cs = writer.prepareCommit(++n);
  await writer.prepared!();
  acked.push(performance.now() - t0);
  await sink.commit(cs);
  if (GAP > 0) await new Promise((r) => setTimeout(r, GAP));
}
for (let i = 0; i < WARM; i++) await transaction();
requests.clear();
acked.length = 0;
const before = { cpu: process.cpuUsage(), wall: performance.now(), connects, producers };
for (let i = 0; i < T; i++) await transaction();
const cpu = process.cpuUsage(before.cpu);
const wall = performance.now() - before.wall;
console.log(
  `${T} transactions of ${R} records: CPU ${((cpu.user + cpu.system) / 1000 / T).toFixed(3)} ms/txn ` +
    `(user ${(cpu.user / 1000 / T).toFixed(3)}, system ${(cpu.system / 1000 / T).toFixed(3)}), ` +
    `wall ${(wall / T).toFixed(1)} ms/txn, ${connects - before.connects} connects, ` +
    `${producers - before.producers} producers created`,
);
console.log(
  `requests per transaction: ${[...requests]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${(v / T).toFixed(2)}`)
    .join(", ")}`,
);
acked.sort((a, b) => a - b);
const q = (p: number) => acked[Math.min(acked.length - 1, Math.floor(p * acked.length))]!.toFixed(1);
console.log(`write -> acknowledged: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms (gap ${GAP} ms after each commit)`);
writer.close?.();
await client.deleteTopics([topic]).catch(() => {});
await client.close();
// The sink's coordinator connection closes once its last commit settles; do not wait for it.
process.exit(0);
