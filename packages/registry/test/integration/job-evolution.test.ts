// Schema evolution in Fleuve jobs end to end, with the registry in another process (`fleuve
// registry`, so deserializers fetch unknown ids over HTTP): a job writes Avro records through the
// serializer into a log topic (a record not matching the schema goes to the dead-letter topic
// with the validation error, never into the topic), the schema evolves compatibly, an incompatible
// change is refused (409), and one reader with the evolved schema reads old and new records.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { fileURLToPath } from "node:url";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { deadLetterTopic, logSink, logSource, openLog } from "@fleuve/log";
import { schemaDeserializer, schemaSerializer } from "../../src/index.js";
import { tmpDir, waitFor } from "../fixtures/http.js";

const BIN = fileURLToPath(new URL("../../../cli/bin/fleuve.js", import.meta.url));
const V1 = {
  type: "record",
  name: "User",
  fields: [
    { name: "name", type: "string" },
    { name: "age", type: "int" },
  ],
};
const V2 = { ...V1, fields: [...V1.fields, { name: "country", type: "string", default: "unknown" }] };
const V3_BAD = { ...V1, fields: [...V1.fields, { name: "plan", type: "string" }] };

let url = "";
let child: ReturnType<typeof spawn>;
before(async () => {
  child = spawn(process.execPath, [BIN, "registry", "--memory", "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  await waitFor(
    "the registry to listen",
    () => /listening on (http:\S+)/.test(out) || child.exitCode !== null,
  );
  url = /listening on (http:\S+)/.exec(out)![1]!;
});
after(async () => {
  const done = new Promise((r) => child.on("exit", r));
  child.kill("SIGTERM");
  await done;
});

async function write(logDir: string, values: unknown[], schema: object): Promise<void> {
  const ser = await schemaSerializer({ url, subject: "users-value", schema });
  const env = StreamExecutionEnvironment.create({
    errorPolicy: deadLetterTopic({ log: logDir, topic: "dlq" }),
    log: () => {},
  });
  env
    .fromElements(...values)
    .map((v) => ser.serialize(v))
    .name("encode")
    .sinkTo(logSink<Buffer>({ log: logDir, topic: "users", serializer: "bytes" }), "users");
  await env.execute("write-users");
}

it("a job writes v1, evolves to v2, is refused v3, and one v2 reader reads old and new records", async () => {
  const logDir = join(tmpDir(), "log");
  const log = openLog({ dir: logDir });
  log.createTopic("users");
  log.close();

  await write(
    logDir,
    [
      { name: "ada", age: 36 },
      { name: "bad", age: "not a number" },
      { name: "bob", age: 7 },
    ],
    V1,
  );
  await write(logDir, [{ name: "cyd", age: 51, country: "FR" }], V2);
  await assert.rejects(
    schemaSerializer({ url, subject: "users-value", schema: V3_BAD }),
    (e: Error & { errorCode?: number }) => {
      assert.equal(e.errorCode, 409);
      assert.match(e.message, /'plan' has no default/);
      return true;
    },
  );

  const reader = schemaDeserializer<{ name: string; age: number; country: string }>({
    url,
    readerSchema: V2,
  });
  const env = StreamExecutionEnvironment.create({ log: () => {} });
  const users = await env
    .fromSource(
      logSource({
        log: logDir,
        topic: "users",
        bounded: true,
        deserialize: (r) => ({ ...reader.deserialize(r.value) }),
      }),
      WatermarkStrategy.noWatermarks(),
      "users",
    )
    .executeAndCollect();
  assert.deepEqual(users, [
    { name: "ada", age: 36, country: "unknown" },
    { name: "bob", age: 7, country: "unknown" },
    { name: "cyd", age: 51, country: "FR" },
  ]);

  const check = openLog({ dir: logDir, readOnly: true });
  try {
    const letters = check
      .topic("dlq")
      .partition(0)
      .fetch(0)
      .records.map((r) => JSON.parse(r.value!.toString()));
    assert.equal(letters.length, 1);
    assert.equal(letters[0].operator, "encode");
    assert.deepEqual(letters[0].record, { name: "bad", age: "not a number" });
    assert.match(
      letters[0].error,
      /value does not match Avro schema \d+: age: "not a number" does not match type int/,
    );
  } finally {
    check.close();
  }
});
