/**
 * The "kafka" connector descriptor: the same option names, types and defaults as the log's (the
 * shared topic options) plus `bootstrap`; bad options fail when the source or sink is made, before
 * any connection, naming the option. Its source and sink against a broker: conformance.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  createSink,
  createSource,
  isFleuveError,
  TOPIC_SINK_OPTIONS,
  TOPIC_SOURCE_OPTIONS,
} from "@fleuve/core";
import { connectors, kafkaConnector } from "../../src/index.js";

test("the kafka connector takes the shared topic options plus bootstrap", () => {
  assert.deepEqual(
    Object.keys(kafkaConnector.source!.options).sort(),
    ["bootstrap", ...Object.keys(TOPIC_SOURCE_OPTIONS)].sort(),
  );
  assert.deepEqual(
    Object.keys(kafkaConnector.sink!.options).sort(),
    ["bootstrap", ...Object.keys(TOPIC_SINK_OPTIONS)].sort(),
  );
  assert.equal(kafkaConnector.sink!.options.deliveryGuarantee.default, "at-least-once");
  assert.deepEqual(
    connectors.map((c) => c.name),
    ["kafka", "upsert-kafka"],
  );
});

test("bad plain options fail when the source or sink is made, naming the option", () => {
  const bad = (fn: () => unknown, option: string) =>
    assert.throws(
      fn,
      (e: unknown) => isFleuveError(e, "FLEUVE_CONFIG_INVALID") && e.details.option === option,
    );
  bad(() => createSource(kafkaConnector, {}), "topic");
  bad(() => createSource(kafkaConnector, { topic: "t", isolation: "dirty" }), "isolation");
  bad(
    () => createSource(kafkaConnector, { topic: "t", partitionAssignment: "random" }),
    "partitionAssignment",
  );
  bad(() => createSink(kafkaConnector, { topic: "t", format: "avro" }), "format");
  // exactly-once needs a transactional id prefix: kafkaSink's own check, still naming the option
  bad(
    () => createSink(kafkaConnector, { topic: "t", deliveryGuarantee: "exactly-once" }),
    "transactionalIdPrefix",
  );
});

test("made from plain options, source and sink need no broker until the job runs", () => {
  const source = createSource(kafkaConnector, { bootstrap: "127.0.0.1:1", topic: "a;b", bounded: "true" });
  assert.equal(source.bounded, true);
  assert.equal(source.rescalable, true);
  const sink = createSink(kafkaConnector, {
    bootstrap: "127.0.0.1:1",
    topic: "t",
    deliveryGuarantee: "exactly-once",
    transactionalIdPrefix: "job-out",
  });
  assert.equal((sink as { needsCheckpoints?: boolean }).needsCheckpoints, true);
});

test("docs/connectors.md documents every option of the kafka connector", () => {
  const md = readFileSync(new URL("../../../../docs/connectors.md", import.meta.url), "utf8");
  for (const side of [kafkaConnector.source!, kafkaConnector.sink!]) {
    for (const name of Object.keys(side.options))
      assert.ok(md.includes(`| \`${name}\` |`), `option '${name}' in a table`);
  }
});
