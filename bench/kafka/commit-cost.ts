/**
 * What a unit's commit (its checkpoint in a group) costs: the job of group-job.ts (12 units) run
 * in this process by startGroupWorker at each commit interval of COMMITS, input at RATE events/s
 * for SECONDS. A CheckpointStorage around the local disk counts what commits write: checkpoint
 * folders per second, files and bytes per commit, fsyncs (one per file, one for `_metadata`, one
 * for the folder) and the time a folder takes to write; and the process's CPU time per second of
 * input (user + system), which includes the Kafka transactions and changelog writes.
 *
 * Usage: node --import tsx bench/kafka/commit-cost.ts   (env: COMMITS=100,1000 RATE=2000
 *        SECONDS=20 FLEUVE_KAFKA_BOOTSTRAP=127.0.0.1:9092)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type CheckpointStorage, localCheckpointStorage } from "@fleuve/core";
import { KafkaClient, startGroupWorker } from "@fleuve/kafka";
import job from "./group-job.js";

const BOOT = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const COMMITS = (process.env.COMMITS ?? "100,1000").split(",").map(Number);
const RATE = Number(process.env.RATE ?? 2000);
const SECONDS = Number(process.env.SECONDS ?? 20);

const client = await KafkaClient.connect({ "bootstrap.servers": BOOT });

async function run(commitMs: number) {
  const tag = `${Date.now()}-${commitMs}`;
  const input = `bench-cost-in-${tag}`;
  const output = `bench-cost-out-${tag}`;
  await client.createTopics([
    { name: input, partitions: 12 },
    { name: output, partitions: 12 },
  ]);
  const dir = mkdtempSync(join(tmpdir(), "fleuve-bench-cost-"));
  let counting = false;
  const stats = { folders: 0, files: 0, bytes: 0, ms: [] as number[] };
  const storage: CheckpointStorage = {
    ...localCheckpointStorage,
    async writeFolder(folder, files, metadata) {
      const t0 = performance.now();
      await localCheckpointStorage.writeFolder(folder, files, metadata);
      if (!counting || !/chk-\d+$/.test(folder)) return;
      stats.folders++;
      stats.files += files.size;
      for (const f of files.values()) stats.bytes += f.length;
      stats.bytes += metadata.length;
      stats.ms.push(performance.now() - t0);
    },
  };
  const worker = await startGroupWorker({
    job,
    group: `bench-cost-${tag}`,
    bootstrap: BOOT,
    checkpointDir: dir,
    checkpointStorage: storage,
    commitIntervalMs: commitMs,
    args: [BOOT, input, output],
    log: () => {},
  });
  const producer = client.producer({ "linger.ms": 0 });
  try {
    while (worker.running().length < worker.units.length) await new Promise((r) => setTimeout(r, 100));
    const send = async (seconds: number) => {
      const start = Date.now();
      for (let sent = 0; sent < seconds * RATE; ) {
        const due = Math.min(seconds * RATE, Math.floor(((Date.now() - start) / 1000) * RATE));
        const batch = [];
        for (let i = sent; i < due; i++) {
          batch.push({
            topic: input,
            key: `d${i % 97}`,
            value: JSON.stringify({ id: i, k: i % 500, sentAt: 0 }),
          });
        }
        if (batch.length > 0) await producer.send(batch);
        sent = due;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await send(3); // warm up
    counting = true;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await send(SECONDS);
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    counting = false;
    stats.ms.sort((a, b) => a - b);
    const q = (p: number) => stats.ms[Math.min(stats.ms.length - 1, Math.floor(p * stats.ms.length))] ?? 0;
    return {
      commitMs,
      perSecond: stats.folders / secs,
      filesPerCommit: stats.files / stats.folders,
      bytesPerCommit: Math.round(stats.bytes / stats.folders),
      fsyncsPerSecond: (stats.files + 2 * stats.folders) / secs,
      writeP50: q(0.5),
      writeP99: q(0.99),
      cpuPercent: ((cpu.user + cpu.system) / 1e6 / secs) * 100,
      load: loadavg()[0]!.toFixed(1),
    };
  } finally {
    await producer.close();
    await worker.stop();
    await client.deleteTopics([input, output]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  "| commit interval | unit commits/s (12 units) | files per commit (+ _metadata) | bytes per commit | fsyncs/s | folder write p50 / p99 | CPU of the process | load |",
);
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const c of COMMITS) {
  const r = await run(c);
  console.log(
    `| ${r.commitMs} ms | ${r.perSecond.toFixed(1)} | ${r.filesPerCommit.toFixed(2)} | ${r.bytesPerCommit} | ${r.fsyncsPerSecond.toFixed(0)} | ${r.writeP50.toFixed(1)} / ${r.writeP99.toFixed(1)} ms | ${r.cpuPercent.toFixed(0)} % | ${r.load} |`,
  );
}
await client.close();
