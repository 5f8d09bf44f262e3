// A record its sink's serializer rejects (a value that does not match its Avro schema) goes to the
// dead-letter topic with the validation error under a dead-letter error policy, and the job goes
// on: the good records are in the topic, the bad one only in the dead letters. Under "fail" (the
// default) the job fails naming the sink and the field.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { deadLetterJson, StreamExecutionEnvironment } from "@fleuve/core";
import { deadLetterTopic, logSink, openLog } from "@fleuve/log";
import {
  type RunningRegistry,
  schemaDeserializer,
  schemaSerializer,
  startRegistry,
} from "../../src/index.js";
import { tmpDir } from "../fixtures/http.js";

const USER = {
  type: "record",
  name: "User",
  fields: [
    { name: "name", type: "string" },
    { name: "age", type: "int" },
  ],
};
let r: RunningRegistry;
before(async () => {
  r = await startRegistry({ port: 0 });
});
after(() => r.close());

it("a sink's serializer rejecting a record sends it to the dead letters with the reason", async () => {
  const dir = join(tmpDir(), "log");
  const log = openLog({ dir });
  log.createTopic("users");
  log.close();
  const ser = await schemaSerializer({ url: r.url, subject: "users-value", schema: USER });
  const env = StreamExecutionEnvironment.create({
    errorPolicy: deadLetterTopic({ log: dir, topic: "dlq" }),
    log: () => {},
  });
  env
    .fromElements({ name: "ada", age: 36 }, { name: "bad", age: "old" }, { name: "bob", age: 7 })
    .sinkTo(logSink({ log: dir, topic: "users", serializer: (u) => ser.serialize(u) }), "users-sink");
  await env.execute("sink-dead-letters");

  const check = openLog({ dir, readOnly: true });
  try {
    const reader = schemaDeserializer({ url: r.url });
    const users = check
      .topic("users")
      .partition(0)
      .fetch(0)
      .records.map((x) => ({ ...(reader.deserialize(x.value) as object) }));
    assert.deepEqual(users, [
      { name: "ada", age: 36 },
      { name: "bob", age: 7 },
    ]);
    const letters = check
      .topic("dlq")
      .partition(0)
      .fetch(0)
      .records.map((x) => JSON.parse(x.value!.toString()));
    assert.equal(letters.length, 1);
    assert.deepEqual(
      Object.keys(letters[0]).sort(),
      Object.keys(
        deadLetterJson({
          jobName: "",
          operator: "",
          subtask: 0,
          error: "",
          record: null,
          timestamp: undefined,
          failedAt: 0,
        }),
      ).sort(),
    );
    assert.equal(letters[0].operator, "users-sink");
    assert.deepEqual(letters[0].record, { name: "bad", age: "old" });
    assert.match(
      letters[0].error,
      /value does not match Avro schema \d+: age: "old" does not match type int/,
    );
  } finally {
    check.close();
  }
});

it("under the default policy the job fails, naming the sink and the field", async () => {
  const dir = join(tmpDir(), "log");
  const log = openLog({ dir });
  log.createTopic("users");
  log.close();
  const ser = await schemaSerializer({ url: r.url, subject: "users-value", schema: USER });
  const env = StreamExecutionEnvironment.create({ log: () => {} });
  env
    .fromElements({ name: "bad", age: "old" })
    .sinkTo(logSink({ log: dir, topic: "users", serializer: (u) => ser.serialize(u) }), "users-sink");
  await assert.rejects(env.execute("sink-fails"), /users-sink[\s\S]*age: "old" does not match type int/);
});
