/**
 * Kafka -> keyed tumbling aggregation -> Kafka exactly-once, one worker, against the dev broker.
 * Baseline: a plain consume-transform-produce loop on the same client (partition reader + one
 * transaction per poll batch), doing the same aggregation by hand.
 * Usage: node --import tsx bench/kafka/eos-pipeline.ts   (N=300000 RUNS=3 by default)
 */
import { StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from "@fleuve/core";
import { KafkaClient, type KafkaSourceRecord, kafkaSink, kafkaSource } from "@fleuve/kafka";

const BOOT = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const N = Number(process.env.N ?? 300_000);
const RUNS = Number(process.env.RUNS ?? 3);
const KEYS = 1000;
const PARTS = 4;

const client = await KafkaClient.connect({ "bootstrap.servers": BOOT });
const tag = `${Date.now()}`;
const input = `bench-eos-in-${tag}`;
await client.createTopics([{ name: input, partitions: PARTS }]);
{
  const p = client.producer({ "linger.ms": 5 });
  const batch = [];
  for (let i = 0; i < N; i++) {
    batch.push({
      topic: input,
      key: `k${i % KEYS}`,
      value: JSON.stringify({ k: i % KEYS, v: i % 100, ts: i }),
      timestamp: i,
    });
    if (batch.length === 20_000) await p.send(batch.splice(0));
  }
  await p.send(batch);
  await p.close();
}

async function fleuve(run: number): Promise<number> {
  const out = `bench-eos-out-${tag}-${run}`;
  await client.createTopics([{ name: out, partitions: PARTS }]);
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    checkpointing: { dir: `/tmp/fleuve-bench-kafka-${tag}-${run}`, intervalMs: 1000 },
    log: () => {},
  });
  type Ev = { k: number; v: number; ts: number };
  env
    .fromSource(
      kafkaSource<null, Ev, Buffer>({ bootstrap: BOOT, topics: [input], bounded: true, value: "json" }),
      WatermarkStrategy.forMonotonousTimestamps<KafkaSourceRecord<null, Ev, Buffer>>().withTimestampAssigner(
        (r) => r.value.ts,
      ),
      "in",
    )
    .map((r) => r.value)
    .keyBy((e) => e.k)
    .window(TumblingEventTimeWindows.of<Ev>(1000))
    .reduce((a, b) => ({ k: a.k, v: a.v + b.v, ts: b.ts }))
    .sinkTo(
      kafkaSink({
        bootstrap: BOOT,
        topic: out,
        serializer: "json",
        key: (e) => String(e.k),
        deliveryGuarantee: "exactly-once",
        transactionalIdPrefix: `bench-${tag}-${run}`,
      }),
      "out",
    );
  const t0 = performance.now();
  await env.execute("bench");
  return N / ((performance.now() - t0) / 1000);
}

async function baseline(run: number): Promise<number> {
  const out = `bench-base-out-${tag}-${run}`;
  await client.createTopics([{ name: out, partitions: PARTS }]);
  const t0 = performance.now();
  const reader = client.partitionReader({ "isolation.level": "read_committed" });
  await reader.assign(
    Array.from({ length: PARTS }, (_, partition) => ({
      topic: input,
      partition,
      offset: "earliest" as const,
    })),
  );
  const producer = client.producer({ "transactional.id": `bench-base-${tag}-${run}` });
  // per key: the open window and its sum; a record of a later window closes and emits it
  const open = new Map<number, { w: number; v: number }>();
  let seen = 0;
  while (seen < N) {
    const recs = await reader.poll();
    const emit = [];
    for (const r of recs) {
      const e = JSON.parse(r.value!.toString()) as { k: number; v: number; ts: number };
      const w = Math.floor(e.ts / 1000);
      const cur = open.get(e.k);
      if (cur && cur.w !== w) {
        emit.push({
          topic: out,
          key: String(e.k),
          value: JSON.stringify({ k: e.k, v: cur.v, ts: cur.w * 1000 + 999 }),
        });
        open.set(e.k, { w, v: e.v });
      } else if (cur) cur.v += e.v;
      else open.set(e.k, { w, v: e.v });
      seen++;
    }
    if (seen === N) {
      for (const [k, c] of open)
        emit.push({ topic: out, key: String(k), value: JSON.stringify({ k, v: c.v, ts: c.w * 1000 + 999 }) });
    }
    if (emit.length === 0) continue;
    const tx = await producer.beginTransaction();
    await tx.send(emit);
    await tx.commit();
  }
  await producer.close();
  await reader.close();
  return N / ((performance.now() - t0) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f: number[] = [];
const b: number[] = [];
for (let r = 0; r < RUNS; r++) {
  f.push(await fleuve(r));
  b.push(await baseline(r));
  console.log(`run ${r}: fleuve ${Math.round(f[r]!)} ev/s, baseline ${Math.round(b[r]!)} ev/s`);
}
console.log(
  `median: fleuve ${Math.round(median(f))} ev/s, baseline ${Math.round(median(b))} ev/s (N=${N}, load ${(
    await import("node:os")
  )
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")})`,
);
await client.close();
