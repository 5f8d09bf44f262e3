/**
 * kafkaSource and kafkaSink against the real broker: round trips at both delivery guarantees,
 * kcat as an independent producer and read_committed reader, poison records to the dead-letter
 * writer, and an unreachable broker named in the error.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type DeadLetter, StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { KafkaClient, kafkaSink, kafkaSource } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";
import { settled } from "./settled.js";

const options = await brokerTestOptions();

function kcat(args: string[], input?: string): string {
  const r = spawnSync("kcat", ["-b", BOOTSTRAP, ...args], {
    input,
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`cannot run kcat (${r.error.message}). Install it: apt-get install -y kcat.`);
  assert.equal(r.status, 0, `kcat ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Every value of `topic` as kcat reads it (read_committed unless told), in no particular order. */
function kcatRead(topic: string, isolation = "read_committed"): string[] {
  const out = kcat(["-C", "-t", topic, "-e", "-q", "-f", "%s\\n", "-X", `isolation.level=${isolation}`]);
  return out.split("\n").filter((l) => l !== "");
}

describe("kafkaSource / kafkaSink", { ...options, timeout: 300_000 }, () => {
  let client: KafkaClient;
  const topics: string[] = [];
  const dirs: string[] = [];

  before(async () => {
    client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  });
  after(async () => {
    if (!client) return;
    await client.deleteTopics(topics).catch(() => {});
    await client.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function topic(prefix: string, partitions: number): Promise<string> {
    const t = uniqueTopic(prefix);
    await client.createTopics([{ name: t, partitions, config: OLD_TIMESTAMPS }]);
    topics.push(t);
    return t;
  }

  function cpDir(): string {
    const d = mkdtempSync(join(tmpdir(), "fleuve-kafka-cp-"));
    dirs.push(d);
    return d;
  }

  test("exactly-once: kcat produces, the job transforms, kcat read_committed sees each result once", async () => {
    const input = await topic("conn-in", 3);
    const output = await topic("conn-out", 2);
    const N = 3000;
    const lines = Array.from({ length: N }, (_, i) => `k${i % 17}:${JSON.stringify({ i, ts: 1000 + i })}`);
    kcat(["-P", "-t", input, "-K", ":"], `${lines.join("\n")}\n`);

    const env = StreamExecutionEnvironment.create({
      parallelism: 2,
      checkpointing: { dir: cpDir(), intervalMs: 50 },
      log: () => {},
    });
    env
      .fromSource(
        kafkaSource<string, { i: number; ts: number }, string>({
          bootstrap: BOOTSTRAP,
          topics: [input],
          bounded: true,
          key: "string",
          value: "json",
          headers: "string",
        }),
        WatermarkStrategy.noWatermarks(),
        "in",
      )
      .map((r) => `${r.key}/${r.value.i * 2}`)
      .sinkTo(
        kafkaSink<string>({
          bootstrap: BOOTSTRAP,
          topic: output,
          serializer: "string",
          key: (v) => v.split("/")[0]!,
          deliveryGuarantee: "exactly-once",
          transactionalIdPrefix: uniqueTopic("tx"),
        }),
        "out",
      );
    await env.execute("eos-roundtrip");
    await settled(client, output, 2);
    const got = kcatRead(output).sort();
    const want = Array.from({ length: N }, (_, i) => `k${i % 17}/${i * 2}`).sort();
    assert.equal(got.length, N);
    assert.deepEqual(got, want);
    // read_uncommitted sees the same records: no aborted transaction was left behind by a clean run.
    assert.equal(kcatRead(output, "read_uncommitted").length, N);
  });

  test("at-least-once without checkpoints, keys and headers round-trip; the group gets no offsets", async () => {
    const input = await topic("alo-in", 2);
    const output = await topic("alo-out", 1);
    const producer = client.producer();
    await producer.send(
      Array.from({ length: 500 }, (_, i) => ({
        topic: input,
        key: `u${i % 5}`,
        value: String(i),
        headers: { src: "test", n: String(i) },
        timestamp: 5000 + i,
      })),
    );
    await producer.close();
    const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
    env
      .fromSource(
        kafkaSource({
          bootstrap: BOOTSTRAP,
          topics: [input],
          bounded: true,
          key: "string",
          value: "string",
          headers: "string",
        }),
        WatermarkStrategy.noWatermarks(),
        "in",
      )
      .sinkTo(
        kafkaSink({
          bootstrap: BOOTSTRAP,
          topic: output,
          serializer: "json",
          key: (r) => r.key,
          headers: (r) => ({ ...r.headers, ts: String(r.timestamp) }),
        }),
        "out",
      );
    await env.execute("alo");
    await settled(client, output, 1);
    const raw = kcat(["-C", "-t", output, "-e", "-q", "-f", "%k|%h|%s\\n"]).split("\n").filter(Boolean);
    assert.equal(raw.length, 500);
    const parsed = raw
      .map((l) => {
        const [k, h, ...v] = l.split("|");
        return { k, h, v: JSON.parse(v.join("|")) as { value: string; timestamp: number } };
      })
      .sort((a, b) => Number(a.v.value) - Number(b.v.value));
    parsed.forEach((p, i) => {
      assert.equal(p.k, `u${i % 5}`);
      assert.equal(p.v.value, String(i));
      assert.equal(p.v.timestamp, 5000 + i);
      assert.equal(p.h, `src=test,n=${i},ts=${5000 + i}`);
    });
  });

  test("at-least-once keeps the write order in a partition across sends coalesced behind the one in flight", async () => {
    // linger.ms 0: a batch is cut at every turn of the event loop while the request before it is
    // in flight, so most records go in requests that gather several batches (sink.ts, #sendQueued).
    const output = await topic("alo-order", 1);
    const n = 30_000;
    const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
    env.fromCollection(Array.from({ length: n }, (_, i) => i)).sinkTo(
      kafkaSink<number>({
        bootstrap: BOOTSTRAP,
        topic: output,
        serializer: (v) => Buffer.from(String(v)),
        props: { "linger.ms": 0 },
      }),
      "out",
    );
    await env.execute("alo-order");
    await settled(client, output, 1);
    // kcat reads the one partition in offset order: each value once, in the order written.
    const got = kcat(["-C", "-t", output, "-e", "-q", "-f", "%s\\n"]).split("\n").filter(Boolean);
    assert.equal(got.length, n);
    assert.deepEqual(
      got.map(Number),
      Array.from({ length: n }, (_, i) => i),
    );
  });

  test("exactly-once keeps the write order in a partition across sends coalesced behind the one in flight", async () => {
    // As above, in transactions (checkpoints every 20 ms): batches cut while a send of the
    // transaction is in flight go together in the next one (sink.ts, TransactionalWriter #begin),
    // and a transaction's first send waits for those of the one before.
    const output = await topic("eos-order", 1);
    const n = 30_000;
    const env = StreamExecutionEnvironment.create({
      parallelism: 1,
      checkpointing: { dir: cpDir(), intervalMs: 20 },
      log: () => {},
    });
    env.fromCollection(Array.from({ length: n }, (_, i) => i)).sinkTo(
      kafkaSink<number>({
        bootstrap: BOOTSTRAP,
        topic: output,
        serializer: (v) => Buffer.from(String(v)),
        deliveryGuarantee: "exactly-once",
        transactionalIdPrefix: uniqueTopic("eos-order"),
        props: { "linger.ms": 0 },
      }),
      "out",
    );
    await env.execute("eos-order");
    await settled(client, output, 1);
    const got = kcatRead(output).map(Number);
    assert.equal(got.length, n);
    assert.deepEqual(
      got,
      Array.from({ length: n }, (_, i) => i),
    );
  });

  test("a poison record goes to the dead-letter writer, the others through", async () => {
    const input = await topic("poison-in", 1);
    const output = await topic("poison-out", 1);
    kcat(["-P", "-t", input], '{"n":1}\n{"n":2}\nnot json\n{"n":4}\n');
    const letters: DeadLetter[] = [];
    const env = StreamExecutionEnvironment.create({
      parallelism: 1,
      errorPolicy: { deadLetter: (l) => letters.push(l) },
      log: () => {},
    });
    env
      .fromSource(
        kafkaSource<null, { n: number }, Buffer>({
          bootstrap: BOOTSTRAP,
          topics: [input],
          bounded: true,
          value: "json",
        }),
        WatermarkStrategy.noWatermarks(),
        "in",
      )
      .map((r) => r.value.n)
      .sinkTo(kafkaSink<number>({ bootstrap: BOOTSTRAP, topic: output, serializer: "string" }), "out");
    await env.execute("poison");
    await settled(client, output, 1);
    assert.deepEqual(kcatRead(output).sort(), ["1", "2", "4"]);
    assert.equal(letters.length, 1);
    const rec = letters[0]!.record as { topic: string; partition: number; offset: number; value: string };
    assert.equal(rec.topic, input);
    assert.equal(rec.offset, 2);
    assert.equal(Buffer.from(rec.value, "base64").toString(), "not json");
    assert.match(letters[0]!.error, /kafkaSource: cannot deserialize record /);
  });

  test("deserialize(record) makes each value; a throw sends the record to dead letters naming topic/partition/offset", async () => {
    const input = await topic("deser-in", 1);
    kcat(["-P", "-t", input, "-K", ":"], "a:1\nb:2\nc:bad\nd:4\n");
    const letters: DeadLetter[] = [];
    const env = StreamExecutionEnvironment.create({
      parallelism: 1,
      errorPolicy: { deadLetter: (l) => letters.push(l) },
      log: () => {},
    });
    const seen: string[] = [];
    env
      .fromSource(
        kafkaSource({
          bootstrap: BOOTSTRAP,
          topics: [input],
          bounded: true,
          deserialize: (r) => {
            const n = Number(r.value!.toString());
            if (!Number.isInteger(n)) throw new Error(`not a number: ${r.value!.toString()}`);
            return `${r.key!.toString()}=${n * 10}@${r.offset}`;
          },
        }),
        WatermarkStrategy.noWatermarks(),
        "in",
      )
      .sinkTo({ createWriter: () => ({ write: (v: string) => void seen.push(v) }) }, "out");
    await env.execute("deserialize");
    assert.deepEqual(seen, ["a=10@0", "b=20@1", "d=40@3"]);
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.operator, "in");
    assert.equal(letters[0]!.error, `kafkaSource: cannot deserialize record ${input}/0@2: not a number: bad`);
    const rec = letters[0]!.record as {
      topic: string;
      partition: number;
      offset: number;
      key: string;
      value: string;
    };
    assert.deepEqual(
      {
        ...rec,
        key: Buffer.from(rec.key, "base64").toString(),
        value: Buffer.from(rec.value, "base64").toString(),
      },
      { topic: input, partition: 0, offset: 2, key: "c", value: "bad" },
    );
  });

  test("option 'deserialize' must be a function", () => {
    assert.throws(
      () => kafkaSource({ bootstrap: BOOTSTRAP, topics: ["t"], deserialize: "json" as never }),
      (e: Error & { code?: string }) =>
        e.code === "FLEUVE_CONFIG_INVALID" &&
        /kafkaSource: option 'deserialize' must be a function/.test(e.message),
    );
  });

  test("unbounded source with a pattern and per-partition watermarks fires event-time windows", async () => {
    const prefix = uniqueTopic("pat");
    const a = `${prefix}-a`;
    await client.createTopics([{ name: a, partitions: 2, config: OLD_TIMESTAMPS }]);
    topics.push(a);
    const producer = client.producer();
    // partition 0 runs ahead to t=10000; partition 1 stays at t<2000 until the end: the watermark
    // must follow the slower partition, so window [0,1000) of partition 1 is complete when emitted.
    const recs = [];
    for (let i = 0; i < 20; i++) recs.push({ topic: a, partition: 0, value: "x", timestamp: i * 500 });
    for (let i = 0; i < 4; i++) recs.push({ topic: a, partition: 1, value: "y", timestamp: i * 400 });
    await producer.send(recs);
    await producer.close();
    const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
    const seen: string[] = [];
    env
      .fromSource(
        kafkaSource({ bootstrap: BOOTSTRAP, topics: new RegExp(`^${prefix}-`), value: "string" }),
        WatermarkStrategy.forMonotonousTimestamps(),
        "in",
      )
      .map((r) => ({ p: r.partition, v: r.value, t: r.timestamp }))
      .process({
        processElement(e, ctx, out) {
          out.collect(`${e.p}:${e.t}:${ctx.timerService().currentWatermark()}`);
        },
      })
      .forEach((s) => {
        seen.push(String(s));
      });
    const client2 = env.executeAsync("pattern");
    const deadline = Date.now() + 120_000;
    while (seen.length < 24 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await client2.cancel();
    await client2.result.catch(() => {});
    assert.equal(seen.length, 24);
    // No record saw a watermark beyond partition 1's newest timestamp (1200).
    for (const s of seen) assert.ok(Number(s.split(":")[2]) < 1200, s);
  });

  test("a broker that does not answer fails the job with FLEUVE_KAFKA_UNREACHABLE naming the address", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
    env
      .fromSource(
        kafkaSource({ bootstrap: "127.0.0.1:1", topics: ["x"], bounded: true }),
        WatermarkStrategy.noWatermarks(),
        "in",
      )
      .forEach(() => {});
    await assert.rejects(env.execute("down"), (e: Error & { code?: string }) => {
      assert.equal(e.code, "FLEUVE_KAFKA_UNREACHABLE");
      assert.match(e.message, /127\.0\.0\.1:1/);
      return true;
    });
  });
});
