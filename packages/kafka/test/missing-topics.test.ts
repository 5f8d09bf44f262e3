/**
 * "Unknown topic X." from the client is not proof that a topic is missing: it also ends a send
 * whose metadata requests failed through their retries (e.g. while a KRaft broker restarts), and
 * the client may name the topic `unknown`. Only a fresh lookup that confirms the topic is absent
 * makes the sink's error the permanent FLEUVE_KAFKA_TOPIC_NOT_FOUND; otherwise a restart may cure it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { restartCannotCure } from "@fleuve/core";
import { confirmedMissingTopics, topicNotFound } from "../src/missing-topics.js";

const unknownTopic = (name: string) => new Error(`Unknown topic ${name}.`);

test("an unknown-topic error whose topics a fresh lookup lists: nothing confirmed missing", async () => {
  assert.deepEqual(await confirmedMissingTopics(unknownTopic("unknown"), ["out"], async () => ["out"]), []);
});

test("a confirmed missing topic is named from the caller's topics, not the client's message", async () => {
  const missing = await confirmedMissingTopics(unknownTopic("unknown"), ["out", "other"], async () => [
    "other",
  ]);
  assert.deepEqual(missing, ["out"]);
  const err = topicNotFound("kafkaSink", missing, "127.0.0.1:9092");
  assert.match(
    err.message,
    /Kafka topic "out" does not exist at 127\.0\.0\.1:9092 \(and was not auto-created\)/,
  );
  assert.equal(restartCannotCure(err), true);
});

test("a failing lookup, or an error that is no unknown-topic error, confirms nothing", async () => {
  const failing = async (): Promise<string[]> => {
    throw new Error("connection refused");
  };
  assert.deepEqual(await confirmedMissingTopics(unknownTopic("out"), ["out"], failing), []);
  let looked = false;
  const none = await confirmedMissingTopics(new Error("timeout"), ["out"], async () => {
    looked = true;
    return [];
  });
  assert.deepEqual(none, []);
  assert.equal(looked, false);
});
