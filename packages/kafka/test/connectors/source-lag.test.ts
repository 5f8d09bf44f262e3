/**
 * Lag per split of kafkaSource against the real broker (SourceReader.splitMetrics): offsets
 * between the next record the reader emits and the head the last fetch response gave (the last
 * stable offset under read_committed, as Kafka consumers measure `records-lag`), exact for a known
 * backlog, 0 once caught up.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { SourceOutput, SourceReader } from "@fleuve/core";
import { KafkaClient, kafkaSource } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();

/** A SourceOutput that counts what it is given. */
function countingOutput(): SourceOutput<unknown> & { emitted: number } {
  const out = {
    emitted: 0,
    collect() {
      out.emitted++;
    },
    forSplit: () => out,
    releaseSplit() {},
    markIdle() {},
    markActive() {},
    reject() {},
    emitWatermark() {},
  };
  return out as unknown as SourceOutput<unknown> & { emitted: number };
}

/** Polls `reader` (at most `max` records a call) until `done()`, within a generous deadline. */
async function pollUntil(
  reader: SourceReader<unknown>,
  out: SourceOutput<unknown>,
  max: number,
  done: () => boolean,
  what: string,
) {
  const deadline = Date.now() + 180_000;
  while (!done()) {
    assert.ok(
      Date.now() < deadline,
      `timed out waiting for ${what}: ${JSON.stringify(reader.splitMetrics!())}`,
    );
    if (reader.poll(out, max) === "nothing-yet") await reader.available!();
  }
}

test("kafkaSource reports the exact lag of a known backlog per partition, and 0 when caught up", {
  ...options,
  timeout: 300_000,
}, async () => {
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const topic = uniqueTopic("lag");
  const producer = client.producer();
  let reader: SourceReader<unknown> | undefined;
  try {
    await client.createTopics([{ name: topic, partitions: 2 }]);
    const records = (partition: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ topic, partition, value: Buffer.from(`v${i}`) }));
    await producer.send([...records(0, 60), ...records(1, 25)]);
    reader = kafkaSource<null, string, Buffer>({
      bootstrap: BOOTSTRAP,
      topics: [topic],
      value: "string",
    }).createReader({ subtaskIndex: 0, parallelism: 1, now: () => Date.now() });
    const out = countingOutput();
    const lagOf = () => reader!.splitMetrics!();
    // Emit exactly 30 records, one at a time: both heads known, 85 - 30 behind.
    await pollUntil(
      reader,
      out,
      1,
      () => out.emitted === 30 && Object.keys(lagOf()).length === 2,
      "30 records",
    );
    const after30 = lagOf();
    assert.equal(after30[`${topic}-0`]!.recordsLag! + after30[`${topic}-1`]!.recordsLag!, 55);
    await pollUntil(reader, out, 1000, () => out.emitted === 85, "the whole backlog");
    assert.deepEqual(lagOf(), { [`${topic}-0`]: { recordsLag: 0 }, [`${topic}-1`]: { recordsLag: 0 } });
    // 7 more records: fetched (the head moves) but not emitted, so 7 behind on partition 1.
    await producer.send(records(1, 7));
    const deadline = Date.now() + 180_000;
    while (lagOf()[`${topic}-1`]!.recordsLag !== 7) {
      assert.ok(Date.now() < deadline, `the new head never showed: ${JSON.stringify(lagOf())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(lagOf()[`${topic}-0`]!.recordsLag, 0);
    await pollUntil(reader, out, 1000, () => out.emitted === 92, "the 7 new records");
    assert.deepEqual(lagOf(), { [`${topic}-0`]: { recordsLag: 0 }, [`${topic}-1`]: { recordsLag: 0 } });
  } finally {
    reader?.close?.();
    await producer.close();
    await client.deleteTopics([topic]).catch(() => {});
    await client.close();
  }
});
