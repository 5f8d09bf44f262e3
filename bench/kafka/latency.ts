/**
 * Latency modes of a scale-out job (`fleuve run --group`, issue 11): end-to-end latency at a steady
 * rate and the throughput of a burst, per mode, with the job of group-job.ts (Kafka -> keyBy ->
 * running count -> Kafka; one exchange hop between the source units and the counting units) in
 * WORKERS processes.
 *
 * Modes:
 * - `checkpoint-1000`: what group mode did before commit intervals: a unit commits its
 *   transactions at its checkpoints, every 1000 ms, full keyed state every 10 of them
 *   (`--commit-interval 1000 --materialize-every 10`);
 * - `eos-100`: exactly-once, commits every 100 ms (the default), full state every 1000 ms;
 * - `at-least-once`: `--delivery at-least-once` exchanges and an at-least-once Kafka sink.
 *
 * Per mode and run: start the processes on empty topics and wait until every unit runs; WARM s
 * at RATE events/s (not measured); SECONDS s at RATE events/s, each event stamped with its send
 * time, latency = time this benchmark's own consumer (KafkaClient.consumer, a @platformatic/kafka
 * consumer; read_committed, read_uncommitted for at-least-once) reads its output - send time, same
 * clock; then a burst of N events sent at once: throughput = N / (time from the burst's first
 * send until its N-th output is read). Prints one line per run and a Markdown table of medians.
 *
 * Usage: node --import tsx bench/kafka/latency.ts   (or `npm run bench:kafka-latency`)
 *   env: MODES=checkpoint-1000,eos-100,at-least-once RUNS=3 RATE=2000 SECONDS=20 WARM=5
 *        N=100000 WORKERS=3 FLEUVE_KAFKA_BOOTSTRAP=127.0.0.1:9092
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KafkaClient } from "@fleuve/kafka";

const BOOT = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const MODES = (process.env.MODES ?? "checkpoint-1000,eos-100,at-least-once").split(",");
const RUNS = Number(process.env.RUNS ?? 3);
const RATE = Number(process.env.RATE ?? 2000);
const SECONDS = Number(process.env.SECONDS ?? 20);
const WARM = Number(process.env.WARM ?? 5);
const N = Number(process.env.N ?? 100_000);
const WORKERS = Number(process.env.WORKERS ?? 3);
const PARTS = 12;
const KEYS = 500;
/** Units of group-job.ts at parallelism 6: 6 source units and 6 counting units. */
const UNITS = 12;
const cli = fileURLToPath(new URL("../../packages/cli/bin/fleuve.js", import.meta.url));
const job = fileURLToPath(new URL("./group-job.ts", import.meta.url));

/** The `fleuve run` options and job sink guarantee of each mode. */
const MODE_ARGS: Record<string, { flags: string[]; delivery: string }> = {
  "checkpoint-1000": {
    flags: ["--commit-interval", "1000", "--checkpoint-interval", "1000", "--materialize-every", "10"],
    delivery: "exactly-once",
  },
  "eos-100": { flags: [], delivery: "exactly-once" },
  "at-least-once": { flags: ["--delivery", "at-least-once"], delivery: "at-least-once" },
};
for (const m of MODES) if (!MODE_ARGS[m]) throw new Error(`unknown mode ${m} (${Object.keys(MODE_ARGS)})`);

const client = await KafkaClient.connect({ "bootstrap.servers": BOOT });

interface Proc {
  child: ChildProcess;
  log: string;
}

function startWorkers(mode: string, input: string, output: string, dir: string, group: string): Proc[] {
  const { flags, delivery } = MODE_ARGS[mode]!;
  return Array.from({ length: WORKERS }, () => {
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
        ...flags,
        "--",
        BOOT,
        input,
        output,
        delivery,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const p = { child, log: "" };
    child.stderr!.on("data", (d) => {
      p.log += d;
    });
    return p;
  });
}

/** Resolves once the units are spread over every process (each one's last assignment). */
async function formed(procs: Proc[]): Promise<void> {
  for (;;) {
    const per = procs.map((p) => {
      const last = p.log
        .split("\n")
        .filter((l) => l.includes(": running "))
        .at(-1);
      return last ? last.slice(last.indexOf(": running ") + 10).split(", ").length : 0;
    });
    if (per.reduce((a, b) => a + b, 0) === UNITS && per.every((n) => n > 0)) return;
    for (const p of procs) {
      if (p.child.exitCode !== null) throw new Error(`a worker exited:\n${p.log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function produce(topic: string, from: number, to: number, stamp: boolean) {
  const p = client.producer({ "linger.ms": 0 });
  const batch = [];
  const sentAt = Date.now();
  for (let i = from; i < to; i++) {
    batch.push({
      topic,
      key: `d${i % 97}`,
      value: JSON.stringify({ id: i, k: i % KEYS, sentAt: stamp ? sentAt : 0 }),
    });
  }
  await p.send(batch);
  await p.close();
}

/** Sends ids [from, to) at RATE/s in 10 ms steps, each stamped with its send time. */
async function paced(topic: string, from: number, to: number) {
  const start = Date.now();
  const p = client.producer({ "linger.ms": 0 });
  try {
    for (let sent = from; sent < to; ) {
      const due = Math.min(to, from + Math.floor(((Date.now() - start) / 1000) * RATE));
      if (due > sent) {
        const now = Date.now();
        const batch = [];
        for (let i = sent; i < due; i++) {
          batch.push({
            topic,
            key: `d${i % 97}`,
            value: JSON.stringify({ id: i, k: i % KEYS, sentAt: now }),
          });
        }
        await p.send(batch);
        sent = due;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await p.close();
  }
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

interface RunResult {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  burst: number;
  load: string;
}

async function run(mode: string, r: number): Promise<RunResult> {
  const tag = `${Date.now()}-${mode}-${r}`;
  const input = `bench-lat-in-${tag}`;
  const output = `bench-lat-out-${tag}`;
  await client.createTopics([
    { name: input, partitions: PARTS },
    { name: output, partitions: PARTS },
  ]);
  const dir = mkdtempSync(join(tmpdir(), "fleuve-bench-latency-"));
  const loadBefore = loadavg()[0]!.toFixed(1);
  const procs = startWorkers(mode, input, output, dir, `bench-lat-${tag}`);
  const consumer = client.consumer({
    "group.id": `bench-lat-reader-${tag}`,
    "auto.offset.reset": "earliest",
    "isolation.level": mode === "at-least-once" ? "read_uncommitted" : "read_committed",
  });
  try {
    await formed(procs);
    const warmEnd = WARM * RATE;
    const latEnd = warmEnd + SECONDS * RATE;
    const burstEnd = latEnd + N;
    const seen = new Set<number>();
    const latencies: number[] = [];
    let waiting: { upTo: number; resolve: () => void } | undefined;
    let below = 0;
    let burstDone = 0;
    const stream = await consumer.subscribe([output]);
    const reading = (async () => {
      for await (const rec of stream) {
        const at = Date.now();
        const v = JSON.parse(String(rec.value)) as { id: number; sentAt: number };
        if (seen.has(v.id)) continue; // a duplicate (at-least-once after a failure; none expected)
        seen.add(v.id);
        if (v.id >= warmEnd && v.id < latEnd) latencies.push(at - v.sentAt);
        if (v.id >= latEnd) burstDone = at;
        if (waiting && v.id < waiting.upTo) below++;
        if (waiting && below >= waiting.upTo) waiting.resolve();
        if (seen.size >= burstEnd) break;
      }
    })();
    /** Resolves once every id below `upTo` was read. */
    const readAll = (upTo: number) =>
      new Promise<void>((resolve) => {
        below = [...seen].filter((id) => id < upTo).length;
        waiting = { upTo, resolve };
        if (below >= upTo) resolve();
      });
    await paced(input, 0, warmEnd);
    await readAll(warmEnd);
    await paced(input, warmEnd, latEnd);
    await readAll(latEnd);
    const t0 = Date.now();
    await produce(input, latEnd, burstEnd, false);
    await reading;
    latencies.sort((a, b) => a - b);
    return {
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1)!,
      burst: Math.round(N / ((burstDone - t0) / 1000)),
      load: `${loadBefore}-${loadavg()[0]!.toFixed(1)}`,
    };
  } finally {
    await consumer.close().catch(() => {});
    for (const p of procs) p.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 1000));
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await client.deleteTopics([input, output]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = new Map<string, RunResult[]>();
for (let r = 0; r < RUNS; r++) {
  for (const mode of MODES) {
    const res = await run(mode, r);
    console.log(
      `${mode} run ${r + 1}: latency at ${RATE}/s p50 ${res.p50} ms, p95 ${res.p95} ms, p99 ${res.p99} ms, max ${res.max} ms; burst of ${N}: ${res.burst} events/s; load ${res.load}`,
    );
    results.set(mode, [...(results.get(mode) ?? []), res]);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
console.log(`\n| mode | p50 ms | p95 ms | p99 ms | burst events/s | runs | load (1 min, start-end) |`);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: | --- |`);
for (const [mode, rs] of results) {
  console.log(
    `| ${mode} | ${median(rs.map((x) => x.p50))} | ${median(rs.map((x) => x.p95))} | ${median(rs.map((x) => x.p99))} | ${median(rs.map((x) => x.burst))} | ${rs.length} | ${rs.map((x) => x.load).join(", ")} |`,
  );
}
await client.close();
