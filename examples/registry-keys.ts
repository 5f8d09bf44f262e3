// Registry serdes on record keys: a job writes each order with its key in the registry's wire
// format (Avro key schema under `orders-key`, Confluent's TopicNameStrategy for keys) and its value
// under `orders-value`; a source decodes both with one registry deserializer.
//   node packages/cli/bin/fleuve.js run examples/registry-keys.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { logSink, logSource, openLog } from "@fleuve/log";
import { schemaDeserializer, schemaSerializer, startRegistry } from "@fleuve/registry";

type Order = { region: string; amount: number };
const KEY = { type: "record", name: "OrderKey", fields: [{ name: "region", type: "string" }] };
const VALUE = {
  type: "record",
  name: "Order",
  fields: [
    { name: "region", type: "string" },
    { name: "amount", type: "int" },
  ],
};

const dir = mkdtempSync(join(tmpdir(), "fleuve-keys-"));
const registry = await startRegistry({ port: 0 });
const url = registry.url;
const log = openLog({ dir: join(dir, "log") });
log.createTopic("orders");

const keys = await schemaSerializer<{ region: string }>({ url, subject: "orders-key", schema: KEY });
const values = await schemaSerializer<Order>({ url, subject: "orders-value", schema: VALUE });
const write = StreamExecutionEnvironment.create();
write.fromElements<Order>({ region: "eu", amount: 3 }, { region: "us", amount: 5 }).sinkTo(
  logSink<Order>({
    log,
    topic: "orders",
    key: (o) => keys.serialize({ region: o.region }), // the key's bytes pick the partition
    serializer: (o) => values.serialize(o),
  }),
  "orders",
);
await write.execute("write-orders");

const reader = schemaDeserializer<object>({ url });
const read = StreamExecutionEnvironment.create();
read
  .fromSource(
    logSource({
      log,
      topic: "orders",
      bounded: true,
      deserialize: (r) => ({
        key: { ...reader.deserialize(r.key) },
        value: { ...reader.deserialize(r.value) },
      }),
    }),
    WatermarkStrategy.noWatermarks(),
    "orders",
  )
  .map((o) => JSON.stringify(o))
  .print("read");
await read.execute("read-orders");

log.close();
await registry.close();
rmSync(dir, { recursive: true, force: true });

/* Output:
read> {"key":{"region":"eu"},"value":{"region":"eu","amount":3}}
read> {"key":{"region":"us"},"value":{"region":"us","amount":5}}
*/
