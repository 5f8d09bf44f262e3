/**
 * Recovery after `kill -9` of one of three `fleuve run --group` processes: the job of group-job.ts
 * (Kafka -> keyBy -> running count -> Kafka, exactly-once, 12 units) with input flowing at RATE/s,
 * each event stamped with its send time. One process that does not lead the group is SIGKILLed
 * after WARMUP seconds. Measured from the kill (same machine clock):
 *
 * - detected: a survivor logs the rebalance that gives it the killed process's units;
 * - running: every unit of the killed process has logged `starting` on a survivor;
 * - flowing: every key has output, visible read_committed, for an event sent after the kill (so
 *   every unit, moved or not, is producing again);
 * - max latency: the largest send -> visible time of the events sent after the kill.
 *
 * Usage: node --import tsx bench/kafka/group-recovery.ts   (SESSIONS=6000,10000 RUNS=3 RATE=1000
 *        WARMUP=15 INTERVAL=1000)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KafkaClient } from "@fleuve/kafka";

const BOOT = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const SESSIONS = (process.env.SESSIONS ?? "6000,10000").split(",").map(Number);
const RUNS = Number(process.env.RUNS ?? 3);
const RATE = Number(process.env.RATE ?? 1000);
const WARMUP = Number(process.env.WARMUP ?? 15);
const INTERVAL = Number(process.env.INTERVAL ?? 1000);
const PARTS = 12;
const KEYS = 500;
const UNITS = 12;
const cli = fileURLToPath(new URL("../../packages/cli/bin/fleuve.js", import.meta.url));
const job = fileURLToPath(new URL("./group-job.ts", import.meta.url));

const client = await KafkaClient.connect({ "bootstrap.servers": BOOT });

interface Proc {
  child: ChildProcess;
  log: string;
  /** Lines with the time they arrived. */
  lines: { at: number; line: string }[];
}

function startWorker(session: number, input: string, output: string, dir: string, group: string): Proc {
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
      "--kafka-property",
      `session.timeout.ms=${session}`,
      "--",
      BOOT,
      input,
      output,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const p: Proc = { child, log: "", lines: [] };
  let partial = "";
  child.stderr!.on("data", (d) => {
    p.log += d;
    const parts = (partial + d).split("\n");
    partial = parts.pop()!;
    for (const line of parts) p.lines.push({ at: Date.now(), line });
  });
  return p;
}

const assignment = (p: Proc) => {
  const last = p.log
    .split("\n")
    .filter((l) => l.includes(": running "))
    .at(-1);
  if (!last) return [];
  const list = last.slice(last.indexOf(": running ") + 10).trim();
  return list === "no unit" ? [] : list.split(", ");
};

async function until(what: string, cond: () => boolean, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function run(session: number) {
  const tag = `${Date.now()}-${session}`;
  const input = `bench-recovery-in-${tag}`;
  const output = `bench-recovery-out-${tag}`;
  await client.createTopics([
    { name: input, partitions: PARTS },
    { name: output, partitions: PARTS },
  ]);
  const dir = mkdtempSync(join(tmpdir(), "fleuve-bench-recovery-"));
  const procs = [0, 1, 2].map(() => startWorker(session, input, output, dir, `bench-${tag}`));
  const producer = client.producer({ "linger.ms": 2 });
  const consumer = client.consumer({
    "group.id": `bench-recovery-reader-${tag}`,
    "auto.offset.reset": "earliest",
    "isolation.level": "read_committed",
  });
  let stop = false;
  try {
    await until("the group to form", () => procs.every((p) => assignment(p).length === UNITS / 3));
    await until(
      "every unit to start",
      () => procs.flatMap((p) => p.log.match(/unit \S+: starting /g) ?? []).length >= UNITS,
    );
    let killedAt = Number.POSITIVE_INFINITY;
    const flowing = new Map<number, number>(); // key -> first visible output sent after the kill
    let maxLatency = 0;
    const stream = await consumer.subscribe([output]);
    const reading = (async () => {
      for await (const r of stream) {
        const v = JSON.parse(String(r.value)) as { k: number; sentAt: number };
        const now = Date.now();
        if (v.sentAt >= killedAt) {
          maxLatency = Math.max(maxLatency, now - v.sentAt);
          if (!flowing.has(v.k)) flowing.set(v.k, now);
        }
        if (stop) break;
      }
    })();
    // input at RATE/s in 50 ms steps, every key in turn
    let sent = 0;
    const start = Date.now();
    const producing = (async () => {
      while (!stop) {
        const due = Math.floor(((Date.now() - start) / 1000) * RATE);
        if (due > sent) {
          const batch = [];
          for (let i = sent; i < due; i++)
            batch.push({
              topic: input,
              key: `d${i % 97}`,
              value: JSON.stringify({ id: i, k: i % KEYS, sentAt: Date.now() }),
            });
          await producer.send(batch);
          sent = due;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await new Promise((r) => setTimeout(r, WARMUP * 1000));
    const leader = procs.findIndex((p) => p.log.includes("rebalance (as leader)"));
    const victim = procs[(leader + 1) % 3]!;
    const moved = assignment(victim);
    const survivors = procs.filter((p) => p !== victim);
    const mark = survivors.map((p) => p.lines.length);
    killedAt = Date.now();
    victim.child.kill("SIGKILL");
    const after = () => survivors.flatMap((p, i) => p.lines.slice(mark[i]));
    await until("the rebalance", () =>
      after().some((l) => /generation \S+ at \S+: start: (?!none)/.test(l.line)),
    );
    const detected =
      after().find((l) => /generation \S+ at \S+: start: (?!none)/.test(l.line))!.at - killedAt;
    const startedLine = (u: string) => after().find((l) => l.line.includes(`unit ${u}: starting `));
    await until("the moved units to start", () => moved.every((u) => startedLine(u)));
    const running = Math.max(...moved.map((u) => startedLine(u)!.at)) - killedAt;
    const restarted = after().filter((l) => / unit \S+: starting /.test(l.line)).length;
    await until("output of every key", () => flowing.size === KEYS);
    const flow = Math.max(...flowing.values()) - killedAt;
    stop = true;
    await producing;
    await stream.close().catch(() => {});
    await reading.catch(() => {});
    return { detected, running, flowing: flow, maxLatency, restarted, moved: moved.length };
  } finally {
    stop = true;
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await producer.close().catch(() => {});
    await consumer.close().catch(() => {});
    await client.deleteTopics([input, output]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const session of SESSIONS) {
  const results: Awaited<ReturnType<typeof run>>[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await run(session);
    results.push(r);
    console.log(
      `session.timeout.ms=${session} run ${i + 1}: detected ${r.detected} ms, moved units running ${r.running} ms, every key flowing ${r.flowing} ms, max latency ${r.maxLatency} ms; ${r.restarted} units restarted (${r.moved} moved)`,
    );
  }
  const median = (f: (r: Awaited<ReturnType<typeof run>>) => number) =>
    results.map(f).sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
  console.log(
    `session.timeout.ms=${session} median: detected ${median((r) => r.detected)} ms, running ${median((r) => r.running)} ms, flowing ${median((r) => r.flowing)} ms, max latency ${median((r) => r.maxLatency)} ms`,
  );
}
await client.close();
