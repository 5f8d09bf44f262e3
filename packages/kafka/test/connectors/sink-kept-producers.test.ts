// The exactly-once kafkaSink keeps one producer per transactional id slot across transactions
// (issue 11: a producer per transaction cost a connection, ApiVersions, FindCoordinator and
// Metadata per unit and commit interval) and still gives every transaction an epoch of its own
// (InitProducerId with the slot's current id and epoch, KIP-360). Proven against the real broker:
// after each slot's first transaction no producer and no connection is created any more; every
// transaction's `id:producerId:epoch` is new; a stale commit of an older transaction of a slot
// (what a restore sends for a listed transaction) is refused and does not make the slot's newer,
// open transaction visible; and a writer whose slot another process initialised since is fenced
// instead of fencing the newer owner.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { subscribe, tracingChannel, unsubscribe } from "node:diagnostics_channel";
import { after, before, describe, test } from "node:test";
import { protocolErrorIds, TxnCoordinatorClient } from "../../src/connectors/txn-coordinator.js";
import { KafkaClient, type KafkaCommittable, kafkaSink } from "../../src/index.js";
import { commonOptions } from "../../src/properties.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();
/** The sink's slots per subtask (sink.ts SLOTS). */
const SLOTS = 8;

/** Every value of `topic` that a read_committed reader sees now, sorted (kcat stops at the end). */
function committedValues(topic: string): string[] {
  const r = spawnSync(
    "kcat",
    ["-b", BOOTSTRAP, "-C", "-t", topic, "-e", "-q", "-f", "%s\\n", "-X", "isolation.level=read_committed"],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (r.error) throw new Error(`cannot run kcat (${r.error.message}). Install it: apt-get install -y kcat.`);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split("\n")
    .filter((l) => l !== "")
    .sort();
}

describe("exactly-once kafkaSink: one producer per slot, one epoch per transaction", {
  ...options,
  timeout: 300_000,
}, () => {
  let client: KafkaClient;
  let coordinator: TxnCoordinatorClient;
  const topics: string[] = [];

  before(async () => {
    client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
    coordinator = new TxnCoordinatorClient(
      commonOptions({ "bootstrap.servers": BOOTSTRAP }, "kept-producers-test"),
    );
  });
  after(async () => {
    await coordinator?.close();
    if (!client) return;
    if (topics.length > 0) await client.deleteTopics(topics).catch(() => {});
    await client.close();
  });

  test("bounded producers and connections, a new epoch per transaction, stale commits refused, zombies fenced", async () => {
    const topic = uniqueTopic("kept-producers");
    topics.push(topic);
    await client.createTopics([{ name: topic, partitions: 2 }]);
    const prefix = uniqueTopic("kept-txn");
    const sink = kafkaSink<string>({
      bootstrap: BOOTSTRAP,
      topic,
      serializer: "string",
      deliveryGuarantee: "exactly-once",
      transactionalIdPrefix: prefix,
      key: (v) => v,
    });

    // Producers and TCP connections the client creates in this process from here on.
    let producers = 0;
    let connects = 0;
    const onInstance = (m: unknown) => {
      if ((m as { type?: string }).type === "producer") producers++;
    };
    const connectsChannel = tracingChannel("plt:kafka:connections:connects");
    const onConnect = { start: () => void connects++ };
    subscribe("plt:kafka:instances", onInstance);
    connectsChannel.subscribe(onConnect as never);
    const writer = sink.createWriter({ subtaskIndex: 0, parallelism: 1 });
    try {
      await writer.ready?.();
      const committed: Required<
        Pick<KafkaCommittable, "transactionalId" | "producerId" | "producerEpoch">
      >[] = [];
      /** One transaction: a record, the barrier, acknowledgement, commit (as the sink operator does). */
      const transaction = async (value: string) => {
        writer.write(value, undefined);
        const cs = writer.prepareCommit(committed.length + 1);
        await writer.prepared!();
        await sink.commit(cs);
        const c = cs.at(-1)!;
        committed.push({
          transactionalId: c.transactionalId!,
          producerId: c.producerId!,
          producerEpoch: c.producerEpoch!,
        });
      };
      /**
       * Two overlapping transactions, as in a running job: the first is handed to a checkpoint and
       * still uncommitted when records after the barrier begin the next, on the next free slot.
       */
      const pair = async (a: string, b: string) => {
        writer.write(a, undefined);
        const first = writer.prepareCommit(committed.length + 1);
        await writer.prepared!();
        writer.write(b, undefined);
        const second = writer.prepareCommit(committed.length + 2);
        await writer.prepared!();
        for (const cs of [first, second]) {
          await sink.commit(cs);
          const c = cs.at(-1)!;
          committed.push({
            transactionalId: c.transactionalId!,
            producerId: c.producerId!,
            producerEpoch: c.producerEpoch!,
          });
        }
      };
      const value = (i: number) => `v${String(i).padStart(3, "0")}`;
      await pair(value(0), value(1));
      assert.equal(producers, 2, "the two slots in use have a producer each, the other slots none");
      const warm = { producers, connects };
      const N = 3 * SLOTS;
      for (let i = 2; i < N; i += 2) await pair(value(i), value(i + 1));
      await transaction(value(N));
      assert.deepEqual(
        { producers, connects },
        warm,
        `${N - 1} more transactions created no producer and opened no connection`,
      );

      // Every transaction has its own id/pid/epoch; a slot's epochs only grow; the lowest free
      // slot is taken (0, then 1 while 0 is being committed).
      const keys = committed.map((c) => `${c.transactionalId}:${c.producerId}:${c.producerEpoch}`);
      assert.equal(new Set(keys).size, N + 1, "no id:producerId:epoch twice");
      assert.deepEqual(
        committed.map((c) => c.transactionalId),
        [...Array.from({ length: N }, (_, i) => `${prefix}-0-${i % 2}`), `${prefix}-0-0`],
      );
      for (let s = 0; s < 2; s++) {
        const mine = committed.filter((c) => c.transactionalId === `${prefix}-0-${s}`);
        for (let k = 1; k < mine.length; k++) {
          const [a, b] = [mine[k - 1]!, mine[k]!];
          assert.ok(
            a.producerId !== b.producerId || b.producerEpoch > a.producerEpoch,
            `slot ${s}: epoch ${b.producerEpoch} after ${a.producerEpoch}`,
          );
        }
      }
      const expected = Array.from({ length: N + 1 }, (_, i) => value(i));
      assert.deepEqual(committedValues(topic), expected);

      // Slot 0 again: an open transaction with a record, prepared but not committed.
      writer.write("newer", undefined);
      const [open] = writer.prepareCommit(N + 2);
      await writer.prepared!();
      assert.equal(open!.transactionalId, `${prefix}-0-0`);
      const d = await coordinator.describe(open!.transactionalId!);
      assert.equal(d?.state, "Ongoing");
      assert.equal(String(d?.producerId), open!.producerId);
      assert.equal(d?.producerEpoch, open!.producerEpoch);
      // Each earlier transaction of slot 0, committed again by its id and epoch as a restore
      // would: refused ("fenced"), and the newer transaction stays open and invisible.
      for (const old of committed.filter((c) => c.transactionalId === open!.transactionalId)) {
        assert.equal(
          await coordinator.endTxn(old.transactionalId, BigInt(old.producerId), old.producerEpoch, true),
          "fenced",
        );
        // The restore path of another process (no local acknowledgement to wait for): nothing to do.
        const restored = kafkaSink<string>({
          bootstrap: BOOTSTRAP,
          topic,
          deliveryGuarantee: "exactly-once",
          transactionalIdPrefix: prefix,
        });
        await restored.commit([{ ...old }]);
      }
      const still = await coordinator.describe(open!.transactionalId!);
      assert.deepEqual(
        { state: still?.state, epoch: still?.producerEpoch },
        { state: "Ongoing", epoch: open!.producerEpoch },
      );
      assert.deepEqual(committedValues(topic), expected, "the open transaction's record is not visible");
      await sink.commit([open!]);
      assert.deepEqual(committedValues(topic), [...expected, "newer"].sort());

      // Another process initialises slot 0 (as a new owner's writer does): this writer's next
      // transaction, on slot 0, is refused instead of fencing the new owner (its kept producer, and
      // the new producer it then tries, are both fenced).
      await coordinator.initProducerId(`${prefix}-0-0`, 60_000);
      writer.write("zombie", undefined);
      writer.prepareCommit(N + 3);
      await assert.rejects(writer.prepared!(), (e: unknown) => {
        const ids = protocolErrorIds(e);
        assert.ok(
          ids.some((x) => ["PRODUCER_FENCED", "INVALID_PRODUCER_EPOCH"].includes(x)),
          `fenced, got ${ids} (${(e as Error).message})`,
        );
        return true;
      });
      assert.deepEqual(
        committedValues(topic),
        [...expected, "newer"].sort(),
        "nothing of the zombie visible",
      );
    } finally {
      writer.close?.();
      unsubscribe("plt:kafka:instances", onInstance);
      connectsChannel.unsubscribe(onConnect as never);
    }
  });
});
