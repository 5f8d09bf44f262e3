/**
 * kafkaDeadLetterTopic against the real broker: a record a checkpointed job cannot deserialize is
 * produced to the dead-letter topic with the reason and its origin in Kafka Connect style headers,
 * kcat reads it back, and a checkpoint waits until the letter is acknowledged (flush).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { KafkaClient, kafkaDeadLetterTopic, kafkaSource } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";
import { kcat } from "./crash-common.js";

const options = await brokerTestOptions();
const client = options.skip ? undefined : await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
const topics: string[] = [];

after(async () => {
  await client?.deleteTopics(topics).catch(() => {});
  await client?.close();
});

test("a record that does not decode goes to the Kafka dead-letter topic with reason and origin headers", {
  ...options,
  timeout: 300_000,
}, async () => {
  const input = uniqueTopic("dlq-in");
  const dlq = uniqueTopic("dlq");
  topics.push(input, dlq);
  await client!.createTopics([{ name: input, partitions: 1, config: OLD_TIMESTAMPS }]);
  kcat(BOOTSTRAP, ["-P", "-t", input], '{"n":1}\n{"n":2}\nnot json\n{"n":4}\n');
  const policy = kafkaDeadLetterTopic({ bootstrap: BOOTSTRAP, topic: dlq });
  let flushes = 0;
  const counted = {
    deadLetter: policy.deadLetter,
    flush: () => {
      flushes++;
      return policy.flush();
    },
  };
  const dir = mkdtempSync(join(tmpdir(), "fleuve-kafka-dlq-"));
  try {
    const env = StreamExecutionEnvironment.create({
      parallelism: 1,
      errorPolicy: counted,
      checkpointing: { dir, intervalMs: 50 },
      log: () => {},
    });
    const seen: number[] = [];
    env
      .fromSource(
        kafkaSource<null, { n: number }, Buffer>({
          bootstrap: BOOTSTRAP,
          topics: [input],
          bounded: true,
          value: "json",
        }),
        WatermarkStrategy.noWatermarks(),
        "in",
      )
      .map((r) => r.value.n)
      .sinkTo({ createWriter: () => ({ write: (n: number) => void seen.push(n) }) }, "out");
    await env.execute("kafka-dlq");
    assert.deepEqual(seen, [1, 2, 4]);
    assert.ok(flushes > 0, "checkpoints waited for the dead letters (flush)");
    await policy.flush();
    // kcat, an independent client: key, headers and value of each letter
    const lines = kcat(BOOTSTRAP, ["-C", "-t", dlq, "-e", "-q", "-f", "%k\\t%h\\t%s\\n"])
      .split("\n")
      .filter((l) => l !== "");
    assert.equal(lines.length, 1, lines.join("\n"));
    const [key, headerText, value] = lines[0]!.split("\t") as [string, string, string];
    assert.equal(key, "in");
    // kcat prints headers as name=value joined by commas (a message may hold commas too)
    const names = [...headerText.matchAll(/(?:^|,)(fleuve\.errors\.[a-z.]+)=/g)];
    const headers: Record<string, string> = {};
    names.forEach((m, i) => {
      const end = i + 1 < names.length ? names[i + 1]!.index : headerText.length;
      headers[m[1]!] = headerText.slice(m.index + m[0].length, end);
    });
    assert.equal(headers["fleuve.errors.job"], "kafka-dlq");
    assert.equal(headers["fleuve.errors.operator"], "in");
    assert.equal(headers["fleuve.errors.subtask"], "0");
    assert.equal(headers["fleuve.errors.topic"], input);
    assert.equal(headers["fleuve.errors.partition"], "0");
    assert.equal(headers["fleuve.errors.offset"], "2");
    assert.match(
      headers["fleuve.errors.exception.message"]!,
      new RegExp(`cannot deserialize record ${input}/0@2`),
    );
    const letter = JSON.parse(value) as {
      operator: string;
      error: string;
      record: { offset: number; value: string };
    };
    assert.equal(letter.operator, "in");
    assert.equal(letter.record.offset, 2);
    assert.equal(Buffer.from(letter.record.value, "base64").toString(), "not json");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("option 'topic' is required", () => {
  assert.throws(
    () => kafkaDeadLetterTopic({ bootstrap: BOOTSTRAP, topic: "" }),
    /kafkaDeadLetterTopic: option 'topic' must name a topic/,
  );
});
