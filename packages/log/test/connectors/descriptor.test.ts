/**
 * The "log" connector descriptor: a source and a sink made from plain options (strings, as a SQL
 * WITH clause gives them) read and write the same records as logSource/logSink, in the record
 * shape every connector shares; bad options fail at once naming the option.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  type ConnectorRecord,
  connectorsOf,
  createSink,
  createSource,
  fileConnector,
  isFleuveError,
  StreamExecutionEnvironment,
} from "@fleuve/core";
import { connectors, logConnector, openLog, partitionForKey } from "../../src/index.js";
import { tmpDir } from "../helpers.js";

test("source and sink from plain options: records keep topic, partition, offset, timestamp, key, value", async () => {
  const dir = tmpDir("fleuve-log-descriptor-");
  const log = openLog({ dir });
  log.createTopic("in", { partitions: 2 });
  log.createTopic("out", { partitions: 1 });
  log.topic("in").append([
    {
      partition: 0,
      key: Buffer.from("a"),
      value: Buffer.from('{"user":"a","n":1}'),
      timestamp: 10,
      headers: [["h", Buffer.from("x")]],
    },
    { partition: 1, key: null, value: Buffer.from('{"user":"b","n":2}'), timestamp: 20 },
  ]);
  log.close();

  const env = StreamExecutionEnvironment.create({ parallelism: 2, log: () => {} });
  const records: ConnectorRecord[] = [];
  const input = env.fromSource(
    createSource(logConnector, { log: dir, topic: "in", bounded: "true", format: "json" }),
  );
  input.forEach((r) => {
    records.push(r);
  });
  input
    .map((r) => r.value)
    .sinkTo(createSink(logConnector, { log: dir, topic: "out", format: "json", keyField: "user" }));
  await env.execute("log-descriptor");

  assert.deepEqual(
    records.sort((x, y) => x.partition - y.partition),
    [
      {
        topic: "in",
        partition: 0,
        offset: 0,
        timestamp: 10,
        key: "a",
        value: { user: "a", n: 1 },
        headers: { h: "x" },
      },
      {
        topic: "in",
        partition: 1,
        offset: 0,
        timestamp: 20,
        key: null,
        value: { user: "b", n: 2 },
        headers: {},
      },
    ],
  );
  const check = openLog({ dir, readOnly: true });
  const out = check
    .topic("out")
    .partition(0)
    .fetch(0)
    .records.map((r) => [r.key?.toString(), r.value?.toString(), r.timestamp]);
  check.close();
  assert.deepEqual(
    out.sort(),
    [
      ["a", '{"user":"a","n":1}', 10],
      ["b", '{"user":"b","n":2}', 20],
    ],
    "values as JSON, keys from keyField, event timestamps kept",
  );
});

test("bad plain options fail when the source or sink is made, naming the option", () => {
  const bad = (fn: () => unknown, option: string) =>
    assert.throws(
      fn,
      (e: unknown) => isFleuveError(e, "FLEUVE_CONFIG_INVALID") && e.details.option === option,
    );
  bad(() => createSource(logConnector, { topic: "in" }), "log");
  bad(() => createSource(logConnector, { log: "d", topic: "in", bounded: "maybe" }), "bounded");
  bad(
    () => createSource(logConnector, { log: "d", topic: "in", startingOffsets: "first" }),
    "startingOffsets",
  );
  bad(
    () => createSink(logConnector, { log: "d", topic: "out", deliveryGuarantee: "exactly-twice" }),
    "deliveryGuarantee",
  );
  bad(() => createSink(logConnector, { log: "d", topic: "out", serializer: "json" }), "serializer");
});

test("the package lists its connectors, for a registry", () => {
  assert.equal(connectorsOf(connectors, fileConnector).get("log"), logConnector);
  assert.deepEqual(
    connectors.map((c) => [c.name, c.package, Boolean(c.source), Boolean(c.sink)]),
    [
      ["log", "@fleuve/log", true, true],
      ["upsert-log", "@fleuve/log", true, true],
    ],
  );
});

test("docs/connectors.md documents every option of the log connector", () => {
  const md = readFileSync(new URL("../../../../docs/connectors.md", import.meta.url), "utf8");
  for (const side of [logConnector.source!, logConnector.sink!]) {
    for (const name of Object.keys(side.options))
      assert.ok(md.includes(`| \`${name}\` |`), `option '${name}' in a table`);
  }
});

test("keyFormat 'bytes' reads record keys as Buffers, and a keyed sink writes { key, value } pairs' keys as they are", async () => {
  const dir = tmpDir("fleuve-log-descriptor-keys-");
  const log = openLog({ dir });
  log.createTopic("in", { partitions: 1 });
  log.createTopic("out", { partitions: 4 });
  const binary = Buffer.from([0, 0xff, 0x80, 0x0a]); // not UTF-8: text would mangle it
  log.topic("in").append([
    { key: binary, value: Buffer.from('{"n":1}') },
    { key: null, value: Buffer.from('{"n":2}') },
  ]);
  log.close();

  const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  const input = env.fromSource(
    createSource(logConnector, { log: dir, topic: "in", bounded: "true", keyFormat: "bytes" }),
  );
  const keys: unknown[] = [];
  input.forEach((r) => {
    keys.push(r.key);
  });
  input
    .map((r) => ({ key: r.key, value: r.value }))
    .sinkTo(createSink(logConnector, { log: dir, topic: "out", keyed: "true" }));
  await env.execute("log-descriptor-keys");
  assert.deepEqual(keys, [binary, null]);

  const check = openLog({ dir, readOnly: true });
  const out: [number, string | null, string | undefined][] = [];
  const topic = check.topic("out");
  for (let p = 0; p < topic.numPartitions; p++)
    for (const r of topic.partition(p).fetch(0).records)
      out.push([p, r.key === null ? null : r.key.toString("hex"), r.value?.toString()]);
  check.close();
  // The binary key's partition is Kafka's: toPositive(murmur2(key)) % 4; no key: a partition of the sink's choice.
  const keyed = out.filter((x) => x[1] !== null);
  assert.deepEqual(keyed, [[partitionForKey(binary, 4), "00ff800a", '{"n":1}']]);
  assert.deepEqual(
    out.filter((x) => x[1] === null).map((x) => x[2]),
    ['{"n":2}'],
  );
});

test("a keyed sink refuses keyField beside it, and a value that is not a { key, value } pair", async () => {
  assert.throws(
    () => createSink(logConnector, { log: "d", topic: "out", keyed: "true", keyField: "user" }),
    /give option 'keyField' or 'keyed', not both/,
  );
  const dir = tmpDir("fleuve-log-descriptor-keyed-");
  const log = openLog({ dir });
  log.createTopic("out", { partitions: 1 });
  log.close();
  const letters: string[] = [];
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    log: () => {},
    errorPolicy: { deadLetter: (l) => void letters.push(l.error) },
  });
  env
    .fromCollection([{ key: "k", value: 1 }, 7])
    .sinkTo(createSink(logConnector, { log: dir, topic: "out", keyed: "true" }));
  await env.execute("log-descriptor-keyed");
  assert.equal(letters.length, 1);
  assert.match(letters[0] as string, /option "keyed" takes \{ key, value \} pairs, got number/);
});
