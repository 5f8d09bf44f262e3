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
import { subscribe, tracingChannel, unsubscribe } from "node:diagnostics_channel";
import { after, before, describe, test } from "node:test";
import { protocolErrorIds, TxnCoordinatorClient } from "../../src/connectors/txn-coordinator.js";
import { KafkaClient, type KafkaCommittable, kafkaSink } from "../../src/index.js";
import { commonOptions } from "../../src/properties.js";
import { BOOTSTRAP, brokerTestOptions, committedValues, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();
/** The sink's slots per subtask (sink.ts SLOTS). */
const SLOTS = 8;

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
      // The two transactions handed to checkpoints hold slots 0 and 1; the next one, begun ahead
      // at the second barrier (before its first record), took slot 2.
      assert.equal(producers, 3, "the slots in use have a producer each, the other slots none");
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
      // slot is taken when a transaction begins (at the barrier before it): never one of the
      // transactions still uncommitted there, and no slot above 2 (two uncommitted, one begun).
      const keys = committed.map((c) => `${c.transactionalId}:${c.producerId}:${c.producerEpoch}`);
      assert.equal(new Set(keys).size, N + 1, "no id:producerId:epoch twice");
      const ids = committed.map((c) => c.transactionalId);
      assert.deepEqual(ids.slice(0, 2), [`${prefix}-0-0`, `${prefix}-0-1`]);
      for (let i = 0; i < ids.length; i++) {
        assert.ok(/-0-[012]$/.test(ids[i]!), `transaction ${i} on ${ids[i]}: a slot above 2`);
        // in a pair, the second transaction begins while the first is uncommitted
        if (i % 2 === 1) assert.notEqual(ids[i], ids[i - 1], `transactions ${i - 1} and ${i} on one slot`);
      }
      for (let s = 0; s < 3; s++) {
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

      // The next transaction was begun ahead, at the last barrier: one slot's epoch is bumped
      // before any record is written (its InitProducerId does not delay the first record).
      const lastSlot = committed.at(-1)!.transactionalId;
      const free = [0, 1, 2].map((s) => `${prefix}-0-${s}`).filter((id) => id !== lastSlot);
      const lastEpoch = new Map(
        free.map((id) => {
          const mine = committed.filter((c) => c.transactionalId === id);
          return [id, mine.length > 0 ? mine.at(-1)!.producerEpoch : -1];
        }),
      );
      let ahead: { id: string; producerId: bigint; producerEpoch: number } | undefined;
      // (Bounded by looks, not time: a start that failed would otherwise leave this loop spinning.)
      for (let looks = 0; ahead === undefined; looks++) {
        assert.ok(looks < 5000, "no free slot's epoch was bumped ahead of its first record");
        for (const id of free) {
          const d = await coordinator.describe(id);
          if (d && d.producerEpoch > lastEpoch.get(id)! && d.state !== "Ongoing") ahead = { id, ...d };
        }
      }
      // An open transaction with a record, prepared but not committed: the one begun ahead.
      writer.write("newer", undefined);
      const [open] = writer.prepareCommit(N + 2);
      await writer.prepared!();
      assert.deepEqual(
        { id: open!.transactionalId, producerId: open!.producerId, epoch: open!.producerEpoch },
        { id: ahead.id, producerId: String(ahead.producerId), epoch: ahead.producerEpoch },
        "the record went into the transaction begun ahead",
      );
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

      // Another process initialises the slots (as a new owner's writer does): this writer's next
      // transaction, begun ahead at the last barrier on one of them, is refused instead of
      // fencing the new owner.
      for (let s = 0; s < 3; s++) await coordinator.initProducerId(`${prefix}-0-${s}`, 60_000);
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
