// The registry on a compacted `_schemas` topic of a real Kafka broker (a unique topic per test):
// two instances share one truth (a write through either is visible through the other at once, and
// concurrent writes through both never hand out an id twice), ids survive restarts and SIGKILL of
// `fleuve registry --kafka` processes, the records are Confluent's as kcat reads them, and a topic
// that could lose schemas (not compacted, several partitions) is refused at start.
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { KafkaClient } from "@fleuve/kafka";
import { KafkaStore, type RunningRegistry, startRegistry } from "../src/index.js";
import { avroRecord, call, waitFor } from "./fixtures/http.js";
import { BOOTSTRAP, kcatRecords, uniqueTopic } from "./fixtures/kafka.js";

const BIN = fileURLToPath(new URL("../../cli/bin/fleuve.js", import.meta.url));
const schema = (i: number) => avroRecord(`S${i}`, [{ name: "f", type: "int" }]);

const topics: string[] = [];
const newTopic = (prefix: string) => {
  const t = uniqueTopic(prefix);
  topics.push(t);
  return t;
};
after(async () => {
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  try {
    const existing = new Set(await client.listTopics());
    await client.deleteTopics(topics.filter((t) => existing.has(t)));
  } finally {
    await client.close();
  }
});

const onKafka = (topic: string, follower = false) =>
  startRegistry({ port: 0, store: new KafkaStore({ bootstrap: BOOTSTRAP, topic, follower }) });

/** `fleuve registry --kafka` in a child process; resolves once it listens. */
async function cli(
  args: string[],
): Promise<{ child: ChildProcess; url: string; output(): string; stop(): Promise<number> }> {
  const child = spawn(process.execPath, [BIN, "registry", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  await waitFor(
    "the registry to listen",
    () => /listening on (http:\S+)/.test(out) || child.exitCode !== null,
    180_000,
  );
  const url = /listening on (http:\S+)/.exec(out)?.[1];
  assert.ok(url, `fleuve registry did not start: ${out}`);
  return {
    child,
    url,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const done = new Promise<number>((r) => child.on("exit", (code) => r(code ?? -1)));
      child.kill("SIGTERM");
      return done;
    },
  };
}

describe("KafkaStore", { timeout: 600_000 }, () => {
  it("two instances on one topic: a write through either is visible through the other at once", async () => {
    const topic = newTopic("schemas-two");
    const a = await onKafka(topic);
    const b = await onKafka(topic);
    try {
      const r1 = await call(a.url, "POST", "/subjects/users-value/versions", { schema: schema(1) });
      assert.deepEqual([r1.status, r1.body.id], [200, 1]);
      // No wait: a read first catches up with the topic's last stable offset.
      assert.deepEqual((await call(b.url, "GET", "/subjects/users-value/versions/latest")).body, {
        subject: "users-value",
        version: 1,
        id: 1,
        schema: schema(1),
      });
      assert.deepEqual((await call(b.url, "PUT", "/config/users-value", { compatibility: "NONE" })).body, {
        compatibility: "NONE",
      });
      assert.deepEqual((await call(a.url, "GET", "/config/users-value")).body, {
        compatibilityLevel: "NONE",
      });
      const r2 = await call(b.url, "POST", "/subjects/users-value/versions", { schema: schema(2) });
      assert.equal(r2.body.id, 2);
      // The same schema through the other instance: the same id, no new version.
      assert.deepEqual(
        (await call(a.url, "POST", "/subjects/users-value/versions", { schema: schema(2) })).body,
        { id: 2, version: 2, schema: schema(2) },
      );
      assert.deepEqual((await call(a.url, "GET", "/subjects/users-value/versions")).body, [1, 2]);
      // A soft delete through one, the permanent one through the other.
      assert.deepEqual((await call(a.url, "DELETE", "/subjects/users-value/versions/1")).body, 1);
      assert.deepEqual(
        (await call(b.url, "DELETE", "/subjects/users-value/versions/1?permanent=true")).body,
        1,
      );
      assert.equal(
        (await call(a.url, "GET", "/subjects/users-value/versions/1?deleted=true")).body.error_code,
        40402,
      );
    } finally {
      await b.close();
      await a.close();
    }
  });

  it("concurrent writes through two instances: every schema one id, ids 1..n, versions without gaps", async () => {
    const topic = newTopic("schemas-race");
    const a = await onKafka(topic);
    const b = await onKafka(topic);
    const n = 24;
    try {
      await call(a.url, "PUT", "/config", { compatibility: "NONE" });
      // Each schema is registered through both instances at once, under one of three subjects:
      // through a in order, through b in reverse order, so that the two decide on different
      // schemas at the same time (without serialized writes, both would give one id to two schemas).
      const register = (r: RunningRegistry, i: number) =>
        call(r.url, "POST", `/subjects/s${i % 3}/versions`, { schema: schema(i) });
      const order = Array.from({ length: n }, (_, i) => i);
      const [viaA, viaB] = await Promise.all([
        Promise.all(order.map((i) => register(a, i))),
        Promise.all([...order].reverse().map((i) => register(b, i))).then((r) => r.reverse()),
      ]);
      const ids = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        assert.equal(viaA[i]!.status, 200, JSON.stringify(viaA[i]!.body));
        assert.equal(viaB[i]!.status, 200, JSON.stringify(viaB[i]!.body));
        assert.equal(viaA[i]!.body.id, viaB[i]!.body.id, `schema ${i}: both instances answer the same id`);
        ids.set(i, viaA[i]!.body.id);
      }
      // Confluent's ids: the next one is always the highest plus one, so n schemas hold 1..n.
      assert.deepEqual(
        [...ids.values()].sort((x, y) => x - y),
        Array.from({ length: n }, (_, i) => i + 1),
      );
      for (const r of [a, b]) {
        for (const [i, id] of ids)
          assert.equal((await call(r.url, "GET", `/schemas/ids/${id}`)).body.schema, schema(i));
        for (let s = 0; s < 3; s++) {
          const versions = (await call(r.url, "GET", `/subjects/s${s}/versions`)).body;
          assert.deepEqual(
            versions,
            Array.from({ length: n / 3 }, (_, v) => v + 1),
            `s${s} through ${r.url}`,
          );
        }
      }
    } finally {
      await b.close();
      await a.close();
    }
  });

  it("two `fleuve registry --kafka` processes: ids stable after SIGKILL and restarts, new ids continue", async () => {
    const topic = newTopic("schemas-cli");
    const args = ["--kafka", "--bootstrap", BOOTSTRAP, "--topic", topic];
    let a = await cli(args);
    let b = await cli(args);
    try {
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) {
        const via = i % 2 === 0 ? a : b;
        ids.push((await call(via.url, "POST", `/subjects/k${i}/versions`, { schema: schema(i) })).body.id);
      }
      assert.deepEqual(ids, [1, 2, 3, 4, 5, 6]);
      const killed = new Promise((r) => a.child.on("exit", r));
      a.child.kill("SIGKILL");
      await killed;
      assert.equal(await b.stop(), 0);
      a = await cli(args);
      b = await cli(args);
      for (let i = 0; i < 6; i++) {
        for (const r of [a, b]) {
          assert.equal((await call(r.url, "POST", `/subjects/k${i}`, { schema: schema(i) })).body.id, ids[i]);
        }
      }
      assert.equal((await call(b.url, "POST", "/subjects/new/versions", { schema: schema(99) })).body.id, 7);
      assert.deepEqual((await call(a.url, "GET", "/schemas/ids/7")).body, { schema: schema(99) });
    } finally {
      await a.stop();
      await b.stop();
    }
    // Confluent's record layout, as an independent client (kcat) reads the topic.
    const recs = kcatRecords(topic);
    assert.deepEqual(JSON.parse(recs[0]!.key!), { keytype: "SCHEMA", subject: "k0", version: 1, magic: 1 });
    assert.deepEqual(JSON.parse(recs[0]!.value!), {
      subject: "k0",
      version: 1,
      id: 1,
      schema: schema(0),
      deleted: false,
    });
    assert.equal(recs.length, 7);
  });

  it("a follower serves reads and refuses writes with 42205", async () => {
    const topic = newTopic("schemas-follow");
    const writer = await onKafka(topic);
    const follower = await onKafka(topic, true);
    try {
      const { id } = (await call(writer.url, "POST", "/subjects/f/versions", { schema: schema(1) })).body;
      assert.equal((await call(follower.url, "GET", `/schemas/ids/${id}`)).body.schema, schema(1));
      const w = await call(follower.url, "POST", "/subjects/f/versions", { schema: schema(2) });
      assert.deepEqual([w.status, w.body.error_code], [422, 42205]);
    } finally {
      await follower.close();
      await writer.close();
    }
  });

  it("refuses a topic that is not compacted or has several partitions, and a missing topic for a follower", async () => {
    const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
    const wrongPolicy = newTopic("schemas-delete");
    const twoPartitions = newTopic("schemas-two-parts");
    try {
      await client.createTopics([
        { name: wrongPolicy, partitions: 1, config: { "cleanup.policy": "delete" } },
        { name: twoPartitions, partitions: 2, config: { "cleanup.policy": "compact" } },
      ]);
    } finally {
      await client.close();
    }
    let started: RunningRegistry | undefined;
    try {
      await assert.rejects(
        (async () => (started = await onKafka(wrongPolicy)))(),
        /retention policy of the schemas topic .* is incorrect: cleanup.policy is delete, expected compact/,
      );
      await assert.rejects(
        (async () => (started = await onKafka(twoPartitions)))(),
        /has 2 partitions; it needs exactly 1/,
      );
      await assert.rejects(
        (async () => (started = await onKafka(uniqueTopic("schemas-none"), true)))(),
        /the topic schemas-none-\S+ does not exist/,
      );
    } finally {
      await (started as RunningRegistry | undefined)?.close();
    }
  });

  it("the session of docs/schemas.md runs as printed (its ports and topic aside)", async () => {
    const doc = readFileSync(new URL("../../../docs/schemas.md", import.meta.url), "utf8");
    const block = /```text\n(\$ fleuve registry --kafka[\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(block, "docs/schemas.md shows a session of two registries on Kafka");
    const steps: { cmd: string; out: string }[] = [];
    for (const line of block.replace(/\\\n\s*/g, "").split("\n")) {
      if (line.startsWith("$ ")) steps.push({ cmd: line.slice(2), out: "" });
      else if (line !== "") steps[steps.length - 1]!.out += line;
    }
    assert.equal(steps.length, 4);
    const topic = newTopic("schemas-doc");
    const urls = new Map<string, string>(); // printed URL -> the running one
    const running: Awaited<ReturnType<typeof cli>>[] = [];
    const substitute = (text: string) =>
      [...urls]
        .reduce((t, [printed, real]) => t.replaceAll(printed, real), text)
        .replaceAll("_schemas", topic);
    try {
      for (const { cmd, out } of steps) {
        const registry = /^fleuve registry (.*) --port (\d+) &$/.exec(cmd);
        if (registry) {
          const r = await cli([...registry[1]!.split(" "), "--topic", topic]);
          running.push(r);
          urls.set(`http://127.0.0.1:${registry[2]}`, r.url);
          // The line it printed is the doc's, once its port and topic are substituted.
          assert.equal(r.output().split("\n")[0], substitute(out));
          continue;
        }
        assert.match(cmd, /^curl /);
        const got = (await promisify(execFile)("bash", ["-c", substitute(cmd)])).stdout;
        assert.equal(got, out, cmd);
      }
    } finally {
      for (const r of running) await r.stop();
    }
  });
});
