import assert from "node:assert/strict";
import { test } from "node:test";
import { isFleuveError } from "@fleuve/core";
import fc from "fast-check";
import {
  chunkBySize,
  consumerSettings,
  type ProducerRecord,
  parseBootstrapServers,
  producerSettings,
} from "../src/index.js";
import { checkKnown, commonOptions, SUPPORTED_PROPERTIES } from "../src/properties.js";
import { estimateSize } from "../src/records.js";

function configError(fn: () => unknown, property: string): void {
  assert.throws(fn, (err) => {
    assert.ok(isFleuveError(err, "FLEUVE_CONFIG_INVALID"), String(err));
    assert.match(err.message, new RegExp(`"${property.replace(/\./g, "\\.")}"`));
    return true;
  });
}

test("producer properties map Kafka names and defaults", () => {
  const s = producerSettings({
    acks: "all",
    "linger.ms": "20",
    "batch.size": 65536,
    "compression.type": "GZIP",
    "transactional.id": "tx-1",
  });
  assert.deepEqual(s, {
    acks: -1,
    idempotent: true,
    transactionalId: "tx-1",
    compression: "gzip",
    batchSize: 65536,
    lingerMs: 20,
  });
  assert.deepEqual(producerSettings({ acks: 1 }), {
    acks: 1,
    idempotent: false,
    compression: "none",
    batchSize: 524_288,
    lingerMs: 5,
  });
});

test("producer properties reject contradictions and bad values, naming the property", () => {
  configError(() => producerSettings({ acks: "2" }), "acks");
  configError(() => producerSettings({ acks: "1", "enable.idempotence": true }), "acks");
  configError(
    () => producerSettings({ "transactional.id": "t", "enable.idempotence": false }),
    "enable.idempotence",
  );
  configError(() => producerSettings({ "linger.ms": "-1" }), "linger.ms");
  configError(() => producerSettings({ "batch.size": "1.5" }), "batch.size");
  configError(() => producerSettings({ "compression.type": "brotli" }), "compression.type");
});

test("consumer properties: group.id required, read_committed and manual commits by default", () => {
  configError(() => consumerSettings({}), "group.id");
  assert.deepEqual(consumerSettings({ "group.id": "g" }), {
    groupId: "g",
    isolationLevel: 1,
    autoOffsetReset: "latest",
    autocommit: false,
  });
  assert.deepEqual(
    consumerSettings({
      "group.id": "g",
      "isolation.level": "read_uncommitted",
      "auto.offset.reset": "earliest",
      "enable.auto.commit": "true",
      "auto.commit.interval.ms": 1000,
      "fetch.min.bytes": 0,
      "fetch.max.bytes": 1_000_000,
      "max.partition.fetch.bytes": 500_000,
      "fetch.max.wait.ms": 100,
      "session.timeout.ms": 10_000,
      "heartbeat.interval.ms": 1000,
      "max.poll.interval.ms": 60_000,
      "group.instance.id": "i1",
    }),
    {
      groupId: "g",
      isolationLevel: 0,
      autoOffsetReset: "earliest",
      autocommit: 1000,
      minBytes: 0,
      maxBytes: 1_000_000,
      maxBytesPerPartition: 500_000,
      maxWaitTime: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 60_000,
      groupInstanceId: "i1",
    },
  );
  configError(() => consumerSettings({ "group.id": "g", "isolation.level": "committed" }), "isolation.level");
  configError(
    () => consumerSettings({ "group.id": "g", "auto.offset.reset": "smallest" }),
    "auto.offset.reset",
  );
});

test("unknown property names fail instead of being ignored", () => {
  const all = [...SUPPORTED_PROPERTIES.common, ...SUPPORTED_PROPERTIES.producer];
  configError(() => checkKnown({ "linger.msec": 5 }, all, "Kafka producer"), "linger.msec");
  checkKnown(
    { "linger.ms": 5, "bootstrap.servers": "a:1", "transactional.id": undefined },
    all,
    "Kafka producer",
  );
});

test("bootstrap.servers parsing", () => {
  assert.deepEqual(parseBootstrapServers(undefined), ["127.0.0.1:9092"]);
  assert.deepEqual(parseBootstrapServers(" a:1, b.example:9093 "), ["a:1", "b.example:9093"]);
  configError(() => parseBootstrapServers("localhost"), "bootstrap.servers");
  configError(() => parseBootstrapServers("h:0"), "bootstrap.servers");
  configError(() => parseBootstrapServers(","), "bootstrap.servers");
  const { retryDelay, ...c } = commonOptions(
    { "bootstrap.servers": "h:1", "client.id": "me", retries: 4 },
    "dflt",
  );
  assert.deepEqual(c, { clientId: "me", bootstrapBrokers: ["h:1"], autocreateTopics: false, retries: 4 });
  assert.equal(typeof retryDelay, "function");
});

test("retry back-off doubles from retry.backoff.ms up to retry.backoff.max.ms", () => {
  const delays = (props: Record<string, number>) => {
    const { retryDelay } = commonOptions(props, "c");
    return [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => retryDelay(undefined, "op", attempt));
  };
  assert.deepEqual(delays({}), [20, 40, 80, 160, 320, 640, 1000, 1000]);
  assert.deepEqual(
    delays({ "retry.backoff.ms": 100, "retry.backoff.max.ms": 500 }),
    [100, 200, 400, 500, 500, 500, 500, 500],
  );
  assert.equal(commonOptions({}, "c").retries, 10);
});

test("chunkBySize keeps every record in order and each chunk under batch.size (oracle: concatenation)", () => {
  const record = fc.record({
    topic: fc.constant("t"),
    key: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
    value: fc.option(fc.string({ maxLength: 300 }), { nil: null }),
  });
  fc.assert(
    fc.property(fc.array(record, { maxLength: 60 }), fc.integer({ min: 1, max: 2000 }), (records, max) => {
      const chunks = chunkBySize(records as ProducerRecord[], max);
      assert.deepEqual(chunks.flat(), records);
      for (const c of chunks) {
        assert.ok(c.length > 0);
        const bytes = c.reduce((n, r) => n + estimateSize(r), 0);
        assert.ok(c.length === 1 || bytes <= max, `chunk of ${c.length} records has ${bytes} > ${max} bytes`);
      }
      // Greedy: a chunk is only closed when the next record would not fit.
      for (let i = 0; i + 1 < chunks.length; i++) {
        const bytes = chunks[i]!.reduce((n, r) => n + estimateSize(r), 0);
        assert.ok(bytes + estimateSize(chunks[i + 1]![0]!) > max);
      }
    }),
  );
});
