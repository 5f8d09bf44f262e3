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
 *        HOPS=1: also the median/p99 time of each hop (see `hops` below);
 *        LOOP_DELAY=1: also each group process's event-loop delay (p50/p99/max ms) and CPU time while the
 *        latency is measured (loop-delay.mjs), to tell stalls inside a process from the rest;
 *        RUN_FLAGS="--checkpoint-interval 10000": more `fleuve run` options for every mode;
 *        PARALLELISM=6: the job's parallelism (group-job.ts; twice as many units);
 *        SINK_LINGER_MS=5: the output sink's `linger.ms` (group-job.ts; default: the sink's own,
 *        0 at-least-once and 5 exactly-once);
 *        WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR": node flags of the group processes
 *        (they are then given up to 30 s to stop, so that profiles get written);
 *        FLEUVE_CLI=path/to/fleuve.js: the CLI of another build (A/B against an older commit).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deserialize } from "node:v8";
import { KafkaClient } from "@fleuve/kafka";
import { Consumer } from "@platformatic/kafka";

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
/** Units of group-job.ts: PARALLELISM source units and as many counting units (12 by default). */
const UNITS = 2 * Number(process.env.PARALLELISM ?? 6);
const HOPS = process.env.HOPS === "1";
const LOOP_DELAY = process.env.LOOP_DELAY === "1";
/** More `fleuve run` options for every mode, e.g. `--checkpoint-interval 10000`. */
const EXTRA_FLAGS = (process.env.RUN_FLAGS ?? "").split(" ").filter((a) => a !== "");
const NODE_ARGS = [
  ...(process.env.WORKER_NODE_ARGS ?? "").split(" ").filter((a) => a !== ""),
  ...(LOOP_DELAY ? ["--import", fileURLToPath(new URL("./loop-delay.mjs", import.meta.url))] : []),
];
const cli =
  process.env.FLEUVE_CLI ?? fileURLToPath(new URL("../../packages/cli/bin/fleuve.js", import.meta.url));
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
        ...NODE_ARGS,
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
        ...EXTRA_FLAGS,
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

/** A data record of a topic as the broker stored it, and when its transaction's marker was written. */
interface Stored {
  /** The broker's append time (the topics are LogAppendTime). */
  appended: number;
  /** Append time of the commit marker of its producer's transaction (NaN: none, not transactional). */
  committed: number;
  /**
   * When the partition's last stable offset passed it (read_committed readers can see it from
   * then on): the last marker of every transaction open in its partition at its offset, its own
   * and other producers' (the LSO stops at the first offset of the oldest open transaction).
   */
  stable: number;
  value: Buffer;
}

/**
 * HOPS=1: records every record of `topic` with its append time and, for transactional writes, the
 * append time of the commit marker that made it visible to read_committed readers (the first
 * control batch of the same producer after it in its partition). Reads with plain
 * read_uncommitted fetches as the run goes (exchange topics are purged soon after their
 * receivers' checkpoints; what was purged before it was read is skipped), so the times are the
 * broker's and no reader lag enters them. `stop()` reads up to the end and returns the records.
 */
function recordTopic(topic: string): { stop(): Promise<Stored[]> } {
  const raw = new Consumer({
    clientId: "bench-lat-hops",
    bootstrapBrokers: [BOOT],
    groupId: `bench-lat-hops-${topic}`,
  }) as unknown as RawConsumer;
  let stopping = false;
  const data: { p: number; offset: bigint; pid: bigint; appended: number; value: Buffer }[] = [];
  const markers: { p: number; offset: bigint; pid: bigint; at: number; commit: boolean }[] = [];
  const done = (async () => {
    const md = await raw.metadata({ topics: [topic], forceUpdate: true });
    const t = md.topics.get(topic)!;
    const offsets = t.partitions.map(() => 0n);
    const ends = t.partitions.map(() => -1n);
    for (;;) {
      let res: Awaited<ReturnType<RawConsumer["fetch"]>>;
      try {
        res = await raw.fetch({
          node: t.partitions[0]!.leader,
          minBytes: 1,
          maxBytes: 52_428_800,
          maxWaitTime: 100,
          isolationLevel: 0,
          topics: [
            {
              topicId: t.id,
              partitions: offsets.map((fetchOffset, partition) => ({
                partition,
                currentLeaderEpoch: -1,
                fetchOffset,
                lastFetchedEpoch: -1,
                partitionMaxBytes: 8_388_608,
              })),
            },
          ],
        });
      } catch {
        // purged past our offset: go on from the first offset still there
        const earliest = await raw.listOffsets({
          topics: [topic],
          partitions: { [topic]: offsets.map((_, i) => i) },
          timestamp: -2n,
          isolationLevel: 0,
        });
        earliest.get(topic)?.forEach((o, i) => {
          if (o > offsets[i]!) offsets[i] = o;
        });
        continue;
      }
      for (const part of res.responses[0]!.partitions) {
        const p = part.partitionIndex;
        ends[p] = part.highWatermark;
        for (const b of part.records ?? []) {
          const at = Number(b.maxTimestamp);
          if (b.attributes & (1 << 5)) {
            const key = b.records[0]?.key;
            markers.push({
              p,
              offset: b.firstOffset,
              pid: b.producerId,
              at,
              commit: key?.readInt16BE(2) === 1,
            });
          } else {
            for (const r of b.records) {
              const o = b.firstOffset + BigInt(r.offsetDelta);
              if (o >= offsets[p]! && r.value)
                data.push({ p, offset: o, pid: b.producerId, appended: at, value: r.value });
            }
          }
          offsets[p] = b.firstOffset + BigInt(b.lastOffsetDelta) + 1n;
        }
      }
      if (stopping && offsets.every((o, i) => o >= ends[i]!)) return;
    }
  })();
  return {
    async stop() {
      stopping = true;
      await done.finally(() => raw.close(true));
      const stable = stableTimes(data, markers);
      return data.map((d, i) => {
        const m = markers.find((x) => x.p === d.p && x.pid === d.pid && x.offset > d.offset);
        return {
          appended: d.appended,
          committed: m?.commit ? m.at : Number.NaN,
          stable: stable[i]!,
          value: d.value,
        };
      });
    },
  };
}

/**
 * For each data record, when the last stable offset of its partition passed it: the latest marker
 * of the transactions open at its offset (each from its producer's first record after its previous
 * marker up to its next marker). NaN where a transaction's marker was not read.
 */
function stableTimes(
  data: { p: number; offset: bigint; pid: bigint; appended: number }[],
  markers: { p: number; offset: bigint; pid: bigint; at: number }[],
): number[] {
  const out = data.map((d) => (d.pid >= 0n ? Number.NEGATIVE_INFINITY : d.appended));
  const parts = new Set(data.map((d) => d.p));
  for (const p of parts) {
    const ev = [
      ...data.map((d, i) => ({ o: d.offset, pid: d.pid, i, at: 0 })).filter((e) => data[e.i]!.p === p),
      ...markers.filter((m) => m.p === p).map((m) => ({ o: m.offset, pid: m.pid, i: -1, at: m.at })),
    ].sort((a, b) => (a.o < b.o ? -1 : a.o > b.o ? 1 : 0));
    // open transactions: producer -> indexes of its records since its last marker
    const open = new Map<bigint, number[]>();
    for (const e of ev) {
      if (e.i >= 0) {
        if (e.pid >= 0n && !open.has(e.pid)) open.set(e.pid, []);
        // every transaction open now holds this record back until its marker
        for (const t of open.values()) t.push(e.i);
        continue;
      }
      const txn = open.get(e.pid);
      if (!txn) continue;
      open.delete(e.pid);
      for (const i of txn) if (out[i]! < e.at) out[i] = e.at;
    }
    for (const t of open.values()) for (const i of t) out[i] = Number.NaN;
  }
  return out;
}

/** The slice of @platformatic/kafka's Consumer that storedRecords uses. */
interface RawConsumer {
  metadata(o: { topics: string[]; forceUpdate: boolean }): Promise<{
    topics: Map<string, { id: string; partitions: { leader: number }[] }>;
  }>;
  listOffsets(o: unknown): Promise<Map<string, bigint[]>>;
  fetch(o: unknown): Promise<{
    responses: {
      partitions: {
        partitionIndex: number;
        highWatermark: bigint;
        records?: {
          firstOffset: bigint;
          lastOffsetDelta: number;
          producerId: bigint;
          attributes: number;
          maxTimestamp: bigint;
          records: { offsetDelta: number; key?: Buffer; value?: Buffer }[];
        }[];
      }[];
    }[];
  }>;
  close(force: boolean): Promise<void>;
}

/**
 * HOPS=1: where a record's time goes, from the broker's own clock (the input and output topics are
 * created with LogAppendTime, exchange topics have it) and the commit markers, read after the run:
 * produce -> input appended -> exchange record appended (the source unit read, mapped and sent it)
 * -> its transaction's commit marker (the source unit's commit) -> output appended (the keyed unit
 * read, counted and sent it) -> output commit marker (the keyed unit's commit) -> read by the
 * benchmark's reader. At-least-once writes have no marker: those hops read NaN and are skipped.
 * Prints median and p99 of each hop over the measured ids.
 */
async function startHops(tag: string, input: string, output: string) {
  const prefix = `fleuve-bench-lat-${tag}-`;
  const exchange = (await client.listTopics()).filter(
    (t) => t.startsWith(prefix) && !/-(units|changelog|control)$/.test(t),
  );
  if (exchange.length !== 1) throw new Error(`HOPS: expected one exchange topic, got ${exchange.join(", ")}`);
  return { input: recordTopic(input), exchange: recordTopic(exchange[0]!), output: recordTopic(output) };
}

async function hopReport(
  mode: string,
  rec: Awaited<ReturnType<typeof startHops>>,
  from: number,
  to: number,
  seenAt: Map<number, number>,
) {
  // id -> [sentAt, in appended, x appended, x committed, out appended, out committed, read,
  //        x stable, out stable]
  const t = new Map<number, number[]>();
  const at = (id: number) => {
    let a = t.get(id);
    if (!a) t.set(id, (a = new Array<number>(9).fill(Number.NaN)));
    return a;
  };
  const [ins, xs, outs] = await Promise.all([rec.input.stop(), rec.exchange.stop(), rec.output.stop()]);
  for (const r of ins) {
    const v = JSON.parse(String(r.value)) as { id: number; sentAt: number };
    if (v.id < from || v.id >= to) continue;
    const a = at(v.id);
    a[0] = v.sentAt;
    a[1] = r.appended;
  }
  for (const r of xs) {
    const m = deserialize(r.value) as [number, { id: number }];
    if (m[0] !== 0 || m[1].id < from || m[1].id >= to) continue;
    const a = at(m[1].id);
    a[2] = r.appended;
    a[3] = r.committed;
    a[7] = r.stable;
  }
  for (const r of outs) {
    const v = JSON.parse(String(r.value)) as { id: number };
    if (v.id < from || v.id >= to) continue;
    const a = at(v.id);
    a[4] = r.appended;
    a[5] = r.committed;
    a[8] = r.stable;
    a[6] = seenAt.get(v.id) ?? Number.NaN;
  }
  const names = [
    "produce -> input appended",
    "-> exchange record appended (source unit: fetch, map, exchange send)",
    "-> exchange commit marker (source unit's commit)",
    "-> output appended (keyed unit: fetch, count, sink send)",
    "-> output commit marker (keyed unit's commit)",
    "-> read by the benchmark's reader",
  ];
  const rows = names.map((name, h) => {
    // a hop without a marker (at-least-once) is measured from the previous known time
    const d = [...t.values()]
      .map((a) => {
        let prev = h;
        while (prev > 0 && Number.isNaN(a[prev]!)) prev--;
        return a[h + 1]! - a[prev]!;
      })
      .filter((x) => Number.isFinite(x))
      .sort((x, y) => x - y);
    return d.length === 0
      ? `  ${name}: none (no such marker)`
      : `  ${name}: p50 ${quantile(d, 0.5)} ms, p99 ${quantile(d, 0.99)} ms (${d.length} records)`;
  });
  // Within the hops above: how long a committed record waits for other producers' transactions
  // (the last stable offset), and how long a reader takes once the LSO passed it.
  const extra = (
    [
      ["  exchange: own commit marker -> LSO passed it (other units' open transactions)", 3, 7],
      ["  exchange: LSO passed it -> output appended (keyed unit: read_committed fetch, count, send)", 7, 4],
      ["  output: own commit marker -> LSO passed it", 5, 8],
      ["  output: LSO passed it -> read by the benchmark's reader", 8, 6],
    ] as const
  ).map(([name, a, b]) => {
    const d = [...t.values()]
      .map((x) => x[b]! - x[a]!)
      .filter((x) => Number.isFinite(x))
      .sort((x, y) => x - y);
    return d.length === 0
      ? `${name}: none`
      : `${name}: p50 ${quantile(d, 0.5)} ms, p99 ${quantile(d, 0.99)} ms (${d.length} records)`;
  });
  return `${mode} hops (broker append times and commit markers):\n${rows.join("\n")}\n${extra.join("\n")}`;
}

/** LOOP_DELAY: prints each process's event-loop delay and CPU time over the measured window. */
async function loopDelays(procs: Proc[]): Promise<void> {
  const before = procs.map((p) => p.log.split("loop-delay:").length);
  for (const p of procs) p.child.kill("SIGUSR2");
  const deadline = Date.now() + 30_000;
  while (procs.some((p, i) => p.log.split("loop-delay:").length === before[i]) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const lines = procs.map((p) => p.log.split("loop-delay:").at(-1)!.split("\n")[0]!.trim());
  const cpu = lines.reduce((a, l) => a + Number(/cpu (\d+) ms/.exec(l)?.[1] ?? Number.NaN), 0);
  console.log(
    `event-loop delay and CPU time of the group processes while measured:\n${lines.map((l, i) => `  process ${i + 1}: ${l}`).join("\n")}\n` +
      `  CPU per event: ${(cpu / (SECONDS * RATE)).toFixed(3)} ms (${cpu} ms for ${SECONDS * RATE} events)`,
  );
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
  // HOPS: the broker stamps each record with when it was appended
  const config = HOPS ? { "message.timestamp.type": "LogAppendTime" } : undefined;
  await client.createTopics([
    { name: input, partitions: PARTS, ...(config ? { config } : {}) },
    { name: output, partitions: PARTS, ...(config ? { config } : {}) },
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
    const seenAt = new Map<number, number>();
    const hops = HOPS ? await startHops(tag, input, output) : undefined;
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
        if (v.id >= warmEnd && v.id < latEnd) {
          latencies.push(at - v.sentAt);
          if (HOPS) seenAt.set(v.id, at);
        }
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
    if (LOOP_DELAY) for (const p of procs) p.child.kill("SIGUSR2"); // starts the measured window
    await paced(input, warmEnd, latEnd);
    await readAll(latEnd);
    if (LOOP_DELAY) await loopDelays(procs);
    const t0 = Date.now();
    await produce(input, latEnd, burstEnd, false);
    await reading;
    latencies.sort((a, b) => a - b);
    if (hops) console.log(await hopReport(mode, hops, warmEnd, latEnd, seenAt));
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
    // profiled workers write their profiles as they exit: wait for that
    const stopBy = Date.now() + (NODE_ARGS.length > 0 ? 30_000 : 1000);
    while (
      Date.now() < stopBy &&
      procs.some((p) => p.child.exitCode === null && p.child.signalCode === null)
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    // and the group's internal topics (exchange, units, changelog, control): they have no retention
    const internal = (await client.listTopics().catch(() => [] as string[])).filter((t) =>
      t.startsWith(`fleuve-bench-lat-${tag}-`),
    );
    await client.deleteTopics([input, output, ...internal]).catch(() => {});
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
