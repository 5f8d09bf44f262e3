/**
 * Exchange topics are purged up to the oldest retained checkpoint, against the real broker. They
 * have no retention (internal-topics.test.ts), so without the purge they grow for ever. A group job
 * sends records through an exchange over many checkpoints: every exchange partition's log start
 * must move past 0 while the job runs, never past the position its receiver stored in the oldest of
 * its retained checkpoints (a restore may fall back to that one), and the records still arrive in
 * order, none lost or twice.
 * The membership topic is never written to, so it cannot grow.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { deserialize } from "node:v8";
import { defineJob } from "@fleuve/core";
import { KafkaClient, startGroupWorker } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";
import { latestCheckpoints } from "../fixtures/group-processes.js";

const options = await brokerTestOptions();
const N = 6000;
const RETAINED = 2;
const JOB = "purged";

/** Every `[topic, partition, "offset"]` found in a decoded checkpoint file. */
function positionsIn(value: unknown, topic: string, out: Map<number, bigint>, depth = 0): void {
  if (depth > 40 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    if (value[0] === topic && typeof value[1] === "number" && typeof value[2] === "string") {
      out.set(value[1], BigInt(value[2]));
      return;
    }
    for (const v of value) positionsIn(v, topic, out, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) positionsIn(v, topic, out, depth + 1);
    return;
  }
  for (const v of Object.values(value)) positionsIn(v, topic, out, depth + 1);
}

/**
 * Per exchange partition, the lowest read position over the retained checkpoints of the units
 * (the newest RETAINED complete ones of each unit, as pruning keeps them), or undefined when a
 * checkpoint could not be read (deleted meanwhile): the caller looks again.
 */
function oldestRetainedPositions(dir: string, topic: string): Map<number, bigint> | undefined {
  const out = new Map<number, bigint>();
  const root = join(dir, JOB);
  if (!existsSync(root)) return out;
  try {
    for (const unit of readdirSync(root)) {
      const complete: { id: number; path: string }[] = [];
      for (const epoch of readdirSync(join(root, unit)).filter((n) => n.startsWith("epoch-"))) {
        for (const name of readdirSync(join(root, unit, epoch))) {
          const m = /^chk-(\d+)$/.exec(name);
          const path = join(root, unit, epoch, name);
          if (m && existsSync(join(path, "_metadata"))) complete.push({ id: Number(m[1]), path });
        }
      }
      complete.sort((a, b) => b.id - a.id);
      for (const c of complete.slice(0, RETAINED)) {
        // snapshot files beside `_metadata`, or inside it (a unit's light checkpoints)
        const inline = (
          JSON.parse(readFileSync(join(c.path, "_metadata"), "utf8")) as {
            inline?: Record<string, string>;
          }
        ).inline;
        const contents = [
          ...readdirSync(c.path)
            .filter((f) => f !== "_metadata")
            .map((f) => readFileSync(join(c.path, f))),
          ...Object.values(inline ?? {}).map((b) => Buffer.from(b, "base64")),
        ];
        for (const content of contents) {
          let decoded: unknown;
          try {
            decoded = deserialize(content);
          } catch {
            continue; // not a serialized snapshot
          }
          const found = new Map<number, bigint>();
          positionsIn(decoded, topic, found);
          for (const [p, o] of found) if (!out.has(p) || o < out.get(p)!) out.set(p, o);
        }
      }
    }
  } catch {
    return undefined;
  }
  return out;
}

test("exchange topics are purged up to the oldest retained checkpoint, and every record arrives", {
  ...options,
  timeout: 300_000,
}, async () => {
  const group = uniqueTopic("purge");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-exchange-purge-"));
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const offsets = client.partitionReader({ "isolation.level": "read_uncommitted" });
  const prefix = `fleuve-${group}-${JOB}-`;
  const seen: number[] = [];
  const job = defineJob({
    name: JOB,
    build(env) {
      env
        // unbounded and paced, so that the receivers complete many checkpoints while records flow
        .fromGenerator((i) => i, { count: Number.POSITIVE_INFINITY, ratePerSecond: 1000 })
        .keyBy((i) => i % 7) // the exchange
        .forEach((v) => {
          seen.push(v);
        });
    },
  });
  const worker = await startGroupWorker({
    job,
    group,
    bootstrap: BOOTSTRAP,
    checkpointDir: dir,
    checkpointIntervalMs: 100,
    parallelism: 2,
    // dir and intervalMs as above (the worker sets them from checkpointDir/checkpointIntervalMs).
    options: { checkpointing: { dir, intervalMs: 100, retained: RETAINED } },
    log: () => {},
  });
  let stopped = false;
  try {
    const topics = (await client.listTopics()).filter((t) => t.startsWith(prefix));
    const exchange = topics.find((t) => !t.endsWith("-units") && !t.endsWith("-changelog"));
    assert.ok(exchange, `an exchange topic among ${topics.join(", ")}`);
    const logStarts = async (topic: string, which: "earliest" | "latest" = "earliest", count = 2) => {
      const partitions = Array.from({ length: count }, (_, p) => p);
      await offsets.assign(partitions.map((partition) => ({ topic, partition, offset: which })));
      return new Map(
        offsets
          .positions()
          .filter((p) => p.topic === topic)
          .map((p) => [p.partition, p.offset]),
      );
    };
    /** Log starts now; each at or below the oldest retained checkpoint's position, read after it. */
    const checkedLogStarts = async () => {
      const starts = await logStarts(exchange);
      let retained: Map<number, bigint> | undefined;
      for (let tries = 0; retained === undefined && tries < 20; tries++)
        retained = oldestRetainedPositions(dir, exchange);
      assert.ok(retained, "the retained checkpoints could be read");
      for (const [p, start] of starts) {
        if (start === 0n) continue;
        const kept = retained.get(p);
        assert.ok(kept !== undefined, `partition ${p} was purged (to ${start}) with no checkpoint`);
        assert.ok(
          start <= kept,
          `${exchange}-${p} was purged to ${start}, past its oldest retained checkpoint (${kept})`,
        );
      }
      return starts;
    };
    const deadline = Date.now() + 240_000;
    let starts = await checkedLogStarts();
    // Checkpoints of the receivers once records flow: from there, each one completed asks for a purge.
    let flowing: Map<string, number> | undefined;
    const receivers = () =>
      [...latestCheckpoints(join(dir, JOB))].filter(([u]) => !u.startsWith("Generator"));
    while ([...starts.values()].some((s) => s === 0n)) {
      assert.ok(Date.now() < deadline, `log starts ${[...starts.values()]} after ${seen.length} records`);
      if (!flowing && seen.length >= N / 4) flowing = new Map(receivers());
      // Enough checkpoints of every receiver to have asked many times: stop, which waits for
      // the deletes asked for, and look a last time.
      if (flowing && receivers().every(([u, id]) => id >= (flowing!.get(u) ?? 0) + RETAINED + 20)) break;
      await new Promise((r) => setTimeout(r, 100));
      starts = await checkedLogStarts();
    }
    while (seen.length < N) {
      assert.ok(Date.now() < deadline, `only ${seen.length} of ${N} records crossed the exchange`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await worker.stop(); // waits for the deletes asked for
    stopped = true;
    starts = await checkedLogStarts();
    for (const [p, s] of starts) assert.ok(s > 0n, `${exchange}-${p} was never purged`);

    // Oracle: the generator's subtasks emit i = 0, 2, 4... and 1, 3, 5...; an exchange partition
    // keeps each sender's order, so per key and sender (i mod 14) what arrived is exactly the
    // start of that sequence, in order: nothing lost, nothing twice.
    const bySequence = new Map<number, number[]>();
    for (const v of seen) {
      const r = v % 14;
      if (!bySequence.has(r)) bySequence.set(r, []);
      bySequence.get(r)!.push(v);
    }
    assert.equal(bySequence.size, 14, "every key from every sender arrived");
    for (const [r, got] of bySequence)
      assert.deepEqual(
        got,
        got.map((_, j) => r + 14 * j),
        `records i = ${r} mod 14 arrived in order, none lost or twice`,
      );
    // Nothing is written to the membership topic (only its partitions are assigned), so it does not grow.
    const members = await logStarts(`${prefix}units`, "latest", worker.units.length);
    assert.ok(
      [...members.values()].every((o) => o === 0n),
      "the membership topic holds no records",
    );
  } finally {
    if (!stopped) await worker.stop();
    await offsets.close().catch(() => {});
    await client.deleteTopics((await client.listTopics()).filter((t) => t.startsWith(prefix)));
    await client.close();
    rmSync(dir, { recursive: true, force: true });
    // Stopping a worker whose units are mid-run sometimes leaves two broker sockets open (seen
    // without the purge as well; not found yet): let the file end rather than hang the suite.
    setTimeout(() => process.exit(), 10_000).unref();
  }
});
