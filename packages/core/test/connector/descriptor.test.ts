/**
 * Connector descriptors: plain options (as a command line or a SQL WITH clause gives them) are
 * converted, defaulted and validated with errors that name the option, what it expects and what
 * it got; the registry lists connectors by name; the file connector makes a working sink.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  connectorsOf,
  createSink,
  createSource,
  defineConnector,
  type FleuveError,
  fileConnector,
  isFleuveError,
  parseOptions,
  partitionOwner,
  plainRecordEncoding,
  printConnector,
  StreamExecutionEnvironment,
  sinkChangelogMode,
  TOPIC_SINK_OPTIONS,
  TOPIC_SOURCE_OPTIONS,
  upsertRecordEncoding,
} from "../../src/index.js";

const specs = {
  topic: { type: "string", required: true, doc: "t" },
  partitions: { type: "integer", min: 1, default: 1, doc: "p" },
  ratio: { type: "number", doc: "r" },
  bounded: { type: "boolean", default: false, doc: "b" },
  mode: { type: "enum", values: ["a", "b"], default: "a", doc: "m" },
} as const;

/** Asserts FLEUVE_CONFIG_INVALID whose message and details name the option, expected and got. */
function rejects(fn: () => unknown, option: string, expected: RegExp, got: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isFleuveError(e, "FLEUVE_CONFIG_INVALID"), String(e));
    assert.match(e.message, new RegExp(`'${option}'`));
    assert.match(e.message, expected);
    assert.match(e.message, new RegExp(`got ${got.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    assert.equal(e.details.option, option);
    return true;
  });
}

test("plain strings become the option's type; defaults fill the rest", () => {
  const o = parseOptions(
    specs,
    { topic: "orders", partitions: "3", ratio: "0.5", bounded: "true", mode: "b" },
    "x",
  );
  assert.deepEqual(o, { topic: "orders", partitions: 3, ratio: 0.5, bounded: true, mode: "b" });
  assert.deepEqual(parseOptions(specs, { topic: "t" }, "x"), {
    topic: "t",
    partitions: 1,
    bounded: false,
    mode: "a",
  });
  assert.deepEqual(parseOptions(specs, { topic: "t", partitions: 2, bounded: false }, "x").partitions, 2);
});

test("a bad option names the option, what it expects and what it got", () => {
  rejects(
    () => parseOptions(specs, {}, "connector 'x' source"),
    "topic",
    /missing option.*non-empty string/,
    "nothing",
  );
  rejects(() => parseOptions(specs, { topic: "" }, "x"), "topic", /a non-empty string/, '""');
  rejects(
    () => parseOptions(specs, { topic: "t", partitions: "2.5" }, "x"),
    "partitions",
    /an integer >= 1/,
    '"2.5"',
  );
  rejects(
    () => parseOptions(specs, { topic: "t", partitions: 0 }, "x"),
    "partitions",
    /an integer >= 1/,
    "0",
  );
  rejects(() => parseOptions(specs, { topic: "t", ratio: "lots" }, "x"), "ratio", /a number/, '"lots"');
  rejects(
    () => parseOptions(specs, { topic: "t", bounded: "yes" }, "x"),
    "bounded",
    /true or false/,
    '"yes"',
  );
  rejects(() => parseOptions(specs, { topic: "t", mode: "c" }, "x"), "mode", /one of "a", "b"/, '"c"');
  // An unknown name's value says nothing about the typo: it stays in details.got only.
  assert.throws(
    () => parseOptions(specs, { topic: "t", topics: "u" }, "x"),
    (e: unknown) =>
      isFleuveError(e, "FLEUVE_CONFIG_INVALID") &&
      /unknown option 'topics'.*bounded, mode, partitions, ratio, topic$/.test(e.message) &&
      e.details.option === "topics" &&
      e.details.got === "u",
  );
});

test("the error says which connector and side it comes from; details.connector is always the bare name", () => {
  const details = (fn: () => unknown, message: RegExp): Readonly<Record<string, unknown>> => {
    try {
      fn();
    } catch (e) {
      assert.ok(isFleuveError(e, "FLEUVE_CONFIG_INVALID"), String(e));
      assert.match(e.message, message);
      return e.details;
    }
    assert.fail("no error");
  };
  const sides = [
    // a missing option, a bad value, an unknown option, a side the connector does not have
    [
      () => createSink(fileConnector, { format: "json" }),
      /connector 'file' sink: missing option 'path'/,
      "sink",
    ],
    [
      () => createSink(fileConnector, { path: "p", format: "xml" }),
      /connector 'file' sink: invalid option 'format'/,
      "sink",
    ],
    [
      () => createSink(fileConnector, { path: "p", topc: "t" }),
      /connector 'file' sink: unknown option 'topc': the options are /,
      "sink",
    ],
    [() => createSource(fileConnector, {}), /connector 'file' \(@fleuve\/core\) has no source/, "source"],
  ] as const;
  for (const [fn, message, side] of sides) {
    const d = details(fn, message);
    assert.equal(d.connector, "file", `details.connector of ${message}`);
    assert.equal(d.side, side, `details.side of ${message}`);
  }
  const reg = connectorsOf(fileConnector);
  assert.equal(details(() => reg.get("kafka"), /no connector 'kafka'/).connector, "kafka");
  // words of the caller's, not a connector: no details.connector at all
  assert.equal(
    details(() => parseOptions(specs, {}, "my table"), /my table: missing option 'topic'/).connector,
    undefined,
  );
});

test("the registry lists connectors by name and refuses unknown names and duplicates", () => {
  const a = defineConnector({ name: "a", package: "pa", description: "A" });
  const b = defineConnector({ name: "b", package: "pb", description: "B" });
  const reg = connectorsOf([b], a, fileConnector);
  assert.deepEqual(
    reg.list().map((c) => c.name),
    ["a", "b", "file"],
  );
  assert.equal(reg.get("b"), b);
  assert.throws(() => reg.get("kafka"), /no connector 'kafka'; known: a, b, file/);
  assert.throws(
    () => connectorsOf(a, { ...a, package: "other" }),
    /connector 'a' is defined twice \(by pa and other\)/,
  );
  assert.throws(() => defineConnector({ name: "Bad Name", package: "p", description: "" }), /lower-case/);
});

test("topic connectors share option names, types and defaults", () => {
  assert.deepEqual(Object.keys(TOPIC_SOURCE_OPTIONS).sort(), [
    "bounded",
    "format",
    "group",
    "isolation",
    "keyFormat",
    "partitionAssignment",
    "startingOffsets",
    "topic",
  ]);
  assert.equal(TOPIC_SINK_OPTIONS.deliveryGuarantee.default, "at-least-once");
  for (const spec of [...Object.values(TOPIC_SOURCE_OPTIONS), ...Object.values(TOPIC_SINK_OPTIONS)]) {
    assert.ok(spec.doc.length > 10, "every option is documented");
  }
});

test("partitionOwner: Flink's KafkaSourceEnumerator rule, every partition owned once, topics spread", () => {
  // Java: ((topic.hashCode() * 31) & 0x7FFFFFFF) % p, then round-robin ("orders".hashCode() is
  // -1008770331); computed here as the Kafka source did before the rule moved to core.
  for (let part = 0; part < 6; part++) {
    assert.equal(partitionOwner("orders", part, 4), ((((-1008770331 * 31) & 0x7fffffff) % 4) + part) % 4);
  }
  for (const p of [1, 2, 3, 7]) {
    const counts = new Array(p).fill(0);
    for (let part = 0; part < 4 * p; part++) counts[partitionOwner("t", part, p)]++;
    assert.deepEqual(counts, new Array(p).fill(4), `parallelism ${p}: each subtask owns 4 partitions`);
  }
});

test("the file connector's sink writes exactly-once part files from plain options", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-file-connector-"));
  try {
    const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
    env.fromElements({ n: 1 }, { n: 2 }).sinkTo(createSink(fileConnector, { path: dir, format: "json" }));
    await env.execute("file-connector");
    const parts = readdirSync(dir).filter((f) => f.startsWith("part-"));
    const lines = parts.flatMap((f) => readFileSync(join(dir, f), "utf8").trim().split("\n"));
    assert.deepEqual(lines.sort(), ['{"n":1}', '{"n":2}']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an option name with # takes any name without dots there (Flink's fields.<name>.kind)", () => {
  const pattern = {
    "fields.#.kind": { type: "enum", values: ["random", "sequence"], doc: "k" },
    "fields.#.min": { type: "number", doc: "m" },
  } as const;
  const parsed = parseOptions(pattern, { "fields.id.kind": "sequence", "fields.price.min": "2.5" }, "c");
  assert.deepEqual(parsed, { "fields.id.kind": "sequence", "fields.price.min": 2.5 });
  assert.throws(
    () => parseOptions(pattern, { "fields.id.kind": "sometimes" }, "c"),
    /c: invalid option 'fields.id.kind': expected one of "random", "sequence", got "sometimes"/,
  );
  assert.throws(
    () => parseOptions(pattern, { "fields.a.b.kind": "random" }, "c"),
    /unknown option 'fields.a.b.kind'/,
  );
});

test("a descriptor gets the table's columns in its context; sinks say which changes they take", () => {
  let seen: unknown;
  const d = defineConnector({
    name: "ctx",
    package: "test",
    description: "d",
    source: {
      description: "s",
      options: {},
      create: (_o, context) => {
        seen = context.schema;
        return { bounded: true, createReader: () => ({ poll: () => "end" as const }) };
      },
    },
  });
  createSource(d, {}, { schema: [{ name: "a", type: "INT" }] });
  assert.deepEqual(seen, [{ name: "a", type: "INT" }]);
  assert.equal(sinkChangelogMode(d), "insert-only");
  assert.equal(sinkChangelogMode(fileConnector), "insert-only");
  assert.equal(sinkChangelogMode(printConnector), "all");
  const enc = upsertRecordEncoding();
  assert.equal(enc.value({ kind: "-D", value: { id: 1 }, key: '{"id":1}' }), null);
  assert.equal(enc.value({ kind: "+U", value: { id: 1, n: 2 }, key: '{"id":1}' }), '{"id":1,"n":2}');
  assert.equal(enc.key({ kind: "+U", value: { id: 1, n: 2 }, key: '{"id":1}' }), '{"id":1}');
  // With format "bytes" the change carries its encoded value (SQL's registry formats).
  const bytes = upsertRecordEncoding({ format: "bytes" });
  const encoded = Buffer.from([0, 0, 0, 0, 1, 2]);
  assert.equal(bytes.value({ kind: "+I", value: encoded, key: '{"id":1}' }), encoded);
  assert.equal(bytes.value({ kind: "-D", value: { id: 1 }, key: '{"id":1}' }), null);
  assert.throws(
    () => bytes.value({ kind: "+U", value: { id: 1 }, key: '{"id":1}' }),
    /format "bytes" takes a Buffer as a change's value, got object/,
  );
});

test("keyed values: a { key, value } pair's key is the record key as it is, its value encoded by format; an upsert change's key may be bytes", () => {
  const keyBytes = Buffer.from([0, 0, 0, 0, 7, 2]);
  const json = plainRecordEncoding({ format: "json", keyed: true });
  assert.equal(json.value({ key: keyBytes, value: { n: 1 } }), '{"n":1}');
  assert.equal(json.key?.({ key: keyBytes, value: { n: 1 } }), keyBytes);
  assert.equal(json.key?.({ key: null, value: { n: 1 } }), null);
  assert.equal(json.key?.({ key: "text", value: 1 }), "text");
  assert.throws(() => json.value({ n: 1 }), /option "keyed" takes \{ key, value \} pairs, got object/);
  const bytes = plainRecordEncoding({ format: "bytes", keyed: true });
  const value = Buffer.from("v");
  assert.equal(bytes.value({ key: "k", value }), value);
  assert.throws(
    () => plainRecordEncoding({ format: "json", keyed: true, keyField: "id" }),
    /give option 'keyField' or 'keyed', not both/,
  );
  // Not keyed: keyField's text, or no key.
  assert.equal(plainRecordEncoding({ format: "json", keyField: "id" }).key?.({ id: 3 }), "3");
  assert.equal(plainRecordEncoding({ format: "json", keyed: false }).key, undefined);
  assert.equal(upsertRecordEncoding().key({ kind: "+I", value: {}, key: keyBytes }), keyBytes);
  assert.equal(upsertRecordEncoding().key({ kind: "+I", value: {} }), null);
});

test("an unknown option names the known one it is a typo of, and only a close one", () => {
  const specs = {
    topic: { type: "string", doc: "t" },
    bootstrap: { type: "string", doc: "b" },
    bounded: { type: "boolean", doc: "b" },
  } as const;
  const typo = (() => {
    try {
      parseOptions(specs, { topik: "events" }, { connector: "kafka", side: "source" });
    } catch (e) {
      return e as FleuveError;
    }
    return undefined;
  })();
  assert.equal(
    typo?.message,
    "connector 'kafka' source: unknown option 'topik' (did you mean 'topic'?): the options are bootstrap, bounded, topic",
  );
  assert.equal(typo?.details.didYouMean, "topic");
  assert.equal(typo?.details.option, "topik");
  assert.equal(typo?.details.got, "events");
  assert.throws(
    () => parseOptions(specs, { partitions: "3" }, "c"),
    (e: FleuveError) =>
      e.message === "c: unknown option 'partitions': the options are bootstrap, bounded, topic" &&
      e.details.didYouMean === undefined,
  );
});
