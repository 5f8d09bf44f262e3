import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors, openLog } from "@fleuve/log";
import { schemaDeserializer, startRegistry } from "@fleuve/registry";
import { sql } from "@fleuve/sql";

const registry = await startRegistry({ port: 0 });
const dir = mkdtempSync(join(tmpdir(), "fleuve-key-format-"));
const log = openLog({ dir });
log.createTopic("users", { partitions: 1 });
log.close();

const table = `
  CREATE TABLE users (k_id BIGINT NOT NULL, name STRING, k_org STRING NOT NULL) WITH (
    'connector' = 'log', 'log' = '${dir}', 'topic' = 'users', 'bounded' = 'true',
    'key.format' = 'avro-confluent', 'key.avro-confluent.url' = '${registry.url}',
    'key.fields' = 'k_org;k_id', 'key.fields-prefix' = 'k_',
    'value.format' = 'avro-confluent', 'value.avro-confluent.url' = '${registry.url}',
    'value.fields-include' = 'EXCEPT_KEY')`;
// Each INSERT is a job of its own: one table environment for each.
const run = async (statement: string) => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors });
  await tEnv.executeSql(table);
  return tEnv.executeSql(statement);
};
await (await run("INSERT INTO users VALUES (CAST(1 AS BIGINT), 'ada', 'acme'), (CAST(2 AS BIGINT), 'bob', 'initech')")).await();

for (const subject of ["users-key", "users-value"]) {
  const latest = await (await fetch(`${registry.url}/subjects/${subject}/versions/latest`)).json();
  console.log(`${subject}: ${latest.schema}`);
}
// Any Confluent-compatible reader decodes keys and values.
const reader = schemaDeserializer({ url: registry.url });
const raw = openLog({ dir, readOnly: true });
for (const r of raw.topic("users").partition(0).fetch(0, { isolation: "read_committed" }).records)
  console.log("key", JSON.stringify(reader.deserialize(r.key as Buffer)), "value", JSON.stringify(reader.deserialize(r.value as Buffer)));
raw.close();
for (const row of await (await run("SELECT * FROM users")).collect()) console.log(JSON.stringify(row));
await registry.close();
rmSync(dir, { recursive: true, force: true });
