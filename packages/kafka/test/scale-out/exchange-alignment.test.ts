/**
 * A receiver's savepoint alignment over a real Kafka exchange partition keeps its memory bounded:
 * while one sender's barrier is late, it holds at most `maxHeld` of the other sender's messages,
 * then drops them and, after the cut, reads them again from the partition (the log is the
 * buffer). Its checkpoints stay bounded too, and a restore of the cut's checkpoint reads the
 * dropped messages again. The records before and after the cut are exactly those of an unbounded
 * alignment: every record sent before its sender's barrier before the cut, the others after, each
 * once.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type SourceOutput, type SourceReader, StreamExecutionEnvironment } from "@fleuve/core";
import {
  type ExchangeReceiverState,
  encodeBarrier,
  encodeRecord,
  encodeWatermark,
  planUnits,
  type SavepointBarrier,
  type UnitSavepoints,
} from "@fleuve/core/scale-out";
import { KafkaClient } from "../../src/index.js";
import { EXCHANGE_TOPIC_CONFIG, exchangeSource } from "../../src/scale-out/exchange.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();
const EARLY = 10;
const LATE = 3000;
const MAX_HELD = 100;

/** An exchange of 2 senders into 1 receiver. */
function exchange() {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, maxParallelism: 16 });
  env
    .fromCollection([0])
    .setParallelism(2)
    .rebalance()
    .map((v) => v)
    .print();
  return planUnits(env.getStreamGraph(), env.config).exchanges[0]!;
}

/** Reads until `done`, polling as a source subtask does; `each` runs after every poll. */
async function readUntil(
  reader: SourceReader<unknown>,
  out: SourceOutput<unknown>,
  done: () => boolean,
  each: () => void = () => {},
): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!done()) {
    assert.ok(Date.now() < deadline, "the receiver makes progress");
    const status = reader.poll(out, 200);
    each();
    if (status === "nothing-yet") await reader.available?.();
  }
}

test("an alignment over Kafka holds at most maxHeld messages while a barrier is late, and reads them again after the cut", {
  ...options,
  timeout: 240_000,
}, async () => {
  const topic = uniqueTopic("aligned");
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  try {
    await client.createTopics([{ name: topic, partitions: 1, config: EXCHANGE_TOPIC_CONFIG }]);
    const barrier: SavepointBarrier = { id: "sp", dir: "/sp", stop: false };
    const log: Buffer[] = [];
    const before: string[] = [];
    for (let i = 0; i < EARLY; i++) {
      log.push(encodeRecord(`a${i}`, undefined, 0), encodeRecord(`b${i}`, undefined, 1));
      before.push(`a${i}`, `b${i}`);
    }
    log.push(encodeBarrier(0, barrier));
    for (let i = EARLY; i < EARLY + LATE; i++) {
      log.push(encodeRecord(`a${i}`, undefined, 0)); // after sender 0's barrier: held
      if (i % 10 === 0) {
        log.push(encodeRecord(`b${i}`, undefined, 1), encodeWatermark(0, i));
        before.push(`b${i}`);
      }
    }
    log.push(encodeBarrier(1, barrier));
    for (let i = 0; i < 20; i++)
      log.push(encodeRecord(`z${i}`, undefined, 0), encodeRecord(`y${i}`, undefined, 1));
    const producer = client.producer({ acks: "all" });
    await producer.send(log.map((value) => ({ topic, partition: 0, value })));
    await producer.close();

    let aligned = false;
    const savepoints = {
      aligned: () => {
        aligned = true;
      },
      isOver: () => false,
      barrierOf: (checkpointId: number) => (checkpointId === 1 ? barrier : undefined),
    } as unknown as UnitSavepoints;
    const source = exchangeSource(exchange(), {
      bootstrap: BOOTSTRAP,
      topicOf: () => topic,
      transactionalIdPrefix: "unused",
      maxParallelism: 16,
      deliveryGuarantee: "at-least-once",
      savepoints,
      maxHeld: MAX_HELD,
    });
    const ctx = { subtaskIndex: 0, parallelism: 1, now: () => Date.now() };
    const records: string[] = [];
    const out = {
      collect: (v: unknown) => {
        records.push(String(v));
      },
      emitWatermark() {},
      markIdle() {},
      markActive() {},
      forSplit: () => out,
      releaseSplit() {},
      reject: (_raw: unknown, reason: string) => assert.fail(reason),
    } as SourceOutput<unknown>;
    const reader = source.createReader(ctx);
    const total = EARLY * 2 + LATE + LATE / 10 + 40;
    let mostPending = 0;
    let spilled = false;
    // Periodic checkpoints while aligning: what they hold is bounded too.
    await readUntil(
      reader,
      out,
      () => aligned,
      () => {
        const s = reader.snapshot?.(undefined as unknown as number) as ExchangeReceiverState;
        mostPending = Math.max(mostPending, s.pending?.length ?? 0);
        if (s.alignment?.spilledFrom !== undefined) spilled = true;
      },
    );
    assert.ok(spilled, "the alignment dropped what it held past maxHeld");
    assert.ok(mostPending <= MAX_HELD, `checkpoints held ${mostPending} messages, bound ${MAX_HELD}`);
    assert.deepEqual(records, before, "before the cut: what every sender sent before its barrier");
    // The unit's part of the savepoint: the cut.
    const cut = structuredClone(reader.snapshot?.(1)) as ExchangeReceiverState;
    assert.ok(cut.replay !== undefined, "the cut says where to read again from");
    await readUntil(reader, out, () => records.length >= total);
    const after = records.slice(before.length);
    const expectedAfter = [
      ...Array.from({ length: LATE }, (_, i) => `a${EARLY + i}`),
      ...Array.from({ length: 20 }, (_, i) => [`z${i}`, `y${i}`]).flat(),
    ];
    assert.deepEqual(after, expectedAfter, "after the cut: the held records once, in order, then the rest");
    await reader.close?.();

    // A restore of the cut's checkpoint reads the dropped messages again, as the first run did.
    const again = source.createReader(ctx);
    again.restore?.(cut);
    const restored: string[] = [];
    const out2: SourceOutput<unknown> = {
      ...out,
      collect: (v: unknown) => {
        restored.push(String(v));
      },
      forSplit: () => out2,
    };
    await readUntil(again, out2, () => restored.length >= expectedAfter.length);
    assert.deepEqual(restored, expectedAfter);
    await again.close?.();
  } finally {
    await client.deleteTopics([topic]).catch(() => {});
    await client.close();
  }
});
