// Schema evolution end to end: a registry (Confluent's REST API) in this process, a job writing
// Avro records to a topic of the embedded log, a compatible evolution, an incompatible one refused,
// and one reader with the new schema reading old and new records. A record that does not match its
// schema goes to the dead letters, never into the topic.
//   node packages/cli/bin/fleuve.js run examples/schema-evolution.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DeadLetter, StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { logSink, logSource, openLog } from "@fleuve/log";
import { schemaDeserializer, schemaSerializer, startRegistry } from "@fleuve/registry";

const V1 = {
  type: "record",
  name: "User",
  fields: [
    { name: "name", type: "string" },
    { name: "age", type: "int" },
  ],
};
// Compatible (BACKWARD, the default): the new field has a default for records written before it.
const V2 = { ...V1, fields: [...V1.fields, { name: "country", type: "string", default: "unknown" }] };
// Incompatible: a field without a default cannot be read from v1 records.
const V3 = { ...V1, fields: [...V1.fields, { name: "plan", type: "string" }] };

const dir = mkdtempSync(join(tmpdir(), "fleuve-schemas-"));
const registry = await startRegistry({ port: 0 }); // 127.0.0.1, in memory; `fleuve registry` serves one too
const url = registry.url;
const log = openLog({ dir: join(dir, "log") });
log.createTopic("users");

async function writeUsers(schema: object, users: object[]): Promise<void> {
  const ser = await schemaSerializer({ url, subject: "users-value", schema }); // registers the schema
  const env = StreamExecutionEnvironment.create({
    errorPolicy: { deadLetter: (l: DeadLetter) => console.log(`dead letter: ${l.error}`) },
  });
  env
    .fromElements(...users)
    .map((u) => ser.serialize(u)) // Confluent's wire format: 0, the schema id, Avro binary
    .sinkTo(logSink<Buffer>({ log, topic: "users", serializer: "bytes" }));
  await env.execute("write-users");
  console.log(`sent ${users.length} users with schema id ${ser.id}`);
}

await writeUsers(V1, [
  { name: "ada", age: 36 },
  { name: "bob", age: "seven" },
]);
await writeUsers(V2, [{ name: "cyd", age: 51, country: "FR" }]);
try {
  await schemaSerializer({ url, subject: "users-value", schema: V3 });
} catch (e) {
  console.log(`v3 refused: ${(e as Error).message.split(", details")[0]}`);
}

const reader = schemaDeserializer<object>({ url, readerSchema: V2 }); // one reader for every version
const env = StreamExecutionEnvironment.create();
env
  .fromSource(
    logSource({
      log,
      topic: "users",
      bounded: true,
      deserialize: (r) => ({ ...reader.deserialize(r.value) }),
    }),
    WatermarkStrategy.noWatermarks(),
    "users",
  )
  .map((u) => JSON.stringify(u))
  .print("read");
await env.execute("read-users");

log.close();
await registry.close();
rmSync(dir, { recursive: true, force: true });

/* Output:
dead letter: value does not match Avro schema 1: age: "seven" does not match type int
sent 2 users with schema id 1
sent 1 users with schema id 2
v3 refused: Schema being registered is incompatible with an earlier schema for subject "users-value"
read> {"name":"ada","age":36,"country":"unknown"}
read> {"name":"cyd","age":51,"country":"FR"}
*/
