/**
 * Scale-out benchmark: the job of group-job.ts (Kafka -> keyBy -> running count -> Kafka,
 * exactly-once) run by `fleuve run --group` in W processes (W = 1 and 3) on this machine.
 *
 * - throughput: N events produced beforehand into a 12-partition topic; time from the moment the
 *   group has assigned every unit to the moment the N-th output is visible read_committed.
 * - latency: events produced at RATE/s for SECONDS, each stamped with its send time; end-to-end
 *   latency = time the output is visible read_committed - send time (same clock). With
 *   exactly-once, output is visible at checkpoint commits, and a keyBy adds a hop through an
 *   exchange topic: two commits on the way, so latency ~ interval .. 2 x interval.
 *
 * Usage: node --import tsx bench/kafka/group-pipeline.ts   (N=60000 RATE=2000 SECONDS=15
 *        INTERVAL=200 WORKERS=1,3 CHANGELOG=1)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KafkaClient } from "@fleuve/kafka";

const BOOT = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const N = Number(process.env.N ?? 60_000);
const RATE = Number(process.env.RATE ?? 2000);
const SECONDS = Number(process.env.SECONDS ?? 15);
const INTERVAL = Number(process.env.INTERVAL ?? 200);
const WORKERS = (process.env.WORKERS ?? "1,3").split(",").map(Number);
/** CHANGELOG=0: keyed state written in full at each checkpoint (`--no-changelog`). */
const CHANGELOG = process.env.CHANGELOG !== "0";
const PARTS = 12;
const KEYS = 500;
const cli = fileURLToPath(new URL("../../packages/cli/bin/fleuve.js", import.meta.url));
const job = fileURLToPath(new URL("./group-job.ts", import.meta.url));

const client = await KafkaClient.connect({ "bootstrap.servers": BOOT });
let seq = 0;

function startWorkers(w: number, input: string, output: string, dir: string, group: string) {
  const procs: { child: ChildProcess; log: string }[] = [];
  for (let i = 0; i < w; i++) {
    const child = spawn(
      process.execPath,
      [
        cli,
        "run",
        job,
        "--group",
        group,
        "--bootstrap",
        BOOT,
        "--checkpoint-dir",
        dir,
        "--checkpoint-interval",
        String(INTERVAL),
        ...(CHANGELOG ? [] : ["--no-changelog"]),
        "--",
        BOOT,
        input,
        output,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const p = { child, log: "" };
    child.stderr!.on("data", (d) => {
      p.log += d;
    });
    procs.push(p);
  }
  return procs;
}

/** Resolves once the units are spread over all `w` processes. */
async function formed(procs: { log: string }[], units: number): Promise<void> {
  for (;;) {
    const per = procs.map((p) => {
      const last = p.log
        .split("\n")
        .filter((l) => l.includes(": running "))
        .at(-1);
      return last ? last.slice(last.indexOf(": running ") + 10).split(", ").length : 0;
    });
    if (per.reduce((a, b) => a + b, 0) === units && per.every((n) => n > 0)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads the output read_committed; calls `on` per record with the time it became visible. */
async function readOutput(
  output: string,
  until: (seen: number) => boolean,
  on?: (v: { sentAt: number }) => void,
) {
  const consumer = client.consumer({
    "group.id": `bench-reader-${Date.now()}-${seq++}`,
    "auto.offset.reset": "earliest",
    "isolation.level": "read_committed",
  });
  const stream = await consumer.subscribe([output]);
  let seen = 0;
  for await (const r of stream) {
    seen++;
    on?.(JSON.parse(String(r.value)));
    if (until(seen)) break;
  }
  await stream.close().catch(() => {});
  await consumer.close();
}

async function produce(topic: string, from: number, to: number, sentAt?: () => number) {
  const p = client.producer({ "linger.ms": 2 });
  const batch = [];
  for (let i = from; i < to; i++) {
    batch.push({
      topic,
      key: `d${i % 97}`,
      value: JSON.stringify({ id: i, k: i % KEYS, sentAt: sentAt ? sentAt() : 0 }),
    });
  }
  await p.send(batch);
  await p.close();
}

async function run(w: number, mode: "throughput" | "latency") {
  const tag = `${Date.now()}-${w}-${mode}`;
  const input = `bench-group-in-${tag}`;
  const output = `bench-group-out-${tag}`;
  await client.createTopics([
    { name: input, partitions: PARTS },
    { name: output, partitions: PARTS },
  ]);
  const dir = mkdtempSync(join(tmpdir(), "fleuve-bench-group-"));
  const total = mode === "throughput" ? N : RATE * SECONDS;
  if (mode === "throughput") await produce(input, 0, N);
  const procs = startWorkers(w, input, output, dir, `bench-${tag}`);
  try {
    await formed(procs, 6 + 6);
    const t0 = performance.now();
    const latencies: number[] = [];
    const reading = readOutput(
      output,
      (n) => n >= total,
      mode === "latency" ? (v) => latencies.push(Date.now() - v.sentAt) : undefined,
    );
    if (mode === "latency") {
      // Paced in 50 ms steps.
      const start = Date.now();
      for (let sent = 0; sent < total; ) {
        const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * RATE));
        if (due > sent) {
          await produce(input, sent, due, () => Date.now());
          sent = due;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await reading;
    const secs = (performance.now() - t0) / 1000;
    if (mode === "throughput") return { rate: Math.round(N / secs) };
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
    return { p50: q(0.5), p99: q(0.99), max: latencies.at(-1)! };
  } finally {
    for (const p of procs) p.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 1000));
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await client.deleteTopics([input, output]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const w of WORKERS) {
  const t = await run(w, "throughput");
  console.log(
    `workers=${w} throughput: ${t.rate} events/s (${N} events, checkpoint interval ${INTERVAL} ms)`,
  );
  const l = await run(w, "latency");
  console.log(`workers=${w} latency at ${RATE} events/s: p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms`);
}
await client.close();
